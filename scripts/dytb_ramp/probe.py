"""One line per seed of the magnet85b indicators, for a world edited by python snippets.

usage: PYTHONPATH=$PWD python scripts/dytb_ramp/probe.py SEEDS [--cf] [snippet ...]
  a snippet is python run with `data` (the history.toml dict), `firm(name)`, `cust(name)`,
  `state(country)` and `P` (a dict of params passed to run) in scope, e.g.
  "firm('Southern China separators')['capacity_t']=1500"  "P['dytb_per_t_magnet']=0.03"
--cf also runs the no_2010_shock, us_price_floor and western_china counterfactuals (as the tests).
Prints, per seed: magnet price by year 1985-2015, world/China magnet output 2000/2010/2020 (kt),
China's share 2010/2020, Mountain Pass's first stop, the NdPr and DyTb spikes (the tests' measure:
peak of the 3-month mean 2010-07..2013-12 over the 2009 mean, peak month, lowest 3-month mean in the
3 years after the peak over the peak) and, with --cf, the jumps without the 2010 shock and MP's stop
in the two MP counterfactuals.
"""

import sys
from multiprocessing import Pool

sys.path.insert(0, ".")
from model import run  # noqa: E402
from model.scenario import parse_scenario  # noqa: E402
from tests import test_history as th  # noqa: E402

YEARS = ["1985", "1986", "1987", "1988", "1990", "1993", "1995", "1997", "2000", "2005", "2010", "2015"]


def world_data(snippets, world):
    data = th.history_data()
    P = {}

    def firm(name):
        for sec in ("miners", "refiners", "magnet_makers"):
            for f in data[sec]:
                if f["name"] == name:
                    return f
        raise KeyError(name)

    def cust(name):
        return next(c for c in data["customers"] if c["name"] == name)

    def state(country):
        return next(s for s in data["states"] if s["country"] == country)

    for s in snippets:
        exec(s, {"data": data, "firm": firm, "cust": cust, "state": state, "P": P})
    ch = th.WORLDS[world]
    if ch is not None:
        ch(data)
    return data, P


def one(job):
    snippets, world, seed = job
    data, P = world_data(snippets, world)
    until = None if world == "history" else ("2011-12" if world == "no_2010_shock" else "2016-12")
    t = run(parse_scenario(data, f"history ({world})"), seed=seed, until=until, **P)
    s = t["series"].set_index("date")
    ev = t["events"]
    mp = ev[(ev.actor == "Mountain Pass") & ev.kind.isin(["mothball", "close"])]
    mp_stop = mp.iloc[0]["date"] if len(mp) else "never"
    res = {"mp": mp_stop}
    for col in ("price_ndpr_oxide", "price_dytb_oxide"):
        pr = s[col]
        sm = pr.rolling(3).mean()
        end = "2011-12" if world == "no_2010_shock" else "2013-12"
        w = sm.loc["2010-07":end]
        pk = str(w.idxmax())
        after = sm.loc[pk:].iloc[1:37]
        res[col] = (
            float(w.max() / pr.loc["2009-01":"2009-12"].mean()),
            pk,
            float(after.min() / w.max()) if len(after) else 0,
            float(pr.loc["2009-01":"2009-12"].mean()),
        )
    if world == "history":
        y = s.groupby(s.index.str[:4])
        res["pm"] = y["price_magnet"].mean()
        res["out"] = y["output_magnet_t"].sum() / 1000
        res["cn"] = y["china_share_magnets"].mean()
        res["cnref"] = y["china_share_refining"].mean()
        res["dytb_t"] = y["output_dytb_oxide_t"].sum()
        res["unmet"] = y["unmet_demand_t"].sum()
    return job, res


def main():
    args = sys.argv[1:]
    seeds = [int(x) for x in args[0].split(",")]
    cf = "--cf" in args
    snippets = [a for a in args[1:] if a != "--cf"]
    worlds = ["history"] + (["no_2010_shock", "us_price_floor", "western_china"] if cf else [])
    jobs = [(tuple(snippets), w, sd) for sd in seeds for w in worlds]
    with Pool(2) as pool:
        out = dict(pool.map(one, jobs))
    print("edits:", snippets)
    for sd in seeds:
        r = out[(tuple(snippets), "history", sd)]
        pm, o, cn = r["pm"], r["out"], r["cn"]
        nd, dy = r["price_ndpr_oxide"], r["price_dytb_oxide"]
        line = (
            f"s{sd} price "
            + " ".join(f"{y[2:]}:{pm[y]:.0f}" for y in YEARS)
            + f" | out00/10/20 {o['2000']:.1f}/{o['2010']:.1f}/{o['2020']:.1f} CN10 {o['2010'] * cn['2010']:.1f}kt"
            + f" sh10/20 {cn['2010']:.2f}/{cn['2020']:.2f}"
            + f" | DyTb t 88/00/10 {r['dytb_t']['1988']:.0f}/{r['dytb_t']['2000']:.0f}/{r['dytb_t']['2010']:.0f}"
            + f" unmet90/00 {r['unmet']['1990']:.0f}/{r['unmet']['2000']:.0f}"
            + f" | MP {r['mp']} | NdPr {nd[0]:.1f}x {nd[1]} fall {nd[2]:.2f}"
            + f" | DyTb {dy[0]:.1f}x {dy[1]} fall {dy[2]:.2f} base09 {dy[3]:.0f}"
        )
        if cf:
            c = out[(tuple(snippets), "no_2010_shock", sd)]
            f = out[(tuple(snippets), "us_price_floor", sd)]
            w = out[(tuple(snippets), "western_china", sd)]
            line += (
                f" || cf NdPr {c['price_ndpr_oxide'][0]:.2f} DyTb {c['price_dytb_oxide'][0]:.2f}"
                f" floorMP {f['mp']} westMP {w['mp']}"
            )
        print(line, flush=True)


if __name__ == "__main__":
    main()
