"""Controls 2025: what did China's 2025 export licences on heavy rare earths and magnets do to its
magnet exports, and what does the MP Materials / DoD price floor do?

From 2025-04 China's exports of DyTb oxide and magnets need a licence (F34): in the model an
application waits two months on average (at least one; each month a share 1/2 of those waiting is
decided), so nothing is licensed in the first month and licences then trickle in; a share of the
decided applications is approved, rising from `licence_approval` toward all of them (time constant
`licence_ease_months`). Licences ration by the queue, not by price: no export premium builds (unlike
under a quota), so what buyers abroad cannot get from China they buy from other makers, at those
makers' prices, or go without; customers who go short hoard afterwards (`precaution_months`). From
2025-07 the USA guarantees Mountain Pass Separation 110 USD/kg for its NdPr oxide for 10 years (F36),
and from 2028-07 buys the output of the MP 10X magnet plant (built from 2026-01) as built, up to
9,000 t/yr, cost-plus: at no less than the plant's full unit cost plus 15.6 USD/kg (the guaranteed
EBITDA; output from capacity added later sells in the market). The experiment measures China's
magnet exports in May 2025 against May 2024 (F35), how soon they recover and whether the recovery
lasts, who goes short or pays more, whether the MP separation plant keeps producing to 2035 and to
whom it sells, whether MP 10X runs to 2035, what the floor costs the US state, how much of the USA's
magnet and oxide purchases still come from China in 2028 and 2035, and the size of MP's Texas magnet
plant against China's output (F38). Where the rest-of-world magnet makers still operate
in 2024 their spare capacity serves the buyers China turns away and nobody goes short; where they
have closed, customers go a little short in mid-2025, and shorter because the licences also cover
DyTb oxide: the makers outside China, short of it, make only part of their capacity (with licences on
magnets only they run full). The counterfactuals remove
the controls, remove the floor and offtake (and the 10X plant), make the licence delay six months,
stop customers hoarding after the shortage, license magnets only (DyTb oxide leaves China freely), or
add a year's Chinese magnet embargo on the USA.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from experiments import edits
from experiments.experiment import BAND_HI, BAND_LO, Check, Experiment, Measures, Result, Variant
from experiments.metrics import RunOutput
from experiments.report import band_figure, fmt
from model.params import ModelParams

if TYPE_CHECKING:
    from model.model import RareEarthModel

SEPARATOR = "Mountain Pass Separation"
MINE = "Mountain Pass"
TEXAS = "MP Materials Texas"
TEN_X = "MP 10X"
ROW_MAKERS = "Rest-of-world magnet makers"
"""The magnet makers of the rest of the world: where they still operate in 2024 their spare capacity serves the buyers
China's licences turn away, and nobody goes short."""
CONTROL_TIERS = ("dytb_oxide", "magnet")
LICENCE_DELAY_MONTHS = 2
"""The delay of the history scenario's 2025 licences (its F34 event)."""
FLOOR_USD_PER_KG = 110.0
"""The history scenario's NdPr floor for Mountain Pass Separation (its F36 event)."""
CONTROL_MONTH = "2025-05"
"""The month of the F35 figure (May 2025, about 1,238 t, -74% year on year)."""
YEAR_BEFORE = "2024-05"
RECOVERY_SHARE = 0.75
"""Exports count as recovered in the first month they reach this share of the same month a year earlier."""
RECOVERY_MONTHS_MAX = 12
SUSTAINED_SHARE = 0.75
"""A recovery that lasts: exports of the year after May 2025 at least this share of the year before the licences."""
YEAR_AFTER = ("2025-06", "2026-05")
YEAR_BEFORE_CONTROLS = ("2024-04", "2025-03")
FIRST_MONTHS = ("2025-05", "2025-10")
"""The regime's first six months of licences, whose exports are set against the same months a year earlier."""
FIRST_MONTHS_BEFORE = ("2024-05", "2024-10")
TEN_X_YEAR = 2030
"""A year in which MP 10X (open from 2029-01) runs in every world that builds it."""
FOREIGN_SHARE_YEAR = 2027
"""The first year in which the capacity the makers outside China decide to add in the 2025 rush is all in place
(it opens during 2026, when China's exports to restocking customers also overshoot)."""
DEPENDENCE_YEARS = (2028, 2035)
MARKET_CHANNELS = ("legal", "smuggled")
"""US buyers' purchases on the market; the state's offtake and stockpile flows are left out."""
ALL_CHANNELS = ("legal", "smuggled", "stockpile")
"""The whole nation's purchases, the state's offtake into its stockpile included."""
OXIDE_TIERS = ("ndpr_oxide", "dytb_oxide")
LICENCE_APPROVAL = ModelParams().licence_approval
"""The model's share of applications licensed at first (the variants leave the parameters at their defaults)."""
LICENCE_EASE_MONTHS = ModelParams().licence_ease_months
"""Time constant with which the licensed share rises toward all applications."""
LICENSED_CHANNELS = ("legal", "stockpile")
"""Exports that need a licence (smuggled ones do not)."""
RENT_WINDOW = ("2025-04", "2026-12")
"""Months in which the export premium's peak is looked for."""
MOST = 0.5
"""A share the narrative calls most."""
SHARE_GAP_NOTED = 0.01
"""A difference in shares the narrative calls a move to other suppliers."""
SHARE_SAME = 0.02
"""A difference in shares the narrative calls about the same."""
FULL_CAPACITY = 0.9
"""A share of capacity in use the narrative calls full capacity."""
HELD_BACK = 0.1
"""How much less of their capacity makers must use for the narrative to say they are held back."""
HOARDING_GAP_NOTED = 0.05
"""How much hoarding must add to the exports of the year after (over the year before) for the narrative to say so."""
DAYS_PER_YEAR = 365.0
KG_PER_T = 1000.0
LONG_DELAY_MONTHS = 6
EMBARGO_MONTHS = 12
CF_UNTIL = "2030-12"
"""The variants about the 2025 shock itself run to 2030: their question ends with the recovery."""
WINDOW = ("2024-01", "2027-12")
"""Monthly paths are kept in this window."""
PATH_YEARS = (2020, 2035)
MONTH_BEFORE = "2025-03"
"""The last month before the licences (the reference of the magnet price index's jump)."""
JUMP_WINDOW = ("2025-04", "2025-06")
"""Months in which the magnet price index's jump at the licences is looked for."""
LICENSING_STATE = "CHN"
"""The state whose licences are studied; its magnet makers are set against all the others (the makers abroad)."""
FLOOR_YEAR = 2035
"""The year in which the destination of Mountain Pass Separation's floor-backed NdPr oxide is measured."""
SHORT_MONTH_T = 1.0
"""A month counts as short when customers in the world are at least this many t short of their need."""
NO_HOARDING: tuple[tuple[str, float], ...] = (("precaution_months", 0.0),)
"""Customers who go short want no extra stock afterwards (the model's default wants 2 months more)."""


# --- edits ---------------------------------------------------------------------------------------
def no_controls(data: edits.Data) -> None:
    """China never requires the 2025 export licences."""
    edits.drop_events(data, "licence_delay", "CHN")


def no_floor(data: edits.Data) -> None:
    """No US price floor for Mountain Pass Separation and no offtake of MP 10X (the plant is still built)."""
    edits.drop_events(data, "price_floor", "USA", firm=SEPARATOR)
    edits.drop_events(data, "price_floor", "USA", firm=TEN_X)


def no_deal(data: edits.Data) -> None:
    """No MP-DoD deal at all: no floor, no offtake, and the 10X plant is not built."""
    no_floor(data)
    edits.drop_events(data, "build", "USA", firm=TEN_X)


def long_delay(data: edits.Data, months: int = LONG_DELAY_MONTHS) -> None:
    """The 2025 licences take `months` months instead of `LICENCE_DELAY_MONTHS`."""
    for e in data.get("events", []):
        if e["kind"] == "licence_delay" and e["state"] == "CHN":
            e["months"] = months


def magnet_licences_only(data: edits.Data) -> None:
    """The 2025 licences cover magnets only: DyTb oxide leaves China freely for the makers abroad."""
    for e in data.get("events", []):
        if e["kind"] == "licence_delay" and e["state"] == "CHN":
            e["tiers"] = ["magnet"]


def us_magnet_embargo(data: edits.Data, start: str = "2025-04", months: int = EMBARGO_MONTHS) -> None:
    """On top of the licences, China stops all magnet sales to the USA for `months` months."""
    edits.add_event(
        data, date=start, kind="embargo", state="CHN", target="USA", tiers=["magnet"], months=months,
        note="counterfactual (controls_2025)",
    )  # fmt: skip


# --- measures from the tables ----------------------------------------------------------------------
def exports_t(flows: pd.DataFrame, origin: str, tier: str) -> pd.Series:
    """Monthly exports of `tier` from `origin` to every other country, t (by date)."""
    f = flows[(flows["tier"] == tier) & (flows["origin"] == origin) & (flows["destination"] != origin)]
    return f.groupby("date")["quantity_t"].sum()


def months_between(first: str, last: str) -> int:
    """Months from `first` to `last` (YYYY-MM)."""
    return (int(last[:4]) - int(first[:4])) * 12 + int(last[5:7]) - int(first[5:7])


def shift_month(month: str, months: int) -> str:
    """The month `months` after `month` (YYYY-MM)."""
    n = int(month[:4]) * 12 + int(month[5:7]) - 1 + months
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def purchase_share(
    flows: pd.DataFrame, buyer: str, origin: str, tiers: Iterable[str], year: int, channels: Iterable[str]
) -> float:
    """Share of `buyer`'s purchases of `tiers` in `year` that come from `origin` (NaN without purchases)."""
    f = flows[
        (flows["destination"] == buyer)
        & flows["tier"].isin(list(tiers))
        & flows["channel"].isin(list(channels))
        & flows["date"].str.startswith(f"{year}-")
    ]
    total = float(f["quantity_t"].sum())
    return float(f.loc[f["origin"] == origin, "quantity_t"].sum()) / total if total > 0 else math.nan


def purchase_price(
    flows: pd.DataFrame, buyer: str, tier: str, year: int, channels: Iterable[str], origin: str | None = None
) -> float:
    """What `buyer`'s purchases of `tier` in `year` (from `origin`, or all) cost on average, USD/kg
    (NaN without purchases)."""
    f = flows[
        (flows["destination"] == buyer)
        & (flows["tier"] == tier)
        & ((flows["origin"] == origin) if origin is not None else True)
        & flows["channel"].isin(list(channels))
        & flows["date"].str.startswith(f"{year}-")
    ]
    qty = float(f["quantity_t"].sum())
    return float(f["value_usd"].sum()) / (qty * KG_PER_T) if qty > 0 else math.nan


def yearly_purchase_shares(
    flows: pd.DataFrame, buyer: str, origin: str, tiers: Iterable[str], channels: Iterable[str]
) -> pd.Series:
    """`purchase_share` for every year (indexed by year)."""
    f = flows[(flows["destination"] == buyer) & flows["tier"].isin(list(tiers)) & flows["channel"].isin(list(channels))]
    year = f["date"].str[:4].astype(int)
    total = f.groupby(year)["quantity_t"].sum()
    part = f[f["origin"] == origin].groupby(year[f["origin"] == origin])["quantity_t"].sum()
    return (part.reindex(total.index, fill_value=0.0) / total.where(total > 0)).rename_axis("year")


def firm_rows(agents: pd.DataFrame, name: str) -> pd.DataFrame:
    """The yearly snapshots of one firm, with a `year` column."""
    rows = agents[agents["name"] == name]
    return rows.assign(year=rows["date"].str[:4].astype(int))


def firm_output_t(agents: pd.DataFrame, name: str, year: int, column: str = "output_t") -> float:
    """The firm's output in `year` (or another `column` of its December snapshot), t; NaN if there is none."""
    rows = firm_rows(agents, name)
    rows = rows[rows["year"] == year]
    return float(rows[column].iloc[-1]) if len(rows) else math.nan


def china_magnet_output_t(agents: pd.DataFrame, year: int) -> float:
    """China's magnet makers' output in `year`, t."""
    rows = agents[
        (agents["type"] == "magnet_maker") & (agents["country"] == "CHN") & agents["date"].str.startswith(f"{year}-")
    ]
    return float(rows["output_t"].sum())


def first_full_year(events: pd.DataFrame, firm: str) -> float:
    """The first calendar year a plant operates throughout (the year after it opens, or its
    opening year when it opens in January); NaN if it never opens."""
    opened = events[(events["actor"] == firm) & (events["kind"] == "open")]
    if not len(opened):
        return math.nan
    date = str(opened["date"].iloc[0])
    return float(int(date[:4]) + (0 if date[5:7] == "01" else 1))


def producing_every_year(agents: pd.DataFrame, name: str, first: int, last: int) -> float:
    """1 if the firm produced in every year from `first` to `last` (its snapshots), else 0."""
    rows = firm_rows(agents, name)
    rows = rows[(rows["year"] >= first) & (rows["year"] <= last)]
    years = set(rows.loc[rows["output_t"] > 0, "year"])
    return float(all(y in years for y in range(first, last + 1)))


def spending_usd(spending: pd.DataFrame, country: str, items: Iterable[str]) -> float:
    """A state's cumulative spending on `items` over the run, USD."""
    s = spending[(spending["country"] == country) & spending["item"].isin(list(items))]
    return float(s["usd"].sum())


def rent_by_month(flows: pd.DataFrame, buyer: str, origin: str, tier: str) -> pd.Series:
    """What `buyer`'s buyers pay for `origin`'s `tier` over what `origin`'s own buyers pay, by month
    (market purchases; months without both purchases are left out): the export premium as paid."""
    f = flows[(flows["tier"] == tier) & (flows["origin"] == origin) & flows["channel"].isin(list(MARKET_CHANNELS))]

    def unit_price(dest: str) -> pd.Series:
        g = f[f["destination"] == dest].groupby("date")[["value_usd", "quantity_t"]].sum()
        return g["value_usd"] / g["quantity_t"].where(g["quantity_t"] > 0)

    return (unit_price(buyer) / unit_price(origin)).dropna()


def foreign_share(flows: pd.DataFrame, origin: str, tier: str, year: int) -> float:
    """Share of the market purchases of `tier` by buyers outside `origin` in `year` that come from `origin`."""
    f = flows[
        (flows["tier"] == tier)
        & (flows["destination"] != origin)
        & flows["channel"].isin(list(MARKET_CHANNELS))
        & flows["date"].str.startswith(f"{year}-")
    ]
    total = float(f["quantity_t"].sum())
    return float(f.loc[f["origin"] == origin, "quantity_t"].sum()) / total if total > 0 else math.nan


def licensed_share(flows: pd.DataFrame, model: RareEarthModel, origin: str, tier: str, year: int) -> float:
    """`origin`'s licensed exports of `tier` in `year` over the export applications of that year
    (NaN without applications): near 1 when the licences no longer hold exports back."""
    requests = model.export_requests.get((origin, tier), {})
    applied = sum(requests.get(model.step_of(f"{year}-{m:02d}"), 0.0) for m in range(1, 13))
    f = flows[
        (flows["tier"] == tier)
        & (flows["origin"] == origin)
        & (flows["destination"] != origin)
        & flows["channel"].isin(list(LICENSED_CHANNELS))
        & flows["date"].str.startswith(f"{year}-")
    ]
    return float(f["quantity_t"].sum()) / applied if applied > 0 else math.nan


def makers_abroad_t(agents: pd.DataFrame, year: int, column: str) -> float:
    """Sum of `column` (output_t or capacity_t) over the operating magnet makers outside `LICENSING_STATE`
    in their December snapshots of `year` (plants being planned or built are left out)."""
    rows = agents[
        (agents["type"] == "magnet_maker")
        & (agents["country"] != LICENSING_STATE)
        & (agents["date"] == f"{year}-12")
        & (agents["status"] == "operating")
    ]
    return float(rows[column].sum())


def abroad_utilisation_short_months(run: RunOutput, year: int) -> float:
    """What the magnet makers outside `LICENSING_STATE` sell in the months of `year` when customers in the world go
    short (`SHORT_MONTH_T`), over a month of the capacity they operate in December of `year` (NaN without such
    months): near 1 when customers go short because those makers can make no more."""
    s = run.series
    short = s.loc[s["date"].str.startswith(f"{year}-") & (s["unmet_demand_t"] >= SHORT_MONTH_T), "date"]
    capacity_t = makers_abroad_t(run.agents, year, "capacity_t") / 12.0
    if not len(short) or capacity_t <= 0 or not run.covers(year):
        return math.nan
    f = run.flows
    f = f[
        (f["tier"] == "magnet")
        & (f["origin"] != LICENSING_STATE)
        & f["channel"].isin(list(ALL_CHANNELS))
        & f["date"].isin(set(short))
    ]
    return float(f["quantity_t"].sum()) / len(short) / capacity_t


def sales_share(flows: pd.DataFrame, origin: str, tier: str, destination: str, year: int) -> tuple[float, float]:
    """`origin`'s market sales of `tier` in `year` to `destination`, t, and their share of all its sales
    (NaN without sales)."""
    f = flows[
        (flows["tier"] == tier)
        & (flows["origin"] == origin)
        & flows["channel"].isin(list(MARKET_CHANNELS))
        & flows["date"].str.startswith(f"{year}-")
    ]
    total = float(f["quantity_t"].sum())
    to = float(f.loc[f["destination"] == destination, "quantity_t"].sum())
    return to, to / total if total > 0 else math.nan


def unmet_t(model: RareEarthModel, country: str, year: int) -> tuple[float, float]:
    """A country's customers' unmet need and need in `year`, t."""
    u = model.unmet_demand_by_country()
    u = u[(u["country"] == country) & u["date"].str.startswith(f"{year}-")]
    return float(u["unmet_t"].sum()), float(u["need_t"].sum())


def measure(run: RunOutput, model: RareEarthModel) -> Measures:
    """China's magnet exports around the 2025 licences, MP's plants, the floor's cost and US dependence."""
    flows, agents, events = run.flows, run.agents, run.events
    exports = exports_t(flows, "CHN", "magnet")
    months = [d for d in run.series["date"] if d >= YEAR_BEFORE]
    exports = exports.reindex(run.series["date"], fill_value=0.0)

    def at(month: str) -> float:
        return float(exports.get(month, math.nan)) if month <= run.end else math.nan

    change = at(CONTROL_MONTH) / at(YEAR_BEFORE) - 1.0 if at(YEAR_BEFORE) > 0 else math.nan
    recovery = math.nan
    if run.end >= CONTROL_MONTH:
        recovery = float(months_between(CONTROL_MONTH, run.end) + 1)  # censored: after the run
        for d in months:
            if d > CONTROL_MONTH and at(d) >= RECOVERY_SHARE * at(shift_month(d, -12)):
                recovery = float(months_between(CONTROL_MONTH, d))
                break
    s = run.series
    year = s["date"].str[:4].astype(int)

    def mean(column: str, y: int) -> float:
        return run.year_mean(column, y)

    def yearly_exports(y: int) -> float:
        rows = exports[exports.index.str.startswith(f"{y}-")]
        return float(rows.sum()) if run.covers(y) else math.nan

    after = exports[(exports.index >= YEAR_AFTER[0]) & (exports.index <= YEAR_AFTER[1])]
    before = exports[(exports.index >= YEAR_BEFORE_CONTROLS[0]) & (exports.index <= YEAR_BEFORE_CONTROLS[1])]
    sustained = float(after.sum() / before.sum()) if run.end >= YEAR_AFTER[1] and before.sum() > 0 else math.nan
    first = exports[(exports.index >= FIRST_MONTHS[0]) & (exports.index <= FIRST_MONTHS[1])]
    first_before = exports[(exports.index >= FIRST_MONTHS_BEFORE[0]) & (exports.index <= FIRST_MONTHS_BEFORE[1])]
    first_share = (
        float(first.sum() / first_before.sum()) if run.end >= FIRST_MONTHS[1] and first_before.sum() > 0 else math.nan
    )
    full_year = first_full_year(events, TEXAS)
    texas_days = math.nan
    if not math.isnan(full_year) and run.covers(int(full_year)):
        china = china_magnet_output_t(agents, int(full_year))
        texas_days = firm_output_t(agents, TEXAS, int(full_year)) / (china / DAYS_PER_YEAR) if china > 0 else math.nan
    china_2025 = china_magnet_output_t(agents, 2025)
    texas_days_2025 = firm_output_t(agents, TEXAS, 2025) / (china_2025 / DAYS_PER_YEAR) if china_2025 > 0 else math.nan
    last = run.last_full_year
    floor_usd = spending_usd(run.state_spending, "USA", ["price_floor"])
    rent = rent_by_month(flows, "USA", "CHN", "magnet")

    def yearly_rent(y: int) -> float:
        if not run.covers(y):
            return math.nan
        return purchase_price(flows, "USA", "magnet", y, MARKET_CHANNELS, "CHN") / purchase_price(
            flows, "CHN", "magnet", y, MARKET_CHANNELS, "CHN"
        )

    us_unmet, us_need = unmet_t(model, "USA", 2025)
    price = s.set_index("date")["price_magnet"]
    jump = math.nan
    if run.end >= JUMP_WINDOW[1] and float(price.get(MONTH_BEFORE, 0.0)) > 0:
        window_price = price[(price.index >= JUMP_WINDOW[0]) & (price.index <= JUMP_WINDOW[1])]
        jump = float(window_price.max()) / float(price[MONTH_BEFORE])
    abroad_capacity_2024 = makers_abroad_t(agents, 2024, "capacity_t")
    abroad_output_2024 = makers_abroad_t(agents, 2024, "output_t")
    mp_to_china_t, mp_china_share = sales_share(flows, "USA", "ndpr_oxide", "CHN", FLOOR_YEAR)
    ten_x_events = events[events["actor"] == TEN_X]
    scalars: dict[str, float] = {
        "china_magnet_exports_2025_05_t": at(CONTROL_MONTH),
        "china_magnet_exports_2024_05_t": at(YEAR_BEFORE),
        "china_magnet_exports_change_2025_05": change,
        "china_magnet_exports_fall_50pct": float(change <= -0.5) if not math.isnan(change) else math.nan,
        "recovery_months": recovery,
        "recovered_within_year": float(recovery <= RECOVERY_MONTHS_MAX) if not math.isnan(recovery) else math.nan,
        "exports_year_after_over_year_before": sustained,
        "exports_first_months_over_year_before": first_share,
        "china_magnet_exports_2026_over_2024": yearly_exports(2026) / yearly_exports(2024),
        "magnet_price_2025_over_2024": mean("price_magnet", 2025) / mean("price_magnet", 2024),
        "magnet_price_jump_2025": jump,
        "abroad_maker_utilisation_2024": abroad_output_2024 / abroad_capacity_2024
        if abroad_capacity_2024 > 0
        else math.nan,
        "abroad_magnet_capacity_2035_t": makers_abroad_t(agents, 2035, "capacity_t") if run.covers(2035) else math.nan,
        "abroad_magnet_output_2025_over_2024": makers_abroad_t(agents, 2025, "output_t") / abroad_output_2024
        if run.covers(2025) and abroad_output_2024 > 0
        else math.nan,
        "abroad_utilisation_short_months_2025": abroad_utilisation_short_months(run, 2025),
        "us_ndpr_oxide_to_china_2035_t": mp_to_china_t if run.covers(FLOOR_YEAR) else math.nan,
        "us_ndpr_oxide_china_share_2035": mp_china_share if run.covers(FLOOR_YEAR) else math.nan,
        "china_magnet_rent_peak": float(rent[(rent.index >= RENT_WINDOW[0]) & (rent.index <= RENT_WINDOW[1])].max())
        if run.end >= RENT_WINDOW[1]
        else math.nan,
        "china_magnet_rent_2026": yearly_rent(2026),
        "china_magnet_rent_2028": yearly_rent(2028),
        "china_magnet_rent_2035": yearly_rent(2035),
        "china_magnet_rent_fall_2026_35": yearly_rent(2026) - yearly_rent(2035),
        "licensed_share_2026": licensed_share(flows, model, "CHN", "magnet", 2026) if run.covers(2026) else math.nan,
        "unmet_demand_2025_t": float(run.year_rows(2025)["unmet_demand_t"].sum()) if run.covers(2025) else math.nan,
        "us_unmet_demand_2025_t": us_unmet if run.covers(2025) else math.nan,
        "us_unmet_share_2025": us_unmet / us_need if run.covers(2025) and us_need > 0 else math.nan,
        "ndpr_price_2030_usd_per_kg": mean("price_ndpr_oxide", 2030),
        "separator_produces_2026_to_end": producing_every_year(agents, SEPARATOR, 2026, last),
        "separator_output_2030_t": firm_output_t(agents, SEPARATOR, 2030),
        "separator_output_2035_t": firm_output_t(agents, SEPARATOR, 2035),
        "mine_produces_2035": float(firm_output_t(agents, MINE, 2035) > 0),
        "us_floor_cost_usd": floor_usd,
        "us_floor_cost_bn_usd": floor_usd / 1e9,
        "us_offtake_bn_usd": spending_usd(run.state_spending, "USA", ["offtake"]) / 1e9,
        "ten_x_output_2030_t": firm_output_t(agents, TEN_X, TEN_X_YEAR),
        "ten_x_output_2035_t": firm_output_t(agents, TEN_X, 2035),
        "ten_x_capacity_2035_t": firm_output_t(agents, TEN_X, 2035, "capacity_t"),
        "ten_x_closed_by_end": float((ten_x_events["kind"] == "close").any()),
        "ten_x_stopped_by_end": float(ten_x_events["kind"].isin(["mothball", "close"]).any()),
        "us_magnet_price_2030_usd_per_kg": purchase_price(flows, "USA", "magnet", 2030, MARKET_CHANNELS)
        if run.covers(2030)
        else math.nan,
        "us_magnet_china_share_2025": purchase_share(flows, "USA", "CHN", ["magnet"], 2025, MARKET_CHANNELS),
        "us_national_magnet_china_share_2030": purchase_share(flows, "USA", "CHN", ["magnet"], TEN_X_YEAR, ALL_CHANNELS)
        if run.covers(TEN_X_YEAR)
        else math.nan,
        "china_share_foreign_magnets_2026": foreign_share(flows, "CHN", "magnet", 2026)
        if run.covers(2026)
        else math.nan,
        "china_share_foreign_magnets_2027": foreign_share(flows, "CHN", "magnet", FOREIGN_SHARE_YEAR)
        if run.covers(FOREIGN_SHARE_YEAR)
        else math.nan,
        "row_makers_operate_2024": float(
            ((agents["name"] == ROW_MAKERS) & (agents["date"] == "2024-12") & (agents["status"] == "operating")).any()
        ),
        "us_magnet_price_2025_usd_per_kg": purchase_price(flows, "USA", "magnet", 2025, MARKET_CHANNELS),
        "texas_full_year": full_year,
        "texas_days_of_china": texas_days,
        "texas_days_of_china_2025": texas_days_2025,
    }
    for y in DEPENDENCE_YEARS:
        scalars[f"us_magnet_china_share_{y}"] = (
            purchase_share(flows, "USA", "CHN", ["magnet"], y, MARKET_CHANNELS) if run.covers(y) else math.nan
        )
        scalars[f"us_national_magnet_china_share_{y}"] = (
            purchase_share(flows, "USA", "CHN", ["magnet"], y, ALL_CHANNELS) if run.covers(y) else math.nan
        )
        scalars[f"us_oxide_china_share_{y}"] = (
            purchase_share(flows, "USA", "CHN", OXIDE_TIERS, y, MARKET_CHANNELS) if run.covers(y) else math.nan
        )
    # monthly paths in the window, yearly paths over the projection
    window = (s["date"] >= WINDOW[0]) & (s["date"] <= WINDOW[1])
    monthly = pd.DataFrame(
        {
            "date": s.loc[window, "date"].to_numpy(),
            "china_magnet_exports_t": exports.reindex(s.loc[window, "date"]).to_numpy(),
            "magnet_price_usd_per_kg": s.loc[window, "price_magnet"].to_numpy(),
            "china_magnet_rent": rent.reindex(s.loc[window, "date"]).to_numpy(),
            "unmet_demand_t": s.loc[window, "unmet_demand_t"].to_numpy(),
        }
    )
    years = np.arange(PATH_YEARS[0], min(PATH_YEARS[1], last) + 1)
    yearly = pd.DataFrame({"year": years})
    mags = yearly_purchase_shares(flows, "USA", "CHN", ["magnet"], MARKET_CHANNELS)
    oxides = yearly_purchase_shares(flows, "USA", "CHN", OXIDE_TIERS, MARKET_CHANNELS)
    yearly["us_magnet_china_share"] = mags.reindex(years).to_numpy()
    yearly["us_oxide_china_share"] = oxides.reindex(years).to_numpy()
    sep = firm_rows(agents, SEPARATOR).set_index("year")["output_t"]
    yearly["separator_output_t"] = sep[~sep.index.duplicated(keep="last")].reindex(years).to_numpy()
    ndpr = s.assign(year=year).groupby("year")["price_ndpr_oxide"].mean()
    yearly["ndpr_price_usd_per_kg"] = ndpr.reindex(years).to_numpy()
    yearly["date"] = yearly.pop("year").astype(str)
    paths = pd.concat([monthly, yearly], ignore_index=True)
    return Measures(scalars, paths)


VARIANTS = (
    Variant("baseline", "the history world as it is"),
    Variant("no_controls", "no 2025 Chinese export licences (DyTb oxide, magnets)", (no_controls,)),
    Variant("no_floor", "no US NdPr floor for MP, no offtake of MP 10X", (no_floor,)),
    Variant("no_deal", "no MP-DoD deal: no floor, no offtake, no MP 10X plant", (no_deal,)),
    Variant(
        "long_delay",
        f"licence applications wait {LONG_DELAY_MONTHS} months on average instead of {LICENCE_DELAY_MONTHS}",
        (long_delay,),
        until=CF_UNTIL,
    ),
    Variant(
        "no_hoarding",
        "licences, but customers who go short want no extra stock afterwards (precaution_months 0, whole run)",
        params=NO_HOARDING,
        until=CF_UNTIL,
    ),
    Variant(
        "magnet_licences_only",
        "licences on magnets only: DyTb oxide exports need none (the makers abroad get their DyTb)",
        (magnet_licences_only,),
        until=CF_UNTIL,
    ),
    Variant(
        "us_magnet_embargo",
        f"licences plus a {EMBARGO_MONTHS}-month Chinese magnet embargo on the USA from 2025-04",
        (us_magnet_embargo,),
        until=CF_UNTIL,
    ),
)

CHECKS = (
    Check(
        "China's magnet exports in May 2025 fall by at least half from May 2024", "baseline",
        "china_magnet_exports_change_2025_05", hi=-0.5, fact="F35", target="-74% (1,238 t)",
        why_if_fail="the licences leave more exports than in reality",
    ),
    Check(
        "in most seeds the May 2025 fall is at least half", "baseline", "china_magnet_exports_fall_50pct",
        lo=0.8, stat="share", fact="F35", target="most seeds",
    ),
    Check(
        "some magnet exports still leave China in May 2025 (the fall is not total)", "baseline",
        "china_magnet_exports_change_2025_05", lo=-0.9, fact="F35", target="-74%: a quarter still shipped",
        why_if_fail=(
            "the model's licences trickle in too slowly in the regime's first months (half the waiting "
            "applications decided a month, a share `licence_approval` of them approved)"
        ),
    ),
    Check(
        "exports recover to 75% of the year-earlier month within a year (months)", "baseline", "recovery_months",
        hi=RECOVERY_MONTHS_MAX, target="July 2025, 2 months (press; not in the facts file)",
    ),
    Check(
        "the recovery lasts: exports June 2025-May 2026 at least 75% of the year before the licences", "baseline",
        "exports_year_after_over_year_before", lo=SUSTAINED_SHARE,
        target="H2 2025 near 2024 levels (press; not in the facts file)",
        why_if_fail=(
            "where the makers outside China have the spare capacity (the rest-of-world makers still operate), "
            "nobody goes short and hoards, and buyers stay with those makers and apply for fewer Chinese magnets"
        ),
    ),
    Check(
        "customers' hoarding after the mid-2025 shortage swells China's exports of the year after (share of the "
        "year before, without hoarding minus with)", "no_hoarding", "exports_year_after_over_year_before",
        versus="baseline", hi=-0.05, target="model outcome (no fact): restocking after a shortage",
    ),
    Check(
        "with the floor, Mountain Pass Separation produces every year 2026-2035", "baseline",
        "separator_produces_2026_to_end", lo=0.8, stat="share", target="MP keeps producing",
    ),
    Check(
        "MP Texas: a year of output is about one day of China's (days, first full year)", "baseline",
        "texas_days_of_china", lo=1.0, hi=3.0, fact="F38", target="about 1 day",
        why_if_fail="MP Texas runs at a different size against China's output than the real plant",
    ),
    Check(
        "the US still buys a large part of its magnets from China in 2028", "baseline", "us_magnet_china_share_2028",
        lo=0.3, target="model outcome (no fact): high",
    ),
    Check(
        "without the controls the May 2025 export fall does not happen (change, points)", "no_controls",
        "china_magnet_exports_change_2025_05", versus="baseline", lo=0.5, target="smaller fall",
    ),
    Check(
        "without the controls fewer customers go short in 2025 (world unmet demand, t)", "no_controls",
        "unmet_demand_2025_t", versus="baseline", hi=-1.0, target="less unmet (2025 line stoppages abroad: press)",
    ),
    Check(
        "with the licences customers go short in the months the makers outside China run at full capacity "
        "(their sales over a month of capacity)", "baseline", "abroad_utilisation_short_months_2025", lo=0.9,
        target="model outcome (no fact): no spare capacity left",
        why_if_fail=(
            "the licences also cover DyTb oxide: the makers outside China plan full output but, short of DyTb, sell "
            "only part of their capacity in those months (with licences on magnets only they run full: next check)"
        ),
    ),
    Check(
        "with licences on magnets only, customers go short in the months the makers outside China run at full "
        "capacity (their sales over a month of capacity)", "magnet_licences_only",
        "abroad_utilisation_short_months_2025", lo=0.9, target="model outcome (no fact): no spare capacity left",
    ),
    Check(
        "the licences on DyTb oxide hold the makers outside China below capacity in the months customers go short "
        "(magnets only minus both, share of capacity)", "magnet_licences_only", "abroad_utilisation_short_months_2025",
        versus="baseline", lo=0.1, target="model outcome (no fact): makers abroad short of DyTb",
    ),
    Check(
        "and make customers go shorter in 2025 (world unmet demand, magnets only minus both, t)",
        "magnet_licences_only", "unmet_demand_2025_t", versus="baseline", hi=-1.0,
        target="model outcome (no fact): less unmet",
    ),
    Check(
        "with the licences US buyers pay more for their magnets in 2025 (without minus with, USD/kg)", "no_controls",
        "us_magnet_price_2025_usd_per_kg", versus="baseline", hi=-1.0,
        target="model outcome (no fact): dearer makers abroad",
    ),
    Check(
        "without the controls China keeps more of the US magnet market in 2028 (share)", "no_controls",
        "us_magnet_china_share_2028", versus="baseline", lo=0.01, target="more dependent",
        why_if_fail=(
            "by 2028 US buyers are nearly all back with China's makers, so the licences' mark on US dependence is "
            "smaller than this margin"
        ),
    ),
    Check(
        "licences ration by the queue: US buyers pay about China's price for Chinese magnets in 2026 (ratio)",
        "baseline", "china_magnet_rent_2026", lo=0.9, hi=1.1, target="no quota rent",
    ),
    Check(
        "without the floor the US state pays no floor (bn USD)", "no_floor", "us_floor_cost_bn_usd",
        versus="baseline", hi=-0.1, target="nothing paid",
    ),
    Check(
        "without the floor Mountain Pass Separation produces less in 2030 (t of feed)", "no_floor",
        "separator_output_2030_t", versus="baseline", hi=0.0, target="less or stops",
        why_if_fail="the separator is profitable at market prices, so the floor adds nothing to its output",
    ),
    Check(
        "without the floor the US buys more of its oxides from China in 2035 (share)", "no_floor",
        "us_oxide_china_share_2035", versus="baseline", lo=0.05, target="more dependent",
        why_if_fail=(
            "Mountain Pass Separation sells most of its floor-backed NdPr oxide to Chinese magnet makers, not to US "
            "buyers, so without the floor China's share of US oxide purchases rises, but by less than this margin"
        ),
    ),
    Check(
        "Mountain Pass Separation sells most of its NdPr oxide to China in 2035 (share of its sales)", "baseline",
        "us_ndpr_oxide_china_share_2035", lo=0.5, target="model outcome (no fact)",
    ),
    Check(
        "without the deal (no 10X plant, no offtake) more of the nation's magnets come from China in 2035 (share)",
        "no_deal", "us_national_magnet_china_share_2035", versus="baseline", lo=0.03, target="more dependent",
    ),
    Check(
        "with the deal's cost-plus offtake MP 10X runs to 2035 (share of seeds in which it mothballs or closes)",
        "baseline", "ten_x_stopped_by_end", hi=0.2, stat="share", target="runs (F36: a 10-year offtake)",
    ),
    Check(
        "a six-month licence delay keeps exports down longer (months to recover)", "long_delay", "recovery_months",
        versus="baseline", lo=3, target="later recovery",
        why_if_fail=(
            "the applications waiting swell (customers short of magnets, restocking and hoarding, ask China's "
            "makers for up to twice a usual month), so even a sixth of them decided a month soon brings the licensed "
            "exports back to 75% of the year-earlier month"
        ),
    ),
    Check(
        "a US magnet embargo on top cuts China's share of US magnet purchases in 2025 (share)",
        "us_magnet_embargo", "us_magnet_china_share_2025", versus="baseline", hi=-0.1, target="lower",
    ),
    Check(
        "and leaves more of US customers' demand unmet in 2025 (t)", "us_magnet_embargo", "us_unmet_demand_2025_t",
        versus="baseline", lo=1.0, target="more unmet",
    ),
    Check(
        "and makes US buyers pay more for their magnets in 2025 (USD/kg)", "us_magnet_embargo",
        "us_magnet_price_2025_usd_per_kg", versus="baseline", lo=1.0, target="dearer",
    ),
)  # fmt: skip

INDICATORS = {
    "china_magnet_exports_2025_05_t": "China's magnet exports in May 2025, t",
    "china_magnet_exports_2024_05_t": "China's magnet exports in May 2024, t",
    "china_magnet_exports_change_2025_05": "May 2025 over May 2024, minus 1",
    "china_magnet_exports_fall_50pct": "1 if that change is -50% or less",
    "recovery_months": "months after May 2025 until exports reach 75% of the same month a year earlier",
    "recovered_within_year": "1 if that is 12 months or less",
    "exports_year_after_over_year_before": "China's magnet exports June 2025-May 2026 over April 2024-March 2025",
    "exports_first_months_over_year_before": "China's magnet exports May-October 2025 over May-October 2024",
    "china_magnet_exports_2026_over_2024": "China's magnet exports in 2026 over 2024",
    "magnet_price_2025_over_2024": "magnet price index, 2025 mean over 2024 mean",
    "magnet_price_jump_2025": "highest monthly magnet price index April-June 2025 over that of March 2025",
    "abroad_maker_utilisation_2024": "operating magnet makers outside China: 2024 output over their capacity",
    "abroad_magnet_output_2025_over_2024": "magnet makers outside China: output in 2025 over 2024",
    "abroad_utilisation_short_months_2025": (
        "magnet makers outside China: sales in the months of 2025 when customers go short over a month of their "
        "December 2025 capacity (n/a: no such month)"
    ),
    "abroad_magnet_capacity_2035_t": "operating magnet makers outside China: capacity in December 2035, t/yr",
    "us_ndpr_oxide_to_china_2035_t": "US-made (Mountain Pass Separation's) NdPr oxide sold to China in 2035, t",
    "us_ndpr_oxide_china_share_2035": "the same over all its market sales of NdPr oxide in 2035",
    "china_magnet_rent_peak": (
        "highest monthly ratio of what US buyers pay for Chinese magnets to what Chinese buyers pay, 2025-04 to 2026-12"
    ),
    "china_magnet_rent_2026": "what US buyers pay for Chinese magnets over what Chinese buyers pay, 2026",
    "china_magnet_rent_2028": "the same, 2028",
    "china_magnet_rent_2035": "the same, 2035",
    "china_magnet_rent_fall_2026_35": "that ratio in 2026 minus that in 2035",
    "china_share_foreign_magnets_2026": "China's share of the magnets bought (market) outside China, 2026",
    "china_share_foreign_magnets_2027": "the same, 2027 (the capacity added abroad in the 2025 rush in place)",
    "row_makers_operate_2024": "1 if the rest-of-world magnet makers still operate in December 2024",
    "licensed_share_2026": "China's licensed magnet exports in 2026 over its export applications of 2026",
    "unmet_demand_2025_t": "customers' unmet demand in the world, 2025 total, t",
    "us_unmet_demand_2025_t": "US customers' unmet demand, 2025 total, t",
    "us_unmet_share_2025": "the same over US customers' need in 2025",
    "ndpr_price_2030_usd_per_kg": "NdPr oxide price index, 2030 mean, USD/kg",
    "separator_produces_2026_to_end": "1 if Mountain Pass Separation produces in every year from 2026 to the end",
    "separator_output_2030_t": "Mountain Pass Separation's feed processed in 2030, t",
    "separator_output_2035_t": "the same in 2035, t",
    "mine_produces_2035": "1 if the Mountain Pass mine produces in 2035",
    "us_floor_cost_usd": "US price-floor payments over the run, USD",
    "us_floor_cost_bn_usd": "the same, bn USD",
    "us_offtake_bn_usd": "US offtake purchases of MP 10X magnets over the run (the state gets the magnets), bn USD",
    "ten_x_output_2030_t": "MP 10X's magnet output in 2030, t",
    "ten_x_output_2035_t": "MP 10X's magnet output in 2035, t",
    "ten_x_capacity_2035_t": "MP 10X's capacity in December 2035, t/yr (9,000 as built)",
    "ten_x_closed_by_end": "1 if MP 10X closes within the run",
    "ten_x_stopped_by_end": "1 if MP 10X mothballs or closes within the run",
    "us_magnet_price_2030_usd_per_kg": "what US buyers pay for magnets on average in 2030, USD/kg",
    "us_magnet_china_share_2025": "share of US magnet purchases (market) from China, 2025",
    "us_magnet_price_2025_usd_per_kg": "what US buyers pay for magnets on average in 2025, USD/kg",
    "texas_full_year": "MP Materials Texas's first full year of operation",
    "texas_days_of_china": "its output that year in days of China's magnet output",
    "texas_days_of_china_2025": "its 2025 output in days of China's 2025 magnet output",
    "us_magnet_china_share_2028": "share of US magnet purchases (market) from China, 2028",
    "us_national_magnet_china_share_2028": (
        "share of all US magnet purchases, the state's offtake included, from China, 2028"
    ),
    "us_national_magnet_china_share_2030": "the same, 2030 (MP 10X runs)",
    "us_national_magnet_china_share_2035": "the same, 2035",
    "us_oxide_china_share_2028": "share of US NdPr and DyTb oxide purchases (market) from China, 2028",
    "us_magnet_china_share_2035": "share of US magnet purchases (market) from China, 2035",
    "us_oxide_china_share_2035": "share of US oxide purchases (market) from China, 2035",
}


def narrative(r: Result) -> str:
    b, nc = "baseline", "no_controls"

    def pct(v: str, ind: str) -> str:
        return f"{fmt(100 * r.median(v, ind))}%"

    may = r.median(b, "china_magnet_exports_2025_05_t")
    sustained = r.median(b, "exports_year_after_over_year_before")
    rent_26, rent_35 = r.median(b, "china_magnet_rent_2026"), r.median(b, "china_magnet_rent_2035")
    floor_cost = r.median(b, "us_floor_cost_bn_usd")
    ndpr_2030 = r.median(b, "ndpr_price_2030_usd_per_kg")
    dependence_gap = r.median(nc, "us_magnet_china_share_2028") - r.median(b, "us_magnet_china_share_2028")
    pay_more = r.median(b, "us_magnet_price_2025_usd_per_kg") > r.median(nc, "us_magnet_price_2025_usd_per_kg")
    oxide_gap = (r.values("no_floor", "us_oxide_china_share_2035") - r.values(b, "us_oxide_china_share_2035")).dropna()
    diff_band = (oxide_gap.quantile(BAND_LO), oxide_gap.quantile(BAND_HI)) if len(oxide_gap) else (math.nan, math.nan)
    mo = "magnet_licences_only"
    short_t = r.median(b, "unmet_demand_2025_t")
    util_short = r.median(b, "abroad_utilisation_short_months_2025")
    util_magnets_only = r.median(mo, "abroad_utilisation_short_months_2025")
    row = r.values(b, "row_makers_operate_2024")
    spare_worlds_short_t = float(r.values(b, "unmet_demand_2025_t")[row == 1].max()) if (row == 1).any() else math.nan
    deal_gap = r.median("no_deal", "us_national_magnet_china_share_2035") - r.median(
        b, "us_national_magnet_china_share_2035"
    )
    offtake_gap = r.median("no_deal", "us_national_magnet_china_share_2035") - r.median(
        "no_floor", "us_national_magnet_china_share_2035"
    )
    hoarding_gap = sustained - r.median("no_hoarding", "exports_year_after_over_year_before")
    short_gap_t = short_t - r.median(nc, "unmet_demand_2025_t")
    embargo_short_gap_t = r.median("us_magnet_embargo", "us_unmet_demand_2025_t") - r.median(
        b, "us_unmet_demand_2025_t"
    )
    lines = [
        f"In the history world China's magnet exports are {fmt(r.median(b, 'china_magnet_exports_2024_05_t'))} t "
        f"in May 2024 and {fmt(may)} t in May 2025, a change of {pct(b, 'china_magnet_exports_change_2025_05')} "
        f"(median; real 1,238 t, -74%). The model licenses nothing in the regime's first month and then "
        f"decides each month a share 1/{LICENCE_DELAY_MONTHS} of the applications still waiting, so most of "
        f"foreign buyers' orders for Chinese magnets cannot be served by China's makers at first"
        + (" and May 2025 exports stop entirely" if may == 0 else "")
        + ". Exports reach 75% of the year-earlier month again "
        f"{fmt(r.median(b, 'recovery_months'))} months after May 2025 (90% of seeds "
        f"{fmt(r.band(b, 'recovery_months')[0])} to {fmt(r.band(b, 'recovery_months')[1])}), once the first "
        f"licences come: {fmt(100 * LICENCE_APPROVAL)}% of the decided applications "
        f"(`licence_approval`) at first, a share that rises toward all of them with a time constant of "
        f"{fmt(LICENCE_EASE_MONTHS)} months (`licence_ease_months`); in 2026 China's licensed exports are "
        f"{pct(b, 'licensed_share_2026')} of its applications.",
        "",
        f"The licences ration by the queue, not by price: US buyers pay {rent_26:.2f} times what Chinese buyers "
        f"pay for the same Chinese magnets in 2026 and {rent_35:.2f} times in 2035. What buyers abroad cannot get "
        f"from China while their applications wait they buy from the makers outside China, which used "
        f"{pct(b, 'abroad_maker_utilisation_2024')} of their capacity in 2024 "
        f"and make {fmt(r.median(b, 'abroad_magnet_output_2025_over_2024'))} times their 2024 output in 2025 "
        f"(without the licences {fmt(r.median(nc, 'abroad_magnet_output_2025_over_2024'))}); US buyers get "
        f"{pct(b, 'us_magnet_china_share_2025')} of their 2025 magnets from China (without the licences "
        f"{pct(nc, 'us_magnet_china_share_2025')}). "
        + ("They pay more for it: " if pay_more else "")
        + f"US buyers' magnets cost {fmt(r.median(b, 'us_magnet_price_2025_usd_per_kg'))} USD/kg on average in 2025 "
        f"against {fmt(r.median(nc, 'us_magnet_price_2025_usd_per_kg'))} without the licences, and the magnet "
        f"price index jumps to {fmt(r.median(b, 'magnet_price_jump_2025'))} times its March 2025 level by June "
        f"(without the licences {fmt(r.median(nc, 'magnet_price_jump_2025'))}); over the year it is "
        f"{fmt(r.median(b, 'magnet_price_2025_over_2024'))} times its 2024 mean (without the licences "
        f"{fmt(r.median(nc, 'magnet_price_2025_over_2024'))}). Customers in the world are {fmt(short_t)} t short "
        f"in 2025 (without the licences {fmt(r.median(nc, 'unmet_demand_2025_t'))} t), US customers "
        f"{fmt(r.median(b, 'us_unmet_demand_2025_t'))} t ({pct(b, 'us_unmet_share_2025')} of their need)"
        + (
            ": the makers abroad fill the gap, so the licences make buyers pay more, not go short. "
            if short_gap_t < 1.0 and pay_more
            else f": they go short in the months when the makers outside China run at full capacity (they sell "
            f"{pct(b, 'abroad_utilisation_short_months_2025')} of a month's capacity then). "
            if short_gap_t >= 1.0 and util_short >= FULL_CAPACITY
            else f": they go short in mid-2025, and shorter because the licences also cover DyTb oxide: the makers "
            f"outside China "
            f"plan full output but, short of DyTb, sell {pct(b, 'abroad_utilisation_short_months_2025')} of a month's "
            f"capacity in the months customers go short, against {pct(mo, 'abroad_utilisation_short_months_2025')} "
            f"with licences on magnets only (`{mo}`), under which customers are "
            f"{fmt(r.median(mo, 'unmet_demand_2025_t'))} t short. "
            if short_gap_t >= 1.0 and util_magnets_only >= FULL_CAPACITY and util_short < util_magnets_only - HELD_BACK
            else ". "
        )
        + (
            f"In {r.share(b, 'row_makers_operate_2024'):.0%} of seeds the rest-of-world magnet makers still operate in "
            f"2024, and their spare capacity serves the buyers China turns away: there nobody goes short. "
            if r.share(b, "row_makers_operate_2024") > 0 and spare_worlds_short_t < SHORT_MONTH_T
            else ""
        )
        + ("The recovery is partial: " if sustained < SUSTAINED_SHARE else "The recovery lasts: ")
        + f"China's exports from June 2025 to May 2026 are {fmt(sustained)} times those of the year before the "
        f"licences (90% of seeds {fmt(r.band(b, 'exports_year_after_over_year_before')[0])} to "
        f"{fmt(r.band(b, 'exports_year_after_over_year_before')[1])}), and in 2026 "
        f"{fmt(r.median(b, 'china_magnet_exports_2026_over_2024'))} times those of 2024 "
        f"(without the licences {fmt(r.median(nc, 'exports_year_after_over_year_before'))} and "
        f"{fmt(r.median(nc, 'china_magnet_exports_2026_over_2024'))}). "
        + (
            f"Customers who drew down their stocks and went short in mid-2025 restock and hoard (they want "
            f"{fmt(ModelParams().precaution_months)} months more stock after going short), so the applications, "
            f"and the licensed exports after them, swell: without that hoarding (`no_hoarding`) the year after "
            f"the licences is {fmt(r.median('no_hoarding', 'exports_year_after_over_year_before'))} times the year "
            f"before. "
            if hoarding_gap >= HOARDING_GAP_NOTED
            else ""
        )
        + f"Buyers outside China get {pct(b, 'china_share_foreign_magnets_2027')} of their magnets from China in "
        f"{FOREIGN_SHARE_YEAR}, when the capacity the makers abroad add in the 2025 rush is in place (without the "
        f"licences {pct(nc, 'china_share_foreign_magnets_2027')}; in 2026 {pct(b, 'china_share_foreign_magnets_2026')} "
        f"and {pct(nc, 'china_share_foreign_magnets_2026')})"
        + (
            " and buy from makers elsewhere instead."
            if r.median(b, "china_share_foreign_magnets_2027")
            < r.median(nc, "china_share_foreign_magnets_2027") - SHARE_GAP_NOTED
            else "."
        ),
        "",
        f"Without the licences (`{nc}`) May 2025 exports change by {pct(nc, 'china_magnet_exports_change_2025_05')} "
        f"and the 2025 magnet price index is {fmt(r.median(nc, 'magnet_price_2025_over_2024'))} times its 2024 "
        f"mean. China then supplies {pct(nc, 'us_magnet_china_share_2028')} of US magnet purchases in 2028 and "
        f"{pct(nc, 'us_magnet_china_share_2035')} in 2035, against {pct(b, 'us_magnet_china_share_2028')} and "
        f"{pct(b, 'us_magnet_china_share_2035')} with the licences"
        + (
            ": once the licences cover nearly all applications US buyers are back with Chinese magnets, and by "
            "2028 the licences leave little mark on US dependence"
            if dependence_gap < 0.1
            else ""
        )
        + " (model outcomes, not facts). "
        f"The makers outside China come out of the 2025 rush with "
        f"{fmt(r.median(b, 'abroad_magnet_capacity_2035_t'))} t/yr of operating capacity in 2035 against "
        f"{fmt(r.median(nc, 'abroad_magnet_capacity_2035_t'))} t/yr without the licences. "
        f"China supplies {pct(b, 'us_oxide_china_share_2028')} of US oxide purchases in 2028 and "
        f"{pct(b, 'us_oxide_china_share_2035')} in 2035. US buyers pay "
        f"{fmt(r.median(b, 'us_magnet_price_2030_usd_per_kg'))} USD/kg for magnets in 2030 with the licences and "
        f"{fmt(r.median(nc, 'us_magnet_price_2030_usd_per_kg'))} without; MP 10X mothballs or closes by 2035 in "
        f"{r.share(b, 'ten_x_stopped_by_end'):.0%} of seeds with the licences and "
        f"{r.share(nc, 'ten_x_stopped_by_end'):.0%} without (it produces "
        f"{fmt(r.median(b, 'ten_x_output_2035_t'))} t in 2035, median).",
        "",
        f"Under the floor Mountain Pass Separation produces every year from 2026 in "
        f"{r.share(b, 'separator_produces_2026_to_end'):.0%} of seeds and processes "
        f"{fmt(r.median(b, 'separator_output_2035_t'))} t of concentrate in 2035 "
        f"(without the floor {fmt(r.median('no_floor', 'separator_output_2035_t'))} t; it buys concentrate "
        f"abroad: the Mountain Pass mine produces in 2035 in {r.share(b, 'mine_produces_2035'):.0%} of seeds). "
        f"It sells {pct(b, 'us_ndpr_oxide_china_share_2035')} of its NdPr oxide to China in 2035 "
        f"({fmt(r.median(b, 'us_ndpr_oxide_to_china_2035_t'))} t; without the floor "
        f"{fmt(r.median('no_floor', 'us_ndpr_oxide_to_china_2035_t'))} t)"
        + (
            ": the floor's extra oxide goes to Chinese magnet makers, not to US buyers. "
            if r.median(b, "us_ndpr_oxide_china_share_2035") > MOST
            and r.median(b, "us_ndpr_oxide_to_china_2035_t") > r.median("no_floor", "us_ndpr_oxide_to_china_2035_t")
            else ". "
        )
        + f"The floor costs the US state {fmt(floor_cost)} bn USD by 2035 (90% of seeds "
        f"{fmt(r.band(b, 'us_floor_cost_bn_usd')[0])} to {fmt(r.band(b, 'us_floor_cost_bn_usd')[1])})"
        + (
            f", since the NdPr price index stays below the floor of {fmt(FLOOR_USD_PER_KG)} USD/kg "
            f"({fmt(ndpr_2030)} USD/kg in 2030)"
            if ndpr_2030 < FLOOR_USD_PER_KG
            else ""
        )
        + f"; the offtake of MP 10X magnets adds {fmt(r.median(b, 'us_offtake_bn_usd'))} bn USD of purchases "
        f"that the state keeps as a stockpile. Without the floor (and its offtake) the USA buys "
        f"{pct('no_floor', 'us_oxide_china_share_2035')} of its oxides from China in 2035, against "
        f"{pct(b, 'us_oxide_china_share_2035')} with it (90% of seeds of the difference "
        f"{fmt(diff_band[0])} to {fmt(diff_band[1])}); MP 10X makes "
        f"{fmt(r.median(b, 'ten_x_output_2030_t'))} t of magnets in {TEN_X_YEAR} with the offtake and "
        f"{fmt(r.median('no_floor', 'ten_x_output_2030_t'))} t without (median), and in 2035 "
        f"{fmt(r.median(b, 'ten_x_output_2035_t'))} t on {fmt(r.median(b, 'ten_x_capacity_2035_t'))} t/yr of "
        f"capacity with it and {fmt(r.median('no_floor', 'ten_x_output_2035_t'))} t on "
        f"{fmt(r.median('no_floor', 'ten_x_capacity_2035_t'))} t/yr without"
        + (
            ": the cost-plus offtake buys the plant as built at its full unit cost plus a margin, so it runs full "
            "and invests (the output of the added capacity sells in the market), while without it MP 10X sells "
            "only part of its capacity at its ask and does not invest"
            if r.median(b, "ten_x_capacity_2035_t") > r.median("no_floor", "ten_x_capacity_2035_t")
            else ""
        )
        + f". It mothballs or closes by 2035 in {r.share(b, 'ten_x_stopped_by_end'):.0%} of seeds with the offtake "
        f"and {r.share('no_floor', 'ten_x_stopped_by_end'):.0%} without. China supplies "
        f"{pct(b, 'us_national_magnet_china_share_2030')} of all the nation's magnets (the state's offtake included) "
        f"in {TEN_X_YEAR} with the deal and {pct('no_deal', 'us_national_magnet_china_share_2030')} without "
        f"(`no_deal`), {pct(b, 'us_national_magnet_china_share_2035')} and "
        f"{pct('no_deal', 'us_national_magnet_china_share_2035')} in 2035, and "
        f"{pct('no_floor', 'us_national_magnet_china_share_2035')} in 2035 with the plant but no offtake "
        f"(`no_floor`)"
        + (
            ": it is the state's offtake, not the plant, that lowers it (US buyers on the market buy "
            f"{pct(b, 'us_magnet_china_share_2035')} of their magnets from China in 2035 with the deal)"
            if abs(offtake_gap) < SHARE_SAME and deal_gap > SHARE_SAME
            else ""
        )
        + ". "
        f"MP Materials Texas's "
        f"first full year of output is {fmt(r.median(b, 'texas_days_of_china'))} days of China's magnet output "
        f"({fmt(r.median(b, 'texas_days_of_china_2025'))} days in its part-year 2025; F38: about one day).",
        "",
        f"A {LONG_DELAY_MONTHS}-month licence delay (`long_delay`) puts the recovery at "
        f"{fmt(r.median('long_delay', 'recovery_months'))} months (90% of seeds "
        f"{fmt(r.band('long_delay', 'recovery_months')[0])} to {fmt(r.band('long_delay', 'recovery_months')[1])}), "
        f"China's exports May-October 2025 at {fmt(r.median('long_delay', 'exports_first_months_over_year_before'))} "
        f"times those of the same months of 2024 (licences of {LICENCE_DELAY_MONTHS} months "
        f"{fmt(r.median(b, 'exports_first_months_over_year_before'))}) and world unmet demand in 2025 at "
        f"{fmt(r.median('long_delay', 'unmet_demand_2025_t'))} t. A {EMBARGO_MONTHS}-month "
        f"Chinese magnet embargo on the USA on top of the licences (`us_magnet_embargo`) leaves US customers "
        f"{fmt(r.median('us_magnet_embargo', 'us_unmet_demand_2025_t'))} t short in 2025 "
        f"({pct('us_magnet_embargo', 'us_unmet_share_2025')} of their need), against "
        f"{fmt(r.median(b, 'us_unmet_demand_2025_t'))} t ({pct(b, 'us_unmet_share_2025')}) with the licences alone"
        + (
            ": US buyers turn to other makers instead"
            if embargo_short_gap_t < 1.0
            else f": the makers outside China, at full capacity (they sell "
            f"{pct('us_magnet_embargo', 'abroad_utilisation_short_months_2025')} of a month's capacity in the "
            "months customers go short), cannot serve them all"
            if r.median("us_magnet_embargo", "abroad_utilisation_short_months_2025") >= FULL_CAPACITY
            else ": the makers outside China, already unable to serve all the buyers the licences turn away, cannot "
            "take on the US buyers as well"
        )
        + f". China's share of US magnet purchases in 2025 falls to "
        f"{pct('us_magnet_embargo', 'us_magnet_china_share_2025')} (licences alone "
        f"{pct(b, 'us_magnet_china_share_2025')}) "
        f"and US buyers pay {fmt(r.median('us_magnet_embargo', 'us_magnet_price_2025_usd_per_kg'))} USD/kg for "
        f"their 2025 magnets ({fmt(r.median(b, 'us_magnet_price_2025_usd_per_kg'))} with the licences alone).",
        "",
        "Each world (medians and 90% ranges across seeds):",
        "",
    ]
    for v in r.experiment.variants:
        lines.append(
            f"- **{v.name}** ({v.label}): May 2025 exports change "
            f"{r.summary(v.name, 'china_magnet_exports_change_2025_05')}; "
            f"recovery after {r.summary(v.name, 'recovery_months')} months; US floor cost "
            f"{r.summary(v.name, 'us_floor_cost_bn_usd')} bn USD; separator feed 2030 "
            f"{r.summary(v.name, 'separator_output_2030_t')} t; China's share of US magnet purchases 2028 "
            f"{r.summary(v.name, 'us_magnet_china_share_2028')}, 2035 "
            f"{r.summary(v.name, 'us_magnet_china_share_2035')}."
        )
    return "\n".join(lines)


def window_figure(
    r: Result,
    columns: Mapping[str, str],
    path: Path,
    *,
    start: str,
    end: str,
    title: str,
    variants: Iterable[str] | None = None,
    logy: Iterable[str] = (),
    mark: Mapping[str, str] | None = None,
) -> None:
    """Monthly paths in a window, one panel per column side by side: median across seeds and the
    5-95% band per variant, the legend below the panels and one tick a year (`band_figure` draws
    the long yearly paths; a window of months needs fewer, clearer ticks)."""
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    import seaborn as sns

    from experiments.figures import BAND
    from experiments.report import DPI, PNG_META

    e = r.experiment
    names = list(variants) if variants is not None else [v.name for v in e.variants]
    labels = {v.name: v.label for v in e.variants}
    df = r.paths[r.paths["variant"].isin(names) & (r.paths["date"].astype(str).str.len() == 7)].copy()
    df = df[(df["date"] >= start) & (df["date"] <= end)]
    df["time"] = pd.to_datetime(df["date"], format="%Y-%m")
    df["variant"] = df["variant"].map(labels)
    order = [labels[n] for n in names]
    sns.set_theme(style="whitegrid", context="notebook")
    fig, axes = plt.subplots(1, len(columns), figsize=(6.0 * len(columns), 4.6), squeeze=False, constrained_layout=True)
    try:
        for ax, (col, ylabel) in zip(axes.flat, columns.items(), strict=True):
            data = df[["time", "variant", col]].dropna()
            if col in logy:
                data = data[data[col] > 0]
            sns.lineplot(
                data=data, x="time", y=col, hue="variant", hue_order=[o for o in order if o in set(data["variant"])],
                estimator="median", errorbar=BAND, ax=ax, legend=ax is axes.flat[0],
            )  # fmt: skip
            if col in logy:
                ax.set_yscale("log")
            ax.set_ylabel(ylabel + (" (log)" if col in logy else ""))
            ax.set_xlabel("")
            ax.xaxis.set_major_locator(mdates.YearLocator())
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
            for date, text in (mark or {}).items():
                ax.axvline(pd.Timestamp(date), color="0.4", lw=0.8, ls=":")
                ax.text(pd.Timestamp(date), ax.get_ylim()[1], text, fontsize=7, va="top", ha="right", rotation=90)
        leg = axes.flat[0].get_legend()
        if leg is not None:
            handles, texts = axes.flat[0].get_legend_handles_labels()
            leg.remove()
            fig.legend(handles, texts, loc="outside lower center", ncols=2, fontsize=8, frameon=False)
        fig.suptitle(f"{title}: median and 5-95% band of {len(r.seeds)} seeds", fontsize=11)
        fig.savefig(path, dpi=DPI, metadata=PNG_META)
    finally:
        plt.close(fig)


def figures(r: Result, out: Path) -> list[tuple[str, str]]:
    window_figure(
        r,
        {
            "china_magnet_exports_t": "China's magnet exports, t/month",
            "magnet_price_usd_per_kg": "magnet price index, USD/kg",
            "unmet_demand_t": "customers' unmet demand, t/month",
        },
        out / "exports_2025.png",
        start=WINDOW[0],
        end=WINDOW[1],
        title="China's 2025 licences",
        mark={"2025-04": "licences", "2025-07": "US floor"},
    )
    band_figure(
        r,
        {
            "us_magnet_china_share": "China's share of US magnet purchases",
            "us_oxide_china_share": "China's share of US oxide purchases",
            "separator_output_t": "Mountain Pass Separation, t feed/yr",
            "ndpr_price_usd_per_kg": "NdPr oxide price index, USD/kg",
        },
        out / "floor_dependence.png",
        variants=[v.name for v in r.experiment.variants if v.until is None],
        start=f"{PATH_YEARS[0]}-01",
        logy=("ndpr_price_usd_per_kg",),
        ncols=2,
        title="The MP-DoD floor and US dependence",
        mark={"2025-07": "floor", "2028-07": "10X offtake"},
    )
    return [
        (
            "exports_2025.png",
            "China's monthly magnet exports, the magnet price index and customers' unmet demand in the world "
            "around the 2025 licences.",
        ),
        (
            "floor_dependence.png",
            "China's share of US magnet and oxide purchases, Mountain Pass Separation's output and the NdPr price, "
            "by world (full-horizon worlds only).",
        ),
    ]


EXPERIMENT = Experiment(
    name="controls_2025",
    title="China's 2025 export controls and the MP-DoD price floor",
    question=(
        "What did China's 2025 export licences on heavy rare earths and magnets do to its magnet exports, "
        "and what does the MP Materials / DoD price floor do to MP's output, the US state's spending and "
        "the USA's dependence on China in 2028 and 2035?"
    ),
    variants=VARIANTS,
    measure=measure,
    checks=CHECKS,
    indicators=INDICATORS,
    narrative=narrative,
    figures=figures,
)

__all__ = [
    "EXPERIMENT",
    "exports_t",
    "long_delay",
    "measure",
    "no_controls",
    "no_deal",
    "no_floor",
    "purchase_share",
    "us_magnet_embargo",
    "yearly_purchase_shares",
]
