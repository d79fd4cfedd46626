"""The teaching dashboard's charts: matplotlib figures drawn on the server as PNG images.

Each chart keeps one figure per model between redraws (`Canvas`): its axes, ticks and the sizes of
its labels are reused, and only the data, the limits and the title change, which makes a redraw
cheaper than drawing a new figure. The data come from the model's `ChartData` (filled month by
month); call the drawing functions with the model's lock held.
"""

from __future__ import annotations

import io
import threading
import weakref
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator  # noqa: E402

from experiments.dashboard import STATUSES, DashboardModel, country_name  # noqa: E402
from model.clearing import CHANNELS  # noqa: E402
from model.goods import TIERS  # noqa: E402

DPI = 120  # charts are drawn at 1.2x their size on the page: sharp enough, and quick to draw
FIG_W_IN, FIG_H_IN = 4.6, 3.45  # one cell of Mesa's grid at 100 px per inch
SUPPLY_H_IN = 2.9  # the supply charts share their cell with the goods buttons

TIER_LABELS = {"concentrate": "concentrate", "ndpr_oxide": "NdPr oxide", "dytb_oxide": "DyTb oxide", "magnet": "magnet"}
TIER_COLOURS = {"concentrate": "#8c6d31", "ndpr_oxide": "#1f77b4", "dytb_oxide": "#9467bd", "magnet": "#d62728"}
SHARE_LABELS = ("mining", "refining (NdPr)", "magnets")
SHARE_COLOURS = ("#8c6d31", "#1f77b4", "#d62728")
COUNTRY_COLOURS = {
    "CHN": "#d62728",
    "USA": "#1f77b4",
    "JPN": "#ff7f0e",
    "AUS": "#2ca02c",
    "MYS": "#17becf",
    "MMR": "#8c564b",
    "XEU": "#bcbd22",
    "XRW": "#7f7f7f",
}
OTHER_COLOUR = "#aaaaaa"
SMUGGLED_COLOUR = "#3b0000"
STATUS_COLOURS = {
    "planned": "#e6e6e6",
    "permitting": "#c6dbef",
    "construction": "#6baed6",
    "operating": "#31a354",
    "mothballed": "#fd8d3c",
    "closed": "#7f0000",
}
GOODS = {"magnet": "magnets", "ndpr_oxide": "NdPr oxide", "dytb_oxide": "DyTb oxide", "concentrate": "concentrate"}
"""Tiers the supply charts can show, with their names on the page."""


class Canvas:
    """A figure kept between redraws, with whatever artists its chart wants to update."""

    def __init__(self, height_in: float, **adjust: float) -> None:
        self.fig = Figure(figsize=(FIG_W_IN, height_in), dpi=DPI)
        self.fig.subplots_adjust(**{"left": 0.13, "right": 0.97, "top": 0.89, "bottom": 0.13, **adjust})
        self.ax = self.fig.subplots()
        self.parts: dict[str, Any] = {}

    def png(self) -> bytes:
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", pil_kwargs={"compress_level": 1})  # light compression: the page is local
        return buf.getvalue()


_LOCK = threading.Lock()
_CANVASES: weakref.WeakKeyDictionary[DashboardModel, dict[tuple[Any, ...], Canvas]] = weakref.WeakKeyDictionary()


def draw(model: DashboardModel, chart: str, *args: Any) -> bytes:
    """Chart `chart` ('prices', 'shares', 'supply' with importer and tier, 'firms') as PNG bytes."""
    with _LOCK:  # sessions draw in their own threads; each model's figures are its own
        canvases = _CANVASES.setdefault(model, {})
    key = (chart, *args)
    canvas = canvases.get(key)
    fresh = canvas is None
    if canvas is None:
        height, adjust = _LAYOUT[chart]
        canvas = canvases[key] = Canvas(height, **adjust)
    _DRAW[chart](model, canvas, fresh, *args)
    return canvas.png()


def _time_axis(model: DashboardModel, c: Canvas, fresh: bool) -> None:
    v = model.view
    if fresh:
        c.ax.set_xlim(v.years[0], v.end_year)
        c.ax.tick_params(labelsize=7)
        c.parts["now"] = c.ax.axvline(v.years[0], color="#999", lw=0.6, ls=":", visible=False)
    if model.steps:
        c.parts["now"].set_xdata([v.years[model.steps - 1]] * 2)
        c.parts["now"].set_visible(True)


def _prices(model: DashboardModel, c: Canvas, fresh: bool) -> None:
    """Price index of each tier, USD/kg, log scale."""
    v, ax, n = model.view, c.ax, model.view.n
    if fresh:
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 3.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.grid(True, which="major", lw=0.3, alpha=0.5)
        c.parts["lines"] = [ax.plot([], [], lw=1.2, color=TIER_COLOURS[t], label=TIER_LABELS[t])[0] for t in TIERS]
        ax.legend(fontsize=6.5, loc="upper left", ncol=2, frameon=False)
        ax.set_ylim(1, 10)
    for j, line in enumerate(c.parts["lines"]):
        line.set_data(v.years[:n], v.prices[:n, j])
    finite = v.prices[:n][np.isfinite(v.prices[:n])]
    if finite.size:
        ax.set_ylim(max(finite.min() / 1.6, 1e-3), finite.max() * 1.8)
    _time_axis(model, c, fresh)
    ax.set_title(f"Prices, USD/kg (log scale), to {model.date_label()}", fontsize=8.5)


def _shares(model: DashboardModel, c: Canvas, fresh: bool) -> None:
    """China's share of world mining, refining and magnet output, %."""
    v, ax, n = model.view, c.ax, model.view.n
    if fresh:
        ax.set_ylim(0, 102)
        ax.grid(True, lw=0.3, alpha=0.5)
        c.parts["lines"] = [
            ax.plot([], [], lw=1.2, color=SHARE_COLOURS[j], label=label)[0] for j, label in enumerate(SHARE_LABELS)
        ]
        ax.legend(fontsize=6.5, loc="lower right", frameon=False)
    for j, line in enumerate(c.parts["lines"]):
        line.set_data(v.years[:n], 100 * v.shares[:n, j])
    _time_axis(model, c, fresh)
    ax.set_title(f"China's share of world output, %, to {model.date_label()}", fontsize=8.5)


def _supply(model: DashboardModel, c: Canvas, fresh: bool, importer: str, tier: str) -> None:
    """What `importer`'s buyers bought of `tier` per month, by origin (home supply included),
    with smuggled goods apart."""
    v, ax, n = model.view, c.ax, model.view.n
    if fresh:
        ax.set_ylabel("t per month", fontsize=7)
        c.parts["empty"] = ax.text(
            0.5, 0.5, "no purchases yet", transform=ax.transAxes, ha="center", fontsize=8, color="#888"
        )
    for artist in list(ax.collections):
        artist.remove()
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    q = v.imports_t[v.importers.index(importer), :n, TIERS.index(tier)]  # (months, origin, channel)
    smuggled = q[:, :, CHANNELS.index("smuggled")].sum(axis=1)
    legal = q.sum(axis=2) - q[:, :, CHANNELS.index("smuggled")]
    layers, labels, colours = [], [], []
    for o, code in enumerate(v.countries):
        if n and legal[:, o].max() > 1e-9:
            layers.append(legal[:, o])
            labels.append(country_name(code) + (" (home)" if code == importer else ""))
            colours.append(COUNTRY_COLOURS.get(code, OTHER_COLOUR))
    if n and smuggled.max() > 1e-9:
        layers.append(smuggled)
        labels.append("smuggled")
        colours.append(SMUGGLED_COLOUR)
    c.parts["empty"].set_visible(not layers)
    if layers:
        ax.stackplot(v.years[:n], *layers, labels=labels, colors=colours, lw=0)
        ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        ax.set_ylim(0, max(float(np.sum(layers, axis=0).max()) * 1.08, 1e-6))
    _time_axis(model, c, fresh)
    ax.set_title(f"{country_name(importer)}: {GOODS[tier]} bought, by origin, to {model.date_label()}", fontsize=8)


def _firms(model: DashboardModel, c: Canvas, fresh: bool) -> None:
    """Each firm's life-cycle status, month by month (one image: firms by months)."""
    v, ax = model.view, c.ax
    names = v.firm_names
    if fresh:
        ax.set_yticks(range(len(names)), [f"{n} ({k})" for n, k in zip(names, v.firm_countries, strict=True)])
        ax.tick_params(axis="y", labelsize=5.2, length=0)
        cmap = ListedColormap([STATUS_COLOURS[s] for s in STATUSES])
        c.parts["image"] = ax.imshow(
            np.zeros((len(names), 1)), cmap=cmap, vmin=-0.5, vmax=len(STATUSES) - 0.5, aspect="auto",
            interpolation="nearest",
        )  # fmt: skip
        handles = [Patch(color=STATUS_COLOURS[s], label=s) for s in STATUSES]
        c.fig.legend(
            handles=handles, loc="lower center", ncol=6, fontsize=5.5, frameon=False, bbox_to_anchor=(0.5, 0.865)
        )
    months = max(v.n, 1)
    codes = v.status[:months].T.astype(float) if v.n else v.status_at_start[:, None].astype(float)
    image = c.parts["image"]
    image.set_data(codes)
    image.set_extent((v.years[0], v.years[0] + months / 12.0, len(names) - 0.5, -0.5))
    _time_axis(model, c, fresh)
    ax.set_ylim(len(names) - 0.5, -0.5)
    c.fig.suptitle(f"Firms' status, to {model.date_label()}", fontsize=8.5, y=0.985)


_DRAW: dict[str, Callable[..., None]] = {"prices": _prices, "shares": _shares, "supply": _supply, "firms": _firms}
_LAYOUT: dict[str, tuple[float, dict[str, float]]] = {
    "prices": (FIG_H_IN, {}),
    "shares": (FIG_H_IN, {}),
    "supply": (SUPPLY_H_IN, {"top": 0.87, "bottom": 0.15, "right": 0.72}),
    "firms": (FIG_H_IN, {"left": 0.42, "right": 0.98, "top": 0.86, "bottom": 0.07}),
}

__all__ = ["draw", "GOODS", "Canvas"]
