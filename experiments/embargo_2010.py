"""The 2010 embargo on Japan: how much did it hurt Japan, given smuggling, and what did the
crackdown and consolidation that followed do?

China stops its legal exports of concentrate and oxides to Japan from 2010-09-21 to 2010-11-20
(F12, dated in the history world) while its export quota of 2010 is cut by more than half.
Smuggling networks (F09, F10) buy below the export price at home and sell abroad, so they fill
part of the gap; from 2010-11 China cracks down on illegal mining and smuggling (F22) and in 2015
consolidates its industry into six state groups (F25). The counterfactuals remove one cause or
lengthen one: no smuggling networks at all; no stockpile in Japan's answer to the shock; an
embargo of 12 months instead of 2; no crackdown. Each shows the price rise after 2010 (its size,
its peak month and its fall), Japan's supply from China during the embargo, its magnet makers'
output, its customers' unmet demand and need (`model.unmet_demand_by_country()`) from the
embargo to 2011-12, smuggled tonnage and China's two-tier (domestic against export) price.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from experiments import edits
from experiments.experiment import Check, Experiment, Measures, Result, Variant
from experiments.metrics import RunOutput
from experiments.report import band_figure

if TYPE_CHECKING:
    from model.model import RareEarthModel

CF_UNTIL = "2016-12"
"""The counterfactuals run to 2016: the question ends with the fall of prices after 2011-12."""
LONG_EMBARGO_MONTHS = 12
HOME = "CHN"
TARGET = "JPN"
MATERIAL_TIERS = ("concentrate", "ndpr_oxide", "dytb_oxide")
"""The tiers China's export quotas and the embargo cover (what leaves China as rare earths)."""
OXIDE_TIERS = ("ndpr_oxide", "dytb_oxide")
REFERENCE_MONTHS = ("2010-01", "2010-06")
"""Japan's supply from China before the embargo: the first half of 2010 (before the quota cut)."""
AFTERMATH_END = "2011-12"
"""Japan's customers' unmet demand and need are summed from the embargo's first month to here."""
FALL_MONTHS = 36
"""The fall of the NdPr index is measured over the three years after its peak month."""
MONTHLY_WINDOW = ("2008-01", "2016-12")
YEARLY_WINDOW = (2000, 2016)
SMUGGLING_BEFORE = (2009, 2010)
SMUGGLING_AFTER = (2012, 2014)
PRE_EMBARGO_YEARS = (2005, 2009)
SMUGGLING_YEARS = (2007, 2009)
"""The years before the embargo in which the networks ship most (after the export duties of 2006-07)."""
PEAK_YEARS = (2011, 2012)
SPIKE_YEARS = (2010, 2016)
TWO_TIER_YEARS = (2010, 2011)
LATE_2010 = ("2010-10", "2010-12")
"""The first months of the spike: the embargo's second month to the year's end."""
SECOND_BATCH_2010 = ("2010-07", "2010-12")
"""The months of China's second, smaller export batch of 2010."""
LONG_EMBARGO_2011 = ("2011-01", "2011-08")
"""The months of 2011 that a 12-month embargo from 2010-09 covers."""
KG_PER_T = 1000.0
COMEBACK_MARGIN = 0.2
"""A 12-month embargo's rent 'comes back' in a seed if its 2012 NdPr mean over 2009 beats the baseline's by this."""


# --- counterfactual edits -----------------------------------------------------------------------
def no_smuggling(data: edits.Data) -> None:
    """No smuggling networks leave China: the illegal mines can sell only at home."""
    data["smugglers"] = []


def long_embargo(data: edits.Data, months: int = LONG_EMBARGO_MONTHS) -> None:
    """China's embargo on Japan lasts `months` months from the same start."""
    hits = [e for e in data.get("events", []) if e["kind"] == "embargo" and e.get("target") == TARGET]
    if not hits:
        raise KeyError(f"the scenario has no embargo on {TARGET}")
    for e in hits:
        e["months"] = months


# --- measures --------------------------------------------------------------------------------
def _year(df: pd.DataFrame) -> pd.Series:
    return df["date"].str[:4].astype(int)


def _embargo_months(run: RunOutput) -> tuple[str, str]:
    """First and last month of the embargo on Japan, from the events table."""
    ev = run.events
    start = ev[(ev["kind"] == "embargo_start") & ev["detail"].str.contains(TARGET)]
    end = ev[(ev["kind"] == "embargo_end") & ev["detail"].str.contains(TARGET)]
    if not len(start):
        return ("", "")
    first = str(start["date"].iloc[0])
    last = run.end
    if len(end):
        y, m = (int(x) for x in str(end["date"].iloc[0]).split("-"))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
        last = f"{y:04d}-{m:02d}"
    return first, last


def china_prices(flows: pd.DataFrame) -> pd.DataFrame:
    """China's legal domestic and export prices per tier and month, USD/kg, from the ledger:
    what Chinese sellers receive from buyers at home and abroad."""
    legal = flows[(flows["channel"] == "legal") & (flows["origin"] == HOME)]
    legal = legal.assign(where=(legal["destination"] == HOME).map({True: "domestic", False: "export"}))
    g = legal.groupby(["date", "tier", "where"])[["quantity_t", "value_usd"]].sum()
    price = (g["value_usd"] / (g["quantity_t"] * KG_PER_T)).unstack("where")
    return price.reset_index()


def fall_after_peak(series: pd.DataFrame, column: str) -> float:
    """How far the index falls from its highest month of 2010-16 within the next three years:
    1 - (lowest of the `FALL_MONTHS` months after the peak) / peak; NaN if the run ends sooner."""
    year = _year(series)
    spike = series[(year >= SPIKE_YEARS[0]) & (year <= SPIKE_YEARS[1])]
    if not len(spike):
        return math.nan
    at = spike.index[spike[column].to_numpy().argmax()]
    after = series.loc[at:, column].iloc[1 : FALL_MONTHS + 1]
    return 1.0 - float(after.min()) / float(series.loc[at, column]) if len(after) == FALL_MONTHS else math.nan


def japan_customers(model: RareEarthModel, first: str, last: str) -> pd.DataFrame:
    """Japan's customers' unmet need and need per month from `first` to `last`, t."""
    u = model.unmet_demand_by_country()
    return u[(u["country"] == TARGET) & (u["date"] >= first) & (u["date"] <= last)]


def measure(run: RunOutput, model: RareEarthModel) -> Measures:
    """Price spike, smuggling, Japan's supply and its customers' unmet demand, the two-tier price."""
    s = run.series.assign(year=_year(run.series))
    f = run.flows
    ag = run.agents

    def year_mean(column: str, first: int, last: int) -> float:
        rows = s[(s["year"] >= first) & (s["year"] <= last)]
        return (
            float(rows[column].mean()) if len(rows) and all(run.covers(y) for y in range(first, last + 1)) else math.nan
        )

    smuggled_year = s.groupby("year")["smuggled_t"].sum()

    def smuggled(first: int, last: int) -> float:
        """Mean smuggled t/yr over the years."""
        years = [y for y in range(first, last + 1) if run.covers(y)]
        return float(smuggled_year.reindex(years).mean()) if years else math.nan

    # the price spike
    scalars: dict[str, float] = {}
    for col, short in (("price_ndpr_oxide", "ndpr"), ("price_dytb_oxide", "dytb")):
        base = year_mean(col, 2009, 2009)
        peak_rows = s[(s["year"] >= PEAK_YEARS[0]) & (s["year"] <= PEAK_YEARS[1])]
        peak = float(peak_rows[col].max()) if len(peak_rows) else math.nan
        spike = s[(s["year"] >= SPIKE_YEARS[0]) & (s["year"] <= SPIKE_YEARS[1])]
        dec_2015 = s[s["date"] == "2015-12"][col]
        scalars[f"{short}_peak_over_2009"] = peak / base
        scalars[f"{short}_2011_over_2009"] = year_mean(col, 2011, 2011) / base
        scalars[f"{short}_2015_over_peak"] = float(dec_2015.iloc[0]) / peak if len(dec_2015) else math.nan
        scalars[f"{short}_peak_year"] = (
            float(spike["year"].iloc[spike[col].to_numpy().argmax()]) if len(spike) else math.nan
        )
    scalars["ndpr_fall_3y_after_peak"] = fall_after_peak(s, "price_ndpr_oxide")
    ndpr_2009 = year_mean("price_ndpr_oxide", 2009, 2009)
    late = s[(s["date"] >= LATE_2010[0]) & (s["date"] <= LATE_2010[1])]
    scalars["ndpr_late_2010_over_2009"] = float(late["price_ndpr_oxide"].mean()) / ndpr_2009
    scalars["ndpr_2012_over_2009"] = year_mean("price_ndpr_oxide", 2012, 2012) / ndpr_2009

    # smuggling
    fy = f.assign(year=_year(f))
    leaving = fy[(fy["origin"] == HOME) & (fy["destination"] != HOME) & fy["tier"].isin(MATERIAL_TIERS)]
    left_2008 = leaving[leaving["year"] == 2008]
    smuggled_2008 = float(left_2008.loc[left_2008["channel"] == "smuggled", "quantity_t"].sum())
    china_mined = ag[(ag["country"] == HOME) & (ag["type"] == "miner")].assign(year=_year(ag))
    mined = china_mined.groupby("year")["output_t"].sum()
    pre = range(PRE_EMBARGO_YEARS[0], PRE_EMBARGO_YEARS[1] + 1)
    scalars["smuggled_2008_t"] = float(smuggled_year.get(2008, math.nan))
    scalars["china_mining_2005_09_t_per_yr"] = float(mined.reindex(pre).mean())
    scalars["smuggled_2005_09_t_per_yr"] = float(smuggled_year.reindex(pre).mean())
    scalars["smuggled_share_of_exits_2008"] = smuggled_2008 / max(float(left_2008["quantity_t"].sum()), 1e-9)
    scalars["smuggled_share_of_china_mining_2005_09"] = float(smuggled_year.reindex(pre).sum()) / max(
        float(mined.reindex(pre).sum()), 1e-9
    )
    before, after = smuggled(*SMUGGLING_BEFORE), smuggled(*SMUGGLING_AFTER)
    scalars["smuggled_2009_10_t_per_yr"] = before
    scalars["smuggled_2012_14_t_per_yr"] = after
    scalars["smuggled_2012_14_over_2009_10"] = after / before if before > 0 else math.nan
    scalars["smuggled_2011_t"] = float(smuggled_year.get(2011, math.nan))

    illegal = [firm.name for firm in model.firms if firm.illegal]
    illegal_rows = ag[ag["name"].isin(illegal)]
    illegal_out = illegal_rows.assign(year=_year(illegal_rows)).groupby("year")["output_t"].sum()
    out_2010 = float(illegal_out.get(2010, math.nan))
    scalars["illegal_mining_2011_over_2010"] = float(illegal_out.get(2011, math.nan)) / out_2010
    scalars["illegal_mining_2013_over_2010"] = float(illegal_out.get(2013, math.nan)) / out_2010

    # Japan during the embargo
    first, last = _embargo_months(run)
    into_japan = f[(f["destination"] == TARGET) & (f["origin"] == HOME) & f["tier"].isin(MATERIAL_TIERS)]
    monthly = into_japan.groupby(["date", "channel"])["quantity_t"].sum().unstack("channel", fill_value=0.0)
    monthly = monthly.reindex(columns=["legal", "smuggled", "stockpile"], fill_value=0.0)
    monthly["total"] = monthly.sum(axis=1)
    ref = monthly.loc[REFERENCE_MONTHS[0] : REFERENCE_MONTHS[1], "total"]
    ref_t = float(ref.sum()) / 6.0
    during = monthly.loc[first:last] if first else monthly.iloc[0:0]
    n_months = len(pd.period_range(first, last, freq="M")) if first else 0
    scalars["embargo_months"] = float(n_months)
    scalars["japan_china_supply_kept"] = (
        float(during["total"].sum()) / max(n_months * ref_t, 1e-9) if first else math.nan
    )
    scalars["japan_smuggled_share_embargo"] = (
        float(during["smuggled"].sum()) / float(during["total"].sum())
        if len(during) and during["total"].sum() > 0
        else 0.0
    )
    smuggled_out = f[(f["channel"] == "smuggled") & (f["origin"] == HOME) & (f["date"] >= first) & (f["date"] <= last)]
    out_t = float(smuggled_out["quantity_t"].sum()) if first else 0.0
    scalars["japan_share_of_smuggled_embargo"] = (
        float(smuggled_out.loc[smuggled_out["destination"] == TARGET, "quantity_t"].sum()) / out_t
        if out_t > 0
        else math.nan
    )
    oxide_in = f[(f["destination"] == TARGET) & (f["origin"] != TARGET) & (f["tier"] == "ndpr_oxide")]
    by_month = oxide_in.groupby("date")[["quantity_t", "value_usd"]].sum()
    jp_price = by_month["value_usd"] / (by_month["quantity_t"] * KG_PER_T)
    ref_price = float(jp_price.loc[REFERENCE_MONTHS[0] : REFERENCE_MONTHS[1]].mean())
    year_after = pd.period_range(first, periods=12, freq="M").strftime("%Y-%m") if first else []
    scalars["japan_ndpr_import_price_year_after_over_2010h1"] = (
        float(jp_price.reindex(year_after).mean()) / ref_price if first and ref_price > 0 else math.nan
    )
    stock_in = oxide_in[(oxide_in["channel"] == "stockpile") & (oxide_in["date"] >= (first or "2010-09"))]
    stock_in = stock_in[stock_in["date"] <= AFTERMATH_END]
    stock_t = float(stock_in["quantity_t"].sum())
    scalars["japan_stockpile_ndpr_t"] = stock_t
    scalars["japan_stockpile_ndpr_price_over_2010h1"] = (
        float(stock_in["value_usd"].sum()) / (stock_t * KG_PER_T) / ref_price
        if stock_t > 0 and ref_price > 0
        else math.nan
    )
    jp_magnets = ag[(ag["country"] == TARGET) & (ag["type"] == "magnet_maker")].assign(year=_year(ag))
    jp_out = jp_magnets.groupby("year")["output_t"].sum()
    scalars["japan_magnet_output_2010_t"] = float(jp_out.get(2010, math.nan))
    jp_supply_year = into_japan.groupby(_year(into_japan))["quantity_t"].sum()
    smuggling_years = range(SMUGGLING_YEARS[0], SMUGGLING_YEARS[1] + 1)
    scalars["japan_china_supply_2007_09_t_per_yr"] = float(jp_supply_year.reindex(smuggling_years).mean())
    scalars["japan_magnet_output_2010_over_2009"] = float(jp_out.get(2010, math.nan) / jp_out.get(2009, math.nan))
    scalars["japan_magnet_output_2011_over_2009"] = float(jp_out.get(2011, math.nan) / jp_out.get(2009, math.nan))
    scalars["japan_magnet_output_2009_t"] = float(jp_out.get(2009, math.nan))
    magnets_in = f[(f["destination"] == TARGET) & (f["origin"] != TARGET) & (f["tier"] == "magnet")]
    magnets_in = magnets_in.groupby(_year(magnets_in))["quantity_t"].sum()
    scalars["japan_magnet_imports_2011_over_2009"] = float(
        magnets_in.get(2011, math.nan) / magnets_in.get(2009, math.nan)
    )
    magnets_out = f[(f["origin"] == TARGET) & (f["destination"] != TARGET) & (f["tier"] == "magnet")]
    magnets_out = magnets_out.groupby(_year(magnets_out))["quantity_t"].sum()
    scalars["japan_magnet_exports_2011_over_2009"] = float(
        magnets_out.get(2011, math.nan) / magnets_out.get(2009, math.nan)
    )
    customers = japan_customers(model, first or "2010-09", AFTERMATH_END)
    need = float(customers["need_t"].sum())
    scalars["japan_unmet_embargo_t"] = float(customers["unmet_t"].sum()) if run.covers(2011) else math.nan
    scalars["japan_need_embargo_t"] = need if run.covers(2011) else math.nan
    scalars["japan_unmet_share_embargo"] = (
        float(customers["unmet_t"].sum()) / need if need > 0 and run.covers(2011) else math.nan
    )

    # the two-tier price and the applications abroad to China's capped legal exporters
    prices = china_prices(f)
    prices = prices.assign(year=_year(prices))
    ndpr = prices[prices["tier"] == "ndpr_oxide"]
    batch = ndpr[(ndpr["date"] >= SECOND_BATCH_2010[0]) & (ndpr["date"] <= SECOND_BATCH_2010[1])]
    scalars["ndpr_export_over_domestic_2010h2"] = (
        float(batch["export"].mean() / batch["domestic"].mean()) if len(batch) else math.nan
    )
    requests = model.export_requests.get((HOME, "ndpr_oxide"), {})
    months = [i for i, d in enumerate(s["date"]) if LONG_EMBARGO_2011[0] <= d <= LONG_EMBARGO_2011[1]]
    scalars["china_ndpr_applications_2011_t"] = (
        float(sum(requests.get(i, 0.0) for i in months)) if run.covers(2011) else math.nan
    )
    for tier, short in (("concentrate", "concentrate"), ("ndpr_oxide", "ndpr"), ("dytb_oxide", "dytb")):
        rows = prices[(prices["tier"] == tier) & prices["year"].between(*TWO_TIER_YEARS)]
        scalars[f"{short}_export_over_domestic_2010_11"] = (
            float(rows["export"].mean() / rows["domestic"].mean()) if len(rows) else math.nan
        )

    # paths: monthly prices and Japan's supply from China in a window; yearly smuggling and output
    window = s[(s["date"] >= MONTHLY_WINDOW[0]) & (s["date"] <= MONTHLY_WINDOW[1])]
    paths = window[["date", "price_ndpr_oxide", "price_dytb_oxide"]].copy()
    for tier, short in (("ndpr_oxide", "ndpr"), ("dytb_oxide", "dytb")):
        p = prices[prices["tier"] == tier].set_index("date")
        paths[f"{short}_export_over_domestic"] = paths["date"].map(p["export"] / p["domestic"])
    paths["japan_from_china_t"] = paths["date"].map(monthly["total"]).fillna(0.0)
    paths["japan_smuggled_from_china_t"] = paths["date"].map(monthly["smuggled"]).fillna(0.0)
    jp_unmet = japan_customers(model, *MONTHLY_WINDOW).set_index("date")["unmet_t"]
    paths["japan_unmet_t"] = paths["date"].map(jp_unmet)
    years = [y for y in range(YEARLY_WINDOW[0], YEARLY_WINDOW[1] + 1) if run.covers(y)]
    yearly = pd.DataFrame(
        {
            "date": [str(y) for y in years],
            "smuggled_t_per_yr": smuggled_year.reindex(years).to_numpy(),
            "japan_magnet_output_t": jp_out.reindex(years).to_numpy(),
        }
    )
    paths = pd.concat([paths, yearly], ignore_index=True)
    return Measures(scalars, paths)


VARIANTS = (
    Variant("baseline", "the history world as it is"),
    Variant("no_smuggling", "no smuggling networks, ever", (no_smuggling,), until=CF_UNTIL),
    Variant(
        "no_stockpile",
        "Japan's shock rule builds no stockpile",
        params=(("shock_stockpile_months", 0.0),),
        until=CF_UNTIL,
    ),
    Variant(
        "long_embargo",
        f"a {LONG_EMBARGO_MONTHS}-month embargo on Japan",
        (functools.partial(long_embargo, months=LONG_EMBARGO_MONTHS),),
        until=CF_UNTIL,
    ),
    Variant(
        "no_crackdown",
        "no crackdown: enforcement stays at its 1985 level",
        (edits.no_crackdown,),
        until=CF_UNTIL,
    ),
)

CALIBRATION = "see docs/calibration.md, known misfits"
CHECKS = (
    Check(
        "smuggled rare earths in 2008 (t)", "baseline", "smuggled_2008_t", lo=13000, hi=30000, fact="F09",
        target="about 20,000 t",
        why_if_fail=(
            "smuggling starts with the export duties of 2006-07 and runs at about half the reported tonnage, below "
            "the networks' capacity, because their margin (the duty evaded, less seizures and handling) is modest "
            f"before the quota cuts of 2010 ({CALIBRATION})"
        ),
    ),
    Check(
        "smuggled share of the concentrate and oxides that left China in 2008", "baseline",
        "smuggled_share_of_exits_2008", lo=0.27, hi=0.40, fact="F09", target="about one third",
        why_if_fail=(
            f"the same shortfall of smuggled tonnage before 2010: a fifth to a quarter, not a third ({CALIBRATION})"
        ),
    ),
    Check(
        "a large share of China's mine output is smuggled out, 2005-09", "baseline",
        "smuggled_share_of_china_mining_2005_09", lo=0.15, hi=0.5, fact="F10", target="up to half",
        why_if_fail=(
            "smuggling starts only in 2006-07 and stays below the networks' capacity, while most of the illegal "
            f"mines' output sells inside China ({CALIBRATION})"
        ),
    ),
    Check(
        "the embargo leaks: Japan keeps at least half its early-2010 supply from China while it lasts", "baseline",
        "japan_china_supply_kept", lo=0.5, target="leaky (smuggling, F09, F10)",
    ),
    Check(
        "the NdPr price index of 2011 over 2009", "baseline", "ndpr_2011_over_2009", lo=5, fact="F17",
        target="about 10x (Nd oxide)",
        why_if_fail=(
            "the spike is the rent on China's export quota, which lasts only while buyers abroad apply for more than "
            "the quota; their stocks fill early in 2011, their applications fall and the rent is gone by mid-2011, "
            "so the 2011 mean stays well below the peak"
        ),
    ),
    Check(
        "the NdPr price peaks in 2011 (year of the highest month of 2010-16)", "baseline", "ndpr_peak_year",
        lo=2011, hi=2011, fact="F17", target="2011",
        why_if_fail=(
            "the quota rent that makes the spike can end in late 2010 or come back in 2012, when buyers abroad who "
            "ran their stocks down return to China's capped exporters"
        ),
    ),
    Check(
        "the NdPr price of 2015-12 is at most half of its 2011-12 peak", "baseline", "ndpr_2015_over_peak", hi=0.5,
        fact="F17", target="about 0.2 (40 against about 200 USD/kg)",
        why_if_fail=(
            "once the quota rent is gone the index follows China's costs, which the compliance costs and the "
            "crackdown's expected penalty on illegal mining keep above their 2009 level"
        ),
    ),
    Check(
        "the DyTb price index of 2011 over 2009", "baseline", "dytb_2011_over_2009", lo=5, fact="F21",
        target="about 10x (Dy oxide)",
        why_if_fail=(
            "the DyTb spike is high but brief: its export rent peaks in the winter of 2010-11 and is gone by "
            "mid-2011, so the 2011 mean stays far below the peak"
        ),
    ),
    Check(
        "the DyTb price of 2015-12 is at most half of its 2011-12 peak", "baseline", "dytb_2015_over_peak", hi=0.5,
        fact="F21", target="about 0.2 (230 against about 1400 USD/kg)",
        why_if_fail=(
            "in some seeds the DyTb spike is small and DyTb rises again with China's compliance costs, so 2015-12 is "
            "near or above the 2011-12 peak"
        ),
    ),
    Check(
        "smuggling falls after the crackdown (2012-14 over 2009-10)", "baseline", "smuggled_2012_14_over_2009_10",
        hi=0.5, fact="F22", target="much lower",
    ),
    Check(
        "China's NdPr export price is above its domestic price in 2010-11", "baseline",
        "ndpr_export_over_domestic_2010_11", lo=1.1, target="above (the two-tier price, DESIGN section 5)",
        why_if_fail=(
            "buyers abroad take the networks' goods instead of applying to China's legal exporters, so the quota "
            "binds less and the premium stays small"
        ),
    ),
    Check(
        "China's DyTb export price is above its domestic price in 2010-11", "baseline",
        "dytb_export_over_domestic_2010_11", lo=1.1, target="above",
        why_if_fail="as for NdPr: smugglers carry goods around the quota, so the premium stays small",
    ),
    Check(
        "without smuggling Japan gets less from China during the embargo (share of its early-2010 supply)",
        "no_smuggling", "japan_china_supply_kept", versus="baseline", hi=-0.5, target="lower",
    ),
    Check(
        "without smuggling Japan's customers are left shorter from the embargo to 2011 (unmet demand, t)",
        "no_smuggling", "japan_unmet_embargo_t", versus="baseline", lo=1e-6, target="larger",
        why_if_fail=(
            "Japan's customers buy magnets, which the embargo does not cover, and cut their use when prices jump, "
            "so in some seeds no Japanese customer goes short in either world: the harm shows in their use and in "
            "Japan's magnet makers' output instead (the next checks)"
        ),
    ),
    Check(
        "without smuggling Japan's customers use less from the embargo to 2011 (their need, t)", "no_smuggling",
        "japan_need_embargo_t", versus="baseline", hi=-1e-6, target="lower: prices jump",
    ),
    Check(
        "without smuggling Japan's magnet makers produce less in 2010 (ratio to 2009)", "no_smuggling",
        "japan_magnet_output_2010_over_2009", versus="baseline", hi=-0.05, target="lower",
        why_if_fail=(
            "without smugglers Japan's makers are smaller already in 2009 (japan_magnet_output_2009_t), so the "
            "two-month embargo moves their 2010 output over that smaller 2009 by only a few points in some seeds"
        ),
    ),
    Check(
        "without smuggling the NdPr price spike is higher (peak over 2009)", "no_smuggling", "ndpr_peak_over_2009",
        versus="baseline", lo=0.5, target="higher",
        why_if_fail=(
            "in 2011, when the spike peaks, the crackdown has cut the networks' cargo (smuggled_2011_t), so "
            "smugglers change when the rent starts (two checks below) more than how high it rises"
        ),
    ),
    Check(
        "without smuggling the NdPr price peaks earlier (years)", "no_smuggling", "ndpr_peak_year",
        versus="baseline", hi=-1, target="earlier",
        why_if_fail=(
            "both worlds peak in 2011: without smugglers the spike starts sooner (next check), but its end and its "
            "highest month move by a few months either way, not by a year"
        ),
    ),
    Check(
        "without smuggling the NdPr spike starts sooner (index of 2010-10..12 over 2009)", "no_smuggling",
        "ndpr_late_2010_over_2009", versus="baseline", lo=0.5, target="higher: nothing gets around the quota",
    ),
    Check(
        "without smuggling the gap between China's NdPr export and domestic prices is wider", "no_smuggling",
        "ndpr_export_over_domestic_2010_11", versus="baseline", lo=0.2, target="wider",
    ),
    Check(
        "without a Japanese stockpile Japan's customers are left shorter from the embargo to 2011 (unmet demand, t)",
        "no_stockpile", "japan_unmet_embargo_t", versus="baseline", lo=1e-6, target="larger",
        why_if_fail=(
            "no Japanese customer goes short in either world, so there is no shortage for the stockpile to "
            "relieve: it is bought after the shock, at the top of the spike"
        ),
    ),
    Check(
        "without a Japanese stockpile Japan's magnet makers produce less in 2011 (ratio to 2009)", "no_stockpile",
        "japan_magnet_output_2011_over_2009", versus="baseline", hi=-1e-6, target="lower",
        why_if_fail=(
            "the state buys its stockpile at the top of the spike and releases it only when import prices double "
            "again, so it gives Japan's makers little, and which way their output moves without it varies by seed"
        ),
    ),
    Check(
        "without a Japanese stockpile Japan pays less for NdPr in the year from the embargo (ratio to early 2010)",
        "no_stockpile", "japan_ndpr_import_price_year_after_over_2010h1", versus="baseline", hi=-1e-6,
        target="lower: the stockpile is bought in the shortage",
        why_if_fail=(
            "the stockpile's purchases add to the applications to China's export quota, but the quota rent they "
            "add is small beside the seed-to-seed spread of the spike"
        ),
    ),
    Check(
        "a 12-month embargo leaves Japan's customers short from the embargo to 2011 (unmet demand, t)",
        "long_embargo", "japan_unmet_embargo_t", versus="baseline", lo=1e-6, target="larger",
        why_if_fail=(
            "Japan's customers buy magnets, which the embargo does not cover: what Japan's makers no longer make "
            "comes out of their shipments abroad or is replaced by magnets made elsewhere, so almost no Japanese "
            "customer goes short"
        ),
    ),
    Check(
        "a 12-month embargo cuts Japan's magnet output in 2011 (ratio to 2009)", "long_embargo",
        "japan_magnet_output_2011_over_2009", versus="baseline", hi=-0.2, target="lower",
    ),
    Check(
        "a 12-month embargo leaves more of Japan's supply from China cut off", "long_embargo",
        "japan_china_supply_kept", versus="baseline", hi=-0.3, target="lower",
    ),
    Check(
        "a 12-month embargo raises Japan's NdPr import price in the year from the embargo (ratio to early 2010)",
        "long_embargo", "japan_ndpr_import_price_year_after_over_2010h1", versus="baseline", lo=0.5, target="higher",
        why_if_fail=(
            "it is lower: barred from China's legal exporters, Japan's buyers stop applying to China's export quota, "
            "which then stops binding, so the quota rent is gone by early 2011 and what Japan buys (smuggled "
            "oxide, its stockpile's purchases) costs far less than oxide carrying the rent"
        ),
    ),
    Check(
        "a 12-month embargo gives a higher NdPr price spike (peak over 2009)", "long_embargo", "ndpr_peak_over_2009",
        versus="baseline", lo=1e-6, target="higher",
        why_if_fail=(
            "while Japan is barred the quota rent collapses (see the check above), and it does not come back when "
            "Japan's buyers return (the 2012 check below), so the highest month of 2011-12 is below the baseline's"
        ),
    ),
    Check(
        "a 12-month embargo leaves fewer applications abroad for China's NdPr exports in 2011-01..08 (t)",
        "long_embargo", "china_ndpr_applications_2011_t", versus="baseline", hi=-1000, target="lower: Japan barred",
    ),
    Check(
        "a 12-month embargo moves the NdPr spike into 2012 (2012 mean over 2009)", "long_embargo",
        "ndpr_2012_over_2009", versus="baseline", lo=0.2, target="higher: Japan's makers return with empty stocks",
        why_if_fail=(
            "Japan's buyers return after the embargo and apply for more than in the baseline, but not enough to make "
            "the quota bind again: the 2012 NdPr index stays at the baseline's"
        ),
    ),
    Check(
        "without the crackdown smuggling stays higher in 2012-14 (t/yr)", "no_crackdown",
        "smuggled_2012_14_t_per_yr", versus="baseline", lo=1000, target="higher",
    ),
    Check(
        "without the crackdown the NdPr price rises less in 2011 (2011 mean over 2009)", "no_crackdown",
        "ndpr_2011_over_2009", versus="baseline", hi=-0.2, target="lower: smugglers keep supplying buyers abroad",
    ),
)  # fmt: skip

INDICATORS = {
    "ndpr_peak_over_2009": "NdPr oxide price index: highest month of 2011-12 over the 2009 mean",
    "ndpr_2011_over_2009": "NdPr oxide price index: 2011 mean over 2009 mean",
    "ndpr_2015_over_peak": "NdPr oxide price index: 2015-12 over the 2011-12 peak",
    "ndpr_peak_year": "year of the highest NdPr month of 2010-16",
    "dytb_peak_over_2009": "DyTb oxide price index: highest month of 2011-12 over the 2009 mean",
    "dytb_2011_over_2009": "DyTb oxide price index: 2011 mean over 2009 mean",
    "dytb_2015_over_peak": "DyTb oxide price index: 2015-12 over the 2011-12 peak",
    "dytb_peak_year": "year of the highest DyTb month of 2010-16",
    "ndpr_fall_3y_after_peak": (
        "share by which the NdPr index falls from its highest month of 2010-16 to its lowest of the next 36 months "
        "(n/a if the run ends sooner)"
    ),
    "ndpr_late_2010_over_2009": "NdPr oxide price index: mean of 2010-10..12 over the 2009 mean",
    "ndpr_2012_over_2009": "NdPr oxide price index: 2012 mean over the 2009 mean",
    "smuggled_2008_t": "smuggled out of China in 2008, t (all tiers)",
    "china_mining_2005_09_t_per_yr": "China's mine output (legal and illegal), t/yr, mean of 2005-09",
    "smuggled_2005_09_t_per_yr": "smuggled t/yr, mean of 2005-09",
    "smuggled_share_of_exits_2008": "smuggled share of concentrate and oxides leaving China in 2008 (t)",
    "smuggled_share_of_china_mining_2005_09": "smuggled t over China's mine output t, 2005-09",
    "smuggled_2009_10_t_per_yr": "smuggled t/yr, mean of 2009-10",
    "smuggled_2012_14_t_per_yr": "smuggled t/yr, mean of 2012-14",
    "smuggled_2012_14_over_2009_10": "smuggled t/yr, 2012-14 over 2009-10",
    "smuggled_2011_t": "smuggled out of China in 2011, t (all tiers)",
    "illegal_mining_2011_over_2010": "output of China's illegal mines, 2011 over 2010",
    "illegal_mining_2013_over_2010": "output of China's illegal mines, 2013 over 2010",
    "embargo_months": "months of the embargo on Japan (from the events table)",
    "japan_china_supply_kept": (
        "Japan's concentrate and oxides from China (legal, smuggled, stockpile) during the embargo over its "
        "monthly mean of 2010-01..06"
    ),
    "japan_smuggled_share_embargo": "smuggled share of Japan's concentrate and oxides from China during the embargo",
    "japan_share_of_smuggled_embargo": "Japan's share of the tonnage smuggled out of China during the embargo",
    "japan_ndpr_import_price_year_after_over_2010h1": (
        "Japan's NdPr import price (value over t, all origins) in the 12 months from the embargo over 2010-01..06"
    ),
    "japan_stockpile_ndpr_t": "NdPr oxide Japan's state buys for its stockpile from the embargo to 2011-12, t",
    "japan_stockpile_ndpr_price_over_2010h1": ("mean price of that NdPr over Japan's NdPr import price of 2010-01..06"),
    "japan_magnet_output_2010_over_2009": "Japanese magnet makers' output, 2010 over 2009",
    "japan_magnet_output_2011_over_2009": "Japanese magnet makers' output, 2011 over 2009",
    "japan_magnet_output_2009_t": "Japanese magnet makers' output in 2009, t",
    "japan_magnet_output_2010_t": "Japanese magnet makers' output in 2010, t",
    "japan_china_supply_2007_09_t_per_yr": (
        "Japan's concentrate and oxides from China (legal, smuggled), t/yr, mean of 2007-09 (before the embargo)"
    ),
    "japan_magnet_imports_2011_over_2009": "Japan's magnet imports (t, all origins), 2011 over 2009",
    "japan_magnet_exports_2011_over_2009": "magnets shipped from Japan abroad (t, all destinations), 2011 over 2009",
    "japan_unmet_embargo_t": "Japan's customers' unmet demand from the embargo's first month to 2011-12, t",
    "japan_need_embargo_t": (
        "Japan's customers' need (what they would use, after their response to prices) from the embargo's first "
        "month to 2011-12, t"
    ),
    "japan_unmet_share_embargo": "Japan's customers' unmet demand over their need, embargo to 2011-12",
    "concentrate_export_over_domestic_2010_11": "China's legal concentrate export price over domestic price, 2010-11",
    "ndpr_export_over_domestic_2010_11": "China's legal NdPr export price over domestic price, 2010-11",
    "ndpr_export_over_domestic_2010h2": "China's legal NdPr export price over domestic price, 2010-07..12",
    "china_ndpr_applications_2011_t": (
        "applications from buyers abroad to China's legal NdPr exporters (capped by the export quota), 2011-01..08, t"
    ),
    "dytb_export_over_domestic_2010_11": "China's legal DyTb export price over domestic price, 2010-11",
}


def seeds_above(r: Result, variant: str, indicator: str, margin: float = 0.0) -> str:
    """'k of n': the seeds in which the variant's indicator exceeds the baseline's by more than `margin`."""
    pairs = r.pairs(variant, indicator)
    return f"{sum(cf > base + margin for cf, base in pairs)} of {len(pairs)}"


def seeds_below(r: Result, variant: str, indicator: str) -> str:
    """'k of n': the seeds in which the variant's indicator is below the baseline's."""
    pairs = r.pairs(variant, indicator)
    return f"{sum(cf < base for cf, base in pairs)} of {len(pairs)}"


def narrative(r: Result) -> str:
    m, b, some = r.text, r.summary, r.percent  # median; median [band]; share of seeds

    base = "baseline"
    lines = [
        f"**Smuggling before 2010.** Smuggling networks carry {b(base, 'smuggled_2008_t')} t out of China in 2008 "
        f"(median [90% band] across seeds), {m(base, 'smuggled_share_of_exits_2008')} of the concentrate and oxides "
        f"that leave China. Over 2005-09 they carry {m(base, 'smuggled_2005_09_t_per_yr')} t/yr, "
        f"{m(base, 'smuggled_share_of_china_mining_2005_09')} of China's mine output of "
        f"{m(base, 'china_mining_2005_09_t_per_yr')} t/yr: about half of what was reported for 2008 (F09), and far "
        "from 'up to half' of output (F10). They start when the export duties of 2006-07 make evading them pay.",
        "",
        f"**The embargo.** It is in force for {m(base, 'embargo_months')} months (2010-09 and 2010-10 at the model's "
        f"monthly step). In those months Japan gets {b(base, 'japan_china_supply_kept')} times its monthly supply "
        f"of concentrate and oxides from China of early 2010, a share {m(base, 'japan_smuggled_share_embargo')} of "
        "it smuggled: the networks' margin widens when the quota cut of 2010 raises the price abroad, and Japan's "
        f"buyers, cut off from China's legal sellers, take {m(base, 'japan_share_of_smuggled_embargo')} of what "
        f"they ship. Japan's magnet makers produce {m(base, 'japan_magnet_output_2010_over_2009')} times their 2009 "
        f"output in 2010 and {m(base, 'japan_magnet_output_2011_over_2009')} times in 2011; Japan's NdPr import "
        f"price in the 12 months from the embargo is {m(base, 'japan_ndpr_import_price_year_after_over_2010h1')} "
        "times its early-2010 level. Japan's customers (users of magnets, which the embargo does not cover, and "
        f"of concentrate) are left short of {b(base, 'japan_unmet_embargo_t')} t from the embargo to 2011-12, out "
        f"of a need of {m(base, 'japan_need_embargo_t')} t (short at all in {some(base, 'japan_unmet_embargo_t')} "
        "of seeds). As modelled, the two-month embargo itself barely cuts Japan's supply: smuggling keeps it going; "
        "what cuts its makers' output is the price spike that the quota cut starts (see Prices). Japan "
        "still reacts (the embargo is its shock): it raises its buyers' inventory targets, puts a risk premium on "
        "China, starts a stockpile and co-finances Lynas (see the japan_response experiment).",
        "",
        "**Prices.** China's second export batch of 2010 is much smaller than the first, and buyers abroad, who also "
        "stock up on the news of the quota cut, the embargo and the crackdown (docs/ODD.md 7.9), apply for more "
        "than it allows: the export premium (the quota's rent, ODD 7.1) climbs, and the NdPr index, which "
        "weighs all trade, with it. Its 2011 mean is "
        f"{b(base, 'ndpr_2011_over_2009')} times the 2009 mean, its highest month of 2011-12 "
        f"{b(base, 'ndpr_peak_over_2009')} times (DyTb {b(base, 'dytb_2011_over_2009')} and "
        f"{b(base, 'dytb_peak_over_2009')}). The highest month of 2010-16 falls in {b(base, 'ndpr_peak_year')} for "
        f"NdPr and {b(base, 'dytb_peak_year')} for DyTb. Within three years of its peak NdPr falls by "
        f"{b(base, 'ndpr_fall_3y_after_peak')} of it; in 2015-12 it is at {m(base, 'ndpr_2015_over_peak')} of its "
        f"2011-12 peak, and DyTb at {m(base, 'dytb_2015_over_peak')}. As in the record (F17, F21), the spike comes "
        "in 2011 and falls most of the way back: it ends when buyers abroad, stocked up and using less at such "
        "prices, apply for less than the quota. The DyTb rent is high but brief, gone by mid-2011, so DyTb's "
        "2011 mean stays far below its peak.",
        "",
        "**The two-tier price.** In 2010-11 China's legal export price is "
        f"{b(base, 'ndpr_export_over_domestic_2010_11')} times its domestic price for NdPr, "
        f"{b(base, 'dytb_export_over_domestic_2010_11')} for DyTb and "
        f"{m(base, 'concentrate_export_over_domestic_2010_11')} for concentrate. Smugglers blunt it at first: in "
        f"2010-07..12 the NdPr ratio is {m(base, 'ndpr_export_over_domestic_2010h2')} with them and "
        f"{m('no_smuggling', 'ndpr_export_over_domestic_2010h2')} without them. But as the crackdown seizes their "
        "cargo in 2011, the buyers abroad they supplied turn to China's legal exporters and keep the quota binding "
        "for longer.",
        "",
        f"**The crackdown.** Smuggling falls from {m(base, 'smuggled_2009_10_t_per_yr')} t/yr in 2009-10 to "
        f"{m(base, 'smuggled_2012_14_t_per_yr')} t/yr in 2012-14 (ratio {b(base, 'smuggled_2012_14_over_2009_10')}): "
        "seizures and arrests cut the networks' capacity and make the trade unprofitable. The illegal mines' output "
        f"in 2011 is {m(base, 'illegal_mining_2011_over_2010')} of its 2010 level, the spike's prices offsetting "
        f"the crackdown's expected penalty, and {m(base, 'illegal_mining_2013_over_2010')} of it in 2013, selling "
        "at home. The consolidation of 2015 changes little in the model: China's legal firms are state-backed from "
        "the start, so merging them into groups only pools their cash; no variant here removes it.",
        "",
        "Each counterfactual (to 2016):",
        "",
    ]
    for v in r.experiment.variants[1:]:
        lines.append(
            f"- **{v.name}** ({v.label}): Japan gets {m(v.name, 'japan_china_supply_kept')} of its early-2010 supply "
            f"from China during the embargo; its magnet makers' output is "
            f"{m(v.name, 'japan_magnet_output_2010_over_2009')} (2010) and "
            f"{m(v.name, 'japan_magnet_output_2011_over_2009')} (2011) of 2009; its customers' unmet demand "
            f"{b(v.name, 'japan_unmet_embargo_t')} t of a need of {m(v.name, 'japan_need_embargo_t')} t (embargo to "
            f"2011-12); NdPr peak {m(v.name, 'ndpr_peak_over_2009')}x 2009 in {m(v.name, 'ndpr_peak_year')}, DyTb "
            f"peak {m(v.name, 'dytb_peak_over_2009')}x; NdPr export over domestic price "
            f"{m(v.name, 'ndpr_export_over_domestic_2010_11')}; smuggling {m(v.name, 'smuggled_2012_14_t_per_yr')} "
            "t/yr in 2012-14."
        )
    ns, le, nc = "no_smuggling", "long_embargo", "no_crackdown"
    lines += [
        "",
        "Without smugglers (a world that never had them) the embargo is tight: nothing comes from China. Before it, "
        "China's legal exports make up for most of the smuggled oxide: Japan gets "
        f"{b(ns, 'japan_china_supply_2007_09_t_per_yr')} t/yr of concentrate and oxides from China in 2007-09, "
        f"against {b(base, 'japan_china_supply_2007_09_t_per_yr')} t/yr with smugglers; Japan's magnet makers "
        f"make {b(ns, 'japan_magnet_output_2009_t')} t in 2009, against {b(base, 'japan_magnet_output_2009_t')} t "
        f"with smugglers (less in {seeds_below(r, ns, 'japan_magnet_output_2009_t')} seeds). The two-month "
        "embargo shows in their yearly output: their 2010 output over 2009 is "
        f"{b(ns, 'japan_magnet_output_2010_over_2009')}, against {b(base, 'japan_magnet_output_2010_over_2009')} "
        f"with smugglers (lower in {seeds_below(r, ns, 'japan_magnet_output_2010_over_2009')} seeds), and they "
        f"make {b(ns, 'japan_magnet_output_2010_t')} t in 2010 against {b(base, 'japan_magnet_output_2010_t')} t. "
        "Nothing gets around the quota, so the spike starts sooner: the NdPr index of 2010-10..12 "
        f"is {b(ns, 'ndpr_late_2010_over_2009')} times 2009, against {b(base, 'ndpr_late_2010_over_2009')} with "
        f"smugglers (higher in {seeds_above(r, ns, 'ndpr_late_2010_over_2009')} seeds). Its end moves by a few "
        f"months either way, so it peaks in {m(ns, 'ndpr_peak_year')} as well, at {b(ns, 'ndpr_peak_over_2009')} "
        "times 2009. Japan's customers pay for it in use and in shortage: their need from the embargo to 2011-12 is "
        f"{m(ns, 'japan_need_embargo_t')} t against {m(base, 'japan_need_embargo_t')} t, and some of them go short "
        f"in {some(ns, 'japan_unmet_embargo_t')} of seeds (in {some(base, 'japan_unmet_embargo_t')} with "
        f"smugglers). Japan's state buys {b(base, 'japan_stockpile_ndpr_t')} t of NdPr for the stockpile its shock "
        f"rule sets up, at {m(base, 'japan_stockpile_ndpr_price_over_2010h1')} times Japan's early-2010 import "
        "price: at the top of the spike. It gives Japan's customers nothing they lack (none goes short in either "
        "world) and its makers no clear gain (their 2011 output is "
        f"{b('no_stockpile', 'japan_magnet_output_2011_over_2009')} "
        f"of 2009 without it, against {b(base, 'japan_magnet_output_2011_over_2009')}). A 12-month embargo cuts "
        "Japan's supply and its makers' output (2010 over 2009 "
        f"{b(le, 'japan_magnet_output_2010_over_2009')}, against {b(base, 'japan_magnet_output_2010_over_2009')}; "
        f"2011 over 2009 {b(le, 'japan_magnet_output_2011_over_2009')}, against "
        f"{b(base, 'japan_magnet_output_2011_over_2009')}, which swings with the spike: lower in "
        f"{seeds_below(r, le, 'japan_magnet_output_2011_over_2009')} seeds), but magnets are not "
        "embargoed: what Japan's makers no "
        "longer make comes out of their shipments abroad (2011 over 2009 "
        f"{b(le, 'japan_magnet_exports_2011_over_2009')}, against {b(base, 'japan_magnet_exports_2011_over_2009')}; "
        f"lower in {seeds_below(r, le, 'japan_magnet_exports_2011_over_2009')} seeds: the exports move with the "
        "output, and where the baseline's spike cuts its makers' output more, the baseline's exports are the lower) "
        "or is replaced by magnets made elsewhere (Japan's magnet imports of 2011 are "
        f"{m(le, 'japan_magnet_imports_2011_over_2009')} times those of 2009, against "
        f"{m(base, 'japan_magnet_imports_2011_over_2009')}; higher in "
        f"{seeds_above(r, le, 'japan_magnet_imports_2011_over_2009')} seeds), and its customers go short in "
        f"{some(le, 'japan_unmet_embargo_t')} of seeds, by a share {b(le, 'japan_unmet_share_embargo')} of their "
        "need. But it does not make the oxide dearer for Japan: barred "
        "from China's legal exporters, Japan's buyers stop applying for the quota (applications abroad in "
        f"2011-01..08 {m(le, 'china_ndpr_applications_2011_t')} t against {m(base, 'china_ndpr_applications_2011_t')} "
        "t), which then stops binding, so the quota rent collapses early in 2011 (the NdPr index of 2011 is "
        f"{b(le, 'ndpr_2011_over_2009')} times 2009). Japan's buyers return in 2012, but the rent comes back (the "
        f"2012 mean above the baseline's by more than {COMEBACK_MARGIN} of the 2009 level) in only "
        f"{seeds_above(r, le, 'ndpr_2012_over_2009', COMEBACK_MARGIN)} seeds: the 2012 mean is "
        f"{b(le, 'ndpr_2012_over_2009')} times 2009, against {b(base, 'ndpr_2012_over_2009')}. "
        "Without the crackdown smuggling goes on: "
        f"{m(nc, 'smuggled_2011_t')} t in 2011 against {m(base, 'smuggled_2011_t')} t, and "
        f"{m(nc, 'smuggled_2012_14_t_per_yr')} t/yr in 2012-14. The networks keep supplying buyers abroad, so "
        "fewer of them apply to China's legal exporters and the NdPr rent ends sooner: the 2011 mean is "
        f"{b(nc, 'ndpr_2011_over_2009')} times 2009. DyTb's peak is {b(nc, 'dytb_peak_over_2009')} times 2009, "
        f"against {b(base, 'dytb_peak_over_2009')} with the crackdown (higher without it in "
        f"{seeds_above(r, nc, 'dytb_peak_over_2009')} seeds), a difference that comes from how the three tiers "
        "share one quota and that this experiment does not trace.",
    ]
    return "\n".join(lines)


def figures(r: Result, out: Path) -> list[tuple[str, str]]:
    marks = {"2010-09": "embargo, crackdown", "2015-01": "consolidation"}
    band_figure(
        r,
        {"price_dytb_oxide": "DyTb oxide, USD/kg", "price_ndpr_oxide": "NdPr oxide, USD/kg"},
        out / "prices.png",
        logy=("price_ndpr_oxide", "price_dytb_oxide"),
        start="2008-01",
        end="2016-12",
        title="Oxide price indices",
        mark=marks,
    )
    band_figure(
        r,
        {
            "japan_smuggled_from_china_t": "smuggled from China, t/month",
            "japan_from_china_t": "all from China, t/month",
            "japan_unmet_t": "customers' unmet demand, t/month",
        },
        out / "japan_supply.png",
        start="2008-01",
        end="2013-12",
        title="Japan: supply from China, unmet demand",
        mark={"2010-09": "embargo", "2011-05": "crackdown II"},
    )
    band_figure(
        r,
        {"smuggled_t_per_yr": "smuggled out of China, t/yr", "japan_magnet_output_t": "Japan's magnet output, t/yr"},
        out / "smuggling.png",
        start="2000-01",
        end="2016-12",
        title="Smuggling and Japan's magnet makers",
        mark={"2010-09": "embargo", "2015-01": "consolidation"},
    )
    band_figure(
        r,
        {
            "ndpr_export_over_domestic": "NdPr: export over domestic price",
            "dytb_export_over_domestic": "DyTb: export over domestic price",
        },
        out / "two_tier.png",
        variants=("baseline", "long_embargo", "no_crackdown"),
        start="2008-01",
        end="2016-12",
        title="China's two-tier price (legal trade)",
        mark=marks,
    )
    return [
        ("prices.png", "DyTb and NdPr oxide price indices 2008-2016 by world (log scale)."),
        (
            "japan_supply.png",
            "Japan's monthly concentrate and oxides from China (the smuggled part, and all of it) and its customers' "
            "unmet demand.",
        ),
        ("smuggling.png", "Smuggled tonnage per year and the output of Japan's magnet makers, by world."),
        ("two_tier.png", "China's legal export price over its domestic price, per month (NdPr and DyTb)."),
    ]


EXPERIMENT = Experiment(
    name="embargo_2010",
    title="The 2010 embargo on Japan, smuggling and the crackdown",
    question=(
        "How much did China's 2010 embargo hurt Japan, given smuggling, and what did the crackdown on "
        "smuggling and illegal mining (and the consolidation after it) do?"
    ),
    variants=VARIANTS,
    measure=measure,
    checks=CHECKS,
    indicators=INDICATORS,
    narrative=narrative,
    figures=figures,
)

__all__ = ["EXPERIMENT", "china_prices", "long_embargo", "measure", "no_smuggling"]
