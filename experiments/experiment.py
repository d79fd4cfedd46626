"""An experiment: a question, a baseline and its counterfactuals run over an ensemble of seeds.

An `Experiment` names its `Variant`s (the baseline and each counterfactual: edits of the scenario
data, parameter overrides and a horizon), what to measure in every run (`measure`: scalar
indicators and yearly or monthly paths) and the `Check`s that judge the result against the facts
file or against another variant. Seed `i` of every variant runs with the model seed `base_seed + i`
(common random numbers: the variants of one seed differ only by their causes).

`run_experiments` runs several experiments at once and runs each distinct (scenario, variant,
seed) only once, so that experiments sharing the history baseline share its runs. Runs go to a
pool of processes (spawn); a run's result depends only on its variant and seed, so one process, a
pool of any size and any order give the same tables.

Edits and `measure` functions must be module-level functions (or `functools.partial` of them), so
that the runs can be sent to worker processes. With `workers=1` anything callable works.
"""

from __future__ import annotations

import concurrent.futures as cf
import copy
import functools
import math
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from experiments.metrics import RunOutput

if TYPE_CHECKING:
    from model.model import RareEarthModel

Data = dict[str, Any]
Edit = Callable[[Data], None]
"""An edit of the scenario data (the mapping read from its TOML file), made in place before it is
validated, so a counterfactual passes the same checks as any scenario file."""

BAND_LO, BAND_HI = 0.05, 0.95
"""The band reported with every median: the 5-95% range across seeds (90% of the runs)."""


class ExperimentError(ValueError):
    """An experiment cannot run as asked (bad input); the message is one line."""


@dataclass(frozen=True)
class Measures:
    """What one run gives an experiment: scalar indicators and paths over time.

    `paths` has a `date` column (YYYY-MM, or YYYY for yearly paths) and one column per path."""

    scalars: dict[str, float]
    paths: pd.DataFrame


Measure = Callable[[RunOutput, "RareEarthModel"], Measures]


@dataclass(frozen=True)
class Variant:
    """The baseline or a counterfactual: what differs from the scenario, in causes only."""

    name: str
    label: str
    """What the variant changes, in plain words (a legend entry and a line of the report)."""
    edits: tuple[Edit, ...] = ()
    params: tuple[tuple[str, float], ...] = ()
    """Model parameter overrides (names of `ModelParams`)."""
    until: str | None = None
    """Last month (YYYY-MM); None: the scenario's end."""

    def key(self, scenario: str) -> str:
        """What makes two runs the same run (with the seed): scenario, horizon, edits, parameters."""
        edits = ";".join(describe(e) for e in self.edits)
        params = ",".join(f"{k}={v!r}" for k, v in sorted(self.params))
        return f"{scenario}|{self.until}|{edits}|{params}"


def describe(fn: Callable[..., Any]) -> str:
    """A stable text for a function or a partial (its module, name and bound arguments)."""
    if isinstance(fn, functools.partial):
        args = ",".join(repr(a) for a in fn.args)
        kwargs = ",".join(f"{k}={v!r}" for k, v in sorted(fn.keywords.items()))
        return f"{describe(fn.func)}({args};{kwargs})"
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


@dataclass(frozen=True)
class Check:
    """One line of a report's table of checks.

    The statistic is the median across seeds of `indicator` in `variant` (`stat="median"`), or the
    share of seeds in which it is true, i.e. not 0 (`stat="share"`). The check passes when the
    statistic lies in [lo, hi]. With `versus`, it compares two variants instead: the median of the
    seed-by-seed difference `variant - versus` must lie in [lo, hi] (e.g. lo=1 for 'at least one
    year later')."""

    claim: str
    """What is checked, in plain words."""
    variant: str
    indicator: str
    lo: float = -math.inf
    hi: float = math.inf
    stat: Literal["median", "share"] = "median"
    versus: str | None = None
    fact: str = ""
    """The id of the fact in the facts file (e.g. 'F06'), if the check is against one."""
    target: str = ""
    """The real value or the expected direction, in words (shown in the table)."""
    why_if_fail: str = ""
    """An honest sentence on why the model misses it, shown when the check fails."""


@dataclass
class CheckResult:
    check: Check
    value: float
    band: tuple[float, float]
    passed: bool

    @property
    def row(self) -> dict[str, Any]:
        c = self.check
        return {
            "fact": c.fact,
            "claim": c.claim,
            "variant": c.variant + (f" - {c.versus}" if c.versus else ""),
            "indicator": c.indicator,
            "stat": "share of seeds" if c.stat == "share" else "median",
            "value": self.value,
            "band_lo": self.band[0],
            "band_hi": self.band[1],
            "target": c.target,
            "passed": self.passed,
        }


@dataclass(frozen=True)
class Experiment:
    """A question and the runs that answer it (see the module docstring)."""

    name: str
    title: str
    question: str
    variants: tuple[Variant, ...]
    measure: Measure
    checks: tuple[Check, ...] = ()
    scenario: str = "history"
    seeds: int = 20
    """Default ensemble size."""
    indicators: Mapping[str, str] = field(default_factory=dict)
    """Indicator name -> its meaning and unit (the report's table of indicators)."""
    narrative: Callable[[Result], str] | None = None
    """Writes the report's account of what happened, when and why (markdown), from the result."""
    figures: Callable[[Result, Any], list[tuple[str, str]]] | None = None
    """Draws the figures into the given directory; returns (file name, caption) pairs."""

    def __post_init__(self) -> None:
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise ExperimentError(f"experiment {self.name}: variant names repeat: {names}")
        for c in self.checks:
            for v in (c.variant, c.versus):
                if v is not None and v not in names:
                    raise ExperimentError(f"experiment {self.name}: check {c.claim!r} names unknown variant {v!r}")

    def variant(self, name: str) -> Variant:
        for v in self.variants:
            if v.name == name:
                return v
        raise ExperimentError(f"experiment {self.name}: no variant {name!r} (has {[v.name for v in self.variants]})")

    def with_changes(
        self,
        params: Mapping[str, float] | None = None,
        edits: Sequence[Edit] = (),
        variants: Iterable[str] | None = None,
        until: str | None = None,
    ) -> Experiment:
        """This experiment with parameter overrides and scenario edits added to every variant
        (e.g. a user's own assumption), optionally only some variants and a shorter horizon."""
        import dataclasses

        keep = set(variants) if variants is not None else None
        out = []
        for v in self.variants:
            if keep is not None and v.name not in keep:
                continue
            merged = dict(v.params) | dict(params or {})
            out.append(
                dataclasses.replace(
                    v, params=tuple(sorted(merged.items())), edits=v.edits + tuple(edits), until=until or v.until
                )
            )
        kept = {v.name for v in out}
        checks = tuple(c for c in self.checks if c.variant in kept and (c.versus is None or c.versus in kept))
        return dataclasses.replace(self, variants=tuple(out), checks=checks)


@dataclass
class Result:
    """The runs of one experiment: indicators (one row per variant and seed), paths (one row per
    variant, seed and date) and the checks."""

    experiment: Experiment
    seeds: list[int]
    indicators: pd.DataFrame
    paths: pd.DataFrame
    checks: list[CheckResult] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)
    """(file name, caption) of the figures written (set by `experiments.report.write_result`)."""

    def values(self, variant: str, indicator: str) -> pd.Series:
        """The indicator in every seed of the variant (indexed by seed)."""
        df = self.indicators[self.indicators["variant"] == variant]
        return df.set_index("seed")[indicator]

    def median(self, variant: str, indicator: str) -> float:
        v = self.values(variant, indicator).dropna()
        return float(v.median()) if len(v) else math.nan

    def band(self, variant: str, indicator: str) -> tuple[float, float]:
        v = self.values(variant, indicator).dropna()
        if not len(v):
            return (math.nan, math.nan)
        return (float(v.quantile(BAND_LO)), float(v.quantile(BAND_HI)))

    def share(self, variant: str, indicator: str) -> float:
        """Share of seeds in which the indicator is true (not 0, not NaN)."""
        v = self.values(variant, indicator)
        return float(((v != 0) & v.notna()).mean()) if len(v) else math.nan

    def pairs(self, variant: str, indicator: str, versus: str = "baseline") -> list[tuple[float, float]]:
        """(variant, versus) values of the indicator for each seed both ran, in seed order."""
        a, b = self.values(variant, indicator), self.values(versus, indicator)
        return [(float(a[s]), float(b[s])) for s in a.index if s in b.index]

    def text(self, variant: str, indicator: str) -> str:
        """The median across seeds, formatted for a report."""
        from experiments.report import fmt

        return fmt(self.median(variant, indicator))

    def percent(self, variant: str, indicator: str) -> str:
        """The share of seeds in which the indicator is true, as a percentage for a report."""
        return f"{self.share(variant, indicator):.0%}"

    def summary(self, variant: str, indicator: str) -> str:
        """'median [lo, hi]': the median and the 5-95% range across seeds, for a report."""
        from experiments.report import fmt

        m, (lo, hi) = self.median(variant, indicator), self.band(variant, indicator)
        return f"{fmt(m)} [{fmt(lo)}, {fmt(hi)}]"


def evaluate(result: Result) -> list[CheckResult]:
    """Judge every check of the experiment on the result."""
    out = []
    for c in result.experiment.checks:
        if c.versus is not None:
            a, b = result.values(c.variant, c.indicator), result.values(c.versus, c.indicator)
            diff = (a - b).dropna()
            value = float(diff.median()) if len(diff) else math.nan
            band = (float(diff.quantile(BAND_LO)), float(diff.quantile(BAND_HI))) if len(diff) else (math.nan,) * 2
        elif c.stat == "share":
            value = result.share(c.variant, c.indicator)
            band = (value, value)
        else:
            value = result.median(c.variant, c.indicator)
            band = result.band(c.variant, c.indicator)
        passed = bool(c.lo <= value <= c.hi) if not math.isnan(value) else False
        out.append(CheckResult(c, value, band, passed))  # type: ignore[arg-type]
    return out


# --- running ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Run:
    """One model run and the experiments' variants that use it."""

    scenario: str
    variant: Variant
    seed: int
    users: tuple[tuple[str, str, Measure], ...]
    """(experiment name, variant name, measure) of each user of this run."""


def scenario_data(name_or_path: str) -> tuple[Data, str]:
    """The raw data of a scenario (built-in name or TOML path) and its source, unvalidated."""
    import tomllib

    from model.scenario import ScenarioError, load_scenario, resolve_scenario

    load_scenario(name_or_path)  # a bad file fails here, with the scenario loader's one-line error
    path = resolve_scenario(name_or_path)
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh), str(path)
    except (OSError, tomllib.TOMLDecodeError) as exc:  # changed since it was checked
        raise ScenarioError(f"{path}: {exc}") from None


_PARSED: dict[str, Any] = {}
"""Validated scenarios by variant key (a worker parses each variant once)."""


def _parsed(scenario: str, variant: Variant) -> Any:
    from model.scenario import parse_scenario

    key = variant.key(scenario)
    if key not in _PARSED:
        if len(_PARSED) > 16:
            _PARSED.clear()
        data, source = scenario_data(scenario)
        data = copy.deepcopy(data)
        for edit in variant.edits:
            edit(data)
        _PARSED[key] = parse_scenario(data, f"{source} ({variant.name})")
    return _PARSED[key]


def _execute(run: _Run) -> list[tuple[str, str, int, Measures]]:
    """Run the model once and measure it for every user (in a worker or in this process)."""
    from model.model import RareEarthModel

    v = run.variant
    spec = _parsed(run.scenario, v)
    model = RareEarthModel(spec, seed=run.seed, until=v.until, check=False, **dict(v.params))
    tables = model.run()
    output = RunOutput.from_model(model, tables)
    return [(exp, var, run.seed, measure(output, model)) for exp, var, measure in run.users]


def _plan(experiments: Sequence[Experiment], seeds: Mapping[str, list[int]]) -> list[_Run]:
    by_key: dict[tuple[str, int], tuple[str, Variant, list[tuple[str, str, Measure]]]] = {}
    for e in experiments:
        for v in e.variants:
            for s in seeds[e.name]:
                k = (v.key(e.scenario), s)
                by_key.setdefault(k, (e.scenario, v, []))[2].append((e.name, v.name, e.measure))
    return [_Run(sc, v, s, tuple(users)) for (_, s), (sc, v, users) in by_key.items()]


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def run_experiments(
    experiments: Sequence[Experiment],
    seeds: int | None = None,
    base_seed: int = 0,
    workers: int | None = None,
    progress: bool = True,
) -> dict[str, Result]:
    """Run the experiments (each with `seeds` seeds, default its own) and judge their checks.

    Runs shared by several experiments (same scenario, variant and seed) run once."""
    from tqdm import tqdm

    if seeds is not None and seeds < 1:
        raise ExperimentError(f"seeds = {seeds}: must be a whole number >= 1")
    seed_lists = {e.name: list(range(base_seed, base_seed + (seeds or e.seeds))) for e in experiments}
    runs = _plan(experiments, seed_lists)
    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise ExperimentError(f"workers = {workers}: must be a whole number >= 1")
    collected: dict[str, list[tuple[str, int, Measures]]] = {e.name: [] for e in experiments}
    desc = experiments[0].name if len(experiments) == 1 else f"{len(experiments)} experiments"
    bar = tqdm(total=len(runs), desc=desc, unit="run", file=sys.stderr, disable=None if progress else True)
    try:
        if workers == 1 or len(runs) == 1:
            for r in runs:
                for exp, var, seed, m in _execute(r):
                    collected[exp].append((var, seed, m))
                bar.update()
        else:
            ctx = multiprocessing.get_context("spawn")
            with cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
                futures = [pool.submit(_execute, r) for r in runs]
                for fut in cf.as_completed(futures):
                    for exp, var, seed, m in fut.result():
                        collected[exp].append((var, seed, m))
                    bar.update()
    finally:
        bar.close()
    return {e.name: _assemble(e, seed_lists[e.name], collected[e.name]) for e in experiments}


def _assemble(e: Experiment, seeds: list[int], rows: list[tuple[str, int, Measures]]) -> Result:
    order = {v.name: i for i, v in enumerate(e.variants)}
    rows = sorted(rows, key=lambda r: (order[r[0]], r[1]))  # the same tables whatever the finishing order
    indicators = pd.DataFrame([{"variant": v, "seed": s, **m.scalars} for v, s, m in rows])
    frames = [m.paths.assign(variant=v, seed=s) for v, s, m in rows if len(m.paths)]
    paths = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["variant", "seed", "date"])
    lead = ["variant", "seed", "date"]
    paths = paths[lead + [c for c in paths.columns if c not in lead]]
    result = Result(e, seeds, indicators, paths)
    result.checks = evaluate(result)
    return result


def run_experiment(experiment: Experiment, seeds: int | None = None, **kwargs: Any) -> Result:
    """Run one experiment (see `run_experiments`)."""
    return run_experiments([experiment], seeds=seeds, **kwargs)[experiment.name]


__all__ = [
    "BAND_HI",
    "BAND_LO",
    "Check",
    "CheckResult",
    "Data",
    "Edit",
    "Experiment",
    "ExperimentError",
    "Measures",
    "Result",
    "Variant",
    "evaluate",
    "run_experiment",
    "run_experiments",
    "scenario_data",
]
