"""The dashboard's policy levers (experiments/levers.py) act on a running model as they should.

Each lever moved at month k must do what the equivalent dated cause in a scenario file does at
month k (same series and flows tables, run on the small test world), and must change the
outcome it is about (against the same run without the lever). The levers that are no scenario
event are checked against the scenario attribute they set (US customers' domestic premium) or
against their instrument (Japan's stockpile target).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from conftest import small_world_data, world

from experiments import levers as lv
from experiments.dashboard import DashboardModel
from model.goods import TIERS, month_index
from model.scenario import parse_scenario

T3 = ["concentrate", "ndpr_oxide", "dytb_oxide"]
AT = "2000-01"  # the month levers are moved / causes are dated
SEED = 1


def dash(events: list[dict[str, Any]] = (), seed: int = SEED, **changes: Any) -> DashboardModel:
    return DashboardModel(world(events, **changes), seed=seed)


def run_with_lever(
    name: str, value: Any, at: str = AT, seed: int = SEED, events: list[dict[str, Any]] = (), **changes: Any
) -> DashboardModel:
    """The small world, with lever `name` moved to `value` just before month `at` is simulated."""
    m = dash(events, seed=seed, **changes)
    m.step_months(month_index(at, m.start))
    m.levers.set(m, name, value)
    m.step_months(m.n_months)
    return m


def tables(m: DashboardModel) -> dict[str, pd.DataFrame]:
    return m.recorder.tables()


def legal(t: dict[str, pd.DataFrame], origin: str, destination: str, tiers: list[str], start: str = AT) -> float:
    f = t["flows"]
    sel = (f["origin"] == origin) & (f["destination"] == destination) & (f["channel"] != "smuggled")
    sel &= f["tier"].isin(tiers) & (f["date"] >= start)
    return float(f.loc[sel, "quantity_t"].sum())


BASE = {}


def base(seed: int = SEED) -> dict[str, pd.DataFrame]:
    if seed not in BASE:
        m = dash(seed=seed)
        m.step_months(m.n_months)
        BASE[seed] = tables(m)
    return BASE[seed]


# --- a lever acts like the dated cause of a scenario file ---------------------------------------------
def _years_left(at: str) -> float:
    m = dash()
    return (m.n_months - month_index(at, m.start)) / 12.0


CAUSES = {
    "china_export_quota_t": (2000.0, dict(kind="export_quota", state="CHN", tiers=T3, quota_t=2000.0)),
    "china_embargo": (
        lv.EmbargoSetting("JPN", 6),
        dict(kind="embargo", state="CHN", target="JPN", tiers=list(TIERS), months=6),
    ),
    "us_magnet_tariff_pct": (50.0, dict(kind="import_tariff", state="USA", origin="CHN", tiers=["magnet"], rate=0.5)),
    "china_enforcement_pct": (60.0, dict(kind="enforcement", state="CHN", level=0.6)),
    "us_mine_permitting_months": (12.0, dict(kind="permitting", state="USA", tiers=["concentrate"], months=12)),
    "us_ndpr_floor_usd_per_kg": (
        30.0,
        dict(
            kind="price_floor",
            state="USA",
            firm="Mountain Pass Separation",
            tier="ndpr_oxide",
            usd_per_kg=30.0,
            years=_years_left(AT),
        ),
    ),
}


NO_EFFECT_HERE = {"us_mine_permitting_months"}  # the small world plans no US mine: see the permitting test


@pytest.mark.parametrize("name", sorted(CAUSES))
def test_lever_acts_like_the_dated_cause(name: str) -> None:
    value, cause = CAUSES[name]
    by_lever = tables(run_with_lever(name, value))
    scheduled = dash([{**cause, "date": AT, "note": "test"}])
    scheduled.step_months(scheduled.n_months)
    by_cause = tables(scheduled)
    pd.testing.assert_frame_equal(by_lever["series"], by_cause["series"])
    pd.testing.assert_frame_equal(by_lever["flows"], by_cause["flows"])
    cols = ["date", "kind", "actor", "country"]  # the details differ by their note only
    pd.testing.assert_frame_equal(by_lever["events"][cols], by_cause["events"][cols])
    if name not in NO_EFFECT_HERE:  # the equality above is no accident of a lever that does nothing
        assert not by_lever["series"].equals(base()["series"])
    lever_rows = by_lever["events"][by_lever["events"]["detail"].str.contains(lv.NOTE, regex=False)]
    assert not lever_rows.empty and set(lever_rows["date"]) == {AT}
    assert set(lever_rows["kind"]) <= {"policy", "embargo_start"}


def test_premium_lever_before_the_first_month_equals_the_scenario_premium() -> None:
    data = small_world_data()
    us = {c["name"]: {"domestic_premium": 0.4} for c in data["customers"] if c["country"] == "USA"}
    scenario = dash(customers=us)
    scenario.step_months(scenario.n_months)
    lever = run_with_lever("us_domestic_premium_pct", 40.0, at=data["scenario"]["start"])
    a, b = tables(lever), tables(scenario)
    pd.testing.assert_frame_equal(a["series"], b["series"])
    pd.testing.assert_frame_equal(a["flows"], b["flows"])


# --- each lever changes what it should -------------------------------------------------------------------
def test_quota_lever_cuts_chinas_exports() -> None:
    quota = tables(run_with_lever("china_export_quota_t", 2000.0))
    abroad = ["JPN", "USA", "XEU"]
    assert sum(legal(quota, "CHN", d, T3) for d in abroad) < 0.8 * sum(legal(base(), "CHN", d, T3) for d in abroad)


def test_quota_lever_off_lifts_the_quota() -> None:
    m = run_with_lever("china_export_quota_t", 2000.0, at="2000-01")
    assert lv.read(m, "china_export_quota_t", m.n_months - 1) == 2000.0
    m = dash()
    m.step_months(month_index(AT, m.start))
    m.levers.set(m, "china_export_quota_t", 2000.0)
    m.step_months(12)
    m.levers.set(m, "china_export_quota_t", None)
    m.step_months(1)
    assert "concentrate" not in m.states["CHN"].policy.export_quota_t
    assert lv.read(m, "china_export_quota_t") is None
    lifted = [e for e in m.recorder.events if e[4] == f"export_quota: export quota lifted ({lv.NOTE})"]
    assert [e[0] for e in lifted] == ["2001-01"]


def test_embargo_lever_stops_legal_exports_to_the_target_while_in_force() -> None:
    t = tables(run_with_lever("china_embargo", lv.EmbargoSetting("JPN", 6)))
    months = ["2000-01", "2000-02", "2000-03", "2000-04", "2000-05", "2000-06"]
    f = t["flows"]
    during = f[(f["origin"] == "CHN") & (f["destination"] == "JPN") & f["date"].isin(months)]
    assert float(during.loc[during["channel"] == "legal", "quantity_t"].sum()) == 0.0
    assert legal(base(), "CHN", "JPN", list(TIERS), AT) > 0
    assert legal(t, "CHN", "JPN", list(TIERS), "2000-07") > 0  # it ends


def test_embargo_lever_lifted_early_ends_once_and_exports_resume() -> None:
    m = dash()
    m.step_months(month_index(AT, m.start))
    m.levers.set(m, "china_embargo", lv.EmbargoSetting("JPN", 12))
    m.step_months(3)
    assert lv.read(m, "china_embargo") == lv.EmbargoSetting("JPN", 9)
    m.levers.set(m, "china_embargo", None)
    m.step_months(m.n_months)
    t = tables(m)
    ends = t["events"][t["events"]["kind"] == "embargo_end"]
    assert list(ends["date"]) == ["2000-04"] and lv.NOTE in ends["detail"].iloc[0]
    assert legal(t, "CHN", "JPN", list(TIERS), "2000-04") > 0
    f = t["flows"]
    assert f[(f["origin"] == "CHN") & (f["destination"] == "JPN") & (f["date"] == "2000-04")]["quantity_t"].sum() > 0


def test_tariff_lever_cuts_us_magnet_imports_from_china() -> None:
    t = tables(run_with_lever("us_magnet_tariff_pct", 200.0))
    assert legal(t, "CHN", "USA", ["magnet"]) < 0.7 * legal(base(), "CHN", "USA", ["magnet"])


def test_premium_lever_moves_us_buyers_to_us_supply() -> None:
    t = tables(run_with_lever("us_domestic_premium_pct", 100.0))
    assert legal(t, "USA", "USA", ["concentrate"]) > 1.2 * legal(base(), "USA", "USA", ["concentrate"])


# an export quota from 1998 makes smuggling pay in the small world
QUOTA_98 = dict(date="1998-01", kind="export_quota", state="CHN", tiers=T3, quota_t=2000.0)


def test_enforcement_lever_cuts_smuggling() -> None:
    t = tables(run_with_lever("china_enforcement_pct", 100.0, events=[QUOTA_98]))
    m0 = dash([QUOTA_98])
    m0.step_months(m0.n_months)
    after = lambda s: float(s.loc[s["date"] >= "2001-01", "smuggled_t"].sum())  # noqa: E731
    assert after(tables(m0)["series"]) > 100.0, "the quota makes smuggling pay in this world"
    assert after(t["series"]) < 0.5 * after(tables(m0)["series"])


def test_stockpile_lever_makes_japan_buy_into_its_stockpile() -> None:
    m = run_with_lever("japan_stockpile_months", 6.0)
    assert sum(m.states["JPN"].policy.stockpile_target_t.values()) > 0
    f = tables(m)["flows"]
    bought = f[(f["destination"] == "JPN") & (f["channel"] == "stockpile") & (f["date"] >= AT)]["quantity_t"].sum()
    f0 = base()["flows"]
    before = f0[(f0["destination"] == "JPN") & (f0["channel"] == "stockpile")]["quantity_t"].sum()
    assert bought > 0 and bought > before


def test_floor_lever_pays_us_separators_and_zero_removes_it() -> None:
    m = run_with_lever("us_ndpr_floor_usd_per_kg", 60.0)
    assert m.states["USA"].spent_usd.get("price_floor", 0.0) > 0
    assert lv.read(m, "us_ndpr_floor_usd_per_kg", m.n_months - 1) == 60.0
    m = dash()
    m.step_months(month_index(AT, m.start))
    m.levers.set(m, "us_ndpr_floor_usd_per_kg", 60.0)
    m.step_months(6)
    m.levers.set(m, "us_ndpr_floor_usd_per_kg", 0.0)
    m.step_months(1)
    paid = m.states["USA"].spent_usd.get("price_floor", 0.0)
    m.step_months(m.n_months)
    assert lv.read(m, "us_ndpr_floor_usd_per_kg") == 0.0
    assert m.states["USA"].spent_usd.get("price_floor", 0.0) == paid  # nothing paid after removal
    assert any("price floor removed" in e[4] for e in m.recorder.events)


def test_permitting_lever_opens_a_new_us_mine_sooner() -> None:
    data = small_world_data()
    mine = dict(
        name="New US mine", country="USA", capacity_t=2000, unit_cost_usd_per_kg=1.6, status="planned",
        construction_months=12, ndpr_share=0.16, dytb_share=0.001,
    )  # fmt: skip
    build = dict(date="1997-01", kind="build", state="USA", firm="New US mine")
    changes = dict(miners=data["miners"] + [mine], events=[build])

    def opened(m: DashboardModel) -> str:
        e = tables(m)["events"]
        rows = e[(e["kind"] == "open") & (e["actor"] == "New US mine")]
        return str(rows["date"].iloc[0]) if len(rows) else "never"

    slow = DashboardModel(world(**changes), seed=SEED)  # the small world's US: 120 months
    slow.step_months(slow.n_months)
    fast = DashboardModel(world(**changes), seed=SEED)
    fast.levers.set(fast, "us_mine_permitting_months", 6.0)
    fast.step_months(fast.n_months)
    assert opened(fast) == "1998-07" and opened(slow) == "never"  # 6 + 12 months after 1997-01


# --- the board of pending changes ------------------------------------------------------------------------
def test_a_change_waits_for_the_next_month_and_is_dated_it() -> None:
    m = dash()
    m.step_months(5)
    n_events = len(m.recorder.events)
    m.levers.set(m, "us_magnet_tariff_pct", 25)
    assert lv.read(m, "us_magnet_tariff_pct") == 0.0 and len(m.recorder.events) == n_events
    assert m.levers.value(m, "us_magnet_tariff_pct") == 25.0
    m.step_months(1)
    assert lv.read(m, "us_magnet_tariff_pct") == 25.0 and m.levers.pending() == {}
    new = [e for e in m.recorder.events[n_events:] if lv.NOTE in e[4]]
    assert [(e[0], e[1]) for e in new] == [(m.date, "policy")]


def test_moving_a_lever_back_cancels_the_change() -> None:
    m = dash()
    m.levers.set(m, "china_enforcement_pct", 50)
    m.levers.set(m, "china_enforcement_pct", lv.read(m, "china_enforcement_pct"))
    assert m.levers.pending() == {}
    m.step_months(1)
    assert not any(lv.NOTE in e[4] for e in m.recorder.events)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("us_magnet_tariff_pct", 301, "us_magnet_tariff_pct = 301: must be a number from 0 to 300 %"),
        ("china_enforcement_pct", float("nan"), "china_enforcement_pct = nan: must be a number from 0 to 100 %"),
        ("china_embargo", lv.EmbargoSetting("JPN", 0), "china_embargo.months = 0: must be a number from 1 to 36"),
        ("china_embargo", lv.EmbargoSetting("CHN", 3), "china_embargo.target = 'CHN': must be a country"),
        ("china_embargo", "JPN", "china_embargo = 'JPN': must be None (no embargo) or EmbargoSetting"),
        ("no_such_lever", 1, "lever 'no_such_lever': unknown; levers: china_export_quota_t"),
    ],
)
def test_bad_lever_values_are_one_line_errors(name: str, value: Any, message: str) -> None:
    m = dash()
    with pytest.raises(lv.LeverError) as err:
        m.levers.set(m, name, value)
    assert str(err.value).startswith(message) and "\n" not in str(err.value)
    assert m.levers.pending() == {}


def test_levers_need_their_countries_and_stop_at_the_end_of_the_run() -> None:
    data = small_world_data()
    data["states"] = [s for s in data["states"] if s["country"] != "JPN"]
    for section in ("customers", "magnet_makers"):
        data[section] = [c for c in data[section] if c["country"] != "JPN"]
    m = DashboardModel(parse_scenario(data), seed=SEED)
    assert not lv.available(m, "japan_stockpile_months") and lv.available(m, "china_enforcement_pct")
    with pytest.raises(lv.LeverError, match="lacks JPN"):
        lv.read(m, "japan_stockpile_months")
    m.step_months(m.n_months)
    with pytest.raises(lv.LeverError, match="the run has ended"):
        lv.apply(m, "china_enforcement_pct", 50)
