"""BigQuery schema snapshot and change fingerprint, with the real ``google.cloud.bigquery.Client``
talking to a local fake of the BigQuery REST API (tests/support/fake_bigquery.py) that serves a
recorded GA4 export table (tests/fixtures/bigquery/ga4_events_20210131.json)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from google.cloud import bigquery

from nlq_platform.metadata.bigquery import (
    BigQueryTableNotFoundError,
    bigquery_columns_fingerprint,
    fetch_bigquery_snapshot,
    fetch_bigquery_table,
)
from nlq_platform.metadata.document import build_document
from nlq_platform.metadata.schema import Column
from nlq_platform.text_to_sql.anthropic_engine import render_table
from nlq_platform.text_to_sql.context import Context
from tests.support.fake_bigquery import FakeBigQuery, load_table

GA4 = "nlq-ex.test_dataset.events_20210131"


def _count_fields(fields: list[dict[str, Any]]) -> int:
    return sum(1 + _count_fields(f.get("fields", [])) for f in fields)


@pytest.fixture(scope="module")
def recorded() -> dict[str, Any]:
    return load_table("ga4_events_20210131")


@pytest.fixture(scope="module")
def fake(recorded: dict[str, Any]) -> Iterator[FakeBigQuery]:
    with FakeBigQuery(recorded) as server:
        yield server


@pytest.fixture(scope="module")
def client(fake: FakeBigQuery) -> bigquery.Client:
    return fake.client(project="nlq-ex")


@pytest.fixture
def own_fake(recorded: dict[str, Any]) -> Iterator[FakeBigQuery]:
    """A server of the test's own, for tests that modify the table."""
    with FakeBigQuery(recorded) as server:
        yield server


def test_nested_fields_are_flattened_to_dotted_paths(
    client: bigquery.Client, fake: FakeBigQuery, recorded: dict[str, Any]
) -> None:
    table = fetch_bigquery_table(client, GA4)

    assert table.table_id == GA4
    assert table.source == "bigquery"
    assert table.description == ""
    # every field, nested or not, exactly once; parents before their children
    assert len(table.columns) == _count_fields(recorded["schema"]["fields"])
    names = table.column_names
    assert len(set(names)) == len(names)
    assert names[:6] == (
        "event_date",
        "event_timestamp",
        "event_name",
        "event_params",
        "event_params.key",
        "event_params.value",
    )
    top_level = [n for n in names if "." not in n]
    assert top_level == [f["name"] for f in recorded["schema"]["fields"]]

    unnest = "[inside REPEATED event_params: UNNEST]"
    assert table.column("event_date") == Column(
        "event_date",
        "STRING",
        "NULLABLE",
        "The date when the event was logged (YYYYMMDD format in the registered timezone of your app).",
    )
    assert table.column("event_timestamp").type == "INTEGER"
    assert table.column("event_params") == Column(
        "event_params",
        "RECORD",
        "REPEATED",
        "A repeated record of the parameters associated with this event.",
    )
    assert table.column("event_params.key") == Column(
        "event_params.key", "STRING", "NULLABLE", f"The name of the event parameter. {unnest}"
    )
    assert table.column("event_params.value") == Column(
        "event_params.value", "RECORD", "NULLABLE", f"A record of the value. {unnest}"
    )
    for leaf, kind in [
        ("string_value", "STRING"),
        ("int_value", "INTEGER"),
        ("float_value", "FLOAT"),
        ("double_value", "FLOAT"),
    ]:
        column = table.column(f"event_params.value.{leaf}")
        assert (column.type, column.mode) == (kind, "NULLABLE")
        assert column.description.endswith(unnest)

    # a non-repeated RECORD: children are plain dotted paths, no UNNEST note
    assert table.column("device") == Column("device", "RECORD", "NULLABLE", "A record of device information.")
    assert table.column("device.web_info").type == "RECORD"
    assert table.column("device.web_info.browser") == Column(
        "device.web_info.browser", "STRING", "NULLABLE", "The browser in which the user viewed content."
    )
    assert table.column("device.time_zone_offset_seconds").type == "INTEGER"
    assert table.column("device.mobile_brand_name").description == ""  # None in the API → ""
    assert table.column("geo.country").description.startswith("The country")
    assert table.column("traffic_source.source").type == "STRING"
    assert table.column("ecommerce.purchase_revenue_in_usd").type == "FLOAT"
    assert table.column("privacy_info.analytics_storage").description == (
        "Whether Analytics storage is enabled for the user."
    )

    # the other REPEATED records, and a field without a description under one
    assert table.column("items").mode == "REPEATED"
    assert (
        table.column("items.quantity").description
        == "The quantity of the item. [inside REPEATED items: UNNEST]"
    )
    assert table.column("items.coupon").description == "[inside REPEATED items: UNNEST]"
    assert table.column("user_properties").mode == "REPEATED"
    assert table.column("user_properties.value.set_timestamp_micros").description.endswith(
        "[inside REPEATED user_properties: UNNEST]"
    )

    # one tables.get per fetch, on the documented path
    gets = fake.requests_to("GET", r"/tables/events_20210131$")
    assert (
        gets and gets[-1].path == "/bigquery/v2/projects/nlq-ex/datasets/test_dataset/tables/events_20210131"
    )


def test_dataset_relative_id_uses_the_clients_project(client: bigquery.Client) -> None:
    table = fetch_bigquery_table(client, "test_dataset.events_20210131")
    assert table.table_id == GA4


def test_unknown_table_is_a_clear_error(client: bigquery.Client) -> None:
    with pytest.raises(BigQueryTableNotFoundError) as caught:
        fetch_bigquery_table(client, "nlq-ex.test_dataset.events_20990101")
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.table_id == "nlq-ex.test_dataset.events_20990101"
    assert str(error) == (
        "BigQuery table 'nlq-ex.test_dataset.events_20990101' not found: "
        "Not found: Table nlq-ex:test_dataset.events_20990101"
    )

    with pytest.raises(ValueError, match=r"'nlq-ex\.no_such_dataset\.events' not found: Not found: Dataset"):
        fetch_bigquery_snapshot(client, [GA4, "nlq-ex.no_such_dataset.events"])


def test_fingerprint_is_stable_and_changes_when_a_column_is_added(own_fake: FakeBigQuery) -> None:
    client = own_fake.client()
    first = bigquery_columns_fingerprint(client, GA4)
    assert bigquery_columns_fingerprint(client, GA4) == first
    assert len(first) == 16

    # a metadata query with the table name as a parameter, not a tables.get
    posts = own_fake.requests_to("POST", r"/projects/nlq-ex/queries$")
    assert len(posts) == 2
    body = posts[0].body
    assert body["query"] == (
        "SELECT column_name, data_type, ordinal_position "
        "FROM `nlq-ex.test_dataset.INFORMATION_SCHEMA.COLUMNS` "
        "WHERE table_name = @t ORDER BY ordinal_position"
    )
    assert body["useLegacySql"] is False
    assert body["queryParameters"] == [
        {"name": "t", "parameterType": {"type": "STRING"}, "parameterValue": {"value": "events_20210131"}}
    ]
    assert not own_fake.requests_to("GET", r"/tables/")

    own_fake.add_column(GA4, {"name": "session_engaged", "type": "BOOLEAN", "mode": "NULLABLE"})
    second = bigquery_columns_fingerprint(client, GA4)
    assert second != first
    assert bigquery_columns_fingerprint(client, GA4) == second
    assert fetch_bigquery_table(client, GA4).column("session_engaged") == Column(
        "session_engaged", "BOOLEAN", "NULLABLE", ""
    )


def test_fingerprint_sees_a_nested_change(own_fake: FakeBigQuery) -> None:
    client = own_fake.client()
    before = bigquery_columns_fingerprint(client, GA4)

    resource = own_fake.table(GA4)
    device = next(f for f in resource["schema"]["fields"] if f["name"] == "device")
    web_info = next(f for f in device["fields"] if f["name"] == "web_info")
    web_info["fields"].append({"name": "hostname", "type": "STRING", "mode": "NULLABLE"})
    own_fake.put_table(resource)

    assert bigquery_columns_fingerprint(client, GA4) != before


def test_information_schema_rows_and_polling(recorded: dict[str, Any]) -> None:
    """The same fingerprint when the query is still running at first and the client must poll."""
    with FakeBigQuery(recorded) as quick, FakeBigQuery(recorded, pending_polls=2) as slow:
        expected = bigquery_columns_fingerprint(quick.client(), GA4)
        assert bigquery_columns_fingerprint(slow.client(), GA4) == expected
        assert len(slow.requests_to("GET", r"/queries/job_")) >= 2
        assert slow.requests_to("GET", r"/jobs/job_")

        config = bigquery.QueryJobConfig(
            query_parameters=[bigquery.ScalarQueryParameter("t", "STRING", "events_20210131")]
        )
        rows = list(
            quick.client().query_and_wait(
                "SELECT column_name, data_type, ordinal_position "
                "FROM `nlq-ex.test_dataset.INFORMATION_SCHEMA.COLUMNS` WHERE table_name = @t",
                job_config=config,
            )
        )
    by_name = {r["column_name"]: r for r in rows}
    assert len(rows) == len(recorded["schema"]["fields"])
    assert by_name["event_date"]["ordinal_position"] == 1
    assert by_name["event_timestamp"]["data_type"] == "INT64"
    assert by_name["event_params"]["data_type"] == (
        "ARRAY<STRUCT<key STRING, value STRUCT<string_value STRING, int_value INT64, "
        "float_value FLOAT64, double_value FLOAT64>>>"
    )


def test_fingerprint_of_a_missing_table(client: bigquery.Client) -> None:
    with pytest.raises(BigQueryTableNotFoundError, match=r"'nlq-ex\.test_dataset\.gone' not found"):
        bigquery_columns_fingerprint(client, "nlq-ex.test_dataset.gone")
    with pytest.raises(BigQueryTableNotFoundError, match="Not found: Dataset nlq-ex:elsewhere"):
        bigquery_columns_fingerprint(client, "nlq-ex.elsewhere.events_20210131")
    with pytest.raises(ValueError, match="not a plain BigQuery table id"):
        bigquery_columns_fingerprint(client, "nlq-ex.bad`name.events_20210131")


def test_snapshot_goes_through_the_cache_document(client: bigquery.Client) -> None:
    snapshot = fetch_bigquery_snapshot(client, [GA4])
    assert snapshot.dialect == "bigquery"

    examples = [
        {
            "question": "How many page_view events were there?",
            "sql": f"SELECT COUNT(*) FROM `{GA4}` WHERE event_name = 'page_view'",
            "table_id": GA4,
        }
    ]
    catalog = {GA4: {"event_name": [{"value": "page_view", "count": 9000}]}}
    doc = json.loads(json.dumps(build_document(snapshot, catalog, examples)))
    assert doc["schema"]["table_id"] == GA4
    assert doc["schema"]["dialect"] == "bigquery"
    assert len(doc["fingerprint"]) == 16

    context = Context.from_cache_document(copy.deepcopy(doc))
    assert context.schema == snapshot
    assert context.schema.dialect == "bigquery"
    table = context.schema.table("events_20210131")
    assert table is not None and table.source == "bigquery"
    assert table.column("event_params.value.string_value").type == "STRING"
    assert context.values("event_name") == ["page_view"]
    assert context.examples[0].table_id == GA4

    ddl = render_table(table, "bigquery")
    assert f"CREATE TABLE `{GA4}` (" in ddl
    assert (
        "event_params.key STRING,  -- The name of the event parameter. [inside REPEATED event_params: UNNEST]"
        in ddl
    )
