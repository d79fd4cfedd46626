"""Magnet makers by year (December): capacity, yearly output, price, cash; one seed, edits as probe.py."""

import sys

sys.path.insert(0, "scripts/dytb_ramp")
from probe import world_data

from model import run
from model.scenario import parse_scenario

seed = int(sys.argv[1])
data, P = world_data(sys.argv[2:], "history")
t = run(parse_scenario(data, "h"), seed=seed, until="2021-12", **P)
a = t["agents"]
a = a[a.type == "magnet_maker"].copy()
a["y"] = a.date.str[:4]
out = a.groupby(["y", "name"]).output_t.sum().unstack() / 1000
dec = a[a.date.str[5:] == "12"].set_index(["y", "name"])
for col, d in (
    ("output kt", out),
    ("capacity kt", dec.capacity_t.unstack() / 1000),
    ("price", dec.price.unstack()),
    ("cash bn", dec.cash.unstack() / 1e9),
):
    d = d[
        d.index.isin(
            [
                "1985",
                "1988",
                "1990",
                "1993",
                "1995",
                "1998",
                "2000",
                "2003",
                "2005",
                "2008",
                "2010",
                "2013",
                "2015",
                "2020",
            ]
        )
    ]
    d.columns = [c[:12] for c in d.columns]
    print(col)
    print(d.round(2).to_string())
