"""undercutting, reduced (2 seeds, to 2010): Mountain Pass stops for losses around 2000 in the
history world, and the counterfactuals move the stop for the stated reasons."""

from __future__ import annotations

from functools import cache

from experiments import undercutting
from experiments.experiment import Result, run_experiment

SEEDS = 2


@cache
def result() -> Result:
    return run_experiment(undercutting.EXPERIMENT.with_changes(until="2010-12"), seeds=SEEDS, workers=2)


def stop(variant: str) -> list[float]:
    return list(result().values(variant, "mine_stop_year"))


def test_mountain_pass_stops_for_losses_around_the_turn_of_the_century() -> None:
    r = result()
    assert all(1998 <= y <= 2004 for y in stop("baseline")), stop("baseline")
    assert r.share("baseline", "first_stop_for_losses") == 1.0
    assert r.median("baseline", "china_mining_share_2004_06") >= 0.8


def test_without_cheap_compliance_and_state_direction_the_mine_lasts_longer() -> None:
    # the cause: China's low environmental costs with state-directed growth; remove both and the
    # mine stops years later (or not at all), and China's mining share is lower
    r = result()
    assert all(cf >= base + 2 for cf, base in zip(stop("western_china"), stop("baseline"), strict=True))
    assert (
        r.median("western_china", "china_mining_share_2004_06")
        <= r.median("baseline", "china_mining_share_2004_06") - 0.1
    )
    # the world price falls less without them
    assert r.median("western_china", "concentrate_price_2000_over_1988") > r.median(
        "baseline", "concentrate_price_2000_over_1988"
    )


def test_a_us_price_floor_keeps_the_mine_producing() -> None:
    # the cause of the stop is the low price: a floor under the mine's price removes it
    assert result().share("us_floor_1990s", "mine_stops_by_2010") == 0.0
    assert all(y > 2010 for y in stop("us_floor_1990s"))


def test_stockpile_purchases_delay_the_stop() -> None:
    assert all(cf >= base for cf, base in zip(stop("us_stockpile_1990s"), stop("baseline"), strict=True))
    assert result().median("us_stockpile_1990s", "mine_stop_year") > result().median("baseline", "mine_stop_year")
