"""Find the innermost *application* frame in a stack trace string.

The ingest service uses this to fill ``function_name`` / ``file_path`` when a client sent a
``stack_trace`` but not those fields, so questions like "which function fails most" work for
every log source. Supported formats (auto-detected): Python tracebacks, V8 (Chrome, Node, Edge),
Firefox/SpiderMonkey and Safari/JavaScriptCore.

The input is untrusted and may be megabytes long, so the module never raises on any string, uses
only linear-time regexes, and looks at no more than two fixed-size windows of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

__all__ = ["FILE_PATH_MAX", "FUNCTION_NAME_MAX", "Frame", "innermost_app_frame"]

FUNCTION_NAME_MAX = 300  # matches the VARCHAR(300) function_name column
FILE_PATH_MAX = 1000  # matches the VARCHAR(1000) file_path column
_WINDOW = 64 * 1024  # bytes of input examined per window; bounds the cost of huge inputs
# An incident logs the same exception over and over: remember recent answers for traces up to
# this size (a bounded cache: at most _CACHED_TRACES × _CACHEABLE_CHARS characters are kept).
_CACHED_TRACES = 2048
_CACHEABLE_CHARS = 16 * 1024


class Frame(NamedTuple):
    """One stack frame; a field is None when the trace does not say (e.g. anonymous functions).

    A NamedTuple, not a dataclass: the ingest service builds one per error record, and a tuple is
    several times cheaper to create.
    """

    function_name: str | None
    file_path: str | None
    line: int | None


def innermost_app_frame(stack_trace: str) -> Frame | None:
    """Return the innermost application frame of ``stack_trace``, or None if nothing parses.

    Library/runtime frames (site-packages, stdlib, node_modules, node: internals, native code,
    browser extensions) are skipped because the column is meant to point at the user's code; if
    every frame is a library frame, the innermost frame that has a file is returned instead.
    """
    if not isinstance(stack_trace, str) or not stack_trace:
        return None
    if len(stack_trace) <= _CACHEABLE_CHARS:
        return _cached_frame(stack_trace)
    return _find_frame(stack_trace)


@lru_cache(maxsize=_CACHED_TRACES)
def _cached_frame(stack_trace: str) -> Frame | None:
    return _find_frame(stack_trace)


def _find_frame(stack_trace: str) -> Frame | None:
    # Python prints the innermost frame last, so its tail matters most; JS prints it first.
    if _PY_MARKER in stack_trace:  # no Python frame line can match without it
        for window in _windows(stack_trace, tail_first=True):
            frame = _python_frame(window)
            if frame is not None:
                return _truncate(frame)
    for window in _windows(stack_trace, tail_first=False):
        frame = _js_frame(window)
        if frame is not None:
            return _truncate(frame)
    return None


def _windows(text: str, *, tail_first: bool) -> list[str]:
    """Split huge input into a head and a tail window so the work stays bounded.

    Both windows are tried: a multi-megabyte exception message can push the frames out of the
    window where they would normally be.
    """
    if len(text) <= 2 * _WINDOW:
        return [text]
    head, tail = text[:_WINDOW], text[-_WINDOW:]
    return [tail, head] if tail_first else [head, tail]


def _truncate(frame: Frame) -> Frame:
    """Clip to the database column sizes so the COPY never fails on an over-long value."""
    function, path = frame.function_name, frame.file_path
    if (function is None or len(function) <= FUNCTION_NAME_MAX) and (
        path is None or len(path) <= FILE_PATH_MAX
    ):
        return frame
    return Frame(
        function_name=frame.function_name[:FUNCTION_NAME_MAX] if frame.function_name else None,
        file_path=frame.file_path[:FILE_PATH_MAX] if frame.file_path else None,
        line=frame.line,
    )


# --------------------------------------------------------------------------------------------
# Python
# --------------------------------------------------------------------------------------------

_PY_HEADER = "Traceback (most recent call last):"
_PY_MARKER = 'File "'
# A frame line is `File "<path>", line <n>[, in <function>]`, indented by `[ \t|]*` (the pipes are
# ExceptionGroup tracebacks' "  |   File ..."). Every part is a simple character class bounded by
# a literal it cannot contain, so matching is linear, and no match crosses a line. The pattern
# starts at the newline before the line (the text is searched with one prepended), a literal the
# regex engine can skip ahead to, where `^` in MULTILINE mode is tried at every character.
_PY_FRAME = re.compile(r'\n[ \t|]*File "([^"\r\n]+)", line ([0-9]{1,9})(?![0-9])(?:, in ([^\r\n]+))?')
_PY_STDLIB = re.compile(r"[\\/]lib[\\/]python[0-9][0-9.]*[\\/]|[\\/]python[0-9]+[\\/]lib[\\/]", re.IGNORECASE)


def _python_frame(text: str) -> Frame | None:
    """Pick the frame from the last traceback block (the exception that was finally raised)."""
    # With the newline prepended, a match starts at the index its line starts at in ``text``.
    matches = list(_PY_FRAME.finditer("\n" + text))
    if not matches:
        return None
    start = text.rfind(_PY_HEADER)
    last_block = [m for m in matches if m.start() >= start] if start > 0 else matches
    # Innermost is printed last. Prefer app code in the final block, then app code in an earlier
    # chained block (the final one may be raised purely inside a library), then anything.
    for block in (last_block, matches):
        for match in reversed(block):
            if not _is_python_library(match.group(1)):
                return _python_frame_of(match)
    return _python_frame_of((last_block or matches)[-1])


def _python_frame_of(match: re.Match[str]) -> Frame:
    function = (match.group(3) or "").strip() or None
    return Frame(function_name=function, file_path=match.group(1), line=int(match.group(2)))


def _is_python_library(path: str) -> bool:
    lowered = path.lower()
    if "site-packages" in lowered or "dist-packages" in lowered:
        return True
    if path.startswith("<frozen") or path == "<string>":
        return True
    return _PY_STDLIB.search(path) is not None


# --------------------------------------------------------------------------------------------
# JavaScript (V8, SpiderMonkey, JavaScriptCore)
# --------------------------------------------------------------------------------------------

# `:line:col` / `:line` at the very end of a location; bounded digit runs keep int() safe.
_LINE_COL = re.compile(r":([0-9]{1,9})(?::([0-9]{1,9}))?\Z")
# Firefox eval frames: "http://x/a.js line 2 > eval" -> the eval happened at a.js line 2.
_GECKO_EVAL = re.compile(r" line ([0-9]{1,9}) > ")
# A bare location line (old Safari anonymous frames): "http://x/a.js:1:2".
_BARE_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,30}://\S+:[0-9]{1,9}(?::[0-9]{1,9})?\Z")
_WINDOWS_DRIVE = re.compile(r"/[A-Za-z]:[\\/]")
_V8_AS_ALIAS = re.compile(r" \[as [^\]]*\]\Z")
_GECKO_NESTED = re.compile(r"(?:/<)+\Z")
_WHITESPACE = re.compile(r"\s")

# Locations that name no source file.
_NO_FILE = frozenset(
    {"<anonymous>", "native", "[native code]", "unknown location", "debugger eval code", "eval code"}
)
_JS_LIBRARY_PREFIXES = (
    "node:",
    "internal/",
    "chrome-extension://",
    "moz-extension://",
    "safari-extension://",
    "safari-web-extension://",
    "webpack/bootstrap",
)


def _js_frame(text: str) -> Frame | None:
    """Parse JS stack lines; innermost is first. V8 `at` lines win over `fn@url` lines.

    The first V8 application frame is the answer, so the scan stops there; ``fn@url`` lines are
    only collected until a V8 frame appears (after one, they can no longer win), and when no
    line can be a V8 one the first ``fn@url`` application frame is the answer too.
    """
    v8_possible = "at " in text
    seen_v8 = False
    v8_fallback: Frame | None = None  # the innermost V8 library frame that has a file
    gecko: list[Frame] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("at "):
            frame = _parse_v8(line[3:].strip())
            if frame is None:
                continue
            seen_v8 = True
            if frame.file_path is not None:
                if not _is_js_library(frame.file_path):
                    return frame
                if v8_fallback is None:
                    v8_fallback = frame
        elif not seen_v8:
            frame = _parse_gecko(line)
            if frame is None:
                continue
            if not v8_possible and frame.file_path is not None and not _is_js_library(frame.file_path):
                return frame
            gecko.append(frame)
    return v8_fallback if seen_v8 else _first_app_frame(gecko)


def _first_app_frame(frames: Iterable[Frame]) -> Frame | None:
    fallback = None
    for frame in frames:
        if frame.file_path is None:
            continue
        if not _is_js_library(frame.file_path):
            return frame
        if fallback is None:
            fallback = frame
    return fallback


def _parse_v8(body: str) -> Frame | None:
    """Parse the text after ``at``: ``fn (location)`` or a bare ``location`` (anonymous)."""
    paren = body.find(" (")
    if paren > 0 and body.endswith(")"):
        function: str | None = body[:paren]
        location = body[paren + 2 : -1].strip()
    else:
        function, location = None, body
    if location.startswith("eval at "):
        # "eval at fn (http://x/a.js:1:2), <anonymous>:1:1": report where eval was called.
        open_ = location.rfind("(")
        close = location.find(")", open_)
        if open_ < 0 or close < 0:
            return None
        location = location[open_ + 1 : close]
    file_path, line = _split_location(location)
    if file_path is None and line is None and location not in _NO_FILE and not location.startswith("index "):
        return None  # not a stack line, e.g. prose that happens to start with "at "
    if function is not None:
        function = _V8_AS_ALIAS.sub("", function)
        for prefix in ("async ", "new "):
            if function.startswith(prefix):
                function = function[len(prefix) :]
        function = function.strip()
        if not function or function == "<anonymous>":
            function = None
    return Frame(function_name=function, file_path=file_path, line=line)


def _parse_gecko(line: str) -> Frame | None:
    """Parse Firefox/Safari ``fn@location`` lines (``@location`` when anonymous)."""
    at = line.find("@")
    if at < 0:
        if _BARE_URL.match(line):
            file_path, line_no = _split_location(line)
            return Frame(function_name=None, file_path=file_path, line=line_no)
        return None  # includes Safari's bare "[native code]" lines
    function, location = line[:at], line[at + 1 :]
    # Real names have no spaces except Safari's "global code" / "module code" / "eval code";
    # this keeps prose such as "mail me at bob@example.com:25" from parsing as a frame.
    if _WHITESPACE.search(function) and not function.endswith(" code"):
        return None
    file_path, line_no = _split_location(location)
    if line_no is None and location != "[native code]":
        return None
    if function.startswith("async*"):
        function = function[len("async*") :]
    function = _GECKO_NESTED.sub("", function)
    return Frame(function_name=function or None, file_path=file_path, line=line_no)


def _split_location(location: str) -> tuple[str | None, int | None]:
    """Split ``file:line:col`` into a normalised file path and line number."""
    line: int | None = None
    match = _LINE_COL.search(location)
    if match is not None:
        line = int(match.group(1))
        location = location[: match.start()]
    eval_match = _GECKO_EVAL.search(location)
    if eval_match is not None:
        location = location[: eval_match.start()]
        line = int(eval_match.group(1))
    location = location.strip()
    if not location or location in _NO_FILE or location.startswith("index "):
        return None, line
    return _normalise_js_path(location), line


def _normalise_js_path(path: str) -> str:
    """Drop query/hash (cache busters) and turn ``file://`` URLs into plain paths."""
    for sep in ("?", "#"):
        cut = path.find(sep)
        if cut > 0:
            path = path[:cut]
    if path.startswith("file://"):
        path = path[len("file://") :]
        if _WINDOWS_DRIVE.match(path):  # file:///C:/app/x.js -> C:/app/x.js
            path = path[1:]
    return path


def _is_js_library(path: str) -> bool:
    return "node_modules" in path or path.startswith(_JS_LIBRARY_PREFIXES)
