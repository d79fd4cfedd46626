"""The teaching dashboard: a Solara page on Mesa's SolaraViz (start it with `python -m experiments dashboard`).

Mesa's SolaraViz gives the frame: play, pause, step and reset, the scenario picker and the seed
(they apply on Reset), and a grid of charts that redraw after every step. This module adds a
sidebar card with the date, 'Step 1 year' and 'Run to', and the policy levers, which act on the
running model from the next month (see `experiments.levers`), and the charts: prices (log scale),
China's shares, the supply of US and Japanese buyers by origin, the firms' status over time and
the event feed. Charts are matplotlib figures drawn on the server, so the page needs no network.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import force_update, update_counter

from experiments import charts
from experiments import levers as lv
from experiments.dashboard import DashboardModel, country_name, feed
from model.scenario import builtin_scenarios

TITLE = "Rare earths: a teaching dashboard"
DEFAULT_WORLD = "history"
PLAY_INTERVAL_MS = 50
LEVERS_DEPTH = 4  # see _Deeper
SUPPLY_DEFAULTS = {"USA": "magnet", "JPN": "concentrate"}
"""The goods each supply chart shows first."""

CSS = """
.re-date { font-size: 1.6em; font-weight: 600; }
.re-feed { height: 300px; overflow-y: auto; font-size: 0.82em; line-height: 1.35; }
.re-feed div { padding: 2px 0; border-bottom: 1px solid #eee; }
.re-feed .policy { color: #08519c; }
.re-feed .lever { color: #a50f15; font-weight: 600; }
.re-pending { font-size: 0.85em; color: #a50f15; }
.re-help { font-size: 0.75em; color: #666; line-height: 1.2; margin-bottom: 6px; }
.re-label { font-size: 0.9em; font-weight: 600; margin-top: 4px; }
.re-note { font-size: 0.85em; color: #555; }
.re-lever .v-input--switch { margin-top: 0; padding-top: 0; }
.re-lever .v-input__slot { margin-bottom: 0; }
"""


# --- grid components (functions of the model; Mesa redraws them after every step) --------------------
def _chart(model: DashboardModel, css: str, chart: str, *args: Any) -> solara.Element:
    """One chart image, redrawn only when the model has stepped (or was replaced)."""

    def render() -> bytes:
        with model.lock:
            return charts.draw(model, chart, *args)

    data = solara.use_memo(render, [id(model), model.steps, chart, *args])
    return solara.Image(data, format="png", width="100%", classes=["re-chart", css])


def PricesChart(model: DashboardModel) -> solara.Element:
    return _chart(model, "re-chart-prices", "prices")


def SharesChart(model: DashboardModel) -> solara.Element:
    return _chart(model, "re-chart-shares", "shares")


def _supply(model: DashboardModel, importer: str) -> solara.Element:
    tier, set_tier = solara.use_state(SUPPLY_DEFAULTS[importer])
    tier_of = {label: t for t, label in charts.GOODS.items()}
    with solara.Column(gap="0px") as col:
        if importer not in model.view.importers:
            solara.Text(f"This scenario has no {country_name(importer)}.")
        else:
            solara.ToggleButtonsSingle(
                value=charts.GOODS[tier],
                values=list(tier_of),
                on_value=lambda label: set_tier(tier_of[label]),
                dense=True,
                classes=[f"re-goods-{importer}"],
            )
            _chart(model, f"re-chart-supply-{importer}", "supply", importer, tier)
    return col


def USASupply(model: DashboardModel) -> solara.Element:
    return _supply(model, "USA")


def JapanSupply(model: DashboardModel) -> solara.Element:
    return _supply(model, "JPN")


def FirmsChart(model: DashboardModel) -> solara.Element:
    return _chart(model, "re-chart-firms", "firms")


def EventFeed(model: DashboardModel) -> solara.Element:
    everything, set_everything = solara.use_state(False)
    with model.lock:
        rows = feed(model, everything=everything)
    items = []
    for _kind, group, text in rows:
        css = "lever" if lv.NOTE in text else group
        items.append(f'<div class="{css}">{html.escape(text)}</div>')
    body = "".join(items) or "<div>No events yet: press ▶ or a step button.</div>"
    with solara.Column(gap="4px") as col:
        solara.HTML(tag="div", unsafe_innerHTML="<b>Events</b> (newest first; the levers' changes in red)")
        solara.Checkbox(label="also investments and seizures", value=everything, on_value=set_everything)
        solara.HTML(tag="div", unsafe_innerHTML=body, classes=["re-feed"])
    return col


COMPONENTS = [PricesChart, SharesChart, USASupply, JapanSupply, FirmsChart, EventFeed]


# --- sidebar: time and levers ------------------------------------------------------------------------
@solara.component
def TimeCard(model: solara.Reactive[DashboardModel]) -> None:
    """The date, 'Step 1 year' and 'Run to the end of a year'."""
    update_counter.get()
    m = model.value
    first_year, last_year = int(m.view.years[0]), int(m.view.end_year - 1e-9)
    target, set_target = solara.use_state(min(first_year + 10, last_year))
    error, set_error = solara.use_state("")

    def run(months: int) -> None:
        try:
            m.step_months(months)
            set_error("")
        except Exception as exc:  # shown on the page; the model is left as the failed month left it
            set_error(f"error in step: {exc}")
        force_update()

    def run_to() -> None:
        end = (target - first_year + 1) * 12 - (int(m.start[5:7]) - 1)  # months to the end of `target`
        run(max(end - m.steps, 0))

    with solara.Card("Time", classes=["re-time"]):
        solara.HTML(tag="div", unsafe_innerHTML=html.escape(m.date_label()), classes=["re-date"])
        solara.HTML(
            tag="div",
            unsafe_innerHTML=html.escape(f"month {m.steps} of {m.n_months}; scenario {m.world}, seed {m.seed}"),
            classes=["re-note"],
        )
        with solara.Row():
            solara.Button("Step 1 year", on_click=lambda: run(12), disabled=m.finished, classes=["re-step-year"])
            solara.Button("Run to", on_click=run_to, disabled=m.finished, classes=["re-run-to"])
        solara.HTML(tag="div", unsafe_innerHTML=f"Run to the end of {target}", classes=["re-note", "re-run-to-year"])
        solara.SliderInt("", value=target, min=first_year, max=last_year, on_value=set_target)
        if error:
            solara.Error(error)


def _fmt(lever: lv.Lever, value: Any) -> str:
    if value is None:
        return "off"
    if isinstance(value, lv.EmbargoSetting):
        return f"on {country_name(value.target)}, {value.months} months"
    return f"{value:,.0f} {lever.unit}"


class _Drafts:
    """Settings of the quota and embargo controls that only matter once their switch is on."""

    def __init__(self, model: DashboardModel) -> None:
        self.quota_t = 30_000.0
        self.target = "JPN" if "JPN" in model.states else next(c for c in model.countries if c != "CHN")
        self.months = 6


def _on_grid(lever: lv.Lever, value: float) -> int:
    """`value` rounded to the lever's slider steps (where the slider can show it)."""
    return int(min(max(round((value - lever.lo) / lever.step) * lever.step + lever.lo, lever.lo), lever.hi))


def _lever_controls(
    m: DashboardModel, lever: lv.Lever, value: Any, change: Callable[[str, Any], None], drafts: _Drafts
) -> None:
    """The switch and sliders of one lever.

    A slider shows its lever's value rounded to its steps (a quota of 30,300 t/yr sits at 30,000).
    A slider that reports the rounded standing value is back where it stood (or only snapped to its
    steps): that cancels a pending change instead of asking for the rounded value."""
    label = f"{lever.label}: {_fmt(lever, value)}"
    solara.HTML(tag="div", unsafe_innerHTML=html.escape(label), classes=["re-label"], attributes={"title": lever.help})
    standing = m.levers.standing(m, lever.name)

    def to(v: int) -> Any:
        return standing if standing is not None and v == _on_grid(lever, standing) else float(v)

    if lever.control == "quota":
        on = value is not None
        shown = value if on else drafts.quota_t

        def toggle_quota(now_on: bool) -> None:
            change(lever.name, float(drafts.quota_t if value is None else value) if now_on else None)

        def slide_quota(v: int) -> None:
            drafts.quota_t = float(v)
            if on:
                change(lever.name, to(v))

        solara.Switch(label="quota in force", value=on, on_value=toggle_quota, disabled=m.finished)
        solara.SliderInt(
            "", value=_on_grid(lever, shown), min=int(lever.lo), max=int(lever.hi), step=int(lever.step),
            on_value=slide_quota, disabled=m.finished,
        )  # fmt: skip
    elif lever.control == "embargo":
        on = value is not None
        others = [c for c in m.countries if c != "CHN"]

        def toggle_embargo(now_on: bool) -> None:
            change(lever.name, lv.EmbargoSetting(drafts.target, int(drafts.months)) if now_on else None)

        def set_target(code: str) -> None:
            drafts.target = code
            change("", None)  # redraw only

        def set_months(months: int) -> None:
            drafts.months = int(months)
            change("", None)

        solara.Switch(label="embargo in force", value=on, on_value=toggle_embargo, disabled=m.finished)
        solara.Select(
            "target", value=value.target if on else drafts.target, values=others, on_value=set_target, disabled=on,
            dense=True,
        )  # fmt: skip
        solara.SliderInt(
            "months", value=_on_grid(lever, value.months if on else drafts.months), min=int(lever.lo),
            max=int(lever.hi), on_value=set_months, disabled=on or m.finished,
        )  # fmt: skip
    else:

        def slide(v: int) -> None:
            change(lever.name, to(v))

        solara.SliderInt(
            "", value=_on_grid(lever, value), min=int(lever.lo), max=int(lever.hi), step=int(lever.step),
            on_value=slide, disabled=m.finished,
        )  # fmt: skip
    solara.Text(lever.help, classes=["re-help"])


@solara.component
def LeverCard(model: solara.Reactive[DashboardModel]) -> None:
    """The policy levers; a change applies from the next month."""
    update_counter.get()
    m = model.value
    board = m.levers
    _, set_tick = solara.use_state(0)
    drafts = solara.use_memo(lambda: _Drafts(m), [id(m)])

    def change(name: str, value: Any) -> None:
        if name:
            board.set(m, name, value)
        set_tick(lambda t: t + 1)

    with solara.Card("Policy levers"):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"Changes act from <b>{m.next_date()}</b>, the month simulated next.",
            classes=["re-note"],
        )
        for lever in lv.LEVERS.values():
            if not lv.available(m, lever.name):
                continue
            value = board.value(m, lever.name)
            with solara.Column(gap="0px", classes=["re-lever", f"re-lever-{lever.name}"]):
                _lever_controls(m, lever, value, change, drafts)
        pending = board.pending()
        if pending:
            text = "; ".join(f"{lv.LEVERS[n].label} {_fmt(lv.LEVERS[n], v)}" for n, v in pending.items())
            solara.Text(f"From {m.next_date()}: {text}", classes=["re-pending"])


# --- the page ----------------------------------------------------------------------------------------
def model_params() -> dict[str, Any]:
    """SolaraViz's inputs for a new model (applied when Reset is pressed)."""
    names = sorted(builtin_scenarios())
    return {
        "world": {
            "type": "Select",
            "value": DEFAULT_WORLD if DEFAULT_WORLD in names else names[0],
            "values": names,
            "label": "Scenario (press Reset to load)",
        },
        "seed": {"type": "SliderInt", "value": 0, "min": 0, "max": 99, "step": 1, "label": "Seed (press Reset)"},
    }


@solara.component
def _Deeper(model: solara.Reactive[DashboardModel], levels: int) -> None:
    """Solara orders the sidebar's parts by how deep in the page they are placed (Mesa's controls
    sit a few components down inside SolaraViz); placed deeper, the levers come below them."""
    if levels > 0:
        _Deeper(model, levels - 1)
    else:
        with solara.Sidebar():
            LeverCard(model)


@solara.component
def Page() -> None:
    """One page per browser session, with its own model."""
    first = solara.use_memo(lambda: DashboardModel(model_params()["world"]["value"]), [])
    model = solara.use_reactive(first)
    solara.Title(TITLE)
    solara.Style(CSS)
    with solara.Sidebar():  # above Mesa's controls
        TimeCard(model)
    _Deeper(model, levels=LEVERS_DEPTH)
    SolaraViz(
        model,
        components=COMPONENTS,
        model_params=model_params(),
        name=TITLE,
        play_interval=PLAY_INTERVAL_MS,
        render_interval=1,
    )
