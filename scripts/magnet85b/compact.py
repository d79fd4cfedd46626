"""One line per seed of the magnet85 indicators, with optional edits (as in measure.py).

usage: PYTHONPATH=$PWD python scripts/magnet85/compact.py SEEDS [edit ...]
"""
import sys

from model import load_scenario, run

seeds = [int(s) for s in sys.argv[1].split(",")]
edits = sys.argv[2:]
scen, _ = load_scenario("history")
params = {}
for e in edits:
    if ":" in e:
        name, kv = e.split(":", 1)
        k, v = kv.split("=")
        for group in ("miners", "refiners", "magnet_makers"):
            specs = [f.model_copy(update={k: type(getattr(f, k))(v)}) if f.name == name else f for f in getattr(scen, group)]
            scen = scen.model_copy(update={group: specs})
    else:
        k, v = e.split("=")
        params[k] = float(v)
print("edits", edits)
for seed in seeds:
    t = run(scen, seed=seed, **params)
    s = t["series"].set_index("date")
    y = s.groupby(s.index.str[:4])
    pm = y["price_magnet"].mean()
    out = y["output_magnet_t"].sum() / 1000
    cn = y["china_share_magnets"].mean()
    nd = s["price_ndpr_oxide"]
    dy = s["price_dytb_oxide"]
    nd_j = nd.loc["2010-10":"2011-12"].max() / nd.loc["2009"].mean() if False else nd.loc["2010-10":"2011-12"].max() / nd.loc["2009-01":"2009-12"].mean()
    nd_11 = nd.loc["2011-01":"2011-12"].mean() / nd.loc["2009-01":"2009-12"].mean()
    dy_j = dy.loc["2010-10":"2011-12"].max() / dy.loc["2009-01":"2009-12"].mean()
    a = t["agents"]
    mq = a[(a.name == "Magnequench") & (a.date == "2008-12")]["cash"].iloc[0] / 1e9
    pk = pm.loc["1985":"2000"]
    print(f"seed {seed}: magnet max85-00 {pk.max():.0f} ({pk.idxmax()}) 85 {pm['1985']:.0f} 88 {pm['1988']:.0f} 90 {pm['1990']:.0f} "
          f"95 {pm['1995']:.0f} 00 {pm['2000']:.0f} 05 {pm['2005']:.0f} 10 {pm['2010']:.0f} | out 00/10/20 {out['2000']:.1f}/{out['2010']:.1f}/{out['2020']:.1f} kt"
          f" | CN 10/20 {cn['2010']:.2f}/{cn['2020']:.2f} | NdPr jump {nd_j:.1f} 2011/09 {nd_11:.2f} DyTb jump {dy_j:.1f} | MQ cash08 {mq:.2f} bn")
