"""The web server's master process does once what each worker would do at its first requests
(config/warmup.py): import the URLconf, load the catalogues, compile the templates; and it
must not touch the database, whose connection the forked workers would share."""

from __future__ import annotations

import sys

from django.template import engines
from django.utils.translation import trans_real

from config.warmup import warm_up


def test_warming_up_imports_the_views_loads_the_catalogues_and_compiles_the_templates():
    """No database access is allowed in this test: warming up must not need one."""
    compiled = warm_up()
    assert compiled > 100  # the project's templates (every page and partial file)
    assert "portal.views.attendance" in sys.modules  # imported with the URLconf
    assert "ar" in trans_real._translations  # the catalogue chain of each language
    [loader] = engines["django"].engine.template_loaders
    while not hasattr(loader, "get_template_cache"):  # the partials loader wraps the cached one
        [loader] = loader.loaders
    assert "portal/ledger/award.html" in loader.get_template_cache
