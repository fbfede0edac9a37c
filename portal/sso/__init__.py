"""Single sign-on with the campus identity provider (OpenID Connect, through allauth).

`provider` makes allauth check the ID token's signature on every sign-in; `adapter` decides
which portal account a campus identity signs in to; `urls`/`views` are allauth's, bound to the
checking adapter."""
