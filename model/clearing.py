"""The monthly market of one tier: who may buy from whom, at what landed cost, and the books.

Buyers are grouped into classes (same country, role, sector, grade need and domestic premium)
that share a landed-cost row; per-buyer loyalty multiplies the class's logit weights. Clearing
itself is `model.market.allocate`; this module builds its inputs and books its result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from model.goods import SECTORS
from model.market import Allocation, ExportCap, allocate, choice_weights, loyalty_factor, update_prices

if TYPE_CHECKING:
    from model.model import RareEarthModel

CHANNELS = ("legal", "smuggled", "stockpile")
ROLE_FIRM, ROLE_CUSTOMER, ROLE_SMUGGLER, ROLE_STATE = 0, 1, 2, 3


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

    def __init__(self, model: RareEarthModel, tier: str, sellers: list[Any], buyers: list[Any], customer_rows: np.ndarray) -> None:
        self.model = model
        self.tier = tier
        self.sellers = sellers
        k = model.country_index
        self.s_country = np.array([k[s.country] for s in sellers], dtype=np.int64)
        self.s_smuggler = np.array([s.kind == "smuggler" for s in sellers], dtype=bool)
        self.s_state = np.array([s.kind == "state" for s in sellers], dtype=bool)
        self.s_illegal = np.array([bool(getattr(s, "illegal", False)) for s in sellers], dtype=bool)
        self.s_grade = np.array([s.grade if s.kind != "state" else 0.99999 for s in sellers], dtype=float)
        self.price = np.array([max(s.price.get(tier, 0.0), 0.01) for s in sellers], dtype=float)
        # buyers: non-customer agents first, then customer rows, sorted by class
        book = model.customers
        roles, countries, sectors, grades, prem, ids = [], [], [], [], [], []
        for b in buyers:
            roles.append({"smuggler": ROLE_SMUGGLER, "state": ROLE_STATE}.get(b.kind, ROLE_FIRM))
            countries.append(k[b.country])
            sectors.append(-1)
            grades.append(0.0)
            prem.append(0.0)
            ids.append(-1)
        for r in customer_rows:
            roles.append(ROLE_CUSTOMER)
            countries.append(int(book.country[r]))
            sectors.append(int(book.sector[r]))
            grades.append(float(book.grade_min[r]))
            prem.append(float(book.domestic_premium[r]))
            ids.append(int(r))
        key = np.array([roles, countries, sectors, grades, prem], dtype=float).T if roles else np.zeros((0, 5))
        classes, cls = (np.unique(key, axis=0, return_inverse=True) if len(key) else (np.zeros((0, 5)), np.zeros(0, np.int64)))
        order = np.argsort(cls, kind="stable")
        self.agents = [buyers[i] if i < len(buyers) else None for i in order]
        self.b_customer_row = np.array(ids, dtype=np.int64)[order]
        self.b_class = cls.reshape(-1)[order]
        self.b_country = np.array(countries, dtype=np.int64)[order]
        self.classes = classes
        self.class_starts = np.flatnonzero(np.r_[True, np.diff(self.b_class) != 0]) if self.b_class.size else np.zeros(0, np.int64)
        self.is_customer = self.b_customer_row >= 0
        self.cust_pos = np.flatnonzero(self.is_customer)
        self.cust_rows = self.b_customer_row[self.is_customer]
        self.agent_pos = np.flatnonzero(~self.is_customer)
        self.last_share = np.zeros((len(self.agents), len(sellers)))
        self.month: MonthBook | None = None
        self.allocation: Allocation | None = None

    # --- landed costs ------------------------------------------------------------------------
    def class_matrices(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per buyer class and seller: perceived landed cost (inf = not allowed), USD/kg paid by
        the buyer, USD/kg received by the seller, and USD/kg going to the exporting state."""
        m = self.model
        p = m.params
        tier = self.tier
        n_cls, n_s = len(self.classes), len(self.sellers)
        states = m.state_list
        premium = np.array([states[c].policy.export_premium.get(tier, 0.0) for c in self.s_country])
        duty = np.array([states[c].policy.export_duty.get(tier, 0.0) for c in self.s_country])
        premium[self.s_smuggler | self.s_state] = 0.0
        duty[self.s_smuggler | self.s_state] = 0.0
        content = self.content_value() if tier == "concentrate" else None
        perceived = np.full((n_cls, n_s), np.inf)
        paid = np.zeros((n_cls, n_s))
        received = np.zeros((n_cls, n_s))
        duty_usd = np.zeros((n_cls, n_s))
        for c, (role, country, sector, grade_min, dom_prem) in enumerate(self.classes):
            country, role, sector = int(country), int(role), int(sector)
            pol = states[country].policy
            cross = self.s_country != country
            fob = np.where(cross, self.price * (1.0 + premium), self.price)
            duty_c = np.where(cross, fob * duty, 0.0)
            tariff = np.array([pol.import_tariff.get((m.countries[o], tier), 0.0) for o in self.s_country])
            cif = (fob + duty_c) * np.where(cross, 1.0 + tariff, 1.0)
            risk = np.array([pol.risk_premium.get(m.countries[o], 0.0) for o in self.s_country])
            seen = np.where(cross, (cif + p.freight_usd_per_kg) * (1.0 + risk), cif / (1.0 + dom_prem))
            if content is not None and role == ROLE_FIRM:
                seen = seen / content  # a separator values concentrate by its oxide content
            ok = self.s_grade >= grade_min - 1e-12
            ok &= ~(self.s_smuggler & ~cross)  # smugglers sell abroad only
            ok &= ~(self.s_illegal & cross)  # illegal output stays at home
            ok &= ~(self.s_state & (cross | (role in (ROLE_STATE, ROLE_SMUGGLER))))
            if role == ROLE_SMUGGLER:
                ok &= ~cross & ~self.s_smuggler & ~self.s_state
            for s_idx in np.flatnonzero(ok & cross & ~self.s_smuggler):
                if states[self.s_country[s_idx]].policy.embargoed(m.countries[country], tier, m.month):
                    ok[s_idx] = False
            if role == ROLE_CUSTOMER:
                for sec, origin, t in pol.mandates:
                    if t == tier and SECTORS.index(sec) == sector:
                        ok &= self.s_country != m.country_index[origin]
            perceived[c] = np.where(ok, seen, np.inf)
            paid[c] = cif
            received[c] = fob
            duty_usd[c] = duty_c
        return perceived, paid, received, duty_usd

    def content_value(self) -> np.ndarray:
        """Each concentrate seller's oxide content valued at last month's oxide prices,
        relative to the sellers' mean (1 = average concentrate)."""
        m = self.model
        nd, dy = m.concentrate_content(self)
        value = nd * m.last_price_index.get("ndpr_oxide", 30.0) + dy * m.last_price_index.get("dytb_oxide", 150.0)
        mean = value.mean() if value.size and value.mean() > 0 else 1.0
        return np.maximum(value / mean, 1e-3)

    def export_caps(self) -> list[ExportCap]:
        """Export quotas and licence regimes of the sellers' states, as caps for this month."""
        m = self.model
        caps = []
        for c in np.unique(self.s_country):
            pol = m.state_list[c].policy
            cap = m.export_allowance_t(m.state_list[c], self.tier)
            if cap is None:
                continue
            sellers = np.flatnonzero((self.s_country == c) & ~self.s_smuggler & ~self.s_state)
            caps.append(ExportCap(buyers=self.b_country != c, sellers=sellers, cap_t=cap, key=(m.countries[c], self.tier)))
            del pol
        return caps

    # --- clearing ------------------------------------------------------------------------------
    def clear(self, demand_t: np.ndarray, offer_t: np.ndarray) -> Allocation:
        """Clear the month and book the trades."""
        m = self.model
        p = m.params
        perceived, paid, received, duty = self.class_matrices()
        w_cls = choice_weights(perceived, p.logit_beta)
        switch = float(np.exp(-p.logit_beta * p.switching_cost_frac))
        weights = w_cls[self.b_class] * loyalty_factor(self.last_share, p.loyalty, switch)
        caps = self.export_caps()
        alloc = allocate(weights, demand_t, offer_t, p.spill_rounds, caps)
        q = alloc.quantity_t
        bought = q.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(bought[:, None] > 1e-12, q / bought[:, None], 0.0)
        had = bought > 1e-12
        self.last_share[had] = share[had]
        self.allocation = alloc
        self._book(q, demand_t, bought, paid, received, duty)
        return alloc

    def _book(self, q: np.ndarray, demand_t: np.ndarray, bought: np.ndarray, paid: np.ndarray, received: np.ndarray, duty: np.ndarray) -> None:
        m = self.model
        n_k = len(m.countries)
        if q.size and len(self.class_starts):
            qc = np.add.reduceat(q, self.class_starts, axis=0)
            cls_of_block = self.b_class[self.class_starts]
        else:
            qc = np.zeros((0, len(self.sellers)))
            cls_of_block = np.zeros(0, np.int64)
        kg = 1000.0
        pay_c = qc * paid[cls_of_block] * kg
        recv_c = qc * received[cls_of_block] * kg
        duty_c = qc * duty[cls_of_block] * kg
        tariff_c = pay_c - recv_c - duty_c
        dest = self.classes[cls_of_block, 1].astype(np.int64) if len(cls_of_block) else np.zeros(0, np.int64)
        role = self.classes[cls_of_block, 0].astype(np.int64) if len(cls_of_block) else np.zeros(0, np.int64)
        channel = np.where(self.s_smuggler[None, :], 1, 0) * np.ones((len(cls_of_block), 1), dtype=np.int64)
        channel = np.where(self.s_state[None, :] | (role[:, None] == ROLE_STATE), 2, channel)
        origin = np.broadcast_to(self.s_country[None, :], qc.shape)
        dst = np.broadcast_to(dest[:, None], qc.shape)
        qty = np.zeros((n_k, n_k, 3))
        val = np.zeros((n_k, n_k, 3))
        np.add.at(qty, (origin.ravel(), dst.ravel(), channel.ravel()), qc.ravel())
        np.add.at(val, (origin.ravel(), dst.ravel(), channel.ravel()), recv_c.ravel())
        ordered = np.bincount(self.b_country, weights=demand_t, minlength=n_k)
        filled = np.bincount(self.b_country, weights=bought, minlength=n_k)
        self.month = MonthBook(qty, val, float(pay_c.sum()), float(recv_c.sum()), float(duty_c.sum()), float(tariff_c.sum()), ordered, filled)
        # per-seller receipts and per-buyer payments
        self.sold_t = q.sum(axis=0)
        self.seller_receipts_usd = recv_c.sum(axis=0)
        self.buyer_paid_usd = (q * paid[self.b_class]).sum(axis=1) * kg if q.size else np.zeros(0)
        self.bought_t = bought
        # duties and tariffs go to the states
        for c in range(n_k):
            exp_duty = float(duty_c[:, self.s_country == c].sum()) if duty_c.size else 0.0
            if exp_duty:
                m.state_list[c].receive("export_duty", exp_duty)
        for i, c in enumerate(dest):
            t = float(tariff_c[i].sum())
            if t:
                m.state_list[c].receive("import_tariff", t)

    def reprice(self, cost: np.ndarray, floor_markup: np.ndarray, stock_after: np.ndarray, target_stock: np.ndarray, offered: np.ndarray) -> np.ndarray:
        """Sellers' prices for next month from this month's orders, sales and stock."""
        p = self.model.params
        assert self.allocation is not None
        self.price = update_prices(
            self.price,
            cost,
            floor_markup,
            self.allocation.asked_t,
            offered,
            self.sold_t,
            stock_after,
            target_stock,
            p.price_gain,
            p.price_step_max,
            p.target_markup,
            p.max_markup,
            p.price_drift,
        )
        return self.price
