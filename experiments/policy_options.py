"""Policy options: from 2026, what do the USA's choices (a national mobilisation, a supply deal with
China, or the status quo) do to its dependence on China, to prices, to the state's cost, and to
its exposure to a new Chinese embargo?

The status quo is the history world: China's 2025 licences on DyTb oxide and magnets stay, the
MP-DoD floor and the MP 10X plant go ahead. The mobilisation adds, from 2026-01, US production
subsidies for mines, separators and magnet makers, fast-tracked US permits, the construction of
planned plants in the USA and allied countries (with their capital grants and loans), an NdPr
floor for a second US separator and offtake of the new US magnet plants. The deal is the status
quo in which China lifts its licences from 2026-01 and keeps its exports open for the decade
(China has no rule of its own that restricts exports; its undercutting rule, a price rule, stays).
Each option is then stressed: China embargoes the USA on magnets and oxides for 12 months from
2030-01. The future has no facts: every check is a direction or plausibility check of the
model's outcomes.

Three counterfactuals tell the mechanisms apart. The mobilisation's upstream half alone (no magnet
plants) shows that the separation built outside China, not the new magnet plants' demand, brings
China's directed undercutting in NdPr oxide forward. The mobilisation without the NdPr floor of its
new US separator shows what keeps China's share of the (much larger) US oxide purchases down by
2035 although China undercuts: the floored US separators grow whatever China's price. A status quo
whose licences keep rationing (they approve only part of the applications in 2029, instead of
nearly all from 2026) shows what the deal's exposure to the embargo is when the deal lifts a real
constraint.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from experiments import edits
from experiments.controls_2025 import (
    KG_PER_T,
    MARKET_CHANNELS,
    OXIDE_TIERS,
    foreign_share,
    purchase_price,
    purchase_share,
    spending_usd,
    unmet_t,
    window_figure,
    yearly_purchase_shares,
)
from experiments.experiment import Check, Experiment, Measures, Result, Variant
from experiments.metrics import RunOutput
from experiments.report import band_figure, fmt
from model.params import ModelParams

if TYPE_CHECKING:
    from model.model import RareEarthModel

POLICY_START = "2026-01"
EMBARGO_START = "2030-01"
EMBARGO_MONTHS = 12
EMBARGO_TIERS = ("ndpr_oxide", "dytb_oxide", "magnet")
EMBARGO_YEAR = 2030
STRESS_UNTIL = "2030-12"
"""The stress variants run to the end of the embargo year: what they measure is 2030."""
CONTROL_TIERS = ("dytb_oxide", "magnet")
PATH_YEARS = (2020, 2035)
RELEASE_PRICE = ModelParams().stockpile_release_price
RELEASE_WINDOW_MONTHS = ModelParams().stockpile_price_window_months
WINDOW = ("2028-07", STRESS_UNTIL)
PRICE_YEARS = (2026, 2035)
"""The decade of the options, over which mean prices and their month-to-month swings are measured."""
RATIONING_EASE_MONTHS = 120.0
"""`licence_ease_months` of a status quo whose licences keep rationing: the approved share of
applications rises toward all over a decade instead of half a year (the parameter's default), so
that in 2029 China still licenses only part of what is asked."""
RATIONING = (("licence_ease_months", RATIONING_EASE_MONTHS),)
UNDERCUT_NDPR_PRICE_USD_PER_KG = 18.0
"""A 2035 NdPr index below this: China's directed separators have walked the price down (about
12-15 USD/kg where they have; 19-28 where the undercutting has not started or barely)."""

# --- the mobilisation ------------------------------------------------------------------------------
SUBSIDY_USD_PER_KG = {"concentrate": 1.0, "ndpr_oxide": 1.5, "magnet": 8.0}
"""US production subsidies (per kg REO mined, per kg of feed separated, per kg of magnet): of the
order of the 10% advanced-manufacturing production credit (IRA 45X) and above it for magnets."""
PERMITTING_MONTHS = {"concentrate": 24, "ndpr_oxide": 12, "dytb_oxide": 12, "magnet": 3}
"""Fast-tracked US permits (from 240 months for a mine, 36 for a separator, 6 for a magnet plant)."""
NDPR_FLOOR_USD_PER_KG = 110.0
FLOOR_YEARS = 10.0
NEW_SEPARATOR = "Energy Fuels White Mesa"
OFFTAKE_PLANTS = ("Vulcan Elements", "USA Rare Earth Stillwater")

NEW_FIRMS: dict[str, list[dict[str, Any]]] = {
    "miners": [
        {
            "name": "Arafura Nolans", "country": "AUS", "capacity_t": 15000, "unit_cost_usd_per_kg": 1.9,
            "construction_months": 36, "cash_usd": 7e8, "ndpr_share": 0.26, "dytb_share": 0.005,
        },
    ],
    "refiners": [
        {
            "name": NEW_SEPARATOR, "country": "USA", "capacity_t": 10000, "unit_cost_usd_per_kg": 3.4,
            "grade": 0.999, "construction_months": 18, "cash_usd": 3e8, "ndpr_share": 0.2, "dytb_share": 0.02,
        },
        {
            "name": "Iluka Eneabba", "country": "AUS", "capacity_t": 20000, "unit_cost_usd_per_kg": 3.2,
            "grade": 0.999, "construction_months": 36, "cash_usd": 1.1e9, "ndpr_share": 0.2, "dytb_share": 0.03,
        },
    ],
    "magnet_makers": [
        {
            "name": "Vulcan Elements", "country": "USA", "capacity_t": 10000, "unit_cost_usd_per_kg": 12.0,
            "grade": 0.999, "construction_months": 30, "cash_usd": 1.4e9,
        },
        {
            "name": "USA Rare Earth Stillwater", "country": "USA", "capacity_t": 5000, "unit_cost_usd_per_kg": 12.5,
            "grade": 0.999, "construction_months": 24, "cash_usd": 5e8,
        },
        {
            "name": "eVAC Sumter", "country": "USA", "capacity_t": 1500, "unit_cost_usd_per_kg": 13.0,
            "grade": 0.9999, "construction_months": 12, "cash_usd": 1e8,
        },
        {
            "name": "Neo Narva", "country": "XEU", "capacity_t": 2000, "unit_cost_usd_per_kg": 13.0,
            "grade": 0.9999, "construction_months": 12, "cash_usd": 1e8,
        },
    ],
}  # fmt: skip
"""Planned plants of the mobilisation, named after announced projects, with capacities near the
announced ones (t REO, t of feed, t of magnet a year), costs like those of their peers in the
history world, and their capital grants and loans as starting cash."""
ALLIED_PLANTS = tuple(f["name"] for fs in NEW_FIRMS.values() for f in fs if f["country"] != "USA")
CAPITAL_GRANTS_USD = {f["name"]: float(f["cash_usd"]) for fs in NEW_FIRMS.values() for f in fs}


def planned_plants(data: edits.Data) -> None:
    """The mobilisation's plants as plans that nothing builds (no `start`, no need of finance: only a
    `build` event starts them). Every variant has them, because a firm more in the scenario, even an
    idle one, changes the history world's books at the rounding level from its first months, and the
    world amplifies that into another history by 2025; with the plants in every variant, the
    variants of one seed share their history up to the first month of their causes."""
    for section, firms in NEW_FIRMS.items():
        present = {f["name"] for f in data.get(section, [])}
        for f in firms:
            if f["name"] not in present:
                data.setdefault(section, []).append({**f, "status": "planned"})


def mobilisation(data: edits.Data, start: str = POLICY_START, magnets: bool = True, floor: bool = True) -> None:
    """A US national mobilisation from `start`: subsidies, fast permits, new US and allied plants
    built, an NdPr floor for the new US separator and offtake of the new US magnet plants.

    With `magnets=False` only its upstream half (mines and separators: their subsidies, permits,
    plants and the NdPr floor), without the magnet plants, the magnet subsidy and the offtake."""
    planned_plants(data)
    subsidies = {tier: usd for tier, usd in SUBSIDY_USD_PER_KG.items() if magnets or tier != "magnet"}
    built = [f["name"] for section, fs in NEW_FIRMS.items() for f in fs if magnets or section != "magnet_makers"]
    causes: list[dict[str, Any]] = [
        {"kind": "permitting", "tiers": [tier], "months": months} for tier, months in PERMITTING_MONTHS.items()
    ]
    causes += [{"kind": "subsidy", "tiers": [tier], "usd_per_kg": usd} for tier, usd in subsidies.items()]
    causes += [{"kind": "build", "firm": name} for name in built]
    if floor:
        causes.append(
            {"kind": "price_floor", "firm": NEW_SEPARATOR, "tier": "ndpr_oxide", "usd_per_kg": NDPR_FLOOR_USD_PER_KG,
             "years": FLOOR_YEARS}
        )  # fmt: skip
    causes += [
        {"kind": "price_floor", "firm": name, "tier": "magnet", "usd_per_kg": 0.0, "years": FLOOR_YEARS,
         "offtake_share": 1.0}
        for name in OFFTAKE_PLANTS
        if magnets
    ]  # fmt: skip
    # in the month they share, the permits must be in force before the builds start
    data["events"] = [
        {"date": start, "state": "USA", **c, "note": "counterfactual (policy_options: mobilisation)"} for c in causes
    ] + data.get("events", [])


def deal(data: edits.Data, start: str = POLICY_START) -> None:
    """A supply deal: China lifts its export licences from `start` and sets no new restriction."""
    edits.add_event(
        data, date=start, kind="licence_delay", state="CHN", tiers=list(CONTROL_TIERS), months=0,
        note="counterfactual (policy_options: supply deal)",
    )  # fmt: skip
    data["events"] = [
        e
        for e in data["events"]
        if not (e["state"] == "CHN" and e["date"] > start and e["kind"] in ("embargo", "export_quota", "licence_delay"))
    ]


def embargo_2030(data: edits.Data, start: str = EMBARGO_START, months: int = EMBARGO_MONTHS) -> None:
    """The stress: China embargoes the USA on magnets and oxides for `months` months."""
    edits.add_event(
        data, date=start, kind="embargo", state="CHN", target="USA", tiers=list(EMBARGO_TIERS), months=months,
        note="counterfactual (policy_options: stress)",
    )  # fmt: skip


# --- measures ------------------------------------------------------------------------------------
SUPPORT = ("subsidy", "price_floor", "finance")
"""US payments for which the state gets no goods."""
PURCHASES = ("offtake", "stockpile")
"""US purchases into its stockpile (the state gets the goods)."""


def measure(run: RunOutput, model: RareEarthModel) -> Measures:
    """US dependence on China, prices, US spending, and the 2030 embargo's bite."""
    flows, s, ev = run.flows, run.series, run.events
    year = s["date"].str[:4].astype(int)
    scalars: dict[str, float] = {}
    for y in (2029, 2035):
        ok = run.covers(y)
        scalars[f"china_magnet_rent_{y}"] = (
            purchase_price(flows, "USA", "magnet", y, MARKET_CHANNELS, "CHN")
            / purchase_price(flows, "CHN", "magnet", y, MARKET_CHANNELS, "CHN")
            if ok
            else math.nan
        )
        scalars[f"us_magnet_china_share_{y}"] = (
            purchase_share(flows, "USA", "CHN", ["magnet"], y, MARKET_CHANNELS) if ok else math.nan
        )
        scalars[f"us_oxide_china_share_{y}"] = (
            purchase_share(flows, "USA", "CHN", OXIDE_TIERS, y, MARKET_CHANNELS) if ok else math.nan
        )
    decade = s[(year >= PRICE_YEARS[0]) & (year <= PRICE_YEARS[1])]
    full_decade = run.covers(PRICE_YEARS[1])
    for col, name in (("price_magnet", "magnet"), ("price_ndpr_oxide", "ndpr")):
        scalars[f"{name}_price_2035_usd_per_kg"] = run.year_mean(col, 2035)
        scalars[f"{name}_price_mean_2026_35_usd_per_kg"] = float(decade[col].mean()) if full_decade else math.nan
        # month-to-month swings: the standard deviation of the monthly log change
        swings = np.log(decade[col].where(decade[col] > 0)).diff().std()
        scalars[f"{name}_price_swing_2026_35"] = float(swings) if full_decade else math.nan
    support = spending_usd(run.state_spending, "USA", SUPPORT)
    purchases = spending_usd(run.state_spending, "USA", PURCHASES)
    # the grants of the plants built (in every variant the plants exist; only a build starts one)
    grants = sum(
        usd
        for name, usd in CAPITAL_GRANTS_USD.items()
        if name in model.firm_by_name and model.firm_by_name[name].status != "planned"
    )
    scalars |= {
        "us_support_bn_usd": support / 1e9,
        "us_purchases_bn_usd": purchases / 1e9,
        "us_capital_grants_bn_usd": grants / 1e9,
        "us_cost_bn_usd": (support + purchases + grants) / 1e9,
        "us_magnet_output_2035_t": _us_magnet_output_t(run.agents, 2035),
        "china_magnet_share_2035": run.year_mean("china_share_magnets", 2035),
        "china_refining_share_2035": run.year_mean("china_share_refining", 2035),
        "us_oxide_us_share_2035": purchase_share(flows, "USA", "USA", OXIDE_TIERS, 2035, MARKET_CHANNELS)
        if run.covers(2035)
        else math.nan,
        "china_ndpr_undercut_year": _undercut_year(ev, "ndpr_oxide", run.after_end),
        "us_oxide_bought_2035_t": oxide_t(flows, None, 2035) if run.covers(2035) else math.nan,
        "us_oxide_from_china_2035_t": oxide_t(flows, "CHN", 2035) if run.covers(2035) else math.nan,
        "mountain_pass_produces_2030": float(_output_t(run.agents, "Mountain Pass", 2030) > 0),
        "mountain_pass_restarts_from_2026": float(
            len(ev[(ev["actor"] == "Mountain Pass") & (ev["kind"] == "restart") & (ev["date"] >= POLICY_START)]) > 0
        ),
        "allied_new_output_2035_t": sum(_output_t(run.agents, name, 2035) for name in ALLIED_PLANTS),
    }
    # the embargo year
    rows = run.year_rows(EMBARGO_YEAR)
    ok = run.covers(EMBARGO_YEAR)
    before = purchased_t(flows, "USA", "magnet", EMBARGO_YEAR - 1)
    us_unmet, us_need = unmet_t(model, "USA", EMBARGO_YEAR)
    scalars |= {
        "unmet_demand_2030_t": float(rows["unmet_demand_t"].sum()) if ok else math.nan,
        "us_unmet_demand_2030_t": us_unmet if ok else math.nan,
        "us_unmet_share_2030": us_unmet / us_need if ok and us_need > 0 else math.nan,
        "others_magnet_china_share_2030": others_share(flows, EMBARGO_YEAR) if ok else math.nan,
        "us_magnets_bought_2030_over_2029": purchased_t(flows, "USA", "magnet", EMBARGO_YEAR) / before
        if ok and before > 0
        else math.nan,
        "us_magnet_price_2030_usd_per_kg": purchase_price(flows, "USA", "magnet", EMBARGO_YEAR, MARKET_CHANNELS)
        if ok
        else math.nan,
        "us_magnet_price_2030_over_2029": purchase_price(flows, "USA", "magnet", EMBARGO_YEAR, MARKET_CHANNELS)
        / purchase_price(flows, "USA", "magnet", EMBARGO_YEAR - 1, MARKET_CHANNELS)
        if ok
        else math.nan,
        "us_oxide_price_2030_over_2029": _oxide_price(flows, EMBARGO_YEAR) / _oxide_price(flows, EMBARGO_YEAR - 1)
        if ok
        else math.nan,
        "magnet_price_2030_over_2029": run.year_mean("price_magnet", EMBARGO_YEAR)
        / run.year_mean("price_magnet", EMBARGO_YEAR - 1),
        "us_stock_released_t": float(model.states["USA"].sold_t.get("magnet", 0.0)),
    }
    # paths: yearly dependence and prices; monthly around the embargo
    last = run.last_full_year
    years = np.arange(PATH_YEARS[0], min(PATH_YEARS[1], last) + 1)
    yearly = pd.DataFrame({"year": years})
    yearly["us_magnet_china_share"] = (
        yearly_purchase_shares(flows, "USA", "CHN", ["magnet"], MARKET_CHANNELS).reindex(years).to_numpy()
    )
    yearly["us_oxide_china_share"] = (
        yearly_purchase_shares(flows, "USA", "CHN", OXIDE_TIERS, MARKET_CHANNELS).reindex(years).to_numpy()
    )
    by_year = s.assign(year=year).groupby("year")
    yearly["magnet_price_usd_per_kg"] = by_year["price_magnet"].mean().reindex(years).to_numpy()
    yearly["ndpr_price_usd_per_kg"] = by_year["price_ndpr_oxide"].mean().reindex(years).to_numpy()
    yearly["date"] = yearly.pop("year").astype(str)
    window = (s["date"] >= WINDOW[0]) & (s["date"] <= WINDOW[1])
    us_month = monthly_purchases_t(flows, "USA", "magnet")
    unmet = model.unmet_demand_by_country()
    us_unmet_month = unmet[unmet["country"] == "USA"].set_index("date")["unmet_t"]
    us_value = monthly_purchases_t(flows, "USA", "magnet", "value_usd")
    monthly = pd.DataFrame(
        {
            "date": s.loc[window, "date"].to_numpy(),
            "us_unmet_demand_t": us_unmet_month.reindex(s.loc[window, "date"]).to_numpy(),
            "us_magnets_bought_t": us_month.reindex(s.loc[window, "date"], fill_value=0.0).to_numpy(),
            "us_magnet_price_m_usd_per_kg": (us_value / (us_month * KG_PER_T))
            .reindex(s.loc[window, "date"])
            .to_numpy(),
        }
    )
    return Measures(scalars, pd.concat([yearly, monthly], ignore_index=True))


def others_share(flows: pd.DataFrame, year: int) -> float:
    """China's share of the magnets bought (market) in `year` by buyers outside China and the USA."""
    return foreign_share(flows[flows["destination"] != "USA"], "CHN", "magnet", year)


def oxide_t(flows: pd.DataFrame, origin: str | None, year: int) -> float:
    """US market purchases of NdPr and DyTb oxide in `year` (from `origin`, or all), t."""
    f = flows[
        (flows["destination"] == "USA")
        & flows["tier"].isin(list(OXIDE_TIERS))
        & flows["channel"].isin(MARKET_CHANNELS)
        & flows["date"].str.startswith(f"{year}-")
    ]
    return float(f.loc[f["origin"] == origin, "quantity_t"].sum() if origin else f["quantity_t"].sum())


def _undercut_year(events: pd.DataFrame, tier: str, after_end: float) -> float:
    """The year from 2026 on in which China's dominance rule directs its firms of `tier` to undercut
    (`after_end` if it does not within the run)."""
    hit = events[
        (events["country"] == "CHN")
        & (events["kind"] == "policy")
        & (events["date"] >= POLICY_START)
        & events["detail"].str.startswith(f"directs state-backed firms to undercut in {tier}")
    ]
    return float(hit["date"].iloc[0][:4]) if len(hit) else after_end


def _oxide_price(flows: pd.DataFrame, year: int) -> float:
    """What US buyers pay for NdPr oxide on average in `year`, USD/kg."""
    return purchase_price(flows, "USA", "ndpr_oxide", year, MARKET_CHANNELS)


def _output_t(agents: pd.DataFrame, name: str, year: int) -> float:
    rows = agents[(agents["name"] == name) & agents["date"].str.startswith(f"{year}-")]
    return float(rows["output_t"].sum())


def _us_magnet_output_t(agents: pd.DataFrame, year: int) -> float:
    rows = agents[
        (agents["type"] == "magnet_maker") & (agents["country"] == "USA") & agents["date"].str.startswith(f"{year}-")
    ]
    return float(rows["output_t"].sum())


def purchased_t(flows: pd.DataFrame, buyer: str, tier: str, year: int) -> float:
    """`buyer`'s market purchases of `tier` in `year`, t (the state's stockpile flows left out)."""
    f = flows[
        (flows["destination"] == buyer)
        & (flows["tier"] == tier)
        & flows["channel"].isin(MARKET_CHANNELS)
        & flows["date"].str.startswith(f"{year}-")
    ]
    return float(f["quantity_t"].sum())


def monthly_purchases_t(flows: pd.DataFrame, buyer: str, tier: str, column: str = "quantity_t") -> pd.Series:
    """`buyer`'s market purchases of `tier` per month (by date): t, or USD with `column="value_usd"`."""
    f = flows[(flows["destination"] == buyer) & (flows["tier"] == tier) & flows["channel"].isin(MARKET_CHANNELS)]
    return f.groupby("date")[column].sum()


stressed = embargo_2030
upstream_half = functools.partial(mobilisation, magnets=False)
unfloored = functools.partial(mobilisation, floor=False)

VARIANTS = (
    Variant("baseline", "status quo (the history world; the mobilisation's plants stay plans)", (planned_plants,)),
    Variant("mobilisation", "US mobilisation from 2026: subsidies, plants, floors", (mobilisation,)),
    Variant(
        "mobilisation_upstream", "the mobilisation's mines and separators only (no magnet plants, subsidy, offtake)",
        (upstream_half,),
    ),
    Variant(
        "mobilisation_unfloored", "the mobilisation without the NdPr floor of its new US separator", (unfloored,)
    ),
    Variant("deal", "deal: China lifts its licences from 2026", (planned_plants, deal)),
    Variant(
        "status_quo_embargo", "status quo + 2030 embargo on the USA", (planned_plants, stressed), until=STRESS_UNTIL
    ),
    Variant(
        "mobilisation_embargo", "mobilisation + 2030 embargo on the USA", (mobilisation, stressed), until=STRESS_UNTIL
    ),
    Variant("deal_embargo", "deal + 2030 embargo on the USA", (planned_plants, deal, stressed), until=STRESS_UNTIL),
    # the counterfactual of the deal's exposure: a status quo whose licences still ration in 2029
    Variant(
        "rationing_embargo", "status quo with licences that keep rationing + 2030 embargo",
        (planned_plants, stressed), params=RATIONING, until=STRESS_UNTIL,
    ),
    Variant(
        "rationing_deal_embargo", "the same with the deal from 2026 + 2030 embargo",
        (planned_plants, deal, stressed), params=RATIONING, until=STRESS_UNTIL,
    ),
)  # fmt: skip

CHECKS = (
    Check(
        "status quo: China still supplies most of the US oxide purchases in 2035", "baseline",
        "us_oxide_china_share_2035", lo=0.5, target="model outcome: high",
        why_if_fail=(
            "Mountain Pass Separation, growing under the MP-DoD floor, and Lynas Malaysia, running mostly on "
            "Myanmar's ionic clay, sell much of the oxide MP 10X and the other US makers buy by 2035; China keeps "
            "most of it in the seeds where Lynas Malaysia has closed"
        ),
    ),
    Check(
        "status quo: China supplies a large part of US magnet purchases in 2035", "baseline",
        "us_magnet_china_share_2035", lo=0.3, target="model outcome: high",
        why_if_fail="US buyers buy magnets made outside China (above all the rest-of-world makers') in 2035 at prices "
        "close to China's",
    ),
    Check(
        "mobilisation lowers China's share of US oxide purchases in 2035", "mobilisation",
        "us_oxide_china_share_2035", versus="baseline", hi=-0.1, target="lower",
        why_if_fail=(
            "the mobilisation's magnet plants multiply US oxide purchases (`us_oxide_bought_2035_t`) and China sells "
            "much of the extra, while the status quo's share also falls as Lynas Malaysia and Mountain Pass "
            "Separation (under its floor) grow, so the gap is small and varies from seed to seed; the mobilisation's "
            "own share falls from 2029 to 2035 because its floored US separators grow (`us_oxide_us_share_2035`; "
            "without the floor, `mobilisation_unfloored`, China's share is higher)"
        ),
    ),
    Check(
        "mobilisation brings China's undercutting in NdPr oxide forward (year)", "mobilisation",
        "china_ndpr_undercut_year", versus="baseline", hi=-0.5, target="model outcome: earlier",
    ),
    Check(
        "without its NdPr floor, the mobilisation leaves China more of US oxide purchases in 2035",
        "mobilisation_unfloored", "us_oxide_china_share_2035", versus="mobilisation", lo=0.0,
        target="model outcome: higher",
    ),
    Check(
        "mobilisation lowers China's share of US magnet purchases in 2035", "mobilisation",
        "us_magnet_china_share_2035", versus="baseline", hi=-0.05, target="lower",
    ),
    Check(
        "mobilisation makes more magnets in the USA in 2035 (t)", "mobilisation", "us_magnet_output_2035_t",
        versus="baseline", lo=1000, target="more",
    ),
    Check(
        "mobilisation costs the US state more (bn USD over the run)", "mobilisation", "us_cost_bn_usd",
        versus="baseline", lo=1.0, target="higher",
    ),
    Check(
        "the deal keeps magnet prices lower over 2026-35 (USD/kg)", "deal", "magnet_price_mean_2026_35_usd_per_kg",
        versus="baseline", hi=0.0, target="lower",
        why_if_fail=(
            "by 2026 the status quo's licences approve nearly all applications after a short wait, so lifting them "
            "moves the magnet price less than the seeds' own spread"
        ),
    ),
    Check(
        "the deal keeps magnet prices steadier over 2026-35 (swing)", "deal", "magnet_price_swing_2026_35",
        versus="baseline", hi=0.0, target="steadier",
    ),
    Check(
        "with the deal China supplies more of US magnet purchases in 2035", "deal", "us_magnet_china_share_2035",
        versus="baseline", lo=0.01, target="higher",
    ),
    Check(
        "exposure: before the stress (2029) the deal leaves more US magnet purchases to China", "deal",
        "us_magnet_china_share_2029", versus="baseline", lo=0.01, target="higher",
    ),
    Check(
        "the deal leaves less magnet making in the USA in 2035 (t)", "deal", "us_magnet_output_2035_t",
        versus="baseline", hi=-1000, target="less",
        why_if_fail=(
            "the deal removes only a licence queue that by 2026 approves nearly all applications, and US magnet "
            "output in 2035 is mostly MP 10X's, which the state's cost-plus offtake keeps running and growing "
            "whatever China's licences, so the deal moves it by less than the seeds' spread"
        ),
    ),
    Check(
        "exposure: before the stress (2029) mobilisation leaves fewer US magnet purchases to China",
        "mobilisation", "us_magnet_china_share_2029", versus="baseline", hi=0.0, target="lower",
    ),
    Check(
        "the 2030 embargo leaves US customers' demand unmet in the status quo (t)", "status_quo_embargo",
        "us_unmet_demand_2030_t", versus="baseline", lo=1.0, target="shortage",
        why_if_fail=(
            "US buyers take the non-Chinese magnets that other countries' buyers leave as those turn to China "
            "(trade diversion), so the embargo shows in the price US buyers pay, not in shortage"
        ),
    ),
    Check(
        "the 2030 embargo raises what US buyers pay for magnets in the status quo (USD/kg)", "status_quo_embargo",
        "us_magnet_price_2030_usd_per_kg", versus="baseline", lo=0.0, target="higher",
    ),
    Check(
        "under the embargo US buyers pay less for magnets with mobilisation than in the status quo (USD/kg, 2030)",
        "mobilisation_embargo", "us_magnet_price_2030_usd_per_kg", versus="status_quo_embargo", hi=0.0,
        target="lower",
        why_if_fail=(
            "the mobilisation's US magnets cost more than Chinese ones even without an embargo "
            "(`us_magnet_price_2030_usd_per_kg` of the worlds without it), so under the embargo US buyers still pay "
            "more; the embargo's jump is what the mobilisation makes smaller"
        ),
    ),
    Check(
        "the embargo's price jump (2030 over 2029) is smaller with mobilisation than in the status quo",
        "mobilisation_embargo", "us_magnet_price_2030_over_2029", versus="status_quo_embargo", hi=0.0,
        target="smaller",
        why_if_fail=(
            "the mobilisation's US magnet makers still buy most of their oxide from China before the embargo "
            "(`us_oxide_china_share_2029`), and the embargo stops that too"
        ),
    ),
    Check(
        "the embargo's price jump (2030 over 2029) is larger after the deal than in the status quo", "deal_embargo",
        "us_magnet_price_2030_over_2029", versus="status_quo_embargo", lo=0.0, target="larger",
        why_if_fail=(
            "by 2029 the status quo's licences approve nearly all applications after a short wait, so the deal leaves "
            "US buyers hardly more exposed (`us_magnet_china_share_2029`) and the embargo bites about as hard; with "
            "licences that still ration in 2029 the deal's jump is larger (`rationing_deal_embargo` against "
            "`rationing_embargo`)"
        ),
    ),
    Check(
        "the embargo cuts US magnet purchases more after the deal than in the status quo (2030 over 2029)",
        "deal_embargo", "us_magnets_bought_2030_over_2029", versus="status_quo_embargo", hi=0.0, target="deeper cut",
        why_if_fail=(
            "the deal leaves US buyers hardly more exposed in 2029 than the status quo's eased licences do, so the "
            "cut is about the same"
        ),
    ),
    Check(
        "with licences that still ration in 2029, the embargo's price jump is larger after the deal",
        "rationing_deal_embargo", "us_magnet_price_2030_over_2029", versus="rationing_embargo", lo=0.0,
        target="model outcome: larger",
    ),
)  # fmt: skip

INDICATORS = {
    "us_magnet_china_share_2029": "share of US magnet purchases (market) from China, 2029 (before the stress)",
    "us_oxide_china_share_2029": "share of US NdPr and DyTb oxide purchases (market) from China, 2029",
    "us_magnet_china_share_2035": "share of US magnet purchases (market) from China, 2035",
    "us_oxide_china_share_2035": "share of US oxide purchases (market) from China, 2035",
    "china_magnet_rent_2029": "what US buyers pay for Chinese magnets over what Chinese buyers pay, 2029",
    "china_magnet_rent_2035": "the same, 2035",
    "magnet_price_2035_usd_per_kg": "magnet price index, 2035 mean, USD/kg",
    "magnet_price_mean_2026_35_usd_per_kg": "magnet price index, 2026-2035 mean, USD/kg",
    "magnet_price_swing_2026_35": "standard deviation of the monthly log change of the magnet index, 2026-2035",
    "ndpr_price_2035_usd_per_kg": "NdPr oxide price index, 2035 mean, USD/kg",
    "ndpr_price_mean_2026_35_usd_per_kg": "NdPr oxide price index, 2026-2035 mean, USD/kg",
    "ndpr_price_swing_2026_35": "the same swing for NdPr oxide",
    "us_support_bn_usd": "US subsidies, price-floor payments and co-finance over the run, bn USD",
    "us_purchases_bn_usd": "US offtake and stockpile purchases over the run (the state gets the goods), bn USD",
    "us_capital_grants_bn_usd": "capital grants and loans to the mobilisation's plants (set in the scenario), bn USD",
    "us_cost_bn_usd": "the three together, bn USD",
    "us_magnet_output_2035_t": "magnets made in the USA in 2035, t",
    "china_magnet_share_2035": "China's share of world magnet output, 2035",
    "china_refining_share_2035": "China's share of world separation output, 2035",
    "us_oxide_us_share_2035": "share of US oxide purchases (market) from US separators, 2035",
    "china_ndpr_undercut_year": "year from 2026 in which China directs its separators to undercut (run end + 1: never)",
    "us_oxide_bought_2035_t": "US NdPr and DyTb oxide purchases (market), 2035, t",
    "us_oxide_from_china_2035_t": "the same from China, t",
    "mountain_pass_produces_2030": "1 if the Mountain Pass mine produces in 2030",
    "mountain_pass_restarts_from_2026": "1 if the Mountain Pass mine restarts from 2026 on",
    "allied_new_output_2035_t": "2035 output of the mobilisation's allied plants (Arafura, Iluka, Neo Narva), t",
    "unmet_demand_2030_t": "customers' unmet demand in the world, 2030 total, t",
    "us_unmet_demand_2030_t": "US customers' unmet demand, 2030 total, t",
    "us_unmet_share_2030": "the same over US customers' need in 2030",
    "others_magnet_china_share_2030": "China's share of the magnets bought (market) outside China and the USA, 2030",
    "us_magnets_bought_2030_over_2029": "US magnet purchases (market) in 2030 over 2029",
    "us_magnet_price_2030_usd_per_kg": "what US buyers pay for magnets on average in 2030, USD/kg",
    "us_magnet_price_2030_over_2029": "what US buyers pay for magnets, 2030 over 2029",
    "us_oxide_price_2030_over_2029": "what US buyers pay for NdPr oxide, 2030 over 2029",
    "magnet_price_2030_over_2029": "magnet price index, 2030 mean over 2029 mean",
    "us_stock_released_t": "magnets the US state sold from its stockpile over the run, t",
}


def narrative(r: Result) -> str:
    b, m, u, d = "baseline", "mobilisation", "mobilisation_upstream", "deal"
    nf = "mobilisation_unfloored"

    def pct(v: str, ind: str) -> str:
        return f"{fmt(100 * r.median(v, ind))}%"

    def year(v: str) -> str:
        return f"{r.median(v, 'china_ndpr_undercut_year'):.0f}"

    plants = "; ".join(
        f"{f['name']} ({f['country']}, {fmt(f['capacity_t'])} t/yr, {fmt(f['cash_usd'] / 1e9)} bn USD)"
        for fs in NEW_FIRMS.values()
        for f in fs
    )
    mob_cost = r.median(m, "us_cost_bn_usd")
    released = r.median("status_quo_embargo", "us_stock_released_t") + r.median(
        "mobilisation_embargo", "us_stock_released_t"
    )
    deal_gap = r.median(d, "us_magnet_china_share_2035") - r.median(b, "us_magnet_china_share_2035")
    earlier = r.median(m, "china_ndpr_undercut_year") < r.median(b, "china_ndpr_undercut_year")
    upstream_earlier = r.median(u, "china_ndpr_undercut_year") < r.median(b, "china_ndpr_undercut_year")
    falls = r.median(m, "us_oxide_china_share_2035") < r.median(m, "us_oxide_china_share_2029")
    floor_holds = r.median(nf, "us_oxide_china_share_2035") > r.median(m, "us_oxide_china_share_2035") and r.median(
        nf, "us_oxide_us_share_2035"
    ) < r.median(m, "us_oxide_us_share_2035")
    stressed_worlds = ("status_quo_embargo", "mobilisation_embargo", "deal_embargo")
    short_max = max(r.median(v, "us_unmet_demand_2030_t") for v in stressed_worlds)
    diverted = all(
        r.median(v, "others_magnet_china_share_2030") > r.median(base, "others_magnet_china_share_2030")
        for v, base in zip(stressed_worlds, (b, m, d), strict=True)
    )
    jump = "us_magnet_price_2030_over_2029"
    oxide_lo, oxide_hi = r.band(b, "us_oxide_china_share_2035")
    lines = [
        f"**The options.** The mobilisation (from {POLICY_START}): US production subsidies of "
        + ", ".join(f"{fmt(usd)} USD/kg on {tier}" for tier, usd in SUBSIDY_USD_PER_KG.items())
        + "; US permits of "
        + ", ".join(f"{months} months for {tier}" for tier, months in PERMITTING_MONTHS.items())
        + f"; the construction of planned plants, with their capital grants and loans: {plants}; an NdPr floor "
        f"of {fmt(NDPR_FLOOR_USD_PER_KG)} USD/kg for {fmt(FLOOR_YEARS)} years for {NEW_SEPARATOR} and offtake of "
        f"all the unsold output of {' and '.join(OFFTAKE_PLANTS)}. The deal: China lifts its 2025 licences in "
        f"{POLICY_START} and sets no new restriction. The stress: China embargoes the USA on "
        f"{', '.join(EMBARGO_TIERS)} for {EMBARGO_MONTHS} months from {EMBARGO_START}. The plants are in every "
        "variant as plans that only the mobilisation builds, so that all variants of a seed share their history "
        "to 2025.",
        "",
        "These are model outcomes for the future, not facts. In the status quo China's 2025 licences stay "
        "to 2035; they ration by the queue of applications, not by price, and the licensed share of "
        f"applications rises toward all of them, so US buyers pay {r.median(b, 'china_magnet_rent_2029'):.2f} "
        f"times what Chinese buyers pay for Chinese magnets in 2029 and "
        f"{r.median(b, 'china_magnet_rent_2035'):.2f} times in 2035. China supplies "
        f"{pct(b, 'us_magnet_china_share_2035')} of US magnet purchases in 2035 and "
        f"{pct(b, 'us_oxide_china_share_2035')} (seeds' band {fmt(oxide_lo)}-{fmt(oxide_hi)}) of its NdPr "
        f"and DyTb oxide purchases ({fmt(r.median(b, 'us_oxide_bought_2035_t'))} t; 2029: "
        f"{pct(b, 'us_oxide_china_share_2029')}), medians across seeds: US separators (Mountain Pass Separation, "
        f"under the MP-DoD floor) sell {pct(b, 'us_oxide_us_share_2035')} and the other separators outside China, "
        "above all Lynas Malaysia on Myanmar's ionic clay, the rest. China's dominance rule directs its "
        f"separators to undercut in NdPr oxide in {year(b)} (median year), and the NdPr index averages "
        f"{fmt(r.median(b, 'ndpr_price_2035_usd_per_kg'))} USD/kg in 2035. "
        f"The magnet price index averages {fmt(r.median(b, 'magnet_price_mean_2026_35_usd_per_kg'))} USD/kg over "
        f"2026-2035, and the US state spends {fmt(r.median(b, 'us_cost_bn_usd'))} bn USD over the run (the MP "
        f"floor and the MP 10X offtake).",
        "",
        f"The mobilisation makes {fmt(r.median(m, 'us_magnet_output_2035_t'))} t of magnets in the USA in 2035 "
        f"(status quo {fmt(r.median(b, 'us_magnet_output_2035_t'))} t) and cuts China's share of US magnet "
        f"purchases to {pct(m, 'us_magnet_china_share_2035')}, at a cost of {fmt(mob_cost)} bn USD "
        f"(subsidies and floors {fmt(r.median(m, 'us_support_bn_usd'))} bn, stockpile purchases "
        f"{fmt(r.median(m, 'us_purchases_bn_usd'))} bn, capital {fmt(r.median(m, 'us_capital_grants_bn_usd'))} bn). "
        f"China's share of US oxide purchases is {pct(m, 'us_oxide_china_share_2029')} in 2029 (status quo "
        f"{pct(b, 'us_oxide_china_share_2029')}) and {pct(m, 'us_oxide_china_share_2035')} in 2035 (status quo "
        f"{pct(b, 'us_oxide_china_share_2035')}), of {fmt(r.median(m, 'us_oxide_bought_2035_t'))} t of oxide "
        f"bought, {fmt(r.median(m, 'us_oxide_from_china_2035_t'))} t of it from China (status quo "
        f"{fmt(r.median(b, 'us_oxide_from_china_2035_t'))} t). "
        + (
            f"The separation the mobilisation adds outside China brings China's directed undercutting in NdPr "
            f"oxide forward to {year(m)} (status quo {year(b)})"
            + (
                f", and so does its upstream half alone, without the magnet plants ({year(u)})"
                if upstream_earlier
                else ""
            )
            + f"; the NdPr index averages {fmt(r.median(m, 'ndpr_price_2035_usd_per_kg'))} USD/kg in 2035 (status "
            f"quo {fmt(r.median(b, 'ndpr_price_2035_usd_per_kg'))}) and China makes "
            f"{pct(m, 'china_refining_share_2035')} of the world's separation output (status quo "
            f"{pct(b, 'china_refining_share_2035')}). "
            if earlier
            else ""
        )
        + (
            f"Yet US separators sell {pct(m, 'us_oxide_us_share_2035')} of the US oxide bought in 2035 (status quo "
            f"{pct(b, 'us_oxide_us_share_2035')}): Mountain Pass Separation and {NEW_SEPARATOR}, both under NdPr "
            f"floors, grow whatever China's price. Without {NEW_SEPARATOR}'s floor they sell "
            f"{pct(nf, 'us_oxide_us_share_2035')} and China {pct(nf, 'us_oxide_china_share_2035')}. "
            if falls and floor_holds
            else ""
        )
        + "The subsidy restarts the Mountain Pass mine in "
        f"{r.share(m, 'mountain_pass_restarts_from_2026'):.0%} of seeds, but the mine then sells at no more than its "
        f"subsidised cost, mothballs on its losses and produces in 2030 in "
        f"{r.share(m, 'mountain_pass_produces_2030'):.0%} of seeds: the US separators, two of them now under an NdPr "
        "floor, run on imported concentrate. The allied plants built (Arafura Nolans, Iluka Eneabba, Neo Narva), "
        f"which have no floors or subsidies of their own, produce {fmt(r.median(m, 'allied_new_output_2035_t'))} t "
        "in 2035 together."
        + (
            " The cost stays well below the hundreds of billions of the seeds' framing, because the subsidies are "
            "paid per kg made and the floors on the NdPr a separator sells."
            if mob_cost < 100
            else ""
        ),
        "",
        f"With the deal the licences' queue goes: the magnet index averages "
        f"{fmt(r.median(d, 'magnet_price_mean_2026_35_usd_per_kg'))} USD/kg over 2026-2035 (status quo "
        f"{fmt(r.median(b, 'magnet_price_mean_2026_35_usd_per_kg'))}) and China supplies "
        f"{pct(d, 'us_magnet_china_share_2029')} of US magnet purchases in 2029 and "
        f"{pct(d, 'us_magnet_china_share_2035')} in 2035 (status quo {pct(b, 'us_magnet_china_share_2029')} and "
        f"{pct(b, 'us_magnet_china_share_2035')}; oxides {pct(d, 'us_oxide_china_share_2035')} in 2035)"
        + (
            ": by then the status quo's licences cover nearly all applications, so the deal adds little to US "
            "dependence"
            if deal_gap < 0.1
            else ""
        )
        + f". The US state spends {fmt(r.median(d, 'us_cost_bn_usd'))} bn USD. "
        f"The USA makes {fmt(r.median(d, 'us_magnet_output_2035_t'))} t of magnets in 2035 (status quo "
        f"{fmt(r.median(b, 'us_magnet_output_2035_t'))} t) and China makes {pct(d, 'china_magnet_share_2035')} of "
        f"the world's magnets (status quo {pct(b, 'china_magnet_share_2035')}).",
        "",
        "The stress, a 12-month Chinese embargo on the USA in 2030 (magnets and oxides), in each option:",
        "",
    ]
    for v, base in (("status_quo_embargo", b), ("mobilisation_embargo", m), ("deal_embargo", d)):
        lines.append(
            f"- **{v}**: China's share of US magnet purchases in 2029 {r.summary(base, 'us_magnet_china_share_2029')}; "
            f"what US buyers pay for magnets in 2030 {r.summary(v, 'us_magnet_price_2030_usd_per_kg')} USD/kg "
            f"(without the embargo {r.summary(base, 'us_magnet_price_2030_usd_per_kg')}), "
            f"{r.summary(v, jump)} times 2029 (without {r.summary(base, jump)}); US magnet purchases 2030 over 2029 "
            f"{r.summary(v, 'us_magnets_bought_2030_over_2029')} (without "
            f"{r.summary(base, 'us_magnets_bought_2030_over_2029')}); US customers' unmet demand in 2030 "
            f"{r.summary(v, 'us_unmet_demand_2030_t')} t; China's share of the magnets bought outside China and "
            f"the USA {r.summary(v, 'others_magnet_china_share_2030')} (without "
            f"{r.summary(base, 'others_magnet_china_share_2030')})."
        )
    rq, rd = "rationing_embargo", "rationing_deal_embargo"
    lines += [
        "",
        (
            "No option leaves US customers short under the embargo: US buyers take the magnets made outside China, "
            "above all the rest-of-world makers', that other countries' buyers leave as they turn to China, so the "
            "embargo shows in the price US buyers pay. "
            if short_max < 1.0 and diverted
            else ""
        )
        + "The US state's stockpile of MP 10X (and, in the mobilisation, Vulcan and USA Rare Earth) magnets "
        + ("is not released" if released == 0 else "is partly released")
        + f": it sells {fmt(r.median('status_quo_embargo', 'us_stock_released_t'))} t in the status quo's embargo "
        f"and {fmt(r.median('mobilisation_embargo', 'us_stock_released_t'))} t in the mobilisation's; its release "
        f"rule waits for import prices at {fmt(RELEASE_PRICE)} times their mean of {fmt(RELEASE_WINDOW_MONTHS)} "
        f"months, and the embargo raises what US buyers pay for magnets to "
        f"{fmt(r.median('status_quo_embargo', jump))} times their 2029 price in the status quo.",
        "",
        f"The deal's exposure depends on what it lifts. The status quo's licences approve nearly all applications "
        f"by 2026, so after the deal the embargo's jump is {fmt(r.median('deal_embargo', jump))} times 2029 "
        f"against {fmt(r.median('status_quo_embargo', jump))} in the status quo. In a status quo whose licences "
        f"keep rationing (`licence_ease_months` {fmt(RATIONING_EASE_MONTHS)} instead of "
        f"{fmt(ModelParams().licence_ease_months)}), China supplies {pct(rq, 'us_magnet_china_share_2029')} of US "
        f"magnet purchases in 2029 and {pct(rd, 'us_magnet_china_share_2029')} after the deal, and the embargo's "
        f"jump is {fmt(r.median(rq, jump))} times 2029 there and {fmt(r.median(rd, jump))} after the deal.",
    ]
    return "\n".join(lines)


def figures(r: Result, out: Path) -> list[tuple[str, str]]:
    options = ["baseline", "mobilisation", "deal"]
    unmet = "; ".join(
        f"{v} {fmt(r.median(v, 'us_unmet_demand_2030_t'))} t"
        for v in ("status_quo_embargo", "mobilisation_embargo", "deal_embargo")
    )
    band_figure(
        r,
        {
            "us_magnet_china_share": "China's share of US magnet purchases",
            "us_oxide_china_share": "China's share of US oxide purchases",
            "magnet_price_usd_per_kg": "magnet price index, USD/kg",
            "ndpr_price_usd_per_kg": "NdPr oxide price index, USD/kg",
        },
        out / "options.png",
        variants=options,
        start=f"{PATH_YEARS[0]}-01",
        logy=("magnet_price_usd_per_kg", "ndpr_price_usd_per_kg"),
        ncols=2,
        title="US policy options from 2026",
        mark={POLICY_START: "options start"},
    )
    window_figure(
        r,
        {
            "us_magnets_bought_t": "US magnet purchases, t/month",
            "us_magnet_price_m_usd_per_kg": "US magnet price paid, USD/kg",
        },
        out / "embargo_2030.png",
        start=WINDOW[0],
        end=WINDOW[1],
        title="A Chinese embargo on the USA in 2030",
        logy=("us_magnet_price_m_usd_per_kg",),
        mark={EMBARGO_START: "embargo"},
    )
    return [
        ("options.png", "China's share of US magnet and oxide purchases and the price indices, by option."),
        (
            "embargo_2030.png",
            "US magnet purchases and what US buyers pay for them around the 2030 embargo, by option with and "
            f"without it (US customers' unmet demand in 2030 under the embargo, median: {unmet}).",
        ),
    ]


EXPERIMENT = Experiment(
    name="policy_options",
    title="US policy options: mobilisation, a deal with China, or the status quo",
    question=(
        "From 2026, what do a US national mobilisation, a supply deal with China and the status quo do to the "
        "USA's dependence on China in 2035, to prices, to the US state's cost, and to the harm of a new Chinese "
        "embargo in 2030?"
    ),
    variants=VARIANTS,
    measure=measure,
    checks=CHECKS,
    indicators=INDICATORS,
    narrative=narrative,
    figures=figures,
)

__all__ = ["EXPERIMENT", "deal", "embargo_2030", "measure", "mobilisation"]
