"""Start the teaching dashboard and drive it in Debian's headless Chromium through Playwright.

Used by the browser test (tests/test_dashboard.py) and by `python -m experiments
dashboard-screenshots`. Nothing is downloaded: the browser is /usr/bin/chromium (Debian's
package, `apt-get install -y chromium`), never one of Playwright's own builds.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
"""Flags for a closed network. Playwright gives every launch a fresh, temporary profile."""
SERVER_START_S = 120.0
UI_TIMEOUT_MS = 60_000
PLAY_START_TIMEOUT_MS = 10_000  # how long a press of play may take to show the pause button


class BrowserMissing(RuntimeError):
    """Chromium or Playwright is not installed (the message says how to install it)."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on `host` that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@contextmanager
def dashboard_server(host: str = "127.0.0.1", port: int | None = None, log: Path | None = None) -> Iterator[str]:
    """Run `python -m experiments dashboard` on `host`:`port` (a free port by default) until the
    block ends; yields the page's URL once the server answers."""
    port = port or free_port(host)
    url = f"http://{host}:{port}/"
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "experiments", "dashboard", "--host", host, "--port", str(port)],
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: solara's server is stopped with it
    )
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the dashboard exited with status {proc.returncode} before serving {url}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the dashboard did not answer at {url} within {SERVER_START_S:.0f} s")
            time.sleep(0.25)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if log:
            out.close()  # type: ignore[union-attr]


@contextmanager
def chromium(viewport: tuple[int, int] = (1500, 1250)) -> Iterator[Any]:
    """A Playwright page in headless Debian Chromium."""
    if not Path(CHROMIUM).exists():
        raise BrowserMissing(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise BrowserMissing("the Python package playwright is missing: run bash scripts/setup.sh") from None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
            page.set_default_timeout(UI_TIMEOUT_MS)
            yield page
        finally:
            browser.close()


class DashboardPage:
    """The dashboard in a Playwright page: waits, clicks and reads, and the console's errors."""

    CHARTS = (
        "re-chart-prices",
        "re-chart-shares",
        "re-chart-supply-USA",
        "re-chart-supply-JPN",
        "re-chart-firms",
    )

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        self.outside: list[str] = []  # requests to anywhere but this machine (there should be none)
        page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on("request", self._request)

    def _request(self, request: Any) -> None:
        host = urllib.parse.urlsplit(request.url).hostname or ""
        if request.url.startswith(("http:", "https:", "ws:", "wss:")) and host not in ("127.0.0.1", "localhost", "::1"):
            self.outside.append(request.url)

    def open(self, url: str) -> None:
        """Load the page and wait until the model's date and every chart are shown."""
        self.page.goto(url, timeout=UI_TIMEOUT_MS)
        self.page.wait_for_selector(".re-date", timeout=UI_TIMEOUT_MS)
        for css in self.CHARTS:
            self.page.wait_for_selector(f"img.{css}", timeout=UI_TIMEOUT_MS)

    def date(self) -> str:
        return self.page.inner_text(".re-date").strip()

    def chart_sources(self) -> dict[str, str]:
        """Each chart's image URL (a new one whenever the chart is redrawn)."""
        return {css: self.page.get_attribute(f"img.{css}", "src") or "" for css in self.CHARTS}

    def wait_for(self, date: str, old_sources: dict[str, str] | None = None, timeout_ms: int = UI_TIMEOUT_MS) -> None:
        """Wait until the date shows `date` and (if given) every chart has been redrawn since `old_sources`."""
        self.page.wait_for_function(
            """([date, charts, old]) => {
                const d = document.querySelector('.re-date');
                if (!d || d.innerText.trim() !== date) return false;
                if (!old) return true;
                return charts.every(c => {
                    const img = document.querySelector('img.' + c);
                    return img && img.getAttribute('src') && img.getAttribute('src') !== old[c];
                });
            }""",
            arg=[date, list(self.CHARTS), old_sources],
            timeout=timeout_ms,
        )

    def click(self, label: str) -> None:
        self.page.get_by_role("button", name=label, exact=True).click()

    def play_until(self, date: str) -> str:
        """Press Mesa's play button, wait until the date reaches `date` (YYYY-MM) or later, press
        pause; returns the date the model stopped at."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

        self.click("▶")
        try:  # playing shows the pause button; a click the page dropped (a busy machine) is repeated once
            self.page.get_by_role("button", name="❚❚", exact=True).wait_for(timeout=PLAY_START_TIMEOUT_MS)
        except PlaywrightTimeoutError:
            self.click("▶")
        self.page.wait_for_function(
            "date => { const d = document.querySelector('.re-date'); return d && d.innerText.trim() >= date; }",
            arg=date,
            timeout=UI_TIMEOUT_MS,
        )
        self.click("❚❚")
        self.page.get_by_role("button", name="▶", exact=True).wait_for(timeout=UI_TIMEOUT_MS)
        self.page.wait_for_timeout(1000)  # Mesa's play loop may finish the month it had begun
        return self.date()

    def step(self, expected_date: str) -> None:
        """Mesa's STEP button (one month, at Render Interval 1); waits for `expected_date`."""
        self.click("Step")
        self.wait_for(expected_date)

    def step_year(self, expected_date: str) -> float:
        """'Step 1 year'; waits for `expected_date` and every chart redrawn; returns the seconds taken."""
        before = self.chart_sources()
        t0 = time.perf_counter()
        self.page.click(".re-step-year")
        self.wait_for(expected_date, before)
        return time.perf_counter() - t0

    def lever(self, name: str) -> Any:
        return self.page.locator(f".re-lever-{name}")

    def switch_on(self, name: str) -> None:
        """Turn on the switch of lever `name`."""
        self.lever(name).locator("input[type=checkbox]").first.check(force=True)

    def slide(self, name: str, presses: int) -> None:
        """Move the slider of lever `name` by `presses` steps with the arrow keys (negative: left)."""
        thumb = self.lever(name).locator("[role=slider]").last
        thumb.focus()
        key = "ArrowRight" if presses > 0 else "ArrowLeft"
        for _ in range(abs(presses)):
            thumb.press(key)

    def feed_text(self) -> str:
        return self.page.inner_text(".re-feed")

    def screenshot(self, path: Path, compact: bool = True) -> Path:
        """Save the whole page as PNG; `compact` stores it with a 256-colour palette (a third of the size)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=True)
        if compact:
            from PIL import Image

            with Image.open(path) as image:
                small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
            small.save(path, optimize=True)
        return path

    def run_to(self, year: int) -> None:
        """Set the 'Run to' slider to `year` with the arrow keys, press 'Run to' and wait for its December."""
        shown = int(self.page.inner_text(".re-run-to-year").split()[-1])
        thumb = self.page.locator(".re-time [role=slider]").first
        thumb.focus()
        for _ in range(abs(year - shown)):
            thumb.press("ArrowRight" if year > shown else "ArrowLeft")
        self.page.wait_for_selector(f".re-run-to-year:text-is('Run to the end of {year}')")
        before = self.chart_sources()
        self.page.click(".re-run-to")
        self.wait_for(f"{year}-12", before)
