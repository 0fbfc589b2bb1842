"""The headless-Chromium harness itself: does it see what pages do?"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import http.server
import threading

import pytest

import browser
from browser import PageTimeout, browser_unavailable, open_page

_REASON = browser_unavailable()
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(_REASON is not None, reason=_REASON or ""),
]


def page(tmp_path, body, name="page.html", title="harness"):
    path = tmp_path / name
    path.write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
        f"</head><body>{body}</body></html>",
        encoding="utf-8",
    )
    return path


def test_clean_page_reports_nothing(tmp_path):
    report = open_page(page(tmp_path, "<p>hello</p><script>console.log('hi')</script>"))
    assert report.title == "harness"
    assert report.console_errors == []
    assert report.page_errors == []
    assert report.requests == []
    assert report.file_requests == []
    assert report.dialogs == []
    assert report.problems() == [] and report.clean
    assert ("log", "hi") in report.console_messages


def test_external_image_is_recorded_and_blocked(tmp_path):
    report = open_page(page(tmp_path, '<img src="https://example.org/x.png">'))
    assert report.requests == ["https://example.org/x.png"]
    # Blocked by the harness, so the page saw the load fail.
    assert any("ERR_BLOCKED_BY_CLIENT" in e for e in report.console_errors)
    assert not report.clean


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"x")

    def log_message(self, *args):
        pass


def test_nothing_leaves_the_browser(tmp_path):
    """Image, script, fetch, beacon and WebSocket to a live loopback server:
    all recorded, none of them reaches it."""
    _CountingHandler.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        ws = base.replace("http:", "ws:")
        report = open_page(
            page(
                tmp_path,
                f'<img src="{base}/img"><script src="{base}/script"></script>'
                f"<script>fetch('{base}/fetch').catch(() => {{}});"
                f"navigator.sendBeacon('{base}/beacon', 'x');"
                f"new WebSocket('{ws}/socket');</script>",
            ),
            settle_ms=300,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert _CountingHandler.hits == []
    for suffix in ("/img", "/script", "/fetch", "/beacon"):
        assert base + suffix in report.requests
    assert ws + "/socket" in report.requests


def test_injected_script_shows_as_dialog(tmp_path):
    report = open_page(page(tmp_path, "<img src=x onerror=alert(1)>"))
    assert report.dialogs == [("alert", "1")]
    # src=x is a missing sibling file, not a network request.
    assert report.requests == []
    assert report.file_requests == [(tmp_path / "x").as_uri()]


def test_escaped_payload_runs_nothing(tmp_path):
    report = open_page(page(tmp_path, "&lt;img src=x onerror=alert(1)&gt;"))
    assert report.dialogs == []
    assert report.problems() == []


def test_uncaught_exception_is_a_page_error(tmp_path):
    report = open_page(page(tmp_path, "<script>throw new Error('kaboom')</script>"))
    assert len(report.page_errors) == 1
    assert "kaboom" in report.page_errors[0]


def test_console_error_is_recorded(tmp_path):
    report = open_page(page(tmp_path, "<script>console.error('bad', 42)</script>"))
    assert report.console_errors == ["bad 42"]
    assert ("error", "bad 42") in report.console_messages
    assert report.page_errors == [] and report.requests == []


def test_wait_js_and_eval_js(tmp_path):
    report = open_page(
        page(
            tmp_path,
            "<script>setTimeout(() => { document.title = 'ready';"
            " window.ready = true; }, 300)</script>",
        ),
        wait_js="window.ready === true",
        eval_js="document.title",
        settle_ms=0,
    )
    assert report.result == "ready"
    assert report.title == "ready"


def test_wait_js_timeout_carries_the_cause(tmp_path):
    with pytest.raises(PageTimeout) as info:
        open_page(
            page(tmp_path, "<script>null.render(); window.ready = true</script>"),
            wait_js="window.ready",
            timeout_ms=500,
        )
    assert info.value.report.page_errors
    assert "page error" in str(info.value)


def test_interact_and_screenshot(tmp_path):
    shot = tmp_path / "shot.png"
    report = open_page(
        page(
            tmp_path,
            "<button id=b onclick=\"document.title='clicked'\">go</button>",
        ),
        interact=lambda p: p.click("#b"),
        eval_js="document.title",
        screenshot=shot,
    )
    assert report.result == "clicked"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_one_browser_is_reused(tmp_path):
    path = page(tmp_path, "<p>x</p>")
    open_page(path)
    first = browser._browser
    open_page(path)
    assert browser._browser is first and first.is_connected()


def test_pages_share_no_state(tmp_path):
    path = page(tmp_path, "<p>x</p>")
    open_page(path, eval_js="localStorage.setItem('k', 'v'), window.name = 'w'")
    report = open_page(path, eval_js="[localStorage.getItem('k'), window.name]")
    assert report.result == [None, ""]
