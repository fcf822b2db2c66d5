"""Demo traffic: simulated users of the web app and the services behind it (``nlq demo traffic``).

Pure logic plus an HTTP sink, importable without FastAPI:

* :mod:`~nlq_platform.traffic.vocabulary` — services, routes, error types, stack traces (the
  evaluation dataset's vocabulary, so the catalog and the offline engine's glossary fit);
* :mod:`~nlq_platform.traffic.sessions` — a user's visit as a generator of steps (log, wait,
  call a backend), shared by the backfill and the live driver;
* :mod:`~nlq_platform.traffic.backend` — what a backend logs for a request it serves;
* :mod:`~nlq_platform.traffic.backfill` — the last N hours in virtual time, deterministic per seed;
* :mod:`~nlq_platform.traffic.live` — the same sessions in real time, calling payment-api over HTTP;
* :mod:`~nlq_platform.traffic.sink` — batches to the ingest service.
"""
