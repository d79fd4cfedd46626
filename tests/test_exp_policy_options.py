"""policy_options, reduced (2 seeds; the options run to 2035, the stress variants to 2030): in the
status quo the licences ration by the queue (US buyers pay China's price) and China keeps most of
the US magnet market; the mobilisation lowers US dependence on China at a higher state cost; the
deal keeps prices lower and dependence a little higher and leaves less US magnet making; and a
2030 Chinese embargo on the USA raises what US buyers pay, least with the mobilisation and most
after the deal, without leaving US customers short."""

from __future__ import annotations

from functools import cache
from statistics import mean

from experiments import policy_options
from experiments.experiment import Result, run_experiment

SEEDS = 2


@cache
def result() -> Result:
    return run_experiment(policy_options.EXPERIMENT, seeds=SEEDS, workers=2)


def values(variant: str, indicator: str) -> list[float]:
    return list(result().values(variant, indicator))


def pairs(variant: str, versus: str, indicator: str) -> list[tuple[float, float]]:
    return result().pairs(variant, indicator, versus)


def test_status_quo_the_licences_ration_by_the_queue_and_china_keeps_most_of_the_us_market() -> None:
    assert mean(values("baseline", "us_oxide_china_share_2035")) >= 0.5
    assert all(s >= 0.8 for s in values("baseline", "us_magnet_china_share_2035"))
    # no quota rent: US buyers pay about what Chinese buyers pay for Chinese magnets
    assert all(0.9 <= r <= 1.1 for r in values("baseline", "china_magnet_rent_2029"))


def test_mobilisation_lowers_dependence_at_a_cost() -> None:
    # fewer oxides from China on average (not in every seed)
    assert mean(values("mobilisation", "us_oxide_china_share_2035")) < mean(
        values("baseline", "us_oxide_china_share_2035")
    )
    assert all(m <= b - 0.2 for m, b in pairs("mobilisation", "baseline", "us_magnet_china_share_2035"))
    assert all(m > b + 1000 for m, b in pairs("mobilisation", "baseline", "us_magnet_output_2035_t"))
    assert all(m > b + 1.0 for m, b in pairs("mobilisation", "baseline", "us_cost_bn_usd"))


def test_the_deal_keeps_prices_lower_dependence_higher_and_us_magnet_making_smaller() -> None:
    # lower on average (not in every seed)
    assert mean(values("deal", "magnet_price_mean_2026_35_usd_per_kg")) < mean(
        values("baseline", "magnet_price_mean_2026_35_usd_per_kg")
    )
    # a little more of the US market goes to China, and US magnet making withers
    assert all(d > b for d, b in pairs("deal", "baseline", "us_magnet_china_share_2035"))
    assert all(d > b for d, b in pairs("deal", "baseline", "us_magnet_china_share_2029"))
    assert all(d < b - 1000 for d, b in pairs("deal", "baseline", "us_magnet_output_2035_t"))


def test_the_2030_embargo_raises_what_us_buyers_pay_without_leaving_them_short() -> None:
    assert all(e > b for e, b in pairs("status_quo_embargo", "baseline", "us_magnet_price_2030_usd_per_kg"))
    # with the mobilisation's plants the embargo's price jump is smaller than in the status quo
    assert all(m < s for m, s in pairs("mobilisation_embargo", "status_quo_embargo", "us_magnet_price_2030_over_2029"))
    # trade diversion: other countries' buyers turn to China, US buyers take the magnets they leave
    assert all(u < 1.0 for u in values("status_quo_embargo", "us_unmet_demand_2030_t"))
    assert all(e > b for e, b in pairs("status_quo_embargo", "baseline", "others_magnet_china_share_2030"))


def test_after_the_deal_the_embargo_hits_hardest() -> None:
    # the deal's exposure: nearly all US magnets come from China in 2029, so the embargo's price jump
    # and the cut in US purchases are larger than in the status quo
    assert all(d > s for d, s in pairs("deal_embargo", "status_quo_embargo", "us_magnet_price_2030_over_2029"))
    assert all(d < s for d, s in pairs("deal_embargo", "status_quo_embargo", "us_magnets_bought_2030_over_2029"))
