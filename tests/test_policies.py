"""Every policy instrument of DESIGN section 6, and the two endogenous state rules, changes the
outcome in the direction it should.

Each test runs the small world (tests/data/small_world.toml) WITH the instrument and a
counterfactual WITHOUT it (same seed, so the runs are identical up to the cause's date) and asserts
the direction and a meaningful size of the effect, from the output tables or the model's state.
Where the monthly noise of demand matters, 2-3 seeds are used.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from statistics import median
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import cached_run, model_world, run_model, small_world_data

from model import RareEarthModel, ScenarioError, run
from model.goods import TIERS, month_index, month_label
from model.params import ModelParams
from model.scenario import builtin_scenarios, parse_scenario

SEEDS = (0, 1, 2)
T3 = ["concentrate", "ndpr_oxide", "dytb_oxide"]
BOUGHT_ABROAD = ("legal", "stockpile")  # what leaves a country through its exporters (not smuggled)
DEFAULTS = ModelParams()


# --- helpers -------------------------------------------------------------------------------------
def between(df: pd.DataFrame, start: str | None = None, end: str | None = None) -> pd.DataFrame:
    """Rows dated from `start` to `end` (inclusive, 'YYYY-MM')."""
    sel = pd.Series(True, index=df.index)
    if start:
        sel &= df["date"] >= start
    if end:
        sel &= df["date"] <= end
    return df[sel]


def trade(
    tables: dict[str, pd.DataFrame],
    origin: str | None = None,
    destination: str | None = None,
    tiers: list[str] | None = None,
    channels: tuple[str, ...] = ("legal",),
    start: str | None = None,
    end: str | None = None,
    abroad: bool = True,
) -> pd.DataFrame:
    """Rows of the flows table matching the filters (`abroad`: origin != destination)."""
    f = between(tables["flows"], start, end)
    sel = f["channel"].isin(channels)
    if origin:
        sel &= f["origin"] == origin
    if destination:
        sel &= f["destination"] == destination
    if abroad:
        sel &= f["origin"] != f["destination"]
    if tiers:
        sel &= f["tier"].isin(tiers)
    return f[sel]


def total(tables: dict[str, pd.DataFrame], **kw: Any) -> float:
    """Tonnes traded, see `trade`."""
    return float(trade(tables, **kw)["quantity_t"].sum())


def months(start: str, end: str) -> list[str]:
    return [month_label(start, i) for i in range(month_index(end, start) + 1)]


def monthly(tables: dict[str, pd.DataFrame], start: str, end: str, **kw: Any) -> pd.Series:
    """Tonnes traded per month from `start` to `end` (0 for months without trade)."""
    f = trade(tables, start=start, end=end, **kw)
    return f.groupby("date")["quantity_t"].sum().reindex(months(start, end), fill_value=0.0)


def events(tables: dict[str, pd.DataFrame], kind: str | None = None, actor: str | None = None) -> pd.DataFrame:
    e = tables["events"]
    if kind:
        e = e[e["kind"] == kind]
    if actor:
        e = e[e["actor"] == actor]
    return e


def agent_rows(tables: dict[str, pd.DataFrame], name: str) -> pd.DataFrame:
    """One agent's yearly snapshots, indexed by date (output_t = output since the last one)."""
    a = tables["agents"]
    return a[a["name"] == name].set_index("date")


def yearly_output(tables: dict[str, pd.DataFrame], name: str, start: str, end: str) -> float:
    """An agent's output in the snapshots dated from `start` to `end` (December dates)."""
    rows = agent_rows(tables, name)
    return float(rows.loc[(rows.index >= start) & (rows.index <= end), "output_t"].sum())


def open_month(tables: dict[str, pd.DataFrame], firm: str) -> str | None:
    e = events(tables, "open", firm)
    return None if e.empty else str(e["date"].iloc[0])


def run_both(
    evs: list[dict[str, Any]],
    seed: int,
    each_month: Callable[[RareEarthModel], None] | None = None,
    **changes: Any,
) -> tuple[RareEarthModel, dict[str, pd.DataFrame]]:
    """Run the small world step by step; returns the model at its end and its tables."""
    m = run_model(model_world(evs, seed=seed, **changes), each_month)
    return m, m.recorder.tables()


def firm_spec(name: str) -> dict[str, Any]:
    data = small_world_data()
    for section in ("miners", "refiners", "magnet_makers"):
        for f in data[section]:
            if f["name"] == name:
                return f
    raise KeyError(name)


def state_spec(country: str) -> dict[str, Any]:
    return next(s for s in small_world_data()["states"] if s["country"] == country)


# --- export quota --------------------------------------------------------------------------------
QUOTA_T = 2000.0
QUOTA = dict(date="2000-01", kind="export_quota", state="CHN", tiers=T3, quota_t=QUOTA_T, note="test quota")


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_export_quota_caps_the_states_exports(seed: int) -> None:
    base, quota = cached_run(seed=seed), cached_run([QUOTA], seed=seed)
    e = events(quota, "policy", "CHN")
    assert list(e["date"]) == ["2000-01"] and "export quota 2000 t/yr" in e["detail"].iloc[0]
    for year in range(2000, 2006):
        span = dict(origin="CHN", tiers=T3, channels=BOUGHT_ABROAD, start=f"{year}-01", end=f"{year}-12")
        shipped, free = total(quota, **span), total(base, **span)
        assert shipped <= QUOTA_T * (1 + 1e-9) + 1e-6, f"{year}: {shipped:.1f} t exported under a {QUOTA_T} t quota"
        assert shipped >= 0.8 * QUOTA_T, f"{year}: the quota is a cap, not a ban ({shipped:.1f} t)"
        assert free >= 1.5 * QUOTA_T, f"{year}: the quota should bind in this world ({free:.1f} t without it)"
    # exports fall; nothing changed before the quota
    after = dict(origin="CHN", tiers=T3, channels=BOUGHT_ABROAD, start="2000-01")
    assert total(quota, **after) <= 0.6 * total(base, **after)
    pd.testing.assert_frame_equal(between(base["flows"], end="1999-12"), between(quota["flows"], end="1999-12"))


def test_a_tier_given_its_own_quota_leaves_the_quota_it_shared() -> None:
    """A later quota on one tier of a shared quota takes that tier out of the old group: the
    tiers left keep sharing the old quota among themselves, and the moved tier is capped only
    by its own (before the fix the old group still named it and overwrote its month's part)."""
    own = dict(date="2001-01", kind="export_quota", state="CHN", tiers=["dytb_oxide"], quota_t=20.0, note="own")
    m, tables = run_both([QUOTA, own], seed=SEEDS[0], until="2003-12")
    pol = m.states["CHN"].policy
    assert pol.quota_tiers["dytb_oxide"] == frozenset({"dytb_oxide"})
    assert pol.quota_tiers["ndpr_oxide"] == frozenset(T3) - {"dytb_oxide"}
    for year in (2001, 2002, 2003):
        span = dict(origin="CHN", tiers=["dytb_oxide"], channels=BOUGHT_ABROAD, start=f"{year}-01", end=f"{year}-12")
        assert total(tables, **span) <= 20.0 * (1 + 1e-9) + 1e-6, year


def test_investment_is_decided_every_interval_of_the_run() -> None:
    """With an interval that does not divide the year, decisions still come every interval."""
    seen: list[int] = []
    m = model_world(seed=SEEDS[0], until="2002-12", params={"invest_interval_months": 5})
    firm = m.firms[0]
    decide = firm.consider_investment

    def counted() -> None:
        seen.append(m.month)
        decide()

    firm.consider_investment = counted  # type: ignore[method-assign]
    run_model(m)
    assert len(seen) >= 10 and set(np.diff(seen)) == {5}, seen


# --- embargo -------------------------------------------------------------------------------------
EMBARGO_TIERS = ["ndpr_oxide", "dytb_oxide", "magnet"]
EMBARGO = dict(date="2000-03", kind="embargo", state="CHN", target="JPN", tiers=EMBARGO_TIERS, months=6)


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_embargo_stops_legal_flows_to_the_target_while_in_force(seed: int) -> None:
    base, emb = cached_run(seed=seed), cached_run([EMBARGO], seed=seed)
    assert list(events(emb, "embargo_start", "CHN")["date"]) == ["2000-03"]
    assert list(events(emb, "embargo_end", "CHN")["date"]) == ["2000-09"]
    to_jpn = dict(origin="CHN", destination="JPN", tiers=EMBARGO_TIERS, channels=("legal",))
    during = monthly(emb, "2000-03", "2000-08", **to_jpn)
    assert (during == 0).all(), f"legal flows CHN -> JPN during the embargo:\n{during}"
    assert (monthly(base, "2000-03", "2000-08", **to_jpn) > 1.0).all(), "the embargo should bite in this world"
    # only the target and the tiers named are embargoed
    other = monthly(emb, "2000-03", "2000-08", origin="CHN", destination="USA", tiers=["magnet"])
    assert (other > 1.0).all(), "exports of magnets to the USA go on"
    conc = monthly(emb, "2000-03", "2000-08", origin="CHN", destination="JPN", tiers=["concentrate"])
    assert (conc > 1.0).all(), "concentrate is not embargoed"
    # flows resume from the embargo's end
    assert monthly(emb, "2000-09", "2000-09", **to_jpn).iloc[0] > 1.0
    resumed, usual = (
        total(emb, start="2000-09", end="2001-08", **to_jpn),
        total(base, start="2000-09", end="2001-08", **to_jpn),
    )
    assert resumed >= 0.5 * usual


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_embargo_is_not_breached_by_the_targets_stockpile(seed: int) -> None:
    """The embargo makes Japan's shock rule set stockpile targets; what the Japanese state buys
    from China while the embargo is in force can only be contraband, and must be booked as such."""
    emb = cached_run([EMBARGO], seed=seed)
    assert not events(emb, "policy", "JPN").empty, "the set-up: Japan starts a stockpile during the embargo"
    stockpiled = trade(emb, origin="CHN", destination="JPN", tiers=EMBARGO_TIERS, channels=("stockpile",))
    during = between(stockpiled, "2000-03", "2000-08")
    assert during.empty, f"stockpile purchases from China during China's embargo on Japan:\n{during.to_string()}"


# --- export licences -----------------------------------------------------------------------------
LICENCE = dict(date="2000-01", kind="licence_delay", state="CHN", tiers=["magnet"], months=3)


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_licence_delay_stops_exports_then_lets_them_recover_partly(seed: int) -> None:
    """Nothing is licensed in the regime's first month; from the second, applications are decided
    as they come up (on average 3 months after they are made) and exports come back in part."""
    base, lic = cached_run(seed=seed), cached_run([LICENCE], seed=seed)
    magnets = dict(origin="CHN", tiers=["magnet"], channels=BOUGHT_ABROAD)
    usual_first = monthly(base, "2000-01", "2000-03", **magnets)
    assert (usual_first > 10.0).all()
    first = monthly(lic, "2000-01", "2000-03", **magnets)
    assert first.iloc[0] == 0, f"no licence is granted in the regime's first month:\n{first}"
    assert (first.iloc[1:] > 0).all(), f"licences trickle in from the second month:\n{first}"
    assert (first.iloc[1:] < 0.5 * usual_first.iloc[1:]).all(), f"most applications still wait:\n{first}"
    later = total(lic, start="2000-07", end="2001-12", **magnets)
    usual = total(base, start="2000-07", end="2001-12", **magnets)
    assert later >= 0.2 * usual, f"exports never recover: {later:.1f} t against {usual:.1f} t without licences"
    assert total(lic, start="2000-01", end="2000-12", **magnets) < total(
        base, start="2000-01", end="2000-12", **magnets
    )


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_a_longer_licence_delay_holds_exports_down_longer(seed: int) -> None:
    """The mean waiting time is what sets the pace of the recovery: with applications decided on
    average after 6 months instead of 1, less is shipped in the regime's first half year
    (counterfactual: the same regime with the shorter delay)."""
    magnets = dict(origin="CHN", tiers=["magnet"], channels=BOUGHT_ABROAD, start="2000-01", end="2000-06")
    quick = total(cached_run([dict(LICENCE, months=1)], seed=seed), **magnets)
    slow = total(cached_run([dict(LICENCE, months=6)], seed=seed), **magnets)
    assert slow < 0.8 * quick, f"{slow:.1f} t shipped with a 6-month delay, {quick:.1f} t with a 1-month one"


def abroad_over_home_price(tables: dict[str, pd.DataFrame], start: str, end: str) -> float:
    """What buyers abroad paid per kg of Chinese magnets over what Chinese buyers paid."""
    f = trade(tables, origin="CHN", tiers=["magnet"], start=start, end=end, abroad=False)
    abroad, home = f[f["destination"] != "CHN"], f[f["destination"] == "CHN"]
    abroad_usd_per_t = abroad["value_usd"].sum() / abroad["quantity_t"].sum()
    return abroad_usd_per_t / (home["value_usd"].sum() / home["quantity_t"].sum())


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_a_quota_prices_its_scarcity_abroad_a_licence_queue_does_not(seed: int) -> None:
    """A quota's allowance is a scarce right to export, so the price abroad rises over the home
    price while applications exceed it; a licence regime rations by the queue of applications
    waiting for a decision, so Chinese magnets sell abroad at about China's price even in the
    months when most applications wait (counterfactual: a quota of half the usual exports)."""
    base, lic = cached_run(seed=seed), cached_run([LICENCE], seed=seed)
    magnets = dict(origin="CHN", tiers=["magnet"], channels=BOUGHT_ABROAD, start="2000-01", end="2000-12")
    quota = cached_run([dict(QUOTA, tiers=["magnet"], quota_t=0.5 * total(base, **magnets))], seed=seed)
    assert abroad_over_home_price(base, "2000-02", "2000-12") == pytest.approx(1.0, abs=0.02)
    assert abroad_over_home_price(lic, "2000-02", "2000-12") == pytest.approx(1.0, abs=0.1)
    assert abroad_over_home_price(quota, "2000-02", "2000-12") > 1.5


# --- export duty ---------------------------------------------------------------------------------
DUTY = dict(date="2000-01", kind="export_duty", state="CHN", tiers=T3, rate=0.5)


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_export_duty_raises_revenue_and_cuts_exports(seed: int) -> None:
    m, duty = run_both([DUTY], seed)
    base = cached_run(seed=seed)
    revenue = m.states["CHN"].revenue_usd.get("export_duty", 0.0)
    assert revenue > 0
    # the duty is levied on the FOB value of the exports (what the exporters receive)
    fob = trade(duty, origin="CHN", tiers=T3, channels=BOUGHT_ABROAD, start="2000-01")["value_usd"].sum()
    assert revenue == pytest.approx(0.5 * fob, rel=1e-6)
    after = dict(origin="CHN", tiers=T3, channels=BOUGHT_ABROAD, start="2000-01")
    assert total(duty, **after) <= 0.9 * total(base, **after)


# --- import tariff -------------------------------------------------------------------------------
TARIFF = dict(date="2000-01", kind="import_tariff", state="USA", origin="CHN", tiers=["magnet"], rate=1.0)


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_import_tariff_cuts_imports_from_the_origin(seed: int) -> None:
    m, tariff = run_both([TARIFF], seed)
    base = cached_run(seed=seed)
    imports = dict(origin="CHN", destination="USA", tiers=["magnet"], start="2000-01")
    assert total(tariff, **imports) <= 0.5 * total(base, **imports)
    revenue = m.states["USA"].revenue_usd.get("import_tariff", 0.0)
    assert revenue == pytest.approx(1.0 * trade(tariff, **imports)["value_usd"].sum(), rel=1e-6)
    assert revenue > 0
    # imports from elsewhere are not taxed: Japan's magnet sales to the USA do not fall
    jp = dict(origin="JPN", destination="USA", tiers=["magnet"], start="2000-01")
    assert total(tariff, **jp) >= total(base, **jp)


# --- production subsidy --------------------------------------------------------------------------
SUBSIDY = dict(date="2000-01", kind="subsidy", state="USA", tiers=["concentrate"], usd_per_kg=1.0)


def test_subsidy_is_paid_and_raises_subsidised_output() -> None:
    ratios = []
    for seed in SEEDS:
        m, sub = run_both([SUBSIDY], seed)
        base = cached_run(seed=seed)
        paid = m.states["USA"].spent_usd.get("subsidy", 0.0)
        a = sub["agents"]
        us_mined = a[(a["type"] == "miner") & (a["country"] == "USA") & (a["date"] >= "2000-12")]["output_t"].sum()
        assert paid > 0
        assert paid == pytest.approx(1.0 * 1000.0 * us_mined, rel=1e-9), "1 USD/kg on every kg mined in the USA"
        ratios.append(
            yearly_output(sub, "Mountain Pass", "2000-12", "2005-12")
            / yearly_output(base, "Mountain Pass", "2000-12", "2005-12")
        )
    assert min(ratios) > 1.0 and median(ratios) >= 1.05, f"subsidised output / output without: {ratios}"


# --- environmental compliance cost -----------------------------------------------------------------
ENV = dict(date="2000-01", kind="env_cost", state="USA", tiers=["concentrate"], usd_per_kg=1.5)


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_env_cost_raises_unit_cost_and_cuts_domestic_output(seed: int) -> None:
    base, env = cached_run(seed=seed), cached_run([ENV], seed=seed)
    before = state_spec("USA")["env_cost_usd_per_kg"]["concentrate"]
    mp, mp0 = agent_rows(env, "Mountain Pass"), agent_rows(base, "Mountain Pass")
    assert mp.loc["1999-12", "unit_cost"] == pytest.approx(mp0.loc["1999-12", "unit_cost"])
    rise = mp.loc["2000-12", "unit_cost"] - mp0.loc["2000-12", "unit_cost"]
    assert rise == pytest.approx(ENV["usd_per_kg"] - before, abs=0.05), "unit cost rises by the added compliance cost"
    out = yearly_output(env, "Mountain Pass", "2000-12", "2005-12")
    assert out <= 0.7 * yearly_output(base, "Mountain Pass", "2000-12", "2005-12")


# --- permitting and construction ---------------------------------------------------------------------
BUILD_US = dict(date="1998-01", kind="build", state="USA", firm="US magnet plant")
PERMITTING = dict(date="1997-01", kind="permitting", state="USA", tiers=["magnet"], months=36)


def test_build_opens_the_planned_firm_after_permitting_and_construction() -> None:
    base, built = cached_run(seed=0), cached_run([BUILD_US], seed=0)
    permit = state_spec("USA")["permitting_months"]["magnet"]
    build = firm_spec("US magnet plant")["construction_months"]
    assert open_month(base, "US magnet plant") is None
    assert agent_rows(base, "US magnet plant")["status"].eq("planned").all()
    assert list(events(built, "permitting", "US magnet plant")["date"]) == ["1998-01"]
    assert list(events(built, "construction", "US magnet plant")["date"]) == [month_label("1998-01", permit)]
    assert open_month(built, "US magnet plant") == month_label("1998-01", permit + build)
    rows = agent_rows(built, "US magnet plant")
    assert rows.loc["1998-12", "status"] in ("permitting", "construction")
    assert rows.loc["2000-12", "status"] == "operating" and rows.loc["2000-12", "output_t"] > 0


def test_longer_permitting_opens_the_project_later() -> None:
    quick, slow = cached_run([BUILD_US], seed=0), cached_run([PERMITTING, BUILD_US], seed=0)
    build = firm_spec("US magnet plant")["construction_months"]
    assert open_month(slow, "US magnet plant") == month_label("1998-01", 36 + build)
    delay = month_index(open_month(slow, "US magnet plant"), open_month(quick, "US magnet plant"))
    assert delay == 36 - state_spec("USA")["permitting_months"]["magnet"]


# --- enforcement against smuggling and illegal mining ------------------------------------------------
QUOTA_98 = dict(date="1998-01", kind="export_quota", state="CHN", tiers=T3, quota_t=QUOTA_T)
ENFORCE = dict(date="2000-01", kind="enforcement", state="CHN", level=0.8)
SHIPMENTS = re.compile(r"\((\d+) of (\d+) shipments\)")


def seizure_rate(tables: dict[str, pd.DataFrame], start: str) -> tuple[float, int]:
    """Share of smuggled shipments seized from `start` (from the seizure events), and shipments."""
    e = between(events(tables, "seizure"), start)
    lost = shipped = 0
    for detail in e["detail"]:
        k, n = map(int, SHIPMENTS.search(detail).groups())
        lost, shipped = lost + k, shipped + n
    return (lost / shipped if shipped else 0.0), shipped


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_enforcement_cuts_smuggling_and_illegal_mining(seed: int) -> None:
    base, enf = cached_run([QUOTA_98], seed=seed), cached_run([QUOTA_98, ENFORCE], seed=seed)
    s0, s1 = between(base["series"], "2000-01"), between(enf["series"], "2000-01")
    assert s0["smuggled_t"].sum() > 500, "the quota makes smuggling pay in this world"
    assert s1["smuggled_t"].sum() <= 0.5 * s0["smuggled_t"].sum()
    illegal = "South China illegal mines"
    assert yearly_output(enf, illegal, "2001-12", "2005-12") <= 0.5 * yearly_output(base, illegal, "2001-12", "2005-12")
    # seizures: the share of shipments lost rises toward seizure_base + seizure_per_enforcement x level
    rate, shipped = seizure_rate(enf, "2000-01")
    rate0, _ = seizure_rate(base, "2000-01")
    assert not events(enf, "seizure").pipe(between, "2000-01").empty
    assert shipped >= 1 and rate >= 0.25, f"{rate:.0%} of {shipped} shipments seized at enforcement 0.8"
    assert rate0 <= 0.2


# --- strategic stockpile ---------------------------------------------------------------------------
STOCKPILE = dict(date="1998-01", kind="stockpile", state="JPN", tier="ndpr_oxide", target_t=200.0)
RELEASE = dict(date="2001-01", kind="stockpile_release", state="JPN", tier="ndpr_oxide", quantity_t=150.0)


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_stockpile_purchases_flow_into_the_state(seed: int) -> None:
    base = cached_run(seed=seed)
    m, stock = run_both([STOCKPILE], seed)
    state = m.states["JPN"]
    bought = trade(stock, destination="JPN", tiers=["ndpr_oxide"], channels=("stockpile",), abroad=False)
    assert bought["date"].min() >= "1998-01"
    # the stockpile channel into Japan carries the state's purchases and its sales to home buyers
    # (it releases stock when import prices spike)
    sold = state.sold_t["ndpr_oxide"]
    assert bought["quantity_t"].sum() - sold >= 150.0
    assert bought["quantity_t"].sum() == pytest.approx(state.bought_t["ndpr_oxide"] + sold, rel=1e-6)
    assert state.stock_t["ndpr_oxide"] >= 100.0
    assert state.stock_t["ndpr_oxide"] <= 200.0 + 1e-6
    # what the state spends on stockpiles (all tiers: a later supply shock may add targets) is
    # the value of its purchases, net of what its sales brought in
    every_tier = trade(stock, destination="JPN", tiers=list(TIERS), channels=("stockpile",), abroad=False)
    sales_usd = state.revenue_usd.get("stockpile_sales", 0.0)
    spent = state.spent_usd.get("stockpile", 0.0)
    assert spent == pytest.approx(every_tier["value_usd"].sum() - sales_usd, rel=1e-6)
    rows = agent_rows(stock, "JPN")  # a state's capacity_t column is its stock
    assert rows.loc["1997-12", "capacity_t"] == 0 and rows.loc["2005-12", "capacity_t"] >= 100.0
    assert base["flows"]["channel"].ne("stockpile").all()


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_stockpile_release_sells_stock_to_home_buyers(seed: int) -> None:
    track: dict[str, list[tuple[float, float]]] = {"keep": [], "release": []}

    def recorder(key: str) -> Callable[[RareEarthModel], None]:
        def each(m: RareEarthModel) -> None:
            st = m.states["JPN"]
            track[key].append((st.stock_t["ndpr_oxide"], st.sold_t["ndpr_oxide"]))

        return each

    m0, keep = run_both([STOCKPILE], seed, recorder("keep"))
    m1, rel = run_both([STOCKPILE, RELEASE], seed, recorder("release"))
    start, end = month_index("2001-01", "1995-01"), month_index("2001-12", "1995-01")
    assert track["release"][:start] == track["keep"][:start]
    released = RELEASE["quantity_t"]
    # within a year of the release, most of it is sold to home buyers (the state's sales are
    # cumulative) and the stock is lower than if the state had kept it
    extra = (track["release"][end][1] - track["release"][start - 1][1]) - (
        track["keep"][end][1] - track["keep"][start - 1][1]
    )
    assert extra >= 0.5 * released, f"only {extra:.1f} t of a {released:.0f} t release sold in a year"
    low = min(s for s, _ in track["release"][start : end + 1])
    low0 = min(s for s, _ in track["keep"][start : end + 1])
    assert low <= low0 - 0.3 * released, f"stock {low:.1f} t against {low0:.1f} t without the release"
    home = dict(origin="JPN", destination="JPN", tiers=["ndpr_oxide"], channels=("stockpile",), abroad=False)
    assert (
        total(rel, start="2001-01", end="2001-12", **home)
        >= total(keep, start="2001-01", end="2001-12", **home) + 0.5 * released
    )
    sales0 = m0.states["JPN"].revenue_usd.get("stockpile_sales", 0.0)
    assert m1.states["JPN"].revenue_usd.get("stockpile_sales", 0.0) > sales0


# --- price floor and offtake -----------------------------------------------------------------------
CHEAP_NDPR = dict(date="1997-01", kind="subsidy", state="CHN", tiers=["ndpr_oxide"], usd_per_kg=2.0)
FLOOR_USD = 60.0
FLOOR = dict(
    date="1998-01", kind="price_floor", state="USA", firm="Mountain Pass Separation", tier="ndpr_oxide",
    usd_per_kg=FLOOR_USD, years=8,
)  # fmt: skip
OFFTAKE = dict(
    date="1998-01", kind="price_floor", state="USA", firm="Mountain Pass Separation", tier="ndpr_oxide",
    usd_per_kg=40.0, years=3, offtake_share=0.5,
)  # fmt: skip


def floor_month_records(seed: int, evs: list[dict[str, Any]]) -> tuple[RareEarthModel, pd.DataFrame]:
    """Monthly: the floor firm's NdPr sales, what it received for them, and the state's top-up."""
    rows: list[tuple] = []
    paid_before = [0.0]

    def each(m: RareEarthModel) -> None:
        f = m.firm_by_name["Mountain Pass Separation"]
        market = m.markets["ndpr_oxide"]
        j = market.sellers.index(f)
        sold, receipts = float(market.sold_t[j]), float(market.seller_receipts_usd[j])
        paid = m.states["USA"].spent_usd.get("price_floor", 0.0)
        rows.append((m.date, f.output_t, sold, receipts, paid - paid_before[0], m.last_price_index.get("ndpr_oxide")))
        paid_before[0] = paid

    m, _ = run_both(evs, seed, each)
    cols = ["date", "feed_t", "sold_t", "receipts_usd", "topup_usd", "price_index"]
    return m, pd.DataFrame(rows, columns=cols).set_index("date")


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_price_floor_is_paid_while_the_market_is_below_it(seed: int) -> None:
    m, rec = floor_month_records(seed, [CHEAP_NDPR, FLOOR])
    floor_months = rec.loc["1998-01":"2005-12"]
    assert floor_months["price_index"].mean() < FLOOR_USD, "the world's NdPr price is below the floor"
    assert m.states["USA"].spent_usd.get("price_floor", 0.0) > 0
    assert (rec.loc[:"1997-12", "topup_usd"] == 0).all()
    paid = floor_months[floor_months["topup_usd"] > 0]
    assert (paid["sold_t"] > 0).all(), "top-ups are paid on sales"
    assert paid["topup_usd"].sum() > 1e6


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_price_floor_tops_up_the_price_received_to_the_floor(seed: int) -> None:
    _, rec = floor_month_records(seed, [CHEAP_NDPR, FLOOR])
    sold = rec["sold_t"] > 1e-9
    received = (rec["receipts_usd"] / (1000.0 * rec["sold_t"])).where(sold, 0.0)
    owed = ((FLOOR_USD - received).clip(lower=0.0) * 1000.0 * rec["sold_t"]).where(sold, 0.0)
    owed = owed.loc["1998-01":]
    assert owed.sum() > 1e6, "the floor is worth something in this world"
    # each month the state pays the gap between the floor and what the firm got for its sales
    np.testing.assert_allclose(rec.loc["1998-01":, "topup_usd"], owed, rtol=1e-6, atol=1e-3)


def test_price_floor_keeps_the_firm_producing() -> None:
    capacity = firm_spec("Mountain Pass Separation")["capacity_t"]
    with_floor, without = [], []
    for seed in SEEDS[:2]:
        _, rec = floor_month_records(seed, [CHEAP_NDPR, FLOOR])
        _, rec0 = floor_month_records(seed, [CHEAP_NDPR])
        with_floor.append(rec.loc["1998-07":"2001-12", "feed_t"].sum())
        without.append(rec0.loc["1998-07":"2001-12", "feed_t"].sum())
    months_ = month_index("2001-12", "1998-07") + 1
    # the floor (60 USD/kg NdPr, ~10-15 USD per kg of feed) covers the cost of separation
    assert min(with_floor) >= 0.3 * capacity / 12 * months_, (
        f"feed separated under the floor {with_floor} t, without {without} t, capacity {capacity} t/yr"
    )
    assert min(w - wo for w, wo in zip(with_floor, without, strict=True)) > 0.2 * capacity / 12 * months_


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_price_floor_offtake_moves_the_firms_output_into_the_stockpile(seed: int) -> None:
    base = cached_run(seed=seed)
    m, off = run_both([OFFTAKE], seed)
    taken = trade(off, origin="USA", destination="USA", tiers=["ndpr_oxide"], channels=("stockpile",), abroad=False)
    assert taken["quantity_t"].sum() >= 50.0
    assert taken["date"].min() >= "1998-01" and taken["date"].max() <= "2000-12", "offtake ends with the floor"
    np.testing.assert_allclose(taken["value_usd"], 40.0 * 1000.0 * taken["quantity_t"], rtol=1e-9)
    state = m.states["USA"]
    assert state.spent_usd.get("offtake", 0.0) == pytest.approx(taken["value_usd"].sum(), rel=1e-6)
    assert state.stock_t["ndpr_oxide"] == pytest.approx(
        taken["quantity_t"].sum() - state.sold_t["ndpr_oxide"], rel=1e-6
    )
    assert state.stock_t["ndpr_oxide"] > 0
    assert base["flows"]["channel"].ne("stockpile").all()


COST_PLUS_MARGIN_USD = 40.0
COST_PLUS = {**OFFTAKE, "offtake_share": 1.0, "margin_usd_per_kg": COST_PLUS_MARGIN_USD}


def offtake_months(seed: int, evs: list[dict[str, Any]]) -> pd.DataFrame:
    """Monthly: the state's offtake from the floor firm (t, USD) and the firm's full unit cost."""
    rows: list[tuple] = []

    def each(m: RareEarthModel) -> None:
        f = m.firm_by_name["Mountain Pass Separation"]
        rows.append((m.date, f.full_unit_cost("ndpr_oxide"), f.capacity_t))

    _, tables = run_both(evs, seed, each)
    cost = pd.DataFrame(rows, columns=["date", "full_cost_usd_per_kg", "capacity_t"]).set_index("date")
    taken = trade(tables, origin="USA", destination="USA", tiers=["ndpr_oxide"], channels=("stockpile",), abroad=False)
    return cost.join(taken.groupby("date")[["quantity_t", "value_usd"]].sum(), how="inner")


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_cost_plus_offtake_pays_full_cost_plus_margin_for_the_plant_as_built(seed: int) -> None:
    plus, plain = offtake_months(seed, [COST_PLUS]), offtake_months(seed, [OFFTAKE])
    assert len(plus) >= 12 and len(plain) >= 12
    paid = plus["value_usd"] / (1000.0 * plus["quantity_t"])
    # at least the firm's full unit cost (reference cost plus fixed cost at capacity) plus the margin
    # (the cost is read after the month's payment; within 2% of it)
    assert (paid >= 0.98 * (plus["full_cost_usd_per_kg"] + COST_PLUS_MARGIN_USD)).all()
    # the plain offtake pays the floor (or the index above it), below cost plus 40 USD/kg here (full cost ~17)
    plain_paid = plain["value_usd"] / (1000.0 * plain["quantity_t"])
    assert plain_paid.mean() < paid.mean() - 0.25 * COST_PLUS_MARGIN_USD
    # at most the capacity the firm had when the contract began, each month
    cap_month_t = firm_spec("Mountain Pass Separation")["capacity_t"] / 12
    assert (plus["quantity_t"] <= cap_month_t * (1 + 1e-9)).all()


def ten_x_history(seed: int, cost_plus: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The history world (with or without the margin of MP 10X's offtake): the state's monthly
    magnet offtake in the USA, MP 10X's yearly rows in the agents table, and its events."""
    with builtin_scenarios()["history"].open("rb") as fh:
        data = tomllib.load(fh)
    deal = [e for e in data["events"] if e["kind"] == "price_floor" and e.get("firm") == "MP 10X"]
    assert len(deal) == 1 and deal[0].get("margin_usd_per_kg", 0) > 0, "the history world's 10X deal is cost-plus"
    if not cost_plus:
        del deal[0]["margin_usd_per_kg"]
    t = run(parse_scenario(data, "history (10X deal)"), seed=seed)
    taken = trade(t, origin="USA", destination="USA", tiers=["magnet"], channels=("stockpile",), abroad=False)
    plant = t["agents"][t["agents"]["name"] == "MP 10X"].set_index("date")
    return taken.groupby("date")["quantity_t"].sum(), plant, t["events"][t["events"]["actor"] == "MP 10X"]


def test_cost_plus_offtake_keeps_mp_10x_running_where_the_market_price_does_not() -> None:
    taken, plant, events = ten_x_history(1, cost_plus=True)
    capacity_t = plant.loc["2029-12", "capacity_t"]
    assert taken.max() <= capacity_t / 12 * (1 + 1e-9), "the state takes at most the plant as built"
    assert not events["kind"].isin(["mothball", "close"]).any()
    assert plant.loc["2035-12", "output_t"] >= capacity_t, "it runs at capacity to the end of the run"
    # the counterfactual: the same 100% offtake, paid at the magnet price index (about the plant's cost)
    _, plant0, events0 = ten_x_history(1, cost_plus=False)
    assert events0["kind"].isin(["mothball", "close"]).any(), "without the margin its losses stop it"
    assert plant0.loc["2035-12", "output_t"] < 0.5 * capacity_t


def test_cost_plus_margin_without_offtake_is_an_error() -> None:
    bad = {**FLOOR, "margin_usd_per_kg": 5.0}
    with pytest.raises(ScenarioError, match=r"events\[\d+\]\.margin_usd_per_kg = 5.0: must be left out unless"):
        model_world([bad], seed=0)


# --- domestic-sourcing mandate ---------------------------------------------------------------------
MANDATE = dict(
    date="2000-01", kind="sourcing_mandate", state="USA", sector="defence", banned_origin="CHN", tiers=["magnet"]
)


def defence_purchases(seed: int, evs: list[dict[str, Any]]) -> pd.DataFrame:
    """US defence's monthly magnet purchases by the seller's country (from the allocation)."""
    rows: list[tuple] = []

    def each(m: RareEarthModel) -> None:
        market = m.markets["magnet"]
        row = m.customers.name.index("US defence")
        pos = np.flatnonzero(market.b_customer_row == row)
        assert pos.size == 1
        cls = market.b_class[pos[0]]
        assert market.c_sector[cls] == 3 and m.countries[market.c_country[cls]] == "USA"  # defence, USA
        q = np.asarray(market.allocation.quantity_t[pos]).sum(axis=0)
        chn = market.s_country == m.country_index["CHN"]
        rows.append((m.date, float(q[chn].sum()), float(q[~chn].sum())))

    run_both(evs, seed, each)
    return pd.DataFrame(rows, columns=["date", "from_chn", "from_others"]).set_index("date")


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_sourcing_mandate_stops_the_sector_buying_from_the_banned_origin(seed: int) -> None:
    base, mand = defence_purchases(seed, []), defence_purchases(seed, [MANDATE])
    assert base.loc["2000-01":, "from_chn"].sum() > 100.0, "US defence buys Chinese magnets without the mandate"
    assert (mand.loc["2000-01":, "from_chn"] == 0).all()
    pd.testing.assert_frame_equal(base.loc[:"1999-12"], mand.loc[:"1999-12"])
    # it still gets magnets, from elsewhere
    got, usual = mand.loc["2000-01":].sum().sum(), base.loc["2000-01":].sum().sum()
    assert got >= 0.5 * usual


# --- consolidation ---------------------------------------------------------------------------------
CONSOLIDATE = dict(date="2000-01", kind="consolidation", state="CHN", tiers=T3, group="CREG")


def test_consolidation_groups_the_states_firms_and_pools_their_cash() -> None:
    members = {"Bayan Obo", "South China ionic clays", "Baotou separators", "Southern China separators"}
    spreads: list[tuple[str, float]] = []

    def each(m: RareEarthModel) -> None:
        cash = [m.firm_by_name[n].cash_usd for n in members]
        spreads.append((m.date, max(cash) - min(cash)))

    m, t = run_both([CONSOLIDATE], 0, each)
    e = events(t, "policy", "CHN")
    assert list(e["date"]) == ["2000-01"] and "4 firms consolidated into CREG" in e["detail"].iloc[0]
    for f in m.firms:
        assert (f.group == "CREG") == (f.name in members), f.name
        if f.name in members:
            assert f.state_backed
    assert all(spread <= 1e-6 * 1e9 for date, spread in spreads if date >= "2000-01"), "group cash is pooled"
    assert any(spread > 1e3 for date, spread in spreads if date < "2000-01")
    m0, _ = run_both([], 0)
    assert all(f.group is None for f in m0.firms)


# --- risk premium ----------------------------------------------------------------------------------
RISK = dict(date="2000-01", kind="risk_premium", state="JPN", origin="CHN", premium=0.5)


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_risk_premium_cuts_imports_from_the_origin(seed: int) -> None:
    calm = {"JPN": {"shock_reactive": False}}  # the shock rule is tested on its own
    base, risk = cached_run(seed=seed, states=calm), cached_run([RISK], seed=seed, states=calm)
    imports = dict(origin="CHN", destination="JPN", channels=BOUGHT_ABROAD, start="2000-01")
    assert total(risk, **imports) <= 0.7 * total(base, **imports)
    assert list(events(risk, "policy", "JPN")["date"]) == ["2000-01"]


# --- the dominance rule ----------------------------------------------------------------------------
BUILD_AUS = dict(date="1997-01", kind="build", state="AUS", firm="Mount Weld")
DOMINANCE = {"CHN": {"dominance": True}}
DIRECTS = re.compile(r"directs state-backed firms to undercut in (\w+): foreign capacity share (\d+)%")


# the US rival starts with little cash, so that years of losses tell within the test world's run
# (with 1e7 it outlasts the undercutting: its DyTb and NdPr content keep some margin)
THIN_RIVAL = {"Mountain Pass": {"cash_usd": 5e6}}


def test_dominance_rule_undercuts_when_foreign_capacity_grows() -> None:
    ratios, mothballs, mothballs0 = [], 0, 0
    for seed in SEEDS:
        base = cached_run([BUILD_AUS], seed=seed, firms=THIN_RIVAL)
        dom = cached_run([BUILD_AUS], seed=seed, states=DOMINANCE, firms=THIN_RIVAL)
        assert events(base, "policy", "CHN").empty, "no direction without the dominance goal"
        opened = open_month(dom, "Mount Weld")
        assert opened is not None
        e = events(dom, "policy", "CHN")
        starts = e[e["detail"].str.contains("directs state-backed firms")]
        assert len(starts) >= 1
        first = starts.iloc[0]
        tier, share = DIRECTS.search(first["detail"]).groups()
        assert tier == "concentrate"
        assert int(share) / 100 > DEFAULTS.undercut_trigger_share
        # foreign capacity was below the trigger until the Australian mine opened
        assert opened < first["date"] <= month_label(opened, 12)
        # prices: lower than without the rule while the firms are directed
        end = month_label(first["date"], 23)
        p1 = between(dom["series"], first["date"], end)["price_concentrate"].mean()
        p0 = between(base["series"], first["date"], end)["price_concentrate"].mean()
        ratios.append(p1 / p0)
        mothballs += not events(dom, "mothball", "Mountain Pass").empty
        mothballs0 += not events(base, "mothball", "Mountain Pass").empty
    assert max(ratios) < 0.95 and median(ratios) <= 0.85, f"concentrate price with / without undercutting: {ratios}"
    assert mothballs > mothballs0, "undercutting drives the foreign rival to mothball"


def test_dominance_rule_waits_for_the_trigger_share() -> None:
    high = {"undercut_trigger_share": 0.9}
    base = cached_run([BUILD_AUS], seed=0, params=high)
    dom = cached_run([BUILD_AUS], seed=0, params=high, states=DOMINANCE)
    assert events(dom, "policy", "CHN").empty
    for name in ("series", "flows", "agents"):
        pd.testing.assert_frame_equal(base[name], dom[name])


def ndpr_output_when_direction_ends(seed: int) -> tuple[str, float]:
    """The month China ends its undercutting in NdPr oxide in the history run, and the world's
    NdPr oxide output that month over its mean of the six months before."""
    t = run("history", seed=seed, until="2006-12")
    e = events(t, "policy", "CHN")
    ends = e[e["detail"].str.startswith("ends undercutting in ndpr_oxide")]
    assert len(ends) == 1, e.to_string()
    month = ends.iloc[0]["date"]
    out = t["series"].set_index("date")["output_ndpr_oxide_t"]
    before = out.loc[month_label(month, -6) : month_label(month, -1)].mean()
    return month, float(out.loc[month] / before)


def test_firms_freed_from_undercutting_reprice_and_keep_producing(monkeypatch: pytest.MonkeyPatch) -> None:
    # with their asks raised to cost x min_markup at once, China's separators keep separating in
    # the month their direction ends
    kept = {seed: ndpr_output_when_direction_ends(seed) for seed in SEEDS}
    assert all(ratio > 0.5 for _, ratio in kept.values()), kept
    # counterfactual: freed firms keep their dumping asks until the month's repricing; they find
    # the price below their cost and world NdPr output all but stops that month
    monkeypatch.setattr(RareEarthModel, "_set_ask", lambda self, seller, tier, price: None)
    stuck = {seed: ndpr_output_when_direction_ends(seed) for seed in SEEDS}
    assert all(ratio < 0.1 for _, ratio in stuck.values()), stuck


# --- the shock rule --------------------------------------------------------------------------------
SHOCK = dict(date="2000-03", kind="embargo", state="CHN", target="JPN", tiers=["concentrate", *EMBARGO_TIERS], months=6)


def jpn_customers(m: RareEarthModel) -> np.ndarray:
    return m.customers.country == m.country_index["JPN"]


@pytest.mark.parametrize("seed", SEEDS)
def test_shock_rule_reacts_to_an_embargo(seed: int) -> None:
    m, t = run_both([SHOCK], seed)
    targets0 = np.array([c.get("inventory_target_months", 1.0) for c in small_world_data()["customers"]])
    e = events(t, "policy", "JPN")
    assert len(e) == 1, e
    assert "2000-03" <= e["date"].iloc[0] <= "2000-09" and "supply shock" in e["detail"].iloc[0]
    fin = events(t, "finance", "Mount Weld")
    assert list(fin["date"]) == [e["date"].iloc[0]] and "JPN co-finances" in fin["detail"].iloc[0]
    assert not events(t, "permitting", "Mount Weld").empty
    assert m.firm_by_name["Mount Weld"].financed
    jp = m.states["JPN"]
    assert jp.spent_usd.get("finance", 0.0) > 0
    assert jp.policy.stockpile_target_t and min(jp.policy.stockpile_target_t.values()) > 0
    assert jp.policy.risk_premium.get("CHN", 0.0) > 0
    sel = jpn_customers(m)
    np.testing.assert_allclose(
        m.customers.inventory_target_months[sel], targets0[sel] + DEFAULTS.shock_inventory_months
    )
    np.testing.assert_allclose(m.customers.inventory_target_months[~sel], targets0[~sel])


@pytest.mark.parametrize("seed", SEEDS)
def test_shock_rule_stays_quiet_without_a_shock(seed: int) -> None:
    m, t = run_both([], seed)
    assert events(t, "policy", "JPN").empty
    assert events(t, "finance").empty
    assert m.firm_by_name["Mount Weld"].status == "planned"
    jp = m.states["JPN"]
    assert not jp.policy.stockpile_target_t and "finance" not in jp.spent_usd
    assert not jp.policy.risk_premium
    np.testing.assert_allclose(m.customers.inventory_target_months, [
        c.get("inventory_target_months", 1.0) for c in small_world_data()["customers"]
    ])  # fmt: skip


# Japan's own magnet makers price themselves out (a Japanese compliance cost) and stop buying
# oxides; Japanese customers buy Chinese magnets instead. Imports of oxides from China fall to
# nothing, but Japan's supply is not cut: this is not a supply shock.
OWN_COST = dict(date="1999-01", kind="env_cost", state="JPN", tiers=["magnet"], usd_per_kg=40.0)
NO_GRADE_LOCK = {"Japan cars": {"grade_min": 0.0}}


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_shock_rule_ignores_a_fall_in_imports_the_country_no_longer_orders(seed: int) -> None:
    t = cached_run([OWN_COST], seed=seed, customers=NO_GRADE_LOCK)
    oxides = dict(origin="CHN", destination="JPN", tiers=["ndpr_oxide", "dytb_oxide"], channels=BOUGHT_ABROAD)
    magnets = dict(origin="CHN", destination="JPN", tiers=["magnet"], channels=BOUGHT_ABROAD)
    # the set-up: Japan stops ordering oxides, and buys more Chinese magnets instead
    assert total(t, start="2002-01", end="2002-12", **oxides) <= 0.1 * total(
        t, start="1998-01", end="1998-12", **oxides
    )
    assert total(t, start="2002-01", end="2002-12", **magnets) > total(t, start="1998-01", end="1998-12", **magnets)
    shocks = events(t, "policy", "JPN")
    shocks = shocks[shocks["detail"].str.contains("supply shock")]
    assert shocks.empty, f"a fall in imports Japan no longer orders is read as a supply shock:\n{shocks.to_string()}"
    assert events(t, "finance").empty
