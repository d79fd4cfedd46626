"""The monthly market of one tier: who may buy from whom, at what landed cost, and the books.

Buyers are grouped into classes (same country, role, sector, grade need and domestic premium)
that share a landed-cost row; loyalty to last month's suppliers multiplies the class's logit
weights. Last month's supplier shares are kept as rows of a small table: in a big market the
buyers of a class that bought alike share a row and clear as one group, so that the work grows
with the number of such groups rather than of buyers. Clearing itself is
`model.market.allocate`; this module builds its inputs and books its result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from model.goods import SECTORS
from model.market import Allocation, ExportCap, allocate, choice_weights, loyalty_factor

if TYPE_CHECKING:
    from model.model import RareEarthModel

CHANNELS = ("legal", "smuggled", "stockpile")
ROLE_FIRM, ROLE_CUSTOMER, ROLE_SMUGGLER, ROLE_STATE = 0, 1, 2, 3
ORE_CODES = {"mineral": -2, "ionic_clay": -3}
"""A separator's feed in the sector column of its buyer class (-1: any ore, or not a separator)."""
GROUP_BUYERS_ABOVE = 256
"""In a market with more buyers than this, buyers of a class that share last month's supplier
shares are cleared as one group (see `model.market.allocate`); in smaller ones each buyer keeps
its own row, which gives the same results up to float rounding."""


@dataclass
class MonthBook:
    """What one tier's market did in one month (aggregated by country pair and channel)."""

    quantity_t: np.ndarray  # (K origin, K destination, channel)
    value_usd: np.ndarray
    paid_usd: float
    received_usd: float
    duty_usd: float
    tariff_usd: float
    ordered_by_country: np.ndarray  # (K,)
    filled_by_country: np.ndarray  # (K,)


class TierMarket:
    """Sellers and buyers of one tier, with the state carried from month to month."""

    def __init__(
        self, model: RareEarthModel, tier: str, sellers: list[Any], buyers: list[Any], customer_rows: np.ndarray
    ) -> None:
        self.model = model
        self.tier = tier
        self.sellers = sellers
        k = model.country_index
        self.s_country = np.array([k[s.country] for s in sellers], dtype=np.int64)
        self.s_country_list = self.s_country.tolist()
        self.seller_countries = np.unique(self.s_country).tolist()
        self.s_smuggler = np.array([s.kind == "smuggler" for s in sellers], dtype=bool)
        self.s_state = np.array([s.kind == "state" for s in sellers], dtype=bool)
        self.s_illegal = np.array([bool(getattr(s, "illegal", False)) for s in sellers], dtype=bool)
        self.s_free = self.s_smuggler | self.s_state  # sellers outside export rules
        self.s_grade = np.array([s.grade if s.kind != "state" else 0.99999 for s in sellers], dtype=float)
        self.price = np.array([max(s.price.get(tier, 0.0), 0.01) for s in sellers], dtype=float)
        # buyers: non-customer agents first, then customer rows, sorted by class
        book = model.customers
        rows = np.asarray(customer_rows, dtype=np.int64)
        n_a = len(buyers)
        roles = [{"smuggler": ROLE_SMUGGLER, "state": ROLE_STATE}.get(b.kind, ROLE_FIRM) for b in buyers]
        key = np.column_stack(
            [
                np.r_[roles, np.full(rows.size, ROLE_CUSTOMER)],
                np.r_[[k[b.country] for b in buyers], book.country[rows]],
                np.r_[[ORE_CODES.get(getattr(b, "feed", "any"), -1) for b in buyers], book.sector[rows]],
                np.r_[np.zeros(n_a), book.grade_min[rows]],
                np.r_[np.zeros(n_a), book.domestic_premium[rows]],
            ]
        ).astype(float)
        ids = np.r_[np.full(n_a, -1), rows].astype(np.int64)
        classes, cls = (
            np.unique(key, axis=0, return_inverse=True) if len(key) else (np.zeros((0, 5)), np.zeros(0, np.int64))
        )
        order = np.argsort(cls.reshape(-1), kind="stable")
        self.agents = [buyers[i] if i < n_a else None for i in order]
        self.b_customer_row = ids[order]
        self.b_class = cls.reshape(-1)[order]
        self.b_country = key[order, 1].astype(np.int64)
        self.classes = classes
        self.class_starts = (
            np.flatnonzero(np.r_[True, np.diff(self.b_class) != 0]) if self.b_class.size else np.zeros(0, np.int64)
        )
        self.is_customer = self.b_customer_row >= 0
        self.cust_pos = np.flatnonzero(self.is_customer)
        self.cust_rows = self.b_customer_row[self.is_customer]
        self.agent_pos = np.flatnonzero(~self.is_customer)
        self.agent_rows = self.agent_pos.tolist()  # the non-customer buyers' rows, as a list
        self.agent_list = [self.agents[i] for i in self.agent_rows]  # the non-customer buyers
        # per class: its attributes, and which sellers the standing rules allow it to buy from
        self.c_role = classes[:, 0].astype(np.int64)
        self.c_country = classes[:, 1].astype(np.int64)
        self.c_sector = classes[:, 2].astype(np.int64)
        self.c_firm_rows = np.flatnonzero(self.c_role == ROLE_FIRM)
        self.c_cross = self.s_country[None, :] != self.c_country[:, None]  # imports
        cross, role = self.c_cross, self.c_role[:, None]
        ok = self.s_grade[None, :] >= classes[:, 3:4] - 1e-12
        ok &= ~(self.s_smuggler & ~cross)  # smugglers sell abroad only
        ok &= ~(self.s_illegal & cross)  # illegal output stays at home
        ok &= ~(self.s_state & (cross | (role == ROLE_STATE) | (role == ROLE_SMUGGLER)))
        ok &= (role != ROLE_SMUGGLER) | (~cross & ~self.s_smuggler & ~self.s_state)
        ok &= ~(self.s_smuggler & (role == ROLE_STATE))  # a state stockpiles no contraband
        # a separator built for one kind of ore buys no other (smugglers' and states' goods count
        # as any ore)
        s_ore = np.array([ORE_CODES.get(getattr(s, "ore", ""), 0) for s in sellers], dtype=np.int64)
        feed = np.where(role == ROLE_FIRM, self.c_sector[:, None], -1)
        ok &= (feed == -1) | (s_ore[None, :] == 0) | (s_ore[None, :] == feed)
        self.c_allowed = ok
        self.any_domestic_premium = bool(np.any(classes[:, 4] != 0))
        self.buyer_countries = [int(c) for c in np.unique(self.c_country)]
        # the states of the sellers' and of the buyers' countries (fixed with the market)
        self._seller_states = [model.state_list[c] for c in self.seller_countries]
        self._buyer_states = [(d, model.state_list[d]) for d in self.buyer_countries]
        # per exporting country: the buyers abroad and the sellers under its export rules (fixed
        # with the market; built on a cap's first month)
        self._cap_sides: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._firms_of: dict[int, list[int]] = {}  # per country: its firms' places among the sellers (`cheapest_ask`)
        # (buyer's country, seller's country) pairs where an embargo would bite
        cls_idx, sel_idx = np.nonzero(ok & cross & ~self.s_smuggler)
        self.embargo_pairs = sorted(
            set(zip(self.c_country[cls_idx].tolist(), self.s_country[sel_idx].tolist(), strict=True))
        )
        # each (class, seller) cell's place in the (origin, destination, channel) flow table
        # contraband stays contraband whoever buys it; otherwise a state on either side is stockpile
        channel = np.where(self.s_state[None, :] | (role == ROLE_STATE), 2, 0)
        channel = np.where(self.s_smuggler[None, :], 1, channel)
        n_k = len(model.countries)
        self.flow_index = ((self.s_country[None, :] * n_k + self.c_country[:, None]) * 3 + channel).ravel()
        # last month's supplier shares, as rows of `pattern` (buyer b uses row b_pattern[b]); in a
        # big market buyers of a class with the same history share a row and clear as one group
        self.grouped = len(self.agents) > GROUP_BUYERS_ABOVE
        n_rows = len(classes) if self.grouped else len(self.agents)
        self.pattern = np.zeros((n_rows, len(sellers)))
        self.pattern_class = np.arange(n_rows) if self.grouped else self.b_class.copy()
        self.b_pattern = self.b_class.copy() if self.grouped else np.arange(n_rows)
        self.month: MonthBook | None = None
        self.allocation: Allocation | None = None
        self.offered_t = np.zeros(len(sellers))  # what each seller offered this month, t
        self._switch: tuple[tuple[float, float] | None, float] = (None, 1.0)

    @property
    def last_share(self) -> np.ndarray:
        """(B, S) each buyer's shares of last month's purchases by seller."""
        return self.pattern[self.b_pattern]

    # --- landed costs ------------------------------------------------------------------------
    def class_matrices(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per buyer class and seller: perceived landed cost (inf = not allowed), USD/kg paid by
        the buyer, USD/kg received by the seller, and USD/kg going to the exporting state. Without
        export duties and import tariffs, what buyers pay is what sellers receive: one array."""
        m = self.model
        premium, duty, tariff_k, risk_k = self.policy_terms()
        cross, cls_c = self.c_cross, self.c_country[:, None]
        if premium is not None:
            fob = np.where(cross, self.price * (1.0 + premium), self.price)
        else:  # price * (1 + 0) is the price
            fob = np.empty(cross.shape)
            fob[...] = self.price
        if duty is not None and duty.any():
            duty_c = np.where(cross, fob * duty, 0.0)
            cif = fob + duty_c
        else:  # fob + 0 is fob
            duty_c = np.zeros(fob.shape)
            cif = fob
        if tariff_k is not None:
            cif = cif * np.where(cross, 1.0 + tariff_k[cls_c, self.s_country], 1.0)
        abroad = cif + m.params.freight_usd_per_kg
        if risk_k is not None:
            abroad *= 1.0 + risk_k[cls_c, self.s_country]
        home = cif / (1.0 + self.classes[:, 4:5]) if self.any_domestic_premium else cif
        seen = np.where(cross, abroad, home)
        if self.tier == "concentrate":
            firm = self.c_firm_rows
            seen[firm] = seen[firm] / self.content_value()  # a separator values concentrate by its oxide content
        return np.where(self.allowed_now(), seen, np.inf), cif, fob, duty_c

    def policy_terms(self) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None, np.ndarray | None]:
        """This month's export premium and export duty by seller (None where no seller's state
        has one; zero for sellers outside export rules) and import tariff and risk premium by
        (buyer's country, seller's country) (None where no buyer's state has one)."""
        m = self.model
        tier = self.tier
        states, index = m.state_list, m.country_index
        # export premium and duty of each seller's state (none for sellers outside export rules)
        any_premium = any_duty = False
        for st in self._seller_states:
            pol = st.policy
            if pol.export_premium.get(tier, 0.0):
                any_premium = True
            if pol.export_duty.get(tier, 0.0):
                any_duty = True
        premium = duty = None
        if any_premium:
            premium = np.array([states[c].policy.export_premium.get(tier, 0.0) for c in self.s_country_list])
            premium[self.s_free] = 0.0
        if any_duty:
            duty = np.array([states[c].policy.export_duty.get(tier, 0.0) for c in self.s_country_list])
            duty[self.s_free] = 0.0
        # per (buyer's country, seller's country): import tariff and risk premium, when any
        n_k = len(m.countries)
        tariff_k = risk_k = None
        for d, st in self._buyer_states:
            pol = st.policy
            if pol.import_tariff:
                for (origin, t), rate in pol.import_tariff.items():
                    if t == tier and origin in index:
                        tariff_k = np.zeros((n_k, n_k)) if tariff_k is None else tariff_k
                        tariff_k[d, index[origin]] = rate
            if pol.risk_premium:
                for origin, rate in pol.risk_premium.items():
                    if origin in index:
                        risk_k = np.zeros((n_k, n_k)) if risk_k is None else risk_k
                        risk_k[d, index[origin]] = rate
        return premium, duty, tariff_k, risk_k

    def allowed_now(self) -> np.ndarray:
        """(class, seller) who may buy from whom this month: the standing rules (`c_allowed`,
        returned itself when nothing else applies) less this month's embargoes and sourcing
        mandates."""
        m = self.model
        tier = self.tier
        states, countries, index = m.state_list, m.countries, m.country_index
        cross, cls_c = self.c_cross, self.c_country[:, None]
        ok = self.c_allowed
        blocked = (
            [(d, o) for d, o in self.embargo_pairs if states[o].policy.embargoed(countries[d], tier, m.month)]
            if m.embargo_in_force()
            else []
        )
        if blocked:
            n_k = len(countries)
            embargo_k = np.zeros((n_k, n_k), dtype=bool)
            embargo_k[tuple(np.array(blocked).T)] = True
            ok = ok & ~(cross & ~self.s_smuggler & embargo_k[cls_c, self.s_country])
        for d, st in self._buyer_states:
            for sec, origin, t in st.policy.mandates:
                if t == tier:
                    rows = (
                        (self.c_role == ROLE_CUSTOMER) & (self.c_country == d) & (self.c_sector == SECTORS.index(sec))
                    )
                    if rows.any():
                        ok = ok.copy() if ok is self.c_allowed else ok
                        ok[rows] &= self.s_country != index[origin]
        return ok

    def content_value(self) -> np.ndarray:
        """Each concentrate seller's oxide content valued at last month's oxide prices,
        relative to the sellers' mean (1 = average concentrate)."""
        m = self.model
        nd, dy = m.concentrate_content(self)
        value = nd * m.last_price_index.get("ndpr_oxide", 30.0) + dy * m.last_price_index.get("dytb_oxide", 150.0)
        mean = value.sum() / value.size if value.size else 0.0  # `np.mean`'s sum and division, without its overhead
        mean = mean if mean > 0 else 1.0
        return np.maximum(value / mean, 1e-3)

    def cheapest_ask(self, country: int) -> float:
        """The lowest asking price, USD/kg, of the firms of `country` (not its smugglers or its
        state) that offered this tier in the market's last month (infinite if none)."""
        firms = self._firms_of.get(country)
        if firms is None:  # fixed with the market
            firms = self._firms_of[country] = np.flatnonzero((self.s_country == country) & ~self.s_free).tolist()
        price, offered = self.price.tolist(), self.offered_t.tolist()
        return min((price[j] for j in firms if offered[j] > 1e-9), default=math.inf)

    def export_caps(self) -> list[ExportCap]:
        """Export quotas and licence regimes of the sellers' states, as caps for this month."""
        m = self.model
        caps = []
        for c in self.seller_countries:
            pol = m.state_list[c].policy
            if self.tier not in pol.export_quota_t and not pol.licence_delay_months.get(self.tier):
                continue  # no quota and no licence regime: no cap
            cap = m.export_allowance_t(m.state_list[c], self.tier)
            if cap is None:
                continue
            sides = self._cap_sides.get(c)
            if sides is None:
                sellers = np.flatnonzero((self.s_country == c) & ~self.s_smuggler & ~self.s_state)
                sides = self._cap_sides[c] = (self.b_country != c, sellers)
            caps.append(ExportCap(buyers=sides[0], sellers=sides[1], cap_t=cap, key=(m.countries[c], self.tier)))
        return caps

    # --- clearing ------------------------------------------------------------------------------
    def clear(self, demand_t: np.ndarray, offer_t: np.ndarray, open_sellers: np.ndarray | None = None) -> Allocation:
        """Clear the month and book the trades."""
        weights, caps, prices = self.prepare()
        group = self.b_pattern if self.grouped else None
        alloc = allocate(weights, demand_t, offer_t, self.model.params.spill_rounds, caps, open_sellers, group=group)
        self.settle(alloc, demand_t, prices)
        return alloc

    def prepare(self) -> tuple[np.ndarray, list[ExportCap], tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """This month's choice weights (one row per row of `pattern`), export caps, and what
        buyers pay, sellers receive and states levy per class and seller (see `class_matrices`)."""
        p = self.model.params
        perceived, paid, received, duty = self.class_matrices()
        w_cls = choice_weights(perceived, p.logit_beta)
        weights = w_cls[self.pattern_class] * loyalty_factor(self.pattern, p.loyalty, self.switch_penalty())
        return weights, self.export_caps(), (paid, received, duty)

    def switch_penalty(self) -> float:
        """exp(-beta * switching cost), the weight multiplier on a seller not bought from."""
        p = self.model.params
        key = (p.logit_beta, p.switching_cost_frac)
        if self._switch[0] != key:  # kept while the parameters stay
            self._switch = (key, float(np.exp(-p.logit_beta * p.switching_cost_frac)))
        return self._switch[1]

    def settle(
        self, alloc: Allocation, demand_t: np.ndarray, prices: tuple[np.ndarray, np.ndarray, np.ndarray]
    ) -> None:
        """Book a clearing's result and remember its supplier shares for next month."""
        self.allocation = alloc
        self._book(alloc, demand_t, *prices)
        self._remember_shares(alloc)

    def _remember_shares(self, alloc: Allocation) -> None:
        """Each buyer that bought keeps this month's shares by seller for next month's loyalty."""
        q = alloc.group_t
        # buyers alone in their groups: the groups' totals are what the buyers bought (`_book`)
        total = self.bought_t if alloc.alone else q.sum(axis=1)
        share = np.divide(q, total[:, None], out=np.zeros(q.shape), where=total[:, None] > 1e-12)
        had = self.bought_t > 1e-12
        if not self.grouped:  # one row per buyer, one group per buyer
            self.pattern[had] = share[had]
            return
        # a group's buyers share its new row; drop the rows no buyer uses any more
        row = np.where(had, len(self.pattern) + alloc.group, self.b_pattern)
        table = np.vstack([self.pattern, share])
        table_class = np.r_[self.pattern_class, self.pattern_class[alloc.origin]]
        used = np.bincount(row, minlength=len(table)) > 0
        self.pattern, self.pattern_class = table[used], table_class[used]
        self.b_pattern = (np.cumsum(used) - 1)[row]

    def _book(
        self, alloc: Allocation, demand_t: np.ndarray, paid: np.ndarray, received: np.ndarray, duty: np.ndarray
    ) -> None:
        """Aggregate the trades by class, country pair and channel; per-seller receipts and
        per-buyer payments; duties and tariffs to the states."""
        m = self.model
        n_k = len(m.countries)
        kg = 1000.0
        q = alloc.group_t
        # every buyer alone in its group: groups are buyers, in order, each with its own row
        g_class = self.pattern_class if alloc.alone else self.pattern_class[alloc.origin]
        if self.grouped or not q.size:
            qc = np.zeros((len(self.classes), len(self.sellers)))
            np.add.at(qc, g_class, q)
        else:  # one row per buyer, sorted by class
            qc = np.add.reduceat(q, self.class_starts, axis=0)
        pay_c = qc * paid * kg
        no_levies = paid is received  # no export duty and no import tariff (see class_matrices)
        if no_levies:
            recv_c = pay_c
            duty_c = tariff_c = None
        else:
            recv_c = qc * received * kg
            duty_c = qc * duty * kg
            tariff_c = pay_c - recv_c - duty_c
        n_flow = n_k * n_k * 3
        qty = np.bincount(self.flow_index, weights=qc.ravel(), minlength=n_flow).reshape(n_k, n_k, 3)
        val = np.bincount(self.flow_index, weights=recv_c.ravel(), minlength=n_flow).reshape(n_k, n_k, 3)
        bought = alloc.bought_t
        if self.grouped and not np.any(demand_t < 0):
            g_country = self.c_country[g_class]
            ordered = np.bincount(g_country, weights=alloc.mass_t, minlength=n_k)
            filled = np.bincount(g_country, weights=q.sum(axis=1), minlength=n_k)
        else:
            ordered = np.bincount(self.b_country, weights=demand_t, minlength=n_k)
            filled = np.bincount(self.b_country, weights=bought, minlength=n_k)
        paid_usd = float(pay_c.sum())
        if duty_c is None or tariff_c is None:  # no levies: what buyers paid, sellers received
            received_usd, duty_usd, tariff_usd = paid_usd, 0.0, 0.0
        else:
            received_usd, duty_usd, tariff_usd = float(recv_c.sum()), float(duty_c.sum()), float(tariff_c.sum())
        self.month = MonthBook(qty, val, paid_usd, received_usd, duty_usd, tariff_usd, ordered, filled)
        # per-seller receipts and per-buyer payments
        self.sold_t = q.sum(axis=0)
        self.seller_receipts_usd = recv_c.sum(axis=0)
        group_paid = (q * paid[g_class]).sum(axis=1) * kg
        self.buyer_paid_usd = (group_paid if alloc.alone else group_paid[alloc.group]) * alloc.member_share
        self.bought_t = bought
        if duty_c is not None and tariff_c is not None:
            self.pay_levies(duty_c, tariff_c)

    def pay_levies(self, duty_c: np.ndarray, tariff_c: np.ndarray) -> None:
        """The month's export duties to the sellers' states and import tariffs to the buyers'
        states, from what each (class, seller) cell paid of them, USD."""
        states = self.model.state_list
        levied = duty_c.any(axis=0)  # the sellers whose buyers paid export duty
        if levied.any():
            # the countries of those sellers (elsewhere each sum is of zeros, and none is paid)
            for c in np.unique(self.s_country[levied]).tolist():
                exp_duty = float(duty_c[:, self.s_country == c].sum())
                if exp_duty:
                    states[c].receive("export_duty", exp_duty)
        tariff = tariff_c.sum(axis=1)
        if tariff.any():
            c_country, tariffs = self.c_country.tolist(), tariff.tolist()
            for i in tariff.nonzero()[0].tolist():
                states[c_country[i]].receive("import_tariff", tariffs[i])


class StackedMarkets:
    """Markets with one row of weights per buyer, stacked for one pass of
    `model.market.allocate_markets`: (market, buyer, seller) arrays, zero-padded to the
    largest market (a padded buyer uses an extra class that may buy from nobody)."""

    def __init__(self, markets: list[TierMarket]) -> None:
        assert not any(market.grouped for market in markets)
        self.markets = markets
        self.sizes = [(len(market.agents), len(market.sellers)) for market in markets]
        self.n_buyers = max(b for b, _ in self.sizes)
        self.n_sellers = max(s for _, s in self.sizes)
        self.n_classes = max(len(market.classes) for market in markets) + 1  # the last: padded buyers'
        # each buyer's class (fixed with the markets: one row per buyer never changes its class)
        self.buyer_class = np.full((len(markets), self.n_buyers), self.n_classes - 1, dtype=np.int64)
        for k, market in enumerate(markets):
            self.buyer_class[k, : self.sizes[k][0]] = market.pattern_class
        self.market_index = np.arange(len(markets))[:, None]
        # each stacked buyer's row among the (market, class) rows: `a.reshape(-1, S).take(buyer_row,
        # axis=0)` is `a[market_index, buyer_class]`, a faster gather of the same cells
        self.buyer_row = self.market_index * self.n_classes + self.buyer_class
        # last month's supplier shares of every market's buyers: each market's `pattern` becomes
        # a view of its block, so that clearing stacked or one market at a time updates one table
        self.shares = np.zeros((len(markets), self.n_buyers, self.n_sellers))
        for k, market in enumerate(markets):
            b, s = self.sizes[k]
            self.shares[k, :b, :s] = market.pattern
            market.pattern = self.shares[k, :b, :s]
        # the books' bins (fixed with the markets): each (class, seller) cell's place in its
        # market's (origin, destination, channel) flow table and each buyer's country, offset by
        # market; padded cells and buyers go to one spare bin at the end
        model = markets[0].model
        n_k = len(model.countries)
        self.n_flow = n_k * n_k * len(CHANNELS)
        self.flow_bin = np.full((len(markets), self.n_classes, self.n_sellers), len(markets) * self.n_flow)
        self.country_bin = np.full((len(markets), self.n_buyers), len(markets) * n_k)
        for k, market in enumerate(markets):
            b, s = self.sizes[k]
            n_c = len(market.classes)
            self.flow_bin[k, :n_c, :s] = k * self.n_flow + market.flow_index.reshape(n_c, s)
            self.country_bin[k, :b] = k * n_k + market.b_country
        self.flow_bin = self.flow_bin.ravel()
        self.country_bin = self.country_bin.ravel()
        # where each market's classes start among the stacked buyers (a padded block starts one more)
        starts, rows = [], []
        for k, market in enumerate(markets):
            first = k * self.n_buyers
            rows += list(range(len(starts), len(starts) + len(market.classes)))
            starts += (first + market.class_starts).tolist()
            if self.sizes[k][0] < self.n_buyers:
                starts.append(first + self.sizes[k][0])
        self.class_starts = np.array(starts, dtype=np.int64)
        # the stacked classes' rows in the class sums, and their places in (market, class)
        self.class_rows = np.array(rows, dtype=np.int64)
        self.class_cells = np.concatenate(
            [k * self.n_classes + np.arange(len(market.classes)) for k, market in enumerate(markets)]
        )

        # the landed-cost rules' fixed parts, per (market, class, seller): imports, what the
        # standing rules allow (padded: nothing), classes' and sellers' countries, domestic premia
        shape = (len(markets), self.n_classes, self.n_sellers)
        self.cross = np.zeros(shape, dtype=bool)
        self.allowed = np.zeros(shape, dtype=bool)
        self.class_country = np.zeros(shape[:2], dtype=np.int64)
        self.seller_country = np.zeros((len(markets), self.n_sellers), dtype=np.int64)
        self.domestic_premium = np.zeros((*shape[:2], 1))
        for k, market in enumerate(markets):
            n_c, s = len(market.classes), self.sizes[k][1]
            self.cross[k, :n_c, :s] = market.c_cross
            self.allowed[k, :n_c, :s] = market.c_allowed
            self.class_country[k, :n_c] = market.c_country
            self.seller_country[k, :s] = market.s_country
            self.domestic_premium[k, :n_c, 0] = market.classes[:, 4]
        self.any_domestic_premium = any(market.any_domestic_premium for market in markets)
        # each (market, class, seller) cell's (buyer's country, seller's country) pair, as a flat
        # index into an (n_k, n_k) table, and with the market into an (n_m, n_k, n_k) one (gathers
        # of the same cells as indexing by the country arrays, faster)
        self.pair_cell = self.class_country[:, :, None] * n_k + self.seller_country[:, None, :]
        self.market_pair_cell = self.market_index[:, :, None] * (n_k * n_k) + self.pair_cell

    def landed_costs(self) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
        """(market, class, seller) perceived landed costs (inf = not allowed), USD/kg paid by
        buyers and, when some market levies an export duty or import tariff this month, (USD/kg
        received by sellers, USD/kg of export duty) (else None: what buyers pay is what sellers
        receive), as each market's `TierMarket.class_matrices` gives them, cell by cell the same
        (a missing premium, duty, tariff, risk premium or domestic premium adds exactly 0 or
        multiplies by exactly 1)."""
        markets = self.markets
        m = markets[0].model
        n_m, n_c, n_s = self.cross.shape
        n_k = len(m.countries)
        price = np.ones((n_m, n_s))
        premium = np.zeros((n_m, n_s))
        duty = np.zeros((n_m, n_s))
        any_premium = levied = False
        risk_k = tariff_k = None
        for k, market in enumerate(markets):
            prem, duty_k, tariff, risk = market.policy_terms()
            s = self.sizes[k][1]
            price[k, :s] = market.price
            if prem is not None:
                premium[k, :s] = prem
                any_premium = True
            if duty_k is not None and duty_k.any():
                duty[k, :s] = duty_k
                levied = True
            if tariff is not None:  # by the market's (buyer's country, seller's country)
                tariff_k = np.zeros((n_m, n_k, n_k)) if tariff_k is None else tariff_k
                tariff_k[k] = tariff
                levied = True
            if risk is not None:  # by country pair: the rows of the market's buyers' countries
                risk_k = np.zeros(risk.shape) if risk_k is None else risk_k
                rows = market.buyer_countries
                risk_k[rows] = risk[rows]
        price = price[:, None, :]
        if any_premium:
            fob = np.where(self.cross, price * (1.0 + premium[:, None, :]), price)
        else:  # price * (1 + 0) is the price
            fob = np.empty(self.cross.shape)
            fob[...] = price
        cif = fob
        if levied:
            duty_c = np.where(self.cross, fob * duty[:, None, :], 0.0)
            cif = fob + duty_c
            if tariff_k is not None:
                cif = cif * np.where(self.cross, 1.0 + tariff_k.take(self.market_pair_cell), 1.0)
        abroad = cif + m.params.freight_usd_per_kg
        if risk_k is not None:
            abroad *= 1.0 + risk_k.take(self.pair_cell)
        home = cif / (1.0 + self.domestic_premium) if self.any_domestic_premium else cif
        seen = np.where(self.cross, abroad, home)
        ok = self.allowed
        for k, market in enumerate(markets):
            if market.tier == "concentrate":
                firm, s = market.c_firm_rows, self.sizes[k][1]
                # a separator values concentrate by its oxide content
                seen[k, firm, :s] = seen[k, firm, :s] / market.content_value()
            allowed = market.allowed_now()
            if allowed is not market.c_allowed:  # an embargo or mandate this month
                ok = ok.copy() if ok is self.allowed else ok
                ok[k, : len(market.classes), : self.sizes[k][1]] = allowed
        return np.where(ok, seen, np.inf), cif, ((fob, duty_c) if levied else None)

    def weights(self, landed: np.ndarray) -> np.ndarray:
        """(market, buyer, seller) choice weights from the markets' perceived landed costs by
        (market, class, seller) and their last month's supplier shares (what `TierMarket.prepare`
        computes market by market, cell by cell the same)."""
        p = self.markets[0].model.params
        n_s = self.n_sellers
        w_cls = choice_weights(landed.reshape(-1, n_s), p.logit_beta)  # one row per (market, class)
        penalty = self.markets[0].switch_penalty()
        return w_cls.take(self.buyer_row, axis=0) * loyalty_factor(self.shares, p.loyalty, penalty)

    def stack_quantities(self, allocs: list[Allocation]) -> np.ndarray:
        """The (market, buyer, seller) t of allocations made market by market (each buyer alone
        in its group), zero-padded as `allocate_markets` gives them."""
        quantity = np.zeros((len(self.markets), self.n_buyers, self.n_sellers))
        for k, alloc in enumerate(allocs):
            b, s = self.sizes[k]
            quantity[k, :b, :s] = alloc.group_t
        return quantity

    def settle(
        self,
        allocs: list[Allocation],
        quantity_t: np.ndarray,
        demand_t: list[np.ndarray],
        price: np.ndarray,
        levies: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> list[tuple[np.ndarray, np.ndarray] | None]:
        """Book the stacked markets' trades and remember their supplier shares, as
        `TierMarket.settle` does market by market; cell by cell the same sums, in the same
        order. `price` is what buyers pay per (market, class, seller), USD/kg; without `levies`
        it is what sellers receive, else `levies` is (received, duty): what sellers receive and
        what goes to the exporting state, USD/kg, the rest of the price being import tariff.
        Returns each market's (duty, tariff) USD per (class, seller) for
        `TierMarket.pay_levies` (None without levies): the states are paid market by market,
        in the order of the markets' deliveries."""
        n_m, n_b, n_s = quantity_t.shape
        n_k = len(self.markets[0].model.countries)
        kg = 1000.0
        demand = np.zeros((n_m, n_b))
        for k, asked in enumerate(demand_t):
            demand[k, : self.sizes[k][0]] = asked
        # per class: the sums of its buyers' rows, in buyer order
        sums = np.add.reduceat(quantity_t.reshape(-1, n_s), self.class_starts, axis=0)
        qc = np.zeros((n_m * self.n_classes, n_s))
        qc[self.class_cells] = sums[self.class_rows]
        qc = qc.reshape(n_m, self.n_classes, n_s)
        pay_c = qc * price * kg
        if levies is None:
            recv_c = pay_c
        else:
            received, duty = levies
            recv_c = qc * received * kg
            duty_c = qc * duty * kg
            tariff_c = pay_c - recv_c - duty_c
        n_bins = n_m * self.n_flow + 1
        qty = np.bincount(self.flow_bin, weights=qc.ravel(), minlength=n_bins)
        val = np.bincount(self.flow_bin, weights=recv_c.ravel(), minlength=n_bins)
        bought = np.add.reduce(quantity_t, axis=2)
        ordered = np.bincount(self.country_bin, weights=demand.ravel(), minlength=n_m * n_k + 1)
        filled = np.bincount(self.country_bin, weights=bought.ravel(), minlength=n_m * n_k + 1)
        sold = np.add.reduce(quantity_t, axis=1)
        receipts = np.add.reduce(recv_c, axis=1)
        member = (demand > 0).astype(float)  # each buyer alone in its group (negative demand: none)
        buyer_price = price.reshape(-1, n_s).take(self.buyer_row, axis=0)  # `price[market_index, buyer_class]`
        buyer_paid = np.add.reduce(quantity_t * buyer_price, axis=2) * kg * member
        # this month's shares by seller, for next month's loyalty
        # (the buyers that bought nothing keep their rows)
        np.divide(quantity_t, bought[:, :, None], out=self.shares, where=bought[:, :, None] > 1e-12)
        flow_shape = (n_k, n_k, len(CHANNELS))
        paid_levies: list[tuple[np.ndarray, np.ndarray] | None] = []
        for k, (market, alloc) in enumerate(zip(self.markets, allocs, strict=True)):
            b, s = self.sizes[k]
            n_c = len(market.classes)
            # each market's sums over its own cells (copied: laid out as `TierMarket._book` has them)
            paid_usd = float(pay_c[k, :n_c, :s].copy().sum())
            if levies is None:
                received_usd, duty_usd, tariff_usd = paid_usd, 0.0, 0.0
                paid_levies.append(None)
            else:
                duty_k, tariff_k = duty_c[k, :n_c, :s], tariff_c[k, :n_c, :s]
                received_usd = float(recv_c[k, :n_c, :s].copy().sum())
                duty_usd, tariff_usd = float(duty_k.copy().sum()), float(tariff_k.copy().sum())
                paid_levies.append((duty_k, tariff_k))
            flows = slice(k * self.n_flow, (k + 1) * self.n_flow)
            by_country = slice(k * n_k, (k + 1) * n_k)
            market.allocation = alloc
            alloc.__dict__["bought_t"] = market.bought_t = bought[k, :b]  # the cached `Allocation.bought_t`
            market.month = MonthBook(
                qty[flows].reshape(flow_shape),
                val[flows].reshape(flow_shape),
                paid_usd,
                received_usd,
                duty_usd,
                tariff_usd,
                ordered[by_country],
                filled[by_country],
            )
            market.sold_t = sold[k, :s]
            market.seller_receipts_usd = receipts[k, :s]
            market.buyer_paid_usd = buyer_paid[k, :b]
        return paid_levies


class SellerIndex:
    """The sellers of several markets in one list, market after market, as `(seller, tier)`,
    with the positions of firms and of smugglers in it and each market's range (fixed with the
    markets, which keep their sellers for the run)."""

    def __init__(self, markets: list[TierMarket]) -> None:
        self.pairs = [(s, market.tier) for market in markets for s in market.sellers]
        self.sizes = [len(market.sellers) for market in markets]
        ends = np.cumsum(self.sizes).tolist()
        self.bounds = list(zip([0, *ends[:-1]], ends, strict=True))
        self.firm_pos_list = [j for j, (s, _) in enumerate(self.pairs) if s.kind not in ("state", "smuggler")]
        self.firm_pos = np.array(self.firm_pos_list, dtype=np.int64)
        self.firms = [self.pairs[j] for j in self.firm_pos_list]
        self.smuggler_pos = [j for j, (s, _) in enumerate(self.pairs) if s.kind == "smuggler"]
