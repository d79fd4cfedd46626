"""buyer_switching, reduced (2 seeds, a few variants): in the small market a cheaper entrant wins
half of its final share within months, loyalty sets how fast, a switching cost lowers only its
first months, the cost gap sets how far it gets (and only a large gap, through the drift floor on a
seller's price cut, how fast it starts), and a dearer entrant or one against a state-directed
incumbent wins buyers at first and loses them when prices reach costs."""

from __future__ import annotations

from functools import cache

from experiments import buyer_switching as bs
from experiments.experiment import Result, run_experiment

SEEDS = 2
BASE = bs.BASE_GAP
VARIANTS = (
    "baseline",
    bs.name_of(0.20),
    bs.name_of(0.40),
    bs.name_of(BASE, "loyalty_0"),
    bs.name_of(BASE, "loyalty_10"),
    bs.name_of(BASE, "switching_30"),
    bs.name_of(bs.DEARER_GAP),
    bs.name_of(BASE, "directed"),
)


SLOW_DRIFT = 0.02
"""`price_drift` (default 0.05) at which the 40% cheaper entrant's drift toward its cost times the
target markup is slower than its overstock cut in its first months, so the drift floor on its cut
never binds there."""


@cache
def result() -> Result:
    return run_experiment(bs.EXPERIMENT.with_changes(variants=VARIANTS), seeds=SEEDS, workers=2)


@cache
def slow_drift_result() -> Result:
    """The baseline and the 40% gap with a slower price drift."""
    e = bs.EXPERIMENT.with_changes(params={"price_drift": SLOW_DRIFT}, variants=("baseline", bs.name_of(0.40)))
    return run_experiment(e, seeds=SEEDS, workers=2)


def values(variant: str, indicator: str) -> list[float]:
    return list(result().values(variant, indicator))


def pairs(variant: str, indicator: str) -> list[tuple[float, float]]:
    return result().pairs(variant, indicator)


def test_a_cheaper_entrant_wins_half_its_share_within_months() -> None:
    assert all(1 <= h <= bs.FAST_HALF_LIFE_MONTHS for h in values("baseline", "half_life_months"))
    assert all(s > 0.5 for s in values("baseline", "final_share"))
    # it opens at about the market's price, not at its cost-based ask
    assert all(abs(g) < 0.05 for g in values("baseline", "price_gap_first_year"))


def test_the_gap_sets_how_far_the_entrant_gets_and_only_a_large_one_how_fast_it_starts() -> None:
    big = bs.name_of(0.40)
    final = [cf - base for cf, base in pairs(big, "final_share")]
    assert all(d >= 0.05 for d in final)
    assert all(cf > base for cf, base in pairs(big, "price_gap_last_year"))
    # the entrant opens at the market's price and cuts by its overstock whatever its cost: up to a 20% gap
    # its first months do not depend on the gap
    assert all(abs(cf - base) < 0.005 for cf, base in pairs(bs.name_of(0.20), "early_share"))
    # 40% cheaper, its cost times the target markup lies so far below its ask that the drift toward it is
    # the faster cut (the floor on a cutting seller's cut): it starts a little ahead, by far less than it ends
    early = [cf - base for cf, base in pairs(big, "early_share")]
    assert all(0.005 < d < 0.05 for d in early)
    assert all(e < 0.5 * f for e, f in zip(early, final, strict=True))
    # with a slower drift the floor does not bind and the 40% gap starts exactly like the 10% one
    slow = slow_drift_result().pairs(big, "early_share")
    assert all(abs(cf - base) < 0.001 for cf, base in slow)


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
