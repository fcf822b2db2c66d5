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
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import aiohttp
import asyncpg
import httpx
import orjson
import psutil

from bench.cpu import CpuMeter
from bench.records import COLUMNS, copy_line, generate
from ingest_service.fast_decode import decode_rows
from ingest_service.storage import Store
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
    """POST every body with ``concurrency`` clients; return wall seconds and per-POST latencies (s).

    The clients are aiohttp's: they share the 2 cores with the service and PostgreSQL, and
    aiohttp spends about a third of the CPU per 570 KB POST that httpx does (measured: 1.2 vs
    3.4–4.6 ms), which would otherwise be charged to the service's throughput.
    """
    headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
    if gzip:
        headers["Content-Encoding"] = "gzip"
    latencies = [0.0] * len(bodies)
    todo = iter(range(len(bodies)))

    async def client_loop(session: aiohttp.ClientSession) -> None:
        for i in todo:  # shared iterator: each body is sent exactly once
            t0 = time.perf_counter()
            try:
                async with session.post("/logs", data=bodies[i], headers=headers) as resp:
                    text = await resp.read()
            except aiohttp.ClientError as exc:
                raise BenchError(f"batch {i}: {type(exc).__name__}: {exc}") from exc
            latencies[i] = time.perf_counter() - t0
            if resp.status != 200:
                raise BenchError(f"batch {i}: HTTP {resp.status}: {text[:300]!r}")
            answer = orjson.loads(text)
            if answer.get("accepted") != counts[i] or answer.get("rejected"):
                raise BenchError(
                    f"batch {i}: accepted {answer.get('accepted')} of {counts[i]}: {text[:300]!r}"
                )

    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(url, connector=connector, timeout=timeout) as session:
        started = time.perf_counter()
        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(concurrency):
                    group.create_task(client_loop(session))
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
    say(f"load 2/3: HTTP, {concurrency} clients → ingest service on port {port}")
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
        server_proc = psutil.Process(server.pid)
        idle_rss = server_proc.memory_info().rss
        meter = CpuMeter({"service": server_proc, "clients": psutil.Process()})
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
            asyncio.run(_checkpoint(owner))
            meter.start()
            seconds, latencies = asyncio.run(
                post_all(f"http://127.0.0.1:{port}", bodies, counts, concurrency, gzip)
            )
            cpu = meter.stop(sum(counts), seconds)
        finally:
            sampled = sampler.stop()
        hwm = vm_hwm(server.pid)
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
        "cpu": cpu,
        "server": {
            "peak_rss_mb": max(hwm, sampled) / MB,
            "vmhwm_mb": hwm / MB,
            "sampled_max_rss_mb": sampled / MB,
            "idle_rss_mb": idle_rss / MB,
            "pool_max": settings.ingest_pool_max,
        },
    }


def load_direct(ingest_dsn: str, owner: str, batches: list[list[tuple[Any, ...]]]) -> dict[str, Any]:
    """The service's own storage layer with the rows already decoded: no HTTP, no JSON.

    This is the floor under the HTTP figures: the same :class:`~ingest_service.storage.Store`
    (pool, transaction, binary COPY) the service uses, fed the rows it would have built. One
    connection first, batch after batch, for the latency of a 1000-record COPY on its own; then
    every batch over two connections, like psql's two streams.
    """
    say("load 3/3: the service's binary COPY without HTTP (rows decoded beforehand)")
    records = sum(map(len, batches))
    probe = batches[: min(LATENCY_PROBE_BATCHES, len(batches))]

    async def go() -> tuple[list[float], float, dict[str, Any]]:
        single: list[float] = []
        store = Store(ingest_dsn, min_size=1, max_size=1, acquire_timeout=30, db_timeout=120)
        try:
            await store.warm_up()
            for rows in probe:
                t0 = time.perf_counter()
                await store.write(rows, None)
                single.append(time.perf_counter() - t0)
        finally:
            await store.close()
        await _sql(owner, "TRUNCATE logs")
        await _checkpoint(owner)
        store = Store(ingest_dsn, min_size=2, max_size=2, acquire_timeout=30, db_timeout=120)
        try:
            await store.warm_up()
            todo = iter(batches)
            meter = CpuMeter({"python": psutil.Process()})

            async def stream() -> None:
                for rows in todo:
                    await store.write(rows, None)

            meter.start()
            started = time.perf_counter()
            await asyncio.gather(stream(), stream())
            seconds = time.perf_counter() - started
            return single, seconds, meter.stop(records, seconds)
        finally:
            await store.close()

    single, seconds, cpu = asyncio.run(go())
    one = sorted(x * 1000 for x in single)
    return {
        "streams": 2,
        "seconds": seconds,
        "logs_per_s": records / seconds,
        "single_batch_latency_ms": {
            "batches": len(one),
            "p50": _percentile(one, 50),
            "p99": _percentile(one, 99),
            "max": one[-1],
        },
        "cpu": cpu,
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


def _cpu_line(cpu: dict[str, Any]) -> str:
    spent = dict(cpu["us_per_record"])
    shown = ", ".join(
        [f"PostgreSQL+rest {spent.pop('postgres_and_rest'):.1f}"] + [f"{k} {v:.1f}" for k, v in spent.items()]
    )
    return f"{shown}  (machine {cpu['machine_busy_pct']:.0f}% busy)"


def bounds(r: dict[str, Any]) -> list[str]:
    """What this machine's PostgreSQL alone allows, next to the targets it bounds."""
    cores = r["machine"]["cores_logical"] or 1
    pg_us = r["http"]["cpu"]["us_per_record"]["postgres_and_rest"]
    alone = r["direct"]["single_batch_latency_ms"]["p50"]
    lines = [
        f"{BATCH}-record batch p50: the same COPY without HTTP or JSON (rows decoded beforehand, "
        f"one connection) takes p50 {alone:.1f} ms here",
    ]
    if pg_us > 0:
        lines.insert(
            0,
            f"logs/s: PostgreSQL and the rest of the machine spent {pg_us:.1f} CPU µs per record in the "
            f"HTTP load, which alone caps any load on {cores} cores at {cores * 1e6 / pg_us:,.0f} logs/s",
        )
    return lines


def render(r: dict[str, Any]) -> str:
    """The human-readable report."""
    m, p, h, d, s = r["machine"], r["psql"], r["http"], r["direct"], r["server"]
    lat, one, alone = h["batch_latency_ms"], h["single_client_latency_ms"], d["single_batch_latency_ms"]
    rows = [
        (f"psql \\copy ({p['streams']} streams)", f"{p['logs_per_s']:>9,.0f} logs/s  ({p['seconds']:.2f} s)"),
        (
            "HTTP POST /logs",
            f"{h['logs_per_s']:>9,.0f} logs/s  ({h['seconds']:.2f} s, {h['concurrency']} clients, "
            f"{h['batches']} batches, gzip {'on' if h['gzip'] else 'off'})",
        ),
        (
            f"COPY without HTTP ({d['streams']} conns)",
            f"{d['logs_per_s']:>9,.0f} logs/s  ({d['seconds']:.2f} s, the service's Store, rows decoded "
            "beforehand)",
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
            f"{BATCH}-record COPY alone, 1 conn",
            f"p50 {alone['p50']:.1f} ms, p99 {alone['p99']:.1f} ms, max {alone['max']:.1f} ms (no HTTP, no JSON)",
        ),
        ("CPU µs/record, psql", _cpu_line(p["cpu"])),
        ("CPU µs/record, HTTP", _cpu_line(h["cpu"])),
        ("CPU µs/record, without HTTP", _cpu_line(d["cpu"])),
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
    lines += ["  what PostgreSQL alone allows on this machine:", *(f"    {b}" for b in r["bounds"])]
    return "\n".join(lines)


# --- the benchmark ----------------------------------------------------------------------------


@dataclass
class Prepared:
    """Everything the loads need, built before any clock starts."""

    files: list[Path]  # COPY text files for psql, one per stream
    bodies: list[bytes]  # POST bodies (gzipped with --gzip)
    counts: list[int]  # records in each body
    json_bytes: int  # size of the bodies before gzip
    batches: list[list[tuple[Any, ...]]]  # each body's rows, as the service decodes them


def prepare(records: int, gzip: bool, workdir: Path) -> Prepared:
    """Generate the records; write two COPY files, build the POST bodies and decode them."""
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
    batches = [decode_rows(body, now, None) for body in bodies]
    if any(rows is None for rows in batches):
        raise BenchError("the generated records do not take the service's fast path")
    json_bytes = sum(map(len, bodies))
    if gzip:
        bodies = [gzip_mod.compress(b, compresslevel=6) for b in bodies]
    return Prepared(
        files=[f for f in files if f.stat().st_size],
        bodies=bodies,
        counts=[len(c) for c in chunks],
        json_bytes=json_bytes,
        batches=batches,  # type: ignore[arg-type]  # checked above: no None
    )


def run(
    records: int = 200_000,
    concurrency: int = 8,
    gzip: bool = False,
    as_json: bool = False,
    settings: Settings | None = None,
    results_dir: Path = RESULTS_DIR,
) -> dict[str, Any]:
    """Run the whole benchmark, print the report (or JSON), save it under ``results_dir``, return it."""
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
        prepared = prepare(records, gzip, workdir)
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

        say("load 1/3: psql \\copy, 2 parallel streams")
        asyncio.run(_checkpoint(owner))
        meter = CpuMeter({"psql": None})
        meter.start()
        psql_s = load_psql(_psql(settings), owner, prepared.files)
        psql_cpu = meter.stop(records, psql_s)
        psql_rows = fingerprint(owner)
        if psql_rows[0] != records:
            raise BenchError(f"psql stored {psql_rows[0]} rows, expected {records}")

        asyncio.run(_sql(owner, "TRUNCATE logs"))
        asyncio.run(_checkpoint(owner))
        http = load_http(owner, dsns, settings, prepared.bodies, prepared.counts, concurrency, gzip)
        if fingerprint(owner) != psql_rows:
            raise BenchError("the HTTP and psql loads stored different rows (count or row hashes differ)")

        asyncio.run(_sql(owner, "TRUNCATE logs"))
        ingest_dsn = dsn_mod.with_credentials(owner, dsn_mod.INGEST_ROLE, dsns.ingest_password)
        direct = load_direct(ingest_dsn, owner, prepared.batches)
        if fingerprint(owner) != psql_rows:
            raise BenchError("the direct COPY and psql loads stored different rows")
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
        "bytes_per_record": prepared.json_bytes / records,
        "postgres": version,
        "psql": {
            "streams": len(prepared.files),
            "seconds": psql_s,
            "logs_per_s": records / psql_s,
            "cpu": psql_cpu,
        },
        "http": http,
        "direct": direct,
        "ratio_http_psql": psql_s / http["seconds"],
        "server": server,
        "rows_identical": True,
        "machine": machine(),
        "total_seconds": time.perf_counter() - run_started,
    }
    result["targets"] = targets(result)
    result["bounds"] = bounds(result)
    results_dir.mkdir(parents=True, exist_ok=True)
    out = results_dir / f"ingest-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    shown = out.relative_to(REPO_ROOT) if out.is_relative_to(REPO_ROOT) else out
    say(f"results saved to {shown} (whole run {result['total_seconds']:.1f} s)")
    print(json.dumps(result, indent=2) if as_json else render(result))
    return result
