"""Customers: sectors in countries that buy magnets (or, for non-magnet uses, mixed oxide).

Customer agents are kept as rows of a `CustomerBook` so that the market handles thousands of
them in array form; each `Customer` agent reads and writes its own row. Demand grows along the
sector path, falls with a lagged price memory (thrifting, substitution), and includes the gap to
an inventory target that can rise after a shock. Supplier choice happens in the market.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from model.goods import SECTORS

if TYPE_CHECKING:
    from model.model import RareEarthModel
    from model.scenario import CustomerSpec


class CustomerBook:
    """Struct of arrays over all customers (one row per customer)."""

    def __init__(self, specs: list[CustomerSpec], start_year: int, years: int, countries: list[str]) -> None:
        n = len(specs)
        self.name = [s.name for s in specs]
        self.country = np.array([countries.index(s.country) for s in specs], dtype=np.int64)
        self.sector = np.array([SECTORS.index(s.sector) for s in specs], dtype=np.int64)
        self.tier = np.array(["concentrate" if s.sector == "other_uses" else "magnet" for s in specs])
        self.rows_of_tier = {t: np.flatnonzero(self.tier == t) for t in ("concentrate", "magnet")}  # in row order
        self.grade_min = np.array([s.grade_min for s in specs], dtype=float)
        self.domestic_premium = np.array([s.domestic_premium for s in specs], dtype=float)
        self.inventory_target_months = np.array([s.inventory_target_months for s in specs], dtype=float)
        self.level_t = np.array([s.demand_t for s in specs], dtype=float)  # underlying demand, t/yr
        self.growth = np.zeros((n, max(years, 1)))
        for i, s in enumerate(specs):
            rate = 0.0
            for y in range(years):
                rate = s.growth.get(str(start_year + y), rate)
                self.growth[i, y] = rate
        self._growth_year, self._growth_factor = -1, np.ones(n)
        self.price_memory = np.zeros(n)  # lagged landed price, USD/kg (0 = none yet)
        self.price_ref = np.zeros(n)  # first price seen, the reference for thrifting
        self.price_last = np.zeros(n)  # landed price paid last month, USD/kg (0 = none)
        self.precaution_months = np.zeros(n)  # extra stock wanted after going short, months
        self.inventory_t = self.level_t / 12 * self.inventory_target_months
        self.need_t = np.zeros(n)
        self.bought_t = np.zeros(n)
        self.paid_usd = np.zeros(n)
        self.unmet_t = np.zeros(n)

    def __len__(self) -> int:
        return len(self.name)

    def plan(
        self,
        year_index: int,
        rng: np.random.Generator,
        noise_sd: float,
        elasticity: float,
        short_elasticity: float = 0.0,
        rebound_max: float = 2.0,
    ) -> np.ndarray:
        """This month's consumption need, t: growth, the long-run price response (thrifting
        against the first price seen, through the lagged price memory) and the short-run one (a
        price above the remembered one cuts use at once: production cut back, orders put off)."""
        self.level_t *= self._monthly_growth(min(year_index, self.growth.shape[1] - 1))
        seen = (self.price_ref > 0) & (self.price_memory > 0)
        thrift = np.divide(self.price_ref, self.price_memory, out=np.ones_like(self.level_t), where=seen)
        np.power(thrift, elasticity, out=thrift, where=seen)
        np.minimum(thrift, rebound_max, out=thrift)  # cheap prices undo thrift, up to a limit
        if short_elasticity > 0:
            dear = seen & (self.price_last > self.price_memory)
            if dear.any():
                cut = np.divide(self.price_memory, self.price_last, out=np.ones_like(thrift), where=dear)
                thrift *= np.power(cut, short_elasticity, out=cut, where=dear)
        noise = rng.lognormal(0.0, noise_sd, self.level_t.size) if noise_sd > 0 else 1.0
        self.need_t = self.level_t / 12.0 * thrift * noise
        return self.need_t

    def _monthly_growth(self, year: int) -> np.ndarray:
        """Monthly growth factor of each customer's demand in year `year` (kept for the year)."""
        if self._growth_year != year:
            self._growth_year = year
            self._growth_factor = (1.0 + self.growth[:, year]) ** (1.0 / 12.0)
        return self._growth_factor

    def orders_t(self, adjust_months: float) -> np.ndarray:
        """Need plus the gap to the inventory target, closed over `adjust_months`."""
        order = self.level_t / 12.0
        order *= self.inventory_target_months + self.precaution_months  # the target stock
        order -= self.inventory_t
        order /= adjust_months
        order += self.need_t
        return np.maximum(order, 0.0, out=order)

    def receive(
        self,
        bought_t: np.ndarray,
        paid_usd: np.ndarray,
        lag_months: float,
        precaution: tuple[float, float, float] = (0.0, 1.0, 0.0),
    ) -> None:
        """Take delivery, consume from stock, record unmet need, update the price memory.

        `precaution` is (months, trigger, decay): a customer left short of more than `trigger`
        of its need wants `months` more stock from now on (hoarding after a shortage); the
        extra fades by `decay` a month."""
        self.bought_t = bought_t
        self.paid_usd = paid_usd
        stock = self.inventory_t + bought_t
        used = np.minimum(stock, self.need_t)
        self.unmet_t = self.need_t - used
        self.inventory_t = stock - used
        months, trigger, decay = precaution
        if months > 0:
            short = self.unmet_t > trigger * self.need_t
            self.precaution_months *= 1.0 - decay
            if short.any():
                np.maximum(self.precaution_months, np.where(short, months, 0.0), out=self.precaution_months)
        paid = np.divide(paid_usd, bought_t * 1000.0, out=np.zeros(stock.shape), where=bought_t > 1e-12)
        priced = paid > 0
        first = (self.price_ref == 0) & priced
        later = priced & ~first
        np.copyto(self.price_ref, paid, where=first)
        np.copyto(self.price_last, paid, where=priced)
        np.copyto(self.price_memory, self.price_memory + (paid - self.price_memory) / lag_months, where=later)
        np.copyto(self.price_memory, paid, where=first)


class Customer(mesa.Agent):
    """One customer segment; its state lives in row `row` of the model's CustomerBook."""

    kind = "customer"

    def __init__(self, model: RareEarthModel, row: int, spec: CustomerSpec) -> None:
        super().__init__(model)
        self.row = row
        self.name = spec.name
        self.country = spec.country
        self.sector = spec.sector
        self.status = "operating"

    @property
    def book(self) -> CustomerBook:
        return self.model.customers

    @property
    def demand_t_per_year(self) -> float:
        """Underlying demand now, t/yr."""
        return float(self.book.level_t[self.row])

    @property
    def inventory_target_months(self) -> float:
        return float(self.book.inventory_target_months[self.row])

    @inventory_target_months.setter
    def inventory_target_months(self, months: float) -> None:
        self.book.inventory_target_months[self.row] = months
