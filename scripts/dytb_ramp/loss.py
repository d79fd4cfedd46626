"""Calibration loss (the median indicators over seeds 1-3, scored by experiments.calibration.FITS)
of worlds edited as in probe.py.
usage: python scripts/dytb_ramp/loss.py 'snippet;snippet' ['variant' ...]
(prints the loss and the fits that changed most)"""

import sys
from multiprocessing import Pool

import pandas as pd

sys.path.insert(0, "scripts/dytb_ramp")
from probe import world_data

from experiments.calibration import FITS, indicators
from model import run
from model.scenario import parse_scenario


def job(a):
    snips, seed = a
    data, P = world_data(list(snips), "history")
    return indicators(run(parse_scenario(data, "h"), seed=seed, **P))


variants = [[s for s in v.split(";") if s.strip()] for v in sys.argv[1:]] or [[]]
jobs = [(tuple(v), s) for v in variants for s in (1, 2, 3)]
with Pool(2) as p:
    res = p.map(job, jobs)
for i, v in enumerate(variants):
    med = pd.DataFrame(res[3 * i : 3 * i + 3]).median(skipna=True).to_dict()
    losses = {f.indicator: f.loss(med) for f in FITS}
    big = sorted(losses.items(), key=lambda kv: -kv[1])[:6]
    print(f"LOSS {sum(losses.values()):.3f} {v} | " + " ".join(f"{k}={med[k]:.3g}({loss:.2f})" for k, loss in big))
