"""Policy levers of the teaching dashboard: what moving a slider or a switch does to a running model.

Each lever is one policy instrument of DESIGN section 6, changed the way a dated cause in a
scenario file changes it: through `model.policy.Cause` and `State.apply_cause`, with the event
validated by the scenario file's own schema, so a lever moved at month k has the same effect as
that cause dated k in a scenario file. The two levers that are no scenario event (US buyers'
domestic premium, Japan's stockpile target in months of its orders) set the same attributes the
scenario's customers and `stockpile` events set. Every change is logged in the events table
(`policy`, `embargo_start` or `embargo_end`, detail ending in '(dashboard lever)').

The dashboard collects a user's changes in a `LeverBoard` and applies them just before the next
month is simulated (`LeverBoard.commit`), so a change acts from that month on, a slider dragged
across many values makes one change, and the model is never changed while it steps. A later dated
cause of the scenario (e.g. the history's next export quota) still changes the instrument again.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import TypeAdapter, ValidationError

from model.goods import TIERS, month_label
from model.model import EmbargoEnd
from model.policy import Cause
from model.scenario import EventSpec

if TYPE_CHECKING:
    from agents.state import State
    from model.model import RareEarthModel

NOTE = "dashboard lever"
"""The note the levers' events carry, so that students can tell them from the scenario's causes."""
MATERIAL_TIERS = ["concentrate", "ndpr_oxide", "dytb_oxide"]
"""The tiers China's export quota covers (as in the history world: rare-earth materials, not magnets)."""
EMBARGO_TIERS = list(TIERS)
"""The tiers the embargo lever stops: all rare-earth goods, magnets included."""
MAX_FLOOR_YEARS = 50.0  # the scenario schema's longest price floor

_EVENTS: TypeAdapter[Any] = TypeAdapter(EventSpec)


class LeverError(ValueError):
    """A lever value that cannot be applied; the message is one line."""


@dataclass(frozen=True)
class Lever:
    """One lever: its control on the page, its range (declared here once) and what it needs."""

    name: str
    label: str
    unit: str
    control: Literal["slider", "quota", "embargo"]
    lo: float
    hi: float
    step: float
    needs: tuple[str, ...]  # countries the scenario must have for the lever to exist
    help: str


@dataclass(frozen=True)
class EmbargoSetting:
    """An embargo by China on `target` for `months` months (value of the `china_embargo` lever)."""

    target: str
    months: int


LEVERS: dict[str, Lever] = {
    lever.name: lever
    for lever in (
        Lever(
            "china_export_quota_t",
            "China's export quota",
            "t/yr",
            "quota",
            0,
            100_000,
            1_000,
            ("CHN",),
            "Caps China's exports of concentrate and oxides (t per year, shared). Off: no quota.",
        ),
        Lever(
            "china_embargo",
            "China's embargo",
            "months",
            "embargo",
            1,
            36,
            1,
            ("CHN",),
            "China stops all legal exports of rare earths and magnets to one country for some months.",
        ),
        Lever(
            "us_magnet_tariff_pct",
            "US tariff on Chinese magnets",
            "%",
            "slider",
            0,
            300,
            5,
            ("USA", "CHN"),
            "Import tariff the USA levies on magnets from China, % of their price.",
        ),
        Lever(
            "us_domestic_premium_pct",
            "US buyers' premium for US-made goods",
            "%",
            "slider",
            0,
            100,
            5,
            ("USA",),
            "How much more US buyers are willing to pay for supply made in the USA, % of the price.",
        ),
        Lever(
            "china_enforcement_pct",
            "China's enforcement against smuggling",
            "%",
            "slider",
            0,
            100,
            5,
            ("CHN",),
            "Raises the chance that smuggled shipments are seized and the penalty on illegal mining.",
        ),
        Lever(
            "japan_stockpile_months",
            "Japan's stockpile target",
            "months of orders",
            "slider",
            0,
            24,
            1,
            ("JPN",),
            "Japan's state buys toward a stockpile of this many months of Japan's orders, per good.",
        ),
        Lever(
            "us_ndpr_floor_usd_per_kg",
            "US price floor for NdPr oxide",
            "USD/kg",
            "slider",
            0,
            200,
            5,
            ("USA",),
            "The US state tops up US separators' NdPr sales to this price (0: no floor).",
        ),
        Lever(
            "us_mine_permitting_months",
            "US permitting time for new mines",
            "months",
            "slider",
            0,
            240,
            6,
            ("USA",),
            "Months a new US mine, or an expansion of one, waits for its permits.",
        ),
    )
}


# --- what a lever reads and changes ----------------------------------------------------------------
def next_month(model: RareEarthModel) -> int:
    """The index of the month the model simulates next (between two steps)."""
    return int(model.steps)


def available(model: RareEarthModel, name: str) -> bool:
    """True if the scenario has what the lever acts on (its countries, and US separators for the floor)."""
    lever = _lever(name)
    if not all(c in model.states for c in lever.needs):
        return False
    if name == "us_ndpr_floor_usd_per_kg":
        return bool(_us_ndpr_firms(model))
    return True


def read(model: RareEarthModel, name: str, step: int | None = None) -> Any:
    """The lever's value as the model's instruments stand for month `step` (default: the next)."""
    _check_available(model, name)
    step = next_month(model) if step is None else step
    if name == "china_export_quota_t":
        pol = model.states["CHN"].policy
        quota = pol.export_quota_t.get("concentrate")
        if quota is None:
            return None
        batch = pol.quota_batch.get("concentrate")  # a batch for some months, shown at its yearly rate
        return float(quota) * 12 / (batch[1] - batch[0]) if batch else float(quota)
    if name == "china_embargo":
        ends = _embargoes(model.states["CHN"], step)
        if not ends:
            return None
        target = sorted(ends)[0]
        return EmbargoSetting(target, ends[target] - step)
    if name == "us_magnet_tariff_pct":
        return 100.0 * model.states["USA"].policy.import_tariff.get(("CHN", "magnet"), 0.0)
    if name == "us_domestic_premium_pct":
        rows = _rows_of(model, "USA")
        return 100.0 * float(model.customers.domestic_premium[rows].max()) if rows.size else 0.0
    if name == "china_enforcement_pct":
        return 100.0 * model.states["CHN"].policy.enforcement
    if name == "japan_stockpile_months":
        orders = model.national_demand_t("JPN")
        ordered = sum(orders.values())
        targets = model.states["JPN"].policy.stockpile_target_t
        return sum(targets.get(t, 0.0) for t in orders) / ordered if ordered > 0 else 0.0
    if name == "us_ndpr_floor_usd_per_kg":
        floors = [f.usd_per_kg for f in _us_ndpr_floors(model, step)]
        return float(max(floors)) if floors else 0.0
    if name == "us_mine_permitting_months":
        return float(model.states["USA"].policy.permitting_months.get("concentrate", 0))
    raise AssertionError(name)  # every lever is handled above


def check_value(name: str, value: Any, model: RareEarthModel | None = None) -> Any:
    """`value` normalised for lever `name`; a LeverError (one line) if it is outside the lever's range."""
    lever = _lever(name)
    if name == "china_embargo":
        if value is None:
            return None
        if not isinstance(value, EmbargoSetting):
            raise LeverError(f"{name} = {value!r}: must be None (no embargo) or EmbargoSetting(target, months)")
        if model is not None and (value.target not in model.states or value.target == "CHN"):
            allowed = ", ".join(c for c in model.countries if c != "CHN")
            raise LeverError(
                f"{name}.target = {value.target!r}: must be a country of the scenario other than CHN: {allowed}"
            )
        months = _in_range(lever, value.months, f"{name}.months")
        return EmbargoSetting(value.target, int(round(months)))
    if name == "china_export_quota_t" and value is None:
        return None
    return _in_range(lever, value, name)


def apply(model: RareEarthModel, name: str, value: Any, step: int | None = None) -> None:
    """Set lever `name` to `value` from month `step` on (default: the next month) and log the change.

    Applying the value the lever already has changes nothing and logs nothing."""
    _check_available(model, name)
    value = check_value(name, value, model)
    step = next_month(model) if step is None else step
    if not 0 <= step < model.n_months:
        raise LeverError(f"{name}: the run has ended at {model.date}; reset the model to change levers")
    if _same(value, read(model, name, step)):
        return
    before = model.month
    model.month = step  # as a dated cause does: the change belongs to (and is dated) its month
    try:
        _APPLY[name](model, value, step)
    finally:
        model.month = before
        model.policy_changed()


def _cause(model: RareEarthModel, step: int, **event: Any) -> None:
    """Apply one scenario event (validated by the scenario schema) as a dated cause at `step`."""
    event = {"date": month_label(model.start, step), "note": NOTE, **event}
    try:
        spec = _EVENTS.validate_python(event)
    except ValidationError as exc:  # a lever range wider than the schema allows is a bug here
        raise LeverError(f"{event['kind']}: {exc.errors(include_url=False)[0]['msg']}") from None
    Cause(model.states[spec.state], spec, step).apply()


def _set_quota(model: RareEarthModel, value: float | None, step: int) -> None:
    quota = {} if value is None else {"quota_t": float(value)}
    _cause(model, step, kind="export_quota", state="CHN", tiers=MATERIAL_TIERS, **quota)


def _set_embargo(model: RareEarthModel, value: EmbargoSetting | None, step: int) -> None:
    china = model.states["CHN"]
    for target in sorted(_embargoes(china, step)):
        if value is None or target == value.target:
            _lift_embargo(model, china, target, step)
    if value is not None:
        _cause(model, step, kind="embargo", state="CHN", target=value.target, tiers=EMBARGO_TIERS, months=value.months)
        # `apply_cause` logs an embargo without its note: mark the row as the lever's
        date, kind, actor, country, detail = model.recorder.events[-1]
        if kind == "embargo_start" and actor == china.name:
            model.recorder.events[-1] = (date, kind, actor, country, f"{detail} ({NOTE})")


def _lift_embargo(model: RareEarthModel, state: State, target: str, step: int) -> None:
    """End an embargo now. Its scheduled end is dropped from `model.causes`, the only strong
    reference to it: Mesa's events hold their callbacks by weak reference, so it never fires."""
    pol = state.policy
    tiers = [t for (tgt, t), end in pol.embargo_until.items() if tgt == target and end > step]
    for t in tiers:
        pol.embargo_until[(target, t)] = step
    model.causes = [
        c
        for c in model.causes
        if not (isinstance(c, EmbargoEnd) and c.state is state and c.target == target and c.step > step)
    ]
    model.log_event("embargo_end", state, f"embargo on {target} lifted: {', '.join(tiers)} ({NOTE})")


def _set_tariff(model: RareEarthModel, value: float, step: int) -> None:
    _cause(model, step, kind="import_tariff", state="USA", origin="CHN", tiers=["magnet"], rate=value / 100.0)


def _set_premium(model: RareEarthModel, value: float, step: int) -> None:
    model.customers.domestic_premium[_rows_of(model, "USA")] = value / 100.0
    refresh_buyer_classes(model)
    model.log_event(
        "policy",
        model.states["USA"],
        f"domestic_premium: US buyers pay up to {value:.0f}% more for US-made goods ({NOTE})",
    )


def _set_enforcement(model: RareEarthModel, value: float, step: int) -> None:
    _cause(model, step, kind="enforcement", state="CHN", level=value / 100.0)


def _set_stockpile(model: RareEarthModel, value: float, step: int) -> None:
    japan = model.states["JPN"]
    orders = model.national_demand_t("JPN")
    targets = {t: value * orders.get(t, 0.0) for t in TIERS}
    japan.policy.stockpile_target_t.update(targets)  # what the `stockpile` cause sets, tier by tier
    shown = ", ".join(f"{t} {q:,.0f} t" for t, q in targets.items() if q > 0) or "none"
    model.log_event(
        "policy", japan, f"stockpile: stockpile target {value:g} months of Japan's orders: {shown} ({NOTE})"
    )


def _set_floor(model: RareEarthModel, value: float, step: int) -> None:
    ended = _us_ndpr_floors(model, step)
    for floor in ended:  # the lever replaces the floors in force
        floor.until_step = step
    if value > 0:
        years = min((model.n_months - step) / 12.0, MAX_FLOOR_YEARS)
        for firm in _us_ndpr_firms(model):
            _cause(
                model,
                step,
                kind="price_floor",
                state="USA",
                firm=firm.name,
                tier="ndpr_oxide",
                usd_per_kg=float(value),
                years=years,
            )
    elif ended:
        model.log_event("policy", model.states["USA"], f"price_floor: US NdPr price floor removed ({NOTE})")


def _set_permitting(model: RareEarthModel, value: float, step: int) -> None:
    _cause(model, step, kind="permitting", state="USA", tiers=["concentrate"], months=int(round(value)))


_APPLY = {
    "china_export_quota_t": _set_quota,
    "china_embargo": _set_embargo,
    "us_magnet_tariff_pct": _set_tariff,
    "us_domestic_premium_pct": _set_premium,
    "china_enforcement_pct": _set_enforcement,
    "japan_stockpile_months": _set_stockpile,
    "us_ndpr_floor_usd_per_kg": _set_floor,
    "us_mine_permitting_months": _set_permitting,
}
assert set(_APPLY) == set(LEVERS)


def refresh_buyer_classes(model: RareEarthModel) -> None:
    """Carry changed customers' domestic premiums into the markets' buyer classes.

    A `TierMarket` groups its buyers into classes at construction, and a class's landed costs use
    the domestic premium in its key (`classes[:, 4]`). A class holds customers of one country, and
    the premium lever sets one value per country, so every class stays uniform: rewriting the key's
    premium column gives the markets a model built with the new premiums would have, while the
    buyers keep their loyalty to last month's suppliers (a rebuilt market would forget it)."""
    book = model.customers
    for market in model.markets.values():
        premium = np.zeros(len(market.classes))
        cust = market.b_customer_row >= 0
        premium[market.b_class[cust]] = book.domestic_premium[market.b_customer_row[cust]]
        market.classes[:, 4] = premium
        market.any_domestic_premium = bool(np.any(premium != 0))
    model.buyer_classes_changed()


# --- helpers ---------------------------------------------------------------------------------------
def _lever(name: str) -> Lever:
    try:
        return LEVERS[name]
    except KeyError:
        raise LeverError(f"lever {name!r}: unknown; levers: {', '.join(LEVERS)}") from None


def _check_available(model: RareEarthModel, name: str) -> None:
    if not available(model, name):
        lever = _lever(name)
        raise LeverError(f"lever {name}: scenario {model.scenario_spec.scenario.name!r} lacks {', '.join(lever.needs)}")


def _in_range(lever: Lever, value: Any, field: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not lever.lo <= number <= lever.hi:  # also rejects nan
        raise LeverError(f"{field} = {value!r}: must be a number from {lever.lo:g} to {lever.hi:g} {lever.unit}")
    return number


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    return a == b


def _embargoes(state: State, step: int) -> dict[str, int]:
    """Target -> last end step of the state's embargoes in force at `step`."""
    ends: dict[str, int] = {}
    for (target, _tier), end in state.policy.embargo_until.items():
        if end > step:
            ends[target] = max(ends.get(target, 0), end)
    return ends


def _rows_of(model: RareEarthModel, country: str) -> np.ndarray:
    return np.flatnonzero(model.customers.country == model.country_index[country])


def _us_ndpr_firms(model: RareEarthModel) -> list[Any]:
    return [f for f in model.firms if f.country == "USA" and "ndpr_oxide" in f.outputs]


def _us_ndpr_floors(model: RareEarthModel, step: int) -> list[Any]:
    return [f for f in model.states["USA"].policy.price_floors if f.tier == "ndpr_oxide" and f.until_step > step]


# --- the page's pending changes --------------------------------------------------------------------
class LeverBoard:
    """Lever changes made on the page since the last step, applied before the next month.

    `set` may be called from the page's thread while another thread steps the model: the pending
    changes are guarded by a lock, and `commit` runs inside the model's step."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[str, Any] = {}
        self._shown: dict[str, tuple[Any, Any]] = {}  # name -> (value set, what `read` gave after)

    def set(self, model: RareEarthModel, name: str, value: Any) -> None:
        """Ask for lever `name` to be `value` from the next month on (moving it back to where it
        stands cancels the change)."""
        _check_available(model, name)
        value = check_value(name, value, model)
        standing = self.standing(model, name)
        with self._lock:
            if _same(value, standing):
                self._pending.pop(name, None)
            else:
                self._pending[name] = value

    def pending(self) -> dict[str, Any]:
        """The changes waiting for the next month."""
        with self._lock:
            return dict(self._pending)

    def value(self, model: RareEarthModel, name: str) -> Any:
        """What the page shows for lever `name`: a pending change, else the value last set while the
        instrument is still where the lever left it (the stockpile lever's months drift with Japan's
        orders), else the instrument's value."""
        with self._lock:
            if name in self._pending:
                return self._pending[name]
        return self.standing(model, name)

    def standing(self, model: RareEarthModel, name: str) -> Any:
        """The value the lever stands at now, pending changes aside (see `value`)."""
        now = read(model, name)
        with self._lock:
            shown = self._shown.get(name)
        if shown is not None and _same(now, shown[1]):
            return shown[0]
        return now

    def commit(self, model: RareEarthModel, step: int) -> list[str]:
        """Apply the pending changes at month `step` (called at the start of that month's step);
        returns the names of the levers applied."""
        with self._lock:
            pending, self._pending = self._pending, {}
        for name, value in pending.items():
            apply(model, name, value, step)
            self._shown[name] = (value, read(model, name, step))
        return list(pending)


__all__ = [
    "LEVERS",
    "Lever",
    "LeverBoard",
    "LeverError",
    "EmbargoSetting",
    "available",
    "read",
    "apply",
    "check_value",
    "refresh_buyer_classes",
]
