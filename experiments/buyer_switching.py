"""Buyer switching: how fast does market share move to a cheaper entrant, as a function of its cost
gap, of buyers' loyalty and of their switching cost, and what does that mean for any non-Chinese
entrant?

A small market of its own (experiments/scenarios/buyer_switching.toml): Japanese buyers of
concentrate served by an incumbent mine in China, and an entrant mine in Australia of the same
grade and ore that opens in 2001 at a lower unit cost. Buyers split their orders by a logit on
landed cost, with loyalty to last month's suppliers and a switching cost for new ones
(model/market.py, the same rule in every tier); sellers set their asking prices from their sales
and stocks. The entrant's monthly share of the buyers' purchases (flows) gives its share half-life:
the month after opening in which it first reaches half of its final share (its mean share in the
last year of the run). The variants change the entrant's cost gap (5% to 40% cheaper, and 20%
dearer), the buyers' loyalty (0 and 10 against 3) and switching cost (30% of the price against
3%), and make the incumbent a state-backed firm of a dominance-seeking China, which directs it to
undercut once foreign capacity grows (the undercutting rule of the history world).

This experiment does not run the history world; that a cheaper supplier wins share there (China's
share of world magnet output in 2020, F31) is checked in `hitachi_nc`.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from experiments import edits
from experiments.experiment import Check, Experiment, Measures, Result, Variant
from experiments.metrics import RunOutput
from experiments.report import band_figure, curve_figure, fmt
from model.goods import month_index
from model.params import ModelParams

if TYPE_CHECKING:
    from model.model import RareEarthModel

SCENARIO = str(Path(__file__).parent / "scenarios" / "buyer_switching.toml")
INCUMBENT, ENTRANT = "Incumbent mine", "Entrant mine"
INCUMBENT_COUNTRY, ENTRANT_COUNTRY, BUYER_COUNTRY = "CHN", "AUS", "JPN"
TIER = "concentrate"
INCUMBENT_COST_USD_PER_KG = 2.0
"""The incumbent's unit cost in the scenario file; the entrant's is set from it and the gap."""
BASE_GAP = 0.10
"""The entrant's cost gap in the scenario file (the baseline)."""
GAPS = (0.05, 0.10, 0.20, 0.40)
DEARER_GAP = -0.20
"""A dearer entrant (its cost 20% above the incumbent's), as a Western plant against China."""
LOYALTY_LOW, LOYALTY_HIGH = 0.0, 10.0
"""Buyers' loyalty against the default of 3 (`ModelParams.loyalty`)."""
SWITCHING_HIGH = 0.30
"""Buyers' switching cost, share of the price, against the default of 0.03."""
SETTINGS: dict[str, tuple[str, tuple[tuple[str, float], ...]]] = {
    "": ("default buyers (loyalty 3, switching cost 3%)", ()),
    "loyalty_0": ("no loyalty", (("loyalty", LOYALTY_LOW),)),
    "loyalty_10": (f"loyalty {LOYALTY_HIGH:g}", (("loyalty", LOYALTY_HIGH),)),
    "switching_30": (f"switching cost {SWITCHING_HIGH:.0%}", (("switching_cost_frac", SWITCHING_HIGH),)),
}
"""Buyer settings (name suffix -> legend, parameter overrides), each run at every gap."""
DIRECTED_GAPS = (0.10, 0.20, 0.40)
FINAL_MONTHS = 12
"""The entrant's final share: its mean share over the last this many months of the run."""
EARLY_MONTHS = 3
"""Its early share: its mean share over its first this many months."""
FAST_HALF_LIFE_MONTHS = 6
"""The headline: the baseline entrant reaches half its final share within this many months."""


# --- edits --------------------------------------------------------------------------------------
def entrant_cost_gap(data: edits.Data, gap: float) -> None:
    """The entrant's unit cost is `gap` below the incumbent's (a negative gap: above it)."""
    edits.firm(data, ENTRANT)["unit_cost_usd_per_kg"] = INCUMBENT_COST_USD_PER_KG * (1.0 - gap)


def directed_incumbent(data: edits.Data) -> None:
    """The incumbent is a state-backed firm of a state that seeks dominance (it directs it to
    undercut when foreign capacity grows, and pays its losses)."""
    edits.state(data, INCUMBENT_COUNTRY)["dominance"] = True
    edits.firm(data, INCUMBENT)["state_backed"] = True


# --- measures -----------------------------------------------------------------------------------
def monthly_shares(run: RunOutput) -> pd.DataFrame:
    """Per month: the buyers' purchases from each seller's country (t), the entrant's share and
    each seller's unit value (USD/kg)."""
    f = run.flows
    f = f[(f["tier"] == TIER) & (f["destination"] == BUYER_COUNTRY)]
    q = f.pivot_table(index="date", columns="origin", values="quantity_t", aggfunc="sum").fillna(0.0)
    v = f.pivot_table(index="date", columns="origin", values="value_usd", aggfunc="sum").fillna(0.0)
    out = pd.DataFrame(index=q.index)
    for who, country in (("entrant", ENTRANT_COUNTRY), ("incumbent", INCUMBENT_COUNTRY)):
        qc = q[country] if country in q else pd.Series(0.0, index=q.index)
        vc = v[country] if country in v else pd.Series(0.0, index=q.index)
        out[f"{who}_t"] = qc
        out[f"{who}_price"] = (vc / (qc * 1000.0)).where(qc > 0)
    total = out["entrant_t"] + out["incumbent_t"]
    out["entrant_share"] = (out["entrant_t"] / total).where(total > 0)
    return out


def half_life_months(share: np.ndarray, final: float) -> float:
    """The month after opening (1 = the opening month) in which the share first reaches half of
    `final`; NaN if it never does."""
    hit = np.flatnonzero(share >= final / 2.0)
    return float(hit[0] + 1) if hit.size and final > 0 else math.nan


def measure(run: RunOutput, model: RareEarthModel) -> Measures:
    """The entrant's share month by month after it opens, its half-life, final share and prices."""
    ev = run.events
    opens = ev[(ev["actor"] == ENTRANT) & (ev["kind"] == "open")]
    months = monthly_shares(run)
    nan = math.nan
    scalars = dict.fromkeys(
        ("entrant_open_month", "half_life_months", "fast_switch", "final_share", "early_share", "peak_share",
         "price_gap_first_year", "price_gap_last_year", "incumbent_stops"),
        nan,
    )  # fmt: skip
    if len(opens):
        opened = str(opens["date"].iloc[0])
        after = months.loc[months.index >= opened]
        share = after["entrant_share"].fillna(0.0).to_numpy()
        final = float(share[-FINAL_MONTHS:].mean())
        gap = 1.0 - after["entrant_price"] / after["incumbent_price"]
        stops = ev[(ev["actor"] == INCUMBENT) & ev["kind"].isin(("mothball", "close"))]
        half = half_life_months(share, final)
        scalars |= {
            "entrant_open_month": float(month_index(opened, run.start)),
            "half_life_months": half,
            "fast_switch": float(half <= FAST_HALF_LIFE_MONTHS),
            "final_share": final,
            "early_share": float(share[:EARLY_MONTHS].mean()),
            "peak_share": float(share.max()),
            "price_gap_first_year": float(gap.iloc[:FINAL_MONTHS].mean()),
            "price_gap_last_year": float(gap.iloc[-FINAL_MONTHS:].mean()),
            "incumbent_stops": float(len(stops) > 0),
        }
    paths = months.reset_index(names="date")[["date", "entrant_share", "entrant_price", "incumbent_price"]]
    return Measures(scalars, paths)


# --- variants -----------------------------------------------------------------------------------
def name_of(gap: float, setting: str = "") -> str:
    """Variant name: the baseline is the scenario's gap with default buyers."""
    if gap == BASE_GAP and not setting:
        return "baseline"
    g = f"gap_{round(gap * 100):02d}" if gap >= 0 else f"gap_minus_{round(-gap * 100):02d}"
    return f"{g}_{setting}" if setting else g


def _variant(gap: float, setting: str) -> Variant:
    legend, params = SETTINGS[setting]
    words = f"the entrant {abs(gap):.0%} {'cheaper' if gap >= 0 else 'dearer'}"
    label = words if not setting else f"{words}, {legend}"
    gap_edit = () if gap == BASE_GAP else (functools.partial(entrant_cost_gap, gap=gap),)
    return Variant(name_of(gap, setting), label, gap_edit, params=params)


VARIANTS = (
    Variant("baseline", f"the scenario: the entrant {BASE_GAP:.0%} cheaper, default buyers"),
    *(_variant(g, s) for s in SETTINGS for g in GAPS if name_of(g, s) != "baseline"),
    _variant(DEARER_GAP, ""),
    *(
        Variant(
            name_of(g, "directed"),
            f"the entrant {g:.0%} cheaper; the incumbent directed by China to undercut",
            (functools.partial(entrant_cost_gap, gap=g), directed_incumbent)
            if g != BASE_GAP
            else (directed_incumbent,),
        )
        for g in DIRECTED_GAPS
    ),
)


# --- checks -------------------------------------------------------------------------------------
SAME_START_NOTE = (
    "a new seller opens at the market's price, not at its own cost-based ask, and cuts it by its overstock "
    "whatever its cost, unless it stands so far above its cost times the target markup that the drift "
    "toward that price is the faster cut (a large gap only); so its first months' shares are about the same "
    "for every gap, and the gap shows mainly once the price war has pushed the incumbent down to its cost, "
    "which raises the final share (and with it the share that counts as half)"
)


def _checks() -> tuple[Check, ...]:
    out = [
        Check(
            f"the cheaper entrant reaches half its final share within {FAST_HALF_LIFE_MONTHS} months "
            "(share of seeds)",
            "baseline", "fast_switch", lo=0.8, stat="share", target="most seeds",
        ),
        Check(
            f"the cheaper entrant reaches half its final share within {FAST_HALF_LIFE_MONTHS} months (median)",
            "baseline", "half_life_months", hi=FAST_HALF_LIFE_MONTHS, target="fast (months)",
        ),
        Check(
            "the cheaper entrant wins most of the market", "baseline", "final_share", lo=0.5,
            target="a cheaper supplier wins share (F31 in the history world: see hitachi_nc)",
        ),
    ]  # fmt: skip
    for g in GAPS:
        if g == BASE_GAP:
            continue
        larger = g > BASE_GAP
        out += [
            Check(
                f"a {g:.0%} gap gives a {'higher' if larger else 'lower'} final share than {BASE_GAP:.0%}",
                name_of(g), "final_share", versus="baseline", **({"lo": 1e-9} if larger else {"hi": -1e-9}),
                target="higher" if larger else "lower",
                why_if_fail="the price war ends at the incumbent's cost whatever the gap, so gaps this close "
                "leave nearly the same final prices",
            ),
            Check(
                f"a {g:.0%} gap gives a {'shorter' if larger else 'longer'} half-life than {BASE_GAP:.0%} (months)",
                name_of(g), "half_life_months", versus="baseline", **({"hi": -1} if larger else {"lo": 1}),
                target="shorter" if larger else "longer", why_if_fail=SAME_START_NOTE,
            ),
        ]  # fmt: skip
    for g in GAPS:
        ref = name_of(g)
        out += [
            Check(
                f"without loyalty the switch is faster (half-life, months; gap {g:.0%})", name_of(g, "loyalty_0"),
                "half_life_months", versus=ref, hi=-1, target="shorter",
            ),
            Check(
                f"with loyalty {LOYALTY_HIGH:g} the switch is slower (half-life, months; gap {g:.0%})",
                name_of(g, "loyalty_10"), "half_life_months", versus=ref, lo=1, target="longer",
            ),
            Check(
                f"with a {SWITCHING_HIGH:.0%} switching cost the entrant's first {EARLY_MONTHS} months' share "
                f"is lower (gap {g:.0%})",
                name_of(g, "switching_30"), "early_share", versus=ref, hi=-0.05, target="lower",
            ),
        ]  # fmt: skip
    out.append(
        Check(
            f"with a {SWITCHING_HIGH:.0%} switching cost the switch is slower (half-life, months; gap {BASE_GAP:.0%})",
            name_of(BASE_GAP, "switching_30"), "half_life_months", versus="baseline", lo=1, target="longer",
            why_if_fail="the switching cost applies only to a supplier not used last month, so it lowers the "
            "entrant's first month or two; the stock it piles up meanwhile makes it cut its price faster (and the "
            "incumbent, which kept its buyers, slower), so its share catches up by the third month (the same at "
            "every gap: see the indicators)",
        )
    )  # fmt: skip
    dearer = name_of(DEARER_GAP)
    out += [
        Check(
            f"an entrant {-DEARER_GAP:.0%} dearer ends with a lower share than a cheaper one", dearer,
            "final_share", versus="baseline", hi=-0.2, target="lower",
        ),
        Check(
            f"an entrant {-DEARER_GAP:.0%} dearer ends with a minority of the market", dearer, "final_share",
            hi=0.5, target="minority",
        ),
    ]  # fmt: skip
    for g in DIRECTED_GAPS:
        out.append(
            Check(
                f"against an incumbent directed to undercut, a {g:.0%} cheaper entrant ends with a lower share",
                name_of(g, "directed"), "final_share", versus=name_of(g), hi=-0.1, target="lower",
                why_if_fail="with a large enough gap the entrant's cost is below the lowest price the directed "
                f"incumbent may ask ({ModelParams().directed_price_factor:.0%} of its cost)",
            )
        )  # fmt: skip
    return tuple(out)


CHECKS = _checks()

INDICATORS = {
    "entrant_open_month": "month of the entrant's opening, counted from the scenario start (0)",
    "half_life_months": "month after opening (1 = the opening month) in which its share first reaches half "
    "its final share",
    "fast_switch": f"1 if that month is {FAST_HALF_LIFE_MONTHS} or earlier",
    "final_share": f"entrant's share of the buyers' purchases, mean of the last {FINAL_MONTHS} months",
    "early_share": f"its share, mean of its first {EARLY_MONTHS} months",
    "peak_share": "its highest monthly share",
    "price_gap_first_year": "1 - entrant's unit value over the incumbent's (flows), mean of its first year",
    "price_gap_last_year": "the same, mean of the last year of the run",
    "incumbent_stops": "1 if the incumbent mothballs or closes",
}


# --- report -------------------------------------------------------------------------------------
def narrative(r: Result) -> str:
    b = "baseline"

    def s(v: str, i: str) -> str:
        return r.summary(v, i)

    def pct(v: str, i: str) -> str:
        lo, hi = r.band(v, i)
        return f"{r.median(v, i):.1%} [{lo:.1%}, {hi:.1%}]"

    lines = [
        f"The entrant opens in month {fmt(r.median(b, 'entrant_open_month'))} of the run. With a "
        f"{BASE_GAP:.0%} lower cost and default buyers, it reaches half of its final share in month "
        f"{s(b, 'half_life_months')} after opening (median [5-95% range]); its final share is "
        f"{s(b, 'final_share')}. It does not open at a lower price: in its first year its price is only "
        f"{pct(b, 'price_gap_first_year')} below the incumbent's, because a new seller starts from the "
        f"market's price and cuts it as its stock piles up; in the last year the gap is "
        f"{pct(b, 'price_gap_last_year')}. Its first months' share comes from buyers' loyalty splitting their "
        f"orders between two sellers at about the same price (its share in the first {EARLY_MONTHS} months is "
        f"{s(b, 'early_share')}). Its cost hardly touches its start: that share is "
        f"{fmt(r.median(name_of(GAPS[0]), 'early_share'))} at a {GAPS[0]:.0%} gap and "
        f"{fmt(r.median(name_of(GAPS[-1]), 'early_share'))} at {GAPS[-1]:.0%}, because it cuts by its overstock "
        f"whatever its cost, unless its ask stands so far above its cost times the target markup that the drift "
        f"toward that price is the faster cut, which it then takes (`update_prices`): a large gap only. That a "
        f"cheaper supplier wins share in the history world is checked in `hitachi_nc` (China's share of world "
        f"magnet output in 2020, F31).",
        "",
        "By cost gap (default buyers): half-life in months and final share, median [5-95% range]:",
        "",
    ]
    for g in (DEARER_GAP, *GAPS):
        v = name_of(g)
        lines.append(
            f"- **{v}** ({r.experiment.variant(v).label}): half-life {s(v, 'half_life_months')}, final share "
            f"{s(v, 'final_share')}, peak share {s(v, 'peak_share')}, price gap in the last year "
            f"{pct(v, 'price_gap_last_year')}."
        )
    lines += ["", "By buyer setting, the median half-life (months) at gaps " + ", ".join(f"{g:.0%}" for g in GAPS)]
    lines += [""]
    for setting, (legend, _) in SETTINGS.items():
        hl = ", ".join(fmt(r.median(name_of(g, setting), "half_life_months")) for g in GAPS)
        early = ", ".join(fmt(r.median(name_of(g, setting), "early_share")) for g in GAPS)
        lines.append(f"- {legend}: half-life {hl}; first {EARLY_MONTHS} months' share {early}.")
    lines += ["", "Against an incumbent directed by a dominance-seeking China to undercut:", ""]
    for g in DIRECTED_GAPS:
        v = name_of(g, "directed")
        lines.append(
            f"- the entrant {g:.0%} cheaper: final share {s(v, 'final_share')} (against "
            f"{fmt(r.median(name_of(g), 'final_share'))} against a commercial incumbent)."
        )
    dearer = name_of(DEARER_GAP)
    floor = ModelParams().directed_price_factor
    weak = [
        f"{g:.0%}"
        for g in DIRECTED_GAPS
        if r.median(name_of(g, "directed"), "final_share") < 0.5 * r.median(name_of(g), "final_share")
    ]
    against = f"a cost gap of {' or '.join(weak)} is not enough" if weak else "every cost gap tried holds"
    lines += [
        "",
        f"What it means for a non-Chinese entrant: buyers' inertia is short, months not years, so an "
        f"entrant that can sell at the market's price wins buyers fast; even one {-DEARER_GAP:.0%} dearer "
        f"peaks at {fmt(r.median(dearer, 'peak_share'))} of the market before the price war brings prices "
        f"down to costs and it ends at {fmt(r.median(dearer, 'final_share'))}. What decides is cost when "
        f"prices reach it: a cheaper entrant keeps a majority, a dearer one keeps a small share (the path of "
        f"Hitachi NC where it opens no cheaper than its rivals, see hitachi_nc), and against an incumbent "
        f"whose state pays it to undercut, down to {floor:.0%} of its cost, {against} (its final share below "
        f"half of that against a commercial incumbent).",
    ]
    return "\n".join(lines)


def figures(r: Result, out: Path) -> list[tuple[str, str]]:
    gap_variants = [name_of(g) for g in (DEARER_GAP, *GAPS)]
    band_figure(
        r,
        {"entrant_share": "entrant's share of purchases", "entrant_price": "entrant's price, USD/kg"},
        out / "share_by_gap.png",
        variants=gap_variants,
        title="Entrant's share by cost gap",
        mark={"2001-01": "entrant opens"},
    )
    band_figure(
        r,
        {"entrant_share": "entrant's share of purchases", "incumbent_price": "incumbent's price, USD/kg"},
        out / "share_directed.png",
        variants=[v for g in (DIRECTED_GAPS[0], DIRECTED_GAPS[-1]) for v in (name_of(g), name_of(g, "directed"))],
        title="Against a state-directed incumbent",
        mark={"2001-01": "entrant opens"},
    )
    x = [100 * g for g in GAPS]
    for indicator, file, ylabel, title in (
        ("half_life_months", "half_life.png", "share half-life, months after opening", "Share half-life"),
        ("final_share", "final_share.png", "entrant's final share", "Entrant's final share"),
    ):
        ys = {legend: [r.median(name_of(g, s), indicator) for g in GAPS] for s, (legend, _) in SETTINGS.items()}
        bands = {
            legend: (
                [r.band(name_of(g, s), indicator)[0] for g in GAPS],
                [r.band(name_of(g, s), indicator)[1] for g in GAPS],
            )
            for s, (legend, _) in SETTINGS.items()
        }
        if indicator == "final_share":
            ys["incumbent directed to undercut"] = [
                r.median(name_of(g, "directed"), indicator) if g in DIRECTED_GAPS else math.nan for g in GAPS
            ]
        banded = indicator == "half_life_months"  # the final shares' bands overlap too much to read
        curve_figure(
            x, ys, out / file, xlabel="entrant's cost gap, % below the incumbent's", ylabel=ylabel,
            title=f"{title} against the cost gap (median{', 5-95% band' if banded else ''}; {len(r.seeds)} seeds)",
            bands=bands if banded else None,
        )  # fmt: skip
    return [
        ("share_by_gap.png", "The entrant's monthly share of the buyers' purchases and its price, by cost gap."),
        (
            "half_life.png",
            "Months until the entrant reaches half its final share, against its cost gap, by buyers (the line "
            "of the 30% switching cost lies on the default one).",
        ),
        (
            "final_share.png",
            "The entrant's final share against its cost gap, by buyers, and against a directed incumbent.",
        ),
        (
            "share_directed.png",
            f"The entrant's share and the incumbent's price, {DIRECTED_GAPS[0]:.0%} and {DIRECTED_GAPS[-1]:.0%} "
            "cheaper, against a commercial and a state-directed incumbent.",
        ),
    ]  # fmt: skip


EXPERIMENT = Experiment(
    name="buyer_switching",
    title="Buyer switching: how fast a cheaper entrant wins share",
    question=(
        "How fast does market share move to a cheaper entrant, as a function of its cost gap, of buyers' "
        "loyalty and switching cost (a share half-life in months), and what does that mean for any "
        "non-Chinese entrant?"
    ),
    variants=VARIANTS,
    measure=measure,
    checks=CHECKS,
    scenario=SCENARIO,
    indicators=INDICATORS,
    narrative=narrative,
    figures=figures,
)

__all__ = ["EXPERIMENT", "directed_incumbent", "entrant_cost_gap", "half_life_months", "measure"]
