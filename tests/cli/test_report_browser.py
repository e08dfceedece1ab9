"""The HTML report in headless Chromium at a laptop's width (1,280 px) and a phone's (390 px):
screenshots into build/report/, and what a reader must see: the simulated-data banner, the spend
figures, dated chart axes, every table column inside the page, working CSV/JSON exports, and not
one request to the network."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import os
import shutil

import pytest

from genai_costs.model.window import Window
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse
from genai_costs_cli.output import money
from genai_costs_cli.report_html import write_html
from genai_costs_cli.reporting import SECTIONS, ReportFilter, build_report

from .conftest import TODAY

# One worker runs these files: the demo organization they read (a session fixture) is built once.
pytestmark = pytest.mark.xdist_group("cli_demo")

WIDTHS = {"laptop": 1280, "phone": 390}


def chromium_executable() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found is None:
        if os.environ.get("GENAI_COSTS_REQUIRE_BROWSER"):
            pytest.fail("Chromium is not installed: `make browser` (Debian package chromium)")
        pytest.skip("Chromium is not installed: `make browser` (Debian package chromium)")
    return found


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright comes with the dev extra")
    executable = chromium_executable()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def report_page(demo_env, tmp_path):
    with open_warehouse(get_settings()) as wh:
        report = build_report(
            wh, "demo", ReportFilter(Window(start=TODAY - dt.timedelta(days=30), end=TODAY)), simulated=True
        )
    return report, write_html(report, tmp_path / "demo.html")


@pytest.mark.parametrize("device", WIDTHS)
def test_report_in_chromium(browser, report_page, artifacts, device):
    report, path = report_page
    width = WIDTHS[device]
    page = browser.new_page(viewport={"width": width, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.screenshot(path=str(artifacts / f"report-{width}px.png"), full_page=True)

    assert [u for u in requests if not u.startswith(("file:", "data:"))] == [], "the file is self-contained"
    assert page.locator("#simulated-banner").is_visible()
    kpis = page.locator("#kpis").inner_text()
    for amount in (report.spend["reported_usd"], report.spend["computed_usd"], report.waste_usd):
        assert money(amount) in kpis
    assert "Forecast" in kpis

    # The trend has dated x-axis labels (a month and a day), and they are on screen.
    labels = page.locator("#trend svg text").all_text_contents()
    first = report.window.start
    assert f"{first:%b} {first.day}" in labels
    assert page.locator("#trend svg").is_visible()

    # Nothing wider than the page: no horizontal scroll of the page, no cell outside it or cut.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    clipped = page.evaluate(
        """() => [...document.querySelectorAll('table th, table td')].filter(cell => {
               const r = cell.getBoundingClientRect();
               const box = cell.closest('.tablebox').getBoundingClientRect();
               return r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1
                                      || cell.scrollWidth > cell.clientWidth + 1);
           }).map(cell => cell.textContent)"""
    )
    assert clipped == [], f"clipped cells at {width}px: {clipped[:5]}"

    # Every section is there with its description; tables with rows carry a total and exports.
    for section in SECTIONS:
        block = page.locator(f"section#{section.name}")
        assert block.locator("h2").inner_text() == section.title
        assert section.description[:40] in block.locator("p.desc").inner_text()
        if report.sections[section.name]:
            link = block.locator("p.exports a", has_text="CSV")
            payload = link.get_attribute("href").split("base64,", 1)[1]
            rows = list(csv.reader(io.StringIO(base64.b64decode(payload).decode())))
            assert rows[0] == [c.key for c in section.columns] and len(rows) == len(report.sections[section.name]) + 1
        else:
            assert block.locator("p.empty").is_visible()
    assert report.sections["usage_by_tenant"]  # the demo's applications record usage events
    total = page.locator("section#cost_by_provider tfoot").inner_text()
    assert money(sum(r["cost_usd"] for r in report.sections["cost_by_provider"])) in total
    page.close()
