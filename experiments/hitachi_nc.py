"""Hitachi Metals North Carolina: why did the US magnet plant built after the 2010 embargo close,
and what would have kept it open?

After China's 2010 embargo on Japan, Hitachi Metals decides to build a sintered NdFeB magnet
plant in North Carolina (the scenario dates the decision, 2011-06; F26). Whether it then survives
is the agents' business. Buyers choose their suppliers by landed cost (a logit with loyalty and a
switching cost); the plant buys its NdPr and DyTb oxides at the price outside China, while Chinese
magnet makers buy them at home at the lower domestic price and sell far cheaper magnets. Its
market is the 99.99% grade, which only it, the Japanese makers and Vacuumschmelze make, and which
Japan's car and motor makers require; it opens at the ask it set from its costs when planned,
against rivals whose asks then carry the 2011-12 oxide price peak. The baseline reports the year
the plant first stops (mothballs or closes), the reason it logs, what its rivals asked when it
opened and what US magnet buyers did meanwhile (flows). The counterfactuals change one cause each
and run to 2025: US magnet buyers willing to pay a premium for US-made magnets (20% to 40%), a 25%
US tariff on Chinese magnets from 2013, and a defence contract from the plant's opening (a price
floor at about its full cost for 10 years, with offtake of its unsold magnets).
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
REAL_CLOSURE_YEAR = 2020
"""F27: the plant closed in 2020."""
CLOSURE_WINDOW_YEARS = 2
"""The F27 check accepts a first stop within this many years of the real closure."""
SWITCH_SHARE_RISE = 0.0
"""'US buyers switch to Chinese suppliers': China's share of US magnet purchases rises from the
plant's opening year to the last full year before its stop, by more than this."""
DEMAND_HOLDS_RATIO = 0.9
"""...while US magnet purchases in that year are at least this share of those in the opening year."""
SALES_FALL_RATIO = 0.5
"""'The plant's sales fall': its output in that year is below this share of its best year's."""
RIVALS_DEARER_RATIO = 1.25
"""For the report: seeds in which the plant's rivals of its grade ask at least this much over its
own ask in the December before it opens (the plant enters their market cheaper)."""
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


# --- measures -----------------------------------------------------------------------------------
def us_magnet_purchases(run: RunOutput) -> pd.DataFrame:
    """Per year: US magnet buyers' purchases (t), those from China (t), and China's share."""
    f = run.flows
    f = f[(f["tier"] == "magnet") & (f["destination"] == US) & f["channel"].isin(BUYER_CHANNELS)]
    f = f.assign(year=f["date"].str[:4].astype(int))
    total = f.groupby("year")["quantity_t"].sum()
    china = f[f["origin"] == CHINA].groupby("year")["quantity_t"].sum().reindex(total.index, fill_value=0.0)
    out = pd.DataFrame({"us_magnet_purchases_t": total, "us_magnets_from_china_t": china})
    out["us_china_share"] = out["us_magnets_from_china_t"] / out["us_magnet_purchases_t"].where(lambda x: x > 0)
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
    margin = MARGIN_NOTE.search(reason)
    stop_margin = float(margin.group(1)) / float(margin.group(2)) if margin else math.nan
    sp = run.state_spending
    support = float(sp[(sp["country"] == US) & sp["item"].isin(SUPPORT_ITEMS)]["usd"].sum())

    def share_in(y: float) -> float:
        return float(buyers.at[int(y), "us_china_share"]) if not math.isnan(y) and int(y) in buyers.index else math.nan

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
        "stops_without_buyers_switching": float(stopped and not switched),
        "stops_while_still_selling": float(stopped and not output_ratio < SALES_FALL_RATIO),
        "stop_price_over_variable_cost": stop_margin,
        "rivals_price_over_plant_at_opening": rivals,
        "ndpr_2012_over_2009": run.year_mean("price_ndpr_oxide", 2012) / run.year_mean("price_ndpr_oxide", 2009),
        "plant_price_2014": december(run, PLANT, "price", 2014, operating=True),
        "china_magnet_price_2014": december(run, CHINESE_MAKERS, "price", 2014),
        "magnequench_price_2014": december(run, MAGNEQUENCH, "price", 2014),
        "china_magnet_price_2020": december(run, CHINESE_MAKERS, "price", 2020),
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
        f"a US floor of {OFFTAKE_FLOOR_USD_PER_KG:g} USD/kg (its full cost) and offtake, {OFFTAKE_START[:4]}-"
        f"{int(OFFTAKE_START[:4]) + int(OFFTAKE_YEARS)}",
        (defence_offtake,),
        until=CF_UNTIL,
    ),
)
TOP = _premium_name(PREMIUMS[-1])
OPENING_NOTE = (
    "the plant opens at the ask it set from its costs when planned, while its 99.99%-grade rivals (the "
    "Japanese makers, Vacuumschmelze) ask what the 2011-12 oxide peak left them; in the seeds where they ask "
    "far more it wins their buyers, Japan's car and motor makers, loyalty keeps them and it survives past "
    "2025, and where they do not it stops for its losses after its two-year start-up grace, in 2015-2017, not "
    "around 2020"
)
PREMIUM_NOTE = (
    "the premium is won first by Magnequench, the other US maker, which asks less than the plant and whose "
    "99.9% grade serves every US buyer; the plant's buyers are mostly Japanese, whom a US premium does not "
    "touch, and a premium held by US buyers from 1985 also changes the world the plant opens into (its rivals' "
    "asks when it opens)"
)

CHECKS = (
    Check(
        "the plant first stops (mothballs or closes) around 2020 (2026 = no stop by 2025)", "baseline",
        "plant_stop_year", lo=REAL_CLOSURE_YEAR - CLOSURE_WINDOW_YEARS, hi=REAL_CLOSURE_YEAR + CLOSURE_WINDOW_YEARS,
        fact="F27", target="2020 (closed)", why_if_fail=OPENING_NOTE,
    ),
    Check(
        "in most seeds the first stop comes in 2018-2022", "baseline", "plant_stops_2018_2022", lo=0.8,
        stat="share", fact="F27", target="most seeds", why_if_fail="as above: it stops in 2015-2017 or not by 2025",
    ),
    Check(
        "the plant stops by 2025 in at least 80% of seeds", "baseline", "plant_survives_to_2025", hi=0.2, stat="share",
        fact="F27", target="closed (share of seeds it survives to 2025 at most 20%)",
        why_if_fail=(
            "as above: where its rivals of its grade ask far more than it when it opens (after the 2011-12 oxide "
            "peak), it keeps their Japanese buyers and survives"
        ),
    ),
    Check(
        "when it stops, it stops for its losses (share of seeds with another first reason)", "baseline",
        "stops_for_another_reason", hi=0.2, stat="share", fact="F27", target="higher cost than Chinese suppliers",
    ),
    Check(
        "it stops after US buyers switch to Chinese suppliers: China's share of US magnet purchases rises from "
        "the opening year while US purchases hold (share of seeds in which it stops without that)",
        "baseline", "stops_without_buyers_switching", hi=0.2, stat="share", fact="F27",
        target="buyers unwilling to pay extra switched to Chinese suppliers",
    ),
    Check(
        "its sales fall before it stops: output below half its best year (share of seeds in which it stops "
        "while still selling more)",
        "baseline", "stops_while_still_selling", hi=0.2, stat="share", fact="F27",
        target="sales fall while US demand holds",
        why_if_fail=(
            "it often stops while it still sells half or more of its best year: its price covers its processing "
            "and oxides but not its fixed costs (the reason it logs), so it stops for losses, not for a collapse "
            "of its sales"
        ),
    ),
    Check(
        "China's share of world magnet output in 2020", "baseline", "china_share_magnets_2020", lo=0.85, hi=0.95,
        fact="F31", target="about 90%",
    ),
    Check(
        f"a {PREMIUMS[-1]:.0%} domestic premium lowers China's share of US magnet purchases in 2020", TOP,
        "us_china_share_2020", versus="baseline", hi=-0.1, target="lower",
    ),
    Check(
        f"with a {PREMIUMS[-1]:.0%} domestic premium the plant survives to 2025 in most seeds", TOP,
        "plant_survives_to_2025", lo=0.5, stat="share", target="survival rises with the premium",
        why_if_fail=PREMIUM_NOTE,
    ),
    Check(
        f"with a {PREMIUMS[-1]:.0%} domestic premium the plant stops later (years)", TOP, "plant_stop_year",
        versus="baseline", lo=1, target="later", why_if_fail=PREMIUM_NOTE,
    ),
    Check(
        f"a {TARIFF_RATE:.0%} tariff on Chinese magnets lowers China's share of US magnet purchases in 2020",
        "tariff_25", "us_china_share_2020", versus="baseline", hi=-0.1, target="lower",
    ),
    Check(
        f"a {TARIFF_RATE:.0%} tariff on Chinese magnets makes the plant stop later (years)", "tariff_25",
        "plant_stop_year", versus="baseline", lo=1, target="later",
        why_if_fail=(
            "Chinese magnets stay far cheaper than the plant's even with the tariff; the US buyers it moves go "
            "to Japanese, European and US makers alike, and the plant's buyers, mostly Japanese, are not touched "
            "by a US tariff, so its fate changes in both directions across seeds"
        ),
    ),
    Check(
        "a defence offtake contract keeps the plant producing to 2025", "defence_offtake", "plant_survives_to_2025",
        lo=0.8, stat="share", target="most seeds",
    ),
    Check(
        "a defence offtake contract makes the plant stop later (years)", "defence_offtake", "plant_stop_year",
        versus="baseline", lo=5, target="later",
        why_if_fail=(
            "the plant already survives to 2025 in most baseline seeds, where its stop year (2026: none by 2025) "
            "cannot move later; in the seeds where it stops, the contract keeps it producing to 2025"
        ),
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
    "stops_without_buyers_switching": "1 if it stops without that share rising while US purchases hold (>= 0.9)",
    "stops_while_still_selling": "1 if it stops with the output ratio at 0.5 or more",
    "stop_price_over_variable_cost": "at a stop for losses: its price over its processing and oxide cost (from "
    "the logged reason)",
    "rivals_price_over_plant_at_opening": "price of the other makers of its grade over the plant's ask, December "
    "before opening",
    "ndpr_2012_over_2009": "NdPr oxide price index, 2012 mean over 2009 mean (the post-embargo peak)",
    "plant_price_2014": "the plant's ask in December 2014 if it is producing then, USD/kg",
    "china_magnet_price_2014": "Chinese magnet makers' ask in December 2014, USD/kg",
    "magnequench_price_2014": "Magnequench's ask in December 2014, USD/kg",
    "china_magnet_price_2020": "Chinese magnet makers' ask in December 2020, USD/kg",
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
def _by_rivals(r: Result, variant: str) -> dict[str, float]:
    """Survival share, number of seeds and median NdPr peak (2012 over 2009) where the rivals of
    its grade asked at least RIVALS_DEARER_RATIO times the plant's ask before it opened ('dear')
    and where they did not ('level')."""
    df = r.indicators[r.indicators["variant"] == variant]
    dearer = df["rivals_price_over_plant_at_opening"] >= RIVALS_DEARER_RATIO
    out: dict[str, float] = {}
    for key, part in (("dear", df[dearer]), ("level", df[~dearer])):
        out[f"{key}_n"] = float(len(part))
        out[f"{key}_survive"] = float(part["plant_survives_to_2025"].mean()) if len(part) else math.nan
        out[f"{key}_ndpr"] = float(part["ndpr_2012_over_2009"].median()) if len(part) else math.nan
    return out


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


def narrative(r: Result) -> str:
    b, top, tar, off = "baseline", TOP, "tariff_25", "defence_offtake"
    lo, hi = r.band(b, "plant_stop_year")
    g = _by_rivals(r, b)
    lines = [
        f"In the history world the plant opens in {fmt(r.median(b, 'plant_open_year'))} and first stops in "
        f"{fmt(r.median(b, 'plant_stop_year'))} (median; 90% of seeds {fmt(lo)} to {fmt(hi)}; {SURVIVE_YEAR + 1} "
        f"means no stop by {SURVIVE_YEAR}), against its real closure in {REAL_CLOSURE_YEAR} (F27). It survives "
        f"to {SURVIVE_YEAR} in {r.share(b, 'plant_survives_to_2025'):.0%} of seeds. Where it stops, the reason "
        f"logged in `events` is its losses (another reason in {r.share(b, 'stops_for_another_reason'):.0%} of "
        f"seeds), with its price at {fmt(r.median(b, 'stop_price_over_variable_cost'))} times its processing "
        f"and oxide cost (median, from the logged reason): it covers its processing and its oxides, bought at the "
        f"price outside China, but not its fixed costs at the volume it sells.",
        "",
        f"Its market is the 99.99% grade, which Chinese magnet makers and {MAGNEQUENCH} (99.9%) do not make; "
        f"there it competes with Hitachi Metals Japan, Shin-Etsu and TDK and Vacuumschmelze. Who buys from it "
        f"is not in the tables; the magnet market's monthly allocations, read while stepping runs "
        f"(`model.markets['magnet'].allocation`), show that in its first years nearly all its sales go to "
        f"Japan's car and industrial-motor makers, the only buyers that require the 99.99% grade, and next to "
        f"none to US buyers; where it survives it later also sells to Chinese and other buyers. It opens at the "
        f"ask it set from its costs when it was planned, while its rivals' asks carry the oxide price peak "
        f"that followed the 2010 embargo. Whether it survives turns on that gap: where they ask at least "
        f"{RIVALS_DEARER_RATIO - 1:.0%} more than the plant in the December before it opens "
        f"({g['dear_n']:.0f} seeds; NdPr oxide in 2012 at {fmt(g['dear_ndpr'])} times its 2009 price, median) "
        f"it survives to {SURVIVE_YEAR} in {_pct(g['dear_survive'])} of them; elsewhere ({g['level_n']:.0f} "
        f"seeds; NdPr at {fmt(g['level_ndpr'])} times) in {_pct(g['level_survive'])}: buyers' loyalty keeps "
        f"what the plant wins when it opens. Nothing of this is dated: the scenario dates only the decision "
        f"to build.",
        "",
        f"US magnet buyers already take {fmt(r.median(b, 'us_china_share_at_opening'))} of their magnets from "
        f"China in the opening year (median). Where the plant stops, that share has risen by "
        f"{fmt(r.median(b, 'china_share_rise_before_stop'))} by the last full year before the stop, while US "
        f"purchases are {fmt(r.median(b, 'us_purchases_ratio_before_stop'))} times those of the opening year "
        f"(a stop without this switch in {r.share(b, 'stops_without_buyers_switching'):.0%} of seeds); the "
        f"plant's own output in that year is {fmt(r.median(b, 'plant_output_ratio_before_stop'))} of its best "
        f"year (a stop while it still sells half or more in {r.share(b, 'stops_while_still_selling'):.0%} of "
        f"seeds). Chinese magnet makers ask {fmt(r.median(b, 'china_magnet_price_2014'))} USD/kg in December "
        f"2014 against the plant's {fmt(r.median(b, 'plant_price_2014'))} (medians; the plant where it still "
        f"produces) and {fmt(r.median(b, 'china_magnet_price_2020'))} in 2020. China makes "
        f"{fmt(r.median(b, 'china_share_magnets_2020'))} of the world's magnets in 2020 (F31: about 90%).",
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
    ratios = ", ".join(fmt(r.median(_premium_name(p), "rivals_price_over_plant_at_opening")) for p in PREMIUMS)
    premiums = ", ".join(f"{p:.0%}" for p in PREMIUMS)
    c14 = r.median(tar, "china_magnet_price_2014")
    lines += [
        "",
        f"A domestic premium moves US buyers away from Chinese magnets (China's share of their purchases in "
        f"2020 falls from {fmt(r.median(b, 'us_china_share_2020'))} to {fmt(r.median(top, 'us_china_share_2020'))} "
        f"at {PREMIUMS[-1]:.0%}), but mostly to {MAGNEQUENCH}, which asks less than the plant "
        f"({fmt(r.median(top, 'magnequench_price_2014'))} against {fmt(r.median(top, 'plant_price_2014'))} "
        f"USD/kg in December 2014 at {PREMIUMS[-1]:.0%}, medians) and whose 99.9% grade serves every US buyer: "
        f"its 2020 output is {fmt(r.median(top, 'magnequench_output_2020_t'))} t against "
        f"{fmt(r.median(b, 'magnequench_output_2020_t'))} t without a premium (the allocations of stepped runs show "
        f"the plant's own sales to US buyers stay small). Survival to {SURVIVE_YEAR} at premiums of {premiums}: "
        f"{', '.join(_pct(x) for x in shares)}, {_trend(shares)}. The premium is a standing trait of buyers, so "
        f"it applies from 1985 and also changes the world the plant opens into: its rivals' ask over its own "
        f"before it opens is {ratios} (medians, same premiums).",
        "",
        f"The tariff raises the price of Chinese magnets in the USA by {TARIFF_RATE:.0%} (their December 2014 "
        f"ask, {fmt(c14)} USD/kg, to about {fmt(c14 * (1 + TARIFF_RATE))}), still below the plant's "
        f"{fmt(r.median(tar, 'plant_price_2014'))}: US buyers move to Japanese, European and US makers alike "
        f"(China's share of their purchases in 2020 {fmt(r.median(tar, 'us_china_share_2020'))}), and the "
        f"plant, whose buyers are mostly Japanese, survives to {SURVIVE_YEAR} in "
        f"{r.share(tar, 'plant_survives_to_2025'):.0%} of seeds against {r.share(b, 'plant_survives_to_2025'):.0%} "
        f"without it.",
        "",
        f"The defence contract keeps it producing: it asks no more than the market while the state tops its "
        f"receipts up to the floor, so it sells at the market price wherever its buyers are and grows to "
        f"{fmt(r.median(off, 'plant_capacity_2025_t'))} t/yr of capacity by {SURVIVE_YEAR}, mostly for buyers "
        f"abroad (China's share of US purchases in 2020 is still {fmt(r.median(off, 'us_china_share_2020'))}). "
        f"US floor and offtake payments to {SURVIVE_YEAR} are {fmt(r.median(off, 'us_floor_offtake_musd'))} "
        f"million USD with the contract against {fmt(r.median(tar, 'us_floor_offtake_musd'))} million USD "
        f"without it (the tariff world; both include the 2025 NdPr floor of Mountain Pass Separation).",
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
    }
    curve_figure(
        x,
        ys,
        out / "survival.png",
        xlabel="US magnet buyers' domestic premium willingness, %",
        ylabel=f"share of seeds producing at the end of {SURVIVE_YEAR}",
        title=f"Hitachi NC survives to {SURVIVE_YEAR}? ({len(r.seeds)} seeds; tariff, offtake: flat references)",
    )
    stops = r.indicators.set_index("variant")["plant_stop_year"]
    rows = {f"premium {p:.0%}": stops.loc[[n]].tolist() for p, n in zip(PREMIUMS, premium_names, strict=True)}
    rows |= {f"{TARIFF_RATE:.0%} tariff": stops.loc[["tariff_25"]].tolist()}
    rows |= {"defence offtake": stops.loc[["defence_offtake"]].tolist()}
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
        r, columns, out / "offtake.png", variants=[n for n in names if n in ("baseline", "defence_offtake")],
        title="Hitachi NC with a defence contract", **window,
    )  # fmt: skip
    return [
        (
            "survival.png",
            f"Share of seeds in which the plant is still producing at the end of {SURVIVE_YEAR}, against US "
            "buyers' domestic premium; the tariff and the offtake contract (both without a premium) as flat lines.",
        ),
        (
            "stop_year.png",
            f"The year the plant first mothballs or closes, by US buyers' domestic premium and with the tariff or "
            f"the offtake contract: each disc's number (and area) is the seeds that stop that year "
            f"({SURVIVE_YEAR + 1}: no stop by {SURVIVE_YEAR}).",
        ),
        (
            "plant.png",
            f"The plant's yearly output, China's share of US magnet buyers' purchases (flows) and the world "
            f"magnet price index, with a {PREMIUMS[-1]:.0%} premium and with the tariff.",
        ),
        (
            "offtake.png",
            "The same with the defence contract: the plant sells at the market price, topped up by the state, "
            "and grows.",
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

__all__ = ["EXPERIMENT", "defence_offtake", "measure", "us_domestic_premium", "us_magnet_tariff"]
