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
PLANT = "Hitachi Metals North Carolina"


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


def _plant(m: DashboardModel, column: str, years: tuple[int, ...], scale: float = 1.0, firm: str = PLANT) -> str:
    """A firm's `column` of the agents table (December; output_t is the year's) for `years`."""
    a = m.recorder.tables()["agents"]
    a = a[a["name"] == firm].set_index("date")[column]
    return " / ".join(f"{a.get(f'{y}-12', 0.0) / scale:,.0f}" for y in years)


def _us_magnets(m: DashboardModel, year: int) -> str:
    """US magnet buyers' purchases in `year` by origin (China, Japan, USA), t."""
    f = m.recorder.tables()["flows"]
    f = f[(f["tier"] == "magnet") & (f["destination"] == "USA") & f["channel"].isin(["legal", "smuggled"])]
    q = f[f["date"].str.startswith(str(year))].groupby("origin")["quantity_t"].sum()
    return " / ".join(f"{q.get(c, 0.0):,.0f}" for c in ("CHN", "JPN", "USA"))


def _plant_costs(years: tuple[int, ...]) -> str:
    """The plant's December ask against its processing plus oxide cost (what its stop rule
    compares), USD/kg, for `years`: not in the agents table, whose unit_cost is processing only."""
    m = DashboardModel("history", seed=SEED)
    rows = []
    for y in years:
        m.step_months(month_index(f"{y}-12", m.start) + 1 - m.steps)
        f = m.firm_by_name[PLANT]
        rows.append(f"{y}: {f.price['magnet']:.0f} vs {f.reference_cost('magnet'):.0f}")
    return ", ".join(rows)


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
    stops = [e for e in base.recorder.events if e[2] == "Mountain Pass" and e[1] == "mothball"]
    facts["Mountain Pass's first mothballing"] = f"{stops[0][0]}: {stops[0][4]}" if stops else "none"
    for quota in (10_000.0, 5_000.0):
        m = _run([("1995-01", "china_export_quota_t", quota)], until="2012-12")
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
    for firm in ("Lynas Mount Weld", "Lynas Malaysia"):
        facts[firm] = _firm_events(base, firm)

    years = (2013, 2014, 2015, 2016, 2017, 2018, 2019, 2020, 2022)
    facts[PLANT] = _firm_events(base, PLANT)
    facts[f"Hitachi NC, years {', '.join(map(str, years))}: output, t"] = _plant(base, "output_t", years)
    facts["  its cash in December, million USD"] = _plant(base, "cash", years, 1e6)
    facts["Hitachi NC ask vs processing and oxides, USD/kg (December)"] = _plant_costs((2013, 2016, 2018, 2020))
    for year in (2013, 2016, 2019):
        facts[f"US magnet purchases {year} from China / Japan / USA, t"] = _us_magnets(base, year)
    variants = {
        f"{TARIFF_PCT}% tariff": [("2013-01", "us_magnet_tariff_pct", float(TARIFF_PCT))],
        "30% premium": [("2013-01", "us_domestic_premium_pct", 30.0)],
    }
    for label, levers in variants.items():  # from 2013-01
        m = _run(levers, until="2022-12")
        facts[f"Hitachi NC with a {label} from 2013-01"] = _firm_events(m, PLANT)
        facts[f"  {label}: its output, t"] = _plant(m, "output_t", years)
        facts[f"  {label}: its cash in December, million USD"] = _plant(m, "cash", years, 1e6)
        for year in (2014, 2017, 2020):
            facts[f"  {label}: US magnet purchases {year} from China / Japan / USA, t"] = _us_magnets(m, year)
        if label == "30% premium":
            facts[f"  {label}: Magnequench output 2014, t"] = _plant(m, "output_t", (2014,), firm="Magnequench")
    embargo = _run([("2015-01", "china_embargo", EmbargoSetting("USA", 12))], until="2022-12")
    facts["Hitachi NC with a 12-month embargo on the USA from 2015-01"] = _firm_events(embargo, PLANT)
    facts["  embargo: its output, t"] = _plant(embargo, "output_t", years)
    facts["  embargo: its cash in December, million USD"] = _plant(embargo, "cash", years, 1e6)
    facts["  embargo: US magnet purchases 2015 from China / Japan / USA, t"] = _us_magnets(embargo, 2015)
    return facts


def print_facts() -> None:
    for key, value in lesson_facts().items():
        print(f"{key}: {value}")
