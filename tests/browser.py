"""Open a local HTML file in real headless Chromium and report what happened.

A helper for the tests of the generated network views (offline pages built
with vis-network).  It drives Debian's ``chromium`` (``/usr/bin/chromium``, or
the program named by ``$CHROMIUM``) through Playwright for Python; Playwright's
own browser download is never used.

    from browser import browser_unavailable, open_page

    report = open_page(path, wait_js="window.network !== undefined")
    assert report.problems() == []

What a page may not do, and how it shows in the report:

* load anything over the network: every request that is not a ``file:``,
  ``data:``, ``blob:`` or ``about:`` URL is aborted before it leaves the
  browser and listed in ``requests`` (WebSockets too);
* run injected script: ``alert``/``confirm``/``prompt`` dialogs are dismissed
  and listed in ``dialogs`` -- an XSS payload such as
  ``<img src=x onerror=alert(1)>`` that executes shows up there;
* fail: uncaught exceptions are in ``page_errors``, ``console.error`` output
  (and Chromium's own "Failed to load resource" lines) in ``console_errors``.

One browser is started lazily on the first ``open_page`` call and reused for
the rest of the process (it is closed at exit, or by ``close_browser()``);
every page gets a fresh browser context, so pages share no state.  The sync
Playwright API is bound to the thread that started it: call ``open_page`` from
one thread (pytest's main thread).

Set ``CUSTODYGRAPH_REQUIRE_BROWSER=1`` (CI does) to never skip: a missing
browser then fails the browser tests instead of silently hiding them.
"""

from __future__ import annotations

import atexit
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, NamedTuple

DEFAULT_CHROMIUM = "/usr/bin/chromium"

# Flags for Chromium running as root in a container on a closed network.
# The background-networking family stops Chromium from phoning home (it
# otherwise tries to reach update, sync and safe-browsing hosts), and the
# host-resolver rule makes every host name unresolvable, a second wall behind
# the request routing below should anything slip past it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-domain-reliability",
    "--disable-breakpad",
    "--metrics-recording-only",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]

# URL schemes that never touch the network.
_LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")

VIEWPORT = {"width": 1280, "height": 800}


class ConsoleMessage(NamedTuple):
    type: str  # "log", "info", "warning", "error", "debug", ...
    text: str


class Dialog(NamedTuple):
    type: str  # "alert", "confirm", "prompt" or "beforeunload"
    message: str


@dataclass
class PageReport:
    """What happened while a page was open."""

    url: str
    title: str = ""
    console_errors: list[str] = field(default_factory=list)
    console_messages: list[ConsoleMessage] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    # Network requests (all blocked): every URL other than file:, data:,
    # blob: and about: ones, in the order the page made them.
    requests: list[str] = field(default_factory=list)
    # file: URLs the page loaded besides itself (allowed: a page with its
    # scripts in a folder beside it is still offline).  An empty list means a
    # self-contained single file.
    file_requests: list[str] = field(default_factory=list)
    dialogs: list[Dialog] = field(default_factory=list)
    result: Any = None

    def problems(self) -> list[str]:
        """One line per thing a clean offline page must not do; [] if clean."""
        out = [f"console error: {t}" for t in self.console_errors]
        out += [f"page error: {t}" for t in self.page_errors]
        out += [f"network request: {u}" for u in self.requests]
        out += [f"{d.type} dialog: {d.message!r}" for d in self.dialogs]
        return out

    @property
    def clean(self) -> bool:
        return not self.problems()


class PageTimeout(AssertionError):
    """``wait_js`` never became truthy (or loading timed out).

    ``report`` holds what was collected until then, which usually says why.
    """

    def __init__(self, message: str, report: PageReport):
        problems = report.problems()
        if problems:
            message += "\n" + "\n".join("  " + p for p in problems)
        super().__init__(message)
        self.report = report


def chromium_path() -> str | None:
    """The Chromium program to drive, or None if there is none."""
    env = os.environ.get("CHROMIUM")
    if env:
        return env if os.path.isfile(env) and os.access(env, os.X_OK) else None
    if os.path.isfile(DEFAULT_CHROMIUM) and os.access(DEFAULT_CHROMIUM, os.X_OK):
        return DEFAULT_CHROMIUM
    return shutil.which("chromium")


def _required() -> bool:
    return os.environ.get("CUSTODYGRAPH_REQUIRE_BROWSER", "") not in ("", "0")


def browser_unavailable() -> str | None:
    """None if the browser tests can run, else the reason to skip them.

    With ``CUSTODYGRAPH_REQUIRE_BROWSER=1`` this is always None, so the tests
    run and fail loudly when the browser is missing.
    """
    if _required():
        return None
    if chromium_path() is None:
        where = os.environ.get("CHROMIUM") or DEFAULT_CHROMIUM
        return f"no Chromium at {where} (apt-get install chromium, or set $CHROMIUM)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"Playwright for Python is not installed ({exc}); pip install playwright"
    return None


# --- one browser per process -------------------------------------------------

_playwright = None
_browser = None


def _get_browser():
    global _playwright, _browser
    if _browser is not None and _browser.is_connected():
        return _browser
    close_browser()  # a crashed browser: clean up before starting anew
    exe = chromium_path()
    if exe is None:
        raise RuntimeError(
            f"no Chromium at {os.environ.get('CHROMIUM') or DEFAULT_CHROMIUM}"
        )
    from playwright.sync_api import sync_playwright

    _playwright = sync_playwright().start()
    try:
        _browser = _playwright.chromium.launch(
            executable_path=exe, headless=True, args=CHROMIUM_ARGS
        )
    except BaseException:
        _playwright.stop()
        _playwright = None
        raise
    return _browser


def close_browser() -> None:
    """Close the shared browser (it starts again on the next open_page)."""
    global _playwright, _browser
    browser, pw = _browser, _playwright
    _browser = _playwright = None
    if browser is not None:
        try:
            browser.close()
        except Exception:
            pass
    if pw is not None:
        try:
            pw.stop()
        except Exception:
            pass


atexit.register(close_browser)


# --- opening a page ----------------------------------------------------------


def _is_local(url: str) -> bool:
    return url.startswith(_LOCAL_SCHEMES)


def open_page(
    html_path: str | os.PathLike,
    *,
    wait_js: str | None = None,
    eval_js: str | None = None,
    interact: Callable[[Any], Any] | None = None,
    screenshot: str | os.PathLike | None = None,
    settle_ms: int = 100,
    timeout_ms: int = 10000,
) -> PageReport:
    """Open ``html_path`` in headless Chromium and report what it did.

    wait_js     a JS expression; wait (up to ``timeout_ms``) until it is truthy
                before collecting, else raise PageTimeout.
    eval_js     a JS expression evaluated last; its JSON value is ``result``.
    interact    called with the Playwright ``Page`` after waiting, e.g. to
                hover a node so its tooltip renders.
    screenshot  save a PNG of the viewport there.
    settle_ms   extra wait after load (and after ``interact``) so that
                script scheduled with a short timer still runs and shows.
    """
    path = Path(html_path).resolve()
    if not path.is_file():
        raise FileNotFoundError(path)
    url = path.as_uri()
    report = PageReport(url=url)

    def on_request(request) -> None:
        u = request.url
        if u == url or u.startswith(("data:", "blob:", "about:")):
            return
        if u.startswith("file:"):
            report.file_requests.append(u)
        else:
            report.requests.append(u)

    def on_console(msg) -> None:
        report.console_messages.append(ConsoleMessage(msg.type, msg.text))
        if msg.type == "error":
            report.console_errors.append(msg.text)

    def on_dialog(dialog) -> None:
        report.dialogs.append(Dialog(dialog.type, dialog.message))
        try:
            dialog.dismiss()
        except Exception:
            pass

    def on_route(route) -> None:
        # The request itself is recorded by on_request; here it is stopped.
        if _is_local(route.request.url):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def on_websocket_route(ws) -> None:
        # Never connected to a server; routed sockets raise no "request".
        report.requests.append(ws.url)
        ws.close()

    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    browser = _get_browser()
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    try:
        context.set_default_timeout(timeout_ms)
        context.route("**/*", on_route)
        context.route_web_socket("**/*", on_websocket_route)
        page = context.new_page()
        page.on("request", on_request)
        page.on("console", on_console)
        page.on("pageerror", lambda exc: report.page_errors.append(str(exc)))
        page.on("dialog", on_dialog)
        try:
            page.goto(url, wait_until="load", timeout=timeout_ms)
            if wait_js is not None:
                page.wait_for_function(wait_js, timeout=timeout_ms)
        except PlaywrightTimeout as exc:
            what = f"wait_js {wait_js!r}" if wait_js else "loading"
            raise PageTimeout(
                f"{path.name}: {what} timed out after {timeout_ms} ms ({exc})", report
            ) from None
        if settle_ms:
            page.wait_for_timeout(settle_ms)
        if interact is not None:
            interact(page)
            if settle_ms:
                page.wait_for_timeout(settle_ms)
        if eval_js is not None:
            try:
                report.result = page.evaluate(eval_js)
            except PlaywrightError as exc:
                raise AssertionError(f"eval_js {eval_js!r} failed: {exc}") from None
        report.title = page.title()
        if screenshot is not None:
            page.screenshot(path=str(screenshot))
        # A last round trip, so that events the page sent before it are in.
        page.evaluate("0")
    finally:
        try:
            context.close()
        except Exception:
            pass
    return report


def hover_nodes(page, pause_ms: int = 150) -> None:
    """Move the mouse over every node of a custodygraph view so each shows its tooltip."""
    points = page.evaluate("""(() => {
      const net = window.custodygraph.network;
      const pos = net.getPositions();
      return Object.keys(pos).map(id => net.canvasToDOM(pos[id]));
    })()""")
    box = page.locator("#graph").bounding_box()
    for point in points:
        page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
        page.wait_for_timeout(pause_ms)
