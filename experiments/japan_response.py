"""Japan's response to the 2010 shock: what did it change, and how exposed would Japan have been
to China's 2025 export controls without it?

Japan's shock rule (agents/state.py) answers China's 2010 embargo by raising its buyers' inventory
targets, putting a risk premium on supply from China, setting a state stockpile target and
co-financing the planned foreign projects waiting for finance: Lynas Mount Weld (Australia) and
Lynas Malaysia (F15, F16). None of this is dated in the scenario; Japan decides it when the shock
comes. The counterfactuals: no response at all (Japan's state is not shock-reactive, so no one
finances Lynas either); no Lynas (the two projects are not in the world, so the rest of the
response stays); the stockpile alone (no Lynas, no higher inventory targets, no risk premium);
and the stockpile with the inventory targets (no Lynas, no risk premium), which tells what the
targets do. Each shows Japan's share of its rare-earth imports from China before and after, and
its exposure to the licence delays on DyTb oxide and magnets from 2025-04-04 (F34): its
customers' unmet demand and need (`model.unmet_demand_by_country()`), its imports of the
controlled goods from China and its magnet makers' output.

Under the real two-month licences Japan's customers are bridged through the first months by
stocks: their own (the response adds `shock_inventory_months` to their inventory targets), their
magnet makers' (sold out within the first months) and, where they still run, the rest-of-world
magnet makers' exports; then the makers raise their output as oxide comes through. With the
response's inventory targets (baseline, no_lynas, stockpile_targets) no customer goes short, even
where the rest-of-world makers have closed; without them (no_response, stockpile_only) the bridge
is thinner, and with the stockpile alone the customers go a little short in the seeds where the
rest-of-world makers have closed (without the response those makers stay open). The stockpile does
not help: the state releases it only once import prices have doubled, which the licences do not
do. So each world is also run with a stronger cut that outlasts those stocks (the `cut_`
variants): on top of the licences, China stops all exports of magnets and of the oxides they are
made of for a year from 2025-04. That is where the response shows: its customers' inventory targets
and risk premium leave them less short than without it, and Lynas's oxide keeps them supplied where
Lynas still produces in 2025; in most seeds both Lynas plants have stopped by then (Mount Weld
mothballed when the concentrate price falls to its cost), and
the cut leaves Japan's customers about as short as in the world without Lynas.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from experiments import edits
from experiments.experiment import Check, Experiment, Measures, Result, Variant
from experiments.metrics import RunOutput
from experiments.report import band_figure, fmt
from model.params import ModelParams

if TYPE_CHECKING:
    from model.model import RareEarthModel

CF_UNTIL = "2026-12"
"""The counterfactuals run to 2026: the question ends with the first two years of the 2025 controls."""
JAPAN = "JPN"
CHINA = "CHN"
LYNAS = ("Lynas Mount Weld", "Lynas Malaysia")
INVENTORY_MONTHS = ModelParams().shock_inventory_months
"""Months Japan's shock rule adds to its customers' inventory targets (the history world keeps the default)."""
ROW_MAKERS = "Rest-of-world magnet makers"
"""The makers outside China, Japan, Europe and the USA: with their stocks, a bridge for Japan's buyers."""
MATERIAL_TIERS = ("concentrate", "ndpr_oxide", "dytb_oxide")
CONTROLLED_TIERS = ("dytb_oxide", "magnet")
"""What the 2025 licences cover in the history world (F34)."""
SHARE_WINDOWS = {"2005_09": (2005, 2009), "2014_19": (2014, 2019), "2018_20": (2018, 2020), "2020_24": (2020, 2024)}
CONTROLS = ("2025-04", "2026-12")
"""The controls' months that the counterfactuals cover."""
CONTROLS_REFERENCE = ("2024-01", "2024-12")
EMBARGO = ("2010-09", "2011-12")
"""The 2010 embargo and its aftermath, for Japan's customers' unmet demand."""
YEARLY_WINDOW = (2000, 2026)
MONTHLY_WINDOW = ("2021-01", "2026-12")
EXPOSURE_YEAR = 2024
CUT_START = "2025-04"
CUT_MONTHS = 12
CUT_TIERS = ("ndpr_oxide", "dytb_oxide", "magnet")
"""The stronger cut of the `cut_` variants: every export of magnets and their oxides, for a year
(the real licences delay DyTb oxide and magnets by two months on average, F34)."""


# --- counterfactual edits -----------------------------------------------------------------------
def no_response(data: edits.Data) -> None:
    """Japan does not react to supply shocks: no inventory targets, risk premium, stockpile or finance."""
    edits.state(data, JAPAN)["shock_reactive"] = False


def no_lynas(data: edits.Data) -> None:
    """The Lynas projects (Mount Weld, the Malaysian refinery) are not in the world, nor anything
    that names them."""
    for section in ("miners", "refiners", "magnet_makers"):
        data[section] = [f for f in data.get(section, []) if f["name"] not in LYNAS]
    data["events"] = [e for e in data.get("events", []) if e.get("firm") not in LYNAS]


def year_long_cut(data: edits.Data) -> None:
    """On top of the licences, China stops its exports of magnets, NdPr and DyTb oxide to every other
    country for `CUT_MONTHS` months from `CUT_START`: a cut that outlasts the magnet makers' stocks,
    which carry Japan through the real two-month licences in every world."""
    for st in data["states"]:
        if st["country"] != CHINA:
            edits.add_event(
                data, date=CUT_START, kind="embargo", state=CHINA, target=st["country"], tiers=list(CUT_TIERS),
                months=CUT_MONTHS, note="counterfactual (japan_response): a year-long stop of magnets and oxides",
            )  # fmt: skip


# --- measures --------------------------------------------------------------------------------
def _year(df: pd.DataFrame) -> pd.Series:
    return df["date"].str[:4].astype(int)


def japan_imports(flows: pd.DataFrame) -> pd.DataFrame:
    """Japan's imports (every channel) by date, tier and origin, t."""
    imp = flows[(flows["destination"] == JAPAN) & (flows["origin"] != JAPAN)]
    return imp.groupby(["date", "tier", "origin"], as_index=False)["quantity_t"].sum()


def china_share(imports: pd.DataFrame, tiers: tuple[str, ...], first: int, last: int) -> float:
    """China's share of Japan's imports of `tiers` (t) over the years."""
    year = _year(imports)
    rows = imports[imports["tier"].isin(tiers) & (year >= first) & (year <= last)]
    total = float(rows["quantity_t"].sum())
    return float(rows.loc[rows["origin"] == CHINA, "quantity_t"].sum()) / total if total > 0 else math.nan


def measure(run: RunOutput, model: RareEarthModel) -> Measures:
    """Japan's import shares from China, Lynas's opening, Japan's exposure to the 2025 controls."""
    imp = japan_imports(run.flows)
    s = run.series
    ev = run.events
    ag = run.agents.assign(year=_year(run.agents))
    scalars: dict[str, float] = {}
    for key, (first, last) in SHARE_WINDOWS.items():
        covered = all(run.covers(y) for y in range(first, last + 1))
        scalars[f"jp_china_share_oxides_{key}"] = china_share(imp, MATERIAL_TIERS, first, last) if covered else math.nan
        scalars[f"jp_china_share_magnets_{key}"] = china_share(imp, ("magnet",), first, last) if covered else math.nan
    scalars["jp_china_share_oxides_fall"] = (
        scalars["jp_china_share_oxides_2005_09"] - scalars["jp_china_share_oxides_2014_19"]
    )
    scalars["jp_china_share_oxides_2024"] = china_share(imp, MATERIAL_TIERS, EXPOSURE_YEAR, EXPOSURE_YEAR)
    scalars["jp_china_share_controlled_2024"] = china_share(imp, CONTROLLED_TIERS, EXPOSURE_YEAR, EXPOSURE_YEAR)

    # Japan's response and Lynas
    jp_events = ev[(ev["actor"] == JAPAN) & ev["detail"].str.startswith("supply shock")]
    scalars["jp_shock_2010"] = float(((jp_events["date"] >= "2010-01") & (jp_events["date"] <= "2011-12")).any())
    scalars["jp_shock_2025"] = (
        float(((jp_events["date"] >= "2025-01") & (jp_events["date"] <= CONTROLS[1])).any())
        if run.covers(2026)
        else math.nan
    )
    finance = ev[(ev["kind"] == "finance") & (ev["actor"] == LYNAS[0])]
    scalars["lynas_finance_year"] = float(finance["date"].iloc[0][:4]) if len(finance) else run.after_end
    scalars["lynas_mount_weld_open_year"] = run.first_event_year(LYNAS[0], ("open",))
    scalars["lynas_malaysia_open_year"] = run.first_event_year(LYNAS[1], ("open",))
    jp_state = ag[(ag["type"] == "state") & (ag["country"] == JAPAN) & (ag["year"] == EXPOSURE_YEAR)]
    lynas_2024 = ag[ag["name"].isin(LYNAS) & (ag["year"] == EXPOSURE_YEAR)].set_index("name")["output_t"]
    scalars["lynas_mount_weld_output_2024_t"] = float(lynas_2024.get(LYNAS[0], 0.0)) if run.covers(2024) else math.nan
    scalars["lynas_malaysia_output_2024_t"] = float(lynas_2024.get(LYNAS[1], 0.0)) if run.covers(2024) else math.nan
    scalars["lynas_runs_2024"] = (
        float(scalars["lynas_mount_weld_output_2024_t"] + scalars["lynas_malaysia_output_2024_t"] > 0)
        if run.covers(2024)
        else math.nan
    )
    scalars["jp_stockpile_2024_t"] = float(jp_state["capacity_t"].iloc[0]) if len(jp_state) else math.nan
    row_makers = ag[(ag["name"] == ROW_MAKERS) & (ag["year"] == EXPOSURE_YEAR)]
    scalars["row_magnet_output_2024_t"] = float(row_makers["output_t"].sum()) if run.covers(2024) else math.nan

    # exposure to the 2025 controls
    def monthly_mean(frame: pd.DataFrame, column: str, first: str, last: str) -> float:
        rows = frame[(frame["date"] >= first) & (frame["date"] <= last)]
        n = len(pd.period_range(first, last, freq="M"))
        return float(rows[column].sum()) / n

    controlled = imp[imp["tier"].isin(CONTROLLED_TIERS) & (imp["origin"] == CHINA)]
    before = monthly_mean(controlled, "quantity_t", *CONTROLS_REFERENCE)
    during = monthly_mean(controlled, "quantity_t", *CONTROLS)
    scalars["jp_controlled_from_china_2025_26_over_2024"] = during / before if before > 0 else math.nan
    dytb = imp[imp["tier"] == "dytb_oxide"]
    dytb_before = monthly_mean(dytb, "quantity_t", *CONTROLS_REFERENCE)
    scalars["jp_dytb_imports_2025_26_over_2024"] = (
        monthly_mean(dytb, "quantity_t", *CONTROLS) / dytb_before if dytb_before > 0 else math.nan
    )
    jp_makers = ag[(ag["country"] == JAPAN) & (ag["type"] == "magnet_maker")]
    makers = jp_makers.groupby("year")["output_t"].sum()
    made_2024 = float(makers.get(EXPOSURE_YEAR, math.nan))
    capacity_2024 = float(jp_makers.loc[jp_makers["year"] == EXPOSURE_YEAR, "capacity_t"].sum())
    scalars["jp_magnet_utilisation_2024"] = (
        made_2024 / capacity_2024 if run.covers(EXPOSURE_YEAR) and capacity_2024 > 0 else math.nan
    )
    scalars["jp_magnet_output_2025_26_over_2024"] = (
        float(makers.reindex([2025, 2026]).mean()) / made_2024
        if run.covers(2026) and made_2024 > 0  # no ratio to a year without output
        else math.nan
    )
    by_country = model.unmet_demand_by_country()
    jp = by_country[by_country["country"] == JAPAN]

    def customers(first: str, last: str, covered: bool) -> tuple[float, float, float]:
        """Japan's customers' unmet need, need (t) and their ratio over the months."""
        rows = jp[(jp["date"] >= first) & (jp["date"] <= last)]
        unmet, need = float(rows["unmet_t"].sum()), float(rows["need_t"].sum())
        if not covered:
            return math.nan, math.nan, math.nan
        return unmet, need, unmet / need if need > 0 else math.nan

    (
        scalars["jp_unmet_controls_t"],
        scalars["jp_need_controls_t"],
        scalars["jp_unmet_share_controls"],
    ) = customers(*CONTROLS, covered=run.covers(2026))
    scalars["jp_unmet_2010_11_t"] = customers(*EMBARGO, covered=run.covers(2011))[0]

    # paths: yearly shares and Lynas; monthly around the controls
    imp_y = imp.assign(year=_year(imp))
    years = [y for y in range(YEARLY_WINDOW[0], YEARLY_WINDOW[1] + 1) if run.covers(y)]

    def share_by_year(tiers: tuple[str, ...]) -> pd.Series:
        rows = imp_y[imp_y["tier"].isin(tiers)]
        total = rows.groupby("year")["quantity_t"].sum()
        china = rows[rows["origin"] == CHINA].groupby("year")["quantity_t"].sum()
        return (china.reindex(total.index, fill_value=0.0) / total).reindex(years)

    lynas = ag[ag["name"].isin(LYNAS)].pivot_table(index="year", columns="name", values="output_t", aggfunc="sum")
    lynas = lynas.reindex(index=years, columns=list(LYNAS))
    yearly = pd.DataFrame(
        {
            "date": [str(y) for y in years],
            "jp_china_share_oxides": share_by_year(MATERIAL_TIERS).to_numpy(),
            "jp_china_share_magnets": share_by_year(("magnet",)).to_numpy(),
            "lynas_mount_weld_output_t": lynas[LYNAS[0]].fillna(0.0).to_numpy(),
            "lynas_malaysia_output_t": lynas[LYNAS[1]].fillna(0.0).to_numpy(),
        }
    )
    months = s[(s["date"] >= MONTHLY_WINDOW[0]) & (s["date"] <= MONTHLY_WINDOW[1])]
    by_month = controlled.groupby("date")["quantity_t"].sum()
    monthly = pd.DataFrame(
        {
            "date": months["date"].to_numpy(),
            "jp_unmet_t": months["date"].map(jp.set_index("date")["unmet_t"]).to_numpy(),
            "price_dytb_oxide": months["price_dytb_oxide"].to_numpy(),
            "jp_controlled_from_china_t": months["date"].map(by_month).fillna(0.0).to_numpy(),
        }
    )
    return Measures(scalars, pd.concat([yearly, monthly], ignore_index=True))


STOCKPILE_ONLY_PARAMS = (("shock_inventory_months", 0.0), ("shock_risk_premium", 0.0))
"""The stockpile alone: Japan's shock rule raises no inventory targets and puts no premium on China."""
STOCKPILE_TARGETS_PARAMS = (("shock_risk_premium", 0.0),)
"""The stockpile and the inventory targets: the stockpile alone plus the customers' higher targets."""
CUT_LABEL = "; and a year-long Chinese stop of magnets and their oxides from 2025-04"
VARIANTS = (
    Variant("baseline", "the history world as it is"),
    Variant("no_response", "no Japanese response to shocks", (no_response,), until=CF_UNTIL),
    Variant("no_lynas", "no Lynas; the rest of the response stays", (no_lynas,), until=CF_UNTIL),
    Variant(
        "stockpile_only",
        "the stockpile alone: no Lynas, inventory targets or risk premium",
        (no_lynas,),
        params=STOCKPILE_ONLY_PARAMS,
        until=CF_UNTIL,
    ),
    Variant(
        "stockpile_targets",
        "the stockpile and inventory targets: no Lynas or risk premium (whether the targets bridge the licences)",
        (no_lynas,),
        params=STOCKPILE_TARGETS_PARAMS,
        until=CF_UNTIL,
    ),
    Variant("cut", "the history world" + CUT_LABEL, (year_long_cut,), until=CF_UNTIL),
    Variant("cut_no_response", "no Japanese response" + CUT_LABEL, (no_response, year_long_cut), until=CF_UNTIL),
    Variant("cut_no_lynas", "no Lynas" + CUT_LABEL, (no_lynas, year_long_cut), until=CF_UNTIL),
    Variant(
        "cut_stockpile_only",
        "the stockpile alone" + CUT_LABEL,
        (no_lynas, year_long_cut),
        params=STOCKPILE_ONLY_PARAMS,
        until=CF_UNTIL,
    ),
)
"""The first five ask the question under the real 2025 licences; the `cut_` four ask it again under a
stronger cut, because the real licences leave Japan's customers short in no world or only a little."""

NOT_SHORT_WITHOUT_RESPONSE = (
    "no Japanese customer goes short under the real licences in either world: with the response they hold "
    f"{INVENTORY_MONTHS:g} more months of magnets, enough to bridge the licences' first months; without it they "
    "hold less, but the rest-of-world magnet makers, which have closed by 2024 in many seeds with the response, "
    "still run and their magnets bridge those months (under the year-long cut of the cut_ variants the response "
    "does matter)"
)
NOT_SHORT_WITH_TARGETS = (
    "with the response's higher inventory targets (kept without Lynas) Japan's customers hold enough magnets to "
    "bridge the licences' first months, with or without Lynas, so no one goes short in either world (under the "
    "year-long cut of the cut_ variants Lynas does matter)"
)
STOCKPILE_NOT_RELEASED = (
    "with the stockpile alone Japan's customers go short only in the seeds where the rest-of-world magnet makers "
    "have closed (they hold no more stock than without the response, and the state releases none of its stockpile: "
    "it waits for import prices to double, which the licences do not do); without the response those makers stay "
    "open and no one goes short"
)
CHECKS = (
    Check(
        "Japan's imports of concentrate and oxides come from China before 2010 (share, 2005-09)", "baseline",
        "jp_china_share_oxides_2005_09", lo=0.8, fact="F14", target="about 90% (2009)",
    ),
    Check(
        "Japan reacts to the 2010 embargo (its shock rule fires in 2010-11)", "baseline", "jp_shock_2010", lo=0.8,
        stat="share", target="most seeds (F15)",
    ),
    Check(
        "Japan co-finances Lynas in 2010-11", "baseline", "lynas_finance_year", lo=2010, hi=2011, fact="F15",
        target="2010-11 (Sojitz and JOGMEC)",
    ),
    Check(
        "Lynas Malaysia opens around 2012-13", "baseline", "lynas_malaysia_open_year", lo=2012, hi=2013, fact="F16",
        target="first feed 2012-11",
    ),
    Check(
        "Japan's China share of concentrate and oxide imports falls after its response (2005-09 minus 2014-19)",
        "baseline", "jp_china_share_oxides_fall", lo=0.15, target="about 90% to about 60% (press reports)",
    ),
    Check(
        "Japan's China share of concentrate and oxide imports around 2018-20", "baseline",
        "jp_china_share_oxides_2018_20", lo=0.45, hi=0.75, target="about 60% (press reports)",
    ),
    Check(
        "without its response Japan's China share stays higher (2014-19)", "no_response",
        "jp_china_share_oxides_2014_19", versus="baseline", lo=0.1, target="higher",
    ),
    Check(
        "without its response Japan relies more on China in 2020-24 (share of concentrate and oxide imports)",
        "no_response", "jp_china_share_oxides_2020_24", versus="baseline", lo=0.1, target="higher",
    ),
    Check(
        "without its response Japan's customers are left shorter under the 2025 controls (unmet demand, t)",
        "no_response", "jp_unmet_controls_t", versus="baseline", lo=1e-6, target="larger",
        why_if_fail=NOT_SHORT_WITHOUT_RESPONSE,
    ),
    Check(
        "without its response Lynas never opens (year of Mount Weld's opening)", "no_response",
        "lynas_mount_weld_open_year", versus="baseline", lo=5, target="later (never, within the run)",
    ),
    Check(
        "without Lynas Japan's China share stays higher (2014-19)", "no_lynas", "jp_china_share_oxides_2014_19",
        versus="baseline", lo=0.1, target="higher",
    ),
    Check(
        "without Lynas Japan's customers are left shorter under the 2025 controls (unmet demand, t)", "no_lynas",
        "jp_unmet_controls_t", versus="baseline", lo=1e-6, target="larger", why_if_fail=NOT_SHORT_WITH_TARGETS,
    ),
    Check(
        "with the stockpile alone Japan's China share stays higher (2014-19)", "stockpile_only",
        "jp_china_share_oxides_2014_19", versus="baseline", lo=0.1, target="higher",
    ),
    Check(
        "with the stockpile alone Japan's customers are left shorter under the 2025 controls (unmet demand, t)",
        "stockpile_only", "jp_unmet_controls_t", versus="baseline", lo=1e-6, target="larger",
        why_if_fail=STOCKPILE_NOT_RELEASED,
    ),
    Check(
        "the stockpile alone leaves Japan's customers less short under the 2025 controls than no response (t)",
        "stockpile_only", "jp_unmet_controls_t", versus="no_response", hi=-1e-6, target="smaller",
        why_if_fail=STOCKPILE_NOT_RELEASED,
    ),
    Check(
        "under a year-long cut, without its response Japan's customers are left shorter (share of need unmet)",
        "cut_no_response", "jp_unmet_share_controls", versus="cut", lo=0.05, target="larger",
    ),
    Check(
        "under a year-long cut, without Lynas Japan's customers are left shorter (share of need unmet)",
        "cut_no_lynas", "jp_unmet_share_controls", versus="cut", lo=1e-6, target="larger",
        why_if_fail=(
            "in most seeds both Lynas plants have stopped by 2024 (Mount Weld mothballed when the concentrate "
            "price falls to its cost), so under the cut the world with the whole response has no Lynas oxide "
            "either, and which of the two is shorter varies with the magnet makers outside China that survive"
        ),
    ),
    Check(
        "under a year-long cut, with the stockpile alone Japan's customers are left shorter (share of need unmet)",
        "cut_stockpile_only", "jp_unmet_share_controls", versus="cut", lo=0.05, target="larger",
    ),
    Check(
        "under a year-long cut, the stockpile alone leaves Japan's customers less short than no response (t)",
        "cut_stockpile_only", "jp_unmet_controls_t", versus="cut_no_response", hi=-1e-6, target="smaller",
        why_if_fail=(
            "the state releases its magnets only once their import price has doubled over its three-year mean, a "
            "sixth of the stock a month, and its shock rule fires again when the cut starts and raises its "
            "stockpile targets, so it buys magnets while its customers are short"
        ),
    ),
)  # fmt: skip

INDICATORS = {
    **{
        f"jp_china_share_oxides_{k}": f"China's share of Japan's concentrate and oxide imports (t), {a}-{b}"
        for k, (a, b) in SHARE_WINDOWS.items()
    },
    **{
        f"jp_china_share_magnets_{k}": f"China's share of Japan's magnet imports (t), {a}-{b}"
        for k, (a, b) in SHARE_WINDOWS.items()
    },
    "jp_china_share_oxides_fall": "the 2005-09 share minus the 2014-19 share (concentrate and oxides)",
    "jp_china_share_oxides_2024": "China's share of Japan's concentrate and oxide imports (t), 2024",
    "jp_china_share_controlled_2024": "China's share of Japan's DyTb oxide and magnet imports (t), 2024",
    "jp_shock_2010": "1 if Japan's shock rule fires in 2010-11",
    "jp_shock_2025": "1 if Japan's shock rule fires in 2025-01..2026-12",
    "lynas_finance_year": "year Japan co-finances Lynas Mount Weld (the year after the run if never)",
    "lynas_mount_weld_open_year": "year Lynas Mount Weld opens (the year after the run if never)",
    "lynas_malaysia_open_year": "year Lynas Malaysia opens (the year after the run if never)",
    "lynas_mount_weld_output_2024_t": "Lynas Mount Weld's output in 2024, t REO (0 if never built)",
    "lynas_malaysia_output_2024_t": "Lynas Malaysia's output in 2024, t of feed separated (0 if never built)",
    "lynas_runs_2024": "1 if either Lynas plant produces in 2024 (built and not mothballed or closed)",
    "jp_stockpile_2024_t": "Japan's state stockpile at the end of 2024, t (all tiers)",
    "row_magnet_output_2024_t": "the rest-of-world magnet makers' output in 2024, t (0 once they have closed)",
    "jp_controlled_from_china_2025_26_over_2024": (
        "Japan's imports of DyTb oxide and magnets from China, monthly mean 2025-04..2026-12 over 2024"
    ),
    "jp_dytb_imports_2025_26_over_2024": (
        "Japan's DyTb oxide imports (all origins, with its stockpile), monthly mean 2025-04..2026-12 over 2024"
    ),
    "jp_magnet_output_2025_26_over_2024": "Japanese magnet makers' output, mean of 2025-26 over 2024",
    "jp_magnet_utilisation_2024": "Japanese magnet makers' output over their capacity, 2024",
    "jp_unmet_controls_t": "Japan's customers' unmet demand, 2025-04..2026-12, t",
    "jp_need_controls_t": (
        "Japan's customers' need (what they would use, after their response to prices), 2025-04..2026-12, t"
    ),
    "jp_unmet_share_controls": "Japan's customers' unmet demand over their need, 2025-04..2026-12",
    "jp_unmet_2010_11_t": "Japan's customers' unmet demand, 2010-09..2011-12 (the embargo and its aftermath), t",
}


def narrative(r: Result) -> str:
    m, b, some = r.text, r.summary, r.percent  # median; median [band]; share of seeds

    base = "baseline"

    def world(v: Variant) -> str:
        return (
            f"- **{v.name}** ({v.label}): Japan's imports of the controlled goods from China "
            f"{m(v.name, 'jp_controlled_from_china_2025_26_over_2024')} of 2024; its magnet output "
            f"{m(v.name, 'jp_magnet_output_2025_26_over_2024')} of 2024; its customers' unmet demand "
            f"{b(v.name, 'jp_unmet_controls_t')} t ({m(v.name, 'jp_unmet_share_controls')} of their need; short at "
            f"all in {some(v.name, 'jp_unmet_controls_t')} of seeds; the rest-of-world magnet makers produce in "
            f"2024 in {some(v.name, 'row_magnet_output_2024_t')} of seeds)."
        )

    licences = [v for v in r.experiment.variants[1:] if not v.name.startswith("cut")]
    magnets = _magnets(r, [v.name for v in r.experiment.variants if not v.name.startswith("cut")])
    cuts = [v for v in r.experiment.variants if v.name.startswith("cut")]
    lines = [
        f"**Before 2010.** China supplies {b(base, 'jp_china_share_oxides_2005_09')} of Japan's imports of "
        "concentrate and oxides in 2005-09 (median [90% band] across seeds; F14): once Mountain Pass has stopped "
        "no one else mines in quantity. Of Japan's magnet imports China supplies "
        f"{m(base, 'jp_china_share_magnets_2005_09')}.",
        "",
        f"**The response.** Japan's shock rule fires in 2010-11 in {some(base, 'jp_shock_2010')} of seeds, when "
        "China's embargo hits: Japan raises its buyers' inventory targets, adds a risk premium to Chinese supply, "
        "sets a stockpile target and co-finances the two Lynas projects, which were waiting for finance (in "
        f"{m(base, 'lynas_finance_year')}; F15). Its customers are left short of "
        f"{b(base, 'jp_unmet_2010_11_t')} t in 2010-09..2011-12 (see the embargo_2010 experiment). Mount Weld "
        f"opens in {b(base, 'lynas_mount_weld_open_year')} and the Malaysian refinery in "
        f"{b(base, 'lynas_malaysia_open_year')} (real: first feed 2012-11, F16). China's share of Japan's "
        f"concentrate and oxide imports falls to {b(base, 'jp_china_share_oxides_2014_19')} in 2014-19 and is "
        f"{b(base, 'jp_china_share_oxides_2020_24')} in 2020-24; around 2018-20 it is "
        f"{m(base, 'jp_china_share_oxides_2018_20')} (reported: about 60%). By 2024 Mount Weld produces "
        f"{b(base, 'lynas_mount_weld_output_2024_t')} t while Lynas Malaysia separates "
        f"{b(base, 'lynas_malaysia_output_2024_t')} t of feed. {magnets}",
        "",
        f"**The 2025 controls.** In 2024 China still supplies {m(base, 'jp_china_share_controlled_2024')} of "
        "Japan's imports of DyTb oxide and magnets, the goods the licences cover. Under the controls Japan's "
        "monthly imports of them from China stop in the first month and then come back, to "
        f"{b(base, 'jp_controlled_from_china_2025_26_over_2024')} of their 2024 level over 2025-04..2026-12; "
        "Japan's customers are "
        f"left short of {b(base, 'jp_unmet_controls_t')} t in 2025-04..2026-12, out of a need of "
        f"{m(base, 'jp_need_controls_t')} t (short at all in {some(base, 'jp_unmet_controls_t')} of seeds): the "
        "licences let almost nothing through in their first months and Japan's magnet makers soon sell out their "
        f"stocks of magnets, but the response has added {INVENTORY_MONTHS:g} months to the customers' inventory "
        "targets, and they live on their own stocks until the makers, which used "
        f"{b(base, 'jp_magnet_utilisation_2024')} of their capacity in 2024, have raised their output, to "
        f"{m(base, 'jp_magnet_output_2025_26_over_2024')} times Japan's 2024 output in 2025-26 (with the "
        "stockpile and the targets but no Lynas, Japan's customers are short at all in "
        f"{some('stockpile_targets', 'jp_unmet_controls_t')} of seeds). Where the customers hold no such stocks "
        "(without the response, or with the stockpile alone) the bridge is the makers' stocks and, where they "
        "still run, the rest-of-world magnet makers' exports; those makers still produce in 2024 in "
        f"{some(base, 'row_magnet_output_2024_t')} of seeds of the baseline, "
        f"{some('stockpile_only', 'row_magnet_output_2024_t')} with the stockpile alone and "
        f"{some('no_response', 'row_magnet_output_2024_t')} without the response. The state's stockpile is no "
        "bridge: it is released only once import prices have doubled over their three-year mean, which the "
        "licences do not do. Japan's shock rule fires again in 2025-26"
        f" in {some(base, 'jp_shock_2025')} of seeds, when its imports from China fall and "
        "part of its buyers' orders go unfilled.",
        "",
        "Each counterfactual under the real licences (to 2026):",
        "",
        *[world(v) for v in licences],
        "",
        "**A year-long cut.** Since the real licences leave Japan's customers short in no world, or only a little, "
        "each world is run again with China stopping all exports of magnets, NdPr and DyTb oxide for a year from "
        "2025-04, long enough to outlast the makers' and customers' stocks of magnets (the window 2025-04..2026-12 "
        "also holds the nine months after the cut, when Japan's imports from China come back):",
        "",
        *[world(v) for v in cuts],
        "",
        "Lynas is what diversifies Japan's raw materials: without it China's share of Japan's concentrate and "
        f"oxide imports is {m('no_lynas', 'jp_china_share_oxides_2014_19')} in 2014-19 and "
        f"{m('no_lynas', 'jp_china_share_oxides_2020_24')} in 2020-24 (baseline "
        f"{m(base, 'jp_china_share_oxides_2014_19')} and {m(base, 'jp_china_share_oxides_2020_24')}; with no "
        f"response {m('no_response', 'jp_china_share_oxides_2020_24')} in 2020-24). Under the real licences that "
        f"makes no difference to Japan's customers. Under the year-long cut {_cut_by_lynas(r)} With the stockpile "
        f"alone they are short of {m('cut_stockpile_only', 'jp_unmet_share_controls')} of their need; with no "
        "response "
        f"{m('cut_no_response', 'jp_unmet_share_controls')} (Japan's magnet output "
        f"{m('cut_no_response', 'jp_magnet_output_2025_26_over_2024')} times 2024). The stockpile alone protects "
        "them little: its shock rule fires again when the cut starts and raises the stockpile targets, so the "
        "state buys magnets while its customers are short, and it releases them only once their import price has "
        "doubled over its three-year mean, a sixth of the stock a month.",
    ]
    return "\n".join(lines)


def _cut_by_lynas(r: Result) -> str:
    """Japan's customers under the year-long cut, in the seeds where Lynas still produces in 2024 and in the
    others: Lynas's oxide is what the whole response adds to the rest of it only where Lynas still runs."""
    runs = r.values("cut", "lynas_runs_2024")
    running = [s for s in runs.index if runs[s] == 1.0]
    stopped = [s for s in runs.index if runs[s] == 0.0]

    def med(variant: str, indicator: str, seeds: list[int]) -> str:
        v = r.values(variant, indicator).reindex(seeds).dropna()
        return fmt(float(v.median())) if len(v) else "n/a"

    share = "jp_unmet_share_controls"
    text = (
        f"Lynas matters where it still produces in 2024, in {len(running)} of {len(runs)} seeds (in the others "
        "both its plants have stopped: in the seeds examined Lynas Malaysia is mothballed after its first two "
        "years of losses and closed after eight years idle, and Mount Weld is mothballed in 2022-23 after "
        "many months in which the concentrate price is down to its unit cost)."
    )
    if running:
        text += (
            f" There the whole response keeps Japan's customers supplied best (short {med('cut', share, running)} "
            f"of their need, Japan's magnet output {med('cut', 'jp_magnet_output_2025_26_over_2024', running)} "
            f"times 2024, with oxide from Lynas; without Lynas {med('cut_no_lynas', share, running)})."
        )
    if stopped:
        text += (
            f" Where Lynas has stopped, the whole response leaves them short of {med('cut', share, stopped)} of "
            f"their need, about as much as without Lynas ({med('cut_no_lynas', share, stopped)}): what is left of "
            "it is the customers' higher inventory targets and the risk premium."
        )
    return text


def _magnets(r: Result, worlds: list[str]) -> str:
    """Where Japan's magnets come from after the response: first more from China in every world; later,
    where the response's risk premium and inventory targets hold, less."""
    share = {(v, k): r.median(v, f"jp_china_share_magnets_{k}") for v in worlds for k in SHARE_WINDOWS}
    rises = all(share[v, "2014_19"] > share[v, "2005_09"] for v in worlds)
    first = (
        f"Magnets go the other way at first, in {'every world' if rises else 'most worlds'}: China's share of "
        f"Japan's magnet imports rises from {fmt(share['baseline', '2005_09'])} in 2005-09 to "
        f"{fmt(share['baseline', '2014_19'])} in 2014-19 ({fmt(share['no_response', '2014_19'])} without the "
        "response)."
    )
    later = share["baseline", "2020_24"], share["no_response", "2020_24"]
    if later[0] > later[1] - 0.1:
        return first + " Japan's response changed where its raw materials come from, not its magnets."
    premium = share["no_lynas", "2020_24"] < share["stockpile_only", "2020_24"] - 0.1
    return first + (
        " By 2020-24 the response turns Japan's magnet imports away from China too: China supplies "
        f"{fmt(later[0])} of them against {fmt(later[1])} without the response"
        + (
            f", and it is the risk premium and inventory targets that do it, not Lynas ("
            f"{fmt(share['no_lynas', '2020_24'])} without Lynas, {fmt(share['stockpile_only', '2020_24'])} with the "
            "stockpile alone): Japan's buyers turn above all to the rest-of-world makers."
            if premium
            else "."
        )
    )


def figures(r: Result, out: Path) -> list[tuple[str, str]]:
    marks = {"2010-09": "embargo", "2025-04": "licences"}
    band_figure(
        r,
        {
            "jp_china_share_oxides": "China's share: concentrate, oxides",
            "jp_china_share_magnets": "China's share: magnets",
        },
        out / "japan_shares.png",
        start="2000-01",
        end="2026-12",
        title="Japan's imports from China",
        mark=marks,
    )
    band_figure(
        r,
        {"lynas_mount_weld_output_t": "Mount Weld, t REO/yr", "lynas_malaysia_output_t": "Lynas Malaysia, t feed/yr"},
        out / "lynas.png",
        start="2008-01",
        end="2026-12",
        title="Lynas's output",
        mark=marks,
    )
    band_figure(
        r,
        {
            "jp_controlled_from_china_t": "DyTb, magnets from China, t/mo",
            "jp_unmet_t": "Japan's unmet demand, t/mo",
            "price_dytb_oxide": "DyTb oxide, USD/kg",
        },
        out / "controls_2025.png",
        logy=("price_dytb_oxide",),
        start=MONTHLY_WINDOW[0],
        end=MONTHLY_WINDOW[1],
        title="Japan under the 2025 controls",
        mark={"2025-04": "licences"},
    )
    return [
        ("japan_shares.png", "China's share of Japan's imports (t) per year: concentrate and oxides, and magnets."),
        ("lynas.png", "Output of Lynas Mount Weld and Lynas Malaysia per year (zero where never built)."),
        (
            "controls_2025.png",
            "Japan's imports of the controlled goods from China, its customers' unmet demand and the DyTb price.",
        ),
    ]


EXPERIMENT = Experiment(
    name="japan_response",
    title="Japan's response to the 2010 shock: stockpiles and Lynas",
    question=(
        "What did Japan's response to the 2010 embargo (stockpiles, higher inventories, a risk premium on China, "
        "co-financing Lynas) change in where its rare earths come from, and how exposed would Japan have been "
        "to China's 2025 export controls without it?"
    ),
    variants=VARIANTS,
    measure=measure,
    checks=CHECKS,
    indicators=INDICATORS,
    narrative=narrative,
    figures=figures,
)

__all__ = ["EXPERIMENT", "china_share", "japan_imports", "measure", "no_lynas", "no_response", "year_long_cut"]
