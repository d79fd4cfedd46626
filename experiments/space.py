"""The parameter space of a sensitivity study: what may vary, and what a study samples.

What may vary is declared once: the behavioural parameters in `model/params.py` (`ModelParams`:
default, allowed range, meaning, unit, default distribution) and the scenario levers in
`experiments/scenario_levers.py`. `declarations(scenario_data)` lists both, with the scenario's own values
as defaults.

A study's space file (TOML) picks from these declarations:

    [space]
    description = "what this space is for"          # optional

    [parameters.logit_beta]                          # a ModelParams field or a lever
    range = [4.0, 16.0]                              # optional; default: the allowed range
    distribution = "uniform"                         # optional; default: the declared one

    [parameters.us_domestic_premium]
    range = [0.0, 0.3]
    distribution = "triangular"
    mode = 0.05                                      # the peak; low <= mode < high

Distributions: `uniform`, `loguniform` (low > 0), `triangular` (`mode`), `normal` (`mean`, `sd`;
truncated to the range) and `lognormal` (`median`, `sigma` = sd of the log; truncated to the
range, low > 0). Every one is bounded, so that every sample is a valid parameter value; SALib
samples them (`unif`, `logunif`, `triang`, `truncnorm`, and `truncnorm` on the log for lognormal).
Integer parameters are sampled as numbers and rounded to the nearest whole number.

A malformed space file raises `SpaceError` with one line naming the file, the field, the value
and what is allowed.
"""

from __future__ import annotations

import contextlib
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from experiments.scenario_levers import LEVERS, LeverError

DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "uniform": (),
    "loguniform": (),
    "triangular": ("mode",),
    "normal": ("mean", "sd"),
    "lognormal": ("median", "sigma"),
}
"""Distribution -> the keys it needs besides `range`."""

SHIPPED_SPACES = Path(__file__).parent / "spaces"
"""Space files shipped with the package (`history.toml` is the default)."""


class SpaceError(ValueError):
    """A space file that cannot be used; the message is one line."""


@dataclass(frozen=True)
class Declared:
    """One input a study may vary: a model parameter or a scenario lever."""

    name: str
    kind: str  # "parameter" (ModelParams) or "lever" (experiments/scenario_levers.py)
    meaning: str
    unit: str
    default: float
    low: float
    high: float
    integer: bool
    distribution: str

    @property
    def declared_in(self) -> str:
        return "model/params.py" if self.kind == "parameter" else "experiments/scenario_levers.py"


def model_parameters(scenario: Any = None) -> dict[str, Declared]:
    """Every numeric ModelParams field, with the scenario's value (if given) as the default."""
    from model.params import ModelParams

    values = scenario.params() if scenario is not None else ModelParams()
    out: dict[str, Declared] = {}
    for name, f in ModelParams.model_fields.items():
        lo = hi = None
        for meta in f.metadata:
            lo = getattr(meta, "ge", lo)
            hi = getattr(meta, "le", hi)
        if f.annotation not in (int, float) or lo is None or hi is None:
            continue
        extra = f.json_schema_extra if isinstance(f.json_schema_extra, dict) else {}
        out[name] = Declared(
            name=name,
            kind="parameter",
            meaning=f.description or "",
            unit=str(extra.get("unit", "1")),
            default=float(getattr(values, name)),
            low=float(lo),
            high=float(hi),
            integer=f.annotation is int,
            distribution=str(extra.get("distribution", "uniform")),
        )
    return out


def levers(scenario_data: dict[str, Any] | None = None) -> dict[str, Declared]:
    """Every scenario lever; the default is the scenario's value (NaN if the lever does not apply
    to it, or if no scenario is given)."""
    out = {}
    for name, lever in LEVERS.items():
        default = math.nan
        if scenario_data is not None:
            with contextlib.suppress(LeverError):
                default = lever.default(scenario_data)
        out[name] = Declared(
            name, "lever", lever.meaning, lever.unit, default, lever.low, lever.high, lever.integer, lever.distribution
        )
    return out


def declarations(scenario_data: dict[str, Any] | None = None, scenario: Any = None) -> dict[str, Declared]:
    """Model parameters and levers, by name (defaults from the scenario when given)."""
    both = {**model_parameters(scenario), **levers(scenario_data)}
    clash = set(model_parameters()) & set(LEVERS)
    if clash:  # a lever must not shadow a parameter
        raise RuntimeError(f"lever names clash with model parameters: {', '.join(sorted(clash))}")
    return both


# --- the space file ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Entry:
    """One varied input of a study: its declaration, sampling range and distribution."""

    declared: Declared
    low: float
    high: float
    distribution: str
    args: dict[str, float] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.declared.name

    def salib(self) -> tuple[str, list[float]]:
        """SALib's (dist, bounds) for this entry (lognormal: a truncnorm of the log)."""
        lo, hi, a = self.low, self.high, self.args
        match self.distribution:
            case "uniform":
                return "unif", [lo, hi]
            case "loguniform":
                return "logunif", [lo, hi]
            case "triangular":
                return "triang", [lo, hi, (a["mode"] - lo) / (hi - lo)]
            case "normal":
                return "truncnorm", [lo, hi, a["mean"], a["sd"]]
            case "lognormal":
                return "truncnorm", [math.log(lo), math.log(hi), math.log(a["median"]), a["sigma"]]
        raise ValueError(self.distribution)

    def describe(self) -> str:
        """'uniform on [4, 16]', 'normal (mean 8, sd 2) on [4, 16]', ..."""
        extra = ", ".join(f"{k} {v:g}" for k, v in self.args.items())
        return f"{self.distribution}{f' ({extra})' if extra else ''} on [{self.low:g}, {self.high:g}]"


@dataclass(frozen=True)
class Space:
    """A validated space file."""

    source: str
    description: str
    entries: tuple[Entry, ...]

    @property
    def names(self) -> list[str]:
        return [e.name for e in self.entries]

    def problem(self) -> dict[str, Any]:
        """The SALib problem: names, bounds and dists."""
        pairs = [e.salib() for e in self.entries]
        return {
            "num_vars": len(self.entries),
            "names": self.names,
            "bounds": [b for _, b in pairs],
            "dists": [d for d, _ in pairs],
        }

    def values(self, x: np.ndarray) -> np.ndarray:
        """Parameter values from SALib's sample matrix (rows = runs): the log of lognormal
        inputs is exponentiated, integers rounded, and every value kept inside its range."""
        out = np.array(x, dtype=float, copy=True)
        for j, e in enumerate(self.entries):
            if e.distribution == "lognormal":
                out[:, j] = np.exp(out[:, j])
            if e.declared.integer:
                out[:, j] = np.rint(out[:, j])
            out[:, j] = np.clip(out[:, j], e.low, e.high)  # only float rounding can step outside
        return out

    def default_row(self) -> dict[str, float | int]:
        """Input name -> the scenario's default value (the seed-only runs use these)."""
        return {
            e.name: int(round(e.declared.default)) if e.declared.integer else e.declared.default for e in self.entries
        }

    def row(self, values: np.ndarray) -> dict[str, float | int]:
        """Input name -> value of one row of `values` (ints for integer inputs)."""
        return {
            e.name: int(v) if e.declared.integer else float(v)
            for e, v in zip(self.entries, values.tolist(), strict=True)
        }


def _num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _show(v: Any, limit: int = 60) -> str:
    text = repr(v)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def parse_space(data: dict[str, Any], source: str, decl: dict[str, Declared]) -> Space:
    """Validate a parsed space mapping against the declarations; raise SpaceError (one line)."""

    def fail(where: str, value: Any, allowed: str) -> SpaceError:
        shown = f" = {_show(value)}" if value is not _MISSING else ""
        return SpaceError(f"{source}: {where}{shown}: {allowed}")

    for key, value in data.items():
        if key not in ("space", "parameters"):
            raise fail(key, value, "unknown section; allowed sections: space, parameters")
    meta = data.get("space", {})
    if not isinstance(meta, dict):
        raise fail("space", meta, "must be a table, e.g. [space] with description = '...'")
    for key, value in meta.items():
        if key != "description":
            raise fail(f"space.{key}", value, "unknown key; allowed keys: description")
    description = meta.get("description", "")
    if not isinstance(description, str):
        raise fail("space.description", description, "must be a string")
    params = data.get("parameters", _MISSING)
    if params is _MISSING or not isinstance(params, dict) or not params:
        raise fail(
            "parameters",
            params,
            "must name at least one parameter, e.g. [parameters.logit_beta] with range = [4, 16]",
        )
    entries = []
    for name, spec in params.items():
        entries.append(_entry(name, spec, decl, fail))
    return Space(source, description, tuple(entries))


_MISSING: Any = object()


def _entry(name: str, spec: Any, decl: dict[str, Declared], fail: Any) -> Entry:
    where = f"parameters.{name}"
    if name not in decl:
        raise fail(
            where,
            _MISSING,
            "unknown parameter; allowed: the model parameters of model/params.py and the levers of "
            f"experiments/scenario_levers.py: {', '.join(decl)}",
        )
    d = decl[name]
    if not isinstance(spec, dict):
        raise fail(where, spec, "must be a table, e.g. [parameters.NAME] with range = [low, high]")
    dist = spec.get("distribution", d.distribution)
    if dist not in DISTRIBUTIONS:
        raise fail(f"{where}.distribution", dist, f"unknown distribution; allowed: {', '.join(DISTRIBUTIONS)}")
    allowed_keys = ("range", "distribution", *DISTRIBUTIONS[dist])
    for key, value in spec.items():
        if key not in allowed_keys:
            raise fail(
                f"{where}.{key}", value, f"unknown key for a {dist} parameter; allowed keys: {', '.join(allowed_keys)}"
            )
    allowed = f"the allowed range {d.low:g} to {d.high:g} ({d.declared_in})"
    rng = spec.get("range", [d.low, d.high])
    if not isinstance(rng, list) or len(rng) != 2 or not all(_num(v) for v in rng):
        raise fail(f"{where}.range", rng, f"must be two numbers [low, high] within {allowed}")
    lo, hi = float(rng[0]), float(rng[1])
    if lo >= hi:
        raise fail(f"{where}.range", rng, f"must be [low, high] with low < high, within {allowed}")
    if lo < d.low or hi > d.high:
        raise fail(f"{where}.range", rng, f"must lie within {allowed}")
    if d.integer and (lo != int(lo) or hi != int(hi)):
        raise fail(f"{where}.range", rng, f"must be whole numbers: {name} is an integer parameter")
    if dist in ("loguniform", "lognormal") and lo <= 0:
        raise fail(f"{where}.range", rng, f"must have low > 0 for a {dist} distribution")
    args: dict[str, float] = {}
    for key in DISTRIBUTIONS[dist]:
        if key not in spec:
            need = " and ".join(repr(k) for k in DISTRIBUTIONS[dist])
            raise fail(f"{where}.{key}", _MISSING, f"missing; a {dist} distribution needs {need}")
        v = spec[key]
        if not _num(v):
            raise fail(f"{where}.{key}", v, "must be a finite number")
        args[key] = float(v)
    if dist == "triangular" and not lo <= args["mode"] < hi:
        raise fail(f"{where}.mode", spec["mode"], f"must lie in the range: {lo:g} <= mode < {hi:g}")
    if dist == "normal":
        if args["sd"] <= 0:
            raise fail(f"{where}.sd", spec["sd"], "must be greater than 0")
        if not lo <= args["mean"] <= hi:
            raise fail(f"{where}.mean", spec["mean"], f"must lie in the range [{lo:g}, {hi:g}]")
    if dist == "lognormal":
        if args["sigma"] <= 0:
            raise fail(f"{where}.sigma", spec["sigma"], "must be greater than 0")
        if not lo <= args["median"] <= hi:
            raise fail(f"{where}.median", spec["median"], f"must lie in the range [{lo:g}, {hi:g}]")
    if not math.isfinite(d.default) and d.kind == "lever":
        raise fail(where, _MISSING, "this lever does not apply to the study's scenario (it lacks what the lever edits)")
    return Entry(d, lo, hi, dist, args)


def read_space_text(path: str | Path) -> tuple[str, str]:
    """(source label, text) of a space file, or SpaceError (one line)."""
    source = str(path)
    try:
        return source, Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SpaceError(f"{source}: cannot read the space file: {reason}") from None


def load_space(path: str | Path, decl: dict[str, Declared], text: str | None = None) -> Space:
    """Read and validate a space file (TOML) against the declarations."""
    from model.scenario import _toml_error

    source = str(path)
    if text is None:
        source, text = read_space_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpaceError(f"{source}: not valid TOML {_toml_error(exc, text)}") from None
    return parse_space(data, source, decl)


def default_space_path(scenario_name: str) -> Path:
    """The shipped space file for a scenario (`spaces/<name>.toml`), else `spaces/history.toml`."""
    own = SHIPPED_SPACES / f"{scenario_name}.toml"
    return own if own.is_file() else SHIPPED_SPACES / "history.toml"


__all__ = [
    "DISTRIBUTIONS",
    "Declared",
    "Entry",
    "Space",
    "SpaceError",
    "declarations",
    "default_space_path",
    "load_space",
    "model_parameters",
    "levers",
    "parse_space",
]
