"""`python -m experiments sensitivity`: Morris screening or Sobol indices over a declared space.

Question: which uncertain inputs (model parameters and scenario levers) drive the outcomes that
matter (when Mountain Pass stops, whether the Hitachi plant in North Carolina survives, China's
shares in 2035, US import dependence, what states pay, unmet demand)?

The study is sampled with SALib over the space file's inputs, every sample is one run of the
scenario (see `experiments.study` for how runs are executed, streamed and resumed), each run is
reduced to the metrics of `experiments.metrics`, and SALib's Morris or Sobol analysis turns
them into indices. The output directory gets `metrics.parquet` (one row per run), `indices.csv`,
a figure (`morris.png` or `sobol.png`) and `report.md`, which names the most influential inputs
for each metric in words.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import re
import sys
import time
import tomllib
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments import metrics as metrics_mod
from experiments.cli import UsageError, check_out, check_until, one_line
from experiments.space import SpaceError, declarations, default_space_path, load_space, read_space_text
from experiments.study import (
    METRICS_FILE,
    MORRIS_LEVELS,
    Outcome,
    Prepared,
    StudyError,
    StudyFailure,
    StudySpec,
    check_workers,
    collect,
    connect,
    execute,
    n_runs,
    prepare,
    write_parquet,
)

EXIT_INTERRUPTED = 130
OUTPUT_FILES = ("metrics.parquet", "indices.csv", "report.md")
SCHEDULER_RE = re.compile(r"(tcp|tls)://(\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.-]+):\d{1,5}")
CONF_LEVEL = 0.95
RESAMPLES = 1000


# --- defining a study -------------------------------------------------------------------------------
def build_spec(
    method: str,
    samples: int,
    scenario: str | Path = "history",
    space: str | Path | None = None,
    seed: int = 0,
    until: str | None = None,
    check: bool = True,
    metric_files: list[str | Path] | tuple[str | Path, ...] = (),
    noise_runs: int = 10,
) -> StudySpec:
    """Validate a study's inputs; raise StudyError with one line on the first bad one."""
    from model.scenario import ScenarioError, load_scenario, resolve_scenario

    if method not in ("morris", "sobol"):
        raise StudyError(f"--method = {method!r}: must be morris or sobol")
    if method == "morris" and samples < 2:
        raise StudyError(f"--samples = {samples}: must be at least 2 (Morris trajectories)")
    if method == "sobol" and (samples < 2 or samples & (samples - 1)):
        raise StudyError(f"--samples = {samples}: must be a power of 2 of at least 2 for Sobol (e.g. 64, 128, 256)")
    if seed < 0:
        raise StudyError(f"--seed = {seed}: must be a whole number of at least 0")
    if noise_runs < 0 or noise_runs == 1:
        raise StudyError(f"--noise-runs = {noise_runs}: must be 0 (none) or at least 2 (a spread needs two runs)")
    try:
        spec, source = load_scenario(scenario)
        text = resolve_scenario(scenario).read_text(encoding="utf-8")
    except ScenarioError as exc:
        raise StudyError(str(exc)) from None
    data = tomllib.loads(text)
    try:
        until = check_until(until, spec.scenario.start, spec.scenario.end)
    except UsageError as exc:
        raise StudyError(str(exc)) from None
    space_path = Path(space) if space is not None else default_space_path(spec.scenario.name)
    try:
        space_source, space_text = read_space_text(space_path)
        parsed = load_space(space_source, declarations(data, spec), text=space_text)
    except SpaceError as exc:
        raise StudyError(str(exc)) from None
    sources, from_files = [], []
    try:
        for path in metric_files:
            filename, src = metrics_mod.source_of(path)
            from_files += metrics_mod.load_source(filename, src)
            sources.append((filename, src))
    except metrics_mod.MetricError as exc:
        raise StudyError(str(exc)) from None
    # the metrics of imported modules (built-in ones and the user's), and of this study's files only
    names = [n for n, m in metrics_mod.METRICS.items() if not metrics_mod.from_file(m) or n in from_files]
    clash = set(names) & set(parsed.names)
    if clash:
        raise StudyError(f"metric {sorted(clash)[0]!r}: has the name of an input of the space; rename the metric")
    return StudySpec(
        method=method,
        samples=samples,
        seed=seed,
        until=until,
        check=check,
        scenario_given=str(scenario),
        scenario_name=spec.scenario.name,
        scenario_text_sha=hashlib.sha256(text.encode()).hexdigest(),
        scenario_data=data,
        space=parsed,
        space_text_sha=hashlib.sha256(space_text.encode()).hexdigest(),
        metrics=names,
        metric_sources=sources,
        noise_runs=noise_runs,
    )


# --- analysis -------------------------------------------------------------------------------------
@dataclass
class Analysis:
    """Indices per metric (long table), a note per metric that could not be analysed, the runs
    used per metric, and the spread of each metric over the seed-only runs (NaN without them)."""

    indices: pd.DataFrame
    notes: dict[str, str]
    used_runs: dict[str, int]
    noise_sd: dict[str, float]


MORRIS_DELTA = MORRIS_LEVELS / (2 * (MORRIS_LEVELS - 1))
"""SALib's Morris step in the unit cube (2/3 of the range for 4 levels)."""
MORRIS_NOISE_FACTOR = 2 / math.sqrt(math.pi) / MORRIS_DELTA
"""mu* that pure noise of sd 1 gives: E|e1 - e2| / delta for two independent N(0, 1) draws."""


def analysis_seed(study_seed: int) -> int:
    """The seed of SALib's bootstrap of confidence intervals, derived from the study seed and
    never 0 (SALib's Sobol analysis takes a seed of 0 for no seed, and its intervals then
    change from one analysis to the next)."""
    return int(np.random.SeedSequence([study_seed, 1]).generate_state(1)[0]) or 1


def analyse(prepared: Prepared, runs: pd.DataFrame) -> Analysis:
    """SALib's Morris or Sobol analysis of every metric."""
    spec = prepared.spec
    problem = spec.space.problem()
    d = problem["num_vars"]
    frames, notes, used, noise = [], {}, {}, {}
    kind = runs["design"] if "design" in runs else pd.Series("sample", index=runs.index)
    design, seed_only = runs[kind == "sample"], runs[kind == "seed-only"]
    for name in spec.metrics:
        z = seed_only[name].to_numpy(dtype=float)
        z = z[np.isfinite(z)]
        noise[name] = float(np.std(z, ddof=1)) if len(z) >= 2 else math.nan
        y = design[name].to_numpy(dtype=float)
        keep = np.ones(len(y), dtype=bool)
        if np.isnan(y).all():
            notes[name] = "no run gave a value (is the year past the end of the run? see --until)"
            continue
        if np.isnan(y).any():
            if spec.method == "sobol":
                notes[name] = f"{int(np.isnan(y).sum())} of {len(y)} runs gave no value; Sobol indices need every run"
                continue
            bad = np.isnan(y.reshape(-1, d + 1)).any(axis=1)  # whole Morris trajectories
            keep = np.repeat(~bad, d + 1)
            if (~bad).sum() < 2:
                notes[name] = f"{int(np.isnan(y).sum())} runs gave no value; fewer than 2 whole trajectories remain"
                continue
        if np.ptp(y[keep]) == 0:
            notes[name] = f"the same value ({y[keep][0]:g}) in every run: no input moves it within these ranges"
            continue
        used[name] = int(keep.sum())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if spec.method == "morris":
                from SALib.analyze import morris

                res = morris.analyze(
                    problem,
                    prepared.x[keep],
                    y[keep],
                    num_resamples=RESAMPLES,
                    conf_level=CONF_LEVEL,
                    num_levels=MORRIS_LEVELS,
                    seed=analysis_seed(spec.seed),
                )
                df = pd.DataFrame(
                    {
                        "mu": res["mu"],
                        "mu_star": res["mu_star"],
                        "sigma": res["sigma"],
                        "mu_star_conf": res["mu_star_conf"],
                        "noise_floor": MORRIS_NOISE_FACTOR * noise[name],
                    }
                )
                order = "mu_star"
            else:
                from SALib.analyze import sobol

                res = sobol.analyze(
                    problem,
                    y,
                    calc_second_order=False,
                    num_resamples=RESAMPLES,
                    conf_level=CONF_LEVEL,
                    seed=analysis_seed(spec.seed),
                )
                df = pd.DataFrame({k: res[k] for k in ("S1", "S1_conf", "ST", "ST_conf")})
                df["noise_share"] = noise[name] ** 2 / float(np.var(y, ddof=1))
                order = "ST"
        df.insert(0, "parameter", problem["names"])
        df.insert(0, "metric", name)
        df["rank"] = df[order].rank(ascending=False, method="first").astype(int)
        frames.append(df.sort_values("rank"))
    morris_cols = ["mu", "mu_star", "sigma", "mu_star_conf", "noise_floor"]
    cols = ["metric", "parameter"] + (
        morris_cols if spec.method == "morris" else ["S1", "S1_conf", "ST", "ST_conf", "noise_share"]
    )
    indices = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*cols, "rank"])
    return Analysis(indices, notes, used, noise)


# --- running ----------------------------------------------------------------------------------------
@dataclass
class StudyResult:
    """A finished study: its runs, indices, and the files written."""

    prepared: Prepared
    outcome: Outcome
    runs: pd.DataFrame
    analysis: Analysis
    files: list[Path]


def write_outputs(
    prepared: Prepared, runs: pd.DataFrame, analysis: Analysis, outcome: Outcome, command: str
) -> list[Path]:
    """metrics.parquet, indices.csv, the figure and report.md, each written atomically."""
    from experiments.sensitivity_report import figure_name, write_figure, write_report
    from experiments.study import _write_atomic

    out = prepared.folder.out
    write_parquet(out / METRICS_FILE, runs)
    _write_atomic(out / "indices.csv", lambda p: analysis.indices.to_csv(p, index=False))
    fig = out / figure_name(prepared.spec.method)
    _write_atomic(fig, lambda p: write_figure(prepared, analysis, p))
    _write_atomic(out / "report.md", lambda p: write_report(prepared, runs, analysis, outcome, command, fig.name, p))
    return [out / METRICS_FILE, out / "indices.csv", fig, out / "report.md"]


def run_study(
    spec: StudySpec,
    out: str | Path,
    workers: int = 1,
    scheduler: str | None = None,
    client: Any = None,
    batch: int = 50,
    progress: bool | None = False,
    command: str = "",
) -> StudyResult:
    """Create (or resume) the study in `out`, run what is missing, analyse and write the outputs."""
    prepared = prepare(spec, Path(out))
    try:
        outcome = execute(prepared, workers=workers, scheduler=scheduler, client=client, batch=batch, progress=progress)
        runs = collect(prepared)
        analysis = analyse(prepared, runs)
        files = write_outputs(prepared, runs, analysis, outcome, command)
    finally:
        prepared.folder.unlock()
    return StudyResult(prepared, outcome, runs, analysis, files)


# --- command line -----------------------------------------------------------------------------------
def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Register `sensitivity` on the command line's subparsers."""
    p = sub.add_parser(
        "sensitivity",
        help="Morris or Sobol sensitivity study over a declared parameter space",
        description="Sample a space of model parameters and scenario levers with SALib, run the scenario once per "
        "sample (a local process pool, or a Dask cluster with --scheduler), and write per-run metrics "
        "(metrics.parquet), indices (indices.csv), a figure and report.md into DIR. Re-running the same "
        "command resumes an interrupted study.",
    )
    p.add_argument("--method", required=True, choices=("morris", "sobol"), help="Morris screening or Sobol indices")
    p.add_argument(
        "--samples",
        required=True,
        type=int,
        metavar="N",
        help="Morris: trajectories (N x (D+1) runs); Sobol: base samples, a power of 2 (N x (D+2) runs)",
    )
    p.add_argument("--scenario", required=True, metavar="NAME_OR_PATH", help="a built-in scenario or a TOML file")
    p.add_argument(
        "--space", metavar="FILE", help="space file (TOML); default experiments/spaces/<scenario>.toml or history.toml"
    )
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (created; reused to resume)")
    p.add_argument("--workers", type=int, metavar="K", help="local worker processes (default: the CPU count)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on the Dask cluster at tcp://HOST:PORT instead")
    p.add_argument(
        "--seed", type=int, default=0, metavar="S", help="study seed: sampling and every run's seed (default 0)"
    )
    p.add_argument("--until", metavar="YYYY-MM", help="stop every run after this month (default: the scenario's end)")
    p.add_argument(
        "--metrics", action="append", default=[], metavar="FILE.py", help="a Python file registering more metrics"
    )
    p.add_argument(
        "--noise-runs",
        type=int,
        default=10,
        metavar="R",
        help="extra runs at the defaults with only the seed changing: the model's own noise (default 10; 0 = none)",
    )
    p.add_argument("--batch", type=int, default=50, metavar="N", help="runs per results file written (default 50)")
    p.add_argument("--no-checks", action="store_true", help="skip the monthly accounting checks (about 8%% faster)")
    p.set_defaults(func=cmd_sensitivity)
    return p


def _command_line(args: argparse.Namespace) -> str:
    """The command that reproduces (or resumes) this study, for report.md."""
    parts = ["python -m experiments sensitivity", f"--method {args.method}", f"--samples {args.samples}"]
    parts.append(f"--scenario {args.scenario}")
    if args.space:
        parts.append(f"--space {args.space}")
    if args.seed:
        parts.append(f"--seed {args.seed}")
    if args.until:
        parts.append(f"--until {args.until}")
    parts += [f"--metrics {m}" for m in args.metrics]
    if args.noise_runs != 10:
        parts.append(f"--noise-runs {args.noise_runs}")
    if args.no_checks:
        parts.append("--no-checks")
    parts.append(f"--out {args.out}")
    return " ".join(parts)


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Run (or resume) a sensitivity study and write its outputs."""
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers = {args.workers}: must be a whole number of at least 1")
    if args.workers is not None and args.scheduler:
        raise UsageError("--workers and --scheduler: give one (the cluster's workers run the study with --scheduler)")
    if args.scheduler and not SCHEDULER_RE.fullmatch(args.scheduler):
        raise UsageError(f"--scheduler = {args.scheduler!r}: must be a Dask scheduler address tcp://HOST:PORT")
    if args.batch < 1:
        raise UsageError(f"--batch = {args.batch}: must be a whole number of at least 1")
    check_out(args.out, [*OUTPUT_FILES, "morris.png", "sobol.png"])
    workers = args.workers or os.cpu_count() or 1
    client = None
    try:
        checks = not args.no_checks
        spec = build_spec(
            args.method,
            args.samples,
            args.scenario,
            args.space,
            args.seed,
            args.until,
            checks,
            args.metrics,
            args.noise_runs,
        )
        if args.scheduler:  # before anything is written: a bad address or unfit workers are bad input
            client = connect(args.scheduler)
            check_workers(client, args.scheduler)
        prepared = prepare(spec, Path(args.out))
    except StudyError as exc:
        if client is not None:
            client.close()
        raise UsageError(str(exc)) from None
    t0 = time.perf_counter()
    try:
        try:
            outcome = execute(prepared, workers=workers, client=client, batch=args.batch, progress=None)
        except StudyError as exc:
            raise UsageError(str(exc)) from None
        except KeyboardInterrupt:
            saved = len(prepared.folder.done())
            print(
                f"error: interrupted; {saved} of {prepared.total} runs are saved in {args.out}; "
                "run the same command again to resume",
                file=sys.stderr,
            )
            return EXIT_INTERRUPTED
        except StudyFailure as exc:
            saved = len(prepared.folder.done())
            resume = f"{saved} of {prepared.total} runs are saved; run the same command to resume"
            raise _failure(f"{exc}; {resume}") from None
        runs = collect(prepared)
        analysis = analyse(prepared, runs)
        files = write_outputs(prepared, runs, analysis, outcome, _command_line(args))
    finally:
        prepared.folder.unlock()
        if client is not None:
            client.close()
    failed = int((runs["error"] != "").sum())
    wall = time.perf_counter() - t0
    print(
        f"{spec.method} {spec.scenario_name}: {prepared.total} runs ({outcome.ran} new, {outcome.done_before} resumed"
        f"{f', {failed} failed' if failed else ''}) in {wall:.1f} s -> {args.out}: {', '.join(p.name for p in files)}"
    )
    return 0


def _failure(message: str) -> Exception:
    from experiments.cli import RunFailure

    return RunFailure(one_line(message))


__all__ = ["Analysis", "StudyResult", "add_parser", "analyse", "build_spec", "cmd_sensitivity", "n_runs", "run_study"]
