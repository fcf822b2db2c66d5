"""``nlq bench ingest``: the same records loaded by raw ``psql \\copy`` and through the HTTP service.

Both loads go into a freshly migrated ``logs`` table (with its partial indexes) of a dedicated
database ``nlq_bench`` on the same server, one after the other in the same run, so their ratio
is an honest measure of what the service costs on top of PostgreSQL's own COPY.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip as gzip_mod
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import asyncpg
import httpx
import orjson
import psutil

from bench.records import COLUMNS, copy_line, generate
from nlq_platform.config import REPO_ROOT, Settings, get_settings
from nlq_platform.db import dsn as dsn_mod
from nlq_platform.db import lifecycle
from nlq_platform.db.cluster import ClusterError, find_pg_bin
from nlq_platform.db.migrate import migrate

BENCH_DB = "nlq_bench"
BATCH = 1000
SEED = 42
API_KEY = "nlq-bench-key"
LATENCY_PROBE_BATCHES = 50  # batches sent one at a time to measure unloaded latency
RESULTS_DIR = REPO_ROOT / "bench" / "results"
MB = 1024 * 1024
# Sum of per-row hashes of every stored column (not id): equal sums mean both loads stored the same rows.
FINGERPRINT_SQL = (
    f"SELECT count(*), coalesce(sum(hashtextextended(({', '.join(COLUMNS)})::text, 0)), 0) FROM logs"
)


class BenchError(RuntimeError):
    """The benchmark could not run, or a load did not store what it was given."""


def say(message: str) -> None:
    """Progress on stderr, so ``--json`` output on stdout stays clean."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --- database ---------------------------------------------------------------------------------


async def _sql(dsn: str, *statements: str) -> list[Any]:
    """Run statements on one connection; return the first row of each."""
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        return [await conn.fetchrow(s) for s in statements]
    finally:
        await conn.close()


async def _checkpoint(dsn: str) -> None:
    """Flush dirty pages before a timed load, so neither load pays for the other's writes."""
    with contextlib.suppress(asyncpg.InsufficientPrivilegeError):  # not superuser: skip it
        await _sql(dsn, "CHECKPOINT")


def fingerprint(dsn: str) -> tuple[int, int]:
    """(row count, sum of row hashes) of ``logs``."""
    row = asyncio.run(_sql(dsn, FINGERPRINT_SQL))[0]
    return int(row[0]), int(row[1])


def _psql(settings: Settings) -> str:
    """psql next to the cluster's pg_ctl, else on PATH."""
    try:
        candidate = find_pg_bin(settings.pg_bin) / "psql"
        if candidate.exists():
            return str(candidate)
    except ClusterError:
        pass
    found = shutil.which("psql")
    if not found:
        raise BenchError("psql was not found (install postgresql-client or put it on PATH)")
    return found


def _split_password(dsn: str) -> tuple[str, str | None]:
    """The DSN without its password (for argv) and the password (for PGPASSWORD)."""
    parts = urlsplit(dsn)
    if parts.password is None:
        return dsn, None
    netloc = parts.netloc.rsplit("@", 1)[1]
    if parts.username:
        netloc = f"{quote(unquote(parts.username), safe='')}@{netloc}"
    return urlunsplit(parts._replace(netloc=netloc)), unquote(parts.password)


# --- the two loads ----------------------------------------------------------------------------


def load_psql(psql: str, dsn: str, files: list[Path]) -> float:
    """Run one ``psql \\copy`` per file, all at once; return the wall-clock seconds of all of them."""
    target, password = _split_password(dsn)
    env = {**os.environ, "PGCLIENTENCODING": "UTF8", "PGAPPNAME": "nlq-bench-psql"}
    if password is not None:
        env["PGPASSWORD"] = password
    cmds = [
        [
            psql,
            "-X",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            target,
            "-c",
            f"\\copy logs({','.join(COLUMNS)}) FROM '{f}'",
        ]
        for f in files
    ]
    started = time.perf_counter()
    procs = [
        subprocess.Popen(c, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in cmds
    ]
    outputs = [p.communicate() for p in procs]
    seconds = time.perf_counter() - started
    for proc, (out, err) in zip(procs, outputs, strict=True):
        if proc.returncode != 0 or not out.startswith("COPY "):
            raise BenchError(f"psql \\copy failed (exit {proc.returncode}): {(err or out).strip()}")
    return seconds


class RssSampler(threading.Thread):
    """Samples a process's resident set size every ``interval`` seconds, keeping the maximum."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.proc, self.interval = psutil.Process(pid), interval
        self.peak = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                self.peak = max(self.peak, self.proc.memory_info().rss)
            except psutil.Error:
                return
            self._stop_event.wait(self.interval)

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak


def _cpu_seconds(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return float(times.user + times.system)


def _busy_fraction(before: Any, after: Any) -> float:
    """Share of all CPUs' time spent not idle between two ``psutil.cpu_times()``."""
    idle = (after.idle + getattr(after, "iowait", 0)) - (before.idle + getattr(before, "iowait", 0))
    total = sum(after) - sum(before)
    return 1 - idle / total if total > 0 else 0.0


def vm_hwm(pid: int) -> int:
    """Peak resident set size of ``pid`` in bytes, from the kernel (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise BenchError(f"no VmHWM in /proc/{pid}/status")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(env: dict[str, str], port: int, timeout_s: float = 60) -> subprocess.Popen[bytes]:
    """The ingest service under uvicorn as a child process, once /readyz answers 200."""
    cmd = [
        sys.executable, "-m", "uvicorn", "ingest_service.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=sys.stderr.fileno())
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"the ingest service exited with code {proc.returncode} before it was ready")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    stop_server(proc)
    raise BenchError(f"the ingest service was not ready within {timeout_s:.0f}s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def post_all(
    url: str, bodies: list[bytes], counts: list[int], concurrency: int, gzip: bool
) -> tuple[float, list[float]]:
    """POST every body with ``concurrency`` clients; return wall seconds and per-POST latencies (s)."""
    headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
    if gzip:
        headers["Content-Encoding"] = "gzip"
    latencies = [0.0] * len(bodies)
    todo = iter(range(len(bodies)))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def client_loop(client: httpx.AsyncClient) -> None:
        for i in todo:  # shared iterator: each body is sent exactly once
            t0 = time.perf_counter()
            try:
                resp = await client.post("/logs", content=bodies[i], headers=headers)
            except httpx.HTTPError as exc:
                raise BenchError(f"batch {i}: {type(exc).__name__}: {exc}") from exc
            latencies[i] = time.perf_counter() - t0
            if resp.status_code != 200:
                raise BenchError(f"batch {i}: HTTP {resp.status_code}: {resp.text[:300]}")
            answer = resp.json()
            if answer.get("accepted") != counts[i] or answer.get("rejected"):
                raise BenchError(
                    f"batch {i}: accepted {answer.get('accepted')} of {counts[i]}: {resp.text[:300]}"
                )

    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:
        started = time.perf_counter()
        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(concurrency):
                    group.create_task(client_loop(client))
        except ExceptionGroup as failed:  # the first failure, not a group of them
            raise failed.exceptions[0] from None
        seconds = time.perf_counter() - started
    return seconds, latencies


def load_http(
    owner: str,
    dsns: dsn_mod.Dsns,
    settings: Settings,
    bodies: list[bytes],
    counts: list[int],
    concurrency: int,
    gzip: bool,
) -> dict[str, Any]:
    """Start the service on ``owner``'s database, POST every body, measure; stop it again."""
    port = free_port()
    say(f"load 2/2: HTTP, {concurrency} clients → ingest service on port {port}")
    env = {
        "NLQ_DATABASE_URL": owner,
        "NLQ_INGEST_DATABASE_URL": dsn_mod.with_credentials(owner, dsn_mod.INGEST_ROLE, dsns.ingest_password),
        "NLQ_INGEST_KEYS": f"{API_KEY}=*",
        "NLQ_INGEST_AUTH": "true",
        "NLQ_HOME": str(settings.home),
        "NLQ_LOG_LEVEL": "WARNING",
    }
    server = start_server(env, port)
    try:
        server_proc, me = psutil.Process(server.pid), psutil.Process()
        idle_rss = server_proc.memory_info().rss
        before = _cpu_seconds(server_proc), _cpu_seconds(me), psutil.cpu_times()
        sampler = RssSampler(server.pid)
        sampler.start()
        try:
            # Unloaded latency first: one client, batches one after another (also warms the pool);
            # then the table is emptied so the throughput load starts from the same state.
            probe = min(LATENCY_PROBE_BATCHES, len(bodies))
            _, single = asyncio.run(
                post_all(f"http://127.0.0.1:{port}", bodies[:probe], counts[:probe], 1, gzip)
            )
            asyncio.run(_sql(owner, "TRUNCATE logs"))
            seconds, latencies = asyncio.run(
                post_all(f"http://127.0.0.1:{port}", bodies, counts, concurrency, gzip)
            )
        finally:
            sampled = sampler.stop()
        hwm = vm_hwm(server.pid)
        server_cpu, client_cpu = _cpu_seconds(server_proc) - before[0], _cpu_seconds(me) - before[1]
        busy = _busy_fraction(before[2], psutil.cpu_times())
    finally:
        stop_server(server)
    lat = sorted(x * 1000 for x in latencies)
    one = sorted(x * 1000 for x in single)
    records = sum(counts)
    return {
        "concurrency": concurrency,
        "gzip": gzip,
        "batches": len(bodies),
        "body_mb": sum(map(len, bodies)) / MB,
        "seconds": seconds,
        "logs_per_s": records / seconds,
        "batch_latency_ms": {
            "p50": _percentile(lat, 50),
            "p99": _percentile(lat, 99),
            "mean": statistics.fmean(lat),
            "max": lat[-1],
        },
        "single_client_latency_ms": {
            "batches": len(one),
            "p50": _percentile(one, 50),
            "p99": _percentile(one, 99),
            "max": one[-1],
        },
        "server_cpu_s": server_cpu,
        "client_cpu_s": client_cpu,
        "machine_cpu_busy_pct": 100 * busy,
        "server": {
            "peak_rss_mb": max(hwm, sampled) / MB,
            "vmhwm_mb": hwm / MB,
            "sampled_max_rss_mb": sampled / MB,
            "idle_rss_mb": idle_rss / MB,
            "pool_max": settings.ingest_pool_max,
        },
    }


# --- report -----------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """CPU model, cores and RAM of this machine."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu_model": model,
        "cores_logical": os.cpu_count(),
        "cores_physical": psutil.cpu_count(logical=False),
        "ram_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "python": platform.python_version(),
    }


def _percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    rank = max(1, min(len(sorted_values), round(p / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def targets(r: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets, each with the measured value and PASS/MISS."""
    checks: list[tuple[str, str, str, float, Callable[[float], bool]]] = [
        ("ratio http/psql", ">= 0.7", "{:.2f}", r["ratio_http_psql"], lambda v: v >= 0.7),
        (
            "HTTP end to end",
            ">= 50,000 logs/s",
            "{:,.0f} logs/s",
            r["http"]["logs_per_s"],
            lambda v: v >= 50_000,
        ),
        (
            "batch p50, 1 client",
            "< 30 ms",
            "{:.1f} ms",
            r["http"]["single_client_latency_ms"]["p50"],
            lambda v: v < 30,
        ),
        ("server peak RSS", "< 150 MB", "{:.1f} MB", r["server"]["peak_rss_mb"], lambda v: v < 150),
    ]
    return [
        {"name": name, "target": target, "value": value, "shown": fmt.format(value), "pass": ok(value)}
        for name, target, fmt, value, ok in checks
    ]


def render(r: dict[str, Any]) -> str:
    """The human-readable report."""
    m, p, h, s = r["machine"], r["psql"], r["http"], r["server"]
    lat, one = h["batch_latency_ms"], h["single_client_latency_ms"]
    rows = [
        (f"psql \\copy ({p['streams']} streams)", f"{p['logs_per_s']:>9,.0f} logs/s  ({p['seconds']:.2f} s)"),
        (
            "HTTP POST /logs",
            f"{h['logs_per_s']:>9,.0f} logs/s  ({h['seconds']:.2f} s, {h['concurrency']} clients, "
            f"{h['batches']} batches, gzip {'on' if h['gzip'] else 'off'})",
        ),
        (
            "HTTP CPU time",
            f"server {h['server_cpu_s']:.1f} s, bench clients {h['client_cpu_s']:.1f} s, "
            f"machine {h['machine_cpu_busy_pct']:.0f}% busy",
        ),
        ("ratio http/psql", f"{r['ratio_http_psql']:>9.2f}"),
        (
            f"{BATCH}-record batch, loaded",
            f"p50 {lat['p50']:.1f} ms, p99 {lat['p99']:.1f} ms, max {lat['max']:.1f} ms",
        ),
        (
            f"{BATCH}-record batch, 1 client",
            f"p50 {one['p50']:.1f} ms, p99 {one['p99']:.1f} ms, max {one['max']:.1f} ms "
            f"({one['batches']} batches sent one after another)",
        ),
        (
            "server RSS",
            f"peak {s['peak_rss_mb']:.1f} MB (VmHWM {s['vmhwm_mb']:.1f}, "
            f"sampled max {s['sampled_max_rss_mb']:.1f}), "
            f"idle {s['idle_rss_mb']:.1f} MB",
        ),
        ("machine", f"{m['cpu_model']}, {m['cores_logical']} cores, {m['ram_gb']} GB RAM"),
    ]
    head = (
        f"nlq bench ingest: {r['records']:,} records ({r['bytes_per_record']:.0f} B each as JSON), "
        f"seed {r['seed']}, {r['postgres']}"
    )
    lines = [head, *(f"  {label:<32}{text}" for label, text in rows), "  targets:"]
    lines += [
        f"    {'PASS' if t['pass'] else 'MISS'}  {t['name']:<18} {t['shown']:>16}   (target {t['target']})"
        for t in r["targets"]
    ]
    return "\n".join(lines)


# --- the benchmark ----------------------------------------------------------------------------


def prepare(records: int, gzip: bool, workdir: Path) -> tuple[list[Path], list[bytes], list[int], int]:
    """Generate the records; write two COPY files and build the POST bodies (all before timing).

    Returns the COPY files, the bodies, the records in each body and the JSON bytes before gzip.
    """
    say(f"generating {records:,} records (seed {SEED})")
    wire = list(generate(records, SEED))
    now = datetime.now(UTC)
    lines = [copy_line(r, now) for r in wire]
    half = (records + 1) // 2
    files = [workdir / "logs-0.copy", workdir / "logs-1.copy"]
    for path, part in zip(files, (lines[:half], lines[half:]), strict=True):
        path.write_text("".join(part), encoding="utf-8")
    chunks = [wire[i : i + BATCH] for i in range(0, records, BATCH)]
    bodies = [orjson.dumps(c) for c in chunks]
    json_bytes = sum(map(len, bodies))
    if gzip:
        bodies = [gzip_mod.compress(b, compresslevel=6) for b in bodies]
    return [f for f in files if f.stat().st_size], bodies, [len(c) for c in chunks], json_bytes


def run(
    records: int = 200_000,
    concurrency: int = 8,
    gzip: bool = False,
    as_json: bool = False,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Run the whole benchmark, print the report (or JSON), save it under bench/results/, return it."""
    if records < 1 or concurrency < 1:
        raise BenchError("--records and --concurrency must be at least 1")
    settings = settings or get_settings()
    run_started = time.perf_counter()
    say("starting PostgreSQL")
    dsns = lifecycle.up(settings)
    maintenance = dsn_mod.with_database(dsns.owner, "postgres")
    owner = dsn_mod.with_database(dsns.owner, BENCH_DB)

    workdir = Path(tempfile.mkdtemp(prefix="nlq-bench-"))
    try:
        files, bodies, counts, json_bytes = prepare(records, gzip, workdir)
        say(f"creating database {BENCH_DB} and migrating it")
        asyncio.run(
            _sql(
                maintenance,
                f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)',
                f'CREATE DATABASE "{BENCH_DB}"',
            )
        )
        asyncio.run(migrate(owner, dsns.ingest_password, dsns.reader_password))
        version = asyncio.run(_sql(owner, "SELECT version()"))[0][0].split(" on ")[0]

        say("load 1/2: psql \\copy, 2 parallel streams")
        asyncio.run(_checkpoint(owner))
        psql_s = load_psql(_psql(settings), owner, files)
        psql_rows = fingerprint(owner)
        if psql_rows[0] != records:
            raise BenchError(f"psql stored {psql_rows[0]} rows, expected {records}")

        asyncio.run(_sql(owner, "TRUNCATE logs"))
        asyncio.run(_checkpoint(owner))
        http = load_http(owner, dsns, settings, bodies, counts, concurrency, gzip)
        http_rows = fingerprint(owner)
        if http_rows[0] != records:
            raise BenchError(f"the HTTP load stored {http_rows[0]} rows, expected {records}")
        if http_rows != psql_rows:
            raise BenchError("the HTTP and psql loads stored different rows (row-hash sums differ)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        try:
            asyncio.run(_sql(maintenance, f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        except (OSError, asyncpg.PostgresError) as exc:
            say(f"could not drop {BENCH_DB}: {exc}")

    server = http.pop("server")
    result: dict[str, Any] = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "records": records,
        "seed": SEED,
        "bytes_per_record": json_bytes / records,
        "postgres": version,
        "psql": {"streams": len(files), "seconds": psql_s, "logs_per_s": records / psql_s},
        "http": http,
        "ratio_http_psql": psql_s / http["seconds"],
        "server": server,
        "rows_identical": True,
        "machine": machine(),
        "total_seconds": time.perf_counter() - run_started,
    }
    result["targets"] = targets(result)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"ingest-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    say(f"results saved to {out.relative_to(REPO_ROOT)} (whole run {result['total_seconds']:.1f} s)")
    print(json.dumps(result, indent=2) if as_json else render(result))
    return result
