"""`python -m experiments dashboard`: serve the teaching dashboard on this machine; and
`python -m experiments dashboard-screenshots`: remake the screenshots of README and docs/teaching.md.

The page is `experiments/app.py`, served by `solara run` (in production mode, without Solara's
version check or telemetry, so nothing is fetched from the internet: Solara's browser assets come
from the solara-assets package). It listens on 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
from pathlib import Path

from experiments.cli import PROG, UsageError, _Parser

APP = Path(__file__).with_name("app.py")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
SCREENSHOT_DIR = Path("docs/img")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=f"{PROG} dashboard",
        description="Serve the teaching dashboard (a Solara page built on Mesa's SolaraViz) until Ctrl+C.",
    )
    p.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST}: this machine only)"
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 picks a free one)")
    p.add_argument("--open", action="store_true", help="open the page in the default web browser")
    return p


def _check_port(host: str, port: int) -> int:
    """The port to use: `port`, or a free one for 0; one-line errors for a bad or busy one."""
    if not 0 <= port <= 65535:
        raise UsageError(f"--port = {port}: must be a port number from 1 to 65535 (or 0 for a free one)")
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((host, port))
            return int(s.getsockname()[1])
    except OSError as exc:
        if port and exc.errno in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
            raise UsageError(f"--port = {port}: already in use on {host}; choose another with --port") from None
        raise UsageError(f"--host = {host!r}: cannot listen there ({exc.strerror or exc})") from None


def serve(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        import mesa.visualization  # noqa: F401
        import solara  # noqa: F401
    except ImportError as exc:
        raise UsageError(f"the dashboard needs {exc.name}: run 'bash scripts/setup.sh' to install it") from None
    port = _check_port(args.host, args.port)
    command = [sys.executable, "-m", "solara", "run", str(APP), "--host", args.host, "--port", str(port)]
    command += ["--production", "--no-check-version", "--open" if args.open else "--no-open"]
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    print(f"Teaching dashboard: open http://{args.host}:{port}/ in a web browser (Ctrl+C stops it)", flush=True)
    proc = subprocess.Popen(command, env=env)
    try:
        return proc.wait()
    except KeyboardInterrupt:  # Ctrl+C or SIGTERM (see experiments.cli.main): the usual way to stop
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        print("dashboard stopped", file=sys.stderr)
        return 0


def screenshots(argv: list[str]) -> int:
    p = _Parser(
        prog=f"{PROG} dashboard-screenshots",
        description="Start the dashboard, play the lessons of docs/teaching.md in headless Chromium and save "
        "their screenshots (dashboard.png and lesson-*.png). Needs Debian's chromium and playwright.",
    )
    p.add_argument("--out", default=str(SCREENSHOT_DIR), help=f"directory for the PNG files (default {SCREENSHOT_DIR})")
    args = p.parse_args(argv)
    from experiments.browser import BrowserMissing
    from experiments.lessons import make_screenshots, print_facts

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out = {args.out!r}: is a file, not a directory")
    try:
        for path, note in make_screenshots(out):
            print(f"{path}: {note}")
    except BrowserMissing as exc:
        raise UsageError(str(exc)) from None
    print("\nThe facts docs/teaching.md quotes (history, seed 0):")
    print_facts()
    return 0


def main(argv: list[str]) -> int:
    """`dashboard ...` or `dashboard-screenshots ...` (argv starts with the command)."""
    command, rest = argv[0], argv[1:]
    return serve(rest) if command == "dashboard" else screenshots(rest)
