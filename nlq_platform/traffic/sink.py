"""Posting records to the ingest service in batches (the backfill's way in).

gzip-compressed JSON arrays with an ``Idempotency-Key`` that stays the same across retries, so a
batch whose answer was lost is not stored twice. Transient failures (connection refused while the
service starts, 503 + Retry-After, 429) are retried with backoff; anything else is a
:class:`TrafficError` that says what to do.
"""

from __future__ import annotations

import gzip
import time
import uuid
from typing import Any

import httpx
import orjson


class TrafficError(Exception):
    """A problem the user can act on (unreachable service, wrong key); shown as one line."""


class IngestSink:
    def __init__(
        self,
        url: str,
        api_key: str | None,
        *,
        batch_size: int = 5000,
        timeout: float = 30.0,
        retries: int = 8,
    ) -> None:
        self.url = url.rstrip("/")
        self.batch_size = batch_size
        self.retries = retries
        headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self.client = httpx.Client(timeout=timeout, headers=headers)
        self.rejected = 0

    def send(self, records: list[dict[str, Any]]) -> int:
        """Store ``records``; returns how many the service accepted."""
        accepted = 0
        for i in range(0, len(records), self.batch_size):
            accepted += self._post(records[i : i + self.batch_size])
        return accepted

    def _post(self, batch: list[dict[str, Any]]) -> int:
        body = gzip.compress(orjson.dumps(batch), compresslevel=3, mtime=0)
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        why = ""
        for attempt in range(self.retries + 1):
            delay = min(8.0, 0.25 * 2**attempt)
            try:
                resp = self.client.post(f"{self.url}/logs", content=body, headers=headers)
            except httpx.TransportError as exc:
                why = f"the ingest service at {self.url} is not reachable ({type(exc).__name__})"
            else:
                if resp.status_code < 300:
                    answer = resp.json()
                    self.rejected += len(answer.get("rejected") or ())
                    return int(answer.get("accepted", 0))
                if resp.status_code == 401:
                    raise TrafficError(
                        f"the ingest service at {self.url} refused the API key "
                        "(pass --api-key, or the key in .nlq/ingest.key that `nlq demo` generates)"
                    )
                if resp.status_code == 403:
                    raise TrafficError(
                        "the API key is bound to one service; demo traffic needs a key for any service (key=*)"
                    )
                why = f"the ingest service answered HTTP {resp.status_code}: {resp.text[:200]}"
                if resp.status_code not in (408, 429, 502, 503, 504):
                    raise TrafficError(why)
                retry_after = resp.headers.get("retry-after", "")
                if retry_after.isdigit():
                    delay = max(delay, float(retry_after))
            if attempt < self.retries:
                time.sleep(delay)
        raise TrafficError(f"{why}; gave up after {self.retries + 1} attempts")

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> IngestSink:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
