"""Outcome metrics of a sensitivity study: one number per run, computed from the run's tables.

A metric is a function of a `RunOutput` (the four tables of the output contract, plus the
states' spending by item, which the tables hold only as each state's net `cash`) that returns a
float. Register one with the `metric` decorator:

    from experiments.metrics import metric

    @metric(unit="USD/kg", description="mean NdPr oxide price index in 2015")
    def ndpr_price_2015(run):
        return run.year_mean("price_ndpr_oxide", 2015)

Metrics must tolerate a short run (`--until`): a quantity of a year the run does not cover
completely is NaN (`RunOutput.covers(year)`), and "the year something happened" is the year
after the run's last month when it did not happen within the run (`RunOutput.after_end`), so
that censored runs sort after every observed year.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from model.goods import parse_month

if TYPE_CHECKING:
    from model.model import RareEarthModel

SUPPORT_ITEMS: tuple[str, ...] = (
    "subsidy",
    "price_floor",
    "directed_losses",
    "bailout",
    "directed_investment",
    "finance",
)
"""State payments to firms that buy no goods (agents/state.py, agents/firm.py): production
subsidies, price-floor top-ups, paid losses of state-directed firms, bailouts of state-backed
firms, capacity a state orders its directed firms to build, and the co-financing of projects.
Stockpile purchases and offtake are left out: for those the state receives the goods."""


class MetricError(ValueError):
    """A metric that cannot be registered or loaded; the message is one line."""


@dataclass
class RunOutput:
    """What a metric sees of one run."""

    series: pd.DataFrame
    flows: pd.DataFrame
    events: pd.DataFrame
    agents: pd.DataFrame
    state_spending: pd.DataFrame
    """One row per state and spending item: `country`, `item`, `usd` (cumulative over the run)."""
    start: str
    end: str
    """First and last month of the run (YYYY-MM)."""

    @classmethod
    def from_model(cls, model: RareEarthModel, tables: dict[str, pd.DataFrame]) -> RunOutput:
        """The tables of a finished run and its states' spending."""
        rows = [(st.country, item, float(usd)) for st in model.state_list for item, usd in sorted(st.spent_usd.items())]
        spending = pd.DataFrame(rows, columns=["country", "item", "usd"])
        end = tables["series"]["date"].iloc[-1] if len(tables["series"]) else model.start
        return cls(
            tables["series"], tables["flows"], tables["events"], tables["agents"], spending, model.start, str(end)
        )

    # --- horizon helpers -----------------------------------------------------------------------
    @property
    def first_full_year(self) -> int:
        year, month = parse_month(self.start)
        return year if month == 1 else year + 1

    @property
    def last_full_year(self) -> int:
        year, month = parse_month(self.end)
        return year if month == 12 else year - 1

    def covers(self, year: int) -> bool:
        """True if the run holds every month of `year`."""
        return self.first_full_year <= year <= self.last_full_year

    @property
    def after_end(self) -> float:
        """The year after the run's last month: the value of 'the year X happened' when X did
        not happen within the run."""
        return float(parse_month(self.end)[0] + 1)

    # --- table helpers -------------------------------------------------------------------------
    def year_rows(self, year: int) -> pd.DataFrame:
        """The series rows of `year`."""
        return self.series[self.series["date"].str.startswith(f"{year}-")]

    def year_mean(self, column: str, year: int) -> float:
        """Mean of a series column over `year` (NaN if the run does not cover the year)."""
        if not self.covers(year):
            return math.nan
        return float(self.year_rows(year)[column].mean())

    def first_event_year(self, actor: str, kinds: Iterable[str]) -> float:
        """Year of the actor's first event of one of `kinds`, or `after_end` if none."""
        ev = self.events
        hit = ev[(ev["actor"] == actor) & ev["kind"].isin(list(kinds))]
        return float(parse_month(hit["date"].iloc[0])[0]) if len(hit) else self.after_end


@dataclass(frozen=True)
class Metric:
    """A registered metric."""

    name: str
    unit: str
    description: str
    fn: Callable[[RunOutput], float]


METRICS: dict[str, Metric] = {}
"""Every registered metric, by name, in registration order."""

RESERVED = ("sample", "seed", "error", "run_seconds")


def metric(
    name: str | None = None, *, unit: str, description: str
) -> Callable[[Callable[[RunOutput], float]], Callable[[RunOutput], float]]:
    """Register `fn(run: RunOutput) -> float` as a metric (named after the function unless `name`)."""

    def register(fn: Callable[[RunOutput], float]) -> Callable[[RunOutput], float]:
        key = name or fn.__name__
        if not key.isidentifier() or key in RESERVED:
            raise MetricError(f"metric name {key!r}: must be a Python identifier other than {', '.join(RESERVED)}")
        old = METRICS.get(key)
        if old is not None and (old.fn.__module__, old.fn.__qualname__) != (fn.__module__, fn.__qualname__):
            raise MetricError(
                f"metric name {key!r}: already registered by {old.fn.__module__}.{old.fn.__qualname__}; choose another"
            )
        METRICS[key] = Metric(key, unit, description, fn)
        return fn

    return register


def compute(run: RunOutput, names: Iterable[str]) -> tuple[dict[str, float], list[str]]:
    """The metrics `names` of one run, and one-line notes of the metrics that raised (NaN)."""
    values: dict[str, float] = {}
    errors: list[str] = []
    for name in names:
        try:
            v = float(METRICS[name].fn(run))
        except Exception as exc:  # a metric's bug must not lose the run: NaN and a note
            v = math.nan
            errors.append(f"metric {name}: {type(exc).__name__}: {' '.join(str(exc).split())}")
        values[name] = v
    return values, errors


# --- metrics from files ---------------------------------------------------------------------------
_LOADED: dict[str, str] = {}  # sha256 of a metrics file's source -> module name
_FILE_MODULE_PREFIX = "_study_metrics_"


def source_of(path: str | Path) -> tuple[str, str]:
    """(file name, source) of a metrics file, or MetricError (one line)."""
    p = Path(path)
    try:
        return p.name, p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise MetricError(f"--metrics {str(path)!r}: cannot read: {reason}") from None


def load_source(filename: str, source: str) -> list[str]:
    """Run a metrics file's source once per process (it registers metrics); returns the names of
    the metrics it registered. The source travels with the study to every worker, so a user's
    metrics work on a Dask cluster without the file being there."""
    digest = hashlib.sha256(source.encode()).hexdigest()
    if digest in _LOADED:
        return [n for n, m in METRICS.items() if m.fn.__module__ == _LOADED[digest]]
    module_name = f"{_FILE_MODULE_PREFIX}{digest[:12]}"
    spec = importlib.util.spec_from_loader(module_name, loader=None, origin=filename)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__file__ = filename
    sys.modules[module_name] = module
    try:
        exec(compile(source, filename, "exec"), module.__dict__)
    except MetricError:
        raise
    except Exception as exc:
        sys.modules.pop(module_name, None)
        raise MetricError(
            f"--metrics {filename}: failed to load: {type(exc).__name__}: {' '.join(str(exc).split())}"
        ) from None
    _LOADED[digest] = module_name
    added = [n for n, m in METRICS.items() if m.fn.__module__ == module_name]
    if not added:
        raise MetricError(f"--metrics {filename}: registers no metric; decorate a function with @metric(...)")
    return added


def from_file(m: Metric) -> bool:
    """True for a metric registered by a metrics file (`load_source`), not by an imported module."""
    return m.fn.__module__.startswith(_FILE_MODULE_PREFIX)


def ensure_sources(sources: Iterable[tuple[str, str]]) -> None:
    """Load every (file name, source) pair not loaded yet in this process."""
    for filename, source in sources:
        load_source(filename, source)


# --- the built-in metrics -------------------------------------------------------------------------
MOUNTAIN_PASS = "Mountain Pass"
HITACHI_NC = "Hitachi Metals North Carolina"
STOP_KINDS = ("mothball", "close")


@metric(
    unit="year", description="year Mountain Pass first stops mining (mothball or close); year after the run if never"
)
def mountain_pass_stop_year(run: RunOutput) -> float:
    return run.first_event_year(MOUNTAIN_PASS, STOP_KINDS)


@metric(unit="ratio", description="highest monthly NdPr oxide price index of 2011 over its 2009 mean")
def ndpr_peak_2011_over_2009(run: RunOutput) -> float:
    if not (run.covers(2009) and run.covers(2011)):
        return math.nan
    base = run.year_mean("price_ndpr_oxide", 2009)
    peak = float(run.year_rows(2011)["price_ndpr_oxide"].max())
    return peak / base if base > 0 else math.nan


@metric(
    unit="year",
    description="year the Hitachi Metals North Carolina plant first stops producing (mothball or close); "
    "year after the run if it never does (also if it never opened)",
)
def hitachi_nc_stop_year(run: RunOutput) -> float:
    return run.first_event_year(HITACHI_NC, STOP_KINDS)


@metric(
    unit="years",
    description="years the Hitachi Metals North Carolina plant produced within the run (0 if it never opened)",
)
def hitachi_nc_years_operating(run: RunOutput) -> float:
    ev = run.events[run.events["actor"] == HITACHI_NC]
    months, since = 0, None
    for date, kind in zip(ev["date"], ev["kind"], strict=True):
        y, m = parse_month(date)
        t = y * 12 + m
        if kind in ("open", "restart") and since is None:
            since = t
        elif kind in STOP_KINDS and since is not None:
            months, since = months + t - since, None
    if since is not None:
        y, m = parse_month(run.end)
        months += y * 12 + m + 1 - since
    return months / 12.0


def _china_share(run: RunOutput, share: str, output: str, year: int) -> float:
    if not run.covers(year):
        return math.nan
    rows = run.year_rows(year)
    total = float(rows[output].sum())
    return float((rows[share] * rows[output]).sum()) / total if total > 0 else math.nan


@metric(unit="share", description="China's share of world mine output in 2035 (output-weighted over the year)")
def china_share_mining_2035(run: RunOutput) -> float:
    return _china_share(run, "china_share_mining", "output_concentrate_t", 2035)


@metric(unit="share", description="China's share of world NdPr oxide output in 2035 (output-weighted over the year)")
def china_share_refining_2035(run: RunOutput) -> float:
    return _china_share(run, "china_share_refining", "output_ndpr_oxide_t", 2035)


@metric(unit="share", description="China's share of world magnet output in 2035 (output-weighted over the year)")
def china_share_magnets_2035(run: RunOutput) -> float:
    return _china_share(run, "china_share_magnets", "output_magnet_t", 2035)


def us_magnet_import_dependence(run: RunOutput, year: int) -> float:
    """Imports of magnets into the USA over all magnets US buyers bought in `year` (market
    purchases: channels legal and smuggled; the state's stockpile and offtake are left out)."""
    if not run.covers(year):
        return math.nan
    f = run.flows
    sel = (
        (f["tier"] == "magnet")
        & (f["destination"] == "USA")
        & f["channel"].isin(["legal", "smuggled"])
        & f["date"].str.startswith(f"{year}-")
    )
    bought = f.loc[sel]
    total = float(bought["quantity_t"].sum())
    imported = float(bought.loc[bought["origin"] != "USA", "quantity_t"].sum())
    return imported / total if total > 0 else math.nan


@metric(unit="share", description="US magnet import dependence in 2030: imports over US buyers' purchases")
def us_magnet_import_dependence_2030(run: RunOutput) -> float:
    return us_magnet_import_dependence(run, 2030)


@metric(unit="share", description="US magnet import dependence in 2035: imports over US buyers' purchases")
def us_magnet_import_dependence_2035(run: RunOutput) -> float:
    return us_magnet_import_dependence(run, 2035)


def _support(run: RunOutput, country: str | None = None) -> float:
    s = run.state_spending
    sel = s["item"].isin(SUPPORT_ITEMS)
    if country is not None:
        sel &= s["country"] == country
    return float(s.loc[sel, "usd"].sum())


@metric(
    unit="USD",
    description="cumulative state support to firms over the run, all states: subsidies, price-floor top-ups, "
    "directed firms' losses, bailouts, directed investment, co-finance",
)
def state_support_usd(run: RunOutput) -> float:
    return _support(run)


@metric(unit="USD", description="cumulative US state support to firms over the run (as state_support_usd, USA only)")
def us_support_usd(run: RunOutput) -> float:
    return _support(run, "USA")


@metric(unit="t", description="customers' unmet demand summed over the run")
def unmet_demand_t(run: RunOutput) -> float:
    return float(np.sum(run.series["unmet_demand_t"].to_numpy()))


__all__ = [
    "METRICS",
    "Metric",
    "MetricError",
    "RunOutput",
    "SUPPORT_ITEMS",
    "compute",
    "ensure_sources",
    "load_source",
    "metric",
    "source_of",
]
