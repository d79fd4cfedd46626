"""The rare-earth geopolitics model: markets, policies, scenarios, accounting and outputs."""

from model.model import RareEarthModel, run
from model.params import ModelParams
from model.scenario import ScenarioError, load_scenario

__all__ = ["RareEarthModel", "run", "ModelParams", "ScenarioError", "load_scenario"]
