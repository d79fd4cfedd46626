"""Separators built for one kind of ore (`feed`), and ionic-clay separators that run for DyTb.

Each test runs the small world with the rule and a counterfactual without it, in which the
outcome changes for the stated reason.
"""

from __future__ import annotations

from typing import Any

from conftest import small_world_data, world

from model import RareEarthModel

IONIC = {"South China ionic clays": {"ore": "ionic_clay"}, "South China illegal mines": {"ore": "ionic_clay"}}
MINERAL_DYTB_MAX = max(m["dytb_share"] for m in small_world_data()["miners"] if m["name"] not in IONIC)
"""The highest DyTb share of the small world's mineral ores."""
UNTIL = "1999-12"


def monthly(
    firms: dict[str, dict[str, Any]], name: str, params: dict[str, Any] | None = None
) -> list[dict[str, float]]:
    """Month by month, a separator's DyTb yield (content of its feed in stock), its feed
    processed (t) and its DyTb output (t)."""
    m = RareEarthModel(world(firms=firms), seed=1, until=UNTIL, check=True, **(params or {}))
    firm = m.firm_by_name[name]
    rows = []
    while m.month + 1 < m.n_months:
        m.step()
        rows.append(
            {
                "dytb_yield": firm.yield_of("dytb_oxide"),
                "feed_t": firm.output_t,
                "dytb_t": firm.oxide_output_t["dytb_oxide"],
            }
        )
    return rows


def test_a_separator_built_for_mineral_ore_buys_no_ionic_clay_concentrate() -> None:
    """Baotou with `feed = "mineral"` keeps separating, and its feed keeps the DyTb content of
    mineral ore; with any feed it also buys the ionic clays' DyTb-rich concentrate."""
    mineral = monthly({**IONIC, "Baotou separators": {"feed": "mineral"}}, "Baotou separators")
    anyfeed = monthly(IONIC, "Baotou separators")
    assert sum(r["feed_t"] for r in mineral) > 0, "the mineral-fed separator stopped"
    assert max(r["dytb_yield"] for r in mineral) <= MINERAL_DYTB_MAX + 1e-12
    assert max(r["dytb_yield"] for r in anyfeed) >= 2 * MINERAL_DYTB_MAX, "with any feed it bought no ionic ore"


def test_an_ionic_clay_separator_runs_for_its_dytb() -> None:
    """With magnets that need much DyTb, the Southern separators with `feed = "ionic_clay"`, which
    plan their feed by both oxides, process more feed and make more DyTb than the same plant
    with any feed, which plans by NdPr alone (on seed 1: about 2.3x the feed and 2.5x the DyTb).
    Their feed is DyTb-rich in both worlds (the ionic clays are the cheapest ore for it), so the
    difference is the plan, not the ore."""
    params = {"dytb_per_t_magnet": 0.1}
    ionic = monthly({**IONIC, "Southern China separators": {"feed": "ionic_clay"}}, "Southern China separators", params)
    anyfeed = monthly(IONIC, "Southern China separators", params)

    def total(rows: list[dict[str, float]], key: str) -> float:
        return sum(r[key] for r in rows)

    def mean_yield(rows: list[dict[str, float]]) -> float:
        return total(rows, "dytb_yield") / len(rows)

    assert mean_yield(anyfeed) >= 0.9 * mean_yield(ionic), "with any feed the plant took leaner ore"
    assert total(ionic, "feed_t") >= 1.5 * total(anyfeed, "feed_t")
    made_ionic, made_any = total(ionic, "dytb_t"), total(anyfeed, "dytb_t")
    assert made_ionic >= 1.5 * made_any, f"{made_ionic:.0f} t of DyTb with the ionic plan, {made_any:.0f} t without"
