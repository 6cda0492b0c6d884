"""Open HTML in headless Chromium: screenshots and an image-load check.

Used by the report tests and the CLI to prove a report renders offline.
Chromium is found via ``$AEKIT_CHROMIUM``, then ``PATH`` (chromium,
chromium-browser, google-chrome), then ``/usr/bin/chromium``.
"""

from __future__ import annotations

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
_CHECK_ID = "aekit-image-check"
# Runs at window load in a throw-away copy of the page; the report itself has no script.
_CHECK_SCRIPT = (
    "<script>window.addEventListener('load', function () {"
    "var out = document.createElement('pre'); out.id = '" + _CHECK_ID + "';"
    "out.textContent = JSON.stringify(Array.from(document.images).map("
    "function (img) { return img.complete ? img.naturalWidth : 0; }));"
    "document.body.appendChild(out); });</script>"
)


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


def screenshot(html_path, png_path, width: int = 1280, height: int = 2000) -> Path:
    """Render ``html_path`` at ``width`` x ``height`` CSS pixels into ``png_path``."""
    png_path = Path(png_path).resolve()
    png_path.parent.mkdir(parents=True, exist_ok=True)
    png_path.unlink(missing_ok=True)
    _run_chromium(
        [f"--screenshot={png_path}", f"--window-size={int(width)},{int(height)}"], html_path
    )
    if not png_path.is_file() or png_path.stat().st_size == 0:
        raise BrowserError(f"chromium: expected a screenshot at {png_path}, got none")
    return png_path


def dump_dom(html_path) -> str:
    """The page's DOM as Chromium serializes it after load (scripts run)."""
    return _run_chromium(
        ["--dump-dom", f"--virtual-time-budget={VIRTUAL_TIME_BUDGET_MS}"], html_path
    ).stdout


def image_load_report(html_path) -> list[int]:
    """Natural width of every ``<img>`` on the page once loaded (0 = failed).

    A copy of the page gets a small load-time script (placed first in
    ``<head>``, so the page's own policy does not apply to it); the original
    file is not touched.
    """
    source = Path(html_path).read_text(encoding="utf-8")
    head = re.search(r"<head[^>]*>", source, flags=re.IGNORECASE)
    at = head.end() if head else 0
    with tempfile.TemporaryDirectory(prefix="aekit-imgcheck-") as tmp:
        copy = Path(tmp) / "page.html"
        copy.write_text(source[:at] + _CHECK_SCRIPT + source[at:], encoding="utf-8")
        dom = dump_dom(copy)
    match = re.search(rf'<pre id="{_CHECK_ID}">(.*?)</pre>', dom, flags=re.DOTALL)
    if not match:
        raise BrowserError("chromium: expected the image check in the dumped DOM, got none (page did not load?)")
    return [int(w) for w in json.loads(match.group(1))]


def _run_chromium(extra_args: list[str], html_path) -> subprocess.CompletedProcess:
    executable = chromium_path()
    if executable is None:
        raise BrowserError("chromium: expected a Chromium executable (apt install chromium), found none")
    url = Path(html_path).resolve().as_uri()
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
