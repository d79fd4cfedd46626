"""The command line contract: `python -m experiments list | run | benchmark`.

Only the contract is tested (files, columns, run ids, exit codes, one-line errors, atomic writes),
never the model's outcomes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import types
from pathlib import Path

import pandas as pd
import pytest

import experiments.io as eio
from experiments import cli
from model.scenario import builtin_scenarios
from model.tables import AGENTS_COLUMNS, EVENTS_COLUMNS, FLOWS_COLUMNS, SERIES_COLUMNS

DATA = Path(__file__).parent / "data"
SMALL = str(DATA / "ok_small.toml")
CONTRACT = {"series": SERIES_COLUMNS, "flows": FLOWS_COLUMNS, "events": EVENTS_COLUMNS, "agents": AGENTS_COLUMNS}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def cli_run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`python -m experiments ARGS` in a subprocess."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [sys.executable, "-m", "experiments", *args], capture_output=True, text=True, timeout=timeout, env=env
    )


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under `directory` (relative path -> bytes)."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def one_error_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


# --- list ------------------------------------------------------------------------------------------
def test_list() -> None:
    res = cli_run("list")
    assert res.returncode == 0, res.stderr
    for name, path in builtin_scenarios().items():
        description = tomllib.loads(path.read_text())["scenario"].get("description", "")
        line = next(line for line in res.stdout.splitlines() if line.strip().startswith(name + " "))
        assert description in line
    assert "history" in res.stdout
    assert "Experiments" in res.stdout
    from experiments import catalogue

    assert catalogue.available(), "no experiment modules"
    for name, question in catalogue.questions().items():
        line = next(line for line in res.stdout.splitlines() if line.strip().startswith(name + " "))
        assert question[:40] in line


# --- run ---------------------------------------------------------------------------------------------
def test_run_history_two_seeds_csv(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    res = cli_run("run", "history", "--seeds", "2", "--until", "1986-12", "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["series.csv", "flows.csv", "events.csv", "agents.csv", "overview.png", "notes.txt"]
    )
    assert (out / "notes.txt").read_text() == "mine"  # unrelated files stay
    for name, columns in CONTRACT.items():
        df = pd.read_csv(out / f"{name}.csv")
        assert list(df.columns) == columns, name
        if name in ("series", "agents"):
            assert set(df["run_id"]) == {"history-0", "history-1"}
            assert set(df["seed"]) == {0, 1}
    series = pd.read_csv(out / "series.csv")
    assert len(series) == 2 * 24
    assert series["date"].max() == "1986-12"
    png = (out / "overview.png").read_bytes()
    assert png.startswith(PNG_MAGIC) and len(png) > 10_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging directory left


def test_run_parquet_and_read_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "new" / "dir"  # created, with its parent
    code = cli.main(
        ["run", SMALL, "--seeds", "2", "--seed", "5", "--until", "1985-06", "--format", "parquet"]
        + [
            "--out",
            str(out),
        ]
    )
    assert code == 0, capsys.readouterr().err
    for name, columns in CONTRACT.items():
        df = pd.read_parquet(out / f"{name}.parquet")
        assert list(df.columns) == columns, name
    series = pd.read_parquet(out / "series.parquet")
    assert set(series["run_id"]) == {"small-5", "small-6"}
    assert (out / "overview.png").read_bytes().startswith(PNG_MAGIC)
    tables = eio.read_tables(out)
    assert set(tables) == set(CONTRACT)
    pd.testing.assert_frame_equal(tables["series"], series)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new"]
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == ["dir"]


def test_write_and_read_tables_round_trip(tmp_path: Path) -> None:
    tables = {
        "series": pd.DataFrame({"run_id": ["a-0"], "seed": [0], "date": ["1985-01"], "step": [0]}),
        "flows": pd.DataFrame({"run_id": ["a-0"], "origin": ["NAM"], "destination": ["NA"]}),
        "events": pd.DataFrame({"run_id": ["a-0"], "detail": ["N/A"]}),
        "agents": pd.DataFrame({"run_id": ["a-0"], "cash": [1.5]}),
    }
    paths = eio.write_tables(tables, tmp_path / "t", "csv")
    assert [p.name for p in paths] == ["series.csv", "flows.csv", "events.csv", "agents.csv"]
    back = eio.read_tables(tmp_path / "t")
    assert back["flows"].loc[0, "destination"] == "NA"  # not read as a missing value
    assert back["events"].loc[0, "detail"] == "N/A"
    assert back["series"].loc[0, "date"] == "1985-01"
    with pytest.raises(FileNotFoundError):
        eio.read_tables(tmp_path)


def test_set_parameter_reaches_the_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import model

    seen: list[dict] = []
    real_run = model.run

    def spy(*args, **kwargs):
        seen.append(kwargs)
        return real_run(*args, **kwargs)

    monkeypatch.setattr(model, "run", spy)
    out = tmp_path / "out"
    code = cli.main(["run", SMALL, "--seeds", "1", "--until", "1985-03", "--out", str(out), "--set", "logit_beta=5"])
    assert code == 0
    assert seen and seen[0]["logit_beta"] == 5
    assert seen[0]["run_id"] == "small-0" and seen[0]["until"] == "1985-03"
    assert (out / "series.csv").is_file()


def test_set_logit_beta_subprocess(tmp_path: Path) -> None:
    res = cli_run(
        "run", SMALL, "--seeds", "1", "--until", "1985-03", "--out", str(tmp_path / "o"), "--set", "logit_beta=5"
    )
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "o" / "series.csv").is_file()


def test_set_unknown_parameter_subprocess(tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = cli_run("run", "history", "--seeds", "1", "--until", "1985-03", "--out", str(out), "--set", "nonsense=1")
    assert res.returncode == 2
    line = one_error_line(res.stderr)
    assert "nonsense" in line and "=1" in line and "logit_beta" in line  # names it, its value and what is allowed
    assert not out.exists()


# --- bad input: one line, exit 2, nothing written ----------------------------------------------------
BAD_ARGS = {
    "unknown scenario": (["run", "atlantis", "--seeds", "1"], ["atlantis", "history"]),
    "month 13": (["run", SMALL, "--seeds", "1", "--until", "1985-13"], ["--until", "1985-13", "1985-01", "1990-12"]),
    "until after end": (["run", SMALL, "--seeds", "1", "--until", "1999-01"], ["--until", "1999-01", "1990-12"]),
    "until before start": (["run", SMALL, "--seeds", "1", "--until", "1984-12"], ["--until", "1984-12", "1985-01"]),
    "until not a month": (["run", SMALL, "--seeds", "1", "--until", "soon"], ["--until", "soon", "YYYY-MM"]),
    "zero seeds": (["run", SMALL, "--seeds", "0"], ["--seeds", "0", "at least 1"]),
    "negative base seed": (["run", SMALL, "--seeds", "1", "--seed", "-3"], ["--seed", "-3", "at least 0"]),
    "seeds not a number": (["run", SMALL, "--seeds", "two"], ["--seeds", "two"]),
    "set not a number": (["run", SMALL, "--seeds", "1", "--set", "logit_beta=high"], ["logit_beta", "high", "number"]),
    "set out of range": (["run", SMALL, "--seeds", "1", "--set", "logit_beta=99"], ["logit_beta", "99", "0.5 to 40"]),
    "set not int": (["run", SMALL, "--seeds", "1", "--set", "spill_rounds=1.5"], ["spill_rounds", "1.5", "integer"]),
    "set without value": (["run", SMALL, "--seeds", "1", "--set", "logit_beta"], ["logit_beta", "NAME=VALUE"]),
    "set unknown": (["run", SMALL, "--seeds", "1", "--set", "nonsense=1"], ["nonsense", "logit_beta"]),
    "bad format": (["run", SMALL, "--seeds", "1", "--format", "xlsx"], ["--format", "xlsx", "parquet"]),
    "bad scenario file": (["run", str(DATA / "bad" / "negative_capacity.toml"), "--seeds", "1"], ["capacity_t"]),
    "no command": ([], ["list", "run"]),
    "unknown command": (["frobnicate"], ["frobnicate", "list"]),
    "missing out": (["run", SMALL, "--seeds", "1", "--no-out"], ["--out"]),
}


@pytest.mark.parametrize("case", list(BAD_ARGS))
def test_bad_arguments(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv, expected = BAD_ARGS[case]
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("keep")
    if argv[:1] == ["run"] and case != "missing out":
        argv = [*argv, "--out", str(out)]
    before = snapshot(tmp_path)
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert code == 2
    line = one_error_line(err)
    for text in expected:
        assert text in line, line
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_out_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "file.txt"
    target.write_text("precious")
    for out in (target, target / "sub"):
        code = cli.main(["run", SMALL, "--seeds", "1", "--until", "1985-03", "--out", str(out)])
        line = one_error_line(capsys.readouterr().err)
        assert code == 2
        assert "--out" in line and str(target) in line and "not a directory" in line
    assert target.read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt"]


def test_out_holds_a_directory_named_like_a_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "series.csv").mkdir()
    code = cli.main(["run", SMALL, "--seeds", "1", "--until", "1985-03", "--out", str(tmp_path)])
    assert code == 2
    line = one_error_line(capsys.readouterr().err)
    assert "series.csv" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["series.csv"]


# --- atomic writes -------------------------------------------------------------------------------------
@pytest.fixture
def previous_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """An output directory holding a finished earlier run and an unrelated file."""
    out = tmp_path / "results"
    assert cli.main(["run", SMALL, "--seeds", "1", "--seed", "7", "--until", "1985-02", "--out", str(out)]) == 0
    (out / "notes.md").write_text("my notes")
    capsys.readouterr()
    return out


def _fail_after_first_table(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> list[Path]:
    written: list[Path] = []
    real = eio.write_table

    def flaky(df: pd.DataFrame, path: Path, fmt: str) -> None:
        if written:
            path.write_text("half a tab")  # a partly written second file, then the failure
            raise exc
        real(df, path, fmt)
        written.append(path)

    monkeypatch.setattr(eio, "write_table", flaky)
    return written


@pytest.mark.parametrize(
    ("exc", "code"),
    [(KeyboardInterrupt(), 130), (OSError(28, "No space left on device"), 1)],
    ids=["interrupt", "disk"],
)
def test_failed_write_leaves_directory_intact(
    exc: BaseException,
    code: int,
    previous_run: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = snapshot(previous_run.parent)
    written = _fail_after_first_table(monkeypatch, exc)
    rc = cli.main(["run", SMALL, "--seeds", "2", "--until", "1985-06", "--out", str(previous_run)])
    assert rc == code
    assert written  # the failure did come half-way through the writing
    one_error_line(capsys.readouterr().err)
    assert snapshot(previous_run.parent) == before  # same files, same bytes, no staging left behind
    assert sorted(p.name for p in previous_run.parent.iterdir()) == ["results"]


def test_failed_figure_leaves_new_directory_uncreated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import experiments.figures

    def broken(series: pd.DataFrame, path: Path, title: str | None = None) -> None:
        Path(path).write_bytes(b"\x89PNG half")
        raise KeyboardInterrupt

    monkeypatch.setattr(experiments.figures, "overview_figure", broken)
    out = tmp_path / "fresh"
    assert cli.main(["run", SMALL, "--seeds", "1", "--until", "1985-03", "--out", str(out)]) == 130
    one_error_line(capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []


def test_rerun_replaces_tables_and_keeps_other_files(previous_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        cli.main(["run", SMALL, "--seeds", "1", "--seed", "8", "--until", "1985-02", "--out", str(previous_run)]) == 0
    )
    assert set(pd.read_csv(previous_run / "series.csv")["run_id"]) == {"small-8"}
    assert (previous_run / "notes.md").read_text() == "my notes"
    assert sorted(p.name for p in previous_run.parent.iterdir()) == ["results"]


# --- benchmark ----------------------------------------------------------------------------------------
def test_benchmark_hands_over_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    fake = types.ModuleType("experiments.benchmark")
    fake.main = lambda argv: seen.append(argv) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "experiments.benchmark", fake)
    assert cli.main(["benchmark", "--repeats", "1", "--strict"]) == 0
    assert seen == [["--repeats", "1", "--strict"]]


def test_benchmark_missing(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "experiments.benchmark", None)  # import fails: module not found
    assert cli.main(["benchmark"]) == 2
    assert "experiments.benchmark" in one_error_line(capsys.readouterr().err)


# --- progress bar -------------------------------------------------------------------------------------
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a Linux pty")
def test_progress_bar_in_a_terminal(tmp_path: Path) -> None:
    import pty

    argv = [sys.executable, "-m", "experiments", "run", SMALL, "--seeds", "2", "--until", "1985-03"]
    argv += ["--out", str(tmp_path / "o")]
    master, slave = pty.openpty()  # a terminal of unknown (0 x 0) size: the bar must still show
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    output = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(master)
    assert proc.wait(timeout=120) == 0, output
    assert b"2/2" in output, output  # tqdm's counter over the seeds


# The child run pauses after staging its first table (and says so in a marker file), so that the
# signal always lands while the output is half-staged, however fast the machine.
_PAUSE_WHILE_WRITING = """
import sys, time
from pathlib import Path
import experiments.io as eio
from experiments import cli
marker, real = Path(sys.argv[1]), eio.write_table
def write_then_pause(df, path, fmt):
    real(df, path, fmt)
    marker.write_text(str(path))
    time.sleep(60)
eio.write_table = write_then_pause
sys.exit(cli.main(sys.argv[2:]))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="POSIX signals")
def test_killed_while_writing_leaves_directory_intact(
    previous_run: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """SIGTERM while the files are being staged: the earlier run's files stay as they were."""
    import signal
    import time

    before = snapshot(previous_run.parent)
    marker = tmp_path_factory.mktemp("marker") / "staging-started"  # outside the folder compared
    argv = [sys.executable, "-c", _PAUSE_WHILE_WRITING, str(marker)]
    argv += ["run", SMALL, "--seeds", "2", "--until", "1985-06", "--out", str(previous_run)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert marker.exists(), f"the run never reached its staging: {proc.communicate(timeout=120)}"
    assert any(".partial-" in p.name for p in previous_run.parent.iterdir()), "no staging directory seen"
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    one_error_line(stderr)
    assert snapshot(previous_run.parent) == before


# --- calibrate -------------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [["--samples", "0"], ["--seeds", "-1"], ["--bogus"]])
def test_calibrate_bad_input_is_one_line_and_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["calibrate", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err


def test_calibration_indicators_and_loss_of_a_short_run() -> None:
    from experiments.calibration import FITS, indicators
    from model import run

    ind = indicators(run("history", seed=1, until="1995-12"))
    assert {f.indicator for f in FITS} <= set(ind)
    assert 0.0 < ind["china_mining_1990"] < 1.0
    assert ind["world_mining_1994_t"] > 0
    assert pd.isna(ind["world_mining_2024_t"])  # past the end of this run
    losses = [f.loss(ind) for f in FITS]
    assert all(v >= 0 for v in losses) and sum(losses) > 0
