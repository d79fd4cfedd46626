"""The figure and report.md of a sensitivity study (see `experiments.sensitivity`)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from experiments import metrics as metrics_mod

if TYPE_CHECKING:
    from experiments.sensitivity import Analysis
    from experiments.study import Outcome, Prepared

TOP = 3  # inputs named per metric in words
WIDE_CONF = 0.3  # half-width of a 95% interval (in variance shares) above which an index is called unsettled
LABELS = 5  # inputs labelled per panel of the Morris figure


def figure_name(method: str) -> str:
    return f"{method}.png"


def _label(metric: str) -> str:
    unit = metrics_mod.METRICS[metric].unit if metric in metrics_mod.METRICS else ""
    return f"{metric} ({unit})" if unit else metric


def _grid(n: int) -> tuple[int, int]:
    cols = min(3, max(n, 1))
    return math.ceil(max(n, 1) / cols), cols


def write_figure(prepared: Prepared, analysis: Analysis, path: Path) -> None:
    """Morris: mu* against sigma per metric. Sobol: S1 and ST with confidence intervals per metric."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook", font_scale=0.8)
    method = prepared.spec.method
    metrics = [m for m in prepared.spec.metrics if m not in analysis.notes]
    rows, cols = _grid(len(metrics))
    n_inputs = len(prepared.spec.space.entries)
    height = 3.6 if method == "morris" else max(2.8, 0.32 * n_inputs + 1.2)
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, height * rows), squeeze=False)
    for ax in axes.ravel()[len(metrics) :]:
        ax.set_visible(False)
    palette = sns.color_palette("deep")
    for ax, name in zip(axes.ravel(), metrics, strict=False):
        df = analysis.indices[analysis.indices["metric"] == name]
        if method == "morris":
            sns.scatterplot(data=df, x="mu_star", y="sigma", ax=ax, color=palette[0], s=28, edgecolor="none")
            top = max(float(df["mu_star"].max()), float(df["sigma"].max()), 1e-12)
            ax.plot([0, top], [0, top], ls="--", lw=0.8, color="0.5")
            floor = float(df["noise_floor"].iloc[0])
            if math.isfinite(floor):
                ax.axvline(floor, ls=":", lw=1.2, color=palette[3])
                ax.annotate(
                    "seed noise", (floor, 0), fontsize=7, color=palette[3], xytext=(2, 2), textcoords="offset points"
                )
            for _, r in df.nsmallest(LABELS, "rank").iterrows():
                ax.annotate(
                    r["parameter"], (r["mu_star"], r["sigma"]), fontsize=7, xytext=(3, 3), textcoords="offset points"
                )
            ax.set_xlim(left=0)
            ax.set_ylim(bottom=0)
            ax.set_xlabel("mu* (mean |elementary effect|)")
            ax.set_ylabel("sigma (sd of the effects)")
        else:
            df = df.sort_values("ST", ascending=True)
            pos = np.arange(len(df))
            ax.barh(pos - 0.2, df["S1"], 0.4, xerr=df["S1_conf"], color=palette[0], label="S1 (first order)", capsize=2)
            ax.barh(pos + 0.2, df["ST"], 0.4, xerr=df["ST_conf"], color=palette[1], label="ST (total)", capsize=2)
            ax.set_yticks(pos, df["parameter"])
            ax.axvline(0, color="0.3", lw=0.8)
            ax.set_xlabel(f"Sobol index ({int(100 * 0.95)}% confidence interval)")
            ax.legend(loc="lower right", fontsize=7)
        ax.set_title(_label(name), fontsize=9)
    what = "Morris screening: mu* against sigma" if method == "morris" else "Sobol indices: S1 and ST"
    fig.suptitle(f"{what} ({prepared.spec.scenario_name}, {prepared.n_samples} runs)", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110, format="png")
    plt.close(fig)


# --- report.md ------------------------------------------------------------------------------------
def _fmt(v: float, unit: str = "") -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if unit == "year":
        return f"{v:.0f}"
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 1e6:
        return f"{v:.3g}"
    if a >= 100:
        return f"{v:,.0f}"
    return f"{v:.3g}"


def _names(items: list[str]) -> str:
    quoted = [f"`{x}`" for x in items]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def morris_words(df: pd.DataFrame, unit: str, noise_sd: float = math.nan) -> str:
    """A paragraph naming the most influential inputs of one metric (Morris)."""
    df = df.sort_values("rank")
    top = df.head(TOP)
    biggest = float(top["mu_star"].iloc[0])
    lead = ", ".join(f"`{r.parameter}` (mu* = {_fmt(r.mu_star)} {unit})" for r in top.itertuples())
    n_big = int((df["mu_star"] >= 0.1 * biggest).sum())
    text = f"Most influential: {lead}. {n_big} of {len(df)} inputs have a mu* of at least a tenth of the largest."
    floor = float(df["noise_floor"].iloc[0]) if "noise_floor" in df else math.nan
    if math.isfinite(floor):
        above = int((df["mu_star"] > floor).sum())
        text += (
            f" The seed alone (runs at the defaults) moves it with a standard deviation of {_fmt(noise_sd)} {unit}; "
            f"noise alone would give mu* of about {_fmt(floor)} {unit}, and {above} of {len(df)} inputs lie above that."
        )
        if above == 0:
            text += " No input stands out from the model's own noise at this number of trajectories."
    directions = []
    for r in top.itertuples():
        if r.mu_star > 0 and abs(r.mu) >= 0.8 * r.mu_star:
            directions.append(f"raising `{r.parameter}` {'raises' if r.mu > 0 else 'lowers'} it")
    if directions:
        text += " " + "; ".join(directions).capitalize() + " (the effects share one sign)."
    bent = [r.parameter for r in top.itertuples() if r.sigma > r.mu_star]
    if bent:
        verb = "acts" if len(bent) == 1 else "act"
        text += f" {_names(bent)} {verb} non-linearly or through interactions (sigma > mu*)."
    return text


def sobol_words(df: pd.DataFrame) -> str:
    """A paragraph naming the most influential inputs of one metric (Sobol). Estimates below 0 or
    above 1 are sampling error; they are shown as estimated, and read as 0 or 1."""
    df = df.sort_values("rank")
    share = float(df["noise_share"].iloc[0]) if "noise_share" in df else math.nan
    # each run has its own seed, so the seed's variance adds (about `share`) to every ST estimate
    floor = share if math.isfinite(share) else 0.0
    parts = []
    for r in df.head(TOP).itertuples():
        alone, total = min(max(r.S1, 0.0), 1.0), min(max(r.ST, 0.0), 1.0)
        if r.ST - r.ST_conf <= 0:
            caveat = ", not distinguishable from zero at this sample size"
        elif r.ST - r.ST_conf <= floor:
            caveat = f", not clearly above the seed's own share ({floor:.2f}) that every ST contains"
        else:
            caveat = ""
        parts.append(
            f"`{r.parameter}` explains about {alone:.0%} of the variance alone (S1 = {r.S1:.2f} ± {r.S1_conf:.2f}) "
            f"and {total:.0%} with its interactions (ST = {r.ST:.2f} ± {r.ST_conf:.2f}){caveat}"
        )
    s1 = float(df["S1"].clip(lower=0).sum())
    text = "Most influential: " + "; ".join(parts) + "."
    if math.isfinite(share):
        above = [r.parameter for r in df.itertuples() if r.ST - r.ST_conf > share]
        text += (
            f" Above the seed's share: {_names(above)}."
            if above
            else " No input's ST is clearly above the seed's share."
        )
        text += f" The seed alone (runs at the defaults) gives a variance of {min(share, 9.99):.0%} of this variance: "
        if share > 0.5:
            text += "the indices are dominated by the model's own noise."
        elif share > 0.2:
            text += "a large part of it is the model's own noise."
        else:
            text += "the inputs, not the seed, drive it."
    st = float(df["ST"].clip(lower=0, upper=1).sum())
    sums = f" The first-order indices sum to {s1:.2f}, the totals to {st:.2f}"
    if (df[["S1_conf", "ST_conf"]].max(axis=1) > WIDE_CONF).any() or s1 > 1.1:
        text += sums + "; the confidence intervals are wide at this number of samples: more samples would sharpen them."
    elif s1 < 0.7 or st - s1 > 0.3:
        text += sums + ": interactions between inputs carry much of the variance."
    else:
        text += sums + ": the inputs act mostly one by one."
    return text


def _inputs_table(prepared: Prepared) -> list[str]:
    lines = [
        "| input | kind | unit | default | sampled | outside? |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for e in prepared.spec.space.entries:
        d = e.declared
        outside = "" if math.isnan(d.default) or e.low <= d.default <= e.high else "**default outside**"
        lines.append(f"| `{e.name}` | {d.kind} | {d.unit} | {_fmt(d.default)} | {e.describe()} | {outside} |")
    return lines


def write_report(
    prepared: Prepared,
    runs: pd.DataFrame,
    analysis: Analysis,
    outcome: Outcome,
    command: str,
    figure: str,
    path: Path,
) -> None:
    """report.md: the study, the inputs, and per metric the most influential inputs in words."""
    spec = prepared.spec
    d = prepared.definition
    failed = runs[runs["error"] != ""]
    method = "Morris screening" if spec.method == "morris" else "Sobol indices (first order and total)"
    lines = [
        f"# Sensitivity study: {method} of `{spec.scenario_name}`",
        "",
        "Which uncertain inputs drive the outcomes? Each run draws its inputs from the space below (SALib), runs",
        "the scenario and is reduced to the metrics; SALib's analysis gives the indices. The same command, run",
        "again, reproduces (or resumes) the study:",
        "",
        f"    {command}" if command else "    (run from Python: see experiments.sensitivity.run_study)",
        "",
        f"- method: {spec.method}; samples: {spec.samples}"
        + (f" trajectories, {d['morris_levels']} levels" if spec.method == "morris" else " base samples (Saltelli)")
        + f"; runs: {prepared.n_samples} (+ {spec.noise_runs} seed-only runs at the defaults)",
        f"- scenario: `{spec.scenario_given}` (`{spec.scenario_name}`), until {spec.until or 'its end'}; "
        f"space: `{Path(spec.space.source).name}` ({len(spec.space.entries)} inputs); study seed {spec.seed}",
        f"- compute: {runs['run_seconds'].sum():.0f} s of model runs in all (median "
        f"{runs['run_seconds'].median():.2f} s a run); this invocation ran {outcome.ran} runs in "
        f"{outcome.seconds:.0f} s ({outcome.done_before} were already saved)",
        f"- failed runs: {len(failed)}"
        + (f" (first: sample {int(failed['sample'].iloc[0])}: {failed['error'].iloc[0]})" if len(failed) else ""),
        "",
        f"![{figure}]({figure})",
        "",
        "## Results by metric",
        "",
    ]
    if spec.method == "morris":
        lines += [
            "mu* is the mean absolute elementary effect: the change of the metric when one input moves by 2/3 of",
            "its sampled range, divided by 2/3 (so roughly the change over the whole range), in the metric's unit.",
            "sigma is their spread: sigma above mu* means the effect depends on the other inputs (non-linear or",
            "interacting).",
            "",
        ]
    else:
        lines += [
            "S1 is the share of the metric's variance an input explains on its own; ST adds its interactions. ± is",
            "the half-width of the 95% bootstrap confidence interval.",
            "",
        ]
    for name in spec.metrics:
        m = metrics_mod.METRICS[name]
        y = runs[name].to_numpy(dtype=float)
        finite = y[np.isfinite(y)]
        spread = (
            f"median {_fmt(float(np.median(finite)), m.unit)}, 5-95% {_fmt(float(np.quantile(finite, 0.05)), m.unit)} "
            f"to {_fmt(float(np.quantile(finite, 0.95)), m.unit)} {m.unit}"
            if finite.size
            else "no values"
        )
        about = m.description[:1].upper() + m.description[1:]
        lines += [f"### `{name}` ({m.unit})", "", f"{about}. Across runs: {spread}.", ""]
        if name in analysis.notes:
            lines += [f"Not analysed: {analysis.notes[name]}.", ""]
            continue
        df = analysis.indices[analysis.indices["metric"] == name]
        words = (
            morris_words(df, m.unit, analysis.noise_sd.get(name, math.nan))
            if spec.method == "morris"
            else sobol_words(df)
        )
        lines += [words, ""]
        if analysis.used_runs.get(name, prepared.n_samples) < prepared.n_samples:
            lines += [f"(Analysed on the {analysis.used_runs[name]} runs of whole trajectories with a value.)", ""]
    lines += ["## Inputs", "", *_inputs_table(prepared), ""]
    noise_runs = spec.noise_runs
    lines += [
        "## Notes",
        "",
        "- Every run has its own seed (derived from the study seed and the sample index), so the indices include",
        "  the model's own randomness (e.g. demand noise). "
        + (
            f"{noise_runs} extra runs with every input at its default and only the seed changing measure that "
            "noise (`design` = `seed-only` in `metrics.parquet`); an input whose index is near the noise does "
            "not matter at these ranges."
            if noise_runs
            else "This study has no seed-only runs (`--noise-runs 0`), so the noise is not measured."
        ),
        "- 'Year' metrics take the year after the run's last month when the event did not happen within the run.",
        "- Per-run values are in `metrics.parquet` (one row per sample: inputs, metrics, error); indices in",
        "  `indices.csv`; the study's definition in `study.json`.",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


__all__ = ["figure_name", "morris_words", "sobol_words", "write_figure", "write_report"]
