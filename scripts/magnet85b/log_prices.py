"""Log magnet sellers' price-rule inputs per month (magnet85 investigation).

usage: PYTHONPATH=$PWD python scripts/magnet85/log_prices.py SEED UNTIL OUT.csv [param=value ...]
"""
import sys

import numpy as np
import pandas as pd

import model.model as mm

LOG = []
LOG2 = []
_orig_update = mm.update_prices
_orig_reprice = mm.RareEarthModel._reprice
_cur = {}


def wrapped_update(*args, **kw):
    out = _orig_update(*args, **kw)
    _cur["args"] = args
    _cur["out"] = out
    return out


def wrapped_reprice(self):
    _orig_reprice(self)
    a = _cur["args"]
    price, cost, floor, asked, offered, sold, stock, target = a[:8]
    spare = a[13]
    out = np.asarray(_cur["out"])
    for k, (s, tier) in enumerate(self._sellers.firms):
        if tier != "magnet":
            if tier in ("dytb_oxide", "ndpr_oxide"):
                LOG2.append(dict(date=self.date, name=s.name, tier=tier, status=s.status, price=price[k], new=out[k],
                                 cost=cost[k], offered=offered[k], sold=sold[k], asked=asked[k], stock=stock[k],
                                 target=target[k], spare=spare[k], input_short=s.input_short, output=s.output_t,
                                 cap_m=s.capacity_t / 12, feed=getattr(s, "feed_t", float("nan")),
                                 directed=s.directed))
            continue
        LOG.append(dict(
            date=self.date, name=s.name, status=s.status, price=price[k], new=out[k], cost=cost[k],
            offered=offered[k], sold=sold[k], asked=asked[k], stock=stock[k], target=target[k],
            spare=spare[k], input_short=s.input_short, shortfall=s.input_shortfall,
            output=s.output_t, cap_m=s.capacity_t / 12, ndpr_stock=s.input_t["ndpr_oxide"],
            dytb_stock=s.input_t["dytb_oxide"], planned=s._planned_t, ema=s.orders_ema_t["magnet"],
            cash=s.cash_usd, ndpr_cost=s.input_cost_usd_per_kg["ndpr_oxide"],
            dytb_cost=s.input_cost_usd_per_kg["dytb_oxide"],
        ))


mm.update_prices = wrapped_update
mm.RareEarthModel._reprice = wrapped_reprice

if __name__ == "__main__":
    seed, until, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    kw = {}
    for x in sys.argv[4:]:
        k, v = x.split("=")
        kw[k] = float(v)
    t = mm.run("history", seed=seed, until=until, **kw)
    pd.DataFrame(LOG).to_csv(out, index=False)
    pd.DataFrame(LOG2).to_csv(out.replace(".csv", ".oxide.csv"), index=False)
    for name in ("series", "flows", "events", "agents"):
        t[name].to_pickle(out.replace(".csv", f".{name}.pkl"))
