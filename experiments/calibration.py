"""Calibration of the history world: which facts it is fitted to, and a random search.

The history world's causes (dated policies, firms, demand paths) come from the record. A few
behavioural parameters cannot be read off the record; they are chosen so that the history run
comes close to the `calibration` rows of the facts file, plus the qualitative outcomes the model
must show (issue 2: a price jump around the 2010 embargo that falls back, Mountain Pass stopping
for losses around the turn of the century, smuggling falling after the crackdown). The sizes and
dates of the `target` rows are left out of the fit and reported by the validation report.

    python -m experiments calibrate --samples 200 --seeds 3 --out results/calibration

draws parameter sets around the current defaults (`SEARCH`), runs the history world for each
over a few seeds and writes `samples.csv` (one row per set: the parameters, the fitted
indicators and the loss), best first.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

SEARCH: dict[str, tuple[float, float]] = {
    "directed_growth_max": (0.25, 0.45),
    "export_premium_gain": (0.3, 1.5),
    "precaution_months": (0.0, 4.0),
    "short_run_elasticity": (0.1, 0.6),
    "price_gain": (0.08, 0.3),
    "spare_tolerance": (0.15, 0.35),
    "dytb_cost_share": (0.2, 0.5),
    "dytb_per_t_magnet": (0.015, 0.03),
    "undercut_release_share": (0.05, 0.2),
    "invest_headroom": (0.1, 0.3),
    "directed_spare_capacity": (0.1, 0.4),
    "restart_margin": (1.1, 1.5),
}
"""Parameters searched and their ranges (within the declared ranges of `ModelParams`)."""


def _year_mean(series: pd.DataFrame, column: str, first: int, last: int | None = None) -> float:
    years = series["date"].str[:4].astype(int)
    sel = (years >= first) & (years <= (last if last is not None else first))
    return float(series.loc[sel, column].mean()) if sel.any() else math.nan


def _fob(flows: pd.DataFrame, tier: str, first: int, last: int | None = None) -> float:
    """Volume-weighted price of China's legal and smuggled exports of `tier`, USD/kg."""
    years = flows["date"].str[:4].astype(int)
    sel = (flows["tier"] == tier) & (flows["origin"] == "CHN") & (flows["destination"] != "CHN")
    sel &= (years >= first) & (years <= (last if last is not None else first))
    q = float(flows.loc[sel, "quantity_t"].sum())
    return float(flows.loc[sel, "value_usd"].sum()) / (q * 1000.0) if q > 0 else math.nan


def _first_stop(events: pd.DataFrame, actor: str) -> float:
    e = events[(events["actor"] == actor) & events["kind"].isin(["mothball", "close"])]
    return float(e["date"].iloc[0][:4]) if len(e) else math.nan


def _country_output(agents: pd.DataFrame, country: str | None, kind: str, year: int) -> float:
    a = agents[(agents["type"] == kind) & (agents["date"] == f"{year}-12")]
    if country is not None:
        a = a[a["country"] == country]
    return float(a["output_t"].sum())


def indicators(tables: dict[str, pd.DataFrame]) -> dict[str, float]:
    """Scalar indicators of one history run that the fit and the validation compare with facts."""
    s, f, e, a = tables["series"], tables["flows"], tables["events"], tables["agents"]
    jpn = e[(e["actor"] == "JPN") & e["detail"].str.startswith("supply shock")]
    shock = float(jpn["date"].iloc[0][:4]) + (int(jpn["date"].iloc[0][5:7]) - 1) / 12 if len(jpn) else math.nan
    out = {
        "china_mining_1990": _year_mean(s, "china_share_mining", 1990),
        "china_mining_2005": _year_mean(s, "china_share_mining", 2004, 2006),
        "china_mining_2020": _year_mean(s, "china_share_mining", 2020),
        "china_refining_2020": _year_mean(s, "china_share_refining", 2020),
        "china_magnets_2020": _year_mean(s, "china_share_magnets", 2020),
        "world_mining_1994_t": _year_mean(s, "output_concentrate_t", 1994) * 12,
        "world_mining_2004_t": _year_mean(s, "output_concentrate_t", 2004) * 12,
        "world_mining_2024_t": _year_mean(s, "output_concentrate_t", 2024) * 12,
        "china_mining_1994_t": _country_output(a, "CHN", "miner", 1994),
        "ndpr_index_2008_09": _year_mean(s, "price_ndpr_oxide", 2008, 2009),
        "ndpr_index_2011_12": _year_mean(s, "price_ndpr_oxide", 2011, 2012),
        "ndpr_index_2014_15": _year_mean(s, "price_ndpr_oxide", 2014, 2015),
        "dytb_index_2008_09": _year_mean(s, "price_dytb_oxide", 2008, 2009),
        "dytb_index_2011_12": _year_mean(s, "price_dytb_oxide", 2011, 2012),
        "dytb_index_2014_15": _year_mean(s, "price_dytb_oxide", 2014, 2015),
        "ndpr_fob_2011": _fob(f, "ndpr_oxide", 2011),
        "ndpr_fob_2014_18": _fob(f, "ndpr_oxide", 2014, 2018),
        "ndpr_fob_2020_24": _fob(f, "ndpr_oxide", 2020, 2024),
        "dytb_fob_2008": _fob(f, "dytb_oxide", 2008),
        "dytb_fob_2011": _fob(f, "dytb_oxide", 2011),
        "smuggled_2008_t": _year_mean(s, "smuggled_t", 2008) * 12,
        "smuggled_2009_10_t": _year_mean(s, "smuggled_t", 2009, 2010) * 12,
        "smuggled_2012_14_t": _year_mean(s, "smuggled_t", 2012, 2014) * 12,
        "mountain_pass_stop_year": _first_stop(e, "Mountain Pass"),
        "japan_shock_year": shock,
    }
    return out


@dataclass(frozen=True)
class Fit:
    """One term of the calibration loss: an indicator against a fact, with a weight."""

    indicator: str
    fact: str  # row of the facts file, or 'issue 2' for a required qualitative outcome
    loss: Callable[[dict[str, float]], float]


# a term whose indicator is missing (a run too short, an event that never came) costs 4.0
def _log_err(name: str, target: float) -> Callable[[dict[str, float]], float]:
    return lambda m: math.log(max(m[name], 1e-9) / target) ** 2 if np.isfinite(m[name]) else 4.0


def _abs_err(name: str, target: float, scale: float) -> Callable[[dict[str, float]], float]:
    return lambda m: ((m[name] - target) / scale) ** 2 if np.isfinite(m[name]) else 4.0


def _window(name: str, lo: float, hi: float, scale: float) -> Callable[[dict[str, float]], float]:
    def f(m: dict[str, float]) -> float:
        v = m[name]
        if not np.isfinite(v):
            return 4.0
        return (max(lo - v, 0.0, v - hi) / scale) ** 2

    return f


def _ratio(m: dict[str, float], num: str, den: str) -> float:
    return max(m[num] / max(m[den], 1e-9), 1e-9)


def _ratio_at_least(num: str, den: str, least: float) -> Callable[[dict[str, float]], float]:
    def f(m: dict[str, float]) -> float:
        if not (np.isfinite(m[num]) and np.isfinite(m[den])):
            return 4.0
        return max(math.log(least / _ratio(m, num, den)), 0.0) ** 2

    return f


def _ratio_at_most(num: str, den: str, most: float) -> Callable[[dict[str, float]], float]:
    def f(m: dict[str, float]) -> float:
        if not (np.isfinite(m[num]) and np.isfinite(m[den])):
            return 4.0
        return max(math.log(_ratio(m, num, den) / most), 0.0) ** 2

    return f


FITS: list[Fit] = [
    Fit("china_mining_1990", "F03 (27% in 1990)", _abs_err("china_mining_1990", 0.27, 0.1)),
    Fit("world_mining_1994_t", "F04 (64,500 t)", _log_err("world_mining_1994_t", 64500)),
    Fit("china_mining_1994_t", "F04 (China 30,600 t)", _log_err("china_mining_1994_t", 30600)),
    Fit("world_mining_2004_t", "F07 (102,000 t)", _log_err("world_mining_2004_t", 102000)),
    Fit("dytb_fob_2008", "F20 (Dy oxide 118 USD/kg)", _log_err("dytb_fob_2008", 118.0)),
    Fit("ndpr_fob_2014_18", "F18 (Nd oxide about 50 USD/kg)", _log_err("ndpr_fob_2014_18", 50.0)),
    Fit("ndpr_fob_2020_24", "F19 (Nd oxide about 83 USD/kg)", _log_err("ndpr_fob_2020_24", 83.0)),
    Fit("china_mining_2020", "F29 (58% of mining)", _abs_err("china_mining_2020", 0.58, 0.1)),
    Fit("china_refining_2020", "F29 (about 85% of refining)", _abs_err("china_refining_2020", 0.85, 0.1)),
    Fit("world_mining_2024_t", "F33 (390,000 t)", _log_err("world_mining_2024_t", 390000)),
    Fit("china_mining_2005", "issue 2 (above 80% by the mid-2000s)", _window("china_mining_2005", 0.8, 1.0, 0.1)),
    Fit(
        "mountain_pass_stop_year", "issue 2 (stops around 1998-2004)", _window("mountain_pass_stop_year", 1998, 2004, 2)
    ),
    Fit("ndpr_index_2011_12", "issue 2 (NdPr jumps)", _ratio_at_least("ndpr_index_2011_12", "ndpr_index_2008_09", 1.8)),
    Fit(
        "ndpr_index_2014_15",
        "issue 2 (NdPr falls back)",
        _ratio_at_most("ndpr_index_2014_15", "ndpr_index_2011_12", 0.7),
    ),
    Fit("dytb_index_2011_12", "issue 2 (DyTb jumps)", _ratio_at_least("dytb_index_2011_12", "dytb_index_2008_09", 1.8)),
    Fit(
        "dytb_index_2014_15",
        "issue 2 (DyTb falls back)",
        _ratio_at_most("dytb_index_2014_15", "dytb_index_2011_12", 0.7),
    ),
    Fit(
        "smuggled_2012_14_t",
        "issue 2 (smuggling falls)",
        _ratio_at_most("smuggled_2012_14_t", "smuggled_2009_10_t", 0.4),
    ),
    Fit(
        "japan_shock_year",
        "issue 3 (Japan reacts to the 2010 embargo)",
        _window("japan_shock_year", 2010.7, 2011.5, 0.5),
    ),
]
"""The loss: a sum of these terms over the median indicators of the seeds."""


def _run_one(job: tuple[dict[str, float], int, str | None]) -> dict[str, float]:
    from model import run

    params, seed, until = job
    return indicators(run("history", seed=seed, until=until, **params))


def evaluate(params: dict[str, float], seeds: list[int], workers: int = 1) -> tuple[dict[str, float], float]:
    """Median indicators over `seeds` and the loss for one parameter set."""
    jobs = [(params, s, None) for s in seeds]
    if workers > 1:
        with ProcessPoolExecutor(workers) as ex:
            runs = list(ex.map(_run_one, jobs))
    else:
        runs = [_run_one(j) for j in jobs]
    med = pd.DataFrame(runs).median(skipna=True).to_dict()
    return med, float(sum(fit.loss(med) for fit in FITS))


def _evaluate_job(job: tuple[dict[str, float], list[int]]) -> dict[str, Any]:
    params, seeds = job
    med, loss = evaluate(params, seeds)
    return {**params, **med, "loss": loss}


def search(samples: int, seeds: list[int], workers: int, seed: int = 0, progress: bool = True) -> pd.DataFrame:
    """Random search over `SEARCH` (the current defaults as the first sample); best first."""
    from tqdm import tqdm

    from model.params import ModelParams

    rng = np.random.default_rng(seed)
    defaults = ModelParams()
    sets = [{k: float(getattr(defaults, k)) for k in SEARCH}]
    for _ in range(samples - 1):
        sets.append({k: float(rng.uniform(lo, hi)) for k, (lo, hi) in SEARCH.items()})
    rows = []
    with ProcessPoolExecutor(workers) as ex:
        for row in tqdm(ex.map(_evaluate_job, [(p, seeds) for p in sets]), total=len(sets), disable=not progress):
            rows.append(row)
    table = pd.DataFrame(rows)
    table.insert(0, "defaults", [True] + [False] * (len(rows) - 1))
    return table.sort_values("loss").reset_index(drop=True)


def main(argv: list[str]) -> int:
    """`python -m experiments calibrate`: random search, writes samples.csv into --out."""
    import os
    from pathlib import Path

    from experiments.cli import UsageError, _Parser

    parser = _Parser(prog="python -m experiments calibrate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=100, help="parameter sets to try (default 100)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per set (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the search (default 0)")
    parser.add_argument("--out", default="results/calibration", help="output directory (default results/calibration)")
    args = parser.parse_args(argv)
    for name in ("samples", "seeds", "workers"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name} = {getattr(args, name)}: must be a whole number of at least 1")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out = {args.out!r}: is a file, not a directory")
    table = search(args.samples, list(range(1, args.seeds + 1)), args.workers, args.seed)
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / ".samples.csv.partial"
    table.to_csv(tmp, index=False)
    os.replace(tmp, out / "samples.csv")  # a finished file or none, never half of one
    best = table.iloc[0]
    print(
        f"best loss {best['loss']:.3f}; the current defaults: {float(table.loc[table['defaults'], 'loss'].iloc[0]):.3f}"
    )
    for k in SEARCH:
        print(f"  {k} = {best[k]:.3g}")
    print(f"-> {out / 'samples.csv'}")
    return 0
