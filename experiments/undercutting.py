"""Undercutting: why did Mountain Pass, the world's main rare-earth mine until the late 1980s, stop
around 2002?

China's mining grows fast from the 1980s at low environmental and labour costs, under state
direction (its undercutting rule answers foreign capacity growth with lower asking prices and
state-paid capacity). The world price falls, Mountain Pass makes losses and mothballs. The
counterfactuals remove one cause each: Chinese costs at Western environmental standards; no state
direction or subsidy; both; a US price floor under Mountain Pass's concentrate from 1995; US
stockpile purchases of concentrate in the 1990s, of 20 kt and of 60 kt. Each shows the year the mine
stops, or that it survives to 2010.

The mine stops when its cash runs out after years of losses, so a stockpile helps it only by the cash
it adds. In most seeds of the history world the 20 kt stockpile of 1993 is met by the spare supply of
the time (the monazite producers still mine and Mountain Pass runs below capacity): it barely lifts the
price and does not move the stop. The 60 kt stockpile exceeds that supply, lifts the price and keeps
the mine going for years.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import TYPE_CHECKING

from experiments import edits
from experiments.experiment import Check, Experiment, Measures, Result, Variant
from experiments.metrics import RunOutput
from experiments.report import band_figure, count_figure, fmt

if TYPE_CHECKING:
    from model.model import RareEarthModel

MINE = "Mountain Pass"
SPARE_MINES = "Monazite producers"
"""The Western mines whose idle capacity is the world's spare supply when a 1993 stockpile starts."""
CF_UNTIL = "2010-12"
"""The counterfactuals run to 2010: the question is whether the mine stops before the 2010 crisis."""
PATH_YEARS = (1985, 2010)
STOP_KINDS = ("mothball", "close")
STOCKPILE_T = 20000.0
"""The 1990s stockpile: about a third of the world's yearly mining around 1993."""
LARGE_STOCKPILE_T = 60000.0
"""A stockpile three times larger: more than the world's spare mining supply of 1993-95 can fill."""
FILL_YEARS = (1993, 1995)
"""The years in which a stockpile started in 1993 mostly fills (the state buys a twelfth of the gap a month)."""
CASH_YEAR = 1996
"""The year after the fill: the mine's cash then is what carries it through its losses."""
USD_PER_MUSD = 1e6


def us_price_floor(data: edits.Data, usd_per_kg: float = 3.5, start: str = "1995-01", years: float = 15) -> None:
    """The USA guarantees Mountain Pass a price for its concentrate (with offtake)."""
    edits.add_event(
        data, date=start, kind="price_floor", state="USA", firm=MINE, tier="concentrate",
        usd_per_kg=usd_per_kg, years=years, note="counterfactual (undercutting)",
    )  # fmt: skip


def us_stockpile(data: edits.Data, target_t: float = STOCKPILE_T, start: str = "1993-01") -> None:
    """The USA builds a strategic stockpile of concentrate from `start` (bought on the market)."""
    edits.add_event(
        data, date=start, kind="stockpile", state="USA", tier="concentrate", target_t=target_t,
        note="counterfactual (undercutting)",
    )  # fmt: skip


def measure(run: RunOutput, model: RareEarthModel) -> Measures:
    """The mine's first stop (year, reason), China's mining share, the world price fall, the price
    while a stockpile fills and the mine's cash after it."""
    ev = run.events
    stops = ev[(ev["actor"] == MINE) & ev["kind"].isin(STOP_KINDS)]
    stop_year = float(stops["date"].iloc[0][:4]) if len(stops) else run.after_end
    restarts = ev[(ev["actor"] == MINE) & (ev["kind"] == "restart")]
    restart_year = float(restarts["date"].iloc[0][:4]) if len(restarts) else run.after_end
    by_losses = float(len(stops) > 0 and "losses" in str(stops["detail"].iloc[0]))
    s = run.series
    year = s["date"].str[:4].astype(int)
    yearly = s.assign(year=year)[(year >= PATH_YEARS[0]) & (year <= PATH_YEARS[1])].groupby("year")
    paths = yearly[["price_concentrate", "price_ndpr_oxide", "china_share_mining"]].mean().reset_index()
    ag = run.agents
    mine = ag[ag["name"] == MINE].assign(year=ag["date"].str[:4].astype(int))[["year", "output_t"]]
    cash = ag[(ag["name"] == MINE) & (ag["date"].str[:4] == str(CASH_YEAR))]["cash"]
    spare = ag[(ag["name"] == SPARE_MINES) & (ag["date"].str[:4] == str(FILL_YEARS[0]))]["output_t"]
    paths = paths.merge(mine.rename(columns={"output_t": "mine_output_t"}), on="year", how="left")
    paths = paths.rename(columns={"year": "date"})
    paths["date"] = paths["date"].astype(str)

    def mean(column: str, first: int, last: int) -> float:
        rows = s[(year >= first) & (year <= last)]
        return float(rows[column].mean()) if len(rows) else math.nan

    scalars = {
        "mine_stop_year": stop_year,
        "mine_stops_1998_2004": float(1998 <= stop_year <= 2004),
        "mine_stops_by_2010": float(stop_year <= 2010),
        "mine_restart_year": restart_year,
        "first_stop_for_losses": by_losses,
        "china_mining_share_1990": mean("china_share_mining", 1990, 1990),
        "china_mining_share_2004_06": mean("china_share_mining", 2004, 2006),
        "china_mining_share_2010": mean("china_share_mining", 2010, 2010),
        "concentrate_price_2000_over_1988": mean("price_concentrate", 2000, 2000)
        / mean("price_concentrate", 1988, 1988),
        "concentrate_price_1993_95": mean("price_concentrate", *FILL_YEARS),
        "mine_cash_1996_musd": float(cash.iloc[-1]) / USD_PER_MUSD if len(cash) else math.nan,
        "monazite_mining_1993_t": float(spare.iloc[-1]) if len(spare) else math.nan,
    }
    return Measures(scalars, paths)


VARIANTS = (
    Variant("baseline", "the history world as it is"),
    Variant(
        "western_costs",
        "Chinese firms pay US environmental compliance costs",
        (edits.western_env_costs,),
        until=CF_UNTIL,
    ),
    Variant(
        "no_state_direction",
        "no Chinese state direction: no undercutting rule, directed growth, subsidies or state backing",
        (edits.no_state_direction,),
        until=CF_UNTIL,
    ),
    Variant("western_china", "both of the above", (edits.western_china,), until=CF_UNTIL),
    Variant(
        "us_floor_1990s",
        "a US price floor of 3.5 USD/kg under Mountain Pass concentrate, 1995-2009, with offtake",
        (us_price_floor,),
        until=CF_UNTIL,
    ),
    Variant(
        "us_stockpile_1990s",
        "US stockpile purchases of 20 kt of concentrate on the world market from 1993",
        (functools.partial(us_stockpile),),
        until=CF_UNTIL,
    ),
    # the 20 kt stockpile is met by the spare supply of 1993 (see `why_if_fail` below); this one is not
    Variant(
        "us_stockpile_large",
        "US stockpile purchases of 60 kt of concentrate on the world market from 1993",
        (functools.partial(us_stockpile, target_t=LARGE_STOCKPILE_T),),
        until=CF_UNTIL,
    ),
)

CHECKS = (
    Check(
        "Mountain Pass stops (mothballs or closes) around the turn of the century",
        "baseline", "mine_stop_year", lo=1998, hi=2004, fact="F06", target="2002 (mine closed)",
        why_if_fail="the mine's losses come later or earlier than the real closure",
    ),
    Check(
        "in most seeds the stop comes in 1998-2004", "baseline", "mine_stops_1998_2004", lo=0.8, stat="share",
        fact="F06", target="most seeds",
    ),
    Check(
        "the mine's first stop is for losses", "baseline", "first_stop_for_losses", lo=0.8, stat="share",
        target="price competition (F06)",
    ),
    Check(
        "Mountain Pass restarts once prices are high again, after the 2010 shock", "baseline", "mine_restart_year",
        lo=2011, hi=2013, fact="F23", target="2012-08 (Molycorp restarts mining)",
        why_if_fail=(
            "the mine restarts only after the concentrate price it sells at has stood above `restart_margin` "
            "times its full cost for `restart_months`, and then takes `restart_lead_months` (12) to produce; the "
            "2011 spike is mostly the export rent on oxides, and the concentrate price stays below that bar in "
            "2011-12; it clears it only on the rise of 2013-14, so the mine produces again from late 2014 or 2015"
        ),
    ),
    Check(
        "China's share of world mining around 1990 is a minority", "baseline", "china_mining_share_1990", hi=0.4,
        target="about a quarter (F04, calibration)",
    ),
    Check(
        "China's share of world mining in 2010", "baseline", "china_mining_share_2010", lo=0.85, hi=1.0,
        fact="F08", target="about 95%",
    ),
    Check(
        "at Western environmental costs the mine stops later (years)", "western_costs", "mine_stop_year",
        versus="baseline", lo=1, target="later",
        why_if_fail="China's ores stay the cheapest even at US compliance costs, so its price still undercuts the mine",
    ),
    Check(
        "without state direction the mine stops later (years)", "no_state_direction", "mine_stop_year",
        versus="baseline", lo=1, target="later",
        why_if_fail=(
            "in the model state direction paces China's growth as much as it cuts its prices: directed firms add "
            "at most `directed_growth_max` of capacity a year (0.2 for mining), while China's cheap commercial "
            "mines, left alone, grow at up to `invest_growth` (0.5), take a larger share sooner and close the "
            "mine as early or earlier; it is China's low costs, with or without direction, that undercut it"
        ),
    ),
    Check(
        "without both the mine stops later (years)", "western_china", "mine_stop_year", versus="baseline", lo=2,
        target="later",
    ),
    Check(
        "without both China's 2004-06 mining share is lower", "western_china", "china_mining_share_2004_06",
        versus="baseline", hi=-0.1, target="lower",
    ),
    Check(
        "with a US price floor the mine keeps producing to 2010", "us_floor_1990s", "mine_stops_by_2010", hi=0.2,
        stat="share", target="few seeds stop",
    ),
    Check(
        "US stockpile purchases on the world market delay the stop (years)", "us_stockpile_1990s",
        "mine_stop_year", versus="baseline", lo=1, target="later",
        why_if_fail=(
            "in most seeds the world has spare supply in 1993: the monazite producers still mine and Mountain "
            "Pass runs below capacity, so the purchases are met by more output, lift the 1993-95 concentrate "
            "price only a few percent and leave the mine's cash, which is what carries it through its losses, "
            "as it was; they also keep the monazite producers going into 1995, where they take sales from the "
            "mine (in a seed where the monazite producers stopped before 1993 the same purchases lift the price "
            "and delay the stop by years)"
        ),
    ),
    Check(
        "a stockpile larger than the spare supply delays the stop (years)", "us_stockpile_large",
        "mine_stop_year", versus="baseline", lo=2, target="later",
    ),
    Check(
        "a stockpile larger than the spare supply lifts the 1993-95 concentrate price (USD/kg)",
        "us_stockpile_large", "concentrate_price_1993_95", versus="baseline", lo=1.0, target="higher",
    ),
)  # fmt: skip

INDICATORS = {
    "mine_stop_year": "year of Mountain Pass's first mothball or close (the year after the horizon if none)",
    "mine_stops_1998_2004": "1 if that year is 1998-2004",
    "mine_stops_by_2010": "1 if the mine stops by 2010",
    "first_stop_for_losses": "1 if the first stop's reason is losses",
    "mine_restart_year": "year Mountain Pass first produces again after a stop (the year after the horizon if never)",
    "china_mining_share_1990": "China's share of world mining, 1990 mean",
    "china_mining_share_2004_06": "China's share of world mining, 2004-06 mean",
    "china_mining_share_2010": "China's share of world mining, 2010 mean",
    "concentrate_price_2000_over_1988": "concentrate price index, 2000 mean over 1988 mean",
    "concentrate_price_1993_95": "concentrate price index, 1993-95 mean (USD/kg), while a 1993 stockpile fills",
    "mine_cash_1996_musd": "Mountain Pass's cash at the end of 1996, M USD (its losses begin about then)",
    "monazite_mining_1993_t": "the monazite producers' 1993 output, t (0: they, the spare supply, have stopped)",
}


def narrative(r: Result) -> str:
    stop = r.median("baseline", "mine_stop_year")
    lines = [
        f"In the history world China's share of world mining grows from "
        f"{fmt(r.median('baseline', 'china_mining_share_1990'))} in 1990 to "
        f"{fmt(r.median('baseline', 'china_mining_share_2004_06'))} in 2004-06 (medians across seeds). "
        f"The concentrate price index in 2000 is {fmt(r.median('baseline', 'concentrate_price_2000_over_1988'))} "
        f"times its 1988 level. Mountain Pass, which cannot cover its costs at that price, mothballs in "
        f"{fmt(stop)} (median; 90% of seeds {fmt(r.band('baseline', 'mine_stop_year')[0])} to "
        f"{fmt(r.band('baseline', 'mine_stop_year')[1])}); in {r.share('baseline', 'first_stop_for_losses'):.0%} "
        f"of seeds the reason logged in `events` is its losses. Nothing of this is dated in the scenario: "
        f"it holds China's growth, costs and policy as causes.",
        "",
        "The year the mine first stops in each world (the counterfactuals run to 2010; a stop year of "
        "2011 means it survives):",
        "",
    ]
    lines_after = [
        "",
        f"The causes work together. Western compliance costs alone delay the stop by "
        f"{_years(_diff(r, 'western_costs'))} (median of the seed-by-seed difference), and without state "
        f"direction {_no_direction(r)}. Only both together, a commercial China at "
        f"Western costs, keep the mine going {_years(_diff(r, 'western_china'))} longer. A US price floor under "
        f"the mine's concentrate removes the cause of its losses, and it produces to 2010 in "
        f"{1 - r.share('us_floor_1990s', 'mine_stops_by_2010'):.0%} of seeds.",
        "",
        f"US stockpile purchases of 20 kt on the world market delay the stop by "
        f"{_years(_diff(r, 'us_stockpile_1990s'))}: while the stock fills, the 1993-95 concentrate price is "
        f"{fmt(r.median('us_stockpile_1990s', 'concentrate_price_1993_95'))} USD/kg against "
        f"{fmt(r.median('baseline', 'concentrate_price_1993_95'))}, and the mine's cash at the end of "
        f"{CASH_YEAR} differs by {fmt(_median_diff(r, 'us_stockpile_1990s', 'mine_cash_1996_musd'))} M USD "
        f"from the baseline's (medians). {_spare(r)} The mine stops when its cash runs out, so a purchase "
        f"matters only as far as it adds to that cash. A 60 kt stockpile, more than the spare supply can fill, "
        f"lifts the price to "
        f"{fmt(r.median('us_stockpile_large', 'concentrate_price_1993_95'))} USD/kg, adds "
        f"{fmt(_median_diff(r, 'us_stockpile_large', 'mine_cash_1996_musd'))} M USD to the mine's cash and "
        f"delays the stop by {_years(_diff(r, 'us_stockpile_large'))} (it stops by 2010 in "
        f"{r.share('us_stockpile_large', 'mine_stops_by_2010'):.0%} of seeds).",
    ]
    for v in r.experiment.variants:
        share = r.share(v.name, "mine_stops_by_2010")
        lines.append(
            f"- **{v.name}** ({v.label}): stops in {fmt(r.median(v.name, 'mine_stop_year'))} "
            f"(90% of seeds {fmt(r.band(v.name, 'mine_stop_year')[0])} to "
            f"{fmt(r.band(v.name, 'mine_stop_year')[1])}); it stops by 2010 in {share:.0%} of seeds; "
            f"China's 2004-06 mining share {fmt(r.median(v.name, 'china_mining_share_2004_06'))}."
        )
    return "\n".join(lines + lines_after)


def _no_direction(r: Result) -> str:
    """What the mine does without state direction, against the baseline, and why when it stops no later."""
    d = _diff(r, "no_state_direction")
    diffs = (r.values("no_state_direction", "mine_stop_year") - r.values("baseline", "mine_stop_year")).dropna()
    earlier = float((diffs < 0).mean()) if len(diffs) else math.nan
    if math.isnan(d) or d > 0:
        return f"the mine stops {_years(d)} later"
    when = (
        f"stops {_years(-d)} *earlier*"
        if d < 0
        else f"stops *no later*: in the same year in the median seed, and earlier in {earlier:.0%} of seeds"
    )
    share, base = (
        r.median("no_state_direction", "china_mining_share_1990"),
        r.median("baseline", "china_mining_share_1990"),
    )
    why = (
        f"; China's commercial mines then grow faster than the state's plan allows (China's 1990 mining share "
        f"{fmt(share)} against {fmt(base)})"
        if share > base
        else ""
    )
    return f"the mine {when}{why}"


def _spare(r: Result) -> str:
    """In how many seeds the monazite producers still mine in 1993, and the 20 kt stockpile's effect in the others."""
    spare = r.values("baseline", "monazite_mining_1993_t") > 0
    lines = f"In {spare.mean():.0%} of seeds the monazite producers still mine in {FILL_YEARS[0]}"
    if spare.all():
        return lines + "."
    d = r.values("us_stockpile_1990s", "mine_stop_year") - r.values("baseline", "mine_stop_year")
    return (
        lines + f"; in the others they have stopped, the spare supply with them, and the 20 kt stockpile "
        f"delays the stop by {_years(float(d[~spare].median()))} (median)."
    )


def _years(x: float) -> str:
    return f"{fmt(x)} year" + ("" if x == 1 else "s")


def _diff(r: Result, variant: str) -> float:
    """Median across seeds of the variant's stop year minus the baseline's."""
    return _median_diff(r, variant, "mine_stop_year")


def _median_diff(r: Result, variant: str, indicator: str) -> float:
    """Median across seeds of the variant's indicator minus the baseline's."""
    d = (r.values(variant, indicator) - r.values("baseline", indicator)).dropna()
    return float(d.median()) if len(d) else math.nan


def figures(r: Result, out: Path) -> list[tuple[str, str]]:
    band_figure(
        r,
        {
            "price_concentrate": "concentrate, USD/kg",
            "china_share_mining": "China's share of mining",
            "mine_output_t": "Mountain Pass output, t/yr",
        },
        out / "undercutting.png",
        logy=("price_concentrate",),
        end="2010-12",
        title="Undercutting and Mountain Pass",
    )
    stop_figure(r, out / "stop_year.png")
    return [
        ("undercutting.png", "World concentrate price, China's mining share and Mountain Pass's output, by world."),
        (
            "stop_year.png",
            "The year Mountain Pass first stops, by world: each disc's number (and area) is the seeds "
            "that stop that year (2011: survives to 2010).",
        ),
    ]


def stop_figure(r: Result, path: Path) -> None:
    df = r.indicators[["variant", "mine_stop_year"]]
    years = {v: df.loc[df["variant"] == v, "mine_stop_year"].tolist() for v in dict.fromkeys(df["variant"])}
    count_figure(
        years, path, xlabel="year Mountain Pass first stops (2011 = survives to 2010)", mark=(2002, "real closure 2002")
    )


EXPERIMENT = Experiment(
    name="undercutting",
    title="Undercutting and the closure of Mountain Pass",
    question=(
        "Why did Mountain Pass, the world's main rare-earth mine, stop around 2002, and which of "
        "China's advantages (low environmental costs, state direction) made it stop?"
    ),
    variants=VARIANTS,
    measure=measure,
    checks=CHECKS,
    indicators=INDICATORS,
    narrative=narrative,
    figures=figures,
)

__all__ = ["EXPERIMENT", "measure", "us_price_floor", "us_stockpile"]
