"""States hold the policy instruments and decide some of them by rules of their own.

Dated causes from the scenario change instruments directly (`apply_cause`). Two rules are
endogenous: a dominance-seeking state (China) directs and subsidises its state-backed firms to
undercut when foreign capacity grows, and a shock-reactive state (Japan) answers a supply shock
with higher inventory targets, a risk premium on the shocking supplier, a stockpile and the
co-financing of planned foreign projects. States also hold strategic stockpiles and pay price
floors and offtake.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import mesa

from model.goods import TIERS
from model.policy import Policy, PriceFloor

if TYPE_CHECKING:
    from model.model import RareEarthModel
    from model.scenario import StateSpec


class State(mesa.Agent):
    """A country's government."""

    kind = "state"

    def __init__(self, model: RareEarthModel, spec: StateSpec) -> None:
        super().__init__(model)
        self.name = spec.country
        self.country = spec.country
        self.dominance = spec.dominance
        self.shock_reactive = spec.shock_reactive
        self.budget_usd = spec.budget_usd
        self.status = "operating"
        self.policy = Policy(
            enforcement=spec.enforcement,
            env_cost_usd_per_kg=dict(spec.env_cost_usd_per_kg),
            permitting_months=dict(spec.permitting_months),
            subsidy_usd_per_kg=dict(spec.subsidy_usd_per_kg),
            export_duty=dict(spec.export_duty),
            risk_premium=dict(spec.risk_premium),
        )
        # yearly capacity growth the state lets its directed firms reach, per tier (else the parameter)
        self.directed_growth_max = dict(spec.directed_growth_max)
        self.spent_usd: dict[str, float] = {}
        self.revenue_usd: dict[str, float] = {}
        self.stock_t = {t: 0.0 for t in TIERS}
        self.stock_value_usd = {t: 0.0 for t in TIERS}
        self.bought_t = {t: 0.0 for t in TIERS}
        self.sold_t = {t: 0.0 for t in TIERS}
        self.price = {t: 0.0 for t in TIERS}
        self.directed_tiers: set[str] = set()
        self.shocked_at: int | None = None
        self.import_price_history: dict[str, list[float]] = {t: [] for t in TIERS}

    # --- money -------------------------------------------------------------------------------
    @property
    def cash_usd(self) -> float:
        """Net position: revenue (duties, tariffs) less spending (subsidies, floors, stockpiles)."""
        return sum(self.revenue_usd.values()) - sum(self.spent_usd.values())

    def can_pay(self, amount: float) -> bool:
        """True while the state's programme budget covers `amount`."""
        return sum(self.spent_usd.values()) + amount <= self.budget_usd

    def pay(self, item: str, amount: float) -> None:
        """Record a payment by the state (subsidy, floor, offtake, finance, directed losses)."""
        self.spent_usd[item] = self.spent_usd.get(item, 0.0) + amount

    def receive(self, item: str, amount: float) -> None:
        """Record revenue of the state (export duty, import tariff, stockpile sales)."""
        self.revenue_usd[item] = self.revenue_usd.get(item, 0.0) + amount

    # --- dated causes ------------------------------------------------------------------------
    def apply_cause(self, e: Any, step: int) -> None:
        """Apply one scenario event to this state's instruments and log it."""
        pol = self.policy
        k = e.kind
        tiers = getattr(e, "tiers", None) or ([e.tier] if hasattr(e, "tier") else [])
        detail = ""
        self._sound_alarm(e, tiers)
        if k == "export_quota":
            group = frozenset(tiers)
            for t in tiers:  # a tier moved to the new quota leaves the group it shared before
                for other in pol.quota_tiers.get(t, frozenset()) - group:
                    pol.quota_tiers[other] = pol.quota_tiers[other] - group
            for t in tiers:
                pol.quota_batch.pop(t, None)
                if e.quota_t is None:
                    pol.export_quota_t.pop(t, None)
                    pol.quota_tiers.pop(t, None)
                else:
                    pol.export_quota_t[t] = e.quota_t
                    pol.quota_tiers[t] = group
                    if e.months:
                        pol.quota_batch[t] = (step, step + e.months)
            if e.quota_t is None:
                detail = "export quota lifted"
            elif e.months:
                detail = f"export quota {e.quota_t:.0f} t for {e.months} months"
            else:
                detail = f"export quota {e.quota_t:.0f} t/yr"
        elif k == "production_quota":
            for t in tiers:
                if e.quota_t is None:
                    pol.production_quota_t.pop(t, None)
                else:
                    pol.production_quota_t[t] = e.quota_t
            detail = "production quota lifted" if e.quota_t is None else f"production quota {e.quota_t:.0f} t/yr"
        elif k == "embargo":
            for t in tiers:
                pol.embargo_until[(e.target, t)] = step + e.months
            self.model.log_event(
                "embargo_start", self, f"embargo on {e.target} for {e.months} months: {', '.join(tiers)}"
            )
            self.model.schedule_embargo_end(self, e.target, tiers, step + e.months)
            return
        elif k == "licence_delay":
            for t in tiers:
                if e.months > 0:
                    pol.licence_delay_months[t] = e.months
                    pol.licence_since[t] = step
                else:
                    pol.licence_delay_months.pop(t, None)
            detail = f"export licences with {e.months} months' delay" if e.months else "export licences lifted"
        elif k == "export_duty":
            pol.export_duty.update({t: e.rate for t in tiers})
            detail = f"export duty {e.rate:.0%}"
        elif k == "import_tariff":
            pol.import_tariff.update({(e.origin, t): e.rate for t in tiers})
            detail = f"import tariff {e.rate:.0%} on {e.origin}"
        elif k == "subsidy":
            pol.subsidy_usd_per_kg.update({t: e.usd_per_kg for t in tiers})
            detail = f"production subsidy {e.usd_per_kg:.2f} USD/kg"
        elif k == "env_cost":
            pol.env_cost_usd_per_kg.update({t: e.usd_per_kg for t in tiers})
            detail = f"environmental compliance cost {e.usd_per_kg:.2f} USD/kg"
        elif k == "permitting":
            pol.permitting_months.update({t: e.months for t in tiers})
            detail = f"permitting takes {e.months} months"
        elif k == "enforcement":
            pol.enforcement = e.level
            detail = f"enforcement against smuggling and illegal mining {e.level:.0%}"
        elif k == "stockpile":
            pol.stockpile_target_t[e.tier] = e.target_t
            detail = f"stockpile target {e.target_t:.0f} t"
        elif k == "stockpile_release":
            pol.stockpile_release_t[e.tier] = pol.stockpile_release_t.get(e.tier, 0.0) + e.quantity_t
            detail = f"stockpile release {e.quantity_t:.0f} t"
        elif k == "price_floor":
            pol.price_floors.append(
                PriceFloor(
                    e.firm,
                    e.tier,
                    e.usd_per_kg,
                    step + int(round(e.years * 12)),
                    e.offtake_share,
                    e.margin_usd_per_kg,
                    # a cost-plus contract is for the plant as built: output from capacity added later sells
                    # in the market (otherwise the guaranteed margin would pay for endless expansion)
                    math.inf if e.margin_usd_per_kg is None else self.model.firm_by_name[e.firm].capacity_t / 12,
                )
            )
            cost_plus = "" if e.margin_usd_per_kg is None else f" at cost plus {e.margin_usd_per_kg:g} USD/kg or more"
            detail = (
                f"price floor {e.usd_per_kg:.0f} USD/kg for {e.firm} ({e.tier}), "
                f"offtake {e.offtake_share:.0%}{cost_plus}, {e.years:g} years"
            )
        elif k == "sourcing_mandate":
            for t in tiers:
                pol.mandates.add((e.sector, e.banned_origin, t))
            detail = f"{e.sector} may not buy {', '.join(tiers)} from {e.banned_origin}"
        elif k == "consolidation":
            n = self.model.consolidate(self, set(tiers), e.group)
            detail = f"{n} firms consolidated into {e.group}"
        elif k == "risk_premium":
            pol.risk_premium[e.origin] = e.premium
            detail = f"risk premium {e.premium:.0%} on supply from {e.origin}"
        elif k == "build":
            firm = self.model.firm_by_name[e.firm]
            firm.financed = True
            firm.begin_project("construction decided")
            return
        if e.note:
            detail += f" ({e.note})"
        self.model.log_event("policy", self, f"{k}: {detail}")

    def _sound_alarm(self, e: Any, tiers: list[str]) -> None:
        """Tell buyers how much a restrictive cause cuts the supply they expect, before it is
        applied (its severity, 0-1): a tighter export or production quota by the share it cuts
        the yearly rate, an embargo or an export licence in full, a crackdown by the rise in
        enforcement (it stops illegal supply). Buyers stock up on the news (`RareEarthModel.alarm`)."""
        pol, k = self.policy, e.kind
        severity = 0.0
        if k in ("export_quota", "production_quota") and e.quota_t is not None:
            rate = e.quota_t * 12.0 / e.months if getattr(e, "months", None) else e.quota_t
            book = pol.export_quota_t if k == "export_quota" else pol.production_quota_t
            before = [self._yearly_rate(t, book) for t in tiers]
            before = [b for b in before if b is not None]
            if before and max(before) > 0:
                severity = max(0.0, 1.0 - rate / max(before))
        elif k in ("embargo", "licence_delay") and getattr(e, "months", 0) > 0:
            severity = 1.0
        elif k == "enforcement":
            severity = max(0.0, e.level - pol.enforcement)
        if severity > 0:
            self.model.alarm(tiers, severity)

    def _yearly_rate(self, tier: str, book: dict[str, float]) -> float | None:
        """The yearly rate of the quota standing on `tier` (a batch scaled to a year)."""
        if tier not in book:
            return None
        batch = self.policy.quota_batch.get(tier) if book is self.policy.export_quota_t else None
        if batch is not None and batch[1] > batch[0]:
            return book[tier] * 12.0 / (batch[1] - batch[0])
        return book[tier]

    # --- endogenous rules --------------------------------------------------------------------
    def decide(self) -> None:
        """Monthly: run the state's own decision rules."""
        if self.dominance and self.model.month_of_year == 1:
            self.pursue_dominance()
        if self.shock_reactive:
            self.watch_for_shock()

    def pursue_dominance(self) -> None:
        """Direct state-backed firms to undercut in tiers where foreign capacity has grown."""
        p = self.model.params
        for tier in ("concentrate", "ndpr_oxide", "magnet"):
            if not self.model.has_state_backed(self.country, tier):
                continue
            share = self.model.foreign_capacity_share(self.country, tier)
            if tier not in self.directed_tiers and share > p.undercut_trigger_share:
                self.directed_tiers.add(tier)
                self.model.direct_firms(self, tier, True)
                self.model.log_event(
                    "policy",
                    self,
                    f"directs state-backed firms to undercut in {tier}: foreign capacity share {share:.0%}",
                )
            elif tier in self.directed_tiers and share < p.undercut_release_share:
                self.directed_tiers.discard(tier)
                self.model.direct_firms(self, tier, False)
                self.model.log_event("policy", self, f"ends undercutting in {tier}: foreign capacity share {share:.0%}")

    def watch_for_shock(self) -> None:
        """React (at most once a decade) to a supply shock: the main supplier puts an embargo on
        the country, or imports from it fall by more than `shock_import_drop` against their mean
        of the year before while the country's buyers are left short (customers of at least
        `shock_unmet_share` of their need, or all its buyers, firms and customers, of that share
        of the value of their orders)."""
        p = self.model.params
        if self.shocked_at is not None and self.model.month - self.shocked_at < p.shock_refractory_months:
            return
        if self.model.month < p.shock_warmup_months:  # no shock can be told from the start-up of a run
            return
        origin = self.model.main_supplier(self.country)
        if origin is None:
            return
        drop = self.model.import_drop(self.country, origin)
        unmet_share = shortfall = 0.0  # how short the country's buyers were left: asked after a fall only
        if drop >= p.shock_import_drop:
            unmet_share = self.model.national_unmet_share(self.country)
            shortfall = self.model.national_shortfall(self.country)
        embargo = self.model.states[origin].policy.embargoes(self.country, self.model.month)
        short = drop >= p.shock_import_drop and max(unmet_share, shortfall) >= p.shock_unmet_share
        if not (embargo or short):
            return
        self.shocked_at = self.model.month
        if embargo:
            why = f"supply shock: {origin} embargoes exports to {self.country}"
        else:
            why = (
                f"supply shock: imports from {origin} down {drop:.0%}, {shortfall:.0%} of orders (by value) "
                f"unfilled, unmet demand {unmet_share:.0%}"
            )
        self.model.raise_inventory_targets(self.country, p.shock_inventory_months)
        if origin:
            self.policy.risk_premium[origin] = self.policy.risk_premium.get(origin, 0.0) + p.shock_risk_premium
        for tier, monthly in self.model.national_demand_t(self.country).items():
            self.policy.stockpile_target_t[tier] = max(
                self.policy.stockpile_target_t.get(tier, 0.0), p.shock_stockpile_months * monthly
            )
        self.model.log_event(
            "policy", self, f"{why}; raises inventory targets and stockpiles, risk premium on {origin or 'none'}"
        )
        for firm in self.model.planned_projects(exclude_country=origin):
            firm.finance(self, p.finance_share)

    # --- stockpile ---------------------------------------------------------------------------
    def stockpile_demand_t(self, tier: str) -> float:
        """Monthly purchase toward the stockpile target."""
        gap = self.policy.stockpile_target_t.get(tier, 0.0) - self.stock_t[tier]
        return max(gap, 0.0) / self.model.params.stockpile_buy_months

    def stockpile_offer_t(self, tier: str) -> float:
        """Stock offered to home buyers: a scheduled release, or a release when import prices spike."""
        if self.stock_t[tier] <= 0:
            return 0.0
        offer = min(self.policy.stockpile_release_t.get(tier, 0.0), self.stock_t[tier])
        hist = self.import_price_history[tier]
        p = self.model.params
        window = p.stockpile_price_window_months
        if len(hist) >= window:
            mean = sum(hist[-window:]) / window
            if mean > 0 and hist[-1] > p.stockpile_release_price * mean:
                offer = max(offer, self.stock_t[tier] / p.stockpile_release_months)
        return offer

    def reference_cost(self, tier: str) -> float:
        """A released stockpile is sold to clear, below the market's price index (a state sells
        to calm prices, not for profit); it never asks more than its average purchase cost."""
        ask = release_ask_usd_per_kg(self.model, tier)
        if self.stock_t[tier] > 1e-9:
            ask = min(ask, self.stock_value_usd[tier] / (self.stock_t[tier] * 1000.0))
        return max(ask, 0.01)

    def pay_price_floors(self) -> None:
        """Top up floor-protected firms' sales to the floor and buy the offtake share of stock."""
        for floor in self.policy.price_floors:
            if self.model.month >= floor.until_step:
                continue
            firm = self.model.firm_by_name[floor.firm]
            sold = firm.sold_t.get(floor.tier, 0.0)
            received = firm.receipts_usd.get(floor.tier, 0.0) / max(sold * 1000.0, 1e-12)  # USD/kg
            if sold > 0 and received < floor.usd_per_kg:
                topup = (floor.usd_per_kg - received) * sold * 1000.0
                self.pay("price_floor", topup)
                firm.support_usd += topup
            if floor.offtake_share > 0 and firm.inventory_t.get(floor.tier, 0.0) > 0:
                qty = min(floor.offtake_share * firm.inventory_t[floor.tier], floor.offtake_cap_t_per_month)
                # the state buys at the floor, or at the market's price when that is higher, or, under
                # a cost-plus offtake, at the firm's full unit cost plus the margin when that is higher still
                usd_per_kg = max(floor.usd_per_kg, self.model.last_price_index.get(floor.tier, 0.0))
                if floor.margin_usd_per_kg is not None:
                    usd_per_kg = max(usd_per_kg, firm.full_unit_cost(floor.tier) + floor.margin_usd_per_kg)
                self.model.offtake(self, firm, floor.tier, qty, usd_per_kg)


def release_ask_usd_per_kg(model: RareEarthModel, tier: str) -> float:
    """What a released stockpile of `tier` asks before its average purchase cost caps it: the
    market's price index less the release discount (the same for every state)."""
    return model.last_price_index.get(tier, 1.0) * (1.0 - model.params.stockpile_release_discount)
