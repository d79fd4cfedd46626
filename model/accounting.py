"""Accounting invariants (DESIGN section 7), checked after every month of every run.

Mass, per tier: stocks held at the end = stocks at the start + output - used - seized, where
'used' is feed separated, oxide turned into magnets, and customers' consumption. Market: what
sellers sold equals what buyers bought. Money: what buyers paid equals what sellers received
plus export duties and import tariffs. No negative stock, capacity or price; nothing NaN.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from model.goods import TIERS

if TYPE_CHECKING:
    from model.model import RareEarthModel


class AccountingError(AssertionError):
    """An invariant of the books failed; the message names the month, tier and amounts."""


def holdings(m: RareEarthModel) -> dict[str, float]:
    """Tonnes of each tier held by anyone: firms' stocks and inputs, smugglers, states, customers."""
    h = {t: 0.0 for t in TIERS}
    for f in m.firms:
        for t, q in f.inventory_t.items():
            h[t] += q
        if f.kind == "refiner":
            h["concentrate"] += f.feed_t
        elif f.kind == "magnet_maker":
            for t, q in f.input_t.items():
                h[t] += q
    for s in m.smugglers:
        h[s.tier] += s.stock_t
    for st in m.state_list:
        for t, q in st.stock_t.items():
            h[t] += q
    book = m.customers
    for t in ("concentrate", "magnet"):
        h[t] += float(book.inventory_t[book.rows_of_tier[t]].sum())
    return h


def month_flows(m: RareEarthModel) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """Output, use and seizures of each tier in the month just ended, t."""
    out = {t: 0.0 for t in TIERS}
    used = {t: 0.0 for t in TIERS}
    seized = {t: 0.0 for t in TIERS}
    for f in m.firms:
        if f.kind == "miner":
            out["concentrate"] += f.output_t
        elif f.kind == "refiner":
            used["concentrate"] += f.output_t
            for t, q in f.oxide_output_t.items():
                out[t] += q
        else:
            out["magnet"] += f.output_t
            used["ndpr_oxide"] += f.input_used_t["ndpr_oxide"]
            used["dytb_oxide"] += f.input_used_t["dytb_oxide"]
    for s in m.smugglers:
        seized[s.tier] += s.seized_t
    book = m.customers
    consumed = book.need_t - book.unmet_t
    for t in ("concentrate", "magnet"):
        used[t] += float(consumed[book.rows_of_tier[t]].sum())
    return out, used, seized


def _close(a: float, b: float, scale: float) -> bool:
    return abs(a - b) <= 1e-7 * max(1.0, scale)


def check_month(m: RareEarthModel) -> None:
    """Raise AccountingError if any invariant fails for the month just ended."""
    now = holdings(m)
    before = m.holdings_before
    out, used, seized = month_flows(m)
    # the price check of all tiers at once; only when it fails, tier by tier below to name the tier
    prices_all = np.concatenate([m.markets[t].price for t in TIERS])
    prices_ok = not prices_all.size or bool(prices_all.min() > 0 and prices_all.max() < math.inf)
    for t in TIERS:
        expected = before[t] + out[t] - used[t] - seized[t]
        if not _close(now[t], expected, before[t] + out[t]):
            raise AccountingError(
                f"{m.date} {t}: mass does not balance: held {now[t]:.6f} t, expected {expected:.6f} t "
                f"(start {before[t]:.6f} + output {out[t]:.6f} - used {used[t]:.6f} - seized {seized[t]:.6f})"
            )
        if now[t] < -1e-6:
            raise AccountingError(f"{m.date} {t}: negative stock {now[t]:.6f} t")
        mb = m.markets[t].month
        sold = float(m.markets[t].sold_t.sum())
        bought = float(m.markets[t].bought_t.sum())
        if not _close(sold, bought, sold):
            raise AccountingError(f"{m.date} {t}: sellers sold {sold:.6f} t but buyers bought {bought:.6f} t")
        if not _close(mb.paid_usd, mb.received_usd + mb.duty_usd + mb.tariff_usd, mb.paid_usd):
            raise AccountingError(
                f"{m.date} {t}: buyers paid {mb.paid_usd:.2f} USD, sellers received {mb.received_usd:.2f}, "
                f"duties {mb.duty_usd:.2f}, tariffs {mb.tariff_usd:.2f}"
            )
        prices = m.markets[t].price
        if not prices_ok and prices.size and not (prices.min() > 0 and prices.max() < math.inf):
            raise AccountingError(f"{m.date} {t}: a seller's price is not a positive number: {prices.min()}")
    # all firms at once; only when something fails, firm by firm to name the firm
    firms = m.firms
    capacities = [f.capacity_t for f in firms]
    stocks = [q for f in firms for q in f.inventory_t.values()]
    values = [
        *capacities,
        *[f.cash_usd for f in firms],
        *[f.output_t for f in firms],
        *stocks,
        *[x for f in firms for x in f.price.values()],
    ]
    if not all(map(math.isfinite, values)) or min(capacities, default=0.0) < 0 or min(stocks, default=0.0) < -1e-6:
        for f in m.firms:
            vals = [f.capacity_t, f.cash_usd, f.output_t, *f.inventory_t.values(), *f.price.values()]
            if not all(map(math.isfinite, vals)) or f.capacity_t < 0 or min(f.inventory_t.values()) < -1e-6:
                raise AccountingError(f"{m.date} {f.name}: a negative or non-finite capacity, stock, cash or price")
    book = m.customers
    if (book.inventory_t < -1e-6).any() or not np.isfinite(book.inventory_t).all():
        raise AccountingError(f"{m.date}: a customer's inventory is negative or not finite")
    m.holdings_before = now
