"""Agent types of the rare-earth market: one module per kind."""

from agents.customer import Customer, CustomerBook
from agents.firm import Firm
from agents.magnet_maker import MagnetMaker
from agents.miner import Miner
from agents.refiner import Refiner
from agents.smuggler import Smuggler
from agents.state import State

__all__ = ["Customer", "CustomerBook", "Firm", "MagnetMaker", "Miner", "Refiner", "Smuggler", "State"]
