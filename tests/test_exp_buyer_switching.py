"""buyer_switching, reduced (2 seeds, a few variants): in the small market a cheaper entrant wins
half of its final share within months, loyalty sets how fast, a switching cost lowers only its
first months, the cost gap sets how far it gets, and a dearer entrant or one against a state-directed
incumbent wins buyers at first and loses them when prices reach costs."""

from __future__ import annotations

from functools import cache

from experiments import buyer_switching as bs
from experiments.experiment import Result, run_experiment

SEEDS = 2
BASE = bs.BASE_GAP
VARIANTS = (
    "baseline",
    bs.name_of(0.40),
    bs.name_of(BASE, "loyalty_0"),
    bs.name_of(BASE, "loyalty_10"),
    bs.name_of(BASE, "switching_30"),
    bs.name_of(bs.DEARER_GAP),
    bs.name_of(BASE, "directed"),
)


@cache
def result() -> Result:
    return run_experiment(bs.EXPERIMENT.with_changes(variants=VARIANTS), seeds=SEEDS, workers=2)


def values(variant: str, indicator: str) -> list[float]:
    return list(result().values(variant, indicator))


def pairs(variant: str, indicator: str) -> list[tuple[float, float]]:
    return result().pairs(variant, indicator)


def test_a_cheaper_entrant_wins_half_its_share_within_months() -> None:
    assert all(1 <= h <= bs.FAST_HALF_LIFE_MONTHS for h in values("baseline", "half_life_months"))
    assert all(s > 0.5 for s in values("baseline", "final_share"))
    # it opens at about the market's price, not at its cost-based ask
    assert all(abs(g) < 0.05 for g in values("baseline", "price_gap_first_year"))


def test_the_gap_sets_how_far_the_entrant_gets_not_how_fast_it_starts() -> None:
    big = bs.name_of(0.40)
    assert all(cf >= base + 0.05 for cf, base in pairs(big, "final_share"))
    assert all(cf > base for cf, base in pairs(big, "price_gap_last_year"))
    # the first months do not depend on the gap (the known limit: the same price-cutting rule)
    assert all(abs(cf - base) < 0.01 for cf, base in pairs(big, "early_share"))


def test_loyalty_sets_the_speed_and_a_switching_cost_only_the_first_months() -> None:
    assert all(cf < base for cf, base in pairs(bs.name_of(BASE, "loyalty_0"), "half_life_months"))
    assert all(cf > base for cf, base in pairs(bs.name_of(BASE, "loyalty_10"), "half_life_months"))
    switching = bs.name_of(BASE, "switching_30")
    assert all(cf <= base - 0.05 for cf, base in pairs(switching, "early_share"))
    assert all(cf == base for cf, base in pairs(switching, "half_life_months"))


def test_a_dearer_entrant_and_one_against_a_directed_incumbent_lose_what_they_won() -> None:
    dearer = bs.name_of(bs.DEARER_GAP)
    assert all(p > 0.4 for p in values(dearer, "peak_share"))
    assert all(cf <= base - 0.3 for cf, base in pairs(dearer, "final_share"))
    directed = bs.name_of(BASE, "directed")
    assert all(p > 0.4 for p in values(directed, "peak_share"))
    assert all(s < 0.1 for s in values(directed, "final_share"))
    # the directed incumbent asks far below the entrant at the end
    assert all(g < -0.2 for g in values(directed, "price_gap_last_year"))
