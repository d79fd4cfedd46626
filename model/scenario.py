"""Scenario files: TOML read with tomllib, every field validated, unknown keys rejected.

A scenario holds the world (states, firms, smugglers, customers), parameter overrides and dated
*causes* (policy changes, embargoes, plant constructions). It never holds effects: no prices, no
closures, no shares. Errors are raised as `ScenarioError` with one line naming the file, the
field, the value and what is allowed.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from model.goods import COUNTRIES, SECTORS, TIERS, month_index, parse_month
from model.params import ModelParams, param_ranges

Tier = Literal["concentrate", "ndpr_oxide", "dytb_oxide", "magnet"]
Sector = Literal["ev_auto", "wind", "electronics", "defence", "industrial_motors", "other_uses"]
Status = Literal["operating", "planned", "mothballed"]
Ore = Literal["mineral", "ionic_clay"]
Feed = Literal["any", "mineral", "ionic_clay"]
NonNeg = Annotated[float, Field(ge=0)]
Share = Annotated[float, Field(ge=0, le=1)]
FIRST_YEAR, LAST_YEAR = 1950, 2100


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message is one line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _check_country(code: str) -> str:
    if code not in COUNTRIES:
        raise ValueError(f"unknown country; allowed: {', '.join(sorted(COUNTRIES))}")
    return code


def _check_date(text: str) -> str:
    year, _ = parse_month(text)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"year out of range; allowed {FIRST_YEAR}-{LAST_YEAR}")
    return text


Country = Annotated[str, Field(min_length=3, max_length=3)]


class Meta(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    start: str
    end: str

    _d = field_validator("start", "end")(_check_date)

    @model_validator(mode="after")
    def _order(self) -> Meta:
        if month_index(self.end, self.start) < 0:
            raise _Cross("scenario.end", self.end, f"the start month {self.start} or later")
        return self


class StateSpec(_Strict):
    """A state and its standing policy at the scenario start."""

    country: Country
    dominance: bool = False
    shock_reactive: bool = False
    enforcement: Share = 0.0
    budget_usd: NonNeg = 1e12
    env_cost_usd_per_kg: dict[Tier, NonNeg] = {}
    permitting_months: dict[Tier, Annotated[int, Field(ge=0, le=600)]] = {}
    subsidy_usd_per_kg: dict[Tier, NonNeg] = {}
    export_duty: dict[Tier, Annotated[float, Field(ge=0, le=5)]] = {}
    risk_premium: dict[Country, Annotated[float, Field(ge=0, le=5)]] = {}
    directed_growth_max: dict[Tier, Annotated[float, Field(ge=0, le=1)]] = {}

    _c = field_validator("country")(_check_country)


class FirmSpec(_Strict):
    """A miner, refiner or magnet maker (annual capacity in t, costs in USD/kg)."""

    name: str = Field(min_length=1)
    country: Country
    capacity_t: NonNeg
    unit_cost_usd_per_kg: Annotated[float, Field(gt=0)]
    grade: Annotated[float, Field(ge=0.5, le=0.99999)] = 0.99
    status: Status = "operating"
    start: str | None = None
    construction_months: Annotated[int, Field(ge=0, le=240)] = 24
    state_backed: bool = False
    needs_finance: bool = False
    cash_usd: float = 0.0
    mothball_years_before_close: Annotated[float, Field(ge=0, le=100)] | None = None
    ndpr_share: Share = 0.0
    dytb_share: Share = 0.0
    illegal: bool = False
    ore: Ore | None = None  # miners: the kind of deposit (default mineral)
    feed: Feed | None = None  # refiners: the ore the plant is built for (default any)

    _c = field_validator("country")(_check_country)

    @field_validator("start")
    @classmethod
    def _start(cls, v: str | None) -> str | None:
        return None if v is None else _check_date(v)


class SmugglerSpec(_Strict):
    """A smuggling network that buys in its home market and sells abroad."""

    name: str = Field(min_length=1)
    country: Country
    tier: Tier
    capacity_t: NonNeg
    unit_cost_usd_per_kg: NonNeg = 1.0

    _c = field_validator("country")(_check_country)


class CustomerSpec(_Strict):
    """A customer segment: one sector in one country, demand in t per year at the start."""

    name: str = Field(min_length=1)
    country: Country
    sector: Sector
    demand_t: NonNeg
    growth: dict[str, Annotated[float, Field(ge=-0.5, le=1.0)]] = {}
    grade_min: Annotated[float, Field(ge=0, le=0.99999)] = 0.0
    domestic_premium: Annotated[float, Field(ge=0, le=2)] = 0.0
    inventory_target_months: Annotated[float, Field(ge=0, le=60)] = 1.0

    _c = field_validator("country")(_check_country)

    @field_validator("growth")
    @classmethod
    def _years(cls, v: dict[str, float]) -> dict[str, float]:
        for key in v:
            if not key.isdigit() or not FIRST_YEAR <= int(key) <= LAST_YEAR:
                raise ValueError(f"growth year {key!r} is not a year in {FIRST_YEAR}-{LAST_YEAR}")
        return v


class _Event(_Strict):
    date: str
    state: Country
    note: str = ""

    _d = field_validator("date")(_check_date)
    _c = field_validator("state")(_check_country)


class ExportQuota(_Event):
    """A cap on exports, shared by the tiers named: t per calendar year, or, with `months`, a
    batch of t for the next `months` months (no quota_t: lifted)."""

    kind: Literal["export_quota"]
    tiers: list[Tier] = Field(min_length=1)
    quota_t: NonNeg | None = None
    months: Annotated[int, Field(ge=1, le=120)] | None = None


class ProductionQuota(_Event):
    """A cap on the yearly output of a state's legal firms in the tiers named (none: lifted)."""

    kind: Literal["production_quota"]
    tiers: list[Tier] = Field(min_length=1)
    quota_t: NonNeg | None = None


class Embargo(_Event):
    kind: Literal["embargo"]
    target: Country
    tiers: list[Tier] = Field(min_length=1)
    months: Annotated[int, Field(ge=1, le=600)]
    _t = field_validator("target")(_check_country)


class LicenceDelay(_Event):
    kind: Literal["licence_delay"]
    tiers: list[Tier] = Field(min_length=1)
    months: Annotated[int, Field(ge=0, le=60)]


class ExportDuty(_Event):
    kind: Literal["export_duty"]
    tiers: list[Tier] = Field(min_length=1)
    rate: Annotated[float, Field(ge=0, le=5)]


class ImportTariff(_Event):
    kind: Literal["import_tariff"]
    origin: Country
    tiers: list[Tier] = Field(min_length=1)
    rate: Annotated[float, Field(ge=0, le=10)]
    _o = field_validator("origin")(_check_country)


class Subsidy(_Event):
    kind: Literal["subsidy"]
    tiers: list[Tier] = Field(min_length=1)
    usd_per_kg: NonNeg


class EnvCost(_Event):
    kind: Literal["env_cost"]
    tiers: list[Tier] = Field(min_length=1)
    usd_per_kg: NonNeg


class Permitting(_Event):
    kind: Literal["permitting"]
    tiers: list[Tier] = Field(min_length=1)
    months: Annotated[int, Field(ge=0, le=600)]


class Enforcement(_Event):
    kind: Literal["enforcement"]
    level: Share


class Stockpile(_Event):
    kind: Literal["stockpile"]
    tier: Tier
    target_t: NonNeg


class StockpileRelease(_Event):
    kind: Literal["stockpile_release"]
    tier: Tier
    quantity_t: NonNeg


class PriceFloor(_Event):
    kind: Literal["price_floor"]
    firm: str
    tier: Tier
    usd_per_kg: NonNeg
    years: Annotated[float, Field(gt=0, le=50)]
    offtake_share: Share = 0.0
    margin_usd_per_kg: NonNeg | None = None  # a cost-plus offtake: cost plus this margin at least


class SourcingMandate(_Event):
    kind: Literal["sourcing_mandate"]
    sector: Sector
    banned_origin: Country
    tiers: list[Tier] = Field(min_length=1)
    _o = field_validator("banned_origin")(_check_country)


class Consolidation(_Event):
    kind: Literal["consolidation"]
    tiers: list[Tier] = Field(min_length=1)
    group: str = Field(min_length=1)


class RiskPremium(_Event):
    kind: Literal["risk_premium"]
    origin: Country
    premium: Annotated[float, Field(ge=0, le=5)]
    _o = field_validator("origin")(_check_country)


class Build(_Event):
    """Start permitting and construction of a planned firm (a cause: the plant's construction)."""

    kind: Literal["build"]
    firm: str


EventSpec = Annotated[
    ExportQuota
    | ProductionQuota
    | Embargo
    | LicenceDelay
    | ExportDuty
    | ImportTariff
    | Subsidy
    | EnvCost
    | Permitting
    | Enforcement
    | Stockpile
    | StockpileRelease
    | PriceFloor
    | SourcingMandate
    | Consolidation
    | RiskPremium
    | Build,
    Field(discriminator="kind"),
]
EVENT_KINDS: tuple[str, ...] = tuple(
    cls.model_fields["kind"].annotation.__args__[0]  # type: ignore[union-attr]
    for cls in EventSpec.__origin__.__args__  # type: ignore[attr-defined]
)


class Scenario(_Strict):
    """A whole scenario file."""

    scenario: Meta
    parameters: dict[str, Any] = {}
    states: list[StateSpec] = Field(min_length=1)
    miners: list[FirmSpec] = []
    refiners: list[FirmSpec] = []
    magnet_makers: list[FirmSpec] = []
    smugglers: list[SmugglerSpec] = []
    customers: list[CustomerSpec] = []
    events: list[EventSpec] = []

    @field_validator("parameters")
    @classmethod
    def _params(cls, v: dict[str, Any]) -> dict[str, Any]:
        ModelParams(**v)  # raises with the parameter's name
        return v

    @model_validator(mode="after")
    def _cross(self) -> Scenario:
        start, end = self.scenario.start, self.scenario.end
        states = [s.country for s in self.states]
        _unique("country", [(f"states[{i}].country", c) for i, c in enumerate(states)])
        declared = set(states)
        firms = self.firms()
        _unique(
            "name",
            [
                (f"{section}[{i}].name", item.name)
                for section in ("miners", "refiners", "magnet_makers", "smugglers")
                for i, item in enumerate(getattr(self, section))
            ],
        )
        names = {f.name for _, f in firms}
        for section, items in (
            ("miners", self.miners),
            ("refiners", self.refiners),
            ("magnet_makers", self.magnet_makers),
            ("smugglers", self.smugglers),
            ("customers", self.customers),
        ):
            for i, item in enumerate(items):
                if item.country not in declared:
                    raise _Cross(f"{section}[{i}].country", item.country, f"a declared state: {', '.join(states)}")
        for section, items in (
            ("miners", self.miners),
            ("refiners", self.refiners),
            ("magnet_makers", self.magnet_makers),
        ):
            for i, f in enumerate(items):
                if f.start is not None and month_index(f.start, start) < 0:
                    raise _Cross(f"{section}[{i}].start", f.start, f"a month from the scenario start {start}")
                if f.ore is not None and section != "miners":
                    raise _Cross(
                        f"{section}[{i}].ore", f.ore, "left out: only a miner has an ore (a refiner has a feed)"
                    )
                if f.feed is not None and section != "refiners":
                    raise _Cross(f"{section}[{i}].feed", f.feed, "left out: only a refiner has a feed")
                if f.status != "planned" and f.start is not None and month_index(f.start, start) > 0:
                    raise _Cross(
                        f"{section}[{i}].status", f.status, "'planned' for a firm that starts after the scenario start"
                    )
        for i, e in enumerate(self.events):
            where = f"events[{i}]"
            if month_index(e.date, start) < 0 or month_index(e.date, end) > 0:
                raise _Cross(f"{where}.date", e.date, f"a month from {start} to {end}")
            if e.state not in declared:
                raise _Cross(f"{where}.state", e.state, f"a declared state: {', '.join(states)}")
            for key in ("target", "origin", "banned_origin"):  # other countries an event names
                other = getattr(e, key, None)
                if other is not None and other not in declared:
                    raise _Cross(f"{where}.{key}", other, f"a declared state: {', '.join(states)}")
            firm = getattr(e, "firm", None)
            if firm is not None and firm not in names:
                raise _Cross(f"{where}.firm", firm, "the name of a firm in this scenario")
            if getattr(e, "margin_usd_per_kg", None) is not None and e.offtake_share <= 0:
                raise _Cross(
                    f"{where}.margin_usd_per_kg", e.margin_usd_per_kg, "left out unless offtake_share is above 0"
                )
        return self

    def firms(self) -> list[tuple[str, FirmSpec]]:
        """(kind, spec) for every miner, refiner and magnet maker."""
        return (
            [("miner", f) for f in self.miners]
            + [("refiner", f) for f in self.refiners]
            + [("magnet_maker", f) for f in self.magnet_makers]
        )

    def params(self, **overrides: Any) -> ModelParams:
        """The scenario's parameters with `overrides` on top (unknown names are errors)."""
        return ModelParams(**{**self.parameters, **overrides})


class _Cross(ValueError):
    def __init__(self, path: str, value: Any, allowed: str) -> None:
        super().__init__(f"{path} = {_show(value)}: must be {allowed}")


def _unique(key: str, entries: list[tuple[str, str]]) -> None:
    """Raise on the second use of a value; entries are (path, value) pairs in file order."""
    seen: dict[str, str] = {}
    for path, v in entries:
        if v in seen:
            raise _Cross(path, v, f"unique; {seen[v]} has the same {key}")
        seen[v] = path


def _show(value: Any, limit: int = 70) -> str:
    """A short one-line repr of a value from the file."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_EVENT_MODELS: dict[str, type[BaseModel]] = {
    kind: cls
    for kind, cls in zip(EVENT_KINDS, EventSpec.__origin__.__args__, strict=True)  # type: ignore[attr-defined]
}
_SECTION_MODELS: dict[str, type[BaseModel]] = {
    "scenario": Meta,
    "states": StateSpec,
    "miners": FirmSpec,
    "refiners": FirmSpec,
    "magnet_makers": FirmSpec,
    "smugglers": SmugglerSpec,
    "customers": CustomerSpec,
}


def _item_hint(data: dict[str, Any], loc: list[Any]) -> str:
    """' (in 'Bayan Obo')' for an error inside a named list item, so the user can find it."""
    if len(loc) < 3 or not isinstance(loc[1], int):
        return ""
    items = data.get(str(loc[0]))
    if not isinstance(items, list) or not 0 <= loc[1] < len(items) or not isinstance(items[loc[1]], dict):
        return ""
    item = items[loc[1]]
    if isinstance(item.get("name"), str):
        return f" (in {item['name']!r})"
    if loc[0] == "events" and isinstance(item.get("kind"), str):
        return f" (in the {item['kind']} event of {item.get('date', '?')})"
    if loc[0] == "states" and isinstance(item.get("country"), str):
        return f" (in the state {item['country']!r})"
    return ""


def _format(err: ValidationError, data: dict[str, Any]) -> str:
    """One line from the first pydantic error: field path, value, what is allowed."""
    e = err.errors(include_url=False)[0]
    kind = next((p for p in e["loc"] if isinstance(p, str) and p in EVENT_KINDS), None)
    loc = [p for p in e["loc"] if not (isinstance(p, str) and p in EVENT_KINDS)]
    path = ""
    for p in loc:
        path += f"[{p}]" if isinstance(p, int) else (f".{p}" if path else str(p))
    value = e.get("input")
    hint = _item_hint(data, loc)
    if e["type"] == "value_error" and isinstance(e.get("ctx", {}).get("error"), _Cross):
        return str(e["ctx"]["error"])
    if e["type"] == "extra_forbidden":
        what = "section" if len(loc) == 1 else ("parameter" if loc[0] == "parameters" else "key")
        return f"{path} = {_show(value)}{hint}: unknown {what}; {_allowed_keys(loc, kind)}"
    if e["type"] == "missing":
        return f"{path}{hint}: required field is missing"
    if e["type"] == "union_tag_invalid":
        return f"{path}.kind = {_show(value.get('kind'))}{hint}: must be one of {', '.join(EVENT_KINDS)}"
    if e["type"] == "union_tag_not_found":
        return f"{path}.kind{hint}: required field is missing; one of {', '.join(EVENT_KINDS)}"
    msg = e["msg"].removeprefix("Value error, ").replace("Input should be", "must be")
    if loc[:1] == ["parameters"] and len(loc) == 2:
        lo, hi, _ = param_ranges().get(str(loc[1]), (None, None, ""))
        if lo is not None and hi is not None:
            msg += f" (allowed range {lo:g} to {hi:g})"
    return f"{path} = {_show(value)}{hint}: {msg}"


def _allowed_keys(loc: list[Any], kind: str | None = None) -> str:
    if len(loc) == 1:
        return "allowed sections: " + ", ".join(Scenario.model_fields)
    if loc[0] == "parameters":
        return "allowed parameters: " + ", ".join(ModelParams.model_fields)
    model = _EVENT_MODELS.get(kind) if loc[0] == "events" and kind else _SECTION_MODELS.get(str(loc[0]))
    if model is None:
        return "see the scenario files shipped in model/scenarios for the keys"
    label = f"allowed keys of an event of kind {kind}" if loc[0] == "events" else "allowed keys"
    return f"{label}: " + ", ".join(model.model_fields)


def _one_line(text: str) -> str:
    """`text` with its line breaks replaced by spaces: a ScenarioError message is one line."""
    return re.sub(r"\s*[\r\n]+\s*", " ", text).strip()


def _toml_error(exc: tomllib.TOMLDecodeError, text: str) -> str:
    """'at line L, column C: <the line>: <what is wrong>' from a tomllib error."""
    msg = str(exc)
    m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
    if not m:
        return _one_line(msg)
    lineno = int(m.group(1))
    lines = text.splitlines()
    what = msg[: m.start()].strip()
    shown = _show(lines[lineno - 1].strip(), 100) if 0 < lineno <= len(lines) else "''"
    return f"at line {lineno}, column {m.group(2)}: {shown}: {what}"


_LOADED: dict[tuple[str, str], Scenario] = {}
"""Scenarios already read, by (source, file text): a sweep builds thousands of models from one
file, and parsing and validating it takes longer than building the model. A scenario is frozen
and models only read it (as the experiments' cache of parsed variants relies on too); a changed
file has another text, so it is read anew."""


def load_scenario(path_or_name: str | Path) -> tuple[Scenario, str]:
    """Read and validate a scenario by built-in name or file path; returns (scenario, source)."""
    path = resolve_scenario(path_or_name)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{source}: cannot read: {_one_line(str(exc))}") from None
    scenario = _LOADED.get((source, text))
    if scenario is not None:
        return scenario, source
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source}: not valid TOML {_toml_error(exc, text)}") from None
    scenario = parse_scenario(data, source)
    if len(_LOADED) > 16:
        _LOADED.clear()
    _LOADED[(source, text)] = scenario
    return scenario, source


def parse_scenario(data: dict[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate an already-parsed scenario mapping."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        if exc.title == "ModelParams":  # raised from inside the parameters check
            e = exc.errors(include_url=False)[0]
            name = e["loc"][0] if e["loc"] else "?"
            if e["type"] == "extra_forbidden":
                allowed = ", ".join(ModelParams.model_fields)
                line = f"parameters.{name} = {_show(e.get('input'))}: unknown parameter; allowed: {allowed}"
            else:
                line = f"parameters.{name} = {_show(e.get('input'))}: {e['msg'].replace('Input should be', 'must be')}"
            raise ScenarioError(_one_line(f"{source}: {line}")) from None
        raise ScenarioError(_one_line(f"{source}: {_format(exc, data)}")) from None


def builtin_scenarios() -> dict[str, Path]:
    """Name -> path of the scenario files shipped with the package."""
    folder = resources.files("model") / "scenarios"
    return {Path(str(p)).stem: Path(str(p)) for p in folder.iterdir() if str(p).endswith(".toml")}


def resolve_scenario(path_or_name: str | Path) -> Path:
    """A built-in scenario name or a path to a TOML file."""
    builtins = builtin_scenarios()
    if isinstance(path_or_name, str) and path_or_name in builtins:
        return builtins[path_or_name]
    path = Path(path_or_name)
    if not path.is_file():
        raise ScenarioError(
            f"{path_or_name}: no such scenario file or built-in name; "
            f"give the path of a TOML file or one of: {', '.join(sorted(builtins))}"
        )
    return path


__all__ = ["Scenario", "ScenarioError", "load_scenario", "parse_scenario", "builtin_scenarios", "TIERS", "SECTORS"]
