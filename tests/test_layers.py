"""The import map of docs/ARCHITECTURE.md, enforced: no module imports a layer above its own.

    domain        pure functions and values; imports nothing of the portal
    models        domain
    permissions   models, domain
    selectors     models, permissions, domain
    services      selectors, models, permissions, domain (never views or forms)
    forms, tables, filters   models, selectors, permissions, domain; forms call no service but
                  the sign-up hook (allauth calls it while saving the new user)
    views, adapters, receivers, management commands   anything

Read from the source with `ast`, so an import inside a function counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PORTAL = Path(__file__).resolve().parents[1] / "portal"

FORBIDDEN = {
    "domain": ("portal.",),  # but portal.exceptions, pure too (EXCEPTIONS)
    "models": (
        "portal.services",
        "portal.selectors",
        "portal.permissions",
        "portal.views",
        "portal.forms",
    ),
    "permissions": ("portal.services", "portal.selectors", "portal.views", "portal.forms"),
    "selectors": ("portal.services", "portal.views", "portal.forms"),
    "services": ("portal.views", "portal.forms", "portal.adapters"),
    "forms": ("portal.services", "portal.views", "portal.adapters"),
    "tables": ("portal.services", "portal.views", "portal.forms"),
    "filters": ("portal.services", "portal.views"),
}
# Allowed on purpose, each with its reason.
EXCEPTIONS = {
    # allauth calls StudentSignupForm.signup() while it saves the new user.
    ("forms/accounts.py", "portal.services.accounts"),
    # domain code may raise the portal's errors and use other domain code.
    *((f"domain/{p.name}", "portal.exceptions") for p in (PORTAL / "domain").glob("*.py")),
    *((f"domain/{p.name}", "portal.domain") for p in (PORTAL / "domain").glob("*.py")),
}


def imported_modules(path: Path) -> set[str]:
    """Absolute names of every portal module `path` imports (relative imports resolved)."""
    package = ".".join(path.relative_to(PORTAL.parent).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return {name for name in names if name.startswith("portal")}


def layer_files() -> list[tuple[str, Path]]:
    return [
        (layer, path)
        for layer in FORBIDDEN
        for path in sorted((PORTAL / layer).rglob("*.py"))
        if (PORTAL / layer).is_dir()
    ] + [
        (layer, PORTAL / f"{layer}.py") for layer in FORBIDDEN if (PORTAL / f"{layer}.py").exists()
    ]


@pytest.mark.parametrize(
    ("layer", "path"),
    layer_files(),
    ids=lambda v: str(v.relative_to(PORTAL)) if isinstance(v, Path) else v,
)
def test_no_module_imports_a_layer_above_its_own(layer: str, path: Path) -> None:
    relative = str(path.relative_to(PORTAL))
    wrong = sorted(
        name
        for name in imported_modules(path)
        for banned in FORBIDDEN[layer]
        if (name == banned.rstrip(".") or name.startswith(banned))
        and not name.startswith(f"portal.{layer}")
        and not any(relative == f and name.startswith(m) for f, m in EXCEPTIONS)
    )
    assert not wrong, f"{relative} ({layer}) imports {wrong}"


def test_every_layer_has_modules() -> None:
    """A renamed folder must not make this test pass by checking nothing."""
    found = {layer for layer, _path in layer_files()}
    assert found == set(FORBIDDEN)
