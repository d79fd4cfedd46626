"""policy_options, reduced (2 seeds; the options run to 2035, the stress variants to 2030): the
mobilisation lowers US dependence on China at a higher state cost, the deal keeps prices lower and
steadier and dependence high, and a 2030 Chinese embargo on the USA hurts most after the deal."""

from __future__ import annotations

from functools import cache

from experiments import policy_options
from experiments.experiment import Result, run_experiment

SEEDS = 2


@cache
def result() -> Result:
    return run_experiment(policy_options.EXPERIMENT, seeds=SEEDS, workers=2)


def values(variant: str, indicator: str) -> list[float]:
    return list(result().values(variant, indicator))


def pairs(variant: str, versus: str, indicator: str) -> list[tuple[float, float]]:
    return list(zip(values(variant, indicator), values(versus, indicator), strict=True))


def test_status_quo_still_depends_on_china_for_oxides_in_2035() -> None:
    assert all(s >= 0.5 for s in values("baseline", "us_oxide_china_share_2035"))


def test_mobilisation_lowers_dependence_at_a_cost() -> None:
    assert all(m <= b - 0.1 for m, b in pairs("mobilisation", "baseline", "us_oxide_china_share_2035"))
    assert all(m < b for m, b in pairs("mobilisation", "baseline", "us_magnet_china_share_2035"))
    assert all(m > b + 1000 for m, b in pairs("mobilisation", "baseline", "us_magnet_output_2035_t"))
    assert all(m > b + 1.0 for m, b in pairs("mobilisation", "baseline", "us_cost_bn_usd"))


def test_the_deal_keeps_prices_lower_and_steadier_and_dependence_high() -> None:
    assert all(d < b for d, b in pairs("deal", "baseline", "magnet_price_mean_2026_35_usd_per_kg"))
    assert all(d < b for d, b in pairs("deal", "baseline", "magnet_price_swing_2026_35"))
    assert all(d >= b + 0.2 for d, b in pairs("deal", "baseline", "us_magnet_china_share_2035"))
    assert all(d >= b + 0.2 for d, b in pairs("deal", "baseline", "us_magnet_china_share_2029"))


def test_the_2030_embargo_raises_what_us_buyers_pay() -> None:
    assert all(e > b for e, b in pairs("status_quo_embargo", "baseline", "us_magnet_price_2030_usd_per_kg"))
    # with the mobilisation's plants US buyers pay less during the embargo than in the status quo
    assert all(m < s for m, s in pairs("mobilisation_embargo", "status_quo_embargo", "us_magnet_price_2030_usd_per_kg"))


def test_after_the_deal_the_embargo_hits_hardest() -> None:
    # the deal's exposure: nearly all US magnets come from China in 2029, so the embargo's price jump
    # and the cut in US purchases are larger than in the status quo
    assert all(d > s for d, s in pairs("deal_embargo", "status_quo_embargo", "us_magnet_price_2030_over_2029"))
    assert all(d < s for d, s in pairs("deal_embargo", "status_quo_embargo", "us_magnets_bought_2030_over_2029"))
