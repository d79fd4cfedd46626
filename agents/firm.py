"""What miners, refiners and magnet makers share: capacity, costs, cash and a life cycle.

planned -> permitting -> construction -> operating <-> mothballed -> closed. Each month a firm
decides its output (produce while the price covers marginal cost, or while its state pays), and
after the market it books profit, counts loss months, and decides to mothball, restart, close or
invest. Asking prices are updated by the market in array form (`model.market.update_prices`).
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from agents.state import State
    from model.model import RareEarthModel
    from model.scenario import FirmSpec

KG_PER_T = 1000.0


class Firm(mesa.Agent):
    """A producing firm. Subclasses set `inputs`, `outputs` and how output is made."""

    kind = "firm"
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    default_close_years = 5.0

    def __init__(self, model: RareEarthModel, spec: FirmSpec, state: State) -> None:
        super().__init__(model)
        p = model.params
        self.name = spec.name
        self.country = spec.country
        self.state = state
        self.capacity_t = spec.capacity_t  # per year
        self.base_cost_usd_per_kg = spec.unit_cost_usd_per_kg
        self.grade = spec.grade
        self.status = spec.status
        self.start_step = model.step_of(spec.start) if spec.start else None
        self.construction_months = spec.construction_months
        self.state_backed = spec.state_backed
        self.financed = not spec.needs_finance
        self.illegal = spec.illegal
        self.cash_usd = spec.cash_usd
        years = spec.mothball_years_before_close
        self.close_after_months = int(12 * (self.default_close_years if years is None else years))
        self.directed = False
        self.group: str | None = None
        self.phase_end: int | None = None  # step when permitting, construction or a restart ends
        self.mothballed_since = 0
        self.loss_streak = 0
        self.grace_until = -1  # a new plant is given this long to ramp up before losses count
        self.profit_memory_usd = 0.0
        self._cost_month: int | None = None
        self._decision_cost = 0.0
        self._learning_at: float | None = None  # cumulative output the cached learning factor is for
        self._learning = 1.0
        self._learning_b: float | None = None  # the experience curve's exponent (set on first use)
        self._unit_cost = 0.0  # `unit_cost()` as `decision_cost()` last computed it, in `_cost_month`
        self.restart_streak = 0
        self.owner_capital_usd = 0.0  # working capital the owners put in at restarts
        self.pending_capacity: list[tuple[int, float]] = []
        self.cum_output_t = max(self.capacity_t, 1.0)
        self.cum0_t = self.cum_output_t
        self.inventory_t = {t: 0.0 for t in self.outputs}
        self.price = {t: 0.0 for t in self.outputs}
        self.orders_ema_t = {t: self.capacity_t / 12 * model.params.initial_utilisation for t in self.outputs}
        self.sold_t = {t: 0.0 for t in self.outputs}
        self.receipts_usd = {t: 0.0 for t in self.outputs}  # received from this month's sales
        self.asked_t = {t: 0.0 for t in self.outputs}  # orders received this month, t
        self.revenue_usd = 0.0
        self.cost_usd = 0.0
        self.support_usd = 0.0
        self.output_t = 0.0
        self.input_short = False  # this month's output was held back by a lack of inputs
        self.input_shortfall = 0.0  # the share of this month's planned output that inputs could not cover
        self.quota_allowance_t = math.inf  # this month's production quota allotment, units of capacity
        # the last 12 months of (output, capacity, profit, revenue), what investment is judged on
        self.year_log: deque[tuple[float, float, float, float]] = deque(maxlen=12)
        self.year_sums = (0.0, 0.0, 0.0, 0.0)  # the sums of `year_log`, kept as it rolls
        self.ordered_log: deque[float] = deque(maxlen=13)  # monthly expected orders, t/month of output
        self.last_reason = ""
        for t in self.outputs:
            self.price[t] = self.reference_cost(t) * p.target_markup
        if self.status == "operating":
            self.stock_up()

    def stock_up(self) -> None:
        """An operating firm starts the run with half its target stock of output."""
        p = self.model.params
        for t in self.outputs:
            self.inventory_t[t] = 0.5 * p.stock_target_months * self.orders_ema_t[t] / p.initial_utilisation

    # --- costs ---------------------------------------------------------------------------------
    tier: str = ""  # the firm's main output tier, what its state's policies are keyed by (subclasses)

    def learning_factor(self) -> float:
        """Unit-cost multiplier from cumulative output (experience curve with a floor)."""
        p = self.model.params
        if p.learning_rate <= 0:
            return 1.0
        if self._learning_at != self.cum_output_t:  # cached until the cumulative output changes
            b = self._learning_b
            if b is None:  # the curve's exponent, fixed for the run (set on first use)
                b = self._learning_b = -math.log2(1.0 - p.learning_rate)
            self._learning = max(p.learning_floor, (self.cum_output_t / self.cum0_t) ** (-b))
            self._learning_at = self.cum_output_t
        return self._learning

    def unit_cost(self) -> float:
        """Variable cost per kg of output (or of feed, for a refiner), USD/kg: own cost after
        learning plus the country's environmental and labour compliance cost."""
        env = self.state.policy.env_cost_usd_per_kg.get(self.tier, 0.0)
        return self.base_cost_usd_per_kg * self.learning_factor() + env

    def decision_cost(self) -> float:
        """Unit cost net of the production subsidy (plus the expected penalty for an illegal
        miner), cached for the month: what output decisions compare prices with."""
        if self._cost_month != self.model.month:
            self._cost_month = self.model.month
            self._decision_cost = self._compute_decision_cost()
        return self._decision_cost

    def _compute_decision_cost(self) -> float:
        """Unit cost net of the production subsidy, what output decisions compare prices with."""
        subsidy = self.state.policy.subsidy_usd_per_kg.get(self.tier, 0.0)
        self._unit_cost = unit = self.unit_cost()
        cost = unit - subsidy
        if self.illegal:
            cost += self.model.params.illegal_penalty_usd_per_kg * self.state.policy.enforcement
        return max(cost, 0.01)

    def month_unit_cost(self) -> float:
        """`unit_cost()` for this month's output: the value `decision_cost()` computed this month,
        if it has (its inputs, the cumulative output and the country's compliance cost, change
        only after output is made, in `settle`, or between months, by dated causes), else anew."""
        if self._cost_month == self.model.month:
            return self._unit_cost
        return self.unit_cost()

    def reference_cost(self, tier: str) -> float:
        """Cost per kg of `tier` that prices are anchored to (subclasses add input costs)."""
        return self.decision_cost()

    def fixed_cost_usd(self) -> float:
        """Fixed cost per month at the current capacity."""
        return self.model.params.fixed_cost_frac * self.base_cost_usd_per_kg * self.capacity_t / 12 * KG_PER_T

    def full_unit_cost(self, tier: str) -> float:
        """Reference cost plus fixed cost per kg at full capacity, USD/kg: what a cost-plus
        contract (the US offtake of MP 10X's magnets) pays before its margin."""
        return self.reference_cost(tier) + self.model.params.fixed_cost_frac * self.base_cost_usd_per_kg

    @property
    def active(self) -> bool:
        """True when the firm can produce."""
        return self.status == "operating"

    # --- life cycle ----------------------------------------------------------------------------
    def begin_project(self, why: str) -> None:
        """Start permitting (or construction where none is needed) of a planned firm."""
        if self.status != "planned":
            return
        months = self.state.policy.permitting_months.get(self.tier, 0)
        self.status = "permitting" if months > 0 else "construction"
        self.phase_end = self.model.month + (months if months > 0 else self.construction_months)
        self.model.log_event("permitting" if months > 0 else "construction", self, why)

    def advance_life_cycle(self) -> None:
        """Move through planned/permitting/construction, restarts and pending expansions."""
        m = self.model.month
        if self.status == "planned" and self.financed and self.start_step is not None and m >= self.start_step:
            self.begin_project("project goes ahead")
        if self.status == "permitting" and m >= (self.phase_end or 0):
            self.status = "construction"
            self.phase_end = m + self.construction_months
            self.model.log_event("construction", self, "permits granted")
        if self.status == "construction" and m >= (self.phase_end or 0):
            self.status = "operating"
            self.phase_end = None
            self.grace_until = m + self.model.params.startup_grace_months
            self.model.log_event("open", self, f"starts production, capacity {self.capacity_t:.0f} t/yr")
        if self.status == "mothballed" and self.phase_end is not None and m >= self.phase_end:
            self.status = "operating"
            self.phase_end = None
            self.loss_streak = 0
            self.profit_memory_usd = 0.0  # a restarted plant starts a fresh record
            # and with fresh working capital: whoever restarts it funds months of fixed costs
            working = self.model.params.restart_working_capital_months * self.fixed_cost_usd()
            self.owner_capital_usd += max(working - self.cash_usd, 0.0)  # booked as owners' new equity
            self.cash_usd = max(self.cash_usd, working)
            self.grace_until = m + self.model.params.startup_grace_months
            self.model.log_event("restart", self, self.last_reason)
        if self.pending_capacity and self.pending_capacity[0][0] <= m:
            added = sum(a for s, a in self.pending_capacity if s <= m)
            self.pending_capacity = [(s, a) for s, a in self.pending_capacity if s > m]
            self.capacity_t += added

    def finance(self, by: State, share: float) -> None:
        """A state co-finances this planned project; it may now go ahead."""
        if self.financed or self.status != "planned":
            return
        self.financed = True
        cost = share * self.model.params.capex_years * self.base_cost_usd_per_kg * self.capacity_t * KG_PER_T
        self.cash_usd += cost
        by.pay("finance", cost)
        self.model.log_event("finance", self, f"{by.country} co-finances {share:.0%} of the project")
        if self.start_step is None or self.start_step <= self.model.month:
            self.begin_project(f"financed by {by.country}")

    # --- monthly decisions -------------------------------------------------------------------
    def usable_capacity_t(self) -> float:
        """What the firm may produce this month, in units of capacity: its capacity, or less
        where its state's production quota allots it less."""
        return min(self.capacity_t / 12, self.quota_allowance_t)

    def quota_bound(self) -> bool:
        """True when this month's production quota allotment held output below capacity."""
        usable = self.usable_capacity_t()
        return usable < self.capacity_t / 12 * (1.0 - 1e-9) and self.output_t >= usable * (1.0 - 1e-6)

    def planned_output_t(self, tier: str) -> float:
        """Output to aim for this month: expected orders plus closing the gap to the stock target."""
        p = self.model.params
        target = p.stock_target_months * self.capacity_t / 12
        want = self.orders_ema_t[tier] + (target - self.inventory_t[tier]) / p.output_adjust_months
        return min(max(want, 0.0), self.usable_capacity_t())

    def expected_price(self, tier: str) -> float:
        """The price the firm expects to sell at: its own ask, or the market's if that is higher
        (an idle firm watches the market it could sell into), or its price floor if higher still."""
        m = self.model  # `market_price(tier)` and the highest price floor any state guarantees it
        return max(self.price[tier], m.price_seen_by(self.country, tier), m.price_floor_usd_per_kg(self.name, tier))

    def margin_note(self) -> str:
        """The price against the cost that output decisions compare, for event details."""
        return f"price {self.price[self.tier]:.2f} USD/kg vs unit cost {self.decision_cost():.2f} USD/kg"

    def worth_producing(self) -> bool:
        """Produce while the expected price covers marginal cost, or while the state directs and pays."""
        if self.directed:
            return True
        return self.expected_price(self.tier) >= self.decision_cost()

    def produce(self) -> None:
        """Monthly production decision; subclasses turn inputs into output."""
        self.output_t = 0.0
        self.input_short = False
        self.input_shortfall = 0.0
        self.cost_usd = 0.0
        self.revenue_usd = 0.0
        self.support_usd = 0.0
        sold, receipts, asked = self.sold_t, self.receipts_usd, self.asked_t
        for t in self.outputs:
            sold[t] = receipts[t] = asked[t] = 0.0
        status = self.status
        if status == "mothballed":
            self.cost_usd = self.model.params.mothball_upkeep_frac * self.fixed_cost_usd()
            return
        if status != "operating":  # not `active`
            return
        self.cost_usd = self.fixed_cost_usd()
        if self.worth_producing():
            self.make()

    def make(self) -> None:
        """Turn inputs into output (subclasses)."""
        raise NotImplementedError

    def offer_t(self, tier: str) -> float:
        """What the firm offers in `tier` this month: its whole stock."""
        return self.inventory_t[tier] if self.status in ("operating", "mothballed") else 0.0

    def settle(self) -> None:
        """Book the month's profit, pay out state support, and decide the firm's status."""
        m = self.model
        p = m.params
        state = self.state
        output = self.output_t
        subsidy = state.policy.subsidy_usd_per_kg.get(self.tier, 0.0) * output * KG_PER_T
        if subsidy > 0:
            state.pay("subsidy", subsidy)
            self.support_usd += subsidy
        revenue = self.revenue_usd
        profit = revenue + self.support_usd - self.cost_usd
        if profit < 0 and self.directed and state.can_pay(-profit):
            state.pay("directed_losses", -profit)
            self.support_usd += -profit
            profit = 0.0
        cash = self.cash_usd = self.cash_usd + profit
        if self.state_backed and cash < 0 and state.can_pay(-cash):
            state.pay("bailout", -cash)  # a state-backed firm is kept solvent
            self.support_usd += -cash
            self.cash_usd = cash = 0.0
        ema, asked, sold, memory = self.orders_ema_t, self.asked_t, self.sold_t, p.orders_memory
        for t in self.outputs:
            ema[t] += memory * (max(asked[t], sold[t]) - ema[t])

        self.cum_output_t += output
        operating = self.status == "operating"
        if operating:
            entry = (output, self.capacity_t / 12, profit, revenue)
            o, c, pr, r = self.year_sums
            log = self.year_log
            if len(log) == log.maxlen:  # the month dropping out of the window
                o0, c0, pr0, r0 = log[0]
                o, c, pr, r = o - o0, c - c0, pr - pr0, r - r0
            log.append(entry)
            self.year_sums = (o + entry[0], c + entry[1], pr + entry[2], r + entry[3])
        self.ordered_log.append(sum(ema.values()))
        if operating:
            # losses are judged on a year's memory of profit, not on single months
            memory_usd = self.profit_memory_usd = (
                self.profit_memory_usd + (profit - self.profit_memory_usd) / p.profit_memory_months
            )
            self.loss_streak = self.loss_streak + 1 if memory_usd < 0 else 0
            # losses alone are not enough: the firm also fails to cover its marginal cost, or
            # has exhausted its cash (asked only once the losses have lasted)
            losing = self.loss_streak >= p.loss_patience_months
            exhausted = losing and (cash < 0 or not self.worth_producing())
            # a state-backed firm is kept running (it cuts output instead) while its state can pay
            # (asked only of a firm that would otherwise close: the answer changes nothing else)
            if exhausted:
                kept = self.directed or (self.state_backed and state.can_pay(self.fixed_cost_usd()))
                ramping = m.month < self.grace_until
                if not kept and not ramping:
                    self.mothball(f"{self.loss_streak} months of losses; {self.margin_note()}")
        elif self.status == "mothballed" and self.phase_end is None:
            self.consider_restart()
        if (m.month + 1) % p.invest_interval_months == 0:  # at the end of each interval of the run
            self.consider_investment()

    def mothball(self, reason: str) -> None:
        """Stop producing; keep the site for a possible restart."""
        self.status = "mothballed"
        self.phase_end = None
        self.mothballed_since = self.model.month
        self.restart_streak = 0
        self.model.log_event("mothball", self, reason)

    def market_price(self, tier: str | None = None) -> float:
        """Last month's price in the market the firm sells into (its main tier unless given):
        inside the country whose exports smugglers run (China), its domestic price; elsewhere
        the price sellers received on sales to buyers outside that country (before export duties
        and import tariffs). What a mothballed firm watches."""
        return self.model.price_seen_by(self.country, tier or self.tier)

    def consider_restart(self) -> None:
        """Restart after a sustained high price; close after too long without one."""
        p = self.model.params
        full_cost = self.reference_cost(self.tier) * (1.0 + p.fixed_cost_frac)
        price = self.market_price()
        self.restart_streak = self.restart_streak + 1 if price >= p.restart_margin * full_cost else 0
        if self.restart_streak >= p.restart_months:
            self.phase_end = self.model.month + p.restart_lead_months
            self.last_reason = (
                f"price {price:.2f} USD/kg above {p.restart_margin:.1f} x full cost {full_cost:.2f} "
                f"for {self.restart_streak} months"
            )
            self.model.log_event("restart_decision", self, self.last_reason)
        elif self.model.month - self.mothballed_since >= self.close_after_months:
            self.status = "closed"
            self.model.log_event(
                "close",
                self,
                f"closed after {self.model.month - self.mothballed_since} months mothballed without a restart signal",
            )

    def starved(self) -> bool:
        """True when a lack of inputs held this month's output back (firms without inputs never
        are): such a firm cannot answer orders with output, only with its price."""
        return self.input_short

    def spare_share(self) -> float:
        """Share of this month's capacity left idle that the firm could have used (none when
        inputs ran short or a production quota held it back)."""
        if self.input_short or self.capacity_t <= 0:
            return 0.0
        # without a quota allotment (infinite) the usable capacity is the capacity: not quota bound
        if self.quota_allowance_t != math.inf and self.quota_bound():
            return 0.0
        return max(0.0, 1.0 - self.output_t / (self.capacity_t / 12))

    def output_ratio(self) -> float:
        """Main-tier output per unit of capacity (1 except for refiners, whose capacity is feed)."""
        return 1.0

    def ordered_t(self) -> float:
        """Expected orders, t/yr in units of capacity (t of feed for a refiner)."""
        return sum(self.orders_ema_t.values()) * 12 / max(self.output_ratio(), 1e-9)

    def consider_investment(self) -> None:
        """Every `invest_interval_months`: add capacity if the last 12 months were busy and
        profitable. The firm builds toward its expected orders when the new capacity comes on
        line (orders now, grown at the rate they grew over the past year for the lead time),
        plus headroom. A commercial firm pays from its own cash; a state-directed firm builds
        spare capacity on its state's money."""
        if self.status != "operating" or not self.year_log:
            return
        p = self.model.params
        output, capacity, profit, revenue = self.year_sums
        if capacity <= 0:
            return
        ordered = self.ordered_t()
        pending = sum(a for _, a in self.pending_capacity)
        # busy: last year's output, or the orders now coming in, fill today's capacity (what is
        # being built already counts against the target below)
        utilisation = max(output / capacity, ordered / max(self.capacity_t, 1e-9))
        # nor does a firm build what its state's production quota would leave idle
        quota_room = self.quota_allowance_t * 12 >= (self.capacity_t + pending) * (1.0 - p.spare_tolerance)
        busy = (utilisation >= p.invest_utilisation or self.directed) and quota_room
        margin = profit / revenue if revenue > 0 else -1.0
        # a state-backed firm (and so a directed one) expands on its orders, whatever its margin
        good_margin = margin >= p.invest_margin or self.state_backed or self.directed
        if not (busy and good_margin):  # nothing to build (asked before what it would build)
            return
        # the growth of orders over the past year (monthly orders are logged in output units)
        year_ago = self.ordered_log[0] if len(self.ordered_log) == self.ordered_log.maxlen else 0.0
        seen_growth = self.ordered_log[-1] / year_ago - 1.0 if year_ago > 0 else 0.0
        lead = self.construction_months // 2 + self.state.policy.permitting_months.get(self.tier, 0) // 2
        lead = max(lead, 1)
        if self.directed:  # build ahead of orders: the state wants spare capacity, not shortage
            headroom = p.directed_spare_capacity
            most = self.state.directed_growth_max.get(self.tier, p.directed_growth_max)
        else:
            headroom, most = p.invest_headroom, p.invest_growth
        growth = min(max(seen_growth, 0.0), p.invest_trend_max)
        horizon = min(lead, p.invest_horizon_months)  # nobody bets on more than a few years of growth
        target = ordered * (1.0 + headroom) * (1.0 + growth) ** (horizon / 12)
        # growth caps are yearly; a decision adds at most its share of the year
        most *= p.invest_interval_months / 12
        added = min(max(target - self.capacity_t - pending, 0.0), most * self.capacity_t)
        capex_per_t = p.capex_years * self.base_cost_usd_per_kg * KG_PER_T
        # a directed firm builds on its state's money; a state-backed one too, when its own cash is short
        short_of_cash = self.cash_usd < added * capex_per_t
        state_pays = (self.directed or (self.state_backed and short_of_cash)) and self.state.can_pay(
            added * capex_per_t
        )
        if not state_pays:  # a commercial firm builds only what its own cash pays for
            added = min(added, max(self.cash_usd, 0.0) / capex_per_t) if capex_per_t > 1e-9 else added
        if added > 1e-6:
            self.pending_capacity.append((self.model.month + lead, added))
            capex = capex_per_t * added
            if state_pays:
                self.state.pay("directed_investment", capex)  # the state builds what it orders
            else:
                self.cash_usd -= capex
            self.model.log_event(
                "invest", self, f"adds {added:.0f} t/yr (utilisation {utilisation:.0%}, margin {margin:.0%})"
            )
