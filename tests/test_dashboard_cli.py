"""`python -m experiments dashboard` and `dashboard-screenshots`: bad input is one line and exit status 2."""

from __future__ import annotations

import socket

import pytest

from experiments.cli import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(argv)
    return status, capsys.readouterr().err.strip()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["dashboard", "--port", "70000"], "error: --port = 70000: must be a port number from 1 to 65535"),
        (["dashboard", "--port", "x"], "error: argument --port: invalid int value: 'x'"),
        (["dashboard", "--no-such-option"], "error: unrecognized arguments: --no-such-option"),
    ],
)
def test_bad_dashboard_options_are_one_line_errors(argv: list[str], message: str, capsys) -> None:
    status, err = run(argv, capsys)
    assert status == 2 and err.startswith(message) and "\n" not in err


def test_a_busy_port_is_a_one_line_error(capsys) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        status, err = run(["dashboard", "--port", str(port)], capsys)
    assert status == 2 and err == f"error: --port = {port}: already in use on 127.0.0.1; choose another with --port"


def test_screenshots_refuse_a_file_as_output_directory(tmp_path, capsys) -> None:
    f = tmp_path / "a_file"
    f.write_text("x")
    status, err = run(["dashboard-screenshots", "--out", str(f)], capsys)
    assert status == 2 and err == f"error: --out = {str(f)!r}: is a file, not a directory"
    assert f.read_text() == "x"


def test_the_command_list_names_the_dashboard(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "dashboard" in out and "dashboard-screenshots" in out
