"""Malformed scenario files give one readable line, through `load_scenario` and the command line.

Each file in tests/data/bad/ is a copy of tests/data/ok_small.toml with one mistake. The command
line must report it as one line on stderr (`error: <file>: <field> = <value>: <what is allowed>`),
exit with status 2, print no traceback, and touch nothing in the output directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from model import ScenarioError, load_scenario

DATA = Path(__file__).parent / "data"
BAD = DATA / "bad"
OK = DATA / "ok_small.toml"

# file stem -> (field, offending value, what is allowed): all three must appear in the message
CASES: dict[str, tuple[str, str, str]] = {
    "toml_syntax": ("capacity_t", "6000 t", "not valid TOML at line"),
    "unknown_section": ("extras", "colour", "allowed sections: scenario, parameters"),
    "unknown_firm_key": ("miners[1].colour", "'red'", "allowed keys: name, country, capacity_t"),
    "unknown_country": ("miners[1].country", "'ZZZ'", "allowed: AUS"),
    "negative_capacity": ("refiners[1].capacity_t", "-2000", "greater than or equal to 0"),
    "date_out_of_range": ("scenario.end", "'2200-12'", "1950-2100"),
    "bad_month": ("events[0].date", "'1986-13'", "months run 1-12"),
    "event_outside_scenario": ("events[2].date", "'1995-06'", "a month from 1985-01 to 1990-12"),
    "embargo_unknown_tier": ("events[1].tiers[1]", "'gold'", "'concentrate', 'ndpr_oxide', 'dytb_oxide' or 'magnet'"),
    "firm_before_start": ("magnet_makers[1].start", "'1980-01'", "from the scenario start 1985-01"),
    "missing_field": ("miners[0].unit_cost_usd_per_kg", "'Bayan Obo'", "required field is missing"),
    "wrong_type": ("magnet_makers[0].capacity_t", "'400'", "must be a valid number"),
    "unknown_event_kind": ("events[1].kind", "'invasion'", "must be one of export_quota, production_quota, embargo"),
    "unknown_event_key": ("events[1].severity", "= 2", "allowed keys of an event of kind embargo"),
    "event_unknown_firm": ("events[2].firm", "'Atlantis plant'", "the name of a firm in this scenario"),
    "unknown_parameter": ("parameters.nonsense_gain", "1.5", "allowed parameters: logit_beta"),
    "parameter_out_of_range": ("parameters.logit_beta", "400", "allowed range 0.5 to 40"),
    "duplicate_firm": ("refiners[1].name", "'Bayan Obo'", "must be unique; miners[0].name"),
    "undeclared_state": ("miners[1].country", "'AUS'", "a declared state: CHN, USA"),
    "embargo_undeclared_target": ("events[1].target", "'JPN'", "a declared state: CHN, USA"),
    "end_before_start": ("scenario.end", "'1984-06'", "the start month 1985-01 or later"),
    "unknown_sector": ("customers[0].sector", "'toys'", "'electronics'"),
    "wrong_section_type": ("smugglers", "'none'", "must be a valid list"),
    "unknown_status": ("magnet_makers[1].status", "'dreaming'", "'operating', 'planned' or 'mothballed'"),
    "unknown_ore": ("miners[0].ore", "'granite'", "'mineral' or 'ionic_clay'"),
    "feed_on_miner": ("miners[1].feed", "'mineral'", "only a refiner has a feed"),
    "unknown_feed": ("refiners[1].feed", "'clay'", "'any', 'mineral' or 'ionic_clay'"),
}
FILES = sorted(BAD.glob("*.toml"))
PREEXISTING = "keep.txt"
PREEXISTING_TEXT = "results of an earlier run; must survive\n"


def test_every_bad_file_has_expectations() -> None:
    assert len(FILES) >= 14
    assert {f.stem for f in FILES} == set(CASES)


def test_the_good_file_loads() -> None:
    """The bad files are copies of this one: without their one mistake they would load."""
    spec, source = load_scenario(OK)
    assert spec.scenario.name == "small"
    assert source == str(OK)


def _check_message(line: str, path: Path) -> None:
    field, value, allowed = CASES[path.stem]
    assert "\n" not in line.strip()
    assert path.name in line
    assert field in line
    assert value in line
    assert allowed in line
    assert "Traceback" not in line


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_load_scenario_raises_one_line(path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert len(message.splitlines()) == 1
    assert message.startswith(str(path))
    _check_message(message, path)


@pytest.fixture(scope="module")
def cli_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str, Path]]:
    """Run the command line on every bad file (in parallel, to keep the test fast)."""
    procs = {}
    for path in FILES:
        root = tmp_path_factory.mktemp(path.stem)
        out = root / "out"
        out.mkdir()
        (out / PREEXISTING).write_text(PREEXISTING_TEXT)
        cmd = [sys.executable, "-m", "experiments", "run", str(path), "--seeds", "1", "--out", str(out)]
        cmd += ["--until", "1985-03"]
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        procs[path.stem] = (
            subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env),
            out,
        )
    results = {}
    for stem, (proc, out) in procs.items():
        _, stderr = proc.communicate(timeout=120)
        results[stem] = (proc.returncode, stderr, out)
    return results


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_cli_reports_one_line_and_writes_nothing(path: Path, cli_results: dict[str, tuple[int, str, Path]]) -> None:
    code, stderr, out = cli_results[path.stem]
    assert code == 2, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in stderr
    _check_message(lines[0], path)
    # the output directory is as it was: the earlier file unchanged, nothing new, nothing staged
    assert sorted(p.name for p in out.iterdir()) == [PREEXISTING]
    assert (out / PREEXISTING).read_text() == PREEXISTING_TEXT
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]


def test_missing_file_and_unknown_name() -> None:
    for name in ("no_such_scenario", str(DATA / "no_such_file.toml"), str(DATA)):
        with pytest.raises(ScenarioError) as info:
            load_scenario(name)
        message = str(info.value)
        assert len(message.splitlines()) == 1
        assert message.startswith(name)
        assert "history" in message  # names the built-in scenarios


def test_unreadable_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(OK.read_bytes().replace(b"A two-state", b"A tw\xf6-state"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert len(message.splitlines()) == 1
    assert str(path) in message
    assert "cannot read" in message


def test_messages_stay_on_one_line_for_multiline_values(tmp_path: Path) -> None:
    path = tmp_path / "multiline.toml"
    text = OK.read_text().replace('name = "Bayan Obo"', 'name = """Bayan\nObo"""', 1)
    text = text.replace("capacity_t = 6000\n", 'capacity_t = "six\\nthousand"\n', 1)
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert len(message.splitlines()) == 1
    assert "miners[0].capacity_t" in message
