"""Tests for ingest_service.stacktrace using real (generated) and verbatim stack traces."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

import pytest

from ingest_service.stacktrace import FILE_PATH_MAX, FUNCTION_NAME_MAX, Frame, innermost_app_frame

# --------------------------------------------------------------------------------------------
# Python: real tracebacks
# --------------------------------------------------------------------------------------------


def _capture(fn) -> tuple[str, traceback.FrameSummary]:
    """Run fn, return the formatted traceback and the innermost frame Python itself reports."""
    try:
        fn()
    except Exception:
        return traceback.format_exc(), traceback.extract_tb(sys.exc_info()[2])[-1]
    raise AssertionError("expected an exception")


def test_real_python_traceback_nested_function() -> None:
    def outer() -> None:
        def process_payment() -> None:
            raise ValueError("card declined")

        process_payment()

    text, expected = _capture(outer)
    assert text.startswith("Traceback (most recent call last):")
    assert innermost_app_frame(text) == Frame("process_payment", __file__, expected.lineno)


def test_real_python_chained_exception_uses_final_block() -> None:
    def load_config() -> None:
        {}["missing"]

    def start_service() -> None:
        try:
            load_config()
        except KeyError as exc:
            raise RuntimeError("config broken") from exc

    text, expected = _capture(start_service)
    assert "The above exception was the direct cause" in text
    assert innermost_app_frame(text) == Frame("start_service", __file__, expected.lineno)


def test_real_python_implicit_chain_uses_final_block() -> None:
    def cleanup() -> None:
        raise OSError("disk gone")

    def handle() -> None:
        try:
            1 / 0  # noqa: B018
        except ZeroDivisionError:
            cleanup()

    text, expected = _capture(handle)
    assert "During handling of the above exception" in text
    assert innermost_app_frame(text) == Frame("cleanup", __file__, expected.lineno)


def test_real_python_stdlib_innermost_picks_app_frame() -> None:
    def parse_body() -> None:
        json.loads("{not json")

    text, _ = _capture(parse_body)
    assert "json/decoder.py" in text  # the innermost frames really are stdlib
    frame = innermost_app_frame(text)
    assert frame is not None
    assert (frame.function_name, frame.file_path) == ("parse_body", __file__)


def test_real_python_site_packages_innermost_picks_app_frame() -> None:
    pydantic = pytest.importorskip("pydantic")

    def validate_order() -> None:
        pydantic.TypeAdapter(int).validate_python("not a number")

    text, _ = _capture(validate_order)
    assert "site-packages" in text
    frame = innermost_app_frame(text)
    assert frame is not None
    assert (frame.function_name, frame.file_path) == ("validate_order", __file__)


PY_SITE_PACKAGES = """\
Traceback (most recent call last):
  File "/app/payments/service.py", line 42, in process_payment
    resp = client.post(url, json=payload)
  File "/app/.venv/lib/python3.12/site-packages/httpx/_client.py", line 1144, in post
    return self.request(
  File "/usr/lib/python3/dist-packages/requests/adapters.py", line 519, in send
    raise ConnectionError(e, request=request)
  File "/usr/local/lib/python3.12/socket.py", line 850, in create_connection
    raise exceptions[0]
  File "<frozen importlib._bootstrap>", line 1387, in _gcd_import
ConnectionRefusedError: [Errno 111] Connection refused
"""


def test_python_library_frames_skipped() -> None:
    assert innermost_app_frame(PY_SITE_PACKAGES) == Frame("process_payment", "/app/payments/service.py", 42)


def test_python_only_library_frames_falls_back_to_innermost() -> None:
    text = """\
Traceback (most recent call last):
  File "/usr/local/lib/python3.12/runpy.py", line 198, in _run_module_as_main
  File "/srv/venv/lib/python3.12/site-packages/uvicorn/main.py", line 410, in main
  File "/srv/venv/lib/python3.12/site-packages/uvicorn/server.py", line 69, in serve
OSError: [Errno 98] Address already in use
"""
    assert innermost_app_frame(text) == Frame(
        "serve", "/srv/venv/lib/python3.12/site-packages/uvicorn/server.py", 69
    )


def test_python_module_level_and_windows_crlf() -> None:
    text = (
        "Traceback (most recent call last):\r\n"
        '  File "C:\\Users\\dev\\app\\main.py", line 7, in <module>\r\n'
        "    run()\r\n"
        '  File "C:\\Python311\\Lib\\asyncio\\runners.py", line 190, in run\r\n'
        "KeyboardInterrupt\r\n"
    )
    assert innermost_app_frame(text) == Frame("<module>", "C:\\Users\\dev\\app\\main.py", 7)


def test_python_exception_group() -> None:
    text = """\
  + Exception Group Traceback (most recent call last):
  |   File "/app/main.py", line 12, in <module>
  |     asyncio.run(main())
  | ExceptionGroup: unhandled errors in a TaskGroup (1 sub-exception)
  +-+---------------- 1 ----------------
    | Traceback (most recent call last):
    |   File "/app/worker.py", line 5, in fetch
    |     raise ValueError("bad")
    | ValueError: bad
    +------------------------------------
"""
    assert innermost_app_frame(text) == Frame("fetch", "/app/worker.py", 5)


# --------------------------------------------------------------------------------------------
# V8: real node stacks
# --------------------------------------------------------------------------------------------

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def _node_stack(script: str, cwd: Path) -> str:
    out = subprocess.run(
        ["node", "-e", script], cwd=cwd, capture_output=True, text=True, timeout=30, check=True
    ).stdout
    assert "    at " in out
    return out


@needs_node
def test_real_node_stack_app_frame(tmp_path: Path) -> None:
    app = tmp_path / "payment.js"
    app.write_text(
        "function processPayment(order) {\n"
        "  return order.amount.toFixed(2);\n"
        "}\n"
        "exports.checkout = (order) => processPayment(order);\n"
    )
    stack = _node_stack(
        f"const p = require({json.dumps(str(app))});"
        "try { [1].map(() => p.checkout({})); } catch (e) { console.log(e.stack); }",
        tmp_path,
    )
    assert stack.startswith("TypeError")
    assert "at Array.map (<anonymous>)" in stack
    assert innermost_app_frame(stack) == Frame("processPayment", str(app), 2)


@needs_node
def test_real_node_stack_skips_node_modules(tmp_path: Path) -> None:
    lib = tmp_path / "node_modules" / "fakelib"
    lib.mkdir(parents=True)
    (lib / "index.js").write_text(
        'exports.validate = function validate(x) { if (!x.ok) throw new TypeError("bad input"); };\n'
    )
    app = tmp_path / "checkout.js"
    app.write_text(
        'const lib = require("fakelib");\n'
        "class Gateway { constructor(order) { charge(order); } }\n"
        "function charge(order) {\n"
        "  return lib.validate(order);\n"
        "}\n"
        "module.exports = { Gateway };\n"
    )
    stack = _node_stack(
        f"const c = require({json.dumps(str(app))});"
        "try { new c.Gateway({}); } catch (e) { console.log(e.stack); }",
        tmp_path,
    )
    assert "node_modules/fakelib/index.js" in stack.splitlines()[1]
    assert innermost_app_frame(stack) == Frame("charge", str(app), 4)


@needs_node
def test_real_node_esm_file_url_with_query(tmp_path: Path) -> None:
    app = tmp_path / "handler.mjs"
    app.write_text('export async function handler() {\n  await null;\n  throw new Error("boom");\n}\n')
    stack = _node_stack(
        f"import({json.dumps(app.as_uri() + '?v=3')})"
        ".then((m) => m.handler()).catch((e) => console.log(e.stack));",
        tmp_path,
    )
    assert "file://" in stack and "?v=3" in stack
    frame = innermost_app_frame(stack)
    assert frame is not None
    assert frame.file_path == str(app)
    assert frame.line == 3
    assert frame.function_name is not None and frame.function_name.endswith("handler")


# --------------------------------------------------------------------------------------------
# V8 / Firefox / Safari: verbatim browser stacks
# --------------------------------------------------------------------------------------------

CHROME_STACK = """\
TypeError: Cannot read properties of undefined (reading 'amount')
    at new PaymentForm (http://localhost:5173/src/components/PaymentForm.tsx?t=1714060000000:27:31)
    at renderWithHooks (http://localhost:5173/node_modules/.vite/deps/chunk-RPCDYKBN.js?v=8e6c1e1a:11548:26)
    at mountIndeterminateComponent (http://localhost:5173/node_modules/.vite/deps/chunk-RPCDYKBN.js?v=8e6c1e1a:14926:21)
    at HTMLUnknownElement.callCallback2 (http://localhost:5173/node_modules/.vite/deps/react-dom.js:3674:22)"""


def test_chrome_stack_strips_new_and_query() -> None:
    assert innermost_app_frame(CHROME_STACK) == Frame(
        "PaymentForm", "http://localhost:5173/src/components/PaymentForm.tsx", 27
    )


def test_chrome_stack_library_innermost() -> None:
    text = """\
TypeError: Failed to fetch
    at chrome-extension://fmkadmapgofadopljbjfkapdkoienihi/build/installHook.js:1:35922
    at Array.map (<anonymous>)
    at fetchJson (http://localhost:5173/node_modules/.vite/deps/ky.js?v=1:88:11)
    at async loadOrders (http://localhost:5173/src/api/orders.ts#L4:14:5)
    at async Promise.all (index 0)"""
    assert innermost_app_frame(text) == Frame("loadOrders", "http://localhost:5173/src/api/orders.ts", 14)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("at processPayment (/app/src/payment.js:10:15)", Frame("processPayment", "/app/src/payment.js", 10)),
        ("at async handler (file:///app/src/h.mjs:3:9)", Frame("handler", "/app/src/h.mjs", 3)),
        (
            "at new Foo (http://localhost:5173/src/foo.ts:1:2)",
            Frame("Foo", "http://localhost:5173/src/foo.ts", 1),
        ),
        ("at Object.<anonymous> (/app/x.js:1:1)", Frame("Object.<anonymous>", "/app/x.js", 1)),
        ("at /app/anon.js:5:7", Frame(None, "/app/anon.js", 5)),
        ("at Foo.bar [as baz] (/app/foo.js:8:3)", Frame("Foo.bar", "/app/foo.js", 8)),
        (
            "at run (C:\\Program Files (x86)\\app\\run.js:4:1)",
            Frame("run", "C:\\Program Files (x86)\\app\\run.js", 4),
        ),
        ("at handler (file:///C:/app/h.js:2:2)", Frame("handler", "C:/app/h.js", 2)),
        (
            "at eval (eval at compile (http://x.test/app.js:3:7), <anonymous>:1:1)",
            Frame("eval", "http://x.test/app.js", 3),
        ),
    ],
)
def test_v8_line_variants(line: str, expected: Frame) -> None:
    assert innermost_app_frame(f"Error: boom\n    {line}\n") == expected


def test_v8_only_runtime_frames_falls_back_to_innermost_with_file() -> None:
    text = """\
Error: read ECONNRESET
    at Array.map (<anonymous>)
    at node:internal/process/task_queues:95:5
    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)"""
    assert innermost_app_frame(text) == Frame(None, "node:internal/process/task_queues", 95)


FIREFOX_STACK = """\
handler/<@http://localhost:5173/src/components/Checkout.tsx?t=1714060000000:41:19
async*handleClick@http://localhost:5173/src/components/Checkout.tsx:52:11
callCallback2@http://localhost:5173/node_modules/.vite/deps/chunk-RPCDYKBN.js?v=8e6c1e1a:3674:22
@http://localhost:5173/src/main.tsx:12:1
"""


def test_firefox_stack() -> None:
    assert innermost_app_frame(FIREFOX_STACK) == Frame(
        "handler", "http://localhost:5173/src/components/Checkout.tsx", 41
    )


def test_firefox_async_and_anonymous_and_library() -> None:
    text = """\
dispatch@http://localhost:5173/node_modules/.vite/deps/redux.js?v=9:215:27
async*handleClick@http://localhost:5173/src/Button.jsx:9:5
"""
    assert innermost_app_frame(text) == Frame("handleClick", "http://localhost:5173/src/Button.jsx", 9)
    assert innermost_app_frame("@http://localhost:5173/src/x.js:1:2\n") == Frame(
        None, "http://localhost:5173/src/x.js", 1
    )


def test_firefox_eval_and_extension() -> None:
    text = """\
onMessage@moz-extension://0e8b2f9c-1d6a-4c2e-9f0e-4b0a5f1e2d3c/content.js:10:3
run@https://shop.example.com/static/app.js?v=1 line 2 > eval:1:9
"""
    assert innermost_app_frame(text) == Frame("run", "https://shop.example.com/static/app.js", 2)


SAFARI_STACK = """\
forEach@[native code]
processPayment@http://localhost:5173/src/payment.js:10:15
[native code]
global code@http://localhost:5173/src/main.js:1:2
"""


def test_safari_stack() -> None:
    assert innermost_app_frame(SAFARI_STACK) == Frame(
        "processPayment", "http://localhost:5173/src/payment.js", 10
    )


def test_safari_module_code() -> None:
    text = (
        "module code@https://app.example.com/assets/index-4f2a1b.js:2:3058\n"
        "asyncFunctionResume@[native code]\n"
    )
    assert innermost_app_frame(text) == Frame(
        "module code", "https://app.example.com/assets/index-4f2a1b.js", 2
    )


# --------------------------------------------------------------------------------------------
# Robustness
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n",
        "Connection refused",
        "Error: something went wrong",
        "We met at lunch (noon) and again at the office",
        "please mail bob@example.com about it",
        "[native code]",
        "forEach@[native code]",
        "at Array.map (<anonymous>)",
        "Traceback (most recent call last):\n",
        '  File "/app/x.py", line 99999999999999999999999, in f',
        "\x00\ud800\u2028\x1c",
    ],
)
def test_garbage_returns_none(text: str) -> None:
    assert innermost_app_frame(text) is None


def test_truncates_to_column_sizes() -> None:
    long_fn = "f" * 5000
    long_path = "/app/" + "d/" * 3000 + "x.py"
    text = f'Traceback (most recent call last):\n  File "{long_path}", line 1, in {long_fn}\nE: x\n'
    frame = innermost_app_frame(text)
    assert frame is not None
    assert frame.function_name == "f" * FUNCTION_NAME_MAX
    assert frame.file_path == long_path[:FILE_PATH_MAX]


@pytest.mark.parametrize(
    "text",
    [
        "x" * 5_000_000,
        "a:" * 2_500_000,
        "at (" * 1_000_000,
        "at " + "a (" * 1_000_000 + ")",
        "@" * 5_000_000,
        '  File "' * 600_000,
        "  File " + '"' * 3_000_000,
        "http://" + "9:" * 2_000_000,
        " line 1 > " * 500_000,
        ("    at f (/app/a.js:1:1)\n" * 200_000),
        ('  File "/app/a.py", line 1, in f\n' * 150_000),
    ],
)
def test_huge_input_is_fast(text: str) -> None:
    start = time.perf_counter()
    innermost_app_frame(text)
    assert time.perf_counter() - start < 1.0


def test_huge_message_before_frames_still_found() -> None:
    py = (
        "Traceback (most recent call last):\n"
        '  File "/app/etl.py", line 8, in load\n'
        f"ValueError: {'x' * 3_000_000}\n"
    )
    assert innermost_app_frame(py) == Frame("load", "/app/etl.py", 8)
    js = f"Error: {'y' * 3_000_000}\n    at load (/app/etl.js:3:1)\n"
    assert innermost_app_frame(js) == Frame("load", "/app/etl.js", 3)


def test_random_input_never_raises() -> None:
    rng = random.Random(1234)
    alphabet = [*'at @:/()[]<>"\n\r\t,.#?*0123456789 FileTraceback linesnode_modules', "\u2028", "٣", "²"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 200)))
        result = innermost_app_frame(text)
        assert result is None or isinstance(result, Frame)
