"""The experiment framework: same seeds, same tables in one process and in a pool; shared runs run
once; checks judged as declared; bad input is one line with exit status 2; reports are written
atomically."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from experiments import catalogue, edits
from experiments.experiment import Check, Experiment, ExperimentError, Measures, Result, Variant, run_experiments
from experiments.metrics import RunOutput
from experiments.report import band_figure, write_result

UNTIL = "1990-12"


def measure(run: RunOutput, model: object) -> Measures:
    s = run.series
    year = s["date"].str[:4]
    paths = s.assign(date=year).groupby("date", as_index=False)[["price_concentrate", "china_share_mining"]].mean()
    return Measures({"share_1990": float(s["china_share_mining"].iloc[-12:].mean())}, paths)


def figures(result: Result, out: Path) -> list[tuple[str, str]]:
    import matplotlib.pyplot as plt
    import seaborn as sns

    band_figure(
        result, {"price_concentrate": "USD/kg", "china_share_mining": "share"}, out / "paths.png",
        logy=("price_concentrate",),
    )  # fmt: skip
    fig, ax = plt.subplots()
    sns.stripplot(data=result.indicators, x="share_1990", y="variant", jitter=0.3, ax=ax)  # random jitter
    fig.savefig(out / "strip.png", metadata={"Software": None})
    plt.close(fig)
    return [("paths.png", "prices and shares"), ("strip.png", "shares by seed")]


def tiny(name: str = "tiny") -> Experiment:
    return Experiment(
        name=name,
        title="Tiny",
        question="Does the framework work?",
        variants=(
            Variant("baseline", "as it is", until=UNTIL),
            Variant("western", "China at US costs", (edits.western_china,), until=UNTIL),
        ),
        measure=measure,
        checks=(
            Check("share is a minority", "baseline", "share_1990", hi=0.6),
            Check("impossible", "baseline", "share_1990", lo=2.0, why_if_fail="shares are at most 1"),
            Check("difference", "western", "share_1990", versus="baseline", lo=-1.0, hi=1.0),
        ),
        seeds=2,
        figures=figures,
    )


def test_same_tables_in_one_process_and_in_a_pool() -> None:
    a = run_experiments([tiny()], workers=1, progress=False)["tiny"]
    b = run_experiments([tiny()], workers=2, progress=False)["tiny"]
    pd.testing.assert_frame_equal(a.indicators, b.indicators)
    pd.testing.assert_frame_equal(a.paths, b.paths)
    assert list(a.indicators["seed"]) == [0, 1, 0, 1]
    # different seeds differ
    assert a.values("baseline", "share_1990").iloc[0] != a.values("baseline", "share_1990").iloc[1]
    assert [c.passed for c in a.checks] == [True, False, True]


def test_experiments_share_identical_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    from experiments import experiment as ex

    calls = []
    real = ex._execute

    def counting(run: ex._Run) -> list:  # type: ignore[type-arg]
        calls.append(run)
        return real(run)

    monkeypatch.setattr(ex, "_execute", counting)
    out = run_experiments([tiny("one"), tiny("two")], workers=1, progress=False)
    assert len(calls) == 4  # 2 variants x 2 seeds, shared by both experiments
    pd.testing.assert_frame_equal(out["one"].indicators, out["two"].indicators)


def test_the_same_runs_write_the_same_bytes(tmp_path: Path) -> None:
    for k in ("a", "b"):
        write_result(run_experiments([tiny()], workers=2, progress=False)["tiny"], tmp_path / k)
    for p in sorted((tmp_path / "a").iterdir()):
        assert p.read_bytes() == (tmp_path / "b" / p.name).read_bytes(), p.name


def test_a_check_naming_an_unknown_variant_is_an_error() -> None:
    with pytest.raises(ExperimentError, match="unknown variant 'nope'"):
        Experiment("x", "X", "?", (Variant("baseline", "b"),), measure, (Check("c", "nope", "i"),))


def test_report_is_written_and_a_failed_write_leaves_the_folder(tmp_path: Path) -> None:
    r = run_experiments([tiny()], workers=1, progress=False)["tiny"]
    out = tmp_path / "tiny"
    write_result(r, out)
    text = (out / "report.md").read_text()
    assert "Checks passed: **2 of 3**" in text and "shares are at most 1" in text
    assert sorted(p.name for p in out.iterdir()) == [
        "checks.csv",
        "indicators.csv",
        "paths.csv",
        "paths.png",
        "report.md",
        "strip.png",
    ]
    assert "![prices and shares](paths.png)" in text
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(result: object, where: Path) -> list:  # type: ignore[type-arg]
        (where / "half.png").write_bytes(b"x")
        raise RuntimeError("disk full")

    import dataclasses

    r.experiment = dataclasses.replace(r.experiment, figures=broken)
    with pytest.raises(RuntimeError):
        write_result(r, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_every_catalogued_experiment_loads() -> None:
    for name in catalogue.available():
        e = catalogue.get(name)
        assert e.name == name and e.question and e.variants[0].name == "baseline"
        assert e.seeds >= 20
        assert e.checks, f"{name} has no checks"
        for c in e.checks:
            assert not (math.isinf(c.lo) and math.isinf(c.hi)), f"{name}: check {c.claim!r} cannot fail"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run-experiment", "nosuch"], "experiment = 'nosuch': unknown; allowed: undercutting"),
        (["run-experiment", "undercutting", "--seeds", "0"], "--seeds = 0: must be a whole number >= 1"),
        (["all", "--workers", "0"], "--workers = 0: must be a whole number >= 1"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "experiments", *args, "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], res.stderr
    assert not (tmp_path / "o").exists()


def test_scenarios_and_experiment_edits_hold_causes_only() -> None:
    """No outcome can be scheduled: the scenario schema's event kinds are causes only, and every
    variant of every experiment (its edited scenario) passes that schema."""
    import typing

    from experiments.experiment import _parsed
    from model.scenario import EventSpec

    members = typing.get_args(typing.get_args(EventSpec)[0])  # Annotated[A | B | ..., discriminator]
    kinds = {k for m in members for k in typing.get_args(m.model_fields["kind"].annotation)}
    outcomes = {"open", "mothball", "restart", "restart_decision", "close", "seizure", "invest", "embargo_end"}
    assert kinds and not kinds & outcomes, kinds
    for name in catalogue.available():
        e = catalogue.get(name)
        for v in e.variants:
            spec = _parsed(e.scenario, v)  # validated like any scenario file
            assert {ev.kind for ev in spec.events} <= kinds
