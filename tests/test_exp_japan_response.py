"""japan_response, reduced (2 seeds, to 2026): Japan answers the 2010 embargo by co-financing Lynas,
which turns its raw-material imports away from China; without the response (or without Lynas)
Japan stays dependent on China, and without the response, or with its stockpile alone, Japan's
customers go short under the 2025 controls."""

from __future__ import annotations

from functools import cache

from experiments import japan_response
from experiments.experiment import Result, run_experiment

SEEDS = 2
BASE_SEED = 0
UNTIL = "2026-12"


@cache
def result() -> Result:
    exp = japan_response.EXPERIMENT.with_changes(until=UNTIL)
    return run_experiment(exp, seeds=SEEDS, base_seed=BASE_SEED, workers=2, progress=False)


def values(variant: str, indicator: str) -> list[float]:
    return list(result().values(variant, indicator))


def pairs(variant: str, indicator: str, versus: str = "baseline") -> list[tuple[float, float]]:
    """(variant, versus) of each seed."""
    return result().pairs(variant, indicator, versus)


def test_japan_finances_lynas_and_turns_away_from_china() -> None:
    assert all(s >= 0.8 for s in values("baseline", "jp_china_share_oxides_2005_09"))
    assert values("baseline", "jp_shock_2010") == [1.0] * SEEDS
    assert values("baseline", "lynas_finance_year") == [2010.0] * SEEDS
    assert all(2012 <= y <= 2014 for y in values("baseline", "lynas_malaysia_open_year"))
    assert all(d >= 0.15 for d in values("baseline", "jp_china_share_oxides_fall"))
    # with its whole response Japan's customers are (almost) never short under the 2025 controls
    assert all(u < 0.005 for u in values("baseline", "jp_unmet_share_controls"))


def test_without_the_response_japan_stays_dependent_and_the_2025_controls_bite_harder() -> None:
    # the cause: no shock rule, so no one finances Lynas, no inventory targets, no risk premium
    assert all(y > 2026 for y in values("no_response", "lynas_mount_weld_open_year"))
    assert all(cf >= base + 0.1 for cf, base in pairs("no_response", "jp_china_share_oxides_2014_19"))
    assert all(cf >= base + 0.1 for cf, base in pairs("no_response", "jp_china_share_oxides_2024"))
    # Japan's own customers go short under the licences (by about 1% of their need: licences trickle in
    # from the regime's second month)
    assert all(cf > base for cf, base in pairs("no_response", "jp_unmet_controls_t"))
    assert all(cf >= base + 0.005 for cf, base in pairs("no_response", "jp_unmet_share_controls"))


def test_without_lynas_japan_buys_its_raw_materials_from_china_again() -> None:
    assert all(y > 2026 for y in values("no_lynas", "lynas_malaysia_open_year"))
    assert all(cf > base for cf, base in pairs("no_lynas", "jp_china_share_oxides_2014_19"))
    assert all(cf >= base + 0.2 for cf, base in pairs("no_lynas", "jp_china_share_oxides_2024"))
    # but the rest of the response (inventory targets, risk premium) keeps Japan's customers supplied in 2025:
    # without it too (the stockpile alone) they go short
    assert all(cf < base for cf, base in pairs("no_lynas", "jp_unmet_controls_t", versus="stockpile_only"))


def test_a_stockpile_alone_does_not_protect_japan_in_2025() -> None:
    # Japan holds a stockpile in 2024 only when its shock rule ran in 2010
    assert all(t > 0 for t in values("stockpile_only", "jp_stockpile_2024_t"))
    assert values("no_response", "jp_stockpile_2024_t") == [0.0] * SEEDS
    assert all(cf >= base + 0.1 for cf, base in pairs("stockpile_only", "jp_china_share_oxides_2014_19"))
    # with the stockpile alone Japan's customers go short under the controls, nearly as much as with no response
    assert all(cf > base for cf, base in pairs("stockpile_only", "jp_unmet_controls_t"))
    assert all(cf >= 0.5 * base for cf, base in pairs("stockpile_only", "jp_unmet_controls_t", versus="no_response"))
