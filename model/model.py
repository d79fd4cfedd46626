"""The rare-earth market model: one step is one month, markets clear tier by tier.

Order within a month: dated causes (Mesa events) -> states' own rules -> firms' life cycles and
output -> smugglers ship -> customers plan -> markets for concentrate, NdPr oxide, DyTb oxide and
magnets -> sellers' asking prices for next month -> price floors and offtake -> firms settle ->
prices, records and accounting checks.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from agents.customer import Customer, CustomerBook
from agents.firm import KG_PER_T, Firm
from agents.magnet_maker import MagnetMaker
from agents.miner import Miner
from agents.refiner import Refiner
from agents.smuggler import Smuggler
from agents.state import State, release_ask_usd_per_kg
from model import accounting
from model.clearing import CHANNELS, ROLE_CUSTOMER, SellerIndex, StackedMarkets, TierMarket
from model.collector import main_series_collector
from model.goods import TIERS, in_tier_order, month_index, month_label, parse_month
from model.market import ExportCap, allocate, allocate_markets, stackable, update_prices
from model.params import ModelParams
from model.policy import Cause
from model.scenario import Scenario, load_scenario
from model.tables import Recorder

FIRM_CLASSES: dict[str, type[Firm]] = {"miner": Miner, "refiner": Refiner, "magnet_maker": MagnetMaker}
LICENCE_WEIGHT_MIN = 1e-6  # applications still waiting with less weight than this are left out (a numerical cut)


class EmbargoEnd:
    """Logs the end of an embargo at its month (the embargo's effect ends by its own date)."""

    def __init__(self, state: State, target: str, tiers: list[str], step: int) -> None:
        self.state, self.target, self.tiers, self.step = state, target, tiers, step

    def apply(self) -> None:
        self.state.model.month = self.step
        self.state.model.log_event("embargo_end", self.state, f"embargo on {self.target} ends: {', '.join(self.tiers)}")


class RareEarthModel(mesa.Model):
    """States, miners, refiners, magnet makers, smugglers and customers trading rare earths."""

    def __init__(
        self,
        scenario: Scenario | str | Path = "history",
        seed: int = 0,
        run_id: str | None = None,
        until: str | None = None,
        check: bool = True,
        **params: Any,
    ) -> None:
        super().__init__(rng=seed)
        if isinstance(scenario, Scenario):
            self.scenario_spec, self.source = scenario, "<scenario>"
        else:
            self.scenario_spec, self.source = load_scenario(scenario)
        spec = self.scenario_spec
        self.params: ModelParams = spec.params(**params)
        self.seed = seed
        self.run_id = run_id or f"{spec.scenario.name}-{seed}"
        self.start = spec.scenario.start
        end = until or spec.scenario.end
        self.n_months = month_index(end, self.start) + 1
        if self.n_months < 1:
            raise ValueError(f"until = {until!r}: must be a month from {self.start} to {spec.scenario.end}")
        self.month = -1
        self._date_month: int | None = None
        self._date = ""
        self._start_month = parse_month(self.start)[1]  # the start's month of the year, 1-12
        self._start_year = parse_month(self.start)[0]  # the start's calendar year
        self._grade_share: tuple[int, float] = (-2, 1.0)  # (month, share): dytb_grade_share's cache
        self.check = check
        self.recorder = Recorder(self)
        # states and countries
        self.states: dict[str, State] = {}
        for s in spec.states:
            self.states[s.country] = State(self, s)
        self.countries = list(self.states)
        self.country_index = {c: i for i, c in enumerate(self.countries)}
        self.state_list = [self.states[c] for c in self.countries]
        # firms, smugglers, customers
        self.firms: list[Firm] = []
        for kind, f in spec.firms():
            self.firms.append(FIRM_CLASSES[kind](self, f, self.states[f.country]))
        self.firm_by_name = {f.name: f for f in self.firms}
        self.smugglers = [Smuggler(self, s, self.states[s.country]) for s in spec.smugglers]
        start_year = parse_month(self.start)[0]
        self.customers = CustomerBook(spec.customers, start_year, self.n_months // 12 + 2, self.countries)
        self.customer_agents = [Customer(self, i, c) for i, c in enumerate(spec.customers)]
        # observations shared by agents
        self.last_price_index: dict[str, float] = {}
        self.domestic_price: dict[str, float] = {}
        self.export_price: dict[str, float] = {}
        self.import_price: dict[tuple[str, str], list[float]] = {}
        self.imports_by_origin = np.zeros((len(self.countries), len(self.countries)))
        self.import_months: list[np.ndarray] = []  # the last 15 months of (origin, destination) t
        self.legal_exports: deque[np.ndarray] = deque(maxlen=12)  # the last 12 months of (tier, origin) t
        self.orders_by_country: dict[str, np.ndarray] = {t: np.zeros(len(self.countries)) for t in TIERS}
        # this month's books stacked by tier, (tier, origin, destination, channel), set by `_observe`
        self.month_quantity_t = np.zeros((len(TIERS), len(self.countries), len(self.countries), len(CHANNELS)))
        self.month_value_usd = np.zeros_like(self.month_quantity_t)
        # the flat places, t and USD of this month's cells with trade (see `_observe`)
        self.recorded_cells: tuple[np.ndarray, np.ndarray, np.ndarray] = (
            np.zeros(0, np.int64),
            np.zeros(0),
            np.zeros(0),
        )
        self.quota_used: dict[tuple[str, frozenset[str], int], float] = {}  # (country, tiers, period) -> t
        # this month's part of a quota, split over the tiers sharing it: (country, tier) -> (month, t)
        self.quota_month: dict[tuple[str, str], tuple[int, float]] = {}
        self.export_requests: dict[tuple[str, str], dict[int, float]] = {}
        self.production_used: dict[tuple[str, str, int], float] = {}  # (country, tier, year) -> t produced
        self._quota_groups: list[tuple[tuple[str, str, int], float, list[Firm]]] = []
        self._cheapest: dict[tuple[int, str, str], float] = {}
        self._policy_month: int | None = None  # month of the cached policy lookups below
        self._floors: dict[tuple[str, str], float] = {}
        self._embargo_in_force = False
        self.markets = self._build_markets()
        self._stacked: StackedMarkets | None = None  # the markets stacked for one allocation pass
        self._demand_calls: dict[str, list[Callable[[], float]]] = {}  # per tier, see `_demand`
        self._customer_orders: np.ndarray | None = None  # reset each month once customers plan
        self._firm_sellers: dict[str, list[tuple[int, Firm]]] = {}  # per tier, see `_deliver`
        self._offer_calls: dict[str, list[Callable[[], float]]] = {}  # per tier, see `_orders`
        self._sellers: SellerIndex | None = None  # every market's sellers in one list, for `_reprice`
        self._smugglers_home = {t: self.country_index[self.home_of_smugglers(t)] for t in TIERS}
        # customers' unmet need and need per month, t, by country (in `countries` order): what the
        # tables hold only world-wide; see `unmet_demand_by_country`
        self.unmet_by_country_t: list[np.ndarray] = []
        self.need_by_country_t: list[np.ndarray] = []
        self.alarms: dict[str, list[tuple[int, float]]] = {}
        self._alarm_cache: dict[tuple[int, str], float] = {}  # tier -> (month, severity) of supply-cut news
        self.causes: list[Any] = []
        for e in spec.events:
            step = month_index(e.date, self.start)
            if step < self.n_months:
                cause = Cause(self.states[e.state], e, step)
                self.causes.append(cause)
                self.schedule_event(cause.apply, at=step + 0.5)
        self.holdings_before = accounting.holdings(self)
        self.datacollector = main_series_collector()  # the main series for mesa.batch_run (model/collector.py)

    # --- construction ----------------------------------------------------------------------
    def _build_markets(self) -> dict[str, TierMarket]:
        markets = {}
        book = self.customers
        for tier in TIERS:
            sellers: list[Any] = [f for f in self.firms if tier in f.outputs]
            sellers += [s for s in self.smugglers if s.tier == tier]
            sellers += self.state_list
            buyers: list[Any] = [f for f in self.firms if tier in f.inputs]
            buyers += [s for s in self.smugglers if s.tier == tier]
            buyers += self.state_list
            rows = np.flatnonzero(book.tier == tier)
            markets[tier] = TierMarket(self, tier, sellers, buyers, rows)
        return markets

    def step_of(self, date: str) -> int:
        """Month index of a 'YYYY-MM' date in this run."""
        return month_index(date, self.start)

    @property
    def date(self) -> str:
        """This month as 'YYYY-MM' (cached per month)."""
        if self._date_month != self.month:
            self._date_month = self.month
            self._date = month_label(self.start, self.month)
        return self._date

    @property
    def month_of_year(self) -> int:
        """1 for January ... 12 for December (counted from the start's month, not parsed from `date`)."""
        return (self._start_month - 1 + self.month) % 12 + 1

    @property
    def year_index(self) -> int:
        return self.month // 12 + (self._start_month - 1 + self.month % 12) // 12

    # --- the month -------------------------------------------------------------------------
    def dytb_grade_share(self) -> float:
        """The DyTb content of this month's magnet grades, share of `dytb_per_t_magnet`: rising
        linearly from `dytb_early_share` at the start to 1 at `dytb_full_year` (the same for every
        maker, so computed once a month)."""
        month, share = self._grade_share
        if month != self.month:
            p = self.params
            share = 1.0
            if p.dytb_early_share < 1.0:
                start = self._start_year
                year = start + (self._start_month - 1 + self.month) / 12.0
                span = p.dytb_full_year - start
                done = 1.0 if span <= 0 else min(max((year - start) / span, 0.0), 1.0)
                share = p.dytb_early_share + (1.0 - p.dytb_early_share) * done
            self._grade_share = (self.month, share)
        return share

    def step(self) -> None:
        """Advance one month."""
        self.month = self.steps - 1
        p = self.params
        for st in self.state_list:
            st.decide()
        for f in self.firms:
            f.advance_life_cycle()
        self._allot_production_quotas()
        for f in self.firms:
            f.produce()
        self._count_quota_output()
        for s in self.smugglers:
            s.ship()
        self.customers.plan(
            self.year_index,
            self.rng,
            p.demand_noise_sd,
            p.price_elasticity,
            p.short_run_elasticity,
            p.thrift_rebound_max,
        )
        self._customer_orders = None  # this month's customer orders, computed on first use in `_demand`
        self.customers.bought_t = np.zeros(len(self.customers))
        self.customers.paid_usd = np.zeros(len(self.customers))
        self._clear_markets()
        self._reprice()
        self.customers.receive(
            self.customers.bought_t,
            self.customers.paid_usd,
            p.price_lag_months,
            (p.precaution_months, p.precaution_trigger, p.precaution_decay),
        )
        book = self.customers
        self.unmet_by_country_t.append(np.bincount(book.country, weights=book.unmet_t, minlength=len(self.countries)))
        self.need_by_country_t.append(np.bincount(book.country, weights=book.need_t, minlength=len(self.countries)))
        for st in self.state_list:
            st.pay_price_floors()
        for f in self.firms:
            f.settle()
        for s in self.smugglers:
            s.settle()
        self._pool_group_cash()
        self._observe()
        self.recorder.record_month()
        self.datacollector.collect(self)
        if self.check:
            accounting.check_month(self)
        if self.month + 1 >= self.n_months:
            self.running = False

    def _demand(self, market: TierMarket) -> np.ndarray:
        demand = np.zeros(len(market.agents))
        calls = self._demand_calls.get(market.tier)
        if calls is None:  # built on first use (the markets keep their buyers for the run)
            calls = self._demand_calls[market.tier] = [self._demand_call(a, market.tier) for a in market.agent_list]
        demand[market.agent_pos] = [call() for call in calls]
        if market.cust_rows.size:
            if self._customer_orders is None:  # once a month: clearing changes no customer's stock
                self._customer_orders = self.customers.orders_t(self.params.inventory_adjust_months)
            demand[market.cust_pos] = self._customer_orders[market.cust_rows]
        return demand

    @staticmethod
    def _demand_call(agent: Any, tier: str) -> Callable[[], float]:
        """What a non-customer buyer orders of `tier` this month, as a call without arguments."""
        kind = agent.kind
        if kind == "state":
            return partial(agent.stockpile_demand_t, tier)
        if kind == "magnet_maker":
            return partial(agent.input_demand_t, tier)
        if kind == "refiner":
            return agent.feed_demand_t
        if kind == "smuggler":
            return agent.demand_t
        return float  # float() is 0.0

    def _clear_markets(self) -> None:
        """Clear the four tiers in order. A tier's offers, orders and landed costs do not depend
        on the tiers cleared before it in the month, and nor do its caps, except through an
        export quota shared with an earlier tier (whose unused part passes on). With every
        market small enough that each buyer keeps its own row, the tiers' offers, orders,
        landed costs and choice weights are computed stacked (`StackedMarkets`); without such a
        quota they are also allocated in one stacked pass (`allocate_markets`); with one, each
        tier is allocated alone, its caps following the shipments of the tiers allocated before
        it. All tiers are then booked in one stacked pass (booking touches no agent's books),
        and each tier's levies are paid and its goods delivered in order, as when cleared one by
        one."""
        markets = [self.markets[tier] for tier in TIERS]
        if not stackable([len(market.sellers) for market in markets]) or any(market.grouped for market in markets):
            for tier in TIERS:
                self._clear(tier)
            return
        if self._stacked is None:  # built on first use (the markets are fixed for the run)
            self._stacked = StackedMarkets(markets)
        stack = self._stacked
        orders = [self._orders(market) for market in markets]
        perceived, paid, levies = stack.landed_costs()
        weights = stack.weights(perceived)
        demands = [demand for _, demand, _ in orders]
        if self._quota_passes_on():  # each tier's caps follow the shipments of the tiers before it
            allocs = []
            for k, (market, (offers, demand, taking), (n_b, n_s)) in enumerate(
                zip(markets, orders, stack.sizes, strict=True)
            ):
                caps = market.export_caps()  # after the shipments of the tiers before it
                alloc = allocate(weights[k, :n_b, :n_s], demand, offers, self.params.spill_rounds, caps, taking)
                self._record_caps(market.tier, alloc.caps)
                allocs.append(alloc)
            quantity = stack.stack_quantities(allocs)
        else:
            allocs, quantity = allocate_markets(
                weights,
                stack.sizes,
                demands,
                [offers for offers, _, _ in orders],
                self.params.spill_rounds,
                [market.export_caps() for market in markets],
                [taking for _, _, taking in orders],
            )
            for market, alloc in zip(markets, allocs, strict=True):
                self._record_caps(market.tier, alloc.caps)
        # booking touches no agent's books: all tiers at once, then each tier's levies and
        # deliveries in order
        paid_levies = stack.settle(allocs, quantity, demands, paid, levies)
        for market, (offers, _, _), levy in zip(markets, orders, paid_levies, strict=True):
            if levy is not None:
                market.pay_levies(*levy)
            self._deliver(market, offers)

    def _quota_passes_on(self) -> bool:
        """True when an export quota in force this month is shared by a tier with a tier cleared
        before it (whose unused allowance the later tier may use: see `export_allowance_t`)."""
        month = self.month
        for st in self.state_list:
            pol = st.policy
            for tier in pol.export_quota_t:
                in_force = month < pol.quota_batch.get(tier, (0, self.n_months + 1))[1]
                if in_force and any(TIERS.index(o) < TIERS.index(tier) for o in pol.quota_tiers.get(tier, ())):
                    return True
        return False

    def _orders(self, market: TierMarket) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A tier's offers by seller, demand by buyer and which sellers take orders."""
        tier = market.tier
        sellers = market.sellers
        calls = self._offer_calls.get(tier)
        if calls is None:  # built on first use (the markets keep their sellers for the run)
            calls = self._offer_calls[tier] = [
                partial(s.offer_t if s.kind != "state" else s.stockpile_offer_t, tier) for s in sellers
            ]
        offers = np.array([call() for call in calls])
        demand = self._demand(market)
        taking_orders = np.array([s.kind in FIRM_CLASSES and s.status == "operating" for s in sellers])
        return offers, demand, taking_orders

    def _clear(self, tier: str) -> None:
        """Clear one tier and deliver its trades."""
        market = self.markets[tier]
        offers, demand, taking_orders = self._orders(market)
        market.clear(demand, offers, taking_orders)
        self._record_caps(tier, market.allocation.caps)
        self._deliver(market, offers)

    def _record_caps(self, tier: str, caps: list[ExportCap]) -> None:
        """After a tier is allocated: its caps' records (applications, quota used, what the
        tiers allocated after it read of the month's quota) and the export premia on the tier."""
        for cap in caps:
            self.export_requests.setdefault(cap.key, {})[self.month] = cap.requested_t
            self._update_export_premium(cap)
            pol = self.states[cap.key[0]].policy
            group = pol.quota_tiers.get(tier)
            if group:
                key = (cap.key[0], group, self._quota_period(pol, tier))
                self.quota_used[key] = self.quota_used.get(key, 0.0) + cap.shipped_t
                self._use_month_quota(cap.key[0], tier, group, cap.shipped_t)
        capped = {cap.key[0] for cap in caps}
        decay = 1.0 - self.params.export_premium_decay
        for st in self.state_list:
            if st.country not in capped:
                premium = st.policy.export_premium
                if premium.get(tier, 0.0) > 0:
                    premium[tier] *= decay

    def _deliver(self, market: TierMarket, offers: np.ndarray) -> None:
        """After a tier is booked: its offers and orders for the month's observations, and
        deliveries to sellers' and buyers' books."""
        tier = market.tier
        sellers = market.sellers
        market.offered_t = offers
        self.orders_by_country[tier] = market.month.ordered_by_country
        # deliveries to sellers' and buyers' books
        sold, receipts = market.sold_t, market.seller_receipts_usd
        asked = market.allocation.asked_t.tolist()
        firm_sellers = self._firm_sellers.get(tier)
        if firm_sellers is None:  # built on first use (the markets keep their sellers for the run)
            firm_sellers = self._firm_sellers[tier] = [(j, s) for j, s in enumerate(sellers) if s.kind in FIRM_CLASSES]
        for j, s in firm_sellers:  # orders received, whatever was sold
            s.asked_t[tier] = asked[j]
        # quantities and money enter the books as Python floats (arithmetic on numpy scalars is slower)
        sold_t, receipts_usd = sold.tolist(), receipts.tolist()
        for j in (sold > 0).nonzero()[0].tolist():  # the sellers that sold, in order
            s = sellers[j]
            kind = s.kind
            sold_j, receipts_j = sold_t[j], receipts_usd[j]
            if kind == "state":
                avg = s.stock_value_usd[tier] / max(s.stock_t[tier], 1e-12)
                s.stock_t[tier] = max(s.stock_t[tier] - sold_j, 0.0)
                s.stock_value_usd[tier] = max(s.stock_value_usd[tier] - avg * sold_j, 0.0)
                s.policy.stockpile_release_t[tier] = max(s.policy.stockpile_release_t.get(tier, 0.0) - sold_j, 0.0)
                s.receive("stockpile_sales", receipts_j)
                s.sold_t[tier] += sold_j
            elif kind == "smuggler":
                s.stock_t = max(s.stock_t - sold_j, 0.0)
                s.sold_t[tier] += sold_j
                s.revenue_usd += receipts_j
            else:
                s.inventory_t[tier] = max(s.inventory_t[tier] - sold_j, 0.0)
                s.sold_t[tier] += sold_j
                s.receipts_usd[tier] += receipts_j
                s.revenue_usd += receipts_j
        bought, paid = market.bought_t, market.buyer_paid_usd
        q = market.allocation.quantity_t
        agent_pos, agents = market.agent_pos, market.agent_list
        for k in (bought[agent_pos] > 0).nonzero()[0].tolist():  # the agents that bought, in order
            i, a = market.agent_rows[k], agents[k]
            kind = a.kind
            bought_i, paid_i = float(bought[i]), float(paid[i])
            if kind == "magnet_maker":
                a.receive_input(tier, bought_i, paid_i)
                a.cost_usd += paid_i
            elif kind == "refiner":
                contents = self.concentrate_content(market)
                a.receive_feed(bought_i, float(q[i] @ contents[0]), float(q[i] @ contents[1]), paid_i)
                a.cost_usd += paid_i
            elif kind == "smuggler":
                a.receive(bought_i, paid_i)
            elif kind == "state":
                a.stock_t[tier] += bought_i
                a.stock_value_usd[tier] += paid_i
                a.bought_t[tier] += bought_i
                a.pay("stockpile", paid_i)
        if market.cust_rows.size:
            self.customers.bought_t[market.cust_rows] += bought[market.cust_pos]
            self.customers.paid_usd[market.cust_rows] += paid[market.cust_pos]

    def concentrate_content(self, market: TierMarket) -> tuple[np.ndarray, np.ndarray]:
        """NdPr and DyTb share of each concentrate seller's goods (smugglers: the average)."""
        if not hasattr(market, "_content"):
            nd = np.array([getattr(s, "ndpr_share", 0.0) for s in market.sellers])
            dy = np.array([getattr(s, "dytb_share", 0.0) for s in market.sellers])
            miners = [s for s in market.sellers if s.kind == "miner"]
            avg_nd = float(np.mean([m.ndpr_share for m in miners])) if miners else 0.2
            avg_dy = float(np.mean([m.dytb_share for m in miners])) if miners else 0.01
            other = np.array([s.kind != "miner" for s in market.sellers])
            nd[other], dy[other] = avg_nd, avg_dy
            market._content = (nd, dy)
        return market._content

    def _reprice(self) -> None:
        """Sellers' prices for next month in every tier, once all tiers have cleared. A seller's
        new price depends only on its own month and its tier's price index, and no market reads
        another tier's prices while clearing, so all tiers are repriced in one array pass. A
        state's stockpile asks its release price and a smuggler undercuts the legal goods
        whatever the month did, so only firms' prices go through `update_prices`."""
        p = self.params
        markets = list(self.markets.values())
        if self._sellers is None:  # built on first use (the markets and their sellers are fixed)
            self._sellers = SellerIndex(markets)
        ix = self._sellers
        # a state without stock of a tier asks the tier's release price (`State.reference_cost`),
        # computed once per tier here
        stockless = {m.tier: max(release_ask_usd_per_kg(self, m.tier), 0.01) for m in markets}
        cost = [
            stockless[tier] if s.kind == "state" and s.stock_t[tier] <= 1e-9 else s.reference_cost(tier)
            for s, tier in ix.pairs
        ]
        firms = ix.firms
        min_markup, stock_months, directed_factor = p.min_markup, p.stock_target_months, p.directed_price_factor
        stock = [s.inventory_t[tier] for s, tier in firms]
        # a month's capacity, in oxide for a refiner (times 1.0, exactly itself, for the others)
        target = [
            stock_months * (s.capacity_t / 12 * s.yield_of(tier) if s.kind == "refiner" else s.capacity_t / 12)
            for s, tier in firms
        ]
        spare = [s.spare_share() if s.capacity_t > 0 and s.status == "operating" else 0.0 for s, _ in firms]
        directed = [s.directed for s, _ in firms]
        floor = [directed_factor if d else min_markup for d in directed]
        # a state-directed firm undercuts, unless it ran short of input: no state order makes a
        # separator without feed answer its orders with output (`Firm.starved`)
        dumping = [bool(d) and not s.input_short for d, (s, _) in zip(directed, firms, strict=True)]
        cost_a = np.array(cost, dtype=float)
        f = ix.firm_pos
        index_price = np.repeat([self.last_price_index.get(market.tier, 0.0) for market in markets], ix.sizes)
        new_firms = update_prices(
            np.concatenate([market.price for market in markets])[f],
            cost_a[f],
            np.array(floor, dtype=float),
            np.concatenate([market.allocation.asked_t for market in markets])[f],
            np.concatenate([market.offered_t for market in markets])[f],
            np.concatenate([market.sold_t for market in markets])[f],
            np.array(stock, dtype=float),
            np.array(target, dtype=float),
            p.price_gain,
            p.price_step_max,
            p.target_markup,
            p.max_markup,
            p.price_drift,
            np.array(spare, dtype=float),
            p.spare_tolerance,
            index_price[f],
            np.array(dumping, dtype=bool) if any(dumping) else None,
            p.idle_cut_sold_share,
        ).tolist()
        if self._policy_month != self.month:
            self._refresh_policy_cache()
        floors = self._floors  # (firm, tier) -> the price floor, as `Firm.expected_price` reads it
        new = list(cost)  # a state's stockpile asks its release price outright
        for j, (s, tier), price in zip(ix.firm_pos_list, ix.firms, new_firms, strict=True):
            if floors and floors.get((s.name, tier), 0.0) >= cost[j]:
                # the state tops sales up to the floor: the firm matches the market's price
                price = float(min(price, max(self.last_price_index.get(tier, price), 0.01)))
            new[j] = price
        for j in ix.smuggler_pos:  # contraband sells just below the legal goods it replaces
            new[j] = max(cost[j], ix.pairs[j][0].undercut_price())
        for (s, tier), price in zip(ix.pairs, new, strict=True):
            s.price[tier] = price
        new_a = np.array(new, dtype=float)
        for market, (start, end) in zip(markets, ix.bounds, strict=True):
            market.price = new_a[start:end]  # each market's part of one array (replaced whole each month)

    def _update_export_premium(self, cap: Any) -> None:
        """The quota rent on a capped tier: the price abroad rises while applications exceed
        the month's allowance and falls while they leave it unused, in proportion to the gap;
        once the cap leaves at most `export_premium_tolerance` of applications unserved there is
        no scarcity left to price, and the rent decays as on an uncapped tier. Only a quota
        prices its scarcity: a licence regime rations by the queue of applications waiting for
        a decision, not by price, so under licences alone the rent only decays."""
        p = self.params
        pol = self.states[cap.key[0]].policy
        tier = cap.key[1]
        factor = 1.0 + pol.export_premium.get(tier, 0.0)
        quota = tier in pol.export_quota_t and self.month < pol.quota_batch.get(tier, (0, self.n_months + 1))[1]
        gap = (cap.requested_t - cap.allowance_t) / max(cap.requested_t, cap.allowance_t, 1e-9) if quota else 0.0
        if gap <= p.export_premium_tolerance:
            factor = 1.0 + (factor - 1.0) * (1.0 - p.export_premium_decay)
        factor = max(factor * (1.0 + p.export_premium_gain * gap), 1.0)
        pol.export_premium[tier] = min(factor - 1.0, p.max_markup)

    def export_allowance_t(self, state: State, tier: str) -> float | None:
        """This month's cap on exports of `tier` by `state` (None = no cap): the quota left for
        the year (or the batch) spread over the months left, split over the tiers that share the
        quota; and the licences granted this month (`licensed_t`)."""
        pol = state.policy
        cap: float | None = None
        if tier in pol.export_quota_t and self.month < pol.quota_batch.get(tier, (0, self.n_months + 1))[1]:
            if self.quota_month.get((state.country, tier), (None, 0.0))[0] != self.month:
                self._split_quota(state, pol.quota_tiers[tier], pol.export_quota_t[tier])
            cap = self.quota_month[(state.country, tier)][1]
            # the month's unused part of tiers cleared before (in tier order: a set's order depends on
            # the process's string hashing, and float sums on their order)
            for other in in_tier_order(pol.quota_tiers[tier]):
                if TIERS.index(other) < TIERS.index(tier):
                    month, left = self.quota_month[(state.country, other)]
                    cap += left if month == self.month else 0.0
        delay = pol.licence_delay_months.get(tier)
        if delay:
            licensed = self.licensed_t(state, tier, delay)
            cap = licensed if cap is None else min(cap, licensed)
            # record applications even when nothing is licensed yet
            self.export_requests.setdefault((state.country, tier), {})
        return cap

    def licensed_t(self, state: State, tier: str, delay: int) -> float:
        """Exports of `tier` licensed this month under a licence regime whose applications take
        `delay` months on average: each month's applications (what buyers abroad asked for) are
        decided from the next month on, a share 1/`delay` of those still waiting each month (a
        geometric waiting time of at least one month), and a share `licence_approval_share` of
        the decided ones is approved. Nothing is licensed in the regime's first month; with
        `delay` 1 all of last month's applications are decided."""
        since = state.policy.licence_since[tier]
        requests = self.export_requests.get((state.country, tier), {})
        decided_share = 1.0 / max(delay, 1)
        decided_t, weight = 0.0, decided_share
        for month in range(self.month - 1, since - 1, -1):  # last month's applications first
            decided_t += weight * requests.get(month, 0.0)
            weight *= 1.0 - decided_share
            if weight < LICENCE_WEIGHT_MIN:
                break
        return self.licence_approval_share(self.month - since - 1) * decided_t if self.month > since else 0.0

    def licence_approval_share(self, months_settled: int) -> float:
        """Share of decided applications approved `months_settled` months after the first
        decisions of a licence regime: `licence_approval` at first, rising toward all of them as the licensing
        office and exporters settle into the procedure (time constant `licence_ease_months`)."""
        p = self.params
        return 1.0 - (1.0 - p.licence_approval) * math.exp(-months_settled / p.licence_ease_months)

    def _quota_firms(self) -> list[tuple[tuple[str, str, int], float, list[Firm]]]:
        """(key, yearly quota, the legal operating firms it binds) for each production quota."""
        out = []
        for st in self.state_list:
            for tier, quota in st.policy.production_quota_t.items():
                firms = [
                    f
                    for f in self.firms
                    if f.country == st.country and f.tier == tier and not f.illegal and f.status == "operating"
                ]
                out.append(((st.country, tier, self.year_index), quota, firms))
        return out

    def _allot_production_quotas(self) -> None:
        """Each firm's part of this month's production quota: what is left of the year's quota,
        spread over the months left, in proportion to capacity (no quota: no limit)."""
        self._quota_groups = self._quota_firms() if any(st.policy.production_quota_t for st in self.state_list) else []
        for f in self.firms:
            f.quota_allowance_t = math.inf
        for key, quota, firms in self._quota_groups:
            month_t = max(quota - self.production_used.get(key, 0.0), 0.0) / (13 - self.month_of_year)
            total = sum(f.capacity_t for f in firms)
            for f in firms:
                f.quota_allowance_t = month_t * f.capacity_t / total if total > 0 else 0.0

    def _count_quota_output(self) -> None:
        for key, _, firms in self._quota_groups:
            self.production_used[key] = self.production_used.get(key, 0.0) + sum(f.output_t for f in firms)

    def _quota_period(self, pol: Any, tier: str) -> int:
        """Which quota period this month falls in: the calendar year, or the batch's first month
        (as a negative number, so that the two never clash)."""
        batch = pol.quota_batch.get(tier)
        return -1 - batch[0] if batch else self.year_index

    def _use_month_quota(self, country: str, tier: str, group: frozenset[str], shipped_t: float) -> None:
        """Book a tier's shipments against the month's quota parts: its own first, then the
        unused parts of the tiers of its group cleared before it."""
        for t in [tier, *sorted((o for o in group if TIERS.index(o) < TIERS.index(tier)), key=TIERS.index)]:
            month, left = self.quota_month[(country, t)]
            used = min(left, shipped_t)
            self.quota_month[(country, t)] = (month, left - used)
            shipped_t -= used
            if shipped_t <= 1e-12:
                break

    def _split_quota(self, state: State, group: frozenset[str], quota_t: float) -> None:
        """This month's part of a quota (what is left of the year's, or of the batch's, spread
        over the months left in it),
        split over the tiers that share it in proportion to last month's export applications
        (before any, to the past 12 months' legal exports; before any exports, in equal parts).
        What a tier leaves unused passes to the tiers that clear after it in the month."""
        group_tiers = in_tier_order(group)  # never a set's own order: float sums depend on it
        tier = group_tiers[0]
        used = self.quota_used.get((state.country, group, self._quota_period(state.policy, tier)), 0.0)
        batch = state.policy.quota_batch.get(tier)
        months_left = batch[1] - self.month if batch else 13 - self.month_of_year
        month_t = max(quota_t - used, 0.0) / max(months_left, 1)
        asked = {t: self.export_requests.get((state.country, t), {}).get(self.month - 1, 0.0) for t in group_tiers}
        if sum(asked.values()) <= 1e-9:  # no applications last month: past exports instead
            c = self.country_index[state.country]
            asked = {t: sum(float(m[TIERS.index(t), c]) for m in self.legal_exports) for t in group_tiers}
        total = sum(asked.values())
        for t in group_tiers:
            share = asked[t] / total if total > 1e-9 else 1.0 / len(group)
            self.quota_month[(state.country, t)] = (self.month, month_t * share)

    def _pool_group_cash(self) -> None:
        groups: dict[str, list[Firm]] = {}
        for f in self.firms:
            if f.group:
                groups.setdefault(f.group, []).append(f)
        for members in groups.values():
            total = sum(f.cash_usd for f in members)
            for f in members:
                f.cash_usd = total / len(members)

    def _observe(self) -> None:
        """Price indices and the observations agents use next month."""
        books = [market.month for market in self.markets.values()]
        # this month's books, stacked by tier: (tier, origin, destination, channel); after the
        # month's offtakes, so `Recorder.record_month` records these arrays as they are
        q = self.month_quantity_t = np.array([mb.quantity_t for mb in books])
        v = self.month_value_usd = np.array([mb.value_usd for mb in books])
        # the cells the flows table records, all tiers at once in (tier, ...) order: each tier's
        # are a slice of them (`recorded_cells`, read by `Recorder.record_month` too)
        cells = (q > 1e-9).ravel().nonzero()[0]
        q_rec, v_rec = q.ravel()[cells], v.ravel()[cells]
        self.recorded_cells = (cells, q_rec, v_rec)
        ends = np.searchsorted(cells, np.arange(1, len(books) + 1) * (q.size // len(books))).tolist()
        q2, v2 = q.sum(axis=3), v.sum(axis=3)  # (tier, origin, destination)
        into_q, into_v = q2.sum(axis=1), v2.sum(axis=1)  # (tier, destination)
        # each tier's sum over destinations: the sum of its row (the same pairwise sum, row by row)
        all_q, all_v = into_q.sum(axis=1).tolist(), into_v.sum(axis=1).tolist()
        imp_q = (into_q - q2.diagonal(axis1=1, axis2=2)).tolist()
        imp_v = (into_v - v2.diagonal(axis1=1, axis2=2)).tolist()
        start = 0
        for t_idx, tier in enumerate(self.markets):
            q_t, v_t = q[t_idx], v[t_idx]
            end = ends[t_idx]
            total_q = float(q_rec[start:end].sum())
            if total_q > 1e-9:
                self.last_price_index[tier] = float(v_rec[start:end].sum() / (total_q * KG_PER_T))
            start = end
            home = self._smugglers_home[tier]
            if q_t[home, home, 0] > 1e-9:  # legal trade inside the smugglers' home country
                self.domestic_price[tier] = float(v_t[home, home, 0] / (q_t[home, home, 0] * KG_PER_T))
            into_q_t, into_v_t = into_q[t_idx], into_v[t_idx]
            abroad_q = all_q[t_idx] - float(into_q_t[home])
            if abroad_q > 1e-9:  # what sellers receive on sales to buyers outside the home country
                self.export_price[tier] = float((all_v[t_idx] - float(into_v_t[home])) / (abroad_q * KG_PER_T))
            imp_q_t, imp_v_t = imp_q[t_idx], imp_v[t_idx]
            for c, st in enumerate(self.state_list):
                hist = st.import_price_history[tier]
                if imp_q_t[c] > 1e-9:
                    hist.append(float(imp_v_t[c] / (imp_q_t[c] * KG_PER_T)))
                else:
                    hist.append(hist[-1] if hist else 0.0)
        legal = q[:, :, :, 0]
        exports = legal.sum(axis=2) - legal.diagonal(axis1=1, axis2=2)  # (tier, origin)
        keep = 1.0 - 1.0 / self.params.supplier_memory_months
        self.imports_by_origin = keep * self.imports_by_origin + q2.sum(axis=0)
        self.import_months.append(q2)
        self.legal_exports.append(exports)
        if len(self.import_months) > 15:
            self.import_months.pop(0)

    def price_seen_by(self, country: str, tier: str) -> float:
        """Last month's price of `tier` in the market a firm in `country` sells into: the
        domestic price in the smugglers' home country (China), the price buyers elsewhere pay
        for everyone else; the price index where that market had no trade."""
        index = self.last_price_index.get(tier, 0.0)
        if country == self.countries[self._smugglers_home[tier]]:
            return self.domestic_price.get(tier, index)
        return self.export_price.get(tier, index)

    def cheapest_ask(self, country: str, tier: str) -> float:
        """The lowest asking price, USD/kg, this month of a firm in `country` that offered `tier`
        last month (this month's offers are not yet made when smugglers buy; infinite if none)."""
        key = (self.month, country, tier)
        if key not in self._cheapest:  # asked by every network several times a month
            if len(self._cheapest) > 64:
                self._cheapest.clear()
            self._cheapest[key] = self.markets[tier].cheapest_ask(self.country_index[country])
        return self._cheapest[key]

    def home_of_smugglers(self, tier: str) -> str:
        """The country whose domestic and abroad prices smugglers of `tier` compare."""
        for s in self.smugglers:
            if s.tier == tier:
                return s.country
        return self.countries[0]

    # --- services for agents' rules ----------------------------------------------------------
    def _refresh_policy_cache(self) -> None:
        """Price floors and embargoes in force this month (cached per month; dated causes,
        which fire before their month's step, clear the cache)."""
        step = self.month
        self._policy_month = step
        floors: dict[tuple[str, str], list[float]] = {}
        embargo = False
        for st in self.state_list:
            pol = st.policy
            for f in pol.price_floors:
                if step < f.until_step:
                    floors.setdefault((f.firm, f.tier), []).append(f.usd_per_kg)
            if not embargo and any(end > step for end in pol.embargo_until.values()):
                embargo = True
        self._floors = {key: max(values) for key, values in floors.items()}
        self._embargo_in_force = embargo

    def policy_changed(self) -> None:
        """Forget the cached policy lookups (a dated cause changed a state's instruments)."""
        self._policy_month = None

    def price_floor_usd_per_kg(self, firm: str, tier: str) -> float:
        """The highest price floor any state guarantees `firm` for `tier` this month (0 if none)."""
        if self._policy_month != self.month:
            self._refresh_policy_cache()
        return self._floors.get((firm, tier), 0.0)

    def embargo_in_force(self) -> bool:
        """True if any state has an embargo in force this month."""
        if self._policy_month != self.month:
            self._refresh_policy_cache()
        return self._embargo_in_force

    def log_event(self, kind: str, actor: Any, detail: str) -> None:
        """Append a row to the events table."""
        self.recorder.event(kind, actor, detail)

    def schedule_embargo_end(self, state: State, target: str, tiers: list[str], end_step: int) -> None:
        """Log the end of an embargo when it comes (if within the run)."""
        if end_step < self.n_months:
            end = EmbargoEnd(state, target, tiers, end_step)
            self.causes.append(end)
            self.schedule_event(end.apply, at=end_step + 0.5)

    def consolidate(self, state: State, tiers: set[str], group: str) -> int:
        """Merge a state's firms in `tiers` into one state-backed group that pools its cash."""
        n = 0
        for f in self.firms:
            if f.country == state.country and not f.illegal and (f.tier in tiers or set(f.outputs) & tiers):
                f.group = group
                f.state_backed = True
                if state.directed_tiers & set(f.outputs) or f.tier in state.directed_tiers:
                    f.directed = True
                n += 1
        return n

    def direct_firms(self, state: State, tier: str, on: bool) -> None:
        """Turn state direction (undercutting, paid losses, faster investment) on or off. A firm
        freed from direction stops dumping at once: it raises any ask below its cost times
        `min_markup` to that level before it decides this month's output, so the end of
        undercutting does not leave it idle for a month at its dumping price."""
        floor = self.params.min_markup
        for f in self.firms:
            if f.country == state.country and f.state_backed and f.tier == tier:
                f.directed = on
                if not on:
                    for t in f.outputs:
                        self._set_ask(f, t, max(f.price[t], floor * f.reference_cost(t)))

    def _set_ask(self, seller: Any, tier: str, price: float) -> None:
        """Set a seller's ask in `tier` between repricings (its own record and its market's)."""
        seller.price[tier] = price
        market = self.markets[tier]
        market.price[market.sellers.index(seller)] = price

    def has_state_backed(self, country: str, tier: str) -> bool:
        """True if `country` has a state-backed firm in `tier`."""
        return any(f.state_backed and f.country == country and f.tier == tier for f in self.firms)

    def foreign_capacity_share(self, country: str, tier: str) -> float:
        """Share of operating capacity in `tier` outside `country` (legal firms)."""
        home = foreign = 0.0
        for f in self.firms:
            if f.tier == tier and f.status == "operating" and not f.illegal:
                if f.country == country:
                    home += f.capacity_t
                else:
                    foreign += f.capacity_t
        total = home + foreign
        return foreign / total if total > 0 else 0.0

    def national_shortfall(self, country: str) -> float:
        """Share of the value of what a country's buyers (customers and firms) ordered last month,
        over all tiers at their price indices, that the markets left unfilled."""
        c = self.country_index[country]
        ordered = unfilled = 0.0
        for tier, market in self.markets.items():
            mb = market.month
            if mb is not None:
                price = self.last_price_index.get(tier, 0.0)
                ordered += float(mb.ordered_by_country[c]) * price
                unfilled += max(float(mb.ordered_by_country[c] - mb.filled_by_country[c]), 0.0) * price
        return unfilled / ordered if ordered > 0 else 0.0

    def national_unmet_share(self, country: str) -> float:
        """Share of a country's customers' consumption need that went unmet last month."""
        book = self.customers
        sel = book.country == self.country_index[country]
        need = float(book.need_t[sel].sum())
        return float(book.unmet_t[sel].sum()) / need if need > 0 else 0.0

    def import_drop(self, country: str, origin: str) -> float:
        """How far the value of the last 3 months' imports from `origin` fell below what the
        country could expect (their mean of the 12 months before, capped by what it still
        orders), in the material tier where they fell most (0 = no fall, 1 = stopped)."""
        if len(self.import_months) < 15:
            return 0.0
        o, c = self.country_index[origin], self.country_index[country]
        cells = np.array([m[:, o, c] for m in self.import_months])  # (month, tier) t from `origin`
        # per tier, the means of the months before the last 3 and of those 3 (`np.mean`'s sum
        # and division, without its overhead); the rest on the four tiers as Python floats
        before = (cells[:-3].sum(axis=0) / (len(cells) - 3)).tolist()
        recent = (cells[-3:].sum(axis=0) / 3).tolist()
        need = [float(self.orders_by_country[t][c]) for t in TIERS]
        # a fall the country chose (it orders less of the tier now) is no shock: the imports it
        # could expect are capped by what it still orders
        expected = [min(b, n) for b, n in zip(before, need, strict=True)]
        value = [e * self.last_price_index.get(t, 0.0) for e, t in zip(expected, TIERS, strict=True)]
        material = self.params.shock_material_share * max(sum(value), 1e-12)
        dependence = self.params.shock_dependence
        drops = [
            1.0 - r / e
            for b, r, e, n, v in zip(before, recent, expected, need, value, strict=True)
            # only tiers the country depends on (imports from `origin` were a real share of its
            # orders) and that matter (a material share of the value it expects from `origin`)
            if b >= dependence * n and v >= material and e > dependence * b
        ]
        return max([0.0, *drops])

    def main_supplier(self, country: str) -> str | None:
        """The origin of most of a country's recent imports."""
        c = self.country_index[country]
        col = self.imports_by_origin[:, c].copy()
        col[c] = 0.0
        return self.countries[int(col.argmax())] if col.max() > 0 else None

    def unmet_demand_by_country(self) -> pd.DataFrame:
        """Customers' unmet need and need per month and country, t (one row per month and country:
        `date`, `country`, `unmet_t`, `need_t`), for the months run so far."""
        months = len(self.unmet_by_country_t)
        dates = [month_label(self.start, m) for m in range(months)]
        n = len(self.countries)
        return pd.DataFrame(
            {
                "date": np.repeat(dates, n),
                "country": np.tile(self.countries, months),
                "unmet_t": np.concatenate(self.unmet_by_country_t) if months else np.zeros(0),
                "need_t": np.concatenate(self.need_by_country_t) if months else np.zeros(0),
            }
        )

    def alarm(self, tiers: list[str], severity: float) -> None:
        """News of a supply cut in `tiers` (severity 0-1): buyers of those goods stock up."""
        for t in tiers:
            self.alarms.setdefault(t, []).append((self.month, severity))
        self._alarm_cache.clear()

    def alarm_level(self, tier: str) -> float:
        """The standing alarm on `tier`: the severities of past news, each fading with time
        (computed once a month per tier)."""
        key = (self.month, tier)
        level = self._alarm_cache.get(key)
        if level is None:
            decay = self.params.alarm_fade_months
            level = sum(s * math.exp(-(self.month - m) / decay) for m, s in self.alarms.get(tier, ()))
            if len(self._alarm_cache) > 8:
                self._alarm_cache.clear()
            self._alarm_cache[key] = level
        return level

    def raise_inventory_targets(self, country: str, months: float) -> None:
        """Add `months` to the inventory targets of a country's customers."""
        sel = self.customers.country == self.country_index[country]
        self.customers.inventory_target_months[sel] += months

    def national_demand_t(self, country: str) -> dict[str, float]:
        """Last month's orders by a country's buyers, per tier, t."""
        c = self.country_index[country]
        return {t: float(v[c]) for t, v in self.orders_by_country.items() if v[c] > 0}

    def planned_projects(self, exclude_country: str | None) -> list[Firm]:
        """Planned projects waiting for finance, outside `exclude_country`."""
        return [f for f in self.firms if f.status == "planned" and not f.financed and f.country != exclude_country]

    def offtake(self, state: State, firm: Firm, tier: str, quantity_t: float, usd_per_kg: float) -> None:
        """The state buys `quantity_t` of a firm's stock at `usd_per_kg` into its stockpile."""
        value = quantity_t * usd_per_kg * KG_PER_T
        firm.inventory_t[tier] -= quantity_t
        firm.sold_t[tier] += quantity_t
        firm.revenue_usd += value
        state.stock_t[tier] += quantity_t
        state.stock_value_usd[tier] += value
        state.pay("offtake", value)
        # a trade like any other in the month's ledger (and so in the price index), channel stockpile
        book = self.markets[tier].month
        o, d = self.country_index[firm.country], self.country_index[state.country]
        book.quantity_t[o, d, CHANNELS.index("stockpile")] += quantity_t
        book.value_usd[o, d, CHANNELS.index("stockpile")] += value

    def buyer_classes_changed(self) -> None:
        """Drop the stacked copy of the markets' fixed parts (`StackedMarkets`) after the
        markets' buyer classes changed (a lever that sets customers' domestic premium), so that
        the next month builds it again from the markets."""
        self._stacked = None

    # --- running -----------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        """Run to the end and return the four tables."""
        while self.running and self.month + 1 < self.n_months:
            self.step()
        return self.recorder.tables()


def run(
    scenario: Scenario | str | Path = "history",
    seed: int = 0,
    until: str | None = None,
    run_id: str | None = None,
    **params: Any,
) -> dict[str, Any]:
    """Run one scenario and return the tables `series`, `flows`, `events` and `agents`."""
    return RareEarthModel(scenario, seed=seed, run_id=run_id, until=until, **params).run()


__all__ = ["RareEarthModel", "run", "ROLE_CUSTOMER"]
