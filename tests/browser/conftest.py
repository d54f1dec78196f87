"""A live `streamlit run` on 127.0.0.1 and headless Debian Chromium driven by Playwright.

Chromium comes from Debian's package (`make test` installs it when missing); these tests
never skip: without a browser they fail and say how to install one.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

ROOT = Path(__file__).parents[2]
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
        "--no-first-run", "--disable-component-update", "--disable-sync"]
EDITOR_FRAME = "iframe[title='ui.dag_editor.dag_editor']"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: The pid of each running server, by its URL (a test may watch the server's processes).
SERVER_PIDS: dict[str, int] = {}


def serve(script: Path):
    """Run ``streamlit run script`` on a free port; yield its URL; stop it afterwards."""
    port = _free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
           "--server.address", "127.0.0.1", "--server.port", str(port),
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
        pytest.fail(f"streamlit did not start within 60 s:\n{out[-3000:]}")
    SERVER_PIDS[url] = proc.pid
    yield url
    SERVER_PIDS.pop(url, None)
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def app_url():
    yield from serve(ROOT / "app.py")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"No Chromium at {CHROMIUM}. Install Debian's package: apt-get install chromium "
                    "(make test does this when it can), or set CHROMIUM=/path/to/chromium.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


class Session:
    """One browser page plus everything it saw: requests, dialogs, console errors."""

    def __init__(self, page, url):
        self.page, self.url = page, url
        self.requests: list[str] = []
        self.dialogs: list[tuple[str, str]] = []
        self.console_errors: list[str] = []
        self.prompt_answers: list[str] = []
        self.failed_responses: list[tuple[int, str]] = []
        self.media_in_flight: set = set()
        page.on("request", self._request)
        page.on("requestfinished", lambda r: self.media_in_flight.discard(r))
        page.on("requestfailed", lambda r: self.media_in_flight.discard(r))
        page.on("response", lambda r: r.status >= 400 and self.failed_responses.append((r.status, r.url)))
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        page.on("dialog", self._dialog)

    def _request(self, r):
        self.requests.append(r.url)
        if urlparse(r.url).path.startswith("/media/"):
            self.media_in_flight.add(r)

    def _dialog(self, d):
        self.dialogs.append((d.type, d.message))
        if d.type == "prompt" and self.prompt_answers:
            d.accept(self.prompt_answers.pop(0))
        else:
            d.dismiss()

    def unexpected_console_errors(self) -> list[str]:
        """Console errors, except the 404s of Streamlit's own probes on a deep link.

        Loading ``/graph`` makes Streamlit's frontend first try ``/graph/_stcore/host-config``
        and ``/graph/_stcore/health`` before falling back to the root: harmless 404s.
        """
        probes = [u for code, u in self.failed_responses
                  if code == 404 and "/_stcore/" in u]
        others = [u for _, u in self.failed_responses if u not in probes]
        errors = [e for e in self.console_errors
                  if not (e.startswith("Failed to load resource: the server responded with a status of 404")
                          and probes and not others)]
        return errors + [f"HTTP error: {u}" for u in others]

    def wait_idle(self, timeout=30_000):
        """Until the script has stopped and the page's own requests for its media are answered.

        A download button fetches its file once it is drawn (Streamlit's source check): a
        click to another page before that answer lets the next runs release the file, and the
        check then logs a 404 for a page already left (seen in a clean-clone CI run). A page
        is not loaded until those answers are in, as a user's browser would have them.
        """
        self.page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']",
                                    timeout=timeout)
        self.page.wait_for_timeout(250)
        self.page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']",
                                    timeout=timeout)
        deadline = time.monotonic() + timeout / 1000
        while self.media_in_flight:
            if time.monotonic() > deadline:
                raise AssertionError(f"media requests unanswered after {timeout / 1000:.0f} s: "
                                     f"{sorted(r.url for r in self.media_in_flight)}")
            self.page.wait_for_timeout(50)

    def goto(self, path=""):
        """Open a page of the app, keeping this analysis' token (a new load is a new session)."""
        token = parse_qs(urlparse(self.page.url).query).get("a", [None])[0] if self.page.url else None
        self.page.goto(self.url + "/" + path + (f"?a={token}" if token else ""))
        self.wait_idle()

    @property
    def editor(self):
        return self.page.frame_locator(EDITOR_FRAME)

    def editor_frame(self):
        handle = self.page.wait_for_selector(EDITOR_FRAME, timeout=20_000)
        return handle.content_frame()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so a fixture can see that its test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


def _record_failure(page, name: str) -> None:
    """What the page showed when a test failed: its text in the log, a screenshot on disk."""
    shots = Path(os.environ.get("BROWSER_FAILURES", "/tmp/browser-failures"))
    shots.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(shots / f"{name}.png"))
        text = page.locator("[data-testid='stMain']").inner_text(timeout=5_000)
    except Exception as err:  # the page itself may be what broke
        text = f"(page text unavailable: {err})"
    print(f"\n--- the page at failure ({page.url}), screenshot {shots / name}.png ---\n"
          f"{text[:4000]}\n--- end of page ---")


@pytest.fixture()
def session(request, browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    s = Session(page, app_url)
    yield s
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        _record_failure(page, request.node.name)
    context.close()
