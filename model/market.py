"""One tier's monthly market, as array operations over a buyers x sellers matrix.

Buyers split their orders over the sellers they may buy from by a multinomial logit on relative
landed cost, with a loyalty bonus for last month's suppliers and a switching cost for new ones.
What a sold-out seller, or an exhausted export cap, cannot serve spills to the buyer's next
choices for a few rounds. No Python loop runs over buyer-seller pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

EPS = 1e-9


@dataclass
class ExportCap:
    """A cap on what a group of sellers may ship to a group of buyers this month, t."""

    buyers: np.ndarray  # bool mask over buyers: those outside the exporting country
    sellers: np.ndarray  # int indices of the country's sellers subject to export rules
    cap_t: float
    key: tuple[str, str] = ("", "")  # (country, tier), for the rationing record
    requested_t: float = 0.0  # first-round export orders on the group
    shipped_t: float = 0.0


@dataclass
class Allocation:
    """Result of a market clearing: quantities and what sellers were asked for."""

    quantity_t: np.ndarray  # (B, S)
    asked_t: np.ndarray  # (S,) first-round orders on each seller
    caps: list[ExportCap] = field(default_factory=list)


def choice_weights(landed_cost: np.ndarray, beta: float) -> np.ndarray:
    """Logit weights from landed costs (inf = not allowed), relative to each row's cheapest.

    Works on any (rows, S) matrix; callers compute it per buyer class and gather per buyer.
    """
    allowed = np.isfinite(landed_cost)
    safe = np.where(allowed, landed_cost, np.inf)
    best = safe.min(axis=1, keepdims=True)
    best = np.where(np.isfinite(best) & (best > 0), best, 1.0)
    rel = np.where(allowed, safe / best - 1.0, 0.0)
    return np.where(allowed, np.exp(np.maximum(-beta * rel, -50.0)), 0.0)


def loyalty_factor(last_share: np.ndarray, loyalty: float, switch_penalty: float) -> np.ndarray:
    """Multiplier on choice weights: (1 + loyalty * share) for last month's suppliers and
    exp(-beta * switching cost) for the others (`switch_penalty` is that exponential)."""
    return np.where(last_share > 0, 1.0 + loyalty * last_share, switch_penalty)


def allocate(
    weights: np.ndarray,
    demand_t: np.ndarray,
    offer_t: np.ndarray,
    rounds: int,
    caps: list[ExportCap] | None = None,
) -> Allocation:
    """Clear one tier: split each buyer's demand over sellers by `weights`, ration sold-out
    sellers and export caps proportionally, and let the unserved part spill for `rounds`."""
    caps = caps or []
    n_buyers, n_sellers = weights.shape
    quantity = np.zeros((n_buyers, n_sellers))
    want = np.maximum(demand_t, 0.0).astype(float)
    stock = np.maximum(offer_t, 0.0).astype(float)
    asked = np.zeros(n_sellers)
    rows = np.arange(n_buyers)
    w_all = weights
    for r in range(rounds):
        if r > 0:
            rows = np.flatnonzero(want > EPS)
            if rows.size == 0:
                break
            w_all = weights[rows]
        w = w_all * (stock > EPS)
        for cap in caps:
            if cap.cap_t <= EPS and cap.sellers.size:
                sub = np.flatnonzero(cap.buyers[rows])
                if sub.size:
                    w[np.ix_(sub, cap.sellers)] = 0.0
        total = w.sum(axis=1)
        inv = np.divide(1.0, total, out=np.zeros(rows.size), where=total > 1e-200)
        order = (w * inv[:, None]) * want[rows][:, None]
        on_seller = order.sum(axis=0)
        if r == 0:
            asked = on_seller.copy()
        ratio = np.divide(stock, on_seller, out=np.ones(n_sellers), where=on_seller > stock)
        fill = order * np.minimum(ratio, 1.0)
        for cap in caps:
            if cap.sellers.size == 0:
                continue
            sub_rows = np.flatnonzero(cap.buyers[rows])
            if sub_rows.size == 0:
                continue
            idx = np.ix_(sub_rows, cap.sellers)
            block = fill[idx]
            shipped = block.sum()
            if r == 0:
                cap.requested_t += order[idx].sum()
            if shipped > cap.cap_t:
                fill[idx] = block * (cap.cap_t / shipped) if shipped > 0 else 0.0
                shipped = cap.cap_t
            cap.cap_t = max(cap.cap_t - shipped, 0.0)
            cap.shipped_t += shipped
        quantity[rows] += fill
        stock = np.maximum(stock - fill.sum(axis=0), 0.0)
        want[rows] = np.maximum(want[rows] - fill.sum(axis=1), 0.0)
    return Allocation(quantity_t=quantity, asked_t=asked, caps=caps)


def update_prices(
    price: np.ndarray,
    cost: np.ndarray,
    floor_markup: np.ndarray,
    asked_t: np.ndarray,
    offered_t: np.ndarray,
    sold_t: np.ndarray,
    stock_t: np.ndarray,
    target_stock_t: np.ndarray,
    gain: float,
    step_max: float,
    target_markup: float,
    max_markup: float,
    drift: float,
) -> np.ndarray:
    """Sellers' asking prices for next month, USD/kg.

    A seller that sold out raises its price in proportion to the orders it could not serve; one
    whose stock exceeds its target cuts it in proportion to the excess; otherwise the price
    drifts toward cost times the target markup. The result stays within
    [cost * floor_markup, cost * max_markup].
    """
    sold_out = (offered_t > EPS) & (sold_t >= offered_t * 0.999)
    excess_orders = np.divide(asked_t - offered_t, offered_t, out=np.zeros_like(price), where=offered_t > EPS)
    overstock = np.divide(stock_t, target_stock_t, out=np.zeros_like(price), where=target_stock_t > EPS) - 1.0
    up = np.where(sold_out & (excess_orders > 0), np.minimum(step_max, gain * excess_orders), 0.0)
    down = np.where(~sold_out & (overstock > 0), np.minimum(step_max, gain * overstock), 0.0)
    drift = np.where(~sold_out & (overstock <= 0), drift * (cost * target_markup / np.maximum(price, EPS) - 1.0), 0.0)
    drift = np.clip(drift, -step_max, step_max)
    new = price * (1.0 + up - down + drift)
    return np.clip(new, cost * floor_markup, cost * max_markup)
