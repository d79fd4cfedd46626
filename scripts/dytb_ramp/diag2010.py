"""Diagnose the 2009-2013 oxide markets for a world edited as in probe.py (one seed).
usage: python scripts/dytb_ramp/diag2010.py SEED [snippet ...]
Prints by half-year: NdPr/DyTb price index, China's legal exports by tier (t), magnet output in
and outside China (t), foreign makers' NdPr stock, smuggled t."""

import sys

sys.path.insert(0, "scripts/dytb_ramp")
from probe import world_data

from model import run
from model.scenario import parse_scenario

seed = int(sys.argv[1])
data, P = world_data(sys.argv[2:], "history")
t = run(parse_scenario(data, "h"), seed=seed, until="2014-12", **P)
s = t["series"].set_index("date")
f = t["flows"]
a = t["agents"]
print(list(f.columns))
print(list(a.columns)[:40])
f = f[(f.origin == "CHN") & (f.destination != "CHN") & (f.date >= "2008-01")]
f["h"] = f.date.str[:4] + "H" + ((f.date.str[5:7].astype(int) > 6) + 1).astype(str)
print(f.groupby(["h", "tier", "channel"]).quantity_t.sum().unstack([1, 2]).round(0).to_string())
s = s.loc["2008-01":]
s["h"] = s.index.str[:4] + "H" + ((s.index.str[5:7].astype(int) > 6) + 1).astype(str)
cols = [
    c
    for c in s.columns
    if any(k in c for k in ("price_ndpr", "price_dytb", "output_magnet", "china_share_magnets", "smuggled", "unmet"))
]
print(s.groupby("h")[cols].mean().round(2).to_string())
