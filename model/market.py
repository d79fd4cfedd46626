"""One tier's monthly market, as array operations over a buyers x sellers matrix.

Buyers split their orders over the sellers they may buy from by a multinomial logit on relative
landed cost, with a loyalty bonus for last month's suppliers and a switching cost for new ones.
What a sold-out seller, or an exhausted export cap, cannot serve spills to the buyer's next
choices for a few rounds. No Python loop runs over buyers or buyer-seller pairs. Buyers that
share a row of weights can be cleared as one group (`allocate(..., group=...)`), which gives
each of them what clearing them one by one would, at the cost of the groups rather than of the
buyers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

EPS = 1e-9


@dataclass
class ExportCap:
    """A cap on what a group of sellers may ship to a group of buyers this month, t."""

    buyers: np.ndarray  # bool mask over buyers: those outside the exporting country
    sellers: np.ndarray  # int indices of the country's sellers subject to export rules
    cap_t: float
    key: tuple[str, str] = ("", "")  # (country, tier), for the rationing record
    requested_t: float = 0.0  # export applications: what buyers abroad would have taken from the group
    allowance_t: float = -1.0  # the cap at the start of the month (set from cap_t when built)
    shipped_t: float = 0.0

    def __post_init__(self) -> None:
        if self.allowance_t < 0:
            self.allowance_t = self.cap_t


class BuyerQuantities(np.lib.mixins.NDArrayOperatorsMixin):
    """A read-only, array-like (B, S) matrix of the tonnes each buyer bought from each seller,
    held as group rows times member shares (see `Allocation`).

    Indexing buyers (`q[i]`, `q[rows]`, `q[rows, sellers]`) builds only those rows, and sums
    over an axis come from the groups; anything else (`np.asarray(q)`, arithmetic, other
    methods) works on the full matrix, built once on first use. This spares a big market the
    (B, S) matrix that most months nobody reads.
    """

    def __init__(self, allocation: Allocation) -> None:
        self._a = allocation
        self.shape = (allocation.group.size, allocation.group_t.shape[1])
        self.ndim, self.size, self.dtype = 2, self.shape[0] * self.shape[1], np.dtype(float)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key: object) -> np.ndarray:
        if isinstance(key, tuple):
            if len(key) == 2 and key[0] is not Ellipsis:
                return self._a.rows(key[0])[..., key[1]]
            return self.toarray()[key]
        return self._a.rows(key)

    def sum(self, axis: int | None = None, **kwargs: object) -> np.ndarray | float:
        """Sums over buyers (axis 0), sellers (axis 1) or all, without the full matrix."""
        if kwargs:
            return self.toarray().sum(axis=axis, **kwargs)
        if axis in (0, -2):
            return self._a.sold_t
        if axis in (1, -1):
            return self._a.bought_t
        return float(self._a.group_t.sum())

    def toarray(self) -> np.ndarray:
        """The full (B, S) matrix."""
        return self._a.full_quantity_t

    def __array__(self, dtype: np.dtype | None = None, copy: bool | None = None) -> np.ndarray:
        full = self.toarray()
        return full.astype(dtype) if dtype is not None else (full.copy() if copy else full)

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: object, **kwargs: object) -> object:
        inputs = tuple(x.toarray() if isinstance(x, BuyerQuantities) else x for x in inputs)
        return getattr(ufunc, method)(*inputs, **kwargs)

    def __getattr__(self, name: str) -> object:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.toarray(), name)

    def __repr__(self) -> str:
        return f"BuyerQuantities(shape={self.shape}, groups={self._a.group_t.shape[0]})"


@dataclass
class Allocation:
    """Result of a market clearing: quantities and what sellers were asked for.

    Quantities are kept per group of buyers cleared together (see `allocate`): group g bought
    `group_t[g]`, and a member's part of it is its share of the group's demand, so that
    `quantity_t[b] = group_t[group[b]] * demand_t[b] / mass_t[group[b]]`. With one row of
    weights per buyer (`alone`) every buyer is its own group and `quantity_t` is `group_t`, an
    array; otherwise it is a `BuyerQuantities` that builds rows on demand.
    """

    asked_t: np.ndarray  # (S,) first-round orders on each seller
    demand_t: np.ndarray  # (B,) demand taken to the market (negative demand counts as none), t
    group: np.ndarray  # (B,) each buyer's group
    origin: np.ndarray  # (G,) the row of weights each group used
    group_t: np.ndarray  # (G, S) t each group bought from each seller
    mass_t: np.ndarray  # (G,) the group's demand, t
    caps: list[ExportCap] = field(default_factory=list)
    alone: bool = False  # every buyer is alone in its group, in buyer order

    @cached_property
    def member_share(self) -> np.ndarray:
        """(B,) each buyer's share of its group's demand (1 for a buyer alone in its group)."""
        if self.alone:
            return (self.demand_t > 0).astype(float)
        inv = np.divide(1.0, self.mass_t, out=np.zeros_like(self.mass_t), where=self.mass_t > 0)
        return self.demand_t * inv[self.group]

    @cached_property
    def bought_t(self) -> np.ndarray:
        """(B,) t each buyer bought."""
        if self.alone:
            return self.group_t.sum(axis=1)
        return self.group_t.sum(axis=1)[self.group] * self.member_share

    @property
    def sold_t(self) -> np.ndarray:
        """(S,) t each seller sold."""
        return self.group_t.sum(axis=0)

    def rows(self, buyers: int | slice | np.ndarray) -> np.ndarray:
        """Tonnes that the given buyer(s) bought from each seller."""
        if self.alone:
            return self.group_t[buyers]
        return self.group_t[self.group[buyers]] * np.asarray(self.member_share[buyers])[..., None]

    @cached_property
    def full_quantity_t(self) -> np.ndarray:
        """(B, S) t each buyer bought from each seller, as an array (built on first use)."""
        if self.alone:
            return self.group_t
        q = np.take(self.group_t, self.group, axis=0)
        q *= self.member_share[:, None]
        return q

    @property
    def quantity_t(self) -> np.ndarray | BuyerQuantities:
        """(B, S) t each buyer bought from each seller: an array when every buyer is alone in its
        group, else an array-like that builds only the rows asked for."""
        return self.group_t if self.alone else BuyerQuantities(self)


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


class _Groups:
    """Buyers cleared together (see `allocate`): each buyer's group and, per group, the row of
    weights it uses (`origin`), whether it falls under each export cap (`in_cap`), its demand
    (`mass`), what it bought (`quantity`), the demand it has left (`rest`) and whether it still
    orders (`live`). With `alone`, each buyer is its own group, in buyer order."""

    def __init__(
        self, group: np.ndarray, want: np.ndarray, n_rows: int, caps: list[ExportCap], n_sellers: int, alone: bool
    ) -> None:
        self.group, self.want, self.alone = group, want, alone
        self.origin = group if alone else np.arange(n_rows)  # alone: both are 0 .. B-1
        self.in_cap: list[np.ndarray] = []
        if caps and alone:  # no group to split: a buyer falls under a cap or not
            self.in_cap = [np.asarray(cap.buyers, dtype=bool) for cap in caps]
        elif caps:
            self._place(caps)
        self.mass = want if alone else np.bincount(self.group, weights=want, minlength=self.size)
        self.quantity = np.zeros((self.size, n_sellers))
        self.rest = self.mass.copy()
        self.live = np.ones(self.size, dtype=bool)
        self.shared: np.ndarray | None = None  # groups of more than one buyer, counted when needed
        self.want_min = 0.0  # the smallest positive demand of a buyer
        if not alone and want.size:
            smallest = float(np.min(want, where=want > 0, initial=np.inf))
            self.want_min = smallest if np.isfinite(smallest) else 0.0

    @property
    def size(self) -> int:
        return self.origin.size

    def _place(self, caps: list[ExportCap]) -> None:
        """Each cap's groups; a group whose buyers fall on both sides of a cap is split."""
        first = np.zeros(self.size, dtype=np.int64)  # a member of each group
        first[self.group[::-1]] = np.arange(self.group.size)[::-1]
        for cap in caps:
            buyers = np.asarray(cap.buyers, dtype=bool)
            in_cap = buyers[first]
            odd = buyers != in_cap[self.group]
            if odd.any():
                src = self._move(odd)
                in_cap = np.r_[in_cap, ~in_cap[src]]
                first = np.r_[first, np.zeros(src.size, dtype=np.int64)]
                first[self.group[odd][::-1]] = np.flatnonzero(odd)[::-1]
            self.in_cap.append(in_cap)

    def _move(self, move: np.ndarray) -> np.ndarray:
        """Move the flagged buyers into new groups, one per group they leave (which keep their
        row of weights and caps); returns the groups they left."""
        n = self.size
        src = np.flatnonzero(np.bincount(self.group[move], minlength=n))
        new_id = np.zeros(n, dtype=np.int64)
        new_id[src] = n + np.arange(src.size)
        self.group = self.group.copy()
        self.group[move] = new_id[self.group[move]]
        self.origin = np.r_[self.origin, self.origin[src]]
        self.in_cap = [np.r_[c, c[src]] for c in self.in_cap]
        return src

    def still_ordering(self) -> np.ndarray:
        """The groups whose buyers still want more than EPS (members with EPS or less left
        leave their group and stop ordering, as a buyer alone would)."""
        self.live &= self.rest > EPS
        if not self.alone:
            unsure = self.live & (self.want_min * self.rest <= EPS * self.mass)
            if unsure.any():
                self._drop_done_members(unsure)
        return self.live.nonzero()[0]

    def _drop_done_members(self, unsure: np.ndarray) -> None:
        if self.shared is None:
            self.shared = np.bincount(self.group, minlength=self.size) > 1
        unsure = unsure & self.shared
        if not unsure.any():
            return
        left = self.want * (self.rest / np.where(self.mass > 0, self.mass, 1.0))[self.group]
        on = left > EPS
        check = unsure[self.group] & (self.want > 0)
        n_on = np.bincount(self.group[check & on], minlength=self.size)
        n_all = np.bincount(self.group[check], minlength=self.size)
        self.live &= ~unsure | (n_on > 0)
        mixed = unsure & (n_on > 0) & (n_on < n_all)
        if not mixed.any():
            return
        n = self.size
        src = self._move(check & ~on & mixed[self.group])
        mass = np.bincount(self.group, weights=self.want, minlength=self.size)
        keep, gone = mass[src] / self.mass[src], mass[n:] / self.mass[src]
        self.quantity = np.vstack([self.quantity, self.quantity[src] * gone[:, None]])
        self.quantity[src] *= keep[:, None]
        self.rest = np.r_[self.rest, self.rest[src] * gone]
        self.rest[src] *= keep
        self.live = np.r_[self.live, np.zeros(src.size, dtype=bool)]
        self.mass = mass
        self.shared = np.bincount(self.group, minlength=self.size) > 1


def ship_under_cap(fill: np.ndarray, sub_rows: np.ndarray, cap: ExportCap) -> None:
    """Hold one round's fills (`fill`, rows × sellers, changed in place) of the buyers in
    `sub_rows` from the cap's sellers to what is left of the cap: record them as export
    applications, scale them down pro rata where they exceed the cap, and use up the cap."""
    idx = (sub_rows[:, None], cap.sellers)
    block = fill[idx]
    shipped = float(block.sum())
    if cap.cap_t > EPS:  # applications: what buyers abroad would take from capped sellers
        cap.requested_t += shipped
    if shipped > cap.cap_t:
        fill[idx] = block * (cap.cap_t / shipped) if shipped > 0 else 0.0
        shipped = cap.cap_t
    cap.cap_t = max(cap.cap_t - shipped, 0.0)
    cap.shipped_t += shipped


def allocate(
    weights: np.ndarray,
    demand_t: np.ndarray,
    offer_t: np.ndarray,
    rounds: int,
    caps: list[ExportCap] | None = None,
    open_sellers: np.ndarray | None = None,
    group: np.ndarray | None = None,
) -> Allocation:
    """Clear one tier: split each buyer's demand over sellers by `weights`, ration sold-out
    sellers and export caps proportionally, and let the unserved part spill for `rounds`.

    `weights` has one row per buyer or, with `group`, one row per group of buyers (buyer b uses
    row `group[b]`). Buyers that share a row, fall under the same export caps and still want
    more than EPS are served in proportion to their demand, so they are cleared together: the
    work grows with the number of groups, not of buyers. A group is split when its members part
    ways (some under a cap and some not; some with demand left and some without).

    `asked_t` is what buyers first ask of each seller; with `open_sellers` (sellers taking
    orders, e.g. producing firms with an empty store) it counts orders on those sellers too, so
    that a producer without stock learns of the demand it could serve."""
    caps = caps or []
    n_rows, n_sellers = weights.shape
    want = np.maximum(np.asarray(demand_t, dtype=float), 0.0)
    stock = np.maximum(np.asarray(offer_t, dtype=float), 0.0)
    alone = group is None
    buyer_group = np.arange(n_rows) if alone else np.asarray(group, dtype=np.int64)
    g = _Groups(buyer_group, want, n_rows, caps, n_sellers, alone)
    asked = np.zeros(n_sellers)
    ones = np.ones(n_sellers)
    for r in range(rounds):
        if r == 0:  # every group
            rows: slice | np.ndarray = slice(None)
            w_all = weights if g.size == n_rows else weights[g.origin]
        else:
            rows = g.still_ordering()
            if rows.size == 0:
                break
            w_all = weights[rows] if g.size == n_rows else weights[g.origin[rows]]
        has_stock = stock > EPS
        w = w_all * has_stock
        rest = g.rest[rows]
        capped = False  # an exhausted cap zeroed some of this round's weights
        if r == 0 and caps:  # applications to a cap already exhausted: all of them go unserved
            t0 = w.sum(axis=1)
            i0 = np.divide(1.0, t0, out=np.zeros(t0.size), where=t0 > 1e-200)
            for cap, in_cap in zip(caps, g.in_cap, strict=True):
                sub = in_cap.nonzero()[0]
                if cap.cap_t <= EPS and sub.size and cap.sellers.size:
                    cap.requested_t += float((w[sub[:, None], cap.sellers].sum(axis=1) * i0[sub] * g.rest[sub]).sum())
        for cap, in_cap in zip(caps, g.in_cap, strict=True):
            if cap.cap_t <= EPS and cap.sellers.size:
                sub = in_cap[rows].nonzero()[0]
                if sub.size:
                    w[sub[:, None], cap.sellers] = 0.0
                    capped = True
        total = w.sum(axis=1)
        inv = np.divide(1.0, total, out=np.zeros(total.size), where=total > 1e-200)
        order = (w * inv[:, None]) * rest[:, None]
        on_seller = order.sum(axis=0)
        if r == 0:
            asked = on_seller.copy()
            # orders on open sellers without stock: unless every open seller has stock and no cap
            # changed the weights, when they are the orders just placed
            if open_sellers is not None and (capped or (open_sellers & ~has_stock).any()):
                w_open = w_all * (open_sellers | has_stock)
                t_open = w_open.sum(axis=1)
                i_open = np.divide(1.0, t_open, out=np.zeros(t_open.size), where=t_open > 1e-200)
                asked = ((w_open * i_open[:, None]) * rest[:, None]).sum(axis=0)
        # where a seller is oversubscribed, stock / on_seller < 1, so no clipping at 1 is needed
        ratio = np.divide(stock, on_seller, out=ones.copy(), where=on_seller > stock)
        fill = order * ratio
        for cap, in_cap in zip(caps, g.in_cap, strict=True):
            if cap.sellers.size == 0:
                continue
            sub_rows = in_cap[rows].nonzero()[0]
            if sub_rows.size == 0:
                continue
            ship_under_cap(fill, sub_rows, cap)
        g.quantity[rows] += fill
        if r == rounds - 1:  # neither stock nor demand left is needed after the last round
            break
        stock = np.maximum(stock - fill.sum(axis=0), 0.0)
        g.rest[rows] = np.maximum(rest - fill.sum(axis=1), 0.0)
    return Allocation(asked, want, g.group, g.origin, g.quantity, g.mass, caps, alone=alone)


PAIRWISE_BLOCK = 128
"""numpy sums up to this many numbers in blocks of 8 partial sums, then the last n % 8 one by one."""


def stackable(n_sellers: list[int]) -> bool:
    """True if markets with these numbers of sellers can be allocated stacked by
    `allocate_markets` with the sums over sellers of `allocate`: padding a row of sellers with
    zeros then adds the zeros after its real terms, which holds when every count falls in the
    same block of 8 (numpy's pairwise sum takes the numbers in blocks of 8 and the rest one by
    one). Sums over buyers may still be taken in another order in the stacked array (numpy picks
    the order from the array's shape), a difference of float rounding only."""
    return bool(n_sellers) and max(n_sellers) <= PAIRWISE_BLOCK and len({n // 8 for n in n_sellers}) == 1


def allocate_markets(
    weights: np.ndarray,
    sizes: list[tuple[int, int]],
    demand_t: list[np.ndarray],
    offer_t: list[np.ndarray],
    rounds: int,
    caps: list[list[ExportCap]],
    open_sellers: list[np.ndarray | None],
) -> tuple[list[Allocation], np.ndarray]:
    """`allocate` for several independent markets at once, each with one row of weights per
    buyer: the markets are stacked, zero-padded to the largest, into (market, buyer, seller)
    arrays (`weights`; market k has `sizes[k]` = (buyers, sellers)), so that a round costs one
    array operation per step for all of them rather than one per market. Gives what `allocate`
    gives market by market, up to float rounding (see `stackable`; in the `history` world to the
    last bit, which a test checks): padded cells hold zeros, a buyer without demand left orders
    nothing, and sums over sellers add the zeros after the real terms. A market none of whose
    buyers can still buy does nothing in the rounds left, as in `allocate`; the rounds stop once
    that holds for all. Returns each market's `Allocation` and the stacked (market, buyer,
    seller) quantities, t."""
    w_all = weights
    n_m, n_b, n_s = weights.shape
    want = np.zeros((n_m, n_b))
    stock = np.zeros((n_m, n_s))
    taking = np.zeros((n_m, n_s), dtype=bool)  # open sellers (none where a market gives none)
    for k, (b, s) in enumerate(sizes):
        want[k, :b] = demand_t[k]
        stock[k, :s] = offer_t[k]
        if open_sellers[k] is not None:
            taking[k, :s] = open_sellers[k]
    want = np.maximum(want, 0.0)  # negative demand counts as none
    stock = np.maximum(stock, 0.0)
    # each market's caps with their buyer masks padded to the stacked buyers
    cap_list: list[tuple[int, ExportCap, np.ndarray]] = []
    for k, market_caps in enumerate(caps):
        for cap in market_caps:
            mask = np.zeros(n_b, dtype=bool)
            mask[: sizes[k][0]] = np.asarray(cap.buyers, dtype=bool)
            cap_list.append((k, cap, mask))
    quantity = np.zeros((n_m, n_b, n_s))
    rest = want.copy()
    live = np.ones((n_m, n_b), dtype=bool)
    asked = np.zeros((n_m, n_s))
    reduce = np.add.reduce
    for r in range(rounds):
        has_stock = stock > EPS
        w = w_all * has_stock[:, None, :]
        if r:
            live &= rest > EPS
            ordering = rest * live  # a buyer with EPS or less left stops ordering
        else:
            ordering = rest
        capped = [False] * n_m  # an exhausted cap zeroed some of this round's weights
        if r == 0 and cap_list:  # applications to a cap already exhausted: all of them go unserved
            for k, cap, in_cap in cap_list:
                sub = in_cap.nonzero()[0]
                if cap.cap_t <= EPS and sub.size and cap.sellers.size:
                    w_k = w[k]
                    t0 = reduce(w_k, axis=1)
                    i0 = np.divide(1.0, t0, out=np.zeros(t0.size), where=t0 > 1e-200)
                    cap.requested_t += float(
                        (w_k[sub[:, None], cap.sellers].sum(axis=1) * i0[sub] * rest[k, sub]).sum()
                    )
        for k, cap, in_cap in cap_list:
            if cap.cap_t <= EPS and cap.sellers.size:
                sub = (in_cap & live[k]).nonzero()[0]
                if sub.size:
                    w[k, sub[:, None], cap.sellers] = 0.0
                    capped[k] = True
        total = reduce(w, axis=2)
        reach = total > 1e-200
        if r and not (reach & live).any():  # nothing left to fill: the rounds left are no-ops
            break
        inv = np.divide(1.0, total, out=np.zeros(total.shape), where=reach)
        order = (w * inv[:, :, None]) * ordering[:, :, None]
        on_seller = reduce(order, axis=1)
        if r == 0:
            asked = on_seller.copy()
            # orders on open sellers without stock: unless every open seller has stock and no cap
            # changed the weights, when they are the orders just placed
            waiting = (taking & ~has_stock).any(axis=1).tolist()  # open sellers without stock
            for k, open_k in enumerate(open_sellers):
                if open_k is None:
                    continue
                s = sizes[k][1]
                if capped[k] or waiting[k]:
                    w_open = w_all[k, :, :s] * (open_k | has_stock[k, :s])
                    t_open = reduce(w_open, axis=1)
                    i_open = np.divide(1.0, t_open, out=np.zeros(t_open.size), where=t_open > 1e-200)
                    asked[k, :s] = reduce((w_open * i_open[:, None]) * rest[k][:, None], axis=0)
        # where a seller is oversubscribed, stock / on_seller < 1, so no clipping at 1 is needed
        short = on_seller > stock
        if short.any():
            fill = order * np.divide(stock, on_seller, out=np.ones(stock.shape), where=short)[:, None, :]
        else:  # every order is filled: order * 1 is the order
            fill = order
        for k, cap, in_cap in cap_list:
            if cap.sellers.size == 0:
                continue
            sub_rows = (in_cap & live[k]).nonzero()[0]
            if sub_rows.size == 0:
                continue
            ship_under_cap(fill[k], sub_rows, cap)  # fill[k] is a view: the cut lands in `fill`
        quantity += fill
        if r == rounds - 1:  # neither stock nor demand left is needed after the last round
            break
        stock = np.maximum(stock - reduce(fill, axis=1), 0.0)
        rest = np.maximum(rest - reduce(fill, axis=2), 0.0)
    out = []
    for k, (b, s) in enumerate(sizes):
        buyers = np.arange(b)
        want_k = want[k, :b]
        q_k = quantity[k, :b, :s].copy()
        out.append(Allocation(asked[k, :s], want_k, buyers, buyers, q_k, want_k, caps[k], alone=True))
    return out, quantity


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
    spare: np.ndarray | None = None,
    spare_tolerance: float = 0.15,
    market_price: float | np.ndarray = 0.0,
    dumping: np.ndarray | None = None,
    idle_cut_sold_share: float = 0.0,
) -> np.ndarray:
    """Sellers' asking prices for next month, USD/kg.

    A seller that sold out while producing near capacity raises its price in proportion to the
    orders it could not serve; one whose stock exceeds its target, or whose capacity stands idle
    (spare share above `spare_tolerance`) while it did not sell out, cuts it in proportion to
    the excess; otherwise the price drifts toward cost times the target markup. A seller that sold
    at most `idle_cut_sold_share` of its offer cuts by the larger of its overstock and its idle
    capacity (a stock a little above target must not hide a plant standing idle), and a seller
    cutting from above cost times the target markup cuts at least as fast as the drift would take
    it there. A state-directed (`dumping`) seller with output to spare never raises its price and
    walks it down to its floor to win share. The result stays within
    [cost * floor_markup, cost * max_markup].
    """
    # np.minimum(np.maximum(x, lo), hi) is np.clip(x, lo, hi) (the bounds here are never zero), without
    # np.clip's overhead on these short arrays; with no seller dumping, the dumping terms drop out
    spare = np.zeros_like(price) if spare is None else spare
    dumping = dumping if dumping is not None and dumping.any() else None
    empty = offered_t <= 1e-6
    sold_out = empty | (sold_t >= offered_t * 0.999)
    empty_but_asked = empty & (asked_t > 1e-6)  # orders it had nothing to serve from
    busy = spare <= spare_tolerance  # a seller with idle capacity answers orders with output, not price
    idle = np.maximum(spare - spare_tolerance, 0.0)
    excess_orders = np.divide(asked_t - offered_t, offered_t, out=np.zeros(price.shape), where=offered_t > EPS)
    overstock = np.divide(stock_t, target_stock_t, out=np.zeros(price.shape), where=target_stock_t > EPS) - 1.0
    rising = sold_out & busy & (excess_orders > 0)
    if dumping is not None:
        # a state-directed seller bids for share only with output to spare: one that sold out at
        # capacity, orders still unserved, has no share to win by a lower price and prices like the rest
        dumping = dumping & ~rising
        dumping = dumping if dumping.any() else None
    if dumping is None:
        up = np.where(rising, np.minimum(step_max, gain * excess_orders), 0.0)
        up = np.where(empty_but_asked, step_max, up)
    else:
        free = ~dumping
        up = np.where(rising & free, np.minimum(step_max, gain * excess_orders), 0.0)
        up = np.where(empty_but_asked & free, step_max, up)
    idle_cut = np.where(sold_out, 0.0, idle)
    slack = np.where(overstock > 0, overstock, idle_cut)
    # a seller that sold (almost) nothing of its offer cuts for its idle plant too, not only for the
    # stock it holds above target
    sold_nothing = ~empty & (sold_t <= idle_cut_sold_share * offered_t)
    slack = np.where(sold_nothing, np.maximum(slack, idle_cut), slack)
    down = np.where(slack > 0, np.minimum(step_max, gain * slack), 0.0)
    # a cutting seller above its target price cuts at least as fast as a calm one would drift there
    target_ratio = cost * target_markup / np.maximum(price, EPS)  # the target price over the price
    pull = drift * (1.0 - target_ratio)
    down = np.where((down > 0) & (pull > down), np.minimum(pull, step_max), down)
    if dumping is not None:
        # a state-directed seller bids for market share: it walks its price down to its floor
        down = np.where(dumping, step_max, down)
    calm = (up == 0) & (down == 0)
    drift = np.where(calm, drift * (target_ratio - 1.0), 0.0)
    drift = np.minimum(np.maximum(drift, -step_max), step_max)
    new = price * (1.0 + up - down + drift)
    # a seller with nothing to offer, and no orders, moves its ask toward the market (its market's
    # price index: one for all sellers, or one per seller)
    if np.ndim(market_price) == 0:
        moving = (empty & ~empty_but_asked) if market_price > 0 else None
    else:
        moving = empty & ~empty_but_asked & (market_price > 0)
    if moving is not None:
        toward = np.minimum(np.maximum(market_price - price, -step_max * price), step_max * price)
        new = np.where(moving, price + toward, new)
    return np.minimum(np.maximum(new, cost * floor_markup), cost * max_markup)
