"""What the browser tests share: Debian's chromium through Playwright (never a downloaded
browser), and one check per page: axe-core (from npm, services/portal/assets-src) with no
serious or critical violation, screenshots at 360 and 1280 px under .artifacts/portal/, no
sideways scrolling at 360 px, and the page's weight (HTML + CSS + JS) under 100 KB."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import Page

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
AXE = ROOT / "services" / "portal" / "assets-src" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / ".artifacts" / "portal"
WIDTHS = (360, 1280)
MAX_PAGE_BYTES = 100 * 1024
SERIOUS = ("serious", "critical")

# The page's weight: the document as sent (decoded) plus every stylesheet and script it
# loads, each read again for its decoded size (a cached one has no resource timing entry).
_WEIGHT = """async () => {
  const nav = performance.getEntriesByType("navigation")[0];
  const urls = [...document.querySelectorAll("script[src]")].map(s => s.src)
    .concat([...document.querySelectorAll("link[rel=stylesheet]")].map(l => l.href));
  let total = nav ? nav.decodedBodySize : 0;
  for (const url of urls) {
    total += (await (await fetch(url)).arrayBuffer()).byteLength;
  }
  return total;
}"""


@dataclass
class PageReport:
    name: str
    weight: int
    violations: list[str] = field(default_factory=list)


@dataclass
class Checks:
    """Every page a journey visits, checked the same way; the numbers are kept for the report."""

    reports: list[PageReport] = field(default_factory=list)

    async def page(self, page: Page, name: str) -> PageReport:
        assert AXE.is_file(), f"{AXE} is missing: npm ci --prefix services/portal/assets-src"
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        weight = int(await page.evaluate(_WEIGHT))
        await page.add_script_tag(path=str(AXE))
        result = await page.evaluate(
            "async () => JSON.stringify((await axe.run(document, "
            "{resultTypes: ['violations']})).violations)"
        )
        violations = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in json.loads(result)
            if v.get("impact") in SERIOUS
        ]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        viewport = page.viewport_size
        for width in WIDTHS:
            await page.set_viewport_size({"width": width, "height": 800})
            await page.screenshot(path=str(ARTIFACTS / f"{slug}-{width}.png"), full_page=True)
            if width == 360:
                scroll = await page.evaluate("document.documentElement.scrollWidth")
                assert scroll <= 360, f"{name}: {scroll} px wide at 360 px (sideways scrolling)"
        if viewport:
            await page.set_viewport_size(viewport)
        report = PageReport(name, weight, violations)
        self.reports.append(report)
        assert not violations, f"{name}: accessibility violations: {violations}"
        assert 0 < weight < MAX_PAGE_BYTES, f"{name}: {weight} bytes of HTML, CSS and JS"
        return report
