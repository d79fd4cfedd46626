"""hitachi_nc, reduced (2 seeds, to 2025): the North Carolina plant opens in 2013; where its rivals
of its grade ask about what it asks when it opens it stops for its losses within a few years while
US buyers take ever more Chinese magnets, and where the 2011-12 oxide peak left them asking far
more it keeps their buyers and survives. A defence contract keeps it producing; a domestic premium
and a tariff move US buyers away from China, the premium mostly to Magnequench, not to the plant.
Whether the plant survives a premium or a tariff changes from seed to seed in both directions, so
no test asserts it (a known misfit: its cost is far above the price of Chinese magnets)."""

from __future__ import annotations

import math
from functools import cache

from experiments import hitachi_nc
from experiments.experiment import Result, run_experiment

SEEDS = 2
VARIANTS = ("baseline", hitachi_nc.TOP, "tariff_25", "defence_offtake")
NONE = hitachi_nc.SURVIVE_YEAR + 1


@cache
def result() -> Result:
    e = hitachi_nc.EXPERIMENT.with_changes(variants=VARIANTS, until=hitachi_nc.CF_UNTIL)
    return run_experiment(e, seeds=SEEDS, workers=2)


def values(variant: str, indicator: str) -> list[float]:
    return list(result().values(variant, indicator))


def tonnes(variant: str, indicator: str) -> list[float]:
    """An output indicator, with no row (a firm that is gone) as no output."""
    return [0.0 if math.isnan(v) else v for v in values(variant, indicator)]


def test_the_plant_stops_for_losses_unless_the_oxide_peak_left_its_rivals_far_dearer() -> None:
    r = result()
    assert values("baseline", "plant_open_year") == [2013.0] * SEEDS
    stops = values("baseline", "plant_stop_year")
    # where it stops, it stops for its losses after its two-year start-up grace
    assert all(2015 <= s <= 2017 for s in stops if s < NONE), stops
    assert r.share("baseline", "stops_for_another_reason") == 0.0
    # one seed of each (seeds 2-3 too): it stops where its rivals of 99.99% grade ask about what it
    # asks before it opens, and survives where they ask far more, after a higher 2012 NdPr peak (over
    # many seeds the split by the rivals' ask is not perfect: see the report)
    assert sorted(s == NONE for s in stops) == [False, True], stops
    rivals = dict(zip(stops, values("baseline", "rivals_price_over_plant_at_opening"), strict=True))
    ndpr = dict(zip(stops, values("baseline", "ndpr_2012_over_2009"), strict=True))
    stop = min(stops)
    assert rivals[stop] < hitachi_nc.RIVALS_DEARER_RATIO <= rivals[NONE]
    assert ndpr[NONE] > ndpr[stop] + 0.5
    # where it stops, US buyers had moved further to Chinese magnets while their purchases held
    assert r.share("baseline", "stops_without_buyers_switching") == 0.0
    # Chinese magnets cost less than 40% of the plant's price
    china, own = values("baseline", "china_magnet_price_2014"), values("baseline", "plant_price_2014")
    assert all(c < 0.4 * p for c, p in zip(china, own, strict=True)), (china, own)
    # F31: China makes about 90% of the world's magnets in 2020
    assert 0.85 <= r.median("baseline", "china_share_magnets_2020") <= 0.95


def test_a_defence_contract_keeps_the_plant_producing() -> None:
    # the cause of the stop is a price below its full cost: a floor at that cost removes it
    r = result()
    assert r.share("defence_offtake", "plant_survives_to_2025") == 1.0
    assert all(
        cf >= base + 5
        for cf, base in zip(
            values("defence_offtake", "plant_stop_year"), values("baseline", "plant_stop_year"), strict=True
        )
        if base < NONE
    )
    # selling at the market price, topped up to the floor by the state, it expands
    assert min(values("defence_offtake", "plant_capacity_2025_t")) > 2 * 600


def test_a_premium_and_a_tariff_move_us_buyers_away_from_china_but_not_to_the_plant() -> None:
    base = values("baseline", "us_china_share_2020")
    for cf, drop in ((hitachi_nc.TOP, 0.3), ("tariff_25", 0.1)):
        assert all(c <= b - drop for c, b in zip(values(cf, "us_china_share_2020"), base, strict=True)), cf
    # the premium's buyers go to Magnequench, which asks less than the plant and whose 99.9% grade
    # serves every US buyer: its output grows by thousands of tonnes, far more than the plant's
    top = hitachi_nc.TOP
    mq = zip(tonnes(top, "magnequench_output_2020_t"), tonnes("baseline", "magnequench_output_2020_t"), strict=True)
    plant = zip(tonnes(top, "plant_output_2020_t"), tonnes("baseline", "plant_output_2020_t"), strict=True)
    for (m1, m0), (p1, p0) in zip(mq, plant, strict=True):
        assert m1 - m0 >= 2000 + max(p1 - p0, 0.0), (m1, m0, p1, p0)
    assert all(
        m < p for m, p in zip(values(top, "magnequench_price_2014"), values(top, "plant_price_2014"), strict=True)
    )
    # with the tariff Chinese magnets still cost about half the plant's price in the USA, or less
    china, own = values("tariff_25", "china_magnet_price_2014"), values("tariff_25", "plant_price_2014")
    assert all(c * (1 + hitachi_nc.TARIFF_RATE) < 0.6 * p for c, p in zip(china, own, strict=True))
