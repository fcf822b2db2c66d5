"""System A on Dagster, in-process against the real test PostgreSQL: definitions load, every
asset materialises, checks pass, the schema-change sensor fires on ALTER TABLE, the eval gate."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import dagster as dg
import pytest

from nlq_platform.db.migrate import migrate
from nlq_platform.defs.definitions import defs
from nlq_platform.defs.metadata.sensors import schema_change_sensor
from nlq_platform.defs.resources import AlertNotifier, BigQuerySource, MetadataCache, NlqDatabase
from nlq_platform.evaluation.dataset import load
from nlq_platform.metadata.alerts import Notifier
from tests.conftest import run_sql
from tests.support.pg import INGEST_PASSWORD, READER_PASSWORD, TestPostgres, free_port


@pytest.fixture(scope="module")
def logs_dsn(pg: TestPostgres) -> str:
    dsn = pg.create_database("nlq_dagster")
    asyncio.run(migrate(dsn, INGEST_PASSWORD, READER_PASSWORD))
    asyncio.run(load(dsn))
    return dsn


@pytest.fixture(scope="module")
def resources(logs_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dg.ConfigurableResource]:
    home = tmp_path_factory.mktemp("nlq-dagster-home")
    return {
        "nlq_db": NlqDatabase(
            database_url=logs_dsn,
            reader_password=READER_PASSWORD,
            ingest_password=INGEST_PASSWORD,
            home=str(home),
        ),
        "bigquery_source": BigQuerySource(),
        "metadata_cache_store": MetadataCache(uri=(home / "metadata_cache.json").as_uri()),
        "alert_notifier": AlertNotifier(),
    }


def test_definitions_load() -> None:
    dg.Definitions.validate_loadable(defs)
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert keys == {
        "schema_snapshot",
        "value_catalog",
        "few_shot_examples",
        "metadata_cache",
        "nlq_eval",
        "log_partitions",
        "logs_archive",
    }
    assert defs.get_schedule_def("daily_metadata_refresh").cron_schedule == "0 17 * * *"
    assert defs.get_sensor_def("schema_change_sensor") and defs.get_sensor_def("run_failure_alert")


def test_metadata_graph_materialises_and_checks_pass(resources: dict, tmp_path: Path) -> None:
    from nlq_platform.defs.metadata.assets import METADATA_ASSETS
    from nlq_platform.defs.metadata.checks import METADATA_CHECKS

    result = dg.materialize([*METADATA_ASSETS, *METADATA_CHECKS], resources=resources)
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {
        "snapshot_has_key_columns": True,
        "cache_is_fresh": True,
        "cached_examples_execute": True,
    }
    cache_path = Path(resources["nlq_db"].home) / "metadata_cache.json"
    document = json.loads(cache_path.read_text())
    assert document["schema"]["table_id"] == "logs" and len(document["schema"]["columns"]) == 21
    assert document["examples"] and document["catalog"]["logs"]["service"]
    assert document["fingerprint"]


def _tick(cursor: str | None, resources: dict) -> dg.SensorResult | dg.SkipReason:
    with dg.build_sensor_context(cursor=cursor, resources=resources) as context:
        return schema_change_sensor(context)


def test_schema_change_sensor(resources: dict, logs_dsn: str) -> None:
    sensor_resources = {k: resources[k] for k in ("nlq_db", "bigquery_source")}
    first = _tick(None, sensor_resources)
    assert isinstance(first, dg.SensorResult) and not first.run_requests and first.cursor
    assert isinstance(_tick(first.cursor, sensor_resources), dg.SkipReason)
    run_sql(logs_dsn, "ALTER TABLE logs ADD COLUMN region VARCHAR(50)")
    try:
        changed = _tick(first.cursor, sensor_resources)
        assert isinstance(changed, dg.SensorResult) and len(changed.run_requests) == 1
        assert changed.cursor != first.cursor
        assert changed.run_requests[0].tags["nlq/changed_tables"] == "logs"
    finally:
        run_sql(logs_dsn, "ALTER TABLE logs DROP COLUMN region")


def test_eval_asset_and_its_gate(resources: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    from nlq_platform.defs.evaluation.assets import nlq_eval
    from nlq_platform.defs.evaluation.checks import eval_meets_threshold, eval_wrong_rate_within_limit

    checks = [eval_meets_threshold, eval_wrong_rate_within_limit]
    result = dg.materialize([nlq_eval, *checks], resources={"nlq_db": resources["nlq_db"]})
    assert result.success
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert all(e.passed for e in evaluations.values()), {k: e.metadata for k, e in evaluations.items()}
    metadata = result.asset_materializations_for_node("nlq_eval")[0].metadata
    assert metadata["strict"].value == "76/76"
    assert metadata["scenarios_ko"].value == "38 correct · 0 refused · 0 wrong"
    assert "unanswerable_en" in metadata and "| unanswerable | en |" in metadata["judged"].value

    monkeypatch.setenv("NLQ_EVAL_THRESHOLD", "1.01")  # unreachable: the gate must fail the run
    monkeypatch.setenv("NLQ_EVAL_MAX_WRONG_RATE", "0")
    monkeypatch.setenv("NLQ_ENGINE", "offline")
    failing = dg.materialize(
        [nlq_eval, *checks],
        resources={"nlq_db": resources["nlq_db"]},
        raise_on_error=False,
        run_config={"ops": {"nlq_eval": {"config": {"sets": ["scenarios", "heldout5"]}}}},
    )
    evaluations = {e.check_name: e for e in failing.get_asset_check_evaluations()}
    assert not evaluations["eval_meets_threshold"].passed
    # heldout5 has a few wrong answers (see README): with no wrong answer allowed the check fails
    assert not evaluations["eval_wrong_rate_within_limit"].passed
    assert "heldout5/" in evaluations["eval_wrong_rate_within_limit"].metadata["over_limit"].value


class _Webhook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Webhook.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_notifier_posts_to_a_real_webhook() -> None:
    server = HTTPServer(("127.0.0.1", free_port()), _Webhook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/hook"
        assert Notifier(webhook_url=url).send("system_a_failure", "run failed", run_id="r1")
        assert _Webhook.received[-1]["type"] == "system_a_failure" and _Webhook.received[-1]["run_id"] == "r1"
        assert not Notifier(webhook_url=f"http://127.0.0.1:{free_port()}/down").send("x", "unreachable")
        assert not Notifier().send("x", "log only")
    finally:
        server.shutdown()


@pytest.fixture
def gcs_bucket() -> Iterator[str]:
    """A real gcp-storage-emulator server and a bucket in it (STORAGE_EMULATOR_HOST set)."""
    from gcp_storage_emulator.server import create_server
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    port = free_port()
    server = create_server("127.0.0.1", port, in_memory=True)
    server.start()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STORAGE_EMULATOR_HOST", f"http://127.0.0.1:{port}")
        storage.Client(project="nlq-test", credentials=AnonymousCredentials()).create_bucket(
            "nlq-metadata-cache"
        )
        yield "nlq-metadata-cache"
    server.stop()


def test_bigquery_tables_and_a_gcs_cache_through_dagster_gcp(resources: dict, gcs_bucket: str) -> None:
    from dagster_gcp import BigQueryResource, GCSResource
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    from nlq_platform.defs.metadata.assets import METADATA_ASSETS
    from tests.support.fake_bigquery import FakeBigQuery

    recorded = json.loads((Path(__file__).parent / "fixtures/bigquery/ga4_events_20210131.json").read_text())
    with FakeBigQuery(recorded) as fake:
        table_id = "nlq-ex.test_dataset.events_20210131"
        result = dg.materialize(
            METADATA_ASSETS,
            resources={
                **resources,
                "bigquery_source": BigQuerySource(
                    tables=table_id, bigquery=BigQueryResource(project="nlq-ex"), api_endpoint=fake.endpoint
                ),
                "metadata_cache_store": MetadataCache(
                    uri=f"gs://{gcs_bucket}/metadata_cache.json", gcs=GCSResource(project="nlq-test")
                ),
            },
        )
    assert result.success
    snapshot = result.output_for_node("schema_snapshot")
    tables = {t["table_id"]: t for t in snapshot["tables"]}
    assert set(tables) == {"logs", table_id}
    assert any(c["name"] == "event_params.value.string_value" for c in tables[table_id]["columns"])

    client = storage.Client(project="nlq-test", credentials=AnonymousCredentials())
    blob = client.bucket(gcs_bucket).get_blob("metadata_cache.json")
    assert blob.content_type == "application/json"
    assert set(blob.metadata) >= {"generated_at", "schema_table", "examples_count"}
    assert table_id in blob.metadata["schema_table"]
    document = json.loads(blob.download_as_text())
    assert document["fingerprint"] and len(document["schema"]["tables"]) == 2


def test_run_failure_sensor_alerts_through_the_webhook() -> None:
    server = HTTPServer(("127.0.0.1", free_port()), _Webhook)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    @dg.op
    def broken() -> None:
        raise RuntimeError("schema fetch exploded")

    @dg.job
    def failing_job() -> None:
        broken()

    try:
        instance = dg.DagsterInstance.ephemeral()
        result = failing_job.execute_in_process(instance=instance, raise_on_error=False)
        failure = next(e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE")
        notifier = AlertNotifier(webhook_url=f"http://127.0.0.1:{server.server_port}/hook")
        with dg.build_run_status_sensor_context(
            sensor_name="run_failure_alert",
            dagster_event=failure,
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            resources={"alert_notifier": notifier},
        ) as context:
            from nlq_platform.defs.alerts.sensors import run_failure_alert

            run_failure_alert(context.for_run_failure())
        alert = _Webhook.received[-1]
        assert alert["type"] == "system_a_failure" and alert["job"] == "failing_job"
        assert alert["run_id"] == result.run_id
    finally:
        server.shutdown()


def test_nlq_metadata_refresh_uses_the_postgres_instance(logs_dsn: str, tmp_path: Path) -> None:
    """The CLI materialises the graph on a Dagster instance stored in PostgreSQL (dagster.yaml)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("NLQ_", "DAGSTER_"))}
    env.update(
        NLQ_HOME=str(tmp_path),
        NLQ_DATABASE_URL=logs_dsn,
        NLQ_READER_DB_PASSWORD=READER_PASSWORD,
        NLQ_INGEST_DB_PASSWORD=INGEST_PASSWORD,
    )
    nlq = str(Path(sys.executable).parent / "nlq")
    result = subprocess.run([nlq, "metadata", "refresh", "--skip-eval"], env=env, capture_output=True,
                            text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "materialised metadata_cache" in result.stdout
    assert "check metadata_cache:cache_is_fresh passed" in result.stdout
    assert (tmp_path / "metadata_cache.json").exists()
    runs = run_sql(logs_dsn.rsplit("/", 1)[0] + "/dagster", "SELECT count(*) AS n FROM runs")
    assert runs[0]["n"] >= 1
