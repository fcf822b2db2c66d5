"""A local HTTP server that speaks the subset of the BigQuery REST API (v2) our code uses.

The real ``google.cloud.bigquery.Client`` talks to it through
``client_options={"api_endpoint": server.endpoint}`` and ``AnonymousCredentials`` (see
:meth:`FakeBigQuery.client`). Answered:

* ``GET  /bigquery/v2/projects/{p}/datasets/{d}/tables/{t}`` (tables.get): the recorded table
  resource, or a 404 with BigQuery's error body (``reason: notFound``).
* ``POST /bigquery/v2/projects/{p}/queries`` (jobs.query), ``GET …/queries/{job}``
  (jobs.getQueryResults) and ``GET …/jobs/{job}`` (jobs.get), for exactly one kind of query:
  ``SELECT <columns> FROM `p.d.INFORMATION_SCHEMA.COLUMNS` WHERE table_name = @t …``, whose rows
  are built from the stored table's top-level fields with standard-SQL ``data_type`` spellings
  (``INT64``, ``ARRAY<STRUCT<key STRING, …>>``). ``pending_polls`` makes jobs.query return
  ``jobComplete: false`` so the client must poll getQueryResults/jobs.get like against the real API.

* ``POST /upload/bigquery/v2/projects/{p}/jobs?uploadType=multipart`` (a load job with its data,
  as ``Client.load_table_from_file`` sends it: a ``multipart/related`` body of the job resource and
  the file), then ``GET …/jobs/{job}`` until DONE. Loaded files are kept in :attr:`FakeBigQuery.loads`;
  ``fail_loads`` makes the job finish with BigQuery's error result instead.

Every request is recorded in :attr:`FakeBigQuery.requests`. :meth:`FakeBigQuery.add_column` swaps in
a modified copy of a table (a column appended, new etag and lastModifiedTime).
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "bigquery"

_TABLE_PATH = re.compile(r"^/bigquery/v2/projects/([^/]+)/datasets/([^/]+)/tables/([^/]+)$")
_QUERIES_PATH = re.compile(r"^/bigquery/v2/projects/([^/]+)/queries$")
_QUERY_RESULTS_PATH = re.compile(r"^/bigquery/v2/projects/([^/]+)/queries/([^/]+)$")
_JOB_PATH = re.compile(r"^/bigquery/v2/projects/([^/]+)/jobs/([^/]+)$")
_UPLOAD_PATH = re.compile(r"^/upload/bigquery/v2/projects/([^/]+)/jobs$")

_COLUMNS_QUERY = re.compile(
    r"^\s*SELECT\s+(?P<select>.+?)\s+FROM\s+`(?P<project>[^`]+)\.(?P<dataset>[^.`]+)"
    r"\.INFORMATION_SCHEMA\.COLUMNS`\s+WHERE\s+table_name\s*=\s*@(?P<param>\w+)"
    r"(?:\s+ORDER\s+BY\s+ordinal_position)?\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)

#: legacy (tables.get) type → standard SQL type, as INFORMATION_SCHEMA.COLUMNS.data_type spells it
_STANDARD_TYPES = {
    "INTEGER": "INT64",
    "FLOAT": "FLOAT64",
    "BOOLEAN": "BOOL",
    "RECORD": "STRUCT",
}

_COLUMNS_SCHEMA = {
    "table_catalog": "STRING",
    "table_schema": "STRING",
    "table_name": "STRING",
    "column_name": "STRING",
    "ordinal_position": "INTEGER",
    "is_nullable": "STRING",
    "data_type": "STRING",
}


def standard_type(field: dict[str, Any]) -> str:
    """A field's type the way INFORMATION_SCHEMA.COLUMNS.data_type spells it."""
    if field.get("fields"):
        inner = ", ".join(f"{f['name']} {standard_type(f)}" for f in field["fields"])
        base = f"STRUCT<{inner}>"
    else:
        base = _STANDARD_TYPES.get(field["type"], field["type"])
    return f"ARRAY<{base}>" if field.get("mode") == "REPEATED" else base


def load_table(name: str) -> dict[str, Any]:
    """A recorded tables.get response from ``tests/fixtures/bigquery/{name}.json``."""
    return json.loads((FIXTURES / f"{name}.json").read_text())


@dataclass
class Received:
    method: str
    path: str
    params: dict[str, list[str]]
    body: dict[str, Any] | None
    headers: dict[str, str]


@dataclass
class _Job:
    project: str
    job_id: str
    query: str
    location: str
    schema: dict[str, Any]
    rows: list[dict[str, Any]]
    polls_left: int
    created_ms: int = field(default_factory=lambda: int(time.time() * 1000))


@dataclass
class Load:
    """One load job received: its job resource and the uploaded file."""

    project: str
    job_id: str
    location: str
    configuration: dict[str, Any]
    data: bytes
    polls_left: int
    created_ms: int = field(default_factory=lambda: int(time.time() * 1000))

    @property
    def destination(self) -> str:
        ref = self.configuration["load"]["destinationTable"]
        return f"{ref['projectId']}.{ref['datasetId']}.{ref['tableId']}"


def _multipart(raw: bytes, content_type: str) -> tuple[dict[str, Any], bytes]:
    """The two parts of a multipart/related upload: the JSON resource and the media."""
    boundary = re.search(r'boundary="?([^";]+)"?', content_type)
    if boundary is None:
        raise _ApiError(400, "INVALID_ARGUMENT", "invalid", "multipart upload without a boundary")
    delimiter = b"--" + boundary.group(1).encode()
    parts = [p for p in raw.split(delimiter) if p.strip() not in (b"", b"--")]
    if len(parts) != 2:
        raise _ApiError(400, "INVALID_ARGUMENT", "invalid", f"expected 2 parts, got {len(parts)}")
    bodies = []
    for part in parts:
        _headers, _, body = part.partition(b"\r\n\r\n")
        bodies.append(body[:-2] if body.endswith(b"\r\n") else body)
    return json.loads(bodies[0]), bodies[1]


def _error(code: int, status: str, reason: str, message: str) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": reason}],
            "status": status,
        }
    }


class _ApiError(Exception):
    def __init__(self, code: int, status: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.body = _error(code, status, reason, message)


class FakeBigQuery:
    def __init__(self, *tables: dict[str, Any], pending_polls: int = 0) -> None:
        self._lock = threading.Lock()
        self._tables: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._jobs: dict[tuple[str, str], _Job] = {}
        self._job_ids = itertools.count(1)
        self.requests: list[Received] = []
        self.pending_polls = pending_polls
        self.loads: list[Load] = []
        self.fail_loads = False
        for resource in tables:
            self.put_table(resource)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeBigQuery:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeBigQuery:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def client(self, project: str = "nlq-ex") -> Any:
        """The real BigQuery client, pointed here with anonymous credentials."""
        from google.api_core.client_options import ClientOptions
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import bigquery

        return bigquery.Client(
            project=project,
            credentials=AnonymousCredentials(),
            client_options=ClientOptions(api_endpoint=self.endpoint),
        )

    # -- tables ----------------------------------------------------------------------------------

    def put_table(self, resource: dict[str, Any]) -> None:
        ref = resource["tableReference"]
        with self._lock:
            self._tables[(ref["projectId"], ref["datasetId"], ref["tableId"])] = copy.deepcopy(resource)

    def table(self, table_id: str) -> dict[str, Any]:
        project, dataset, table = table_id.split(".")
        with self._lock:
            return copy.deepcopy(self._tables[(project, dataset, table)])

    def add_column(self, table_id: str, field: dict[str, Any]) -> dict[str, Any]:
        """Swap in a copy of the table with ``field`` appended (as ALTER TABLE ADD COLUMN would)."""
        resource = self.table(table_id)
        resource["schema"]["fields"].append(field)
        now_ms = max(int(time.time() * 1000), int(resource["lastModifiedTime"]) + 1)
        resource["lastModifiedTime"] = str(now_ms)
        resource["etag"] = f"fake-{now_ms:x}"
        self.put_table(resource)
        return resource

    def requests_to(self, method: str, pattern: str) -> list[Received]:
        return [r for r in self.requests if r.method == method and re.search(pattern, r.path)]

    # -- API -------------------------------------------------------------------------------------

    def _dataset_exists(self, project: str, dataset: str) -> bool:
        return any(p == project and d == dataset for p, d, _ in self._tables)

    def _get_table(self, project: str, dataset: str, table: str) -> dict[str, Any]:
        with self._lock:
            resource = self._tables.get((project, dataset, table))
            if resource is None:
                if not self._dataset_exists(project, dataset):
                    raise _ApiError(404, "NOT_FOUND", "notFound", f"Not found: Dataset {project}:{dataset}")
                raise _ApiError(404, "NOT_FOUND", "notFound", f"Not found: Table {project}:{dataset}.{table}")
            return copy.deepcopy(resource)

    def _columns_rows(
        self, project: str, dataset: str, table: str, select: list[str]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        with self._lock:
            if not self._dataset_exists(project, dataset):
                raise _ApiError(
                    404,
                    "NOT_FOUND",
                    "notFound",
                    f"Not found: Dataset {project}:{dataset} was not found in location US",
                )
            resource = copy.deepcopy(self._tables.get((project, dataset, table)))
        for name in select:
            if name not in _COLUMNS_SCHEMA:
                raise _ApiError(400, "INVALID_ARGUMENT", "invalidQuery", f"Unrecognized name: {name}")
        schema = {"fields": [{"name": n, "type": _COLUMNS_SCHEMA[n], "mode": "NULLABLE"} for n in select]}
        rows: list[dict[str, Any]] = []
        for position, fld in enumerate(resource["schema"]["fields"] if resource else [], start=1):
            values = {
                "table_catalog": project,
                "table_schema": dataset,
                "table_name": table,
                "column_name": fld["name"],
                "ordinal_position": str(position),
                "is_nullable": "NO" if fld.get("mode") == "REQUIRED" else "YES",
                "data_type": standard_type(fld),
            }
            rows.append({"f": [{"v": values[n]} for n in select]})
        return schema, rows

    def _start_query(self, project: str, body: dict[str, Any]) -> _Job:
        query = body.get("query", "")
        if body.get("useLegacySql", True) is not False:
            raise _ApiError(400, "INVALID_ARGUMENT", "invalidQuery", "fake BigQuery speaks standard SQL only")
        match = _COLUMNS_QUERY.match(query)
        if match is None:
            raise _ApiError(
                400,
                "INVALID_ARGUMENT",
                "invalidQuery",
                f"fake BigQuery answers only INFORMATION_SCHEMA.COLUMNS queries, not: {query}",
            )
        params = {
            p.get("name"): p.get("parameterValue", {}).get("value") for p in body.get("queryParameters", [])
        }
        if match["param"] not in params:
            raise _ApiError(
                400, "INVALID_ARGUMENT", "invalidQuery", f"Query parameter '{match['param']}' not found"
            )
        select = [s.strip() for s in match["select"].split(",")]
        schema, rows = self._columns_rows(match["project"], match["dataset"], params[match["param"]], select)
        job = _Job(
            project=project,
            job_id=f"job_fake_{next(self._job_ids):06d}",
            query=query,
            location=body.get("location") or "US",
            schema=schema,
            rows=rows,
            polls_left=self.pending_polls,
        )
        with self._lock:
            self._jobs[(project, job.job_id)] = job
        return job

    def _job(self, project: str, job_id: str) -> _Job:
        with self._lock:
            job = self._jobs.get((project, job_id))
        if job is None:
            raise _ApiError(404, "NOT_FOUND", "notFound", f"Not found: Job {project}:US.{job_id}")
        return job

    @staticmethod
    def _job_reference(job: _Job) -> dict[str, Any]:
        return {"projectId": job.project, "jobId": job.job_id, "location": job.location}

    def _query_response(self, job: _Job, max_results: int | None, page_token: str | None) -> dict[str, Any]:
        response: dict[str, Any] = {
            "kind": "bigquery#getQueryResultsResponse",
            "jobReference": self._job_reference(job),
            "jobComplete": job.polls_left <= 0,
        }
        if job.polls_left > 0:
            job.polls_left -= 1
            return response
        start = int(page_token or 0)
        end = len(job.rows) if max_results is None else start + max_results
        response.update(
            schema=job.schema,
            totalRows=str(len(job.rows)),
            totalBytesProcessed="10485760",
            cacheHit=False,
        )
        if max_results != 0:
            response["rows"] = job.rows[start:end]
            if end < len(job.rows):
                response["pageToken"] = str(end)
        return response

    def _job_resource(self, job: _Job) -> dict[str, Any]:
        done = job.polls_left <= 0
        resource: dict[str, Any] = {
            "kind": "bigquery#job",
            "id": f"{job.project}:{job.location}.{job.job_id}",
            "jobReference": self._job_reference(job),
            "configuration": {"query": {"query": job.query, "useLegacySql": False}, "jobType": "QUERY"},
            "status": {"state": "DONE" if done else "RUNNING"},
            "statistics": {"creationTime": str(job.created_ms), "startTime": str(job.created_ms)},
        }
        if done:
            resource["statistics"]["endTime"] = str(job.created_ms + 1)
            resource["statistics"]["query"] = {"totalBytesProcessed": "10485760", "statementType": "SELECT"}
        return resource

    def _start_load(self, project: str, raw: bytes, content_type: str) -> Load:
        resource, data = _multipart(raw, content_type)
        configuration = resource.get("configuration", {})
        load = configuration.get("load")
        if not load or "destinationTable" not in load:
            raise _ApiError(
                400, "INVALID_ARGUMENT", "invalid", "a load job needs configuration.load.destinationTable"
            )
        if load.get("sourceFormat") != "PARQUET" or not data.startswith(b"PAR1"):
            raise _ApiError(400, "INVALID_ARGUMENT", "invalid", "fake BigQuery loads Parquet files only")
        ref = resource.get("jobReference", {})
        job = Load(
            project=project,
            job_id=ref.get("jobId") or f"job_load_{next(self._job_ids):06d}",
            location=ref.get("location") or "US",
            configuration=configuration,
            data=data,
            polls_left=self.pending_polls,
        )
        with self._lock:
            self.loads.append(job)
        return job

    def _load_resource(self, job: Load) -> dict[str, Any]:
        done = job.polls_left <= 0
        if not done:
            job.polls_left -= 1
        resource: dict[str, Any] = {
            "kind": "bigquery#job",
            "id": f"{job.project}:{job.location}.{job.job_id}",
            "jobReference": {"projectId": job.project, "jobId": job.job_id, "location": job.location},
            "configuration": {**job.configuration, "jobType": "LOAD"},
            "status": {"state": "DONE" if done else "RUNNING"},
            "statistics": {"creationTime": str(job.created_ms), "startTime": str(job.created_ms)},
        }
        if done:
            resource["statistics"]["endTime"] = str(job.created_ms + 1)
            if self.fail_loads:
                error = {"reason": "invalid", "message": "Error while reading data (fake failure)"}
                resource["status"].update(errorResult=error, errors=[error])
            else:
                resource["statistics"]["load"] = {"inputFiles": "1", "inputFileBytes": str(len(job.data))}
        return resource

    def _load(self, project: str, job_id: str) -> Load | None:
        with self._lock:
            return next((j for j in self.loads if j.project == project and j.job_id == job_id), None)

    def _dispatch(
        self,
        method: str,
        path: str,
        params: dict[str, list[str]],
        body: Any,
        raw: bytes = b"",
        content_type: str = "",
    ) -> dict[str, Any]:
        def param(name: str) -> str | None:
            return params.get(name, [None])[0]

        if method == "POST" and (m := _UPLOAD_PATH.match(path)):
            if param("uploadType") != "multipart":
                raise _ApiError(
                    501, "UNIMPLEMENTED", "notImplemented", "fake BigQuery takes multipart uploads only"
                )
            return self._load_resource(self._start_load(m[1], raw, content_type))
        if method == "GET" and (m := _JOB_PATH.match(path)) and (load := self._load(m[1], m[2])):
            return self._load_resource(load)

        if method == "GET" and (m := _TABLE_PATH.match(path)):
            return self._get_table(*m.groups())
        if method == "POST" and (m := _QUERIES_PATH.match(path)):
            body = body or {}
            job = self._start_query(m[1], body)
            max_results = body.get("maxResults")
            response = self._query_response(job, int(max_results) if max_results is not None else None, None)
            response["kind"] = "bigquery#queryResponse"
            response["queryId"] = f"fake-query-{job.job_id}"
            return response
        if method == "GET" and (m := _QUERY_RESULTS_PATH.match(path)):
            job = self._job(m[1], m[2])
            max_results = param("maxResults")
            return self._query_response(
                job, int(max_results) if max_results is not None else None, param("pageToken")
            )
        if method == "GET" and (m := _JOB_PATH.match(path)):
            return self._job_resource(self._job(m[1], m[2]))
        raise _ApiError(
            501, "UNIMPLEMENTED", "notImplemented", f"fake BigQuery does not serve {method} {path}"
        )

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _serve(self, method: str) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                uploading = url.path.startswith("/upload/")
                body = json.loads(raw) if raw and not uploading else None
                params = parse_qs(url.query)
                with fake._lock:
                    fake.requests.append(
                        Received(
                            method, url.path, params, body, {k.lower(): v for k, v in self.headers.items()}
                        )
                    )
                try:
                    content_type = self.headers.get("Content-Type", "")
                    status, payload = 200, fake._dispatch(method, url.path, params, body, raw, content_type)
                except _ApiError as exc:
                    status, payload = exc.code, exc.body
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

        return Handler
