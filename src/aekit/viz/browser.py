"""Open HTML in headless Chromium: screenshots, an image-load check, and the
interactive code map's check (points drawn, a hover shows the tooltip).

Used by the report tests and the CLI to prove a report renders offline.
Chromium is found via ``$AEKIT_CHROMIUM``, then ``PATH`` (chromium,
chromium-browser, google-chrome), then ``/usr/bin/chromium``.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

TIMEOUT_SECONDS = 60
VIRTUAL_TIME_BUDGET_MS = 5000
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)
_CHECK_ID = "aekit-page-check"
# Placed first in <head> of a throw-away copy of the page (so the page's own policy does not
# apply to it): records console errors, uncaught errors and blocked resources from the start,
# then runs a check at window load; the check calls done(result) and both land in a <pre>.
_CHECK_SCRIPT = """<script>(function () {
var errors = [];
var original = console.error;
console.error = function () { errors.push(Array.prototype.join.call(arguments, " ")); original.apply(console, arguments); };
window.addEventListener("error", function (e) { errors.push("error: " + (e.message || (e.target && e.target.src) || e)); }, true);
document.addEventListener("securitypolicyviolation", function (e) { errors.push("blocked by the page's policy: " + e.violatedDirective); });
window.addEventListener("load", function () {
  function done(result) {
    var out = document.createElement("pre"); out.id = "%s";
    out.textContent = JSON.stringify({errors: errors, result: result});
    document.body.appendChild(out);
  }
  try { (function (done) { %s })(done); } catch (e) { errors.push("check: " + e); done(null); }
});
})();</script>"""
_IMAGE_CHECK = "done(Array.from(document.images).map(function (img) { return img.complete ? img.naturalWidth : 0; }));"
# The first explorer: wait for its thumbnails, hide and show its first class, hover its first point.
_EXPLORER_CHECK = """
var root = document.querySelector("div.aekit-explorer");
if (!root || !root.aekitExplorer) { done({explorers: document.querySelectorAll("div.aekit-explorer").length}); return; }
var ex = root.aekitExplorer, waited = 0;
function hover() {
  if (ex.data.images && !ex.sprite && waited < 3000) { waited += 50; setTimeout(hover, 50); return; }
  var plotted = ex.plotted, hidden = null, i = 0, start = performance.now();
  for (var k = 0; k < 10; k++) ex.draw();
  var draw_ms = (performance.now() - start) / 10;
  var item = root.querySelector("button.explorer-item");
  if (item && ex.data.groups) { item.click(); hidden = ex.plotted; item.click(); }
  while (i < ex.n && !ex.visible(i)) i++;
  var at = ex.screenPoint(i);
  ex.canvas.dispatchEvent(new PointerEvent("pointermove", {clientX: at[0], clientY: at[1], bubbles: true}));
  var tip = root.querySelector(".explorer-tip");
  var result = {explorers: document.querySelectorAll("div.aekit-explorer").length, plotted: plotted,
                points: ex.n, draw_ms: draw_ms, hovered: ex.hover, tip_visible: !tip.hidden, tip_text: tip.textContent,
                tip_image: !!tip.querySelector("canvas.explorer-thumb"), plotted_without_first: hidden};
  %s
  done(result);
}
hover();
"""


class BrowserError(RuntimeError):
    """Chromium is missing, timed out, or produced nothing."""


def chromium_path() -> str | None:
    """Path of a Chromium executable, or None if there is none."""
    override = os.environ.get("AEKIT_CHROMIUM")
    if override:
        return override if Path(override).is_file() else None
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


def screenshot(html_path, png_path, width: int = 1280, height: int = 2000, *, hover: bool = False) -> Path:
    """Render ``html_path`` at ``width`` x ``height`` CSS pixels into ``png_path``.

    ``hover=True``: a copy of the page moves its first code-map explorer to the top
    and hovers its first point, so the screenshot shows the tooltip.
    """
    png_path = Path(png_path).resolve()
    png_path.parent.mkdir(parents=True, exist_ok=True)
    png_path.unlink(missing_ok=True)
    args = [f"--screenshot={png_path}", f"--window-size={int(width)},{int(height)}"]
    if hover:
        to_top = 'var main = document.querySelector("main"); main.insertBefore(root.closest("figure"), main.firstChild);'
        with _checked_copy(html_path, _EXPLORER_CHECK.replace("var at = ", to_top + " ex.resize(); var at = ") % "") as copy:
            _run_chromium([*args, f"--virtual-time-budget={VIRTUAL_TIME_BUDGET_MS}"], copy)
    else:
        _run_chromium(args, html_path)
    if not png_path.is_file() or png_path.stat().st_size == 0:
        raise BrowserError(f"chromium: expected a screenshot at {png_path}, got none")
    return png_path


def dump_dom(html_path) -> str:
    """The page's DOM as Chromium serializes it after load (scripts run).

    ``html_path`` is a file, or an ``http://`` URL (e.g. a local ``aekit serve``'s ``/docs``).
    """
    return _run_chromium(
        ["--dump-dom", f"--virtual-time-budget={VIRTUAL_TIME_BUDGET_MS}"], html_path
    ).stdout


def page_check(html_path, check: str) -> dict:
    """Run ``check`` (JavaScript that ends by calling ``done(result)``) at load in a copy of the page.

    Returns
    -------
    dict
        ``{"errors": [...], "result": ...}``: every console error, uncaught error and
        resource the page's Content-Security-Policy blocked, and what ``check`` passed to ``done``.
    """
    with _checked_copy(html_path, check) as copy:
        dom = dump_dom(copy)
    match = re.search(rf'<pre id="{_CHECK_ID}">(.*?)</pre>', dom, flags=re.DOTALL)
    if not match:
        raise BrowserError("chromium: expected the page check in the dumped DOM, got none (page did not load?)")
    return json.loads(html.unescape(match.group(1)))


def image_load_report(html_path) -> list[int]:
    """Natural width of every ``<img>`` on the page once loaded (0 = failed).

    A copy of the page gets a small load-time script (placed first in
    ``<head>``, so the page's own policy does not apply to it); the original
    file is not touched.
    """
    return [int(w) for w in page_check(html_path, _IMAGE_CHECK)["result"]]


def explorer_report(html_path) -> dict:
    """Check the page's first interactive code map (:mod:`aekit.viz.explorer`) in Chromium.

    Returns
    -------
    dict
        ``errors`` (console errors, uncaught errors, blocked resources), ``explorers`` (how
        many on the page), ``points`` (in its data), ``plotted`` (dots drawn), ``draw_ms``
        (milliseconds to redraw the map, the mean of 10),
        ``tip_visible`` / ``tip_text`` / ``tip_image`` (the tooltip after a pointer moves
        onto the first point) and ``plotted_without_first`` (dots drawn with the first
        legend class hidden).
    """
    report = page_check(html_path, _EXPLORER_CHECK % "")
    return {"errors": report["errors"], **(report["result"] or {})}


@contextlib.contextmanager
def _checked_copy(html_path, check: str):
    source = Path(html_path).read_text(encoding="utf-8")
    head = re.search(r"<head[^>]*>", source, flags=re.IGNORECASE)
    at = head.end() if head else 0
    with tempfile.TemporaryDirectory(prefix="aekit-check-") as tmp:
        copy = Path(tmp) / "page.html"
        copy.write_text(source[:at] + _CHECK_SCRIPT % (_CHECK_ID, check) + source[at:], encoding="utf-8")
        yield copy


def _run_chromium(extra_args: list[str], html_path) -> subprocess.CompletedProcess:
    executable = chromium_path()
    if executable is None:
        raise BrowserError("chromium: expected a Chromium executable (apt install chromium), found none")
    url = str(html_path) if str(html_path).startswith(("http://", "https://")) else Path(html_path).resolve().as_uri()
    with tempfile.TemporaryDirectory(prefix="aekit-chromium-") as profile:
        command = [executable, *_FLAGS, f"--user-data-dir={profile}", *extra_args, url]
        try:
            return subprocess.run(
                command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
            )
        except subprocess.TimeoutExpired:
            raise BrowserError(f"chromium: expected to finish within {TIMEOUT_SECONDS} s, timed out") from None


class _ResultRows(HTMLParser):
    """Counts <tr> inside <table id="results"><tbody>."""

    def __init__(self):
        super().__init__()
        self.in_results = self.in_body = False
        self.rows = 0

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("id") == "results":
            self.in_results = True
        elif tag == "tbody" and self.in_results:
            self.in_body = True
        elif tag == "tr" and self.in_body:
            self.rows += 1

    def handle_endtag(self, tag):
        if tag == "tbody":
            self.in_body = False
        elif tag == "table":
            self.in_results = False


def count_result_rows(dom: str) -> int:
    """Number of body rows of the report's results table in a rendered DOM."""
    parser = _ResultRows()
    parser.feed(dom)
    return parser.rows
