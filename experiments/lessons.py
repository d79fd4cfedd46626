"""The lessons of docs/teaching.md, played in the dashboard to make their screenshots, and the
facts each lesson's answers quote, computed from the same runs (history, seed 0).

`python -m experiments dashboard-screenshots` calls `make_screenshots`; `lesson_facts` needs no
browser (`python -c "from experiments.lessons import print_facts; print_facts()"`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.browser import DashboardPage, chromium, dashboard_server
from experiments.dashboard import DashboardModel
from experiments.levers import EmbargoSetting
from model.goods import TIERS, month_index
from model.scenario import load_scenario

VIEWPORT = (1500, 1900)  # tall enough for the sidebar's levers and all charts
SEED = 0
TARIFF_PCT = 100  # lesson 3's tariff on Chinese magnets, from 2013-01
TARIFF_STEP_PCT = 5  # the tariff slider's step (experiments.levers)
LESSON_1_YEAR = 2004  # lesson 1 runs to the end of this year: Mountain Pass first mothballs in 2003-11


def make_screenshots(out: Path) -> Iterator[tuple[Path, str]]:
    """Play the lessons in headless Chromium; yields (file, what it shows) as each is saved."""
    out.mkdir(parents=True, exist_ok=True)
    with dashboard_server() as url, chromium(viewport=VIEWPORT) as page:
        d = DashboardPage(page)
        d.open(url)
        d.run_to(LESSON_1_YEAR)
        yield d.screenshot(out / "lesson-1-mountain-pass.png"), f"lesson 1: history to {LESSON_1_YEAR}-12"
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


def _plant(
    m: DashboardModel, column: str, years: tuple[int, ...], scale: float = 1.0, firm: str = PLANT, digits: int = 0
) -> str:
    """A firm's `column` of the agents table (December; output_t is the year's) for `years`."""
    a = m.recorder.tables()["agents"]
    a = a[a["name"] == firm].set_index("date")[column]
    return " / ".join(f"{a.get(f'{y}-12', 0.0) / scale:,.{digits}f}" for y in years)


ORIGINS = ("CHN", "JPN", "USA", "XEU", "XRW")  # the origins of the US magnets chart


def _trade(m: DashboardModel, tier: str, year: int) -> pd.DataFrame:
    """The flows of `tier` in `year` that are trade (legal and smuggled, not stockpile moves)."""
    f = m.recorder.tables()["flows"]
    return f[(f["tier"] == tier) & f["channel"].isin(["legal", "smuggled"]) & f["date"].str.startswith(str(year))]


def _us_bought(m: DashboardModel, year: int, tier: str = "magnet", origins: tuple[str, ...] = ORIGINS) -> str:
    """US buyers' purchases of `tier` in `year` by origin (legal and smuggled), t."""
    f = _trade(m, tier, year)
    q = f[f["destination"] == "USA"].groupby("origin")["quantity_t"].sum()
    return " / ".join(f"{q.get(c, 0.0):,.0f}" for c in origins)


def _us_magnet_prices(m: DashboardModel, year: int) -> str:
    """What sellers received per kg of the magnets US buyers bought in `year` from China, from the
    USA and from all origins, USD/kg (before the US tariff)."""
    f = _trade(m, "magnet", year)
    f = f[f["destination"] == "USA"]
    by = f.groupby("origin")[["quantity_t", "value_usd"]].sum()
    per_kg = lambda q, v: f"{v / (q * 1000):.0f}" if q > 0 else "-"  # noqa: E731
    rows = [per_kg(by["quantity_t"].get(c, 0.0), by["value_usd"].get(c, 0.0)) for c in ("CHN", "USA")]
    return " / ".join([*rows, per_kg(f["quantity_t"].sum(), f["value_usd"].sum())])


def _us_made_abroad(m: DashboardModel, year: int) -> str:
    """US-made magnets sold in `year` to buyers in the USA and abroad, t."""
    f = _trade(m, "magnet", year)
    f = f[f["origin"] == "USA"]
    home = f.loc[f["destination"] == "USA", "quantity_t"].sum()
    return f"{home:,.0f} / {f['quantity_t'].sum() - home:,.0f}"


def _magnet_costs(years: tuple[int, ...], firms: tuple[str, ...]) -> dict[str, str]:
    """Each firm's December ask against its processing plus oxide cost (what its stop rule
    compares), with the processing cost and the NdPr oxide price it paid, USD/kg, for `years`:
    not in the agents table, whose unit_cost is processing only."""
    m = DashboardModel("history", seed=SEED)
    rows: dict[str, list[str]] = {firm: [] for firm in firms}
    for y in years:
        m.step_months(month_index(f"{y}-12", m.start) + 1 - m.steps)
        for firm in firms:
            f = m.firm_by_name[firm]
            rows[firm].append(
                f"{y}: {f.price['magnet']:.1f} vs {f.reference_cost('magnet'):.1f} (processing "
                f"{f.decision_cost():.1f}, NdPr oxide {f.input_cost_usd_per_kg['ndpr_oxide']:.1f})"
            )
    return {firm: ", ".join(r) for firm, r in rows.items()}


def _months(levers: list[tuple[str, str, Any]], start: str, end: str, probe: Any) -> list[tuple[str, Any]]:
    """(date, probe(model)) after each month from `start` to `end` of a run with `levers`: for
    what the recorder's tables do not hold (a firm's input shortage, what a mothballed firm watches)."""
    m = _run(levers, until=start)
    rows = [(start, probe(m))]
    while m.steps < month_index(end, m.start) + 1:
        m.step_months(1)
        rows.append((m.date, probe(m)))
    return rows


def _short_months(levers: list[tuple[str, str, Any]] = ()) -> str:
    """The months of 2015-16 in which a lack of oxides held the plant's output back."""
    rows = _months(levers, "2015-01", "2016-12", lambda m: m.firm_by_name[PLANT].input_short)
    return ", ".join(d for d, short in rows if short) or "none"


def _restart_watch(m: DashboardModel) -> float:
    """The magnet price the mothballed plant watches, as a share of its full cost (fixed costs included)."""
    f = m.firm_by_name[PLANT]
    return f.market_price() / (f.reference_cost("magnet") * (1.0 + m.params.fixed_cost_frac))


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
    facts["concentrate price 1986 / 2000, USD/kg"] = (
        f"{v.prices[at('1986-06'), 0]:.1f} / {v.prices[at('2000-06'), 0]:.1f}"
    )
    facts["China's share of refining 1990 / 1997"] = (
        f"{v.shares[at('1990-06'), 1]:.0%} / {v.shares[at('1997-06'), 1]:.0%}"
    )
    dates = base.recorder.tables()["series"]["date"].tolist()
    full = [i for i in range(len(dates)) if v.shares[i, 0] >= 0.995]
    facts["China's share of mining: first month at 100%; at 100% in every month from"] = f"{dates[full[0]]}; " + next(
        (dates[i] for i in full if all(v.shares[k, 0] >= 0.995 for k in range(i, at("2004-12")))), "never"
    )
    facts["months in which China's refining share is 0 (1990-2022)"] = ", ".join(
        dates[i] for i in range(at("1990-01"), at("2022-12")) if v.shares[i, 1] < 0.01
    )
    seps = ("Mountain Pass Separation", "Japanese separators", "Solvay La Rochelle", "Rest-of-world separators")
    for firm in seps:
        facts[f"{firm}: {_firm_events(base, firm)}; output 1993 / 1994 / 1995 / 1996 / 1997 / 2000, t"] = _plant(
            base, "output_t", (1993, 1994, 1995, 1996, 1997, 2000), firm=firm
        )
    facts["Mountain Pass"] = _firm_events(base, "Mountain Pass")
    stops = [e for e in base.recorder.events if e[2] == "Mountain Pass" and e[1] == "mothball"]
    facts["Mountain Pass's first mothballing"] = f"{stops[0][0]}: {stops[0][4]}" if stops else "none"
    mp_years = (1994, 1995, 1996, 1997, 1998, 1999, 2000, 2001, 2002, 2003, 2004, 2005, 2006)
    facts[f"Mountain Pass, years {', '.join(map(str, mp_years))}: output, t"] = _plant(
        base, "output_t", mp_years, firm="Mountain Pass"
    )
    facts["  its price in December, USD/kg"] = _plant(base, "price", mp_years, firm="Mountain Pass", digits=2)
    facts["  Mountain Pass's cash in December, million USD"] = _plant(
        base, "cash", mp_years, 1e6, firm="Mountain Pass", digits=1
    )
    facts["other non-Chinese producers"] = "; ".join(
        f"{firm}: {_firm_events(base, firm)}" for firm in ("Monazite producers", "Solvay La Rochelle")
    )
    for quota in (10_000.0, 5_000.0):
        m = _run([("1995-01", "china_export_quota_t", quota)], until="2012-12")
        label = f"a China export quota of {quota:,.0f} t/yr from 1995"
        facts[f"Mountain Pass with {label}"] = _firm_events(m, "Mountain Pass")
        if quota == 10_000.0:
            facts[f"  {label}: its output, t"] = _plant(m, "output_t", mp_years, firm="Mountain Pass")
            facts[f"  {label}: its price in December, USD/kg"] = _plant(
                m, "price", mp_years, firm="Mountain Pass", digits=2
            )
            facts[f"  {label}: its cash in December, million USD"] = _plant(
                m, "cash", mp_years, 1e6, firm="Mountain Pass", digits=1
            )
            stops = [e for e in m.recorder.events if e[2] == "Mountain Pass" and e[1] == "mothball"]
            facts[f"  {label}: why it stops"] = f"{stops[0][0]}: {stops[0][4]}" if stops else "it does not"
    m = _run([("1985-01", "us_domestic_premium_pct", 60.0)], until="2010-12")
    facts["Mountain Pass with a 60% US buyers' premium from 1985"] = _firm_events(m, "Mountain Pass")
    stops = [e for e in m.recorder.events if e[2] == "Mountain Pass" and e[1] == "mothball"]
    facts["  60% premium: why it stops"] = f"{stops[0][0]}: {stops[0][4]}" if stops else "it does not"
    facts["  60% premium: its output, t"] = _plant(m, "output_t", mp_years, firm="Mountain Pass")
    facts["  60% premium: its price in December, USD/kg"] = _plant(m, "price", mp_years, firm="Mountain Pass", digits=2)
    facts["  60% premium: its cash in December, million USD"] = _plant(
        m, "cash", mp_years, 1e6, firm="Mountain Pass", digits=1
    )
    for label, run in (("60% premium", m), ("no premium", base)):
        for year in (1998, 1999, 2000):
            facts[f"  {label}: US concentrate purchases {year} from China / USA, t"] = _us_bought(
                run, year, "concentrate", ("CHN", "USA")
            )

    j = v.importers.index("JPN")
    for tier in ("concentrate", "ndpr_oxide"):
        q = v.imports_t[j, :, TIERS.index(tier)]
        for date in ("2010-06", "2010-10"):
            legal_cn = q[at(date), base.country_index["CHN"]].sum() - q[at(date), :, 1].sum()
            facts[f"Japan's {tier} from China {date}: legal / smuggled, t"] = (
                f"{max(legal_cn, 0.0):,.0f} / {q[at(date), :, 1].sum():,.0f}"
            )
    q = v.imports_t[j, :, TIERS.index("concentrate"), base.country_index["USA"]].sum(axis=-1)
    dates = ("2010-08", "2010-09", "2010-10", "2010-11", "2010-12", "2011-01", "2011-02", "2011-03", "2011-04")
    dates = (*dates, "2011-05", "2011-06", "2012-06")
    facts[f"Japan's concentrate from the USA {' / '.join(dates)}, t"] = " / ".join(f"{q[at(d)]:,.0f}" for d in dates)
    s = base.recorder.tables()["series"].set_index("date")["smuggled_t"]
    facts["smuggled, t per year, 2009 / 2012"] = (
        f"{s.loc['2009-01':'2009-12'].sum():,.0f} / {s.loc['2012-01':'2012-12'].sum():,.0f}"
    )
    m = _run([("2011-06", "china_enforcement_pct", 5.0)], until="2013-12")
    s = m.recorder.tables()["series"].set_index("date")["smuggled_t"]
    facts["smuggled, t per year, 2012 / 2013, with China's enforcement at 5% from 2011-06"] = (
        f"{s.loc['2012-01':'2012-12'].sum():,.0f} / {s.loc['2013-01':'2013-12'].sum():,.0f}"
    )
    japan = [e for e in base.recorder.events if e[2] == "JPN" and "supply shock" in e[4]]
    facts["Japan's shock response"] = "; ".join(f"{e[0]}: {e[4]}" for e in japan) or "none"
    for firm in ("Lynas Mount Weld", "Lynas Malaysia"):
        facts[firm] = _firm_events(base, firm)

    years = (2013, 2014, 2015, 2016, 2017, 2018, 2019, 2020, 2022)
    facts[PLANT] = _firm_events(base, PLANT)
    stops = [e for e in base.recorder.events if e[2] == PLANT and e[1] in ("mothball", "close")]
    facts["  why it stops"] = "; ".join(f"{e[0]}: {e[4]}" for e in stops) or "it does not"
    facts[f"Hitachi NC, years {', '.join(map(str, years))}: output, t"] = _plant(base, "output_t", years)
    facts["  its capacity in December, t/yr"] = _plant(base, "capacity_t", years)
    facts["  its cash in December, million USD"] = _plant(base, "cash", years, 1e6, digits=1)
    facts["  its ask in December, USD/kg"] = _plant(base, "price", years)
    facts["  months short of oxides in 2015-16"] = _short_months()
    # the months it is mothballed (2015-11) before it closes (2017-11)
    watch = [r for _, r in _months([], "2015-12", "2017-10", _restart_watch)]
    facts["  mothballed: the price it watches / its full cost, min-max"] = f"{min(watch):.0%}-{max(watch):.0%}"
    facts["Rest-of-world magnet makers"] = _firm_events(base, "Rest-of-world magnet makers")
    a = base.recorder.tables()["agents"]
    a = a[(a["date"] == "2016-12") & (a["type"] == "magnet_maker")]
    facts["magnet makers' processing cost, December 2016, USD/kg"] = ", ".join(
        f"{n} {c:.1f}" for n, c in zip(a["name"], a["unit_cost"], strict=True)
    )
    costs = _magnet_costs((2013, 2014, 2015, 2016, 2017), (PLANT, "Chinese magnet makers"))
    facts["Hitachi NC ask vs processing and oxides, USD/kg (December)"] = costs[PLANT]
    facts["Chinese magnet makers' ask vs processing and oxides, USD/kg (December)"] = costs["Chinese magnet makers"]
    for firm in ("Magnequench", "Vacuumschmelze"):
        facts[f"{firm}: {_firm_events(base, firm)}; output, t"] = _plant(base, "output_t", years, firm=firm)
        facts[f"  {firm}: its cash in December 2013 / 2016, million USD"] = _plant(
            base, "cash", (2013, 2016), 1e6, firm=firm
        )
    s = base.recorder.tables()["series"][["date", "china_share_magnets"]]
    share = s.groupby(s["date"].str[:4])["china_share_magnets"].mean()
    facts["China's share of magnets (yearly mean) 2013 / 2017 / 2018 / 2019 / 2020 / 2022"] = " / ".join(
        f"{share.get(str(y), 0.0):.0%}" for y in (2013, 2017, 2018, 2019, 2020, 2022)
    )
    for year in (2013, 2014, 2016, 2017, 2019, 2020):
        facts[f"US magnet purchases {year} from China / Japan / USA / EU / rest of world, t"] = _us_bought(base, year)
    for year in (2013, 2014, 2016, 2017, 2019):
        facts[f"  {year}: sellers received from US buyers, China / USA / all, USD/kg"] = _us_magnet_prices(base, year)
    for year in (2014, 2015, 2016):
        facts[f"  {year}: US-made magnets sold at home / abroad, t"] = _us_made_abroad(base, year)
    facts["  Magnequench's ask in December 2014, USD/kg"] = _plant(base, "price", (2014,), firm="Magnequench")
    variants = {
        f"{TARIFF_PCT}% tariff": [("2013-01", "us_magnet_tariff_pct", float(TARIFF_PCT))],
        "30% premium": [("2013-01", "us_domestic_premium_pct", 30.0)],
    }
    for label, levers in variants.items():  # from 2013-01
        m = _run(levers, until="2022-12")
        facts[f"Hitachi NC with a {label} from 2013-01"] = _firm_events(m, PLANT)
        facts[f"  {label}: rest-of-world magnet makers"] = _firm_events(m, "Rest-of-world magnet makers")
        facts[f"  {label}: Magnequench's output, t"] = _plant(m, "output_t", years, firm="Magnequench")
        facts[f"  {label}: its output, t"] = _plant(m, "output_t", years)
        facts[f"  {label}: its cash in December, million USD"] = _plant(m, "cash", years, 1e6, digits=1)
        facts[f"  {label}: its ask in December, USD/kg"] = _plant(m, "price", years)
        for year in (2013, 2014, 2016, 2017, 2019, 2020, 2021):
            facts[f"  {label}: US magnet purchases {year} from China / Japan / USA / EU / rest of world, t"] = (
                _us_bought(m, year)
            )
        for year in (2014, 2019):
            facts[f"  {label}: {year}: sellers received from US buyers, China / USA / all, USD/kg"] = _us_magnet_prices(
                m, year
            )
        if label == "30% premium":
            facts[f"  {label}: 2014: US-made magnets sold at home / abroad, t"] = _us_made_abroad(m, 2014)
            mq = "Magnequench"
            facts[f"  {label}: Magnequench output 2014, t; its ask in December 2014, USD/kg"] = (
                f"{_plant(m, 'output_t', (2014,), firm=mq)}; {_plant(m, 'price', (2014,), firm=mq)}"
            )
    embargo = _run([("2015-01", "china_embargo", EmbargoSetting("USA", 12))], until="2022-12")
    facts["Hitachi NC with a 12-month embargo on the USA from 2015-01"] = _firm_events(embargo, PLANT)
    stops = [e for e in embargo.recorder.events if e[2] == PLANT and e[1] == "mothball"]
    facts["  embargo: why it stops"] = "; ".join(f"{e[0]}: {e[4]}" for e in stops) or "it does not"
    facts["  embargo: its output, t"] = _plant(embargo, "output_t", years)
    facts["  embargo: its months short of oxides in 2015-16"] = _short_months(
        [("2015-01", "china_embargo", EmbargoSetting("USA", 12))]
    )
    facts["  embargo: its cash in December, million USD"] = _plant(embargo, "cash", years, 1e6, digits=1)
    facts["  embargo: US magnet purchases 2015 from China / Japan / USA / EU / rest of world, t"] = _us_bought(
        embargo, 2015
    )
    for year in (2015, 2016):
        facts[f"  embargo: {year}: US-made magnets sold at home / abroad, t"] = _us_made_abroad(embargo, year)
    return facts


def print_facts() -> None:
    for key, value in lesson_facts().items():
        print(f"{key}: {value}")
