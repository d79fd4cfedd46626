"""Score many edited worlds on seeds (the probe.py runs with counterfactuals), one line each.

usage: python scripts/dytb_ramp/grid.py SEEDS 'base snippet;...' 'variant A snippets;...' 'variant B ...'
Each variant is ';'-separated snippets added to the base. Per variant: test-like failures
(spike jump>=4 in 2010-10..2011-12, fall<=0.5, no-shock cf <=1.5 and <=jump/3, MP first stop in
1998..2004, no stop with the price floor, western-China stop >=2006 and after), then per seed
magnet price 1988-90 / 1997-2000 means, world output 2000/2010 kt, China's 2010 share.
"""

import sys
from multiprocessing import Pool

sys.path.insert(0, "scripts/dytb_ramp")
from probe import one  # noqa: E402


def fails(h, c, f, w):
    out = []
    for col, nm in (("price_ndpr_oxide", "Nd"), ("price_dytb_oxide", "Dy")):
        j, pk, fall, _ = h[col]
        if j < 4:
            out.append(f"{nm}j{j:.1f}")
        if not ("2010-10" <= pk <= "2011-12"):
            out.append(f"{nm}pk{pk}")
        if fall > 0.5:
            out.append(f"{nm}fall{fall:.2f}")
        cj = c[col][0]
        if cj > 1.5 or cj > j / 3:
            out.append(f"{nm}cf{cj:.2f}")
    if not ("1998-01" <= h["mp"] <= "2004-12"):
        out.append(f"MP{h['mp']}")
    if f["mp"] != "never" and f["mp"] < "2010-01":
        out.append(f"floor{f['mp']}")
    if w["mp"] != "never" and (w["mp"] < "2006-01" or w["mp"] <= h["mp"]):
        out.append(f"west{w['mp']}")
    return out


def main():
    seeds = [int(x) for x in sys.argv[1].split(",")]
    base = [s for s in sys.argv[2].split(";") if s.strip()]
    variants = [[s for s in v.split(";") if s.strip()] for v in sys.argv[3:]] or [[]]
    worlds = ["history", "no_2010_shock", "us_price_floor", "western_china"]
    jobs = [(tuple(base + v), w, sd) for v in variants for sd in seeds for w in worlds]
    with Pool(2) as pool:
        res = dict(pool.map(one, jobs))
    for v in variants:
        k = tuple(base + v)
        allf, parts, sumr = [], [], []
        for sd in seeds:
            h = res[(k, "history", sd)]
            fl = fails(h, res[(k, "no_2010_shock", sd)], res[(k, "us_price_floor", sd)], res[(k, "western_china", sd)])
            allf += [f"s{sd}:{x}" for x in fl]
            pm, o, cn = h["pm"], h["out"], h["cn"]
            sumr.append(
                (
                    pm.loc["1988":"1990"].mean(),
                    pm.loc["1997":"2000"].max(),
                    pm.loc["1985":"2000"].max(),
                    pm["2000"],
                    o["2000"],
                    o["2010"],
                    o["2010"] * cn["2010"],
                    cn["2010"],
                    cn["2020"],
                    h["cnref"]["2020"],
                )
            )
            parts.append(
                f"{pm.loc['1988':'1990'].mean():.0f}/{pm.loc['1997':'2000'].mean():.0f}"
                f"/{pm.loc['1997':'2000'].max():.0f}"
                f" {o['2000']:.0f}/{o['2005']:.0f}/{o['2010']:.0f}kt"
                f" cn{cn['2000']:.2f}/{cn['2005']:.2f}/{cn['2010']:.2f} "
                f"Nd{h['price_ndpr_oxide'][0]:.0f} Dy{h['price_dytb_oxide'][0]:.0f} MP{h['mp'][:4]}"
            )
        import numpy as np

        a = np.array(sumr)

        def rng(i: int, f: str = "{:.0f}", a: np.ndarray = a) -> str:
            return f"{f.format(a[:, i].min())}-{f.format(a[:, i].max())}"

        print(
            f"SUMMARY {len(allf)} fails | pm88-90 {rng(0)} | max97-00 {rng(1)} | max85-00 {rng(2)} | pm2000 {rng(3)} | "
            f"kt2000 {rng(4)} | kt2010 {rng(5)} | CNkt2010 {rng(6)} | sh2010 {rng(7, '{:.2f}')} | "
            f"sh2020 {rng(8, '{:.2f}')} | "
            f"ref2020 {rng(9, '{:.3f}')} || {v}",
            flush=True,
        )
        print(f"{len(allf)} fails | {' | '.join(parts)} || {v} {' '.join(allf)}", flush=True)


if __name__ == "__main__":
    main()
