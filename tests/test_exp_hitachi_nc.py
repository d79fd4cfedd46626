"""hitachi_nc, reduced (2 seeds, to 2025): the North Carolina plant opens in 2013 into magnet
prices that still carry the 2011 oxide spike, asking more than the Chinese makers. In some seeds
(seed 0 here, 3 of seeds 0-5) it stops for its losses after US buyers switch to cheaper Chinese
magnets, its price down at its processing and oxide cost (F27: it closed in 2020, for that reason);
with US buyers willing to pay 40% more for US magnets it survives. Decided three years later,
without the post-spike years, it stops in every seed. A defence contract at its full cost when it
opens makes it overbuild and stop when oxides get dearer (at its 2018-19 full cost it produces years
longer); a tariff moves US buyers from China to the makers abroad, which ask less than the plant,
and does not save it in seed 0."""

from __future__ import annotations

import math
from functools import cache

from experiments import hitachi_nc
from experiments.experiment import Result, run_experiment

SEEDS = 2
HIGH_FLOOR = "defence_offtake_48"
VARIANTS = ("baseline", hitachi_nc.TOP, "tariff_25", "defence_offtake", HIGH_FLOOR, "late_build")
NONE = hitachi_nc.SURVIVE_YEAR + 1
AT_COST = 1.1
"""A stop 'with its price down at its processing and oxide cost': the logged price over that cost below this."""
LONGER_YEARS = 4
"""The higher floor keeps the plant producing at least this many years longer (5 or more in seeds 0-5)."""


@cache
def result() -> Result:
    e = hitachi_nc.EXPERIMENT.with_changes(variants=VARIANTS, until=hitachi_nc.CF_UNTIL)
    return run_experiment(e, seeds=SEEDS, workers=2)


def values(variant: str, indicator: str) -> list[float]:
    return list(result().values(variant, indicator))


def stopped(variant: str) -> list[bool]:
    """Per seed: the plant stops (mothballs or closes) by 2025."""
    return [s < NONE for s in values(variant, "plant_stop_year")]


def test_the_plant_stops_when_us_buyers_switch_to_cheaper_magnets_unless_they_pay_a_premium() -> None:
    r = result()
    assert values("baseline", "plant_open_year") == [2013.0] * SEEDS
    # Chinese magnets are cheaper than the plant's (about 60% of its ask in December 2014)
    china, own = values("baseline", "china_magnet_price_2014"), values("baseline", "plant_price_2014")
    assert all(c < 0.8 * p for c, p in zip(china, own, strict=True)), (china, own)
    # it stops by 2020 in some seeds (seed 0 in 2017; seeds 2 and 5 of 0-5 too) ...
    stops = values("baseline", "plant_stop_year")
    assert any(s <= hitachi_nc.REAL_CLOSURE_YEAR for s in stops), stops
    # ... each time for its losses, with its price down at its processing and oxide cost, after China's
    # share of US magnet purchases rose from the opening year while US purchases held (F27's manner)
    for i, gone in enumerate(stopped("baseline")):
        if gone:
            assert values("baseline", "stops_for_losses")[i] == 1.0
            assert values("baseline", "stops_after_buyers_switch")[i] == 1.0
            assert values("baseline", "stop_price_over_variable_cost")[i] < AT_COST
        else:  # where it survives, the cash it saved from the post-spike prices lasts through 2017-2020
            assert values("baseline", "plant_min_cash_2017_2020_musd")[i] > 0
    # counterfactual: US buyers pay up to 40% more for US magnets, so they do not take them from China
    # from the start (about a fifth from China in the opening year, not three quarters); where it stops
    # without the premium it holds more cash through 2017-2020 with it, and it survives to 2025 everywhere
    top = hitachi_nc.TOP
    opening = zip(
        values(top, "us_china_share_at_opening"),
        values("baseline", "us_china_share_at_opening"),
        strict=True,
    )
    assert all(p < b - 0.3 for p, b in opening)
    cash = zip(
        values(top, "plant_min_cash_2017_2020_musd"), values("baseline", "plant_min_cash_2017_2020_musd"), strict=True
    )
    assert all(p > b for (p, b), gone in zip(cash, stopped("baseline"), strict=True) if gone)
    assert r.share(top, "plant_survives_to_2025") == 1.0
    # decided in 2014, it opens in 2016 without the post-spike years and stops for its losses by 2020 in
    # every seed (seeds 2-5 too), its cash gone while its price still covers its processing and oxides
    assert values("late_build", "plant_open_year") == [2016.0] * SEEDS
    assert all(s <= 2020 for s in values("late_build", "plant_stop_year"))
    assert r.share("late_build", "stops_for_another_reason") == 0.0
    assert all(m < 0 for m in values("late_build", "plant_min_cash_2017_2020_musd"))
    assert all(x >= 1.0 for x in values("late_build", "stop_price_over_variable_cost"))
    # China makes most of the world's magnets in 2020 (F31 says about 90%; the model gives less, as the
    # rest-of-world makers win buyers back in 2019-20: see the experiment's F31 check)
    assert r.median("baseline", "china_share_magnets_2020") > 0.6


def test_a_defence_contract_at_its_opening_cost_makes_it_overbuild_and_stop() -> None:
    # the floor (38 USD/kg, its full cost in 2013) lets it ask the market's price: orders pour in and it
    # builds from its own cash to several times the capacity it has without the contract
    r = result()
    offtake, base = values("defence_offtake", "plant_capacity_2018_t"), values("baseline", "plant_capacity_2018_t")
    assert all(o > 2 * b for o, b in zip(offtake, base, strict=True)), (offtake, base)
    # when oxides get dearer the floor no longer covers its full cost: out of cash, it stops for its losses
    # by 2020 in every seed (seeds 2-5 too), also where it survives without the contract (seed 1)
    assert all(s <= 2020 for s in values("defence_offtake", "plant_stop_year"))
    assert r.share("defence_offtake", "stops_for_another_reason") == 0.0
    assert all(m < 0 for m in values("defence_offtake", "plant_min_cash_2017_2020_musd"))
    assert not all(stopped("baseline"))
    assert min(values("defence_offtake", "us_floor_offtake_musd")) > 0
    # counterfactual: with the floor at its full cost at the 2018-19 oxide prices (48 USD/kg) it keeps its
    # cash and produces years longer (to 2025 in seeds 0-1; seed 2 stops in 2025), bigger still
    longer = zip(values(HIGH_FLOOR, "plant_stop_year"), values("defence_offtake", "plant_stop_year"), strict=True)
    assert all(h >= d + LONGER_YEARS for h, d in longer)
    assert all(m > 0 for m in values(HIGH_FLOOR, "plant_min_cash_2017_2020_musd"))
    grown = zip(
        values(HIGH_FLOOR, "plant_capacity_2025_t"), values("defence_offtake", "plant_capacity_2025_t"), strict=True
    )
    assert all(h > d for h, d in grown)


def test_a_tariff_moves_us_buyers_to_makers_abroad_that_ask_less_than_the_plant() -> None:
    base = values("baseline", "us_china_share_2020")
    # the tariff lowers China's share of US purchases in 2020 and raises the rest of the world's and
    # Japan's: their makers ask near their cost, less over the Chinese than the plant does (seeds 2-3 too)
    tariff = values("tariff_25", "us_china_share_2020")
    assert all(t <= b - 0.2 for t, b in zip(tariff, base, strict=True)), (tariff, base)
    row = zip(values("tariff_25", "us_row_share_2020"), values("baseline", "us_row_share_2020"), strict=True)
    assert all(t >= b + 0.1 for t, b in row)
    japan = zip(values("tariff_25", "us_japan_share_2020"), values("baseline", "us_japan_share_2020"), strict=True)
    assert all(t >= b + 0.03 for t, b in japan)
    # the plant's ask over the Chinese makers', where it produces in 2020 (else the baseline's, if it does)
    plant = [
        t if not math.isnan(t) else b
        for t, b in zip(
            values("tariff_25", "plant_over_china_price_2020"),
            values("baseline", "plant_over_china_price_2020"),
            strict=True,
        )
    ]
    assert any(not math.isnan(p) for p in plant), plant
    for rival in ("row_over_china_price_2020", "japan_over_china_price_2020"):
        gaps = zip(values("tariff_25", rival), plant, strict=True)
        assert all(math.isnan(p) or x < p for x, p in gaps), rival
    # so the tariff does not save the plant: it still stops where it stops without it (seed 0, 2018;
    # seed 2 too), while a 40% premium, which favours only US makers, keeps it producing
    assert any(s <= hitachi_nc.REAL_CLOSURE_YEAR for s in values("tariff_25", "plant_stop_year"))
    assert result().share(hitachi_nc.TOP, "plant_survives_to_2025") == 1.0
