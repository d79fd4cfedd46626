"""Benchmark of sensitivity studies: parallel efficiency, wall time and memory (DESIGN section 10).

Question: does a study scale to thousands of runs on a laptop? Measured in one invocation:

1. runs per second of the same small study (history world, a 3-input space) run in this process
   with 1 worker and in a local pool of 2 workers, and the parallel efficiency
   rate(2) / (2 x rate(1)) (goal: at least 85%);
2. the wall time of a Morris study of about 1,000 runs of the history world over the default space
   on 2 workers (goal: minutes, not hours);
3. the peak memory (resident set) of the study process and of its largest worker for studies of
   about 200 and 1,000 runs (goal: flat in the number of runs).

Each study of 2. and 3. runs as its own `python -m experiments sensitivity` process, which
reports its peak memory. Run with `python -m experiments benchmark-sensitivity`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GOAL_EFFICIENCY = 0.85
RATE_SPACE = """\
[space]
description = "benchmark: three inputs"
[parameters.logit_beta]
range = [4.0, 16.0]
[parameters.loyalty]
range = [1.0, 6.0]
[parameters.us_domestic_premium]
range = [0.0, 0.3]
"""

_CHILD = """\
import json, resource, sys
from experiments.cli import main
status = main(sys.argv[1:])
kb = 1024 if sys.platform != "darwin" else 1
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * kb
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * kb
print("BENCH " + json.dumps({"status": status, "study_rss": own, "worker_rss": workers}))
"""


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Register `benchmark-sensitivity` on the command line's subparsers."""
    p = sub.add_parser(
        "benchmark-sensitivity",
        help="benchmark of sensitivity studies: parallel efficiency, 1,000-run wall time, memory",
        description=__doc__.split("\n\n")[0],
    )
    add_arguments(p)
    p.set_defaults(func=lambda args: run_benchmark(args))
    return p


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rate-runs", type=int, default=40, help="runs of the efficiency study (default 40)")
    p.add_argument("--sizes", default="200,1000", help="approximate runs of the memory studies (default 200,1000)")
    p.add_argument("--workers", type=int, default=2, help="workers of the parallel measurements (default 2)")
    p.add_argument("--until", metavar="YYYY-MM", help="shorten every run (default: the full history 1985-2035)")
    p.add_argument("--space", metavar="FILE", help="space of the memory studies (default: the history space)")
    p.add_argument("--keep", metavar="DIR", help="keep the studies' directories under DIR (default: a temp dir)")
    p.add_argument("--skip-studies", action="store_true", help="measure the runs per second only")


@dataclass
class Rate:
    """One measurement of the small study."""

    runs: int
    seconds: float
    steady: float  # runs/s once every worker has delivered its first run
    busy: float  # model-run seconds summed over the runs (CPU work the workers did)
    median_run: float  # s per run

    @property
    def end_to_end(self) -> float:
        return self.runs / self.seconds


def _rate(workers: int, runs: int, until: str | None, root: Path) -> Rate:
    """The small study run with `workers` (1 = in this process), in a fresh directory."""
    from experiments.sensitivity import build_spec
    from experiments.study import execute, prepare

    space = root / "rate-space.toml"
    space.write_text(RATE_SPACE, encoding="utf-8")
    spec = build_spec("morris", max(2, -(-runs // 4)), "history", space, seed=1, until=until, noise_runs=0)
    prepared = prepare(spec, root / f"rate-{workers}w-{time.monotonic_ns()}")
    try:
        outcome = execute(prepared, workers=workers, progress=False)
        done = prepared.folder.read_runs()
    finally:
        prepared.folder.unlock()
    secs = done["run_seconds"]
    return Rate(outcome.ran, outcome.seconds, outcome.steady_rate(workers), float(secs.sum()), float(secs.median()))


def _study_process(samples: int, workers: int, until: str | None, space: str | None, out: Path) -> dict[str, Any]:
    args = ["sensitivity", "--method", "morris", "--samples", str(samples), "--scenario", "history"]
    args += ["--workers", str(workers), "--noise-runs", "0", "--out", str(out)]
    if until:
        args += ["--until", until]
    if space:
        args += ["--space", space]
    t0 = time.perf_counter()
    env = {**os.environ, "MPLBACKEND": "Agg"}
    res = subprocess.run([sys.executable, "-c", _CHILD, *args], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    line = next((ln for ln in res.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if res.returncode != 0 or line is None:
        raise RuntimeError(f"study failed ({res.returncode}): {res.stderr.strip()[-500:]}")
    data = json.loads(line[6:])
    data["wall"] = wall
    data["runs"] = json.loads((out / "study.json").read_text())["runs"]
    return data


def run_benchmark(args: argparse.Namespace) -> int:
    """Run the three measurements and print them."""
    from experiments.cli import UsageError
    from experiments.sensitivity import build_spec
    from experiments.space import default_space_path
    from experiments.study import StudyError

    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        raise UsageError(f"--sizes = {args.sizes!r}: must be whole numbers separated by commas") from None
    if not sizes or min(sizes) < 1 or args.rate_runs < 4 or args.workers < 2:
        raise UsageError("--sizes must be positive, --rate-runs at least 4 and --workers at least 2")
    space_file = args.space or str(default_space_path("history"))
    try:  # validates the space (and --until) before anything runs
        n_inputs = len(build_spec("morris", 2, "history", space_file, until=args.until, noise_runs=0).space.entries)
    except StudyError as exc:
        raise UsageError(str(exc)) from None
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average {load:.2f} at the start; "
        f"runs: history {'to ' + args.until if args.until else '1985-2035'}"
    )
    tmp = tempfile.TemporaryDirectory(prefix="bench-sensitivity-") if not args.keep else None
    root = Path(args.keep or tmp.name)  # type: ignore[union-attr]
    root.mkdir(parents=True, exist_ok=True)
    try:
        one = _rate(1, args.rate_runs, args.until, root)
        many = _rate(args.workers, args.rate_runs, args.until, root)
        k = args.workers
        eff, eff_all = many.steady / (k * one.steady), many.end_to_end / (k * one.end_to_end)
        verdict = "meets" if eff >= GOAL_EFFICIENCY else "misses"
        print(f"runs per second ({one.runs} runs of a 3-input Morris study each; steady state, and end to end):")
        print(f"  1 worker (this process):      {one.steady:6.2f} runs/s steady, {one.end_to_end:6.2f} end to end")
        print(f"  {k} workers (process pool):    {many.steady:6.2f} runs/s steady, {many.end_to_end:6.2f} end to end")
        print(
            f"  parallel efficiency: {eff:.0%} steady ({verdict} the goal of {GOAL_EFFICIENCY:.0%}), "
            f"{eff_all:.0%} end to end with the pool's start-up of the {k} processes"
        )
        slow = many.median_run / one.median_run
        print(
            f"  where it goes: the workers were busy running the model {many.busy / (k * many.seconds):.0%} of the "
            f"wall time; a run took {slow:.2f}x as long with {k} workers as with 1 "
            f"(median {many.median_run:.2f} s vs {one.median_run:.2f} s"
            + ("; slower runs mean the CPUs were shared with other work)" if slow > 1.05 else ")")
        )
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"  load average after these measurements: {load:.2f}")
        if not args.skip_studies:
            print(
                f"Morris studies over {space_file} ({n_inputs} inputs), {args.workers} workers, each its own process:"
            )
        results = []
        for size in [] if args.skip_studies else sorted(set(sizes)):
            samples = max(2, round(size / (n_inputs + 1)))
            results.append(_study_process(samples, args.workers, args.until, args.space, root / f"study-{size}"))
            r = results[-1]
            print(
                f"  {r['runs']:>6,} runs: wall {r['wall']:7.1f} s ({r['runs'] / r['wall']:.2f} runs/s); peak memory: "
                f"study process {r['study_rss'] / 2**20:6.0f} MiB, largest worker {r['worker_rss'] / 2**20:6.0f} MiB"
            )
        if len(results) >= 2:
            a, b = results[0], results[-1]
            print(
                f"  memory ratio {b['runs']:,} / {a['runs']:,} runs: study process "
                f"{b['study_rss'] / a['study_rss']:.2f}, largest worker {b['worker_rss'] / a['worker_rss']:.2f} "
                "(1.00 = flat)"
            )
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m experiments.benchmark_sensitivity [options]`."""
    ap = argparse.ArgumentParser(
        prog="python -m experiments benchmark-sensitivity", description=__doc__.split("\n\n")[0]
    )
    add_arguments(ap)
    return run_benchmark(ap.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
