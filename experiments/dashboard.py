"""The model as the teaching dashboard runs it, and the data its charts and event feed show.

`DashboardModel` is `RareEarthModel` plus three things the page needs: the levers a user moved
(applied at the start of the next month, see `experiments.levers`), a lock so that the page's
buttons and Mesa's play loop never step the model at the same time, and `ChartData`, which keeps
what the charts draw in arrays filled month by month (no table of the whole history is rebuilt
for a redraw). `describe_event` turns a row of the events table into a sentence.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import numpy as np

from experiments.levers import LeverBoard
from model.clearing import CHANNELS
from model.goods import COUNTRIES, TIERS, month_label
from model.model import RareEarthModel
from model.scenario import Scenario
from model.tables import SERIES_COLUMNS

STATUSES = ("planned", "permitting", "construction", "operating", "mothballed", "closed")
"""Firms' life-cycle states, in the order the firm timeline codes them."""
IMPORTERS = ("USA", "JPN")
"""The countries whose imports by origin the flows chart shows."""
PRICE_SERIES = ("price_concentrate", "price_ndpr_oxide", "price_dytb_oxide", "price_magnet")
SHARE_SERIES = ("china_share_mining", "china_share_refining", "china_share_magnets")
POLICY_KINDS = frozenset({"policy", "embargo_start", "embargo_end"})
MINOR_KINDS = frozenset({"invest", "seizure"})
"""Events the feed leaves out unless asked for everything (there are hundreds of them)."""


class DashboardModel(RareEarthModel):
    """A `RareEarthModel` for the page: levers, a step lock and chart data.

    `world` is the scenario (a built-in name or a file). Mesa 3.5 keeps the keyword `scenario` for
    its own `mesa.experimental.scenarios.Scenario`, which SolaraViz's Reset passes to the model's
    class; that object (it carries no parameters here) is accepted and ignored."""

    def __init__(
        self, world: Scenario | str | Path = "history", seed: int = 0, scenario: Any = None, check: bool = True
    ) -> None:
        super().__init__(world, seed=int(seed), check=check)
        self.world = world
        self.lock = threading.RLock()
        self.levers = LeverBoard()
        self.view = ChartData(self)
        mesa_step = self.step  # Mesa's wrapped step: dated causes (Mesa events), then `step` below

        def locked_step() -> None:
            with self.lock:
                if self.running and self.steps < self.n_months:
                    mesa_step()

        self.step = locked_step  # type: ignore[method-assign]

    def step(self) -> None:
        """One month: the levers moved since the last step, then the model's month, then the charts' data."""
        self.levers.commit(self, self.steps - 1)  # Mesa counted this step already
        super().step()
        self.view.record(self)

    def step_months(self, months: int) -> int:
        """Step up to `months` months (fewer at the end of the run); returns the months stepped."""
        done = 0
        with self.lock:
            while done < months and self.running and self.steps < self.n_months:
                self.step()
                done += 1
        return done

    @property
    def finished(self) -> bool:
        return self.steps >= self.n_months or not self.running

    def date_label(self) -> str:
        """The month last simulated, or 'YYYY-MM (start)' before the first step."""
        return self.date if self.steps > 0 else f"{self.start} (start)"

    def next_date(self) -> str:
        """The month the model simulates next (where levers moved now take effect)."""
        return month_label(self.start, self.steps)


class ChartData:
    """What the charts draw, in arrays of one row per month, filled as the model steps."""

    def __init__(self, model: RareEarthModel) -> None:
        n, k = model.n_months, len(model.countries)
        self.n = 0  # months recorded
        self.start = model.start
        self.countries = list(model.countries)
        self.years = np.array([_year_of(model.start, i) for i in range(n)])
        self.end_year = _year_of(model.start, n)
        self._cols = [SERIES_COLUMNS.index(c) - 2 for c in (*PRICE_SERIES, *SHARE_SERIES)]  # rows lack run_id, seed
        self.prices = np.full((n, len(PRICE_SERIES)), np.nan)
        self.shares = np.full((n, len(SHARE_SERIES)), np.nan)
        self.importers = [c for c in IMPORTERS if c in model.country_index]
        self._importer_index = [model.country_index[c] for c in self.importers]
        # t bought by each importer per month, tier, origin and channel
        self.imports_t = np.zeros((len(self.importers), n, len(TIERS), k, len(CHANNELS)))
        self.firm_names = [f.name for f in model.firms]
        self.firm_countries = [f.country for f in model.firms]
        self.status = np.zeros((n, len(model.firms)), dtype=np.int8)
        self.status_at_start = np.array([STATUSES.index(f.status) for f in model.firms], dtype=np.int8)

    def record(self, model: RareEarthModel) -> None:
        """Add the month just simulated."""
        i = model.month
        row = model.recorder.series[-1]
        values = [row[c] for c in self._cols]
        self.prices[i] = [v if v > 0 else np.nan for v in values[: len(PRICE_SERIES)]]
        self.shares[i] = values[len(PRICE_SERIES) :]
        for j, d in enumerate(self._importer_index):
            for t, tier in enumerate(TIERS):
                self.imports_t[j, i, t] = model.markets[tier].month.quantity_t[:, d, :]
        self.status[i] = [STATUSES.index(f.status) for f in model.firms]
        self.n = i + 1

    def status_runs(self) -> list[list[tuple[int, int, int]]]:
        """Per firm: (status code, first month, months) of each stretch in one status so far."""
        runs = []
        for f in range(len(self.firm_names)):
            codes = self.status[: self.n, f]
            if codes.size == 0:
                runs.append([])
                continue
            cuts = np.flatnonzero(np.diff(codes)) + 1
            starts = np.r_[0, cuts]
            ends = np.r_[cuts, codes.size]
            runs.append([(int(codes[s]), int(s), int(e - s)) for s, e in zip(starts, ends, strict=True)])
        return runs


def _year_of(start: str, offset: int) -> float:
    """The month `offset` after `start` as a decimal year (1985.0 = January 1985)."""
    y, m = (int(p) for p in month_label(start, offset).split("-"))
    return y + (m - 1) / 12.0


# --- the event feed --------------------------------------------------------------------------------
COUNTRY_NAMES = {code: name.split(" (")[0] for code, name in COUNTRIES.items()}
_CODES = re.compile(r"\b(" + "|".join(COUNTRY_NAMES) + r")\b")
_LOSSES = re.compile(r"^(\d+) months of losses; (.*)$")
_CAPACITY = re.compile(r"^starts production, capacity (.*)$")


def country_name(code: str) -> str:
    """'JPN' -> 'Japan' (codes the model does not know are returned as they are)."""
    return COUNTRY_NAMES.get(code, code)


def _names(text: str) -> str:
    return _CODES.sub(lambda m: COUNTRY_NAMES[m.group(1)], text)


def describe_event(date: str, kind: str, actor: str, country: str, detail: str) -> str:
    """A row of the events table as a sentence, e.g. '2002-06 Mountain Pass mothballed after 30
    months of losses (price 2.46 USD/kg vs unit cost 2.50 USD/kg)'. Details the rules here do not
    recognise are shown as they are."""
    detail = _names(detail)
    who = country_name(actor) if actor == country else actor
    if kind == "mothball":
        m = _LOSSES.match(detail)
        text = (
            f"{who} mothballed after {m.group(1)} months of losses ({m.group(2)})"
            if m
            else f"{who} mothballed: {detail}"
        )
    elif kind == "close":
        text = f"{who} {detail}" if detail.startswith("closed") else f"{who} closed: {detail}"
    elif kind == "open":
        m = _CAPACITY.match(detail)
        text = f"{who} starts production (capacity {m.group(1)})" if m else f"{who} opens: {detail}"
    elif kind == "restart":
        text = f"{who} restarts ({detail})" if detail else f"{who} restarts"
    elif kind == "restart_decision":
        text = f"{who} decides to restart: {detail}"
    elif kind == "permitting":
        text = f"{who} applies for permits ({detail})"
    elif kind == "construction":
        text = f"{who} starts construction ({detail})"
    elif kind == "invest":
        text = f"{who} invests: {detail}"
    elif kind in POLICY_KINDS:
        text = f"{who}: {detail.split(': ', 1)[1] if _has_kind_prefix(detail) else detail}"
    else:  # finance, seizure and any later kinds
        text = f"{who}: {detail}"
    return f"{date} {text}"


def _has_kind_prefix(detail: str) -> bool:
    """True for a dated cause's detail 'export_quota: ...' (the instrument's name, then what it does)."""
    head, sep, _ = detail.partition(": ")
    return bool(sep) and re.fullmatch(r"[a-z_]+", head) is not None


def feed(model: RareEarthModel, everything: bool = False, limit: int = 60) -> list[tuple[str, str, str]]:
    """The latest events, newest first, as (kind, group, sentence); group is 'policy', 'firm' or 'other'.
    Investments and seizures are left out unless `everything`."""
    out: list[tuple[str, str, str]] = []
    events = model.recorder.events
    for date, kind, actor, country, detail in reversed(events):
        if not everything and kind in MINOR_KINDS:
            continue
        group = "policy" if kind in POLICY_KINDS else ("other" if kind in ("seizure", "finance") else "firm")
        out.append((kind, group, describe_event(date, kind, actor, country, detail)))
        if len(out) >= limit:
            break
    return out


__all__ = ["DashboardModel", "ChartData", "describe_event", "feed", "STATUSES", "country_name"]
