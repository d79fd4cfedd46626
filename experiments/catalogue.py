"""The experiments of the project, by name, in the order `python -m experiments all` runs them.

Each name is a module `experiments.<name>` that defines `EXPERIMENT` (an
`experiments.experiment.Experiment`); a module is imported only when its experiment is asked for.
"""

from __future__ import annotations

import importlib

from experiments.experiment import Experiment, ExperimentError

NAMES: tuple[str, ...] = (
    "undercutting",
    "embargo_2010",
    "japan_response",
    "hitachi_nc",
    "buyer_switching",
    "controls_2025",
    "policy_options",
)


def available() -> list[str]:
    """The names whose module exists (all of them, once every experiment is written)."""
    import importlib.util

    return [n for n in NAMES if importlib.util.find_spec(f"experiments.{n}") is not None]


def get(name: str) -> Experiment:
    """The experiment `name`; an unknown name is a one-line error listing the allowed ones."""
    if name not in available():
        raise ExperimentError(f"experiment = {name!r}: unknown; allowed: {', '.join(available())}")
    return importlib.import_module(f"experiments.{name}").EXPERIMENT


def questions() -> dict[str, str]:
    """Name -> the question the experiment answers (for `python -m experiments list`)."""
    return {n: get(n).question for n in available()}


__all__ = ["NAMES", "available", "get", "questions"]
