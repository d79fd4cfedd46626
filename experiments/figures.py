"""Figures from the output tables (seaborn on matplotlib's Agg backend: no display needed).

Across an ensemble of seeds every line is the median and the band is the 5-95% range of the runs.
"""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

PRICE_COLUMNS: dict[str, str] = {
    "price_concentrate": "concentrate",
    "price_ndpr_oxide": "NdPr oxide",
    "price_dytb_oxide": "DyTb oxide",
    "price_magnet": "magnet",
}
SHARE_COLUMNS: dict[str, str] = {
    "china_share_mining": "mining",
    "china_share_refining": "refining",
    "china_share_magnets": "magnets",
}
BAND = ("pi", 90)
"""seaborn errorbar: the 5-95% percentile interval across runs."""


def with_time(series: pd.DataFrame) -> pd.DataFrame:
    """`series` with a `time` column: the `date` (YYYY-MM) as a datetime."""
    out = series.copy()
    out["time"] = pd.to_datetime(out["date"].astype(str), format="%Y-%m")
    return out


def _long(df: pd.DataFrame, columns: dict[str, str], var: str, value: str) -> pd.DataFrame:
    present = [c for c in columns if c in df.columns]
    long = df.melt(id_vars=["time", "run_id"], value_vars=present, var_name=var, value_name=value)
    long[var] = long[var].map(columns)
    return long


def _band_plot(ax: plt.Axes, data: pd.DataFrame, y: str, hue: str, order: list[str]) -> None:
    data = data.dropna(subset=[y])
    if data.empty:
        ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center", va="center")
        return
    sns.lineplot(
        data=data,
        x="time",
        y=y,
        hue=hue,
        hue_order=[h for h in order if h in set(data[hue])],
        estimator="median",
        errorbar=BAND,
        ax=ax,
    )


def overview_figure(series: pd.DataFrame, path: str | os.PathLike[str], title: str | None = None) -> None:
    """Prices per tier (log scale) and China's shares of mining, refining and magnets over time:
    median across runs (seeds) and the 5-95% band. Saved to `path` (format from the suffix)."""
    df = with_time(series)
    n_runs = df["run_id"].nunique() if "run_id" in df.columns else 1
    prices = _long(df, PRICE_COLUMNS, "tier", "usd_per_kg")
    prices.loc[~(prices["usd_per_kg"] > 0), "usd_per_kg"] = np.nan  # no trade yet: no point on a log axis
    shares = _long(df, SHARE_COLUMNS, "stage", "share")

    sns.set_theme(style="whitegrid", context="notebook")
    fig, (ax_p, ax_s) = plt.subplots(2, 1, figsize=(10, 8), sharex=True, constrained_layout=True)
    try:
        _band_plot(ax_p, prices, "usd_per_kg", "tier", list(PRICE_COLUMNS.values()))
        if prices["usd_per_kg"].notna().any():
            ax_p.set_yscale("log")
        ax_p.set_ylabel("price index, USD/kg (log scale)")
        ax_p.set_title("Prices per tier")
        _band_plot(ax_s, shares, "share", "stage", list(SHARE_COLUMNS.values()))
        ax_s.set_ylim(0, 1)
        ax_s.set_ylabel("China's share of world output")
        ax_s.set_title("China's shares of mining, refining and magnets")
        ax_s.set_xlabel("")
        band = "median and 5-95% band" if n_runs > 1 else "one run"
        fig.suptitle(f"{title + ': ' if title else ''}{n_runs} run{'s' if n_runs != 1 else ''}, {band}")
        fig.savefig(path, dpi=110)
    finally:
        plt.close(fig)


__all__ = ["overview_figure", "with_time", "PRICE_COLUMNS", "SHARE_COLUMNS"]
