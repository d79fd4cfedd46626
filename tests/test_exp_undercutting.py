"""undercutting, reduced (2 seeds, to 2010): Mountain Pass stops for losses around 2003 in the
history world, and the counterfactuals move the stop for the stated reasons (a 20 kt stockpile
does not: the spare supply of 1993 meets it; a 60 kt one does)."""

from __future__ import annotations

from functools import cache

from experiments import undercutting
from experiments.experiment import Result, run_experiment

SEEDS = 2
STOCKPILE_PRICE_LIFT_MAX = 1.15
"""The 20 kt stockpile lifts the 1993-95 concentrate price by less than this factor (about 1.05 now)."""
LARGE_PRICE_LIFT_MIN = 1.5
"""The 60 kt stockpile lifts it by more than this (about 2 now)."""
SAME_CASH_MUSD = 15.0
"""The 20 kt stockpile moves the mine's 1996 cash by less than this (about a year of its losses)."""
MORE_CASH_MUSD = 50.0
"""The 60 kt stockpile adds more than this to it."""


@cache
def result() -> Result:
    return run_experiment(undercutting.EXPERIMENT.with_changes(until="2010-12"), seeds=SEEDS, workers=2)


def stop(variant: str) -> list[float]:
    return list(result().values(variant, "mine_stop_year"))


def cash(variant: str) -> list[float]:
    return list(result().values(variant, "mine_cash_1996_musd"))


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


def test_stockpile_purchases_delay_the_stop_only_beyond_the_spare_supply() -> None:
    # the mine stops when its cash runs out; a stockpile bought on the world market helps only by the
    # cash it adds. 20 kt in 1993 is met by the spare supply (monazite producers, the mine below
    # capacity): the price barely rises, the cash and the stop do not move
    r = result()
    assert all(t > 0 for t in r.values("baseline", "monazite_mining_1993_t"))  # the spare supply
    assert all(abs(cf - base) <= 1 for cf, base in zip(stop("us_stockpile_1990s"), stop("baseline"), strict=True))
    assert r.median("us_stockpile_1990s", "concentrate_price_1993_95") < STOCKPILE_PRICE_LIFT_MAX * r.median(
        "baseline", "concentrate_price_1993_95"
    )
    assert all(
        abs(cf - base) < SAME_CASH_MUSD for cf, base in zip(cash("us_stockpile_1990s"), cash("baseline"), strict=True)
    )
    # the counterfactual: 60 kt, more than the spare supply, lifts the price, the cash, and the stop by years
    assert r.median("us_stockpile_large", "concentrate_price_1993_95") > LARGE_PRICE_LIFT_MIN * r.median(
        "baseline", "concentrate_price_1993_95"
    )
    assert all(
        cf > base + MORE_CASH_MUSD for cf, base in zip(cash("us_stockpile_large"), cash("baseline"), strict=True)
    )
    assert all(cf >= base + 3 for cf, base in zip(stop("us_stockpile_large"), stop("baseline"), strict=True))
