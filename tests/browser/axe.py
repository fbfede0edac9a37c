"""axe-core in the Playwright browser tests.

`axe.min.js` (npm axe-core, copied by `npm run vendor`) is committed under tests/browser/vendor/,
so the tests need no Node. It is evaluated into the page through the DevTools protocol, which the
page's Content Security Policy does not apply to (a <script> tag would be refused), so the sweep
runs against the real CSP."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_JS = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
AXE_VERSION = "4.14.1"
BLOCKING = ("critical", "serious")
IMPACTS = ("critical", "serious", "moderate", "minor")

_RUN = """async () => {
  const result = await window.axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => ({
      target: n.target.map(String).join(" "),
      html: n.html.slice(0, 240),
      summary: (n.failureSummary || "").split("\\n").slice(0, 3).join(" "),
    })),
  }));
}"""

# htmx is done when no element is still waiting for, swapping or settling a response, twice in a
# row 25 ms apart (a swapped-in element may fire its own `load` request right after settling).
_HTMX_IDLE = """() => new Promise((resolve, reject) => {
  const busy = () => document.querySelector(
    ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added");
  let quiet = 0;
  const started = Date.now();
  const tick = () => {
    quiet = busy() ? 0 : quiet + 1;
    if (quiet >= 2) return resolve(true);
    if (Date.now() - started > 10000) return reject(new Error("htmx still busy after 10 s"));
    setTimeout(tick, 25);
  };
  tick();
})"""


def wait_for_htmx(page: Page) -> None:
    """Wait until the page's htmx requests (including the ones fired on `load`, and the loads
    those responses fire in turn) have been swapped and settled."""
    page.evaluate(_HTMX_IDLE)


def run_axe(page: Page) -> list[dict[str, Any]]:
    """The page's axe violations (every impact), one dict per rule with its nodes."""
    if page.evaluate("() => window.axe && window.axe.version") is None:
        page.evaluate(AXE_JS)
        assert page.evaluate("() => window.axe.version") == AXE_VERSION
    return page.evaluate(_RUN)


@dataclass
class Finding:
    where: str  # "admin /staff/redemptions/ @375 (after: reject form opened)"
    rule: str
    impact: str
    help: str
    nodes: list[dict[str, str]]


@dataclass
class Report:
    """Every violation the sweep met, by impact; `checked` counts the (page or state) x width
    combinations that were run."""

    findings: list[Finding] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def check(self, page: Page, where: str) -> None:
        self.checked.append(where)
        for v in run_axe(page):
            self.findings.append(Finding(where, v["id"], v["impact"], v["help"], v["nodes"]))

    def by_impact(self, *impacts: str) -> list[Finding]:
        return [f for f in self.findings if f.impact in impacts]

    def counts(self) -> dict[str, int]:
        """Violations (rule x page x width) and their nodes, by impact."""
        out: dict[str, int] = {}
        for impact in IMPACTS:
            found = self.by_impact(impact)
            out[impact] = len(found)
            out[f"{impact} nodes"] = sum(len(f.nodes) for f in found)
        return out

    def text(self, *impacts: str, detail: bool = True) -> str:
        lines = []
        for f in sorted(self.by_impact(*impacts), key=lambda f: (IMPACTS.index(f.impact), f.rule)):
            lines.append(f"[{f.impact}] {f.rule} ({f.help}) on {f.where}: {len(f.nodes)} node(s)")
            if detail:
                lines.extend(
                    f"    {n['target']}  {n['summary']}\n      {n['html']}" for n in f.nodes[:5]
                )
        return "\n".join(lines)

    def summary(self) -> str:
        """One line per rule for the moderate and minor findings (they do not fail the sweep)."""
        rules: dict[tuple[str, str], list[str]] = {}
        for f in self.by_impact("moderate", "minor"):
            rules.setdefault((f.impact, f"{f.rule}: {f.help}"), []).append(f.where)
        lines = [
            f"[{impact}] {rule} — {len(wheres)} page(s), e.g. {wheres[0]}"
            for (impact, rule), wheres in sorted(rules.items())
        ]
        return "\n".join(lines)
