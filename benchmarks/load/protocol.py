"""A protocol-level Streamlit client: the browser's WebSocket messages, without a browser.

It speaks what Streamlit 1.67's frontend speaks (read from the server's own handlers in
``streamlit/web/server/starlette``): an XSRF cookie from ``/_stcore/health``, a WebSocket on
``/_stcore/stream`` whose sub-protocol list carries ``["streamlit", <xsrf token>]``, ``BackMsg``
protobufs up (``rerun_script`` with the widget states and the page's script hash,
``file_urls_request``) and ``ForwardMsg`` protobufs down, and file uploads as a multipart ``PUT``
to the URL the server hands out. The messages of one run are parsed with Streamlit's own
``AppTest`` element tree, so a virtual student finds widgets by label as a person does.

Only the loopback address is ever contacted (the caller passes ``http://127.0.0.1:PORT``).
"""

from __future__ import annotations

import asyncio
import http.client
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1.element_tree import ElementTree, parse_tree_from_messages
from websockets.asyncio.client import connect

FINISHED_OK = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


def _tree(msgs: list[ForwardMsg]) -> ElementTree:
    """AppTest's element tree of a run; a run whose emptied placeholders AppTest's parser cannot
    rebuild (a progress box removed at the end) gets the tree of its other messages."""
    try:
        return parse_tree_from_messages(msgs)
    except AttributeError:
        kept = [m for m in msgs if not (m.HasField("delta") and m.delta.WhichOneof("type") == "new_element"
                                        and m.delta.new_element.WhichOneof("type") == "empty")]
        return parse_tree_from_messages(kept)


@dataclass
class RunResult:
    """The messages of one script run and how long the run took, as a browser would see it."""

    messages: list[ForwardMsg]
    seconds: float
    tree: ElementTree

    def texts(self) -> list[str]:
        """Every markdown, caption, title, metric and alert text of the run."""
        out: list[str] = []
        for m in self.messages:
            if not m.HasField("delta") or m.delta.WhichOneof("type") != "new_element":
                continue
            el = m.delta.new_element
            kind = el.WhichOneof("type")
            if kind in ("markdown", "text", "heading"):
                out.append(getattr(el, kind).body)
            elif kind == "alert":
                out.append(el.alert.body)
            elif kind == "metric":
                out.append(f"{el.metric.label}: {el.metric.body}")
        return out

    def errors(self) -> list[str]:
        """Error boxes and exceptions shown on the page."""
        out = []
        for m in self.messages:
            if m.HasField("delta") and m.delta.WhichOneof("type") == "new_element":
                el = m.delta.new_element
                if el.WhichOneof("type") == "exception":
                    out.append(f"exception: {el.exception.type} {el.exception.message}")
                elif el.WhichOneof("type") == "alert" and el.alert.format == 1:  # ERROR
                    out.append(el.alert.body)
        return out

    def widget(self, kind: str, label: str) -> Any:
        """The first widget of ``kind`` (e.g. "button", "selectbox") whose label starts with ``label``."""
        for w in getattr(self.tree, kind):
            if str(w.label).startswith(label):
                return w
        raise LookupError(f"no {kind} labelled {label!r} on this page")


@dataclass
class Session:
    """One browser tab: a WebSocket, its cookies and the widget values it keeps sending."""

    base: str
    ws: Any = None
    xsrf: str = ""
    session_id: str = ""
    pages: dict[str, str] = field(default_factory=dict)   # page title -> script hash
    page_hash: str = ""
    sticky: dict[str, WidgetState] = field(default_factory=dict)
    _inbox: asyncio.Queue | None = None
    _reader: asyncio.Task | None = None

    async def open(self, timeout: float = 120) -> RunResult:
        """Connect and run the app's first page (what a browser does on opening the URL)."""
        host = urlsplit(self.base).netloc
        self.xsrf = await asyncio.to_thread(self._health_cookie)
        ws_url = self.base.replace("http", "ws", 1) + "/_stcore/stream"
        self.ws = await connect(ws_url, subprotocols=["streamlit", self.xsrf],
                                additional_headers={"Cookie": f"_streamlit_xsrf={self.xsrf}"},
                                origin=f"http://{host}", max_size=2 ** 27, open_timeout=timeout,
                                ping_interval=None)
        self._inbox = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())
        return await self.run(timeout=timeout)

    def _health_cookie(self) -> str:
        u = urlsplit(self.base)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        conn.request("GET", "/_stcore/health")
        resp = conn.getresponse()
        resp.read()
        cookie = resp.getheader("Set-Cookie") or ""
        conn.close()
        for part in cookie.split(";"):
            name, _, value = part.strip().partition("=")
            if name == "_streamlit_xsrf":
                return value.strip('"')
        return ""

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                msg = ForwardMsg()
                msg.ParseFromString(raw)
                await self._inbox.put(msg)
        except Exception:  # noqa: BLE001 - a closed socket ends the reader
            pass
        await self._inbox.put(None)

    async def _send(self, back: BackMsg) -> None:
        await self.ws.send(back.SerializeToString())

    async def run(self, *, page: str | None = None, widgets: list[WidgetState] = (),
                  timeout: float = 300) -> RunResult:
        """Rerun the script (on ``page``, a title) with the sticky widget values plus ``widgets``.

        Returns when the run (and any ``st.rerun`` it triggered) finished successfully.
        """
        if page is not None:
            self.page_hash = self.pages[page]
        for w in widgets:
            if w.WhichOneof("value") not in ("trigger_value", "string_trigger_value", "json_trigger_value"):
                self.sticky[w.id] = w
        states = {**self.sticky, **{w.id: w for w in widgets}}
        back = BackMsg()
        back.rerun_script.query_string = ""
        back.rerun_script.page_script_hash = self.page_hash
        back.rerun_script.widget_states.widgets.extend(states.values())
        t0 = time.perf_counter()
        await self._send(back)
        return await self._collect(t0, timeout)

    async def _collect(self, t0: float, timeout: float) -> RunResult:
        msgs: list[ForwardMsg] = []
        deadline = t0 + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"the script run did not finish within {timeout:.0f} s")
            msg = await asyncio.wait_for(self._inbox.get(), left)
            if msg is None:
                raise ConnectionError("the server closed the WebSocket")
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                self.session_id = msg.new_session.initialize.session_id or self.session_id
                msgs = [m for m in msgs if m.WhichOneof("type") != "delta"]
            elif kind == "navigation":
                self.pages = {p.page_name: p.page_script_hash for p in msg.navigation.app_pages}
                self.page_hash = self.page_hash or msg.navigation.page_script_hash
                if msg.navigation.page_script_hash:
                    self.page_hash = msg.navigation.page_script_hash
            elif kind == "script_finished":
                if msg.script_finished in FINISHED_OK:
                    seconds = time.perf_counter() - t0
                    return RunResult(msgs, seconds, _tree(msgs))
                msgs = []  # finished early for a rerun: the next run follows
                continue
            msgs.append(msg)

    async def upload(self, uploader_id: str, name: str, content: bytes) -> WidgetState:
        """Upload a file as the browser does; the returned state goes into the next ``run``."""
        back = BackMsg()
        req_id = uuid.uuid4().hex
        back.file_urls_request.request_id = req_id
        back.file_urls_request.file_names.append(name)
        back.file_urls_request.session_id = self.session_id
        await self._send(back)
        while True:
            msg = await asyncio.wait_for(self._inbox.get(), 60)
            if msg is None:
                raise ConnectionError("the server closed the WebSocket")
            resp = msg.file_urls_response
            if msg.WhichOneof("type") == "file_urls_response" and resp.response_id == req_id:
                break
        urls = msg.file_urls_response.file_urls[0]
        await asyncio.to_thread(self._put, urls.upload_url, name, content)
        ws = WidgetState(id=uploader_id)
        info = ws.file_uploader_state_value.uploaded_file_info.add()
        info.file_id, info.name, info.size = urls.file_id, name, len(content)
        info.file_urls.CopyFrom(urls)
        return ws

    def _put(self, url: str, name: str, content: bytes) -> None:
        u = urlsplit(self.base)
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                f"Content-Type: text/csv\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
        path = urlsplit(url).path or url
        conn.request("PUT", path, body=body, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "X-Xsrftoken": self.xsrf, "Cookie": f"_streamlit_xsrf={self.xsrf}",
            "Origin": f"http://{u.netloc}"})
        resp = conn.getresponse()
        text = resp.read()
        conn.close()
        if resp.status >= 300:
            raise ConnectionError(f"upload refused: HTTP {resp.status} {text[:200]!r}")

    async def close(self) -> None:
        """Close the tab."""
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


def click(widget: Any) -> WidgetState:
    """A button press."""
    return WidgetState(id=widget.id, trigger_value=True)


def choose(selectbox: Any, option: str) -> WidgetState:
    """A selectbox or radio choice, by its displayed option text."""
    opts = list(selectbox.proto.options)
    if option not in opts:
        raise LookupError(f"{option!r} is not among {opts}")
    return WidgetState(id=selectbox.id, string_value=option)


def number(widget: Any, value: float) -> WidgetState:
    """A number input or slider value."""
    return WidgetState(id=widget.id, double_value=float(value))
