"""The dashboard's model and chart data (experiments/dashboard.py) without a browser: the page's
model runs like the plain model, its chart arrays agree with the output tables, SolaraViz's Reset
can rebuild it, and the event feed reads as sentences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import world
from mesa.visualization.solara_viz import _build_model_init_kwargs

from experiments import app, charts
from experiments.dashboard import STATUSES, DashboardModel, describe_event, feed
from model import RareEarthModel
from model.goods import TIERS
from model.scenario import builtin_scenarios
from model.tables import SERIES_COLUMNS


@pytest.fixture(scope="module")
def stepped() -> DashboardModel:
    m = DashboardModel(world(), seed=2)
    m.step_months(m.n_months)
    return m


def test_the_page_model_gives_the_plain_models_tables(stepped: DashboardModel) -> None:
    plain = RareEarthModel(world(), seed=2).run()
    mine = stepped.recorder.tables()
    for name in plain:
        pd.testing.assert_frame_equal(mine[name], plain[name])


def test_chart_data_agree_with_the_tables(stepped: DashboardModel) -> None:
    t = stepped.recorder.tables()
    v = stepped.view
    assert v.n == stepped.n_months == len(t["series"])
    prices = t["series"][["price_concentrate", "price_ndpr_oxide", "price_dytb_oxide", "price_magnet"]].to_numpy()
    np.testing.assert_allclose(v.prices, np.where(prices > 0, prices, np.nan))
    shares = t["series"][["china_share_mining", "china_share_refining", "china_share_magnets"]].to_numpy()
    np.testing.assert_allclose(v.shares, shares)
    f = t["flows"]
    for j, importer in enumerate(v.importers):
        for k, tier in enumerate(TIERS):
            got = v.imports_t[j, :, k].sum(axis=(1, 2))
            want = f[(f["destination"] == importer) & (f["tier"] == tier)].groupby("date")["quantity_t"].sum()
            want = want.reindex(t["series"]["date"], fill_value=0.0).to_numpy()
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)
    a = t["agents"]
    for i, name in enumerate(v.firm_names):
        snaps = a[a["name"] == name].set_index("date")["status"]
        for date, status in snaps.items():
            month = int(t["series"].index[t["series"]["date"] == date][0])
            assert STATUSES[v.status[month, i]] == status, (name, date)


def test_the_series_columns_the_charts_read_exist() -> None:
    for col in ("price_concentrate", "price_magnet", "china_share_mining", "china_share_magnets"):
        assert col in SERIES_COLUMNS


def test_mesas_reset_rebuilds_the_page_model() -> None:
    """SolaraViz's Reset calls the model's class with the page's inputs plus a Mesa Scenario under
    the keyword `scenario`; the page's model takes the scenario's name as `world`."""
    m = DashboardModel("history", seed=0)
    params = {k: v["value"] for k, v in app.model_params().items()}
    params["seed"] = 7
    kwargs = _build_model_init_kwargs(m, params, add_scenario_when_empty=True, require_model_accepts_scenario=True)
    fresh = type(m)(**kwargs)
    assert fresh.seed == 7 and fresh.world == "history" and fresh.steps == 0
    assert fresh.scenario_spec.scenario.name == "history"


def test_the_scenario_picker_lists_the_built_in_scenarios() -> None:
    params = app.model_params()
    assert params["world"]["values"] == sorted(builtin_scenarios())
    assert params["world"]["value"] in params["world"]["values"]


def test_charts_draw_at_every_stage(stepped: DashboardModel) -> None:
    fresh = DashboardModel(world(), seed=2)
    for m in (fresh, stepped):
        for chart, args in (("prices", ()), ("shares", ()), ("supply", ("USA", "magnet")), ("firms", ())):
            png = charts.draw(m, chart, *args)
            assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2000
    before = charts.draw(fresh, "prices")
    fresh.step_months(3)
    assert charts.draw(fresh, "prices") != before  # redrawn with the new months (and the new date)


@pytest.mark.parametrize(
    ("row", "sentence"),
    [
        (
            (
                "2002-06",
                "mothball",
                "Mountain Pass",
                "USA",
                "30 months of losses; price 2.46 USD/kg vs unit cost 2.50 USD/kg",
            ),
            "2002-06 Mountain Pass mothballed after 30 months of losses (price 2.46 USD/kg vs unit cost 2.50 USD/kg)",
        ),
        (
            ("2010-09", "embargo_start", "CHN", "CHN", "embargo on JPN for 2 months: concentrate"),
            "2010-09 China: embargo on Japan for 2 months: concentrate",
        ),
        (
            ("2010-01", "policy", "CHN", "CHN", "export_quota: export quota 30300 t/yr (F11)"),
            "2010-01 China: export quota 30300 t/yr (F11)",
        ),
        (
            ("2013-04", "open", "Hitachi Metals North Carolina", "USA", "starts production, capacity 600 t/yr"),
            "2013-04 Hitachi Metals North Carolina starts production (capacity 600 t/yr)",
        ),
        (
            ("2022-08", "close", "Hitachi Metals North Carolina", "USA", "closed after 24 months mothballed"),
            "2022-08 Hitachi Metals North Carolina closed after 24 months mothballed",
        ),
        (("2030-01", "mothball", "X", "USA", "something new"), "2030-01 X mothballed: something new"),
        (("2030-01", "a_new_kind", "X", "USA", "as it is"), "2030-01 X: as it is"),
    ],
)
def test_events_read_as_sentences(row: tuple[str, ...], sentence: str) -> None:
    assert describe_event(*row) == sentence


def test_the_feed_is_newest_first_and_leaves_out_investments_unless_asked(stepped: DashboardModel) -> None:
    short = feed(stepped, limit=1000)
    full = feed(stepped, everything=True, limit=10_000)
    assert all(kind not in ("invest", "seizure") for kind, _, _ in short)
    assert len(full) == len(stepped.recorder.events) > len(short)
    dates = [text[:7] for _, _, text in full]
    assert dates == sorted(dates, reverse=True)
