"""The command line: `python -m experiments list | run | run-experiment | all | sensitivity | calibrate |
dashboard | benchmark`.

Every bad input (an unknown scenario, a malformed scenario file, a bad --until, --set or --out)
is reported as ONE line on stderr starting with `error: ` and exits with status 2. All inputs
are checked before anything runs or is written, and output is written atomically (see
`experiments.io`), so a failed or interrupted run leaves the output directory as it was.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import re
import shutil
import signal
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

PROG = "python -m experiments"
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """Bad input from the user; the message is one line (without the `error: ` prefix)."""


class RunFailure(Exception):
    """The run or the writing failed for a reason other than bad input (exit status 1)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (raised, printed by `main`)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def one_line(text: str) -> str:
    """`text` with its line breaks replaced by spaces (an error message is one line)."""
    return re.sub(r"\s*[\r\n]+\s*", " ", text).strip()


# --- list ----------------------------------------------------------------------------------------
def _scenario_line(name: str, path: Path) -> str:
    try:
        meta = tomllib.loads(path.read_text(encoding="utf-8")).get("scenario", {})
        span = f"{meta.get('start', '?')} to {meta.get('end', '?')}"
        return f"{span}  {meta.get('description', '')}".rstrip()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, AttributeError) as exc:
        return f"(cannot read: {one_line(str(exc))})"


def cmd_list(args: argparse.Namespace) -> int:
    """Print the built-in scenarios and the experiments."""
    from experiments import catalogue
    from model.scenario import builtin_scenarios

    experiments = catalogue.questions()
    scenarios = builtin_scenarios()
    width = max([len(n) for n in scenarios] + [len(n) for n in experiments] + [8])
    print(f"Scenarios (run one with: {PROG} run NAME --seeds N --out DIR; or give a file path):")
    if not scenarios:
        print("  (none)")
    for name in sorted(scenarios):
        print(f"  {name:<{width}}  {_scenario_line(name, scenarios[name])}")
    print()
    print(f"Experiments (run one with: {PROG} run-experiment NAME; all of them with: {PROG} all):")
    if not experiments:
        print("  (none yet)")
    for name, question in experiments.items():
        print(f"  {name:<{width}}  {question}")
    return 0


# --- run: validation -----------------------------------------------------------------------------
@dataclass
class RunPlan:
    """A fully validated `run` command."""

    spec: Any  # model.scenario.Scenario
    source: str
    seeds: list[int]
    until: str | None
    overrides: dict[str, float | int]
    out: Path
    fmt: str
    files: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.spec.scenario.name

    def run_id(self, seed: int) -> str:
        return f"{self.name}-{seed}"


def parse_number(text: str) -> int | float:
    """'5' -> 5, '0.25' or '1e-3' -> float; anything else (or nan/inf) raises ValueError."""
    text = text.strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    value = float(text)  # ValueError for non-numbers
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def parse_sets(items: Sequence[str]) -> dict[str, int | float]:
    """--set NAME=VALUE items -> {name: number} (the names are checked later, against the model)."""
    out: dict[str, int | float] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep or not name or not raw.strip():
            raise UsageError(f"--set {item!r}: must be NAME=VALUE, e.g. --set logit_beta=5")
        try:
            out[name] = parse_number(raw)
        except ValueError:
            raise UsageError(f"--set {name}={raw}: value {raw!r} is not a finite number (int or float)") from None
    return out


def check_overrides(spec: Any, overrides: dict[str, int | float], raw: dict[str, str]) -> None:
    """Validate the --set overrides against the model's parameter declarations."""
    from pydantic import ValidationError

    from model.params import ModelParams, param_ranges

    try:
        spec.params(**overrides)
    except (ValidationError, TypeError) as exc:
        if isinstance(exc, TypeError):
            raise UsageError(f"--set: {one_line(str(exc))}") from None
        e = exc.errors(include_url=False)[0]
        name = str(e["loc"][0]) if e["loc"] else ""
        shown = f"--set {name}={raw.get(name, e.get('input'))}" if name else "--set"
        if e["type"] == "extra_forbidden":
            allowed = ", ".join(ModelParams.model_fields)
            raise UsageError(f"{shown}: unknown parameter {name!r}; allowed parameters: {allowed}") from None
        msg = e["msg"].replace("Input should be", "must be").removeprefix("Value error, ")
        lo, hi, _ = param_ranges().get(name, (None, None, ""))
        if lo is not None and hi is not None:
            msg += f" (allowed range {lo:g} to {hi:g})"
        raise UsageError(f"{shown}: {msg}") from None


def check_until(text: str | None, start: str, end: str) -> str | None:
    """--until must be a month YYYY-MM from the scenario's start to its end."""
    if text is None:
        return None
    from model.goods import month_index, parse_month

    allowed = f"a month YYYY-MM from the scenario start {start} to its end {end}"
    if not re.fullmatch(r"\d{4}-\d{2}", text.strip()):
        raise UsageError(f"--until = {text!r}: must be {allowed}")
    text = text.strip()
    try:
        parse_month(text)
    except ValueError as exc:
        raise UsageError(f"--until = {text!r}: {exc}; must be {allowed}") from None
    if month_index(text, start) < 0 or month_index(text, end) > 0:
        raise UsageError(f"--until = {text!r}: must be {allowed}")
    return text


def check_out(out: str, files: list[str]) -> Path:
    """--out must be a directory (created if missing) that we can write into; the files we are
    about to replace in it must not be directories."""
    from experiments.io import nearest_existing

    if not out.strip():
        raise UsageError("--out = '': must be a directory path")
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise UsageError(f"--out = {out!r}: is a file, not a directory; give a directory (created if missing)")
    base = nearest_existing(path)
    if not base.is_dir():
        raise UsageError(f"--out = {out!r}: {str(base)!r} is a file, not a directory; cannot create the directory")
    if not os.access(base, os.W_OK | os.X_OK):
        raise UsageError(f"--out = {out!r}: {str(base)!r} is not writable; give a directory you can write to")
    if path.is_dir():
        for name in files:
            if (path / name).is_dir():
                raise UsageError(f"--out = {out!r}: {name!r} in it is a directory; cannot replace it with a file")
    return path


def plan_run(args: argparse.Namespace) -> RunPlan:
    """Check every input of `run`; raise UsageError (one line) on the first bad one."""
    from model.scenario import ScenarioError, load_scenario

    if args.seeds < 1:
        raise UsageError(f"--seeds = {args.seeds}: must be a whole number of at least 1")
    if args.seed < 0:
        raise UsageError(f"--seed = {args.seed}: must be a whole number of at least 0")
    if args.format == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise UsageError("--format = 'parquet': needs pyarrow (pip install pyarrow); or use --format csv") from None
    try:
        spec, source = load_scenario(args.scenario)
    except ScenarioError as exc:
        raise UsageError(str(exc)) from None
    until = check_until(args.until, spec.scenario.start, spec.scenario.end)
    raw = {}
    for item in args.set:
        name, _, value = item.partition("=")
        raw[name.strip()] = value
    overrides = parse_sets(args.set)
    check_overrides(spec, overrides, raw)
    from experiments.io import TABLES

    files = [f"{t}.{args.format}" for t in TABLES] + ["overview.png"]
    out = check_out(args.out, files)
    seeds = list(range(args.seed, args.seed + args.seeds))
    return RunPlan(spec, source, seeds, until, overrides, out, args.format, files)


# --- run: work -----------------------------------------------------------------------------------
def run_ensemble(plan: RunPlan) -> dict[str, Any]:
    """Run every seed (with a progress bar on a terminal) and concatenate the tables."""
    import pandas as pd
    from tqdm import tqdm

    from experiments.io import TABLES
    from model import run

    results = []
    # disable=None: a bar on a terminal only. A terminal of unknown size (0 x 0, e.g. a bare pty)
    # would hide the bar, so the size falls back to 80 x 24 there.
    cols, rows = shutil.get_terminal_size((80, 24))
    bar = tqdm(
        plan.seeds, desc=plan.name, unit="run", file=sys.stderr, disable=None, ncols=cols or 80, nrows=rows or 24
    )
    for seed in bar:
        results.append(run(plan.spec, seed=seed, until=plan.until, run_id=plan.run_id(seed), **plan.overrides))
    tables = {}
    for name in TABLES:
        frames = [r[name] for r in results]
        non_empty = [f for f in frames if len(f)]
        tables[name] = pd.concat(non_empty, ignore_index=True) if non_empty else frames[0]
    return tables


def write_outputs(plan: RunPlan, tables: dict[str, Any]) -> list[Path]:
    """The tables and overview.png, written atomically into plan.out."""
    from experiments.figures import overview_figure
    from experiments.io import write_tables

    def figure(path: Path) -> None:
        overview_figure(tables["series"], path, title=plan.name)

    return write_tables(tables, plan.out, plan.fmt, extra={"overview.png": figure})


def cmd_run(args: argparse.Namespace) -> int:
    """Run an ensemble of seeds of a scenario and write the tables and an overview figure."""
    plan = plan_run(args)
    tables = run_ensemble(plan)
    try:
        paths = write_outputs(plan, tables)
    except OSError as exc:
        raise RunFailure(f"writing to {str(plan.out)!r} failed (no half-written file was left): {exc}") from None
    n = len(plan.seeds)
    print(
        f"{plan.name}: {n} run{'s' if n != 1 else ''} (seeds {plan.seeds[0]}-{plan.seeds[-1]}"
        f"{', until ' + plan.until if plan.until else ''}) -> {plan.out}: {', '.join(p.name for p in paths)}"
    )
    return 0


# --- benchmark -----------------------------------------------------------------------------------
def cmd_benchmark(argv: list[str]) -> int:
    """Hand the arguments to experiments.benchmark.main (imported only when asked for)."""
    try:
        bench = importlib.import_module("experiments.benchmark")
    except ModuleNotFoundError as exc:
        if exc.name not in ("experiments.benchmark", "experiments"):
            raise
        raise UsageError("benchmark: the module experiments.benchmark is not installed") from None
    main = getattr(bench, "main", None)
    if not callable(main):
        raise UsageError("benchmark: experiments.benchmark has no main(argv) function")
    return int(main(list(argv)) or 0)


# --- dashboard -----------------------------------------------------------------------------------
def cmd_dashboard(argv: list[str]) -> int:
    """Hand `dashboard` and `dashboard-screenshots` to experiments.serve (imported only when asked for)."""
    from experiments.serve import main as serve_main

    return serve_main(list(argv))


# --- experiments ---------------------------------------------------------------------------------
def _experiment_args(args: argparse.Namespace) -> None:
    if args.seeds is not None and args.seeds < 1:
        raise UsageError(f"--seeds = {args.seeds}: must be a whole number >= 1")
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers = {args.workers}: must be a whole number >= 1")
    if args.seed < 0:
        raise UsageError(f"--seed = {args.seed}: must be a whole number >= 0")


def _experiment_error(exc: Exception) -> UsageError:
    return UsageError(one_line(str(exc)))


def cmd_run_experiment(args: argparse.Namespace) -> int:
    """Run one experiment (baseline and counterfactuals over seeds) and write results/NAME/."""
    from experiments import catalogue
    from experiments.experiment import ExperimentError, run_experiment
    from experiments.report import write_result
    from model.scenario import ScenarioError

    _experiment_args(args)
    try:
        experiment = catalogue.get(args.name)
    except ExperimentError as exc:
        raise _experiment_error(exc) from None
    out = check_out(args.out or str(Path("results") / args.name), ["report.md"])
    try:
        result = run_experiment(experiment, seeds=args.seeds, base_seed=args.seed, workers=args.workers)
    except (ExperimentError, ScenarioError) as exc:
        raise _experiment_error(exc) from None
    command = f"{PROG} run-experiment {args.name} --seeds {len(result.seeds)}"
    write_result(result, out, command + (f" --seed {args.seed}" if args.seed else ""))
    n_pass = sum(c.passed for c in result.checks)
    print(f"{args.name}: {n_pass} of {len(result.checks)} checks pass; report in {out / 'report.md'}")
    return 0


def cmd_all(args: argparse.Namespace) -> int:
    """Run every experiment, write results/NAME/ for each, results/validation.md and results/README.md."""
    from experiments import catalogue
    from experiments.experiment import ExperimentError, run_experiments
    from experiments.report import write_index, write_result, write_validation
    from model.scenario import ScenarioError

    _experiment_args(args)
    out = check_out(args.out, ["validation.md", "README.md"])
    experiments = [catalogue.get(n) for n in catalogue.available()]
    try:
        results = run_experiments(experiments, seeds=args.seeds, base_seed=args.seed, workers=args.workers)
    except (ExperimentError, ScenarioError) as exc:
        raise _experiment_error(exc) from None
    command = f"{PROG} all" + (f" --seeds {args.seeds}" if args.seeds else "")
    command += f" --seed {args.seed}" if args.seed else ""
    for name, result in results.items():
        write_result(result, out / name, command)
        n_pass = sum(c.passed for c in result.checks)
        print(f"{name}: {n_pass} of {len(result.checks)} checks pass")
    write_validation(results, out, command)
    write_index(results, out)
    print(f"reports in {out}/NAME/report.md; validation in {out / 'validation.md'}")
    return 0


def _add_experiment_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--seeds", type=int, default=None, metavar="N", help="seeds per variant (default: the experiment's, 20)"
    )
    p.add_argument("--seed", type=int, default=0, metavar="BASE", help="first seed (default 0)")
    p.add_argument("--workers", type=int, default=None, metavar="W", help="worker processes (default: one per core)")


# --- the parser ----------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Rare-earth geopolitics model: scenarios, runs and experiments.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p_list = sub.add_parser("list", help="list the built-in scenarios and the experiments")
    p_list.set_defaults(func=cmd_list)

    p_run = sub.add_parser(
        "run",
        help="run seeds of a scenario and write the four tables and overview.png",
        description="Run seeds BASE..BASE+N-1 of a scenario (a built-in name or a TOML file) and write "
        "series, flows, events and agents (one file each, all seeds concatenated) and overview.png into DIR.",
    )
    p_run.add_argument("scenario", metavar="SCENARIO_OR_PATH", help="a built-in scenario name or a TOML file path")
    p_run.add_argument("--seeds", type=int, required=True, metavar="N", help="number of seeds (runs)")
    p_run.add_argument("--seed", type=int, default=0, metavar="BASE", help="first seed (default 0)")
    p_run.add_argument("--out", required=True, metavar="DIR", help="output directory (created if missing)")
    p_run.add_argument("--until", metavar="YYYY-MM", help="stop after this month (default: the scenario's end)")
    p_run.add_argument("--format", choices=("csv", "parquet"), default="csv", help="table file format (default csv)")
    p_run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a model parameter (repeatable), e.g. --set logit_beta=5",
    )
    p_run.set_defaults(func=cmd_run)

    p_exp = sub.add_parser(
        "run-experiment",
        help="run one experiment and write results/NAME/ (report.md, figures, tables)",
        description="Run an experiment's baseline and counterfactuals over seeds and write its report.",
    )
    p_exp.add_argument("name", metavar="NAME", help="an experiment (see 'list')")
    _add_experiment_options(p_exp)
    p_exp.add_argument("--out", default=None, metavar="DIR", help="output directory (default results/NAME)")
    p_exp.set_defaults(func=cmd_run_experiment)

    p_all = sub.add_parser(
        "all",
        help="run every experiment; write results/NAME/, results/validation.md and results/README.md",
        description="Run every experiment (shared runs run once) and write the reports and the validation.",
    )
    _add_experiment_options(p_all)
    p_all.add_argument("--out", default="results", metavar="DIR", help="output directory (default results)")
    p_all.set_defaults(func=cmd_all)

    sub.add_parser(
        "benchmark",
        help="speed benchmark (arguments go to experiments.benchmark)",
        add_help=False,
    )
    sub.add_parser(
        "calibrate", help="random search of the history world's calibration (see calibrate --help)", add_help=False
    )
    sub.add_parser(
        "dashboard", help="serve the teaching dashboard on this machine (see dashboard --help)", add_help=False
    )
    sub.add_parser(
        "dashboard-screenshots", help="remake the dashboard's screenshots in docs/img (needs chromium)", add_help=False
    )
    from experiments import benchmark_sensitivity, sensitivity  # SALib and Dask load only when a study runs

    sensitivity.add_parser(sub)
    benchmark_sensitivity.add_parser(sub)
    return parser


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m experiments`; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    previous = None
    try:
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)  # clean up staged output on kill
    except ValueError:  # not the main thread
        previous = None
    try:
        if argv[:1] == ["benchmark"]:
            return cmd_benchmark(argv[1:])
        if argv[:1] == ["calibrate"]:
            from experiments import calibration

            return calibration.main(argv[1:])
        if argv[:1] in (["dashboard"], ["dashboard-screenshots"]):
            return cmd_dashboard(argv)
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            raise UsageError(
                "give a command: list, run, run-experiment, all, sensitivity, calibrate, dashboard, benchmark "
                f"(see '{PROG} --help')"
            )
        return args.func(args)
    except UsageError as exc:
        print(f"error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except RunFailure as exc:
        print(f"error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("error: interrupted; no half-written output was left", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


__all__ = ["main", "build_parser", "UsageError", "parse_sets", "parse_number"]
