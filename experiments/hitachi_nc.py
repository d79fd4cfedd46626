"""Hitachi Metals North Carolina: why did the US magnet plant built after the 2010 embargo close,
and what would have kept it open?

After China's 2010 embargo on Japan, Hitachi Metals decides to build a sintered NdFeB magnet
plant in North Carolina (the scenario dates the decision, 2011-06; F26). Whether it then survives
is the agents' business. Buyers choose their suppliers by landed cost (a logit with loyalty and a
switching cost); the plant buys its NdPr and DyTb oxides at the price outside China, while Chinese
magnet makers buy them at home and sell cheaper magnets. Its market is the 99.99% grade, which only
it, the Japanese makers and Vacuumschmelze make, and which only Japan's car and motor makers need.
US magnet buyers need only the 99.9% grade, and they go to Chinese magnets in 2010-2013, before the
plant opens (China's share of their purchases about 0.45 in 2010, over 0.9 in 2013): they buy
almost none of its magnets. It sells to Japan's 99.99% buyers, and loses them when its rivals in
that grade cut their asks below its own (2014-15); after twelve months of losses without cash it
mothballs, its price down at its processing and oxide cost, as soon as its two-year start-up grace
ends, in 2015-2017 in most seeds (F27: it closed in 2020, when US buyers switched to Chinese
magnets). The baseline reports the year the plant first stops (mothballs or closes), the reason it logs, its cash
and output, its rivals' asks, and what US magnet buyers did meanwhile (flows). The counterfactuals
change one cause each and run to 2025: the decision to build comes in 2014, US magnet buyers willing
to pay a premium for US-made magnets (20% to 40%), a 25% US tariff on Chinese magnets from 2013, and
a defence contract from the plant's opening (a price floor at about its full cost for 10 years, with
offtake of its unsold magnets; also with a floor at its full cost at the 2018-19 oxide prices).
"""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from experiments import edits
from experiments.experiment import Check, Experiment, Measures, Result, Variant
from experiments.metrics import RunOutput
from experiments.report import band_figure, count_figure, curve_figure, fmt
from experiments.scenario_levers import LEVERS

if TYPE_CHECKING:
    from model.model import RareEarthModel

PLANT = "Hitachi Metals North Carolina"
CHINESE_MAKERS = "Chinese magnet makers"
MAGNEQUENCH = "Magnequench"
"""The other US maker (99.9% grade, enough for every US buyer), cheaper than the plant."""
US = "USA"
CHINA = "CHN"
JPN = "JPN"
ROW = "XRW"
"""The rest of the world (outside China, Japan, Europe and the USA) in the trade ledger."""
ROW_MAKERS = "Rest-of-world magnet makers"
STOP_KINDS = ("mothball", "close")
BUYER_CHANNELS = ("legal", "smuggled")
"""US magnet buyers' purchases: the trade ledger without the state's stockpile (offtake) flows."""
CF_UNTIL = "2025-12"
"""The counterfactuals run to 2025: the question is whether the plant is still producing then."""
SURVIVE_YEAR = 2025
"""The plant survives if it never mothballs or closes up to the end of this year; a stop year of
SURVIVE_YEAR + 1 stands for 'no stop up to then' in every variant (the baseline runs longer)."""
PATH_YEARS = (2005, 2025)
PREMIUMS = (0.0, 0.2, 0.3, 0.4)
"""US buyers' domestic premium willingness (0 is the baseline: the history world has none). A 10%
point was dropped to keep the counterfactuals within budget: at 20 seeds it gave the baseline's
survival and nearly its share of Chinese magnets in US purchases."""
TARIFF_RATE = 0.25
TARIFF_START = "2013-01"
OFFTAKE_START = "2013-04"
"""The plant's opening month in the history world (F26)."""
OFFTAKE_YEARS = 10.0
OFFTAKE_FLOOR_USD_PER_KG = 38.0
"""About the plant's full cost per kg at capacity when it opens: in the baseline 28.8 USD/kg of
processing and oxides, plus fixed costs of `fixed_cost_frac` (0.3) times that."""
OFFTAKE_SHARE = 1.0
OFFTAKE_HIGH_FLOOR_USD_PER_KG = 48.0
"""About the plant's full cost per kg at capacity at the 2018-19 oxide prices: in the baseline about 36
USD/kg of processing and oxides in 2019, plus fixed costs of `fixed_cost_frac` (0.3) times that."""
LATE_BUILD_DATE = "2014-06"
"""The counterfactual date of the decision to build (the history world: 2011-06): the plant then
opens in 2016, after the magnet prices of the post-embargo years have fallen."""
CASH_YEAR = 2016
"""The plant's cash is read in December of this year: the end of the post-embargo years of dear magnets."""
TROUGH_YEARS = (2017, 2020)
"""The years of cheap Chinese magnets and dearer oxides: does the plant's cash last through them?"""
BEFORE_TROUGH_YEAR = 2016
TROUGH_YEAR = 2018
JAPAN = "Hitachi Metals Japan"
REAL_CLOSURE_YEAR = 2020
"""F27: the plant closed in 2020."""
CLOSURE_WINDOW_YEARS = 2
"""The F27 check accepts a first stop within this many years of the real closure."""
SWITCH_SHARE_RISE = 0.1
"""'US buyers switch to Chinese suppliers': China's share of US magnet purchases rises from the
plant's opening year to the last full year before its stop, by more than this (a switch, not the
drift of a share already above 0.9)."""
SWITCH_FROM_YEAR = 2010
"""The year before the embargo's price spike: China's share of US magnet purchases then, against the
plant's opening year, shows whether US buyers went to Chinese magnets before it opened."""
DEMAND_HOLDS_RATIO = 0.9
"""...while US magnet purchases in that year are at least this share of those in the opening year."""
SALES_FALL_RATIO = 0.5
"""'The plant's sales fall': its output in that year is below this share of its best year's."""
MARGIN_NOTE = re.compile(r"price ([0-9.]+) USD/kg vs ([0-9.]+) USD/kg processing and oxides")
"""A magnet maker's logged reason for a stop for losses: its price and its processing and oxide cost."""
SUPPORT_ITEMS = ("price_floor", "offtake")
"""US payments under price floors and offtake contracts (the plant's and any other firm's)."""


# --- edits --------------------------------------------------------------------------------------
def us_domestic_premium(data: edits.Data, premium: float) -> None:
    """US magnet buyers (all magnet sectors) pay up to `premium` more for US-made magnets, from
    the start (the `us_domestic_premium` lever of experiments.scenario_levers)."""
    LEVERS["us_domestic_premium"].apply(data, premium)


def us_magnet_tariff(data: edits.Data, rate: float = TARIFF_RATE, start: str = TARIFF_START) -> None:
    """A US tariff on magnets imported from China from `start`."""
    edits.add_event(
        data, date=start, kind="import_tariff", state=US, origin=CHINA, tiers=["magnet"], rate=rate,
        note="counterfactual (hitachi_nc)",
    )  # fmt: skip


def defence_offtake(
    data: edits.Data,
    usd_per_kg: float = OFFTAKE_FLOOR_USD_PER_KG,
    start: str = OFFTAKE_START,
    years: float = OFFTAKE_YEARS,
    offtake_share: float = OFFTAKE_SHARE,
) -> None:
    """A US defence contract for the plant: a price floor with offtake of its unsold stock."""
    edits.add_event(
        data, date=start, kind="price_floor", state=US, firm=PLANT, tier="magnet", usd_per_kg=usd_per_kg,
        years=years, offtake_share=offtake_share, note="counterfactual (hitachi_nc): defence offtake",
    )  # fmt: skip


def later_build(data: edits.Data, date: str = LATE_BUILD_DATE) -> None:
    """The decision to build the plant (the history world's dated `build` event) comes at `date`."""
    for e in data["events"]:
        if e.get("kind") == "build" and e.get("firm") == PLANT:
            e["date"] = date


# --- measures -----------------------------------------------------------------------------------
def us_magnet_purchases(run: RunOutput) -> pd.DataFrame:
    """Per year: US magnet buyers' purchases (t), those from China (t), and the shares of China, Japan
    and the rest of the world."""
    f = run.flows
    f = f[(f["tier"] == "magnet") & (f["destination"] == US) & f["channel"].isin(BUYER_CHANNELS)]
    f = f.assign(year=f["date"].str[:4].astype(int))
    total = f.groupby("year")["quantity_t"].sum()
    china = f[f["origin"] == CHINA].groupby("year")["quantity_t"].sum().reindex(total.index, fill_value=0.0)
    japan = f[f["origin"] == JPN].groupby("year")["quantity_t"].sum().reindex(total.index, fill_value=0.0)
    row = f[f["origin"] == ROW].groupby("year")["quantity_t"].sum().reindex(total.index, fill_value=0.0)
    out = pd.DataFrame({"us_magnet_purchases_t": total, "us_magnets_from_china_t": china})
    bought = out["us_magnet_purchases_t"].where(lambda x: x > 0)
    out["us_china_share"] = out["us_magnets_from_china_t"] / bought
    out["us_japan_share"] = japan / bought
    out["us_row_share"] = row / bought
    return out


def rivals_price_ratio(run: RunOutput, model: RareEarthModel, year: int) -> float:
    """Mean December price of the plant's rivals in its own grade (the other operating magnet
    makers of at least its grade) over the plant's own ask, in `year`."""
    grade = model.firm_by_name[PLANT].grade
    snap = run.agents[run.agents["date"] == f"{year}-12"]
    mine = snap[snap["name"] == PLANT]
    makers = snap[(snap["type"] == "magnet_maker") & (snap["name"] != PLANT) & (snap["status"] == "operating")]
    rivals = makers[makers["name"].map(lambda n: model.firm_by_name[n].grade >= grade)]
    if mine.empty or rivals.empty:
        return math.nan
    return float(rivals["price"].mean() / mine["price"].iloc[0])


def december(run: RunOutput, firm: str, column: str, year: int, operating: bool = False) -> float:
    """A firm's value in the agents table in December of `year` (NaN if absent, or if `operating`
    and the firm is not producing then: a stopped firm's price is a stale ask)."""
    a = run.agents
    row = a[(a["name"] == firm) & (a["date"] == f"{year}-12")]
    if row.empty or (operating and row["status"].iloc[0] != "operating"):
        return math.nan
    return float(row[column].iloc[0])


def measure(run: RunOutput, model: RareEarthModel) -> Measures:
    """The plant's opening, first stop (year, reason), its output, and US buyers' sourcing."""
    ev = run.events
    mine = ev[ev["actor"] == PLANT]
    opens = mine[mine["kind"] == "open"]
    stops = mine[mine["kind"].isin(STOP_KINDS) & (mine["date"].str[:4].astype(int) <= SURVIVE_YEAR)]
    open_year = float(opens["date"].iloc[0][:4]) if len(opens) else math.nan
    stopped = len(stops) > 0
    stop_year = float(stops["date"].iloc[0][:4]) if stopped else float(SURVIVE_YEAR + 1)
    reason = str(stops["detail"].iloc[0]) if stopped else ""

    buyers = us_magnet_purchases(run)
    ag = run.agents
    rows = ag[ag["name"] == PLANT].assign(year=ag["date"].str[:4].astype(int)).set_index("year")
    plant, capacity = rows["output_t"], rows["capacity_t"]
    s = run.series
    year = s["date"].str[:4].astype(int)
    prices = s.assign(year=year).groupby("year")[["price_magnet", "china_share_magnets"]].mean()
    paths = buyers.join(prices, how="outer").join(plant.rename("plant_output_t"), how="left")
    paths = paths.loc[PATH_YEARS[0] : PATH_YEARS[1]].reset_index(names="date")
    paths["date"] = paths["date"].astype(str)

    # 'US buyers switch to Chinese suppliers': from the opening year to the last full year before
    # the stop, China's share of US purchases rises while US purchases hold; and the plant's output falls
    share_rise = purchases_ratio = output_ratio = math.nan
    if stopped and not math.isnan(open_year):
        y0, y1 = int(open_year), int(stop_year) - 1
        if y1 > y0 and y0 in buyers.index and y1 in buyers.index:
            share_rise = float(buyers.at[y1, "us_china_share"] - buyers.at[y0, "us_china_share"])
            purchases_ratio = float(buyers.at[y1, "us_magnet_purchases_t"] / buyers.at[y0, "us_magnet_purchases_t"])
            best = float(plant.loc[y0:y1].max())
            output_ratio = float(plant.get(y1, 0.0) / best) if best > 0 else math.nan
    switched = share_rise > SWITCH_SHARE_RISE and purchases_ratio >= DEMAND_HOLDS_RATIO
    rivals = rivals_price_ratio(run, model, int(open_year) - 1) if not math.isnan(open_year) else math.nan
    # its rivals in its grade against its own ask in the last December it produced before its stop
    rivals_late = rivals_price_ratio(run, model, int(stop_year) - 1) if stopped else math.nan
    margin = MARGIN_NOTE.search(reason)
    stop_margin = float(margin.group(1)) / float(margin.group(2)) if margin else math.nan
    sp = run.state_spending
    support = float(sp[(sp["country"] == US) & sp["item"].isin(SUPPORT_ITEMS)]["usd"].sum())

    def share_in(y: float, column: str = "us_china_share") -> float:
        return float(buyers.at[int(y), column]) if not math.isnan(y) and int(y) in buyers.index else math.nan

    cash = rows["cash"]
    trough_cash = cash.loc[TROUGH_YEARS[0] : TROUGH_YEARS[1]]
    china_2020 = december(run, CHINESE_MAKERS, "price", 2020)

    scalars = {
        "plant_open_year": open_year,
        "plant_stop_year": stop_year,
        "plant_stops_2018_2022": float(abs(stop_year - REAL_CLOSURE_YEAR) <= CLOSURE_WINDOW_YEARS),
        "plant_survives_to_2025": float(len(opens) > 0 and not stopped),
        "stops_for_another_reason": float(stopped and "losses" not in reason),
        "us_china_share_at_opening": share_in(open_year),
        "china_share_rise_before_stop": share_rise,
        "us_purchases_ratio_before_stop": purchases_ratio,
        "plant_output_ratio_before_stop": output_ratio,
        "stops_for_losses": float(stopped and "losses" in reason),
        "stops_after_buyers_switch": float(stopped and switched),
        "stops_after_sales_fall": float(stopped and output_ratio < SALES_FALL_RATIO),
        "stop_price_over_variable_cost": stop_margin,
        "rivals_price_over_plant_at_opening": rivals,
        "rivals_price_over_plant_before_stop": rivals_late,
        "us_china_share_before_embargo": share_in(SWITCH_FROM_YEAR),
        "ndpr_2012_over_2009": run.year_mean("price_ndpr_oxide", 2012) / run.year_mean("price_ndpr_oxide", 2009),
        "plant_price_2014": december(run, PLANT, "price", 2014, operating=True),
        "plant_over_china_price_2014": december(run, PLANT, "price", 2014, operating=True)
        / december(run, CHINESE_MAKERS, "price", 2014),
        "china_magnet_price_2014": december(run, CHINESE_MAKERS, "price", 2014),
        "magnequench_price_2014": december(run, MAGNEQUENCH, "price", 2014),
        "china_magnet_price_2020": december(run, CHINESE_MAKERS, "price", 2020),
        "plant_cash_2016_musd": float(cash.get(CASH_YEAR, math.nan)) / 1e6,
        "plant_min_cash_2017_2020_musd": float(trough_cash.min()) / 1e6 if len(trough_cash) else math.nan,
        "plant_output_2016_t": float(plant.get(BEFORE_TROUGH_YEAR, math.nan)),
        "plant_output_2018_t": float(plant.get(TROUGH_YEAR, math.nan)),
        "plant_capacity_2018_t": float(capacity.get(TROUGH_YEAR, math.nan)),
        "plant_over_china_price_2020": december(run, PLANT, "price", 2020, operating=True) / china_2020,
        "japan_over_china_price_2020": december(run, JAPAN, "price", 2020) / china_2020,
        "us_japan_share_2020": share_in(2020, "us_japan_share"),
        "us_row_share_2020": share_in(2020, "us_row_share"),
        "row_over_china_price_2020": december(run, ROW_MAKERS, "price", 2020) / china_2020,
        "plant_output_2014_t": float(plant.get(2014, math.nan)),
        "plant_output_2020_t": float(plant.get(2020, math.nan)),
        "plant_capacity_2025_t": float(capacity.get(SURVIVE_YEAR, math.nan)),
        "magnequench_output_2020_t": december(run, MAGNEQUENCH, "output_t", 2020),
        "us_china_share_2020": share_in(2020),
        "china_share_magnets_2020": run.year_mean("china_share_magnets", 2020),
        "us_floor_offtake_musd": support / 1e6,
    }
    return Measures(scalars, paths)


# --- variants and checks --------------------------------------------------------------------------
def _premium_name(premium: float) -> str:
    return "baseline" if premium == 0 else f"premium_{round(premium * 100):02d}"


VARIANTS = (
    Variant("baseline", "the history world as it is, with no US premium"),
    *(
        Variant(
            _premium_name(p),
            f"US buyers pay up to {p:.0%} more for US magnets",
            (functools.partial(us_domestic_premium, premium=p),),
            until=CF_UNTIL,
        )
        for p in PREMIUMS
        if p > 0
    ),
    Variant(
        "tariff_25",
        f"a {TARIFF_RATE:.0%} US tariff on Chinese magnets from {TARIFF_START[:4]}",
        (us_magnet_tariff,),
        until=CF_UNTIL,
    ),
    Variant(
        "defence_offtake",
        f"a US floor of {OFFTAKE_FLOOR_USD_PER_KG:g} USD/kg (its full cost at opening) and offtake, "
        f"{OFFTAKE_START[:4]}-{int(OFFTAKE_START[:4]) + int(OFFTAKE_YEARS)}",
        (defence_offtake,),
        until=CF_UNTIL,
    ),
    # a higher floor: its full cost at the dearer oxides of 2017-19, not at its opening
    Variant(
        "defence_offtake_48",
        f"the same contract with a floor of {OFFTAKE_HIGH_FLOOR_USD_PER_KG:g} USD/kg (its full cost at the 2018-19 "
        "oxide prices)",
        (functools.partial(defence_offtake, usd_per_kg=OFFTAKE_HIGH_FLOOR_USD_PER_KG),),
        until=CF_UNTIL,
    ),
    Variant(
        "late_build",
        f"the decision to build comes in {LATE_BUILD_DATE[:4]}, not 2011: the plant opens after magnet prices fell",
        (later_build,),
        until=CF_UNTIL,
    ),
)
TOP = _premium_name(PREMIUMS[-1])
OPENING_NOTE = (
    "it stops in 2015-2017 in most seeds, as soon as its two-year start-up grace ends, not around 2020: US buyers, "
    "who need only the 99.9% grade, went to Chinese magnets in 2010-2013, before it opened, and buy almost none of "
    "its magnets; it sells to Japan's 99.99%-grade buyers and loses them when its rivals in that grade cut their asks "
    "below its own, so after twelve months of losses, without cash, it mothballs at its processing and oxide cost"
)
SWITCH_NOTE = (
    "US buyers' switch to Chinese magnets comes before the plant opens (China's share of their purchases rises from "
    f"{SWITCH_FROM_YEAR} to over 0.9 in the opening year) and hardly moves after it, so the stop does not follow a "
    "switch of its buyers: it follows its losing Japan's 99.99%-grade buyers to its rivals in that grade"
)
PREMIUM_NOTE = (
    "the premium favours every US maker, and most of the US buyers it moves go to Magnequench (99.9%, asking less "
    "than the plant), not to the plant; it sells more and stops later in some seeds, but in most it still loses "
    "Japan's 99.99%-grade buyers to its rivals and stops in 2016-2017, in some earlier than without the premium"
)
LATE_NOTE = (
    "the plant opened in 2013 already stops in 2015-2017 in most seeds, as soon as its start-up grace ends; decided "
    "in 2014 the plant opens in 2016 and stops in 2018, at the end of its own grace, unless it has won enough orders "
    "by then to cover its costs, when it survives"
)
NO_LATER_NOTE = (
    "in a seed where the plant survives to 2025 without it, its stop year (2026: none by 2025) cannot move later"
)
TARIFF_NOTE = (
    "US buyers buy almost none of the plant's magnets with or without the tariff: the plant asks several times the "
    "Chinese makers' ask, far more than the tariff adds, and the buyers the tariff moves from China go to the "
    "rest-of-world makers where they still produce, else to the Japanese makers, and to Magnequench; the plant stops "
    "no later than without it"
)
SALES_NOTE = (
    "it stops within a year or two of its best year, as soon as its start-up grace ends, with its output in the last "
    "full year before the stop often still above half its best"
)
F31_NOTE = (
    "the rest-of-world and Japanese magnet makers win buyers back when Chinese magnet prices recover in 2018-20, so "
    "China's share of world magnet output falls from its 2017 peak"
)

CHECKS = (
    Check(
        "the plant first stops (mothballs or closes) around 2020 (2026 = no stop by 2025)", "baseline",
        "plant_stop_year", lo=REAL_CLOSURE_YEAR - CLOSURE_WINDOW_YEARS, hi=REAL_CLOSURE_YEAR + CLOSURE_WINDOW_YEARS,
        fact="F27", target="2020 (closed)", why_if_fail=OPENING_NOTE,
    ),
    Check(
        "in most seeds the first stop comes in 2018-2022", "baseline", "plant_stops_2018_2022", lo=0.8,
        stat="share", fact="F27", target="most seeds",
        why_if_fail=OPENING_NOTE,
    ),
    Check(
        "the plant survives to 2025 in at most 20% of seeds (it stops by then in at least 80%)", "baseline",
        "plant_survives_to_2025", hi=0.2, stat="share",
        fact="F27", target="closed (share of seeds it survives to 2025 at most 20%)", why_if_fail=OPENING_NOTE,
    ),
    Check(
        "it stops for its losses (share of seeds in which it stops by 2025, and for its losses)", "baseline",
        "stops_for_losses", lo=0.8, stat="share", fact="F27", target="higher cost than Chinese suppliers",
        why_if_fail=OPENING_NOTE,
    ),
    Check(
        f"it stops after US buyers switch to Chinese suppliers: China's share of US magnet purchases rises by more "
        f"than {SWITCH_SHARE_RISE:g} from the opening year while US purchases hold (share of seeds in which it stops "
        "so)",
        "baseline", "stops_after_buyers_switch", lo=0.8, stat="share", fact="F27",
        target="buyers unwilling to pay extra switched to Chinese suppliers",
        why_if_fail=SWITCH_NOTE,
    ),
    Check(
        "its sales fall before it stops: output below half its best year (share of seeds in which it stops so)",
        "baseline", "stops_after_sales_fall", lo=0.8, stat="share", fact="F27",
        target="sales fall while US demand holds",
        why_if_fail=SALES_NOTE,
    ),
    Check(
        "China's share of world magnet output in 2020", "baseline", "china_share_magnets_2020", lo=0.85, hi=0.95,
        fact="F31", target="about 90%", why_if_fail=F31_NOTE,
    ),
    Check(
        f"opened after the post-embargo magnet prices (decided in {LATE_BUILD_DATE[:4]}), the plant stops for its "
        "losses by 2025 in a quarter of seeds or more (share of seeds it survives)",
        "late_build", "plant_survives_to_2025", hi=0.75, stat="share", target="stops in some seeds",
        why_if_fail=LATE_NOTE,
    ),
    Check(
        "opened later, it stops earlier than the plant opened in 2013 (years)", "late_build", "plant_stop_year",
        versus="baseline", hi=-1, target="earlier", why_if_fail=LATE_NOTE,
    ),
    Check(
        f"a {PREMIUMS[-1]:.0%} domestic premium lowers China's share of US magnet purchases in 2020", TOP,
        "us_china_share_2020", versus="baseline", hi=-0.1, target="lower", why_if_fail=PREMIUM_NOTE,
    ),
    Check(
        f"with a {PREMIUMS[-1]:.0%} domestic premium the plant survives to 2025 in most seeds", TOP,
        "plant_survives_to_2025", lo=0.5, stat="share", target="survival rises with the premium",
        why_if_fail=PREMIUM_NOTE,
    ),
    Check(
        f"with a {PREMIUMS[-1]:.0%} domestic premium the plant stops later (years)", TOP, "plant_stop_year",
        versus="baseline", lo=1, target="later", why_if_fail=NO_LATER_NOTE,
    ),
    Check(
        f"a {TARIFF_RATE:.0%} tariff on Chinese magnets lowers China's share of US magnet purchases in 2020",
        "tariff_25", "us_china_share_2020", versus="baseline", hi=-0.1, target="lower",
    ),
    Check(
        f"a {TARIFF_RATE:.0%} tariff on Chinese magnets makes the plant stop later (years)", "tariff_25",
        "plant_stop_year", versus="baseline", lo=1, target="later", why_if_fail=TARIFF_NOTE,
    ),
    Check(
        "a defence offtake contract keeps the plant producing to 2025", "defence_offtake", "plant_survives_to_2025",
        lo=0.8, stat="share", target="most seeds",
    ),
    Check(
        "a defence offtake contract makes the plant stop later (years)", "defence_offtake", "plant_stop_year",
        versus="baseline", lo=5, target="later", why_if_fail=NO_LATER_NOTE,
    ),
    Check(
        f"with a floor of {OFFTAKE_HIGH_FLOOR_USD_PER_KG:g} USD/kg the contract keeps the plant producing to 2025",
        "defence_offtake_48", "plant_survives_to_2025", lo=0.8, stat="share", target="most seeds",
    ),
)  # fmt: skip

INDICATORS = {
    "plant_open_year": "year the plant starts production",
    "plant_stop_year": f"year of the plant's first mothball or close ({SURVIVE_YEAR + 1} if none up to {SURVIVE_YEAR})",
    "plant_stops_2018_2022": "1 if that year is 2018-2022",
    "plant_survives_to_2025": f"1 if the plant opens and never mothballs or closes up to {SURVIVE_YEAR}",
    "stops_for_another_reason": "1 if it stops and its first stop's reason (events detail) is not its losses",
    "us_china_share_at_opening": "China's share of US magnet buyers' purchases in the plant's opening year",
    "china_share_rise_before_stop": "rise of that share from the opening year to the last full year before the stop",
    "us_purchases_ratio_before_stop": "US magnet purchases in the last full year before the stop over the opening year",
    "plant_output_ratio_before_stop": "the plant's output in the last full year before the stop over its best year",
    "stops_for_losses": "1 if it stops and its first stop's reason is its losses",
    "stops_after_buyers_switch": "1 if it stops after China's share of US purchases rose while US purchases held "
    "(>= 0.9 of the opening year)",
    "stops_after_sales_fall": "1 if it stops with the output ratio below 0.5",
    "stop_price_over_variable_cost": "at a stop for losses: its price over its processing and oxide cost (from "
    "the logged reason)",
    "rivals_price_over_plant_at_opening": "price of the other makers of its grade over the plant's ask, December "
    "before opening",
    "rivals_price_over_plant_before_stop": "the same in the December before the year of its first stop (where it "
    "stops)",
    "us_china_share_before_embargo": f"China's share of US magnet buyers' purchases in {SWITCH_FROM_YEAR}",
    "ndpr_2012_over_2009": "NdPr oxide price index, 2012 mean over 2009 mean (the post-embargo peak)",
    "plant_price_2014": "the plant's ask in December 2014 if it is producing then, USD/kg",
    "plant_over_china_price_2014": "the plant's ask over the Chinese magnet makers' in December 2014 (where it "
    "produces)",
    "china_magnet_price_2014": "Chinese magnet makers' ask in December 2014, USD/kg",
    "magnequench_price_2014": "Magnequench's ask in December 2014, USD/kg",
    "china_magnet_price_2020": "Chinese magnet makers' ask in December 2020, USD/kg",
    "plant_cash_2016_musd": f"the plant's cash in December {CASH_YEAR}, million USD",
    "plant_min_cash_2017_2020_musd": f"the plant's lowest December cash in {TROUGH_YEARS[0]}-{TROUGH_YEARS[1]}, "
    "million USD",
    "plant_output_2016_t": f"the plant's output in {BEFORE_TROUGH_YEAR}, t",
    "plant_output_2018_t": f"the plant's output in {TROUGH_YEAR}, t",
    "plant_capacity_2018_t": f"the plant's capacity at the end of {TROUGH_YEAR}, t/yr",
    "plant_over_china_price_2020": "the plant's ask over the Chinese magnet makers' in December 2020 (the plant "
    "where it produces)",
    "japan_over_china_price_2020": f"{JAPAN}'s ask over the Chinese magnet makers' in December 2020",
    "us_japan_share_2020": "Japan's share of US magnet buyers' purchases in 2020",
    "us_row_share_2020": "the rest of the world's share of US magnet buyers' purchases in 2020",
    "row_over_china_price_2020": f"{ROW_MAKERS}' ask over the Chinese magnet makers' in December 2020",
    "plant_output_2014_t": "the plant's output in 2014, t",
    "plant_output_2020_t": "the plant's output in 2020, t",
    "plant_capacity_2025_t": "the plant's capacity at the end of 2025, t/yr",
    "magnequench_output_2020_t": "Magnequench's output in 2020, t",
    "us_china_share_2020": "China's share of US magnet buyers' purchases in 2020",
    "china_share_magnets_2020": "China's share of world magnet output, 2020 mean",
    "us_floor_offtake_musd": "US price-floor and offtake payments over the run (all firms; the baseline to 2035), "
    "million USD",
}


# --- report -------------------------------------------------------------------------------------
def _pct(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.0%}"


def _trend(shares: list[float]) -> str:
    """How survival moves along the premium curve, in words."""
    steps = [b - a for a, b in zip(shares, shares[1:], strict=False)]
    if all(s >= 0 for s in steps) and shares[-1] > shares[0]:
        return "rising with the premium"
    if shares[-1] <= shares[0]:
        return "no higher at the top premium than without one"
    return "higher at the top premium than without one, but not rising steadily"


def _stopped_seeds(r: Result, variant: str) -> list[int]:
    """The seeds in which the plant stops by SURVIVE_YEAR."""
    stops = r.values(variant, "plant_stop_year")
    return [int(s) for s, y in stops.items() if y <= SURVIVE_YEAR]


def narrative(r: Result) -> str:
    b, top, tar, off, high, late = "baseline", TOP, "tariff_25", "defence_offtake", "defence_offtake_48", "late_build"
    lo, hi = r.band(b, "plant_stop_year")
    stopped = _stopped_seeds(r, b)
    stop_years = r.values(b, "plant_stop_year")
    years = ", ".join(f"{fmt(stop_years[s])} (seed {s})" for s in stopped) or "none"
    lines = [
        f"In the history world the plant opens in {fmt(r.median(b, 'plant_open_year'))} and first stops in "
        f"{fmt(r.median(b, 'plant_stop_year'))} (median; 90% of seeds {fmt(lo)} to {fmt(hi)}; {SURVIVE_YEAR + 1} "
        f"means no stop by {SURVIVE_YEAR}), against its real closure in {REAL_CLOSURE_YEAR} (F27). It stops by "
        f"{SURVIVE_YEAR} in {len(stopped)} of {len(r.seeds)} seeds: {years}.",
        "",
        f"US magnet buyers, who need only the 99.9% grade, go to Chinese magnets before the plant opens: they take "
        f"{fmt(r.median(b, 'us_china_share_before_embargo'))} of their magnets from China in {SWITCH_FROM_YEAR} and "
        f"{fmt(r.median(b, 'us_china_share_at_opening'))} in the opening year (medians). In December 2014 the "
        f"Chinese magnet makers ask {fmt(r.median(b, 'china_magnet_price_2014'))} USD/kg, {MAGNEQUENCH} "
        f"{fmt(r.median(b, 'magnequench_price_2014'))} and the plant {fmt(r.median(b, 'plant_price_2014'))} "
        f"(medians). Its market is the 99.99% grade, which Chinese magnet makers and {MAGNEQUENCH} (99.9%) do not "
        f"make and only Japan's car and motor makers need; its rivals in that grade ask "
        f"{fmt(r.median(b, 'rivals_price_over_plant_at_opening'))} times its ask in the December before it opens and "
        f"{fmt(r.median(b, 'rivals_price_over_plant_before_stop'))} times in the December before the year it stops "
        f"(medians, where it stops). By the end of {CASH_YEAR} the plant holds "
        f"{fmt(r.median(b, 'plant_cash_2016_musd'))} million USD of cash (median; "
        f"{r.summary(b, 'plant_cash_2016_musd')} across seeds). In the seeds where it stops, China's share of US "
        f"purchases has risen by {fmt(r.median(b, 'china_share_rise_before_stop'))} from the opening year to the "
        f"last full year before the stop while US purchases grew to "
        f"{fmt(r.median(b, 'us_purchases_ratio_before_stop'))} times their opening level (medians; the plant's "
        f"sales fall below half its best year's in {r.share(b, 'stops_after_sales_fall'):.0%} of all seeds), and "
        f"it stops for its losses ({r.share(b, 'stops_for_losses'):.0%} of all seeds) with its price at "
        f"{fmt(r.median(b, 'stop_price_over_variable_cost'))} times its processing and oxide cost (median, from the "
        f"logged reason): a firm stops after a year of losses that has left it without cash or with a price no "
        f"higher than its processing and oxide cost. Its lowest December cash in {TROUGH_YEARS[0]}-"
        f"{TROUGH_YEARS[1]} is {r.summary(b, 'plant_min_cash_2017_2020_musd')} million USD (median [band]); where it "
        f"survives that cash lasts. China makes {fmt(r.median(b, 'china_share_magnets_2020'))} of the world's "
        f"magnets in 2020 (median; F31: about 90%).",
        "",
        f"Decided in {LATE_BUILD_DATE[:4]} instead of 2011, the same plant opens in "
        f"{fmt(r.median(late, 'plant_open_year'))}, after magnet prices fell, and first stops in "
        f"{fmt(r.median(late, 'plant_stop_year'))} (median; it survives to {SURVIVE_YEAR} in "
        f"{r.share(late, 'plant_survives_to_2025'):.0%} of seeds, stops in 2018-2022 in "
        f"{r.share(late, 'plant_stops_2018_2022'):.0%}), for its losses (another reason in "
        f"{r.share(late, 'stops_for_another_reason'):.0%} of seeds), with its lowest December cash in "
        f"{TROUGH_YEARS[0]}-{TROUGH_YEARS[1]} at {fmt(r.median(late, 'plant_min_cash_2017_2020_musd'))} million USD "
        f"and its price at {fmt(r.median(late, 'stop_price_over_variable_cost'))} times its processing and oxide "
        f"cost (medians).",
        "",
        f"The counterfactuals run to {CF_UNTIL}:",
        "",
    ]
    for v in r.experiment.variants:
        lo, hi = r.band(v.name, "plant_stop_year")
        lines.append(
            f"- **{v.name}** ({v.label}): first stop {fmt(r.median(v.name, 'plant_stop_year'))} "
            f"(90% of seeds {fmt(lo)} to {fmt(hi)}); survives to {SURVIVE_YEAR} in "
            f"{r.share(v.name, 'plant_survives_to_2025'):.0%} of seeds; output in 2020 "
            f"{fmt(r.median(v.name, 'plant_output_2020_t'))} t ({MAGNEQUENCH}: "
            f"{fmt(r.median(v.name, 'magnequench_output_2020_t'))} t); China's share of US magnet purchases in "
            f"2020 {fmt(r.median(v.name, 'us_china_share_2020'))}."
        )
    shares = [r.share(_premium_name(p), "plant_survives_to_2025") for p in PREMIUMS]
    row_selling = r.values(b, "us_row_share_2020") > 0  # the seeds where the rest-of-world makers still produce
    row_ask = r.values(tar, "row_over_china_price_2020")[row_selling].median() if row_selling.any() else math.nan
    premiums = ", ".join(f"{p:.0%}" for p in PREMIUMS)
    lines += [
        "",
        f"A domestic premium of {PREMIUMS[-1]:.0%} keeps US buyers off Chinese magnets from the start: China's "
        f"share of their purchases in the plant's opening year is "
        f"{fmt(r.median(top, 'us_china_share_at_opening'))} with it against "
        f"{fmt(r.median(b, 'us_china_share_at_opening'))} without it, and in 2020 "
        f"{fmt(r.median(top, 'us_china_share_2020'))} against {fmt(r.median(b, 'us_china_share_2020'))} (medians). "
        f"The plant holds {fmt(r.median(top, 'plant_cash_2016_musd'))} million USD at the end of {CASH_YEAR} and "
        f"at least {fmt(r.median(top, 'plant_min_cash_2017_2020_musd'))} in {TROUGH_YEARS[0]}-{TROUGH_YEARS[1]} "
        f"(medians), though it still asks {fmt(r.median(top, 'plant_over_china_price_2020'))} times the Chinese "
        f"makers' ask in December 2020 where it produces (median). Most of the US buyers the premium moves go to "
        f"{MAGNEQUENCH} (99.9%, cheaper than the plant): its 2020 output is "
        f"{fmt(r.median(top, 'magnequench_output_2020_t'))} t with the premium against "
        f"{fmt(r.median(b, 'magnequench_output_2020_t'))} t without it (medians). Survival to {SURVIVE_YEAR} at "
        f"premiums of {premiums}: "
        f"{', '.join(_pct(x) for x in shares)}, {_trend(shares)}.",
        "",
        f"The tariff raises the price of Chinese magnets in the USA by {TARIFF_RATE:.0%}, much less than the gap "
        f"between the plant's ask and theirs (the plant asks {fmt(r.median(tar, 'plant_over_china_price_2014'))} "
        f"times the Chinese makers' ask in December 2014 with the tariff, median). The makers abroad take the buyers "
        f"it moves: {ROW_MAKERS} (asking {fmt(row_ask)} times the Chinese makers' ask in December 2020 there) in "
        f"the {int(row_selling.sum())} of {len(r.seeds)} seeds where they still sell to US buyers in "
        f"2020 without the tariff, else the Japanese makers (asking "
        f"{fmt(r.median(tar, 'japan_over_china_price_2020'))} times), and {MAGNEQUENCH} (2020 output "
        f"{fmt(r.median(tar, 'magnequench_output_2020_t'))} t against "
        f"{fmt(r.median(b, 'magnequench_output_2020_t'))} t without the tariff; medians): "
        f"China's share of US purchases in 2020 falls to "
        f"{fmt(r.median(tar, 'us_china_share_2020'))}, the rest of the world's is "
        f"{fmt(r.median(tar, 'us_row_share_2020'))} (against {fmt(r.median(b, 'us_row_share_2020'))} without it) "
        f"and Japan's {fmt(r.median(tar, 'us_japan_share_2020'))} (against "
        f"{fmt(r.median(b, 'us_japan_share_2020'))}; medians). The plant survives to {SURVIVE_YEAR} in "
        f"{r.share(tar, 'plant_survives_to_2025'):.0%} of seeds with the tariff, against "
        f"{r.share(b, 'plant_survives_to_2025'):.0%} without it.",
        "",
        f"The defence contract at {OFFTAKE_FLOOR_USD_PER_KG:g} USD/kg lets the plant ask the market's price while "
        f"the state tops its receipts up to the floor; orders come in and it builds, from its own cash, to "
        f"{fmt(r.median(off, 'plant_capacity_2018_t'))} t/yr by {TROUGH_YEAR} against "
        f"{fmt(r.median(b, 'plant_capacity_2018_t'))} t/yr without the contract (medians). It survives to "
        f"{SURVIVE_YEAR} in "
        f"{r.share(off, 'plant_survives_to_2025'):.0%} of seeds (first stop {fmt(r.median(off, 'plant_stop_year'))}, "
        f"median; lowest December cash in {TROUGH_YEARS[0]}-{TROUGH_YEARS[1]} "
        f"{fmt(r.median(off, 'plant_min_cash_2017_2020_musd'))} million USD). With a floor of "
        f"{OFFTAKE_HIGH_FLOOR_USD_PER_KG:g} USD/kg it survives in {r.share(high, 'plant_survives_to_2025'):.0%} of "
        f"seeds and grows to {fmt(r.median(high, 'plant_capacity_2025_t'))} t/yr by {SURVIVE_YEAR}. US floor and "
        f"offtake payments are {fmt(r.median(off, 'us_floor_offtake_musd'))} and "
        f"{fmt(r.median(high, 'us_floor_offtake_musd'))} million USD with the two contracts against "
        f"{fmt(r.median(tar, 'us_floor_offtake_musd'))} million USD without one (the tariff world; all to "
        f"{SURVIVE_YEAR} and including the 2025 NdPr floor of Mountain Pass Separation).",
    ]
    return "\n".join(lines)


def figures(r: Result, out: Path) -> list[tuple[str, str]]:
    names = [v.name for v in r.experiment.variants]
    premium_names = [_premium_name(p) for p in PREMIUMS]
    x = [100 * p for p in PREMIUMS]
    ys = {
        "domestic premium": [r.share(n, "plant_survives_to_2025") for n in premium_names],
        f"{TARIFF_RATE:.0%} tariff on Chinese magnets, no premium": [r.share("tariff_25", "plant_survives_to_2025")]
        * len(x),
        "defence offtake contract, no premium": [r.share("defence_offtake", "plant_survives_to_2025")] * len(x),
        f"decided in {LATE_BUILD_DATE[:4]}, no premium": [r.share("late_build", "plant_survives_to_2025")] * len(x),
    }
    curve_figure(
        x,
        ys,
        out / "survival.png",
        xlabel="US magnet buyers' domestic premium willingness, %",
        ylabel=f"share of seeds producing at the end of {SURVIVE_YEAR}",
        title=f"Hitachi NC survives to {SURVIVE_YEAR}? ({len(r.seeds)} seeds; others: flat references)",
    )
    stops = r.indicators.set_index("variant")["plant_stop_year"]
    rows = {f"premium {p:.0%}": stops.loc[[n]].tolist() for p, n in zip(PREMIUMS, premium_names, strict=True)}
    rows |= {f"{TARIFF_RATE:.0%} tariff": stops.loc[["tariff_25"]].tolist()}
    rows |= {"defence offtake": stops.loc[["defence_offtake"]].tolist()}
    rows |= {f"offtake, floor {OFFTAKE_HIGH_FLOOR_USD_PER_KG:g}": stops.loc[["defence_offtake_48"]].tolist()}
    rows |= {f"decided in {LATE_BUILD_DATE[:4]}": stops.loc[["late_build"]].tolist()}
    count_figure(
        rows,
        out / "stop_year.png",
        xlabel=f"year Hitachi NC first mothballs or closes ({SURVIVE_YEAR + 1} = no stop by {SURVIVE_YEAR})",
        title=f"Hitachi NC: the first stop in each of {len(r.seeds)} seeds",
        mark=(2020, "real closure 2020"),
    )
    columns = {
        "plant_output_t": "Hitachi NC output, t/yr",
        "us_china_share": "China's share of US purchases",
        "price_magnet": "magnet price index, USD/kg",
    }
    window = {"logy": ("price_magnet",), "start": "2010-01", "end": f"{SURVIVE_YEAR}-12"}
    band_figure(
        r, columns, out / "plant.png", variants=[n for n in names if n in ("baseline", TOP, "tariff_25")],
        title="Hitachi NC and US magnet buyers", **window,
    )  # fmt: skip
    band_figure(
        r, columns, out / "offtake.png",
        variants=[n for n in names if n in ("baseline", "defence_offtake", "defence_offtake_48")],
        title="Hitachi NC with a defence contract", **window,
    )  # fmt: skip
    return [
        (
            "survival.png",
            f"Share of seeds in which the plant is still producing at the end of {SURVIVE_YEAR}, against US "
            "buyers' domestic premium; the tariff, the offtake contract and the later decision to build (all "
            "without a premium) as flat lines.",
        ),
        (
            "stop_year.png",
            f"The year the plant first mothballs or closes, by US buyers' domestic premium, with the tariff, the "
            f"offtake contracts or the later decision to build: each disc's number (and area) is the seeds that "
            f"stop that year ({SURVIVE_YEAR + 1}: no stop by {SURVIVE_YEAR}).",
        ),
        (
            "plant.png",
            f"The plant's yearly output, China's share of US magnet buyers' purchases (flows) and the world "
            f"magnet price index, with a {PREMIUMS[-1]:.0%} premium and with the tariff.",
        ),
        (
            "offtake.png",
            "The same with the defence contract: the plant sells at the market price, topped up by the state, "
            "and grows, more with the higher floor.",
        ),
    ]


EXPERIMENT = Experiment(
    name="hitachi_nc",
    title="Hitachi Metals North Carolina: a US magnet plant after the embargo",
    question=(
        "Why did the Hitachi Metals magnet plant in North Carolina, built after the 2010 embargo at higher "
        "costs than Ganzhou, close, and what (a domestic premium, a tariff, a defence offtake) would have "
        "kept it open?"
    ),
    variants=VARIANTS,
    measure=measure,
    checks=CHECKS,
    indicators=INDICATORS,
    narrative=narrative,
    figures=figures,
)

__all__ = ["EXPERIMENT", "defence_offtake", "later_build", "measure", "us_domestic_premium", "us_magnet_tariff"]
