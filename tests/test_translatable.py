"""Every message a service, a permission check or domain code shows to a user goes through
gettext (issue 16, item 4): a bare string or f-string given as the message of a `...Error(code,
message)`, of `require(allowed, Error, message)`, of `RowError(line, value, reason)` or of
`notify(..., message=...)` cannot be translated. Read from the source with `ast`; a variable is
trusted (its value is checked where it is made)."""

from __future__ import annotations

import ast
from pathlib import Path

PORTAL = Path(__file__).resolve().parents[1] / "portal"
AREAS = ("services", "permissions", "domain")
EXTRA_FILES = ("exceptions.py", "uploads.py", "images.py")

# The functions that mark a string for translation.
GETTEXT = {"_", "gettext", "ngettext", "pgettext", "npgettext", "gettext_lazy", "ngettext_lazy"}

# (file relative to portal/, line text fragment) -> why the bare string is right there.
ALLOWED: dict[tuple[str, str], str] = {}


def _files() -> list[Path]:
    files = [p for area in AREAS for p in sorted((PORTAL / area).rglob("*.py"))]
    return files + [PORTAL / name for name in EXTRA_FILES]


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _untranslated(node: ast.expr) -> bool:
    """A literal string, an f-string, or one of them %-formatted or concatenated: text that
    reaches the user as written. `_("...") % {...}` is fine."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(node.value.strip())
    if isinstance(node, ast.BinOp):
        return _untranslated(node.left) or (
            isinstance(node.op, ast.Add) and _untranslated(node.right)
        )
    if isinstance(node, ast.IfExp):
        return _untranslated(node.body) or _untranslated(node.orelse)
    return False


def _messages(call: ast.Call) -> list[ast.expr]:
    """The arguments of `call` that are a user-facing message, if it is a call we check."""
    name = _name(call.func)
    keyword = {k.arg: k.value for k in call.keywords}
    if name == "notify":
        return [keyword["message"]] if "message" in keyword else []
    if name == "require":
        if len(call.args) >= 3:
            return [call.args[2]]
        return [keyword["message"]] if "message" in keyword else []
    if name == "RowError":
        if len(call.args) >= 3:
            return [call.args[2]]
        return [keyword["reason"]] if "reason" in keyword else []
    if name.endswith("Error") and name[0].isupper():
        # PortalError subclasses: (code, message, field=...)
        if len(call.args) >= 2:
            return [call.args[1]]
        return [keyword["message"]] if "message" in keyword else []
    return []


def _violations() -> list[str]:
    found = []
    for path in _files():
        source = path.read_text()
        lines = source.splitlines()
        relative = str(path.relative_to(PORTAL))
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.Call) or _name(node.func) in GETTEXT:
                continue
            for message in _messages(node):
                if not _untranslated(message):
                    continue
                line = lines[message.lineno - 1].strip()
                if any(f == relative and frag in line for f, frag in ALLOWED):
                    continue
                found.append(f"{relative}:{message.lineno}: {line}")
    return found


def test_the_scan_sees_the_calls_it_checks():
    """The scan would catch each shape it is meant to catch (so an empty result means something)."""
    bad = ast.parse(
        "raise LedgerError('code', 'Plain.')\n"
        "raise LedgerError('code', f'{n} points.', field='points')\n"
        "require(ok, LedgerError, 'Only staff.')\n"
        "notify(user, kind=k, message=f'You got {n}.')\n"
        "RowError(1, value, 'Bad line.')\n"
        "raise AccountError(code='c', message='Plain ' + name)\n"
    )
    good = ast.parse(
        "raise LedgerError('code', _('Plain.'))\n"
        "raise LedgerError('code', _('%(n)s points.') % {'n': n}, field='points')\n"
        "require(ok, LedgerError, _('Only staff.'))\n"
        "notify(user, kind=k, message=message)\n"
        "RowError(1, value, exc.message)\n"
        "raise LedgerError('code', ngettext('%(n)s point', '%(n)s points', n) % {'n': n})\n"
    )

    def flagged(tree: ast.Module) -> int:
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
        return sum(_untranslated(m) for c in calls for m in _messages(c))

    assert flagged(bad) == 6
    assert flagged(good) == 0


def test_scan_covers_the_services():
    assert any(p.name == "ledger.py" and p.parent.name == "services" for p in _files())
    assert len(_files()) > 30


def test_user_facing_messages_go_through_gettext():
    violations = _violations()
    assert not violations, (
        "wrap these messages in gettext: _('... %(name)s ...') % {'name': ...}, and ngettext "
        "for a number:\n" + "\n".join(violations)
    )
