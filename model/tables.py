"""The output contract: `series`, `flows`, `events` and `agents`, each with run_id and seed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from model.clearing import CHANNELS
from model.goods import TIERS

if TYPE_CHECKING:
    from model.model import RareEarthModel

SERIES_COLUMNS = [
    "run_id", "seed", "date", "step",
    "price_concentrate", "price_ndpr_oxide", "price_dytb_oxide", "price_magnet",
    "output_concentrate_t", "output_ndpr_oxide_t", "output_dytb_oxide_t", "output_magnet_t",
    "china_share_mining", "china_share_refining", "china_share_magnets",
    "smuggled_t", "unmet_demand_t",
]  # fmt: skip
FLOWS_COLUMNS = ["run_id", "seed", "date", "tier", "origin", "destination", "channel", "quantity_t", "value_usd"]
EVENTS_COLUMNS = ["run_id", "seed", "date", "kind", "actor", "country", "detail"]
AGENTS_COLUMNS = [
    "run_id", "seed", "date", "agent_id", "name", "type", "country", "status",
    "capacity_t", "output_t", "unit_cost", "price", "cash",
]  # fmt: skip
HOME = "CHN"  # the output contract reports China's shares


def _text_column(values: Sequence[str], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """The column `values[codes]` as the table's text type (pandas' "str"), taken from the few
    distinct values: what a column of Python strings would become, without converting each one."""
    return pd.array(list(values), dtype="str").take(codes)


class Recorder:
    """Collects rows month by month; builds DataFrames once at the end."""

    def __init__(self, model: RareEarthModel) -> None:
        self.model = model
        self.series: list[tuple] = []
        # flows are kept per month as arrays: (date, flat index into (tier, origin, destination,
        # channel), quantity_t, value_usd) of the cells traded; rows are built in `tables`
        self.flow_months: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]] = []
        self.events: list[tuple] = []
        self.agents: list[tuple] = []
        self.year_output: dict[int, float] = {}

    def event(self, kind: str, actor: Any, detail: str) -> None:
        m = self.model
        date = m.date if m.month >= 0 else m.start
        self.events.append((date, kind, actor.name, actor.country, detail))

    def record_month(self) -> None:
        m = self.model
        date = m.date
        smuggled = 0.0
        q = m.month_quantity_t  # (tier, origin, destination, channel), stacked by `_observe`
        for q_t in q:
            smuggled += float(q_t[:, :, 1].sum())
        cells, quantity_t, value_usd = m.recorded_cells  # the cells with trade (q > 1e-9), from `_observe`
        if cells.size:
            self.flow_months.append((date, cells, quantity_t, value_usd))
        out = {t: 0.0 for t in TIERS}
        home = {t: 0.0 for t in TIERS}
        for f in m.firms:
            if f.kind == "refiner":
                for t, q in f.oxide_output_t.items():
                    out[t] += q
                    if f.country == HOME:
                        home[t] += q
            else:
                out[f.tier] += f.output_t
                if f.country == HOME:
                    home[f.tier] += f.output_t
            self.year_output[f.unique_id] = self.year_output.get(f.unique_id, 0.0) + f.output_t
        share = {t: home[t] / out[t] if out[t] > 1e-9 else 0.0 for t in TIERS}
        p = m.last_price_index
        self.series.append((
            date, m.month,
            p.get("concentrate", 0.0), p.get("ndpr_oxide", 0.0), p.get("dytb_oxide", 0.0), p.get("magnet", 0.0),
            out["concentrate"], out["ndpr_oxide"], out["dytb_oxide"], out["magnet"],
            share["concentrate"], share["ndpr_oxide"], share["magnet"],
            smuggled, float(m.customers.unmet_t.sum()),
        ))  # fmt: skip
        if m.month_of_year == 12 or m.month + 1 == m.n_months:
            self.snapshot()

    def snapshot(self) -> None:
        """The yearly agents table rows (output_t is the output since the last snapshot)."""
        m = self.model
        date = m.date
        book = m.customers
        for f in m.firms:
            out = self.year_output.pop(f.unique_id, 0.0)
            price = f.price[f.outputs[0]]
            self.agents.append(
                (
                    date,
                    f.unique_id,
                    f.name,
                    f.kind,
                    f.country,
                    f.status,
                    f.capacity_t,
                    out,
                    f.unit_cost(),
                    price,
                    f.cash_usd,
                )
            )
        for s in m.smugglers:
            self.agents.append((date, s.unique_id, s.name, s.kind, s.country, s.status, s.capacity_t,
                                s.sold_t[s.tier], s.reference_cost(s.tier), s.price[s.tier], s.cash_usd))  # fmt: skip
        for st in m.state_list:
            stock = sum(st.stock_t.values())
            self.agents.append(
                (date, st.unique_id, st.name, st.kind, st.country, "operating", stock, 0.0, 0.0, 0.0, st.cash_usd)
            )
        for c in m.customer_agents:
            r = c.row
            self.agents.append((date, c.unique_id, c.name, c.kind, c.country, c.status, 0.0,
                                float(book.bought_t[r]), 0.0, float(book.price_memory[r]), 0.0))  # fmt: skip

    def _flow_columns(self) -> dict[str, np.ndarray] | list[tuple]:
        """The flows table's rows (in month, tier, origin, destination, channel order), as columns."""
        if not self.flow_months:
            return []
        m = self.model
        n_k = len(m.countries)
        dates = [f[0] for f in self.flow_months]
        month_i = np.repeat(np.arange(len(dates)), [f[1].size for f in self.flow_months])
        cells = np.concatenate([f[1] for f in self.flow_months])
        t_i, o_i, d_i, c_i = np.unravel_index(cells, (len(TIERS), n_k, n_k, len(CHANNELS)))
        return {
            "date": _text_column(dates, month_i),
            "tier": _text_column(TIERS, t_i),
            "origin": _text_column(m.countries, o_i),
            "destination": _text_column(m.countries, d_i),
            "channel": _text_column(CHANNELS, c_i),
            "quantity_t": np.concatenate([f[2] for f in self.flow_months]),
            "value_usd": np.concatenate([f[3] for f in self.flow_months]),
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        """The four tables of the output contract."""
        m = self.model
        out = {}
        for name, rows, cols in (
            ("series", self.series, SERIES_COLUMNS),
            ("flows", self._flow_columns(), FLOWS_COLUMNS),
            ("events", self.events, EVENTS_COLUMNS),
            ("agents", self.agents, AGENTS_COLUMNS),
        ):
            df = pd.DataFrame(rows, columns=cols[2:])
            df.insert(0, "seed", m.seed)
            df.insert(0, "run_id", m.run_id)
            out[name] = df
        return out
