"""Renderings of signed documents (issue 20): the certificate and transcript PDFs, and the Open
Badges 3.0 credential. Each takes the signed object of portal.domain.signing and changes nothing
in it: what they print or encode is what was signed, so any copy verifies against the JSON."""
