from __future__ import annotations

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "UPAS portal"

    def ready(self) -> None:
        from portal import checks, receivers  # noqa: F401  (connects signals, registers checks)
        from portal.translations import drop_empty_fallbacks

        drop_empty_fallbacks()
