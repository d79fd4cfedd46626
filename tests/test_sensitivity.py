"""Sensitivity studies (issue 4): the declared space, space files, metrics, the study runner and
its resumption, SALib analysis, and Mesa batch_run compatibility.

Studies here are tiny (a 3-input space, 16 runs) and short (`until`), so that the file runs in
well under a minute; nothing depends on calibrated numbers: results are compared with each other
(same seeds, other executors), never with expected values of the model.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments import cli
from experiments import metrics as metrics_mod
from experiments.metrics import RunOutput
from experiments.scenario_levers import LEVERS, LeverError
from experiments.sensitivity import analyse, build_spec, run_study
from experiments.space import SHIPPED_SPACES, SpaceError, declarations, load_space, model_parameters
from experiments.study import StudyError, prepare, run_seed
from model import RareEarthModel, run
from model.scenario import parse_scenario, resolve_scenario

ROOT = Path(__file__).parent.parent
UNTIL = "1993-12"
SAMPLES = 4  # Morris trajectories: 4 x (3 + 1) = 16 runs
NOISE = 3  # seed-only runs at the defaults
TOTAL = SAMPLES * 4 + NOISE
SPACE = """\
[space]
description = "test: three inputs, one of them a scenario lever"
[parameters.logit_beta]
range = [4.0, 16.0]
[parameters.loss_patience_months]
range = [6, 24]
[parameters.china_subsidy_magnet_usd_per_kg]
range = [0.0, 2.0]
distribution = "triangular"
mode = 0.5
"""
USER_METRIC = """\
from experiments.metrics import metric


@metric(unit="USD/kg", description="NdPr oxide price index in the run's last month")
def ndpr_price_last(run):
    return float(run.series["price_ndpr_oxide"].iloc[-1])
"""
COMPARED = ["sample", "seed", "logit_beta", "loss_patience_months", "china_subsidy_magnet_usd_per_kg"]


def history_data() -> dict:
    return tomllib.loads(resolve_scenario("history").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("sensitivity")
    space, user = root / "space.toml", root / "user_metrics.py"
    space.write_text(SPACE, encoding="utf-8")
    user.write_text(USER_METRIC, encoding="utf-8")
    return {"root": root, "space": space, "metrics": user}


@pytest.fixture(scope="module")
def spec(files: dict[str, Path]):
    user = [files["metrics"]]
    return build_spec(
        "morris", SAMPLES, "history", files["space"], seed=11, until=UNTIL, metric_files=user, noise_runs=NOISE
    )


@pytest.fixture(scope="module")
def reference(spec, files: dict[str, Path]) -> pd.DataFrame:
    """The study run in this process, one run after another."""
    return run_study(spec, files["root"] / "inline", workers=1).runs


def same_results(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Identical inputs, seeds, metrics and errors (NaN equal to NaN); run times may differ."""
    cols = [c for c in a.columns if c != "run_seconds"]
    assert list(a.columns) == list(b.columns)
    pd.testing.assert_frame_equal(a[cols].reset_index(drop=True), b[cols].reset_index(drop=True), check_exact=True)


# --- identical results wherever the runs happen ----------------------------------------------------
def test_reference_study_is_complete_and_varied(reference: pd.DataFrame, spec) -> None:
    assert reference["sample"].tolist() == list(range(TOTAL))
    assert reference["design"].tolist() == ["sample"] * (SAMPLES * 4) + ["seed-only"] * NOISE
    defaults = reference[reference["design"] == "seed-only"]
    assert defaults[
        ["logit_beta", "loss_patience_months", "china_subsidy_magnet_usd_per_kg"]
    ].drop_duplicates().values.tolist() == [[8.0, 12, 0.0]]
    assert defaults["seed"].nunique() == NOISE
    assert (reference["error"] == "").all(), reference["error"].unique()
    assert "ndpr_price_last" in reference.columns  # the user's metric from its file
    for name in ("unmet_demand_t", "state_support_usd", "ndpr_price_last"):
        assert reference[name].nunique() > 1, f"{name} does not vary: the study would show nothing"
    assert reference["seed"].tolist() == [run_seed(11, i) for i in range(len(reference))]
    assert reference["loss_patience_months"].map(type).eq(int).all()  # integers stay integers
    # a year past the horizon is NaN, an event that did not happen is the year after the run
    assert reference["china_share_mining_2035"].isna().all()
    assert (reference["hitachi_nc_stop_year"] == 1994).all()


def test_same_metrics_from_a_process_pool(reference: pd.DataFrame, spec, files: dict[str, Path]) -> None:
    pooled = run_study(spec, files["root"] / "pool", workers=2, batch=3).runs
    same_results(reference, pooled)


def test_same_metrics_from_a_dask_cluster(reference: pd.DataFrame, spec, files: dict[str, Path]) -> None:
    import distributed

    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        on_dask = run_study(spec, files["root"] / "dask", scheduler=cluster.scheduler_address, batch=5).runs
    same_results(reference, on_dask)


def test_one_run_repeats_the_study_row(reference: pd.DataFrame, spec) -> None:
    """A row of the study is the plain model run with that sample's inputs and seed."""
    row = reference.iloc[5]
    data = history_data()
    LEVERS["china_subsidy_magnet_usd_per_kg"].apply(data, row["china_subsidy_magnet_usd_per_kg"])
    params = {"logit_beta": row["logit_beta"], "loss_patience_months": int(row["loss_patience_months"])}
    tables = run(parse_scenario(data), seed=int(row["seed"]), until=UNTIL, **params)
    assert float(tables["series"]["unmet_demand_t"].sum()) == row["unmet_demand_t"]


# --- interrupted and resumed -----------------------------------------------------------------------
def test_killed_study_resumes_with_each_sample_once(reference: pd.DataFrame, files: dict[str, Path]) -> None:
    out = files["root"] / "killed"
    args = ["sensitivity", "--method", "morris", "--samples", str(SAMPLES), "--scenario", "history"]
    args += ["--space", str(files["space"]), "--seed", "11", "--until", UNTIL, "--metrics", str(files["metrics"])]
    args += ["--out", str(out), "--batch", "1", "--noise-runs", str(NOISE)]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    cmd = [sys.executable, "-m", "experiments", *args]
    proc = subprocess.Popen([*cmd, "--workers", "1"], cwd=ROOT, env=env, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(list((out / "runs").glob("part-*.parquet"))) < 3 and time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    parts = list((out / "runs").glob("part-*.parquet"))
    assert 3 <= len(parts) < TOTAL, "the kill came too late to test a resumption"
    assert not (out / "metrics.parquet").exists()
    # resumed by another executor (a pool), in another order of runs
    res = subprocess.run([*cmd, "--workers", "2"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert f"({TOTAL - len(parts)} new, {len(parts)} resumed)" in res.stdout, res.stdout
    resumed = pd.read_parquet(out / "metrics.parquet")
    assert resumed["sample"].value_counts().eq(1).all()
    assert sorted(resumed["sample"]) == list(range(TOTAL))
    same_results(reference, resumed)
    runs = pd.concat(pd.read_parquet(p) for p in (out / "runs").glob("part-*.parquet"))
    assert runs["sample"].is_unique and len(runs) == TOTAL


KILLER_METRIC = """\
import os
from pathlib import Path

from experiments.metrics import metric


@metric(unit="1", description="kills its worker process once (the first time any worker computes it)")
def kills_a_worker_once(run):
    flag = Path(os.environ["SENSITIVITY_TEST_FLAG"])
    if not flag.exists():
        flag.write_text("killed")
        os.kill(os.getpid(), 9)
    return 0.0
"""


def test_a_lost_worker_stops_the_study_and_a_rerun_completes_it(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from experiments.study import StudyFailure

    killer = files["root"] / "killer_metrics.py"
    killer.write_text(KILLER_METRIC, encoding="utf-8")
    monkeypatch.setenv("SENSITIVITY_TEST_FLAG", str(files["root"] / "killed.flag"))
    s = build_spec("morris", 2, "history", files["space"], seed=4, until="1986-12", metric_files=[killer], noise_runs=0)
    out = files["root"] / "lost-worker"
    with pytest.raises(StudyFailure, match="a worker process died"):
        run_study(s, out, workers=2, batch=1)
    assert (files["root"] / "killed.flag").exists()
    result = run_study(s, out, workers=2, batch=1)  # the flag is there: no more kills
    assert result.outcome.done_before < 8 and result.outcome.done_before + result.outcome.ran == 8
    assert sorted(result.runs["sample"]) == list(range(8))
    assert (result.runs["error"] == "").all()


def test_resume_with_other_arguments_is_refused(spec, files: dict[str, Path], capsys: pytest.CaptureFixture) -> None:
    out = files["root"] / "inline"  # holds the reference study (seed 11)
    before = {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}
    args = ["sensitivity", "--method", "morris", "--samples", str(SAMPLES), "--scenario", "history"]
    args += ["--space", str(files["space"]), "--seed", "12", "--until", UNTIL, "--out", str(out)]
    args += ["--noise-runs", str(NOISE), "--metrics", str(files["metrics"])]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "seed = 11" in err and "12" in err, err
    assert before == {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}


def test_a_study_without_saved_runs_is_replaced(spec, files: dict[str, Path]) -> None:
    """With no run saved there is nothing to resume: another definition simply starts over
    (e.g. a committed study.json after the model changed)."""
    import json

    out = files["root"] / "replaced"
    other = build_spec("morris", 2, "history", files["space"], seed=99, until="1985-06")
    prepare(other, out).folder.unlock()
    prepared = prepare(spec, out)
    prepared.folder.unlock()
    assert json.loads((out / "study.json").read_text())["seed"] == 11
    assert len(pd.read_parquet(out / "samples.parquet")) == SAMPLES * 4  # the design; seed-only runs need no row


def test_a_second_process_cannot_write_the_same_study(spec, files: dict[str, Path]) -> None:
    prepared = prepare(spec, files["root"] / "locked")
    try:
        with pytest.raises(StudyError, match="another process is running this study"):
            prepare(spec, files["root"] / "locked")
    finally:
        prepared.folder.unlock()


# --- malformed space files -------------------------------------------------------------------------
BAD_SPACES = {
    "unknown parameter": ("[parameters.no_such]\nrange = [0, 1]\n", "parameters.no_such: unknown parameter"),
    "inverted range": ("[parameters.logit_beta]\nrange = [16.0, 4.0]\n", "parameters.logit_beta.range = [16.0, 4.0]"),
    "unknown distribution": (
        '[parameters.logit_beta]\nrange = [4.0, 16.0]\ndistribution = "gauss"\n',
        "parameters.logit_beta.distribution = 'gauss': unknown distribution; allowed: uniform",
    ),
    "range outside allowed": (
        "[parameters.logit_beta]\nrange = [0.1, 16.0]\n",
        "must lie within the allowed range 0.5 to 40",
    ),
    "unknown key": ("[parameters.logit_beta]\nrange = [4.0, 16.0]\nmean = 3\n", "parameters.logit_beta.mean = 3"),
    "bad TOML": ("[parameters.logit_beta\nrange = [4.0, 16.0]\n", "not valid TOML at line 1"),
    "normal without sd": (
        '[parameters.logit_beta]\ndistribution = "normal"\nmean = 8\n',
        "parameters.logit_beta.sd: missing",
    ),
}


@pytest.mark.parametrize("case", list(BAD_SPACES))
def test_malformed_space_file_is_one_line_and_exit_2(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, expected = BAD_SPACES[case]
    space = tmp_path / "bad.toml"
    space.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    args = ["sensitivity", "--method", "morris", "--samples", "2", "--scenario", "history"]
    assert cli.main([*args, "--space", str(space), "--until", "1985-06", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert str(space) in err and expected in err, err
    assert not out.exists()  # nothing was written


def test_malformed_space_from_the_command_line_process(tmp_path: Path) -> None:
    """The real process: exit status 2, one line on stderr, no traceback."""
    space = tmp_path / "bad.toml"
    space.write_text(BAD_SPACES["inverted range"][0], encoding="utf-8")
    cmd = [sys.executable, "-m", "experiments", "sensitivity", "--method", "sobol", "--samples", "8"]
    cmd += ["--scenario", "history", "--space", str(space), "--out", str(tmp_path / "out")]
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
    assert "logit_beta.range = [16.0, 4.0]: must be [low, high] with low < high" in res.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--method", "sobol", "--samples", "6"], "--samples = 6: must be a power of 2"),
        (["--method", "morris", "--samples", "2", "--scheduler", "localhost"], "--scheduler = 'localhost'"),
        (["--method", "morris", "--samples", "2", "--workers", "0"], "--workers = 0"),
        (["--method", "morris", "--samples", "2", "--until", "1900-01"], "--until = '1900-01'"),
        (["--method", "anova", "--samples", "2"], "argument --method: invalid choice: 'anova'"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(
    args: list[str], expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["sensitivity", *args, "--scenario", "history", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err, err
    assert not (tmp_path / "o").exists()


# --- the declared space ----------------------------------------------------------------------------
def test_shipped_space_covers_every_declared_input_within_its_range() -> None:
    spec_ = resolve_scenario("history")
    from model.scenario import load_scenario

    scenario, _ = load_scenario(spec_)
    decl = declarations(history_data(), scenario)
    space = load_space(SHIPPED_SPACES / "history.toml", decl)
    assert sorted(space.names) == sorted(decl), "experiments/spaces/history.toml must list every declared input"
    for e in space.entries:
        assert e.declared.low <= e.low < e.high <= e.declared.high
    # the history world's own values lie inside the sampled ranges (a recalibration that moves a
    # default must move its range too, or the study samples only worlds away from the default)
    for path in (SHIPPED_SPACES / "history.toml", SHIPPED_SPACES / "hitachi.toml"):
        for e in load_space(path, decl).entries:
            d = e.declared.default
            assert math.isnan(d) or e.low <= d <= e.high, f"{path.name}: {e.name} default {d} outside {e.low}-{e.high}"


def test_every_parameter_declares_a_unit_and_a_known_distribution() -> None:
    from experiments.space import DISTRIBUTIONS
    from model.params import ModelParams

    for name, field in ModelParams.model_fields.items():
        extra = field.json_schema_extra
        assert isinstance(extra, dict) and {"unit", "distribution"} <= set(extra), name
        assert extra["distribution"] in DISTRIBUTIONS, name
        for suffix, unit in (("_months", "months"), ("_usd_per_kg", "USD/kg"), ("_years", "years"), ("_t", "t")):
            if name.endswith(suffix):
                assert extra["unit"] == unit, f"{name}: unit {extra['unit']!r}, its name says {unit}"
    assert set(model_parameters()) == set(ModelParams.model_fields)


def test_levers_read_and_edit_the_scenario() -> None:
    data = history_data()
    for name, lever in LEVERS.items():
        default = lever.default(data)
        assert lever.low <= default <= lever.high, name
        edited = history_data()
        target = lever.high if default != lever.high else lever.low
        lever.apply(edited, target)
        assert lever.default(edited) == target, name
        parse_scenario(edited)  # still a valid scenario
    model = RareEarthModel(parse_scenario(data), seed=0, until="1985-01")
    assert model.states["CHN"].policy.subsidy_usd_per_kg.get("magnet", 0.0) == 0.0
    LEVERS["china_subsidy_magnet_usd_per_kg"].apply(data, 1.5)
    LEVERS["us_permitting_magnet_months"].apply(data, 17.4)
    model = RareEarthModel(parse_scenario(data), seed=0, until="1985-01")
    assert model.states["CHN"].policy.subsidy_usd_per_kg["magnet"] == 1.5
    assert model.states["USA"].policy.permitting_months["magnet"] == 17
    hitachi = "Hitachi Metals North Carolina"
    floors = [e for e in data["events"] if e.get("firm") == hitachi and e["kind"] == "price_floor"]
    assert floors == []  # no counterfactual floor at its default 0
    LEVERS["us_magnet_floor_usd_per_kg"].apply(data, 20.0)
    model = RareEarthModel(parse_scenario(data), seed=0, until="2012-12")
    model.run()
    assert model.price_floor_usd_per_kg(hitachi, "magnet") == 20.0


def test_a_lever_on_a_scenario_without_its_target_says_what_is_missing() -> None:
    data = history_data()
    data["states"] = [s for s in data["states"] if s["country"] != "CHN"]
    with pytest.raises(LeverError, match="needs the state CHN"):
        LEVERS["china_subsidy_magnet_usd_per_kg"].apply(data, 1.0)


def test_space_samples_stay_in_range_and_follow_the_distribution() -> None:
    text = (
        '[parameters.logit_beta]\nrange = [4.0, 16.0]\ndistribution = "normal"\nmean = 6.0\nsd = 1.0\n'
        '[parameters.shipment_t]\nrange = [1.0, 100.0]\ndistribution = "lognormal"\nmedian = 10.0\nsigma = 0.5\n'
        "[parameters.spill_rounds]\nrange = [1, 5]\n"
    )
    space = load_space("mem.toml", declarations(), text=text)
    from SALib.sample import sobol

    values = space.values(sobol.sample(space.problem(), 256, calc_second_order=False, seed=1))
    beta, ship, rounds = values[:, 0], values[:, 1], values[:, 2]
    assert beta.min() >= 4 and beta.max() <= 16 and abs(np.median(beta) - 6.0) < 0.3
    assert ship.min() >= 1 and ship.max() <= 100 and abs(np.median(ship) / 10.0 - 1) < 0.15
    assert set(np.unique(rounds)) == {1, 2, 3, 4, 5}


# --- analysis --------------------------------------------------------------------------------------
def test_analysis_ranks_a_known_influence_first(spec, files: dict[str, Path]) -> None:
    """SALib's indices are wired to the right input names: a metric that is, by construction,
    mostly one input ranks that input first, under both methods."""
    for method, samples in (("morris", 8), ("sobol", 64)):
        s = build_spec(method, samples, "history", files["space"], seed=3, until="1985-03")
        prepared = prepare(s, files["root"] / f"analysis-{method}")
        prepared.folder.unlock()
        x = prepared.values
        runs = pd.DataFrame({m: np.nan for m in s.metrics}, index=range(len(x)))
        runs["unmet_demand_t"] = 5 * (x[:, 2] / 2.0) + 0.5 * (x[:, 0] / 16.0) + 0.1 * (x[:, 1] / 24.0)
        result = analyse(prepared, runs)
        idx = result.indices.set_index("parameter")
        assert idx.index[idx["rank"] == 1].tolist() == ["china_subsidy_magnet_usd_per_kg"], method
        assert "no run gave a value" in result.notes["state_support_usd"]
        col = "mu_star" if method == "morris" else "ST"
        assert idx.loc["logit_beta", col] > idx.loc["loss_patience_months", col], method


def test_small_sobol_study_writes_its_outputs(files: dict[str, Path]) -> None:
    s = build_spec("sobol", 4, "history", files["space"], seed=5, until="1986-06", noise_runs=2)
    result = run_study(s, files["root"] / "sobol", workers=1)
    out = files["root"] / "sobol"
    assert len(result.runs) == 4 * (3 + 2) + 2
    indices = pd.read_csv(out / "indices.csv")
    assert {"metric", "parameter", "S1", "S1_conf", "ST", "ST_conf", "noise_share", "rank"} <= set(indices.columns)
    assert (out / "sobol.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = (out / "report.md").read_text()
    assert "Sobol" in report and "Most influential" in report and "`unmet_demand_t`" in report


def test_study_seed_0_gives_the_same_confidence_intervals_on_every_analysis(files: dict[str, Path]) -> None:
    """Re-running a finished study re-analyses its saved runs; the bootstrap intervals must not
    change (SALib's Sobol analysis treats a seed of 0 as none)."""
    s = build_spec("sobol", 4, "history", files["space"], seed=0, until="1986-06", noise_runs=2)
    out = files["root"] / "sobol0"
    run_study(s, out, workers=1)
    first = (out / "indices.csv").read_bytes()
    run_study(s, out, workers=1)  # every run saved: analysis only
    assert (out / "indices.csv").read_bytes() == first


# --- metrics ---------------------------------------------------------------------------------------
def synthetic_run(events: list[tuple[str, str, str]], end: str = "2035-12") -> RunOutput:
    dates = pd.period_range("2029-01", end, freq="M").strftime("%Y-%m").tolist()
    series = pd.DataFrame({"date": dates, "unmet_demand_t": 1.0, "price_ndpr_oxide": 1.0})
    flows = pd.DataFrame(
        [
            ("2030-03", "magnet", "CHN", "USA", "legal", 30.0, 0.0),
            ("2030-04", "magnet", "USA", "USA", "legal", 10.0, 0.0),
            ("2030-05", "magnet", "USA", "USA", "stockpile", 100.0, 0.0),  # offtake: not consumption
            ("2030-05", "magnet", "CHN", "JPN", "legal", 100.0, 0.0),
        ],
        columns=["date", "tier", "origin", "destination", "channel", "quantity_t", "value_usd"],
    )
    ev = pd.DataFrame(events, columns=["date", "actor", "kind"])
    spending = pd.DataFrame(
        [("USA", "price_floor", 5.0), ("USA", "stockpile", 100.0), ("CHN", "subsidy", 7.0)],
        columns=["country", "item", "usd"],
    )
    return RunOutput(series, flows, ev, pd.DataFrame(), spending, "2029-01", end)


def test_metrics_on_known_tables() -> None:
    hitachi = "Hitachi Metals North Carolina"
    r = synthetic_run([("2013-04", hitachi, "open"), ("2020-01", hitachi, "mothball"), ("2022-01", hitachi, "close")])
    m = metrics_mod.METRICS
    assert m["us_magnet_import_dependence_2030"].fn(r) == pytest.approx(0.75)
    assert math.isnan(m["us_magnet_import_dependence_2035"].fn(r))  # no US purchases that year
    assert m["hitachi_nc_stop_year"].fn(r) == 2020
    assert m["hitachi_nc_years_operating"].fn(r) == pytest.approx(81 / 12)
    assert m["mountain_pass_stop_year"].fn(r) == 2036  # never stopped: the year after the run
    assert m["state_support_usd"].fn(r) == 12.0 and m["us_support_usd"].fn(r) == 5.0  # stockpile excluded
    short = synthetic_run([("2013-04", hitachi, "open")], end="2030-06")
    assert math.isnan(m["us_magnet_import_dependence_2030"].fn(short))  # 2030 not complete
    assert m["hitachi_nc_stop_year"].fn(short) == 2031
    assert m["hitachi_nc_years_operating"].fn(short) == pytest.approx((2030 * 12 + 7 - (2013 * 12 + 4)) / 12)


def test_a_metric_that_raises_gives_nan_and_a_note() -> None:
    @metrics_mod.metric(unit="1", description="always fails")
    def _broken_for_test(run: RunOutput) -> float:
        raise ZeroDivisionError("boom")

    try:
        values, errors = metrics_mod.compute(synthetic_run([]), ["_broken_for_test", "unmet_demand_t"])
        assert math.isnan(values["_broken_for_test"]) and values["unmet_demand_t"] > 0
        assert errors == ["metric _broken_for_test: ZeroDivisionError: boom"]
    finally:
        metrics_mod.METRICS.pop("_broken_for_test")


def test_space_error_names_the_file() -> None:
    with pytest.raises(SpaceError, match=r"^x\.toml: parameters: must name at least one parameter"):
        load_space("x.toml", declarations(), text="[space]\ndescription = 'empty'\n")


# --- Mesa batch_run --------------------------------------------------------------------------------
def test_mesa_batch_run_gives_the_main_series() -> None:
    import mesa

    results = mesa.batch_run(
        RareEarthModel,
        parameters={"scenario": "history", "until": "1986-12", "logit_beta": [5.0, 10.0]},
        rng=[2],
        number_processes=1,
        data_collection_period=1,
        display_progress=False,
    )
    df = pd.DataFrame(results)
    assert len(df) == 2 * 24 and set(df["logit_beta"]) == {5.0, 10.0}
    mine = df[df["logit_beta"] == 5.0].reset_index(drop=True)
    series = run("history", seed=2, until="1986-12", logit_beta=5.0)["series"]
    for col in ("date", "price_ndpr_oxide", "price_magnet", "china_share_mining", "china_share_magnets"):
        assert mine[col].tolist() == series[col].tolist(), col
