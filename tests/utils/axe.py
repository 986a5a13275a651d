"""axe-core in the e2e browser: scan a Playwright page for WCAG 2 A/AA and best-practice violations.

axe-core comes from the npm registry (``scripts/setup.sh --dev`` pins it into ``.tools/axe``). It is
evaluated in the page through DevTools (``page.evaluate``), which the app's Content-Security-Policy
does not govern, so the contexts keep the real policy. Every scan is recorded in ``RESULTS``; the e2e
``conftest.py`` prints ``summary()`` at the end of the run.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
AXE_JS = ROOT / ".tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
IMPACTS = ("critical", "serious", "moderate", "minor")
BLOCKING = ("critical", "serious")


@dataclass
class Scan:
    label: str
    width: int
    theme: str
    violations: list[dict[str, Any]] = field(default_factory=list)

    def count(self, impact: str) -> int:
        return sum(1 for v in self.violations if v.get("impact") == impact)


RESULTS: list[Scan] = []


@functools.cache
def _axe_source() -> str:
    if not AXE_JS.exists():
        raise RuntimeError(f"axe-core is missing at {AXE_JS}: run scripts/setup.sh --dev")
    return AXE_JS.read_text()


def _theme_of(page: Any) -> str:
    dark = page.evaluate(
        "() => document.documentElement.classList.contains('dark')"
        " || (!document.documentElement.classList.contains('light')"
        " && matchMedia('(prefers-color-scheme: dark)').matches)"
    )
    return "dark" if dark else "light"


def scan(page: Any, label: str) -> list[dict[str, Any]]:
    """Run axe on the page as it is now; returns its violations (each with rule id, impact, nodes)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result = page.evaluate(
        """async (tags) => {
            const options = {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']};
            const r = await axe.run(document, options);
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({
                    target: n.target, summary: n.failureSummary, html: n.html.slice(0, 200),
                })),
            }));
        }""",
        TAGS,
    )
    width = page.viewport_size["width"] if page.viewport_size else 0
    RESULTS.append(Scan(label, width, _theme_of(page), list(result)))
    return list(result)


def describe(violations: list[dict[str, Any]], impacts: tuple[str, ...] = BLOCKING) -> str:
    lines = []
    for v in violations:
        if v.get("impact") not in impacts:
            continue
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:8]:
            summary = (node.get("summary") or "").replace("\n", " ")[:300]
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)


def assert_no_serious(page: Any, label: str) -> list[dict[str, Any]]:
    """Scan and fail listing every critical or serious violation (rule, impact, targets, summary)."""
    violations = scan(page, label)
    blocking = [v for v in violations if v.get("impact") in BLOCKING]
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert not blocking, f"axe on {label} at {width} px ({_theme_of(page)}):\n{describe(blocking)}"
    return violations


def summary() -> str:
    """One line over every scan of the run, e.g. for the terminal summary."""
    if not RESULTS:
        return ""
    pages = len({s.label for s in RESULTS})
    widths = len({s.width for s in RESULTS})
    themes = len({s.theme for s in RESULTS})
    counts = ", ".join(f"{impact} {sum(s.count(impact) for s in RESULTS)}" for impact in IMPACTS)
    return (
        f"axe: {len(RESULTS)} scans ({pages} pages x {widths} widths x {themes} themes), "
        f"violations by impact: {counts}"
    )
