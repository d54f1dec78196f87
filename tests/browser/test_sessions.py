"""Two browsers, one server: a URL is not a key; SIGTERM stops the server. Uses conftest's
live server and Chromium."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.request
from urllib.parse import parse_qs, urlparse

from .conftest import ROOT, Session, _free_port

_COLD = 240_000  # ms: the first visit analyses the default example (slow on a busy machine)


def _token(s: Session) -> str | None:
    return parse_qs(urlparse(s.page.url).query).get("a", [None])[0]


def _new(browser, app_url) -> Session:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    return Session(ctx.new_page(), app_url)


def test_a_url_token_alone_opens_and_overwrites_nothing(browser, app_url):
    a = _new(browser, app_url)
    a.page.goto(app_url)
    a.wait_idle(timeout=_COLD)
    token = _token(a)
    assert token and any(c["name"] == "ce_owner" for c in a.page.context.cookies())
    a.goto()  # reload in the owner's browser: the same analysis
    assert _token(a) == token

    b = _new(browser, app_url)  # someone who saw the URL on a shared screen
    b.page.goto(f"{app_url}/?a={token}")
    b.wait_idle()
    assert _token(b) != token
    assert "belongs to another browser" in b.page.inner_text("body")

    a.goto()
    assert _token(a) == token  # B's session did not take A's token over
    for s in (a, b):
        s.page.context.close()


def _load_time(browser, app_url, timeout: int = 60_000) -> float:
    s = _new(browser, app_url)
    start = time.perf_counter()
    s.page.goto(app_url)
    s.wait_idle(timeout=timeout)
    took = time.perf_counter() - start
    s.page.context.close()
    return took


def test_sigterm_stops_the_server_within_seconds_while_work_runs(browser):
    # issue 16: SIGTERM did not stop the server. Here a session is mid-way through its first
    # analysis (jobs running in the pool) when the signal comes.
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless",
         "true", "--server.address", "127.0.0.1", "--server.port", str(port),
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.3)
        s = _new(browser, url)
        s.page.goto(url)
        s.page.wait_for_selector("[data-testid='stApp'][data-test-script-state='running']",
                                 timeout=60_000)
        s.page.wait_for_timeout(3_000)
        start = time.perf_counter()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        took = time.perf_counter() - start
        s.page.context.close()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert took < 8.0, f"the server took {took:.1f} s to stop after SIGTERM"


def _add_to_graph(s: Session, line: str) -> None:
    """Add ``line`` to the Model page's text box and apply it (Ctrl+Enter)."""
    from playwright.sync_api import expect

    s.goto("graph")
    box = s.page.get_by_role("textbox", name="The same graph as text (DAGitty syntax)")
    box.wait_for(timeout=60_000)
    box.fill(box.input_value().replace("}", f"{line}\n}}"))
    box.press("Control+Enter")
    s.wait_idle(timeout=60_000)
    s.goto("graph")  # a new page load: what the server kept for this token
    box = s.page.get_by_role("textbox", name="The same graph as text (DAGitty syntax)")
    expect(box).to_contain_text(line.split()[0], timeout=60_000)


def test_two_tabs_on_one_link_fork_with_a_notice_and_neither_loses_an_edit(browser, app_url):
    """Issue 11: two tabs on one link never lose an edit. The second tab continues as a copy
    with its own link and says so; each tab's edit survives its own reload; neither sees the
    other's."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    a = Session(ctx.new_page(), app_url)
    a.page.goto(app_url)
    a.wait_idle(timeout=_COLD)
    token = _token(a)
    b = Session(ctx.new_page(), app_url)  # the same browser (same cookie), the same link
    b.page.goto(f"{app_url}/graph?a={token}")
    b.wait_idle(timeout=_COLD)
    assert "also open in another tab" in b.page.inner_text("body")
    assert _token(b) not in (None, token) and _token(a) == token
    _add_to_graph(a, "from_tab_a -> revenue")
    _add_to_graph(b, "from_tab_b -> revenue")
    for s, mine, other in ((a, "from_tab_a", "from_tab_b"), (b, "from_tab_b", "from_tab_a")):
        s.goto("graph")
        box = s.page.get_by_role("textbox", name="The same graph as text (DAGitty syntax)")
        box.wait_for(timeout=60_000)
        text = box.input_value()
        assert mine in text and other not in text, (mine, text)
    assert _token(a) == token
    ctx.close()
