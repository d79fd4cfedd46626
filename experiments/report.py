"""Writing an experiment's results: tables, seaborn figures with median and 90% bands, report.md,
and the validation report that gathers every check against a `target` fact.

Everything of one experiment is staged and moved into `results/NAME/` at once
(`experiments.io.staged_dir`): an interrupted run leaves the folder as it was. Figures carry no
time stamp, so the same runs give the same files.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from experiments.experiment import BAND_HI, BAND_LO, Result  # noqa: E402
from experiments.figures import BAND  # noqa: E402
from experiments.io import staged_dir  # noqa: E402

FACTS_FILE = Path(__file__).parent / "data" / "stylized_facts.csv"
"""A copy of the shared facts file (`shared/data/stylized_facts.csv`), each row with its source."""
PNG_META = {"Software": None}
"""No matplotlib version in the PNG: the same runs give the same bytes."""
DPI = 100


# --- numbers in words ------------------------------------------------------------------------------
def fmt(x: float, digits: int = 3) -> str:
    """A number for a report: 3 significant digits, whole years as years, NaN as 'n/a'."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if abs(x) >= 10**digits:
        if abs(x) >= 10000:
            return f"{x:,.0f}"
        return f"{x:.0f}" if abs(x - round(x)) < 1e-6 else f"{x:.1f}"
    return f"{x:.{digits}g}"


def md_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """A markdown table of `rows` (dicts) in the order of `columns`."""
    head = "| " + " | ".join(columns) + " |\n|" + "|".join("---" for _ in columns) + "|\n"
    body = "".join("| " + " | ".join(str(r.get(c, "")) for c in columns) + " |\n" for r in rows)
    return head + body


# --- figures ---------------------------------------------------------------------------------------
def _time(paths: pd.DataFrame) -> pd.Series:
    d = paths["date"].astype(str)
    return pd.to_datetime(d.where(d.str.len() > 4, d + "-07"), format="%Y-%m")


def band_figure(
    result: Result,
    columns: Mapping[str, str],
    path: str | os.PathLike[str],
    *,
    variants: Iterable[str] | None = None,
    logy: Iterable[str] = (),
    start: str | None = None,
    end: str | None = None,
    title: str = "",
    ncols: int = 1,
    mark: Mapping[str, str] | None = None,
) -> None:
    """One panel per path column (column -> y label): median across seeds and the 5-95% band,
    one colour per variant. `logy` names the panels drawn on a log scale; `mark` dates
    (YYYY-MM -> label) drawn as vertical lines."""
    e = result.experiment
    names = list(variants) if variants is not None else [v.name for v in e.variants]
    labels = {v.name: v.label for v in e.variants}
    df = result.paths[result.paths["variant"].isin(names)].copy()
    df["time"] = _time(df)
    if start:
        df = df[df["time"] >= pd.Timestamp(start)]
    if end:
        df = df[df["time"] <= pd.Timestamp(end)]
    df["run"] = df["variant"] + "/" + df["seed"].astype(str)
    df["variant"] = df["variant"].map(labels)
    order = [labels[n] for n in names]
    n = len(columns)
    nrows = math.ceil(n / ncols)
    sns.set_theme(style="whitegrid", context="notebook")
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(6.2 * ncols, 3.1 * nrows + 0.8), sharex=True, squeeze=False, constrained_layout=True
    )
    try:
        for ax, (col, ylabel) in zip(axes.flat, columns.items(), strict=False):
            data = df[["time", "variant", "run", col]].dropna()
            if col in logy:
                data = data[data[col] > 0]
            if data.empty:
                ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center")
            else:
                sns.lineplot(
                    data=data,
                    x="time",
                    y=col,
                    hue="variant",
                    hue_order=[o for o in order if o in set(data["variant"])],
                    estimator="median",
                    errorbar=BAND,
                    ax=ax,
                    legend=ax is axes.flat[0],
                )
                if col in logy:
                    ax.set_yscale("log")
            ax.set_ylabel(ylabel + (" (log)" if col in logy else ""))
            ax.set_xlabel("")
            for date, text in (mark or {}).items():
                ax.axvline(pd.Timestamp(date), color="0.4", lw=0.8, ls=":")
                ax.text(pd.Timestamp(date), ax.get_ylim()[1], text, fontsize=7, va="top", ha="right", rotation=90)
        for ax in list(axes.flat)[n:]:
            ax.set_visible(False)
        leg = axes.flat[0].get_legend()
        if leg is not None:  # one legend for all panels, below them, so that it hides no line
            handles, labels = axes.flat[0].get_legend_handles_labels()
            leg.remove()
            fig.legend(handles, labels, loc="outside lower center", ncol=1 if ncols == 1 else 2, fontsize=8,
                       frameon=False)  # fmt: skip
        k = len(result.seeds)
        fig.suptitle(f"{title}{': ' if title else ''}median and 5-95% band of {k} seeds", fontsize=11)
        fig.savefig(path, dpi=DPI, metadata=PNG_META)
    finally:
        plt.close(fig)


def curve_figure(
    x: Sequence[float],
    ys: Mapping[str, Sequence[float]],
    path: str | os.PathLike[str],
    *,
    xlabel: str,
    ylabel: str,
    title: str,
    bands: Mapping[str, tuple[Sequence[float], Sequence[float]]] | None = None,
) -> None:
    """Lines of y against x (e.g. survival probability against a premium), optional bands."""
    sns.set_theme(style="whitegrid", context="notebook")
    fig, ax = plt.subplots(figsize=(6.5, 4), constrained_layout=True)
    try:
        for label, y in ys.items():
            (line,) = ax.plot(x, y, marker="o", label=label)
            if bands and label in bands:
                lo, hi = bands[label]
                ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.2)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title, fontsize=11)
        if len(ys) > 1:
            ax.legend(fontsize=8)
        fig.savefig(path, dpi=DPI, metadata=PNG_META)
    finally:
        plt.close(fig)


COUNT_DISC_AREA = 25.0  # points^2 per seed in `count_figure`


def count_figure(
    values: Mapping[str, Sequence[float]],
    path: str | os.PathLike[str],
    *,
    xlabel: str,
    title: str | None = None,
    mark: tuple[float, str] | None = None,
) -> None:
    """One row per variant (top to bottom in the order given) and one disc per value taken in its
    seeds, the disc's area and number the seeds that took it: for a discrete outcome such as a
    year, where a swarm of dots would hide the seeds that share a value. `mark` is an (x, label)
    reference line, e.g. the real year."""
    labels = list(values)
    sns.set_theme(style="whitegrid", context="notebook")
    fig, ax = plt.subplots(figsize=(7.5, 0.5 + 0.55 * len(labels)), constrained_layout=True)
    try:
        for row, label in enumerate(labels):
            taken, seeds = np.unique(np.asarray(values[label], dtype=float), return_counts=True)
            ax.scatter(taken, [row] * len(taken), s=COUNT_DISC_AREA * seeds, alpha=0.6, color="C0")
            for x, n in zip(taken.tolist(), seeds.tolist(), strict=True):
                ax.text(x, row, str(n), ha="center", va="center", fontsize=7)
        ax.set_yticks(range(len(labels)), labels)
        ax.set_ylim(len(labels) - 0.5, -0.9)
        if mark is not None:
            ax.axvline(mark[0], color="0.3", ls=":", lw=1)
            ax.text(mark[0], -0.6, f" {mark[1]}", fontsize=8, va="bottom")
        ax.set_xlabel(xlabel)
        if title:
            ax.set_title(title, fontsize=11)
        fig.savefig(path, dpi=DPI, metadata=PNG_META)
    finally:
        plt.close(fig)


# --- the report --------------------------------------------------------------------------------
def check_rows(result: Result) -> list[dict[str, str]]:
    rows = []
    for c in result.checks:
        ch = c.check
        if ch.stat == "share" and ch.versus is None:
            model = f"{c.value:.0%} of seeds"
        else:
            model = f"{fmt(c.value)} [{fmt(c.band[0])}, {fmt(c.band[1])}]"
        allowed = _allowed(ch.lo, ch.hi, ch.stat == "share" and ch.versus is None)
        rows.append(
            {
                "fact": ch.fact or "-",
                "check": ch.claim,
                "runs": ch.variant + (f" minus {ch.versus}" if ch.versus else ""),
                "model: median [90% band]": model,
                "real or expected": ch.target or "-",
                "passes if": allowed,
                "result": "pass" if c.passed else "**fail**",
            }
        )
    return rows


def _allowed(lo: float, hi: float, share: bool) -> str:
    f = (lambda v: f"{v:.0%}") if share else fmt
    if math.isinf(lo) and math.isinf(hi):
        return "any"
    if math.isinf(hi):
        return f">= {f(lo)}"
    if math.isinf(lo):
        return f"<= {f(hi)}"
    return f"{f(lo)} to {f(hi)}"


def indicator_rows(result: Result) -> list[dict[str, str]]:
    e = result.experiment
    names = [c for c in result.indicators.columns if c not in ("variant", "seed")]
    rows = []
    for name in names:
        row = {"indicator": f"`{name}`", "meaning": e.indicators.get(name, "")}
        for v in e.variants:
            row[v.name] = result.summary(v.name, name) if v.name in set(result.indicators["variant"]) else ""
        rows.append(row)
    return rows


def report_text(result: Result, figures: Sequence[tuple[str, str]], command: str) -> str:
    e = result.experiment
    seeds = result.seeds
    out = [f"# {e.title}\n", f"**Question.** {e.question}\n"]
    n_pass = sum(c.passed for c in result.checks)
    out.append(
        f"Checks passed: **{n_pass} of {len(result.checks)}** (table below). "
        f"{len(seeds)} seeds ({seeds[0]} to {seeds[-1]}) per variant; every band is the 5-95% range across seeds.\n"
    )
    out.append("## Runs\n")
    rows = [
        {
            "variant": f"`{v.name}`",
            "what differs from the scenario": v.label,
            "horizon": f"{Path(e.scenario).stem} to {v.until or 'its end'}",
        }
        for v in e.variants
    ]
    out.append(md_table(rows, ["variant", "what differs from the scenario", "horizon"]))
    out.append(f"\nReproduce with `{command}`. No outcome is scheduled: the variants change causes only.\n")
    if e.narrative is not None:
        out.append("## What happened, and why\n")
        out.append(e.narrative(result).strip() + "\n")
    for name, caption in figures:
        out.append(f"![{caption}]({name})\n\n*{caption}*\n")
    out.append("## Checks\n")
    out.append(
        md_table(
            check_rows(result),
            ["fact", "check", "runs", "model: median [90% band]", "real or expected", "passes if", "result"],
        )
    )
    fails = [c for c in result.checks if not c.passed and c.check.why_if_fail]
    if fails:
        out.append("\nWhy the failed checks fail:\n")
        out.extend(f"- {c.check.claim}: {c.check.why_if_fail}\n" for c in fails)
    out.append("\n## Indicators (median [5-95% range across seeds])\n")
    cols = ["indicator", "meaning"] + [v.name for v in e.variants]
    out.append(md_table(indicator_rows(result), cols))
    return "\n".join(out)


def write_result(result: Result, out_dir: str | os.PathLike[str], command: str | None = None) -> Path:
    """Write the tables, figures and report.md of one experiment into `out_dir`, atomically."""
    e = result.experiment
    command = command or f"python -m experiments run-experiment {e.name} --seeds {len(result.seeds)}"
    out = Path(out_dir)
    with staged_dir(out) as tmp:
        result.indicators.to_csv(tmp / "indicators.csv", index=False)
        result.paths.to_csv(tmp / "paths.csv", index=False)
        pd.DataFrame([c.row for c in result.checks]).to_csv(tmp / "checks.csv", index=False)
        np.random.seed(0)  # a figure that jitters (seaborn's global random state) draws the same jitter each time
        figures = e.figures(result, tmp) if e.figures is not None else []
        result.figures = list(figures)
        (tmp / "report.md").write_text(report_text(result, figures, command), encoding="utf-8")
    return out


# --- validation ----------------------------------------------------------------------------------
def read_facts(path: str | os.PathLike[str] = FACTS_FILE) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str).fillna("")


def validation_text(results: Mapping[str, Result], facts: pd.DataFrame, command: str) -> str:
    """Every `target` fact: the checks of the experiments that speak to it, or that none does."""
    by_fact: dict[str, list[tuple[str, Any]]] = {}
    for name, r in results.items():
        for c in r.checks:
            for fid in [f.strip() for f in c.check.fact.split(",") if f.strip()]:
                by_fact.setdefault(fid, []).append((name, c))
    targets = facts[facts["kind"] == "target"]
    out = [
        "# Validation against the target facts\n",
        "Every fact marked `target` in the facts file must emerge from the agents' decisions; none is "
        "scheduled. For each, the experiments' checks that speak to it: the model's median across seeds "
        "and the 5-95% band, and whether it passes. Failures carry a sentence on why.\n",
        f"Regenerate with `{command}`.\n",
    ]
    n_pass = n_fail = 0
    rows = []
    notes = []
    for _, f in targets.iterrows():
        fact = f"{f['id']} ({f['date']}): {f['quantity']}" + (f" = {f['value']} {f['unit']}" if f["value"] else "")
        hits = by_fact.get(f["id"], [])
        if not hits:
            rows.append({"fact": fact, "experiment": "-", "model: median [90% band]": "not spoken to", "result": "-"})
            continue
        for name, c in hits:
            ch = c.check
            model = (
                f"{c.value:.0%} of seeds"
                if ch.stat == "share" and ch.versus is None
                else f"{fmt(c.value)} [{fmt(c.band[0])}, {fmt(c.band[1])}]"
            )
            rows.append(
                {
                    "fact": fact,
                    "experiment": f"[{name}]({name}/report.md): {ch.claim}",
                    "model: median [90% band]": model,
                    "result": "pass" if c.passed else "**fail**",
                }
            )
            if c.passed:
                n_pass += 1
            else:
                n_fail += 1
                notes.append(f"- **{f['id']}**, {ch.claim}: {ch.why_if_fail or 'no explanation given.'}")
    out.append(f"**{n_pass} checks pass, {n_fail} fail.**\n")
    out.append(md_table(rows, ["fact", "experiment", "model: median [90% band]", "result"]))
    if notes:
        out.append("\n## Why the failures fail\n")
        out.append("\n".join(notes) + "\n")
    return "\n".join(out)


def write_validation(
    results: Mapping[str, Result], out_dir: str | os.PathLike[str], command: str = "python -m experiments all"
) -> Path:
    text = validation_text(results, read_facts(), command)
    with staged_dir(out_dir) as tmp:
        (tmp / "validation.md").write_text(text, encoding="utf-8")
    return Path(out_dir) / "validation.md"


def index_text(results: Mapping[str, Result], first_figures: Mapping[str, str]) -> str:
    out = [
        "# Results\n",
        "What `python -m experiments all` writes: one folder per experiment with its report, tables and "
        "figures (bulk tables are not kept in git), and [validation.md](validation.md), every target "
        "fact against the model. `history/` is the default run (`python -m experiments run history`), "
        "`sensitivity/` the sensitivity studies.\n",
    ]
    for name, r in results.items():
        e = r.experiment
        n_pass = sum(c.passed for c in r.checks)
        out.append(f"## [{e.title}]({name}/report.md)\n")
        out.append(f"{e.question} Checks passed: {n_pass} of {len(r.checks)}.\n")
        if name in first_figures:
            out.append(f"![{e.title}]({name}/{first_figures[name]})\n")
    return "\n".join(out)


def write_index(results: Mapping[str, Result], out_dir: str | os.PathLike[str]) -> Path:
    first = {name: r.figures[0][0] for name, r in results.items() if r.figures}
    with staged_dir(out_dir) as tmp:
        (tmp / "README.md").write_text(index_text(results, first), encoding="utf-8")
    return Path(out_dir) / "README.md"


__all__ = [
    "BAND_HI",
    "BAND_LO",
    "FACTS_FILE",
    "band_figure",
    "curve_figure",
    "fmt",
    "md_table",
    "read_facts",
    "report_text",
    "write_index",
    "write_result",
    "write_validation",
]
