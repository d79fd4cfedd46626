"""Speed benchmark: the history run, and the magnet market at scale against a plain Mesa loop.

Question: is the model fast enough for sweeps of thousands of runs (DESIGN section 12)? Two
measurements, each reported as ratios taken in the same process so that they carry over between
machines:

1. the wall time of the default history run (1985-2035, one seed), with and without the monthly
   accounting checks;
2. customer-steps per second of the magnet market (customers' planning and orders, the clearing
   of the magnet tier and the customers' deliveries) for 1,000 to 100,000 customers, beside the
   agent-steps per second of a plain Mesa loop (`model.agents.shuffle_do("step")` over agents
   whose `step` does nothing). The design goal is a ratio of at least 5 at 100,000 customers.

Run with `python -m experiments benchmark` or `python -m experiments.benchmark`.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
import tomllib
from collections.abc import Callable
from importlib import resources
from typing import Any

import mesa
import numpy as np

MAGNET_SECTORS = ("ev_auto", "wind", "electronics", "defence", "industrial_motors")
GOAL_RATIO = 5.0
GOAL_SIZE = 100_000


# --- the history run ----------------------------------------------------------------------------
def time_history(repeats: int, check: bool = True, seed: int = 0) -> list[float]:
    """Wall times, s, of `repeats` default history runs, `model.run("history", seed)`, with or
    without the monthly accounting checks (the model is built inside the timing)."""
    from model.model import RareEarthModel

    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        RareEarthModel("history", seed=seed, check=check).run()
        times.append(time.perf_counter() - t0)
    return times


# --- the magnet market at scale -------------------------------------------------------------------
def history_data() -> dict[str, Any]:
    """The default history scenario as a plain mapping (tomllib)."""
    text = (resources.files("model") / "scenarios" / "history.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def scaled_customers(data: dict[str, Any], n: int, seed: int = 0) -> list[dict[str, Any]]:
    """`n` magnet customers spread over the history world's magnet customer segments (their
    countries, sectors, growth paths and grade needs), with varied demand that adds up to the
    segments' total; the non-magnet segments (`other_uses`) are kept as they are."""
    rng = np.random.default_rng(seed)
    segments = [c for c in data["customers"] if c["sector"] in MAGNET_SECTORS]
    others = [c for c in data["customers"] if c["sector"] not in MAGNET_SECTORS]
    seg = np.arange(n) % len(segments)
    size = rng.lognormal(0.0, 1.0, n)
    share = size / np.bincount(seg, weights=size, minlength=len(segments))[seg]
    out = []
    for i in range(n):
        base = segments[seg[i]]
        c = {k: v for k, v in base.items() if k != "name"}
        c["name"] = f"{base['name']} #{i}"
        c["demand_t"] = float(base["demand_t"] * share[i])
        out.append(c)
    return out + others


def build_world(n: int, seed: int = 0) -> Any:
    """The history world with its magnet customers replaced by `n` customers."""
    from model.model import RareEarthModel
    from model.scenario import parse_scenario

    data = history_data()
    data["customers"] = scaled_customers(data, n, seed)
    return RareEarthModel(parse_scenario(data, f"<history with {n} customers>"), seed=seed, check=False)


class MarketTimer:
    """Times the magnet market's monthly pieces inside the model's own steps: the customers'
    `plan`, the magnet tier's `_clear` (demand with the customers' `orders_t`, `TierMarket.clear`,
    deliveries) and the customers' `receive`. Everything else in a step runs untimed."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.seconds = 0.0
        book = model.customers
        model._clear = self._wrap(model._clear, lambda tier: tier == "magnet")
        book.plan = self._wrap(book.plan)
        book.receive = self._wrap(book.receive)

    def _wrap(self, fn: Callable[..., Any], when: Callable[..., bool] | None = None) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            if when is not None and not when(*args, **kwargs):
                return fn(*args, **kwargs)
            t0 = time.perf_counter()
            out = fn(*args, **kwargs)
            self.seconds += time.perf_counter() - t0
            return out

        return timed


class MarketBench:
    """The history world with `n` magnet customers, stepped a few months to warm up; `measure`
    runs more months and returns the customer-steps per second of the magnet market."""

    def __init__(self, n: int, warmup: int = 3, seed: int = 0) -> None:
        self.model = build_world(n, seed)
        for _ in range(warmup):
            self.model.step()
        self.timer = MarketTimer(self.model)
        self.customers = len(self.model.customers)

    def measure(self, months: int) -> float:
        before = self.timer.seconds
        for _ in range(months):
            self.model.step()
        return self.customers * months / (self.timer.seconds - before)


class PlainAgent(mesa.Agent):
    """An agent whose step does nothing: the cost of Mesa's own loop."""

    def step(self) -> None:
        pass


class MesaBench:
    """`n` plain Mesa agents; `measure` returns agent-steps per second of `shuffle_do("step")`."""

    def __init__(self, n: int, seed: int = 0) -> None:
        self.model = mesa.Model(rng=seed)
        for _ in range(n):
            PlainAgent(self.model)
        self.model.agents.shuffle_do("step")
        self.n = n

    def measure(self, steps: int) -> float:
        t0 = time.perf_counter()
        for _ in range(steps):
            self.model.agents.shuffle_do("step")
        return self.n * steps / (time.perf_counter() - t0)


def compare_rates(n: int, repeats: int, months: int, mesa_steps: int) -> tuple[int, float, float, float]:
    """Customers held, median market rate, median Mesa rate and median ratio for `n` magnet
    customers; the two are measured in turns so that both see the same machine load."""
    market = MarketBench(n)
    plain = MesaBench(market.customers)
    rates = [(market.measure(months), plain.measure(mesa_steps)) for _ in range(repeats)]
    ratios = [m / p for m, p in rates]
    return (
        market.customers,
        statistics.median(m for m, _ in rates),
        statistics.median(p for _, p in rates),
        statistics.median(ratios),
    )


# --- command line -------------------------------------------------------------------------------
def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(s.replace("_", "")) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give sizes as integers separated by commas") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: sizes must be positive")
    return sizes


def _fmt_times(times: list[float]) -> str:
    return f"median {statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f}, n={len(times)})"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table; returns 0, or 1 if the goal ratio is missed."""
    ap = argparse.ArgumentParser(prog="python -m experiments benchmark", description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=5, help="history runs, and market/Mesa turns per size (default 5)")
    ap.add_argument(
        "--sizes", type=_sizes, default=[1000, 10000, 100000], help="customer counts (default 1000,10000,100000)"
    )
    ap.add_argument("--months", type=int, default=6, help="timed market months per turn (default 6)")
    ap.add_argument("--mesa-steps", type=int, default=3, help="timed plain Mesa steps per turn (default 3)")
    ap.add_argument("--skip-history", action="store_true", help="skip the history-run timing")
    ap.add_argument(
        "--strict", action="store_true", help="exit with status 1 if the ratio at the largest size is below 5"
    )
    args = ap.parse_args(argv)
    if args.repeats < 1 or args.months < 1 or args.mesa_steps < 1:
        ap.error("--repeats, --months and --mesa-steps must be at least 1")

    print(f"python {platform.python_version()}, numpy {np.__version__}, mesa {mesa.__version__}, {platform.machine()}")
    if not args.skip_history:
        checked, unchecked = time_history(args.repeats, check=True), time_history(args.repeats, check=False)
        share = 1.0 - statistics.median(unchecked) / statistics.median(checked)
        print("history run (1985-2035, seed 0)")
        print(f"  with accounting checks:    {_fmt_times(checked)}")
        print(f"  without accounting checks: {_fmt_times(unchecked)}  (the checks take {share:.0%})")
        print()

    print(
        f"magnet market vs plain Mesa loop: customer-steps/s and agent-steps/s, medians of {args.repeats} turns "
        f"of {args.months} market months and {args.mesa_steps} Mesa steps"
    )
    print("  (customers: the magnet customers plus the history world's few non-magnet segments)")
    print(f"  {'customers':>10}  {'market steps/s':>15}  {'Mesa steps/s':>13}  {'ratio':>6}")
    ratios = {}
    for n in sorted(set(args.sizes)):
        held, market, plain, ratios[n] = compare_rates(n, args.repeats, args.months, args.mesa_steps)
        print(f"  {held:>10,}  {market:>15,.0f}  {plain:>13,.0f}  {ratios[n]:>6.1f}")
    largest = max(ratios)
    ratio = ratios[largest]
    verdict = "meets" if ratio >= GOAL_RATIO else "misses"
    goal = f"goal: at least {GOAL_RATIO:.0f}x at {GOAL_SIZE:,} customers"
    if largest == GOAL_SIZE:
        goal = f"{verdict} the {goal}"
    print(f"ratio at {largest:,} customers: {ratio:.1f}x the plain Mesa loop ({goal})")
    return 1 if args.strict and ratio < GOAL_RATIO else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
