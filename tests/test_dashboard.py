"""The teaching dashboard in a real browser: Debian's headless Chromium driven by Playwright.

The test starts `python -m experiments dashboard` on 127.0.0.1 at a free port and checks that the
page loads with no error in the browser's console and asks for nothing off this machine; that a
lever change (an embargo on Japan and more enforcement against smuggling) and ten steps update the
date and redraw every chart; that the event feed shows the levers' events; and that 'Run to',
Mesa's Reset, play and pause work. It times 'Step 1 year' (printed, never asserted: speed is not a
unit test's business) and saves a screenshot: to the file named by DASHBOARD_SCREENSHOT if set,
else into the test's tmp directory.

Chromium is not optional: without /usr/bin/chromium the test fails and says how to install it.
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path

import pytest

from experiments import levers as lv
from experiments.browser import CHROMIUM, DashboardPage, chromium, dashboard_server
from experiments.dashboard import DashboardModel
from model.goods import month_label
from model.scenario import load_scenario

YEAR_STEPS = 3
ENFORCEMENT = lv.LEVERS["china_enforcement_pct"]


def test_dashboard_in_a_browser(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); .ci/run does")
    start = load_scenario("history")[0].scenario.start
    # four presses of the enforcement slider's arrow key, from where the history starts it
    enforcement = min(lv.read(DashboardModel("history"), ENFORCEMENT.name) + 4 * ENFORCEMENT.step, ENFORCEMENT.hi)
    month = lambda i: month_label(start, i)  # noqa: E731 - the i-th month of the run
    log = tmp_path / "server.log"
    with dashboard_server(log=log) as url, chromium() as page:
        d = DashboardPage(page)
        d.open(url)
        assert d.date() == f"{start} (start)"
        assert "no purchases yet" not in d.feed_text()
        charts_before = d.chart_sources()

        # levers: an embargo on Japan (the default target) and enforcement up 4 steps of 5 points
        d.switch_on("china_embargo")
        d.slide("china_enforcement_pct", 4)
        page.wait_for_selector(f"text=From {start}:", timeout=30_000)
        d.lever("china_enforcement_pct").get_by_text(f"{ENFORCEMENT.label}: {enforcement:.0f} %").wait_for()

        for i in range(10):
            d.step(month(i))
        assert d.date() == month(9)
        charts_after = d.chart_sources()
        unchanged = [c for c in charts_after if charts_after[c] == charts_before[c]]
        assert not unchanged, f"charts not redrawn after ten steps: {unchanged}"
        feed = d.feed_text()
        assert f"{start} China: embargo on Japan for 6 months" in feed and "(dashboard lever)" in feed
        assert "enforcement against smuggling" in feed
        assert "in force" in d.lever("china_embargo").inner_text()
        assert f"enforcement against smuggling and illegal mining {enforcement:.0f}% (dashboard lever)" in feed

        # 'Step 1 year', timed
        timings = [d.step_year(month(9 + 12 * (k + 1))) for k in range(YEAR_STEPS)]
        # 'Run to' (the end of the year its slider shows) and Mesa's Reset
        target_year = int(page.inner_text(".re-run-to-year").split()[-1])
        page.click(".re-run-to")
        d.wait_for(f"{target_year}-12")
        d.click("Reset")
        d.wait_for(f"{start} (start)")
        assert d.lever("china_embargo").locator("input[type=checkbox]").first.is_checked() is False

        # Mesa's play and pause
        stopped = d.play_until(month(3))
        page.wait_for_timeout(1500)
        assert d.date() == stopped >= month(3), "the model went on after pause"

        shot = Path(os.environ.get("DASHBOARD_SCREENSHOT") or tmp_path / "dashboard.png")
        d.screenshot(shot)
        assert shot.stat().st_size > 50_000
        assert d.errors == [], f"errors in the browser's console: {d.errors}"
        assert d.outside == [], f"the page asked for something off this machine: {d.outside}"
    with capsys.disabled():
        print(
            f"\n[dashboard] 'Step 1 year' in the page (12 months, every chart redrawn): "
            f"{', '.join(f'{t:.2f}' for t in timings)} s (median {statistics.median(timings):.2f} s); screenshot {shot}"
        )
