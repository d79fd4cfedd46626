"""controls_2025, reduced (2 seeds; the full horizon is needed for 2035, the shock variants stop in
2030): China's 2025 licences cut its May 2025 magnet exports by more than half and exports
recover within months; the licences ration by the queue (no export premium), so customers abroad
go short while their applications wait; the MP-DoD floor keeps Mountain Pass Separation
producing at a cost to the US state; and each counterfactual moves its outcome for the stated reason."""

from __future__ import annotations

from functools import cache
from statistics import mean

from experiments import controls_2025
from experiments.experiment import Result, run_experiment

SEEDS = 2


@cache
def result() -> Result:
    return run_experiment(controls_2025.EXPERIMENT, seeds=SEEDS, workers=2)


def values(variant: str, indicator: str) -> list[float]:
    return list(result().values(variant, indicator))


def pairs(variant: str, indicator: str) -> list[tuple[float, float]]:
    """(counterfactual, baseline) per seed."""
    return result().pairs(variant, indicator)


def test_licences_cut_may_2025_magnet_exports_by_more_than_half_and_exports_recover() -> None:
    # F35: -74%; licences trickle in from the regime's second month, so the fall is not total
    assert all(-0.9 <= c <= -0.5 for c in values("baseline", "china_magnet_exports_change_2025_05"))
    assert all(m <= controls_2025.RECOVERY_MONTHS_MAX for m in values("baseline", "recovery_months"))
    assert all(s >= controls_2025.SUSTAINED_SHARE for s in values("baseline", "exports_year_after_over_year_before"))


def test_the_licences_ration_by_the_queue_so_customers_go_short_not_pay_more() -> None:
    # no quota rent: US buyers pay China's price for Chinese magnets, and by 2026 nearly all is licensed
    assert all(0.9 <= c <= 1.1 for c in values("baseline", "china_magnet_rent_2026"))
    assert all(s >= 0.9 for s in values("baseline", "licensed_share_2026"))
    # what cannot be had while the applications wait goes unmet (none without the licences)
    assert all(cf <= base - 500 for cf, base in pairs("no_controls", "unmet_demand_2025_t"))
    assert all(cf <= base - 100 for cf, base in pairs("no_controls", "us_unmet_demand_2025_t"))


def test_without_the_licences_the_fall_does_not_happen() -> None:
    # the cause of the fall is the licence regime: without it May 2025 exports grow as before
    assert all(c > -0.2 for c in values("no_controls", "china_magnet_exports_change_2025_05"))
    assert all(cf < base for cf, base in pairs("no_controls", "magnet_price_2025_over_2024"))
    # US buyers buy a little more from China in 2028 without the licences' interruption
    assert all(cf > base for cf, base in pairs("no_controls", "us_magnet_china_share_2028"))


def test_a_longer_delay_keeps_exports_down_longer() -> None:
    assert all(cf >= base + 3 for cf, base in pairs("long_delay", "recovery_months"))


def test_a_us_embargo_on_top_cuts_us_purchases_from_china_and_leaves_us_demand_unmet() -> None:
    assert all(cf <= base - 0.1 for cf, base in pairs("us_magnet_embargo", "us_magnet_china_share_2025"))
    assert all(cf > base + 1000 for cf, base in pairs("us_magnet_embargo", "us_unmet_demand_2025_t"))


def test_the_floor_keeps_mp_producing_at_a_cost_to_the_us_state() -> None:
    r = result()
    assert r.share("baseline", "separator_produces_2026_to_end") == 1.0
    assert all(c > 1.0 for c in values("baseline", "us_floor_cost_bn_usd"))
    # without the floor the state pays nothing and the separator processes less
    assert all(c == 0.0 for c in values("no_floor", "us_floor_cost_bn_usd"))
    assert all(cf < base for cf, base in pairs("no_floor", "separator_output_2030_t"))
    assert r.median("no_floor", "us_oxide_china_share_2035") > r.median("baseline", "us_oxide_china_share_2035")


def test_without_the_deal_the_separator_makes_less_and_more_of_the_nations_magnets_come_from_china() -> None:
    assert all(cf < base for cf, base in pairs("no_deal", "separator_output_2030_t"))
    # a small effect by 2035 (MP 10X often stops by then even with the offtake): on average across seeds
    assert mean(values("no_deal", "us_national_magnet_china_share_2035")) > mean(
        values("baseline", "us_national_magnet_china_share_2035")
    )


def test_mp_texas_makes_about_a_day_of_chinas_magnets_a_year() -> None:
    assert all(1.0 <= d <= 3.0 for d in values("baseline", "texas_days_of_china"))
