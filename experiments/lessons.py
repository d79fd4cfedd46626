"""The lessons of docs/teaching.md, played in the dashboard to make their screenshots, and the
facts each lesson's answers quote, computed from the same runs (history, seed 0).

`python -m experiments dashboard-screenshots` calls `make_screenshots`; `lesson_facts` needs no
browser (`python -c "from experiments.lessons import print_facts; print_facts()"`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from experiments.browser import DashboardPage, chromium, dashboard_server
from experiments.dashboard import DashboardModel
from experiments.levers import EmbargoSetting
from model.goods import TIERS, month_index
from model.scenario import load_scenario

VIEWPORT = (1500, 1900)  # tall enough for the sidebar's levers and all charts
SEED = 0
TARIFF_PCT = 100  # lesson 3's tariff on Chinese magnets, from 2013-01
TARIFF_STEP_PCT = 5  # the tariff slider's step (experiments.levers)


def make_screenshots(out: Path) -> Iterator[tuple[Path, str]]:
    """Play the lessons in headless Chromium; yields (file, what it shows) as each is saved."""
    out.mkdir(parents=True, exist_ok=True)
    with dashboard_server() as url, chromium(viewport=VIEWPORT) as page:
        d = DashboardPage(page)
        d.open(url)
        d.run_to(2003)
        yield d.screenshot(out / "lesson-1-mountain-pass.png"), "lesson 1: history to 2003-12"
        d.run_to(2010)
        yield d.screenshot(out / "lesson-2-embargo.png"), "lesson 2: history to 2010-12 (Japan: concentrate)"
        d.run_to(2012)
        if d.page.locator(".re-pending").count():  # no lever was moved: nothing may be pending
            raise RuntimeError(f"a lever change is pending that nobody made: {d.page.inner_text('.re-pending')}")
        yield d.screenshot(out / "dashboard.png"), "README: history to 2012-12"
        d.run_to(2022)
        yield d.screenshot(out / "lesson-3-hitachi.png"), "lesson 3: history to 2022-12"
        d.click("Reset")
        d.wait_for(f"{load_scenario('history')[0].scenario.start} (start)")
        d.run_to(2012)
        d.slide("us_magnet_tariff_pct", TARIFF_PCT // TARIFF_STEP_PCT)
        d.run_to(2022)
        yield d.screenshot(out / "lesson-3-hitachi-tariff.png"), f"lesson 3: a {TARIFF_PCT}% US tariff from 2013-01"
        if d.errors:
            raise RuntimeError(f"errors in the browser's console: {d.errors}")


# --- the facts the lessons quote -------------------------------------------------------------------
def _run(levers: list[tuple[str, str, Any]] = (), until: str | None = None) -> DashboardModel:
    m = DashboardModel("history", seed=SEED)
    for date, name, value in levers:
        m.step_months(month_index(date, m.start) - m.steps)
        m.levers.set(m, name, value)
    end = month_index(until, m.start) + 1 if until else m.n_months
    m.step_months(end - m.steps)
    return m


def _firm_events(m: DashboardModel, firm: str) -> str:
    rows = [
        f"{e[1]} {e[0]}" for e in m.recorder.events if e[2] == firm and e[1] in ("open", "mothball", "close", "restart")
    ]
    return ", ".join(rows) or "none"


def lesson_facts() -> dict[str, str]:
    """What the lessons' answers rest on, from runs of the history world (seed 0)."""
    facts: dict[str, str] = {}
    base = _run(until="2024-12")
    v = base.view
    at = lambda date: month_index(date, base.start)  # noqa: E731
    facts["China's share of mining 1990 / 2004"] = (
        f"{v.shares[at('1990-06'), 0]:.0%} / {v.shares[at('2004-06'), 0]:.0%}"
    )
    facts["NdPr oxide price 1986 / 2000, USD/kg"] = (
        f"{v.prices[at('1986-06'), 1]:.1f} / {v.prices[at('2000-06'), 1]:.1f}"
    )
    facts["Mountain Pass"] = _firm_events(base, "Mountain Pass")
    for quota in (10_000.0, 5_000.0):
        m = _run([("1995-01", "china_export_quota_t", quota)], until="2010-12")
        facts[f"Mountain Pass with a China export quota of {quota:,.0f} t/yr from 1995"] = _firm_events(
            m, "Mountain Pass"
        )
    m = _run([("1985-01", "us_domestic_premium_pct", 60.0)], until="2010-12")
    facts["Mountain Pass with a 60% US buyers' premium from 1985"] = _firm_events(m, "Mountain Pass")
    j = v.importers.index("JPN")
    for tier in ("concentrate", "ndpr_oxide"):
        q = v.imports_t[j, :, TIERS.index(tier)]
        for date in ("2010-06", "2010-10"):
            legal_cn = q[at(date), base.country_index["CHN"]].sum() - q[at(date), :, 1].sum()
            facts[f"Japan's {tier} from China {date}: legal / smuggled, t"] = (
                f"{max(legal_cn, 0.0):,.0f} / {q[at(date), :, 1].sum():,.0f}"
            )
    s = base.recorder.tables()["series"].set_index("date")["smuggled_t"]
    facts["smuggled, t per year, 2009 / 2012"] = (
        f"{s.loc['2009-01':'2009-12'].sum():,.0f} / {s.loc['2012-01':'2012-12'].sum():,.0f}"
    )
    japan = [e for e in base.recorder.events if e[2] == "JPN" and "supply shock" in e[4]]
    facts["Japan's shock response"] = "; ".join(f"{e[0]}: {e[4]}" for e in japan) or "none"
    facts["Lynas Mount Weld"] = _firm_events(base, "Lynas Mount Weld")
    facts["Hitachi Metals North Carolina"] = _firm_events(base, "Hitachi Metals North Carolina")
    m = _run([("2013-01", "us_magnet_tariff_pct", float(TARIFF_PCT))], until="2024-12")
    facts[f"Hitachi NC with a {TARIFF_PCT}% tariff from 2013-01"] = _firm_events(m, "Hitachi Metals North Carolina")
    for date in ("2013-01", "2013-05"):
        m = _run([(date, "us_domestic_premium_pct", 30.0)], until="2024-12")
        facts[f"Hitachi NC with a 30% US buyers' premium from {date}"] = _firm_events(
            m, "Hitachi Metals North Carolina"
        )
    embargo = _run([("2015-01", "china_embargo", EmbargoSetting("USA", 12))], until="2016-12")
    a0, a1 = base.recorder.tables()["agents"], embargo.recorder.tables()["agents"]
    for year in ("2015", "2016"):
        out = [
            float(
                a.loc[(a["name"] == "Hitachi Metals North Carolina") & (a["date"] == f"{year}-12"), "output_t"].iloc[0]
            )
            for a in (a0, a1)
        ]
        facts[f"Hitachi NC output {year}, t: history / 12-month embargo on the USA from 2015-01"] = (
            f"{out[0]:,.0f} / {out[1]:,.0f}"
        )
    return facts


def print_facts() -> None:
    for key, value in lesson_facts().items():
        print(f"{key}: {value}")
