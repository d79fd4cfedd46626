"""policy_options, reduced (2 seeds; the options run to 2035, the stress variants to 2030): in the
status quo the licences ration by the queue (US buyers pay China's price) and China keeps most of
the US magnet market, while its share of US oxide purchases falls by 2035; the mobilisation
lowers US magnet dependence at a higher state cost, and the separation it builds brings China's
undercutting in NdPr oxide forward, but its floored US separators keep China's share of the much
larger US oxide purchases falling to 2035 (without the new separator's floor it is higher); the
deal changes little, because the status quo's licences approve nearly all applications by 2026;
a 2030 Chinese embargo on the USA raises what US buyers pay, less with the mobilisation, without
leaving US customers short; and the embargo hits harder after the deal only where the deal lifts
licences that still ration."""

from __future__ import annotations

from functools import cache
from statistics import mean

from experiments import policy_options
from experiments.experiment import Result, run_experiment
from experiments.policy_options import UNDERCUT_NDPR_PRICE_USD_PER_KG as UNDERCUT_USD_PER_KG

SEEDS = 2
OPTIONS_2035 = ("baseline", "mobilisation", "mobilisation_upstream", "mobilisation_unfloored", "deal")
"""The variants that run to 2035."""
MORE_OXIDE_FROM_CHINA = 3.0
"""The mobilisation's US oxide purchases from China in 2035 over the status quo's (5-12 on seeds 0-5)."""
SHARE_FALL = 0.15
"""Least fall of China's share of the mobilisation's US oxide purchases from 2029 to 2035 (0.22-0.36 on seeds 0-5)."""


@cache
def result() -> Result:
    return run_experiment(policy_options.EXPERIMENT, seeds=SEEDS, workers=2)


def values(variant: str, indicator: str) -> list[float]:
    return list(result().values(variant, indicator))


def pairs(variant: str, versus: str, indicator: str) -> list[tuple[float, float]]:
    return result().pairs(variant, indicator, versus)


def test_status_quo_the_licences_ration_by_the_queue_and_china_keeps_most_of_the_us_magnet_market() -> None:
    assert all(s >= 0.8 for s in values("baseline", "us_magnet_china_share_2035"))
    # no quota rent: US buyers pay about what Chinese buyers pay for Chinese magnets
    assert all(0.9 <= r <= 1.1 for r in values("baseline", "china_magnet_rent_2029"))
    # China sells most of the oxide US buyers take in 2029, less by 2035 on average, as Mountain Pass Separation
    # (under the MP-DoD floor) and the separators outside China grow
    assert all(s >= 0.6 for s in values("baseline", "us_oxide_china_share_2029"))
    assert mean(values("baseline", "us_oxide_china_share_2035")) < mean(values("baseline", "us_oxide_china_share_2029"))


def test_mobilisation_lowers_magnet_dependence_at_a_cost_and_its_floored_separators_hold_off_china() -> None:
    assert all(m <= b - 0.1 for m, b in pairs("mobilisation", "baseline", "us_magnet_china_share_2035"))
    assert all(m > b + 1000 for m, b in pairs("mobilisation", "baseline", "us_magnet_output_2035_t"))
    assert all(m > b + 1.0 for m, b in pairs("mobilisation", "baseline", "us_cost_bn_usd"))
    # before China's separators undercut, the mobilisation does lower China's share of US oxide purchases
    assert all(m < b for m, b in pairs("mobilisation", "baseline", "us_oxide_china_share_2029"))
    # the separation it builds outside China brings the undercutting forward, with or without its magnet plants
    for v in ("mobilisation", "mobilisation_upstream"):
        years = pairs(v, "baseline", "china_ndpr_undercut_year")
        assert all(m <= b for m, b in years) and mean(m for m, _ in years) < mean(b for _, b in years)
    # and China's separators walk NdPr down by 2035 in more seeds than in the status quo
    walked = {v: sum(p < UNDERCUT_USD_PER_KG for p in values(v, "ndpr_price_2035_usd_per_kg")) for v in OPTIONS_2035}
    assert walked["mobilisation"] > walked["baseline"] and walked["mobilisation_upstream"] >= walked["baseline"]
    # the magnet plants multiply US oxide purchases, and China sells the US several times more oxide...
    assert all(
        m > MORE_OXIDE_FROM_CHINA * b for m, b in pairs("mobilisation", "baseline", "us_oxide_from_china_2035_t")
    )
    # ...but its share of them falls from 2029 to 2035, because the floored US separators grow whatever its price
    shares_2029_2035 = zip(
        values("mobilisation", "us_oxide_china_share_2029"),
        values("mobilisation", "us_oxide_china_share_2035"),
        strict=True,
    )
    assert all(s29 - s35 > SHARE_FALL for s29, s35 in shares_2029_2035)
    assert all(m > b + 0.1 for m, b in pairs("mobilisation", "baseline", "us_oxide_us_share_2035"))
    # the upstream half buys no more oxide than the status quo: the magnet plants make the oxide demand
    assert all(u < 2 * b for u, b in pairs("mobilisation_upstream", "baseline", "us_oxide_bought_2035_t"))
    # the counterfactual: without the new US separator's NdPr floor, US separators sell less of the US oxide and
    # China more (the runs share their history to 2025 and differ only in that floor)
    nf = "mobilisation_unfloored"
    assert all(u < m for u, m in pairs(nf, "mobilisation", "us_oxide_us_share_2035"))
    shares = pairs(nf, "mobilisation", "us_oxide_china_share_2035")
    assert all(u > m for u, m in shares) and mean(u - m for u, m in shares) > 0.05


def test_the_deal_changes_little_because_the_status_quo_licences_already_approve_nearly_all() -> None:
    # a little more of the US magnet market goes to China, and prices move by a few per cent at most
    share = "us_magnet_china_share_2029"
    assert mean(values("deal", share)) > mean(values("baseline", share))
    assert all(d - b < 0.05 for d, b in pairs("deal", "baseline", share))
    price = "magnet_price_mean_2026_35_usd_per_kg"
    assert abs(mean(values("deal", price)) - mean(values("baseline", price))) < 0.05 * mean(values("baseline", price))
    # the counterfactual: where the licences still ration in 2029, the deal hands China much more of the US market
    assert all(
        d > q + 0.15 for d, q in pairs("rationing_deal_embargo", "rationing_embargo", "us_magnet_china_share_2029")
    )


def test_the_2030_embargo_raises_what_us_buyers_pay_without_leaving_them_short() -> None:
    assert all(e > b for e, b in pairs("status_quo_embargo", "baseline", "us_magnet_price_2030_usd_per_kg"))
    # the mobilisation leaves US buyers less exposed in 2029, and the embargo's price jump is smaller on average
    assert all(m <= b - 0.05 for m, b in pairs("mobilisation", "baseline", "us_magnet_china_share_2029"))
    jump = "us_magnet_price_2030_over_2029"
    assert mean(values("mobilisation_embargo", jump)) < mean(values("status_quo_embargo", jump))
    # trade diversion: other countries' buyers turn to China, US buyers take the magnets they leave
    assert all(u < 1.0 for u in values("status_quo_embargo", "us_unmet_demand_2030_t"))
    assert all(e > b for e, b in pairs("status_quo_embargo", "baseline", "others_magnet_china_share_2030"))


def test_the_embargo_hits_harder_after_the_deal_only_where_the_deal_lifts_licences_that_still_ration() -> None:
    jump, bought = "us_magnet_price_2030_over_2029", "us_magnets_bought_2030_over_2029"
    # the status quo's licences approve nearly all by 2029: after the deal the embargo bites about as hard
    assert all(abs(d - s) < 0.15 for d, s in pairs("deal_embargo", "status_quo_embargo", jump))
    assert all(abs(d - s) < 0.05 for d, s in pairs("deal_embargo", "status_quo_embargo", bought))
    # the counterfactual: with licences that still ration, the deal's larger exposure shows in a deeper cut in
    # US purchases and a larger jump on average (not in every seed)
    assert mean(values("rationing_deal_embargo", jump)) > mean(values("rationing_embargo", jump))
    assert all(d < q for d, q in pairs("rationing_deal_embargo", "rationing_embargo", bought))
