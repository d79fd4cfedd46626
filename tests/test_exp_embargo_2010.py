"""embargo_2010, reduced (2 seeds, to 2016): the 2010 embargo on Japan leaks through smuggling and
leaves no Japanese customer short, the crackdown ends smuggling, and the counterfactuals move
Japan's supply, its customers' use and unmet demand, its magnet makers' output and prices for the
stated reasons."""

from __future__ import annotations

import statistics
from functools import cache

from experiments import embargo_2010
from experiments.experiment import Result, run_experiment

SEEDS = 2
BASE_SEED = 0
UNTIL = "2016-12"


@cache
def result() -> Result:
    exp = embargo_2010.EXPERIMENT.with_changes(until=UNTIL)
    return run_experiment(exp, seeds=SEEDS, base_seed=BASE_SEED, workers=2, progress=False)


def values(variant: str, indicator: str) -> list[float]:
    return list(result().values(variant, indicator))


def pairs(variant: str, indicator: str) -> list[tuple[float, float]]:
    """(counterfactual, baseline) of each seed."""
    return result().pairs(variant, indicator)


def median(variant: str, indicator: str) -> float:
    return statistics.median(values(variant, indicator))


def test_the_embargo_leaks_through_smuggling_and_the_crackdown_ends_smuggling() -> None:
    # during the two months Japan gets more from China than before, all of it smuggled
    assert all(k >= 0.5 for k in values("baseline", "japan_china_supply_kept"))
    assert all(s > 0.9 for s in values("baseline", "japan_smuggled_share_embargo"))
    # so Japan's customers are (almost) never short from the embargo to 2011
    assert all(u < 0.001 for u in values("baseline", "japan_unmet_share_embargo"))
    # smuggling of 2012-14 is a small fraction of 2009-10
    assert all(r < 0.5 for r in values("baseline", "smuggled_2012_14_over_2009_10"))
    # the known misfit (F09): about 9.5 kt smuggled in 2008 against about 20 kt reported
    assert all(5000 < t < 15000 for t in values("baseline", "smuggled_2008_t"))
    # a price rise after 2010, smaller and later than the real one: the NdPr peak comes in 2012 or later
    assert all(p > 1.5 for p in values("baseline", "ndpr_peak_over_2009"))
    assert all(p > 2.0 for p in values("baseline", "dytb_peak_over_2009"))
    assert all(y >= 2012 for y in values("baseline", "ndpr_peak_year"))


def test_without_smuggling_the_embargo_cuts_japan_off_and_prices_spike() -> None:
    # the cause of the leak: the networks; without them nothing comes from China during the embargo
    assert all(cf == 0.0 < base for cf, base in pairs("no_smuggling", "japan_china_supply_kept"))
    assert all(cf < base - 0.05 for cf, base in pairs("no_smuggling", "japan_magnet_output_2010_over_2009"))
    # the quota rent is no longer arbitraged away: the NdPr index spikes at once (in 2011, not 2012 or later),
    # higher than with smugglers, and China's export price rises far above its domestic price
    assert all(cf < base for cf, base in pairs("no_smuggling", "ndpr_peak_year"))
    assert median("no_smuggling", "ndpr_peak_over_2009") > median("baseline", "ndpr_peak_over_2009") + 0.5
    assert all(cf > base + 0.2 for cf, base in pairs("no_smuggling", "ndpr_export_over_domestic_2010_11"))
    # Japan's customers pay in use: their need from the embargo to 2011 falls as prices jump
    assert all(cf < 0.95 * base for cf, base in pairs("no_smuggling", "japan_need_embargo_t"))


def test_the_stockpile_is_bought_in_the_shortage_and_raises_what_japan_pays() -> None:
    # without the stockpile Japan's NdPr import price rises less after the embargo
    assert all(cf < base for cf, base in pairs("no_stockpile", "japan_ndpr_import_price_year_after_over_2010h1"))


def test_a_long_embargo_cuts_japans_supply_and_magnet_output() -> None:
    assert all(cf < base - 0.3 for cf, base in pairs("long_embargo", "japan_china_supply_kept"))
    assert all(cf < base - 0.2 for cf, base in pairs("long_embargo", "japan_magnet_output_2011_over_2009"))
    assert all(cf > base + 0.5 for cf, base in pairs("long_embargo", "japan_ndpr_import_price_year_after_over_2010h1"))
    assert values("long_embargo", "embargo_months") == [12.0] * SEEDS
    # its buyers turn to magnets made elsewhere, and some of its customers go short
    assert all(cf > base for cf, base in pairs("long_embargo", "japan_magnet_imports_2011_over_2009"))
    assert all(cf >= base for cf, base in pairs("long_embargo", "japan_unmet_embargo_t"))
    assert median("long_embargo", "japan_unmet_embargo_t") > 0


def test_without_the_crackdown_smuggling_goes_on_and_prices_barely_rise() -> None:
    assert all(cf > base + 1000 for cf, base in pairs("no_crackdown", "smuggled_2012_14_t_per_yr"))
    assert all(cf < base for cf, base in pairs("no_crackdown", "dytb_peak_over_2009"))
