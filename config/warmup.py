"""What every web worker would otherwise do at its first requests, done once before the fork.

gunicorn's `preload_app` imports the WSGI module in the master and forks the workers from it,
but Django imports the URLconf (every view module, and what they import), loads the
translation catalogues and compiles the templates only when a request first needs them. So
each new worker, and each worker recycled after `max_requests`, spent about 1.5 s of CPU on
its first requests, and its first users waited for it (issue 17; bench/README.md). Done here,
in the master, the forked workers share the result.

Nothing here may leave a database connection open for the forked workers to share:
`warm_up` closes any that something it imported opened, and says so in the log.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.template import engines
from django.urls import get_resolver
from django.utils import translation

log = logging.getLogger(__name__)


def warm_up() -> int:
    """Import the URLconf, load every language's catalogue and compile the project's
    templates; returns how many templates it compiled."""
    open_before = {alias for alias in connections if connections[alias].connection is not None}
    get_resolver().url_patterns  # noqa: B018 (imports every view module)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Dashboard")  # loads the catalogue chain for `code`
    compiled = _compile_templates()
    opened = [
        alias
        for alias in connections
        if connections[alias].connection is not None and alias not in open_before
    ]
    if opened:  # forked workers must not share a connection
        log.warning("warming up opened database connections %s; closed before the fork", opened)
        for alias in opened:
            connections[alias].close()
    return compiled


def _compile_templates() -> int:
    """The project's own templates (the `templates` directory), through the engine's cached
    loader, so a worker finds them compiled. Third-party templates compile on first use."""
    engine = engines["django"].engine
    count = 0
    for directory in engine.dirs:
        root = Path(directory)
        for path in sorted(root.rglob("*.html")):
            engine.get_template(path.relative_to(root).as_posix())
            count += 1
    return count
