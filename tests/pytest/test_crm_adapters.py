"""CRM connectors, integration-test style: small tables in the column
names Fivetran's HubSpot, Salesforce and Marketo connectors load
(`connector_data/<connector>/<table>.csv`) are loaded into a DuckDB schema
named like the connector's, and `dbt build` with the adapter switched on
must score the expected leads, pass every data test (reconciliation
included) and report the rows it cannot use.

No raw contract files are given: with an adapter on, none are read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
from conftest import build

pytestmark = pytest.mark.slow

CONNECTOR_DATA = Path(__file__).parent / "connector_data"


@dataclass(frozen=True)
class Expected:
    """What the fixture of one connector must build to."""

    leads: set[str]
    reasons: dict[str, str]  # lead -> a reason its top_reasons must name
    with_opportunity: set[str]
    disqualified: dict[str, str]  # lead -> disqualification_reason
    quarantined: set[tuple[str, str]]  # (record_id, reason_code)
    activities: set[tuple[str, str]] = field(default_factory=set)  # (lead, type)
    emails: dict[str, str] = field(default_factory=dict)
    # lead -> (object, record id) its Salesforce sync row updates
    salesforce_records: dict[str, tuple[str, str]] = field(default_factory=dict)


EXPECTED = {
    "hubspot": Expected(
        # 104 is deleted in HubSpot (_fivetran_deleted)
        leads={"101", "102", "103"},
        reasons={
            "101": "Requested a demo",  # form titled "Request a demo"
            "102": "Email bounced",  # email_event BOUNCE
        },
        # deal 501 (closed won, contact 101), deal 502 (open, contact 103);
        # deal 503 is deleted
        with_opportunity={"101", "103"},
        disqualified={"102": "Email address bounces; Student or intern"},
        quarantined={
            ("email_event:e4", "missing_lead_id"),  # recipient is no contact
            ("engagement:9003:103", "unknown_activity_type"),  # a meeting
        },
        activities={
            ("101", "email_send"),
            ("101", "email_open"),  # recipient matched whatever its case
            ("101", "email_click"),
            ("103", "content_download"),  # "Download the ebook"
            ("103", "email_reply"),  # INCOMING_EMAIL engagement
        },
        emails={"101": "ana.silva@northwind.io"},
    ),
    "salesforce": Expected(
        # 00Q...4 is deleted; contact 003...1 is lead 00Q...1 converted;
        # contact 003...2 never was a lead, so it is scored as one
        leads={"00Q000000000001AAA", "00Q000000000002AAA", "00Q000000000003AAA"}
        | {"003000000000002AAA"},
        reasons={"003000000000002AAA": "Director-level title"},
        activities={
            ("00Q000000000001AAA", "webinar_attended"),  # status Attended
            ("003000000000002AAA", "webinar_registration"),  # Registered
        },
        with_opportunity={"00Q000000000001AAA"},
        disqualified={
            "00Q000000000002AAA": "Student or intern",
            # status "Closed - Not Converted" is a rejection by sales
            "00Q000000000003AAA": "Rejected by sales",
        },
        # a converted lead's scores go to the Contact it became; a contact
        # never converted from a lead is a Contact; the rest are Leads
        salesforce_records={
            "00Q000000000001AAA": ("contact", "003000000000001AAA"),
            "00Q000000000002AAA": ("lead", "00Q000000000002AAA"),
            "00Q000000000003AAA": ("lead", "00Q000000000003AAA"),
            "003000000000002AAA": ("contact", "003000000000002AAA"),
        },
        quarantined={
            ("task:00T000000000001AAA", "unknown_activity_type"),  # a call
            ("task:00T000000000002AAA", "unknown_activity_type"),  # an email
            ("campaign_member:00v000000000004AAA", "unknown_activity_type"),
        },
    ),
    "marketo": Expected(
        leads={"2001", "2002", "2003"},
        reasons={
            "2001": "Requested a demo",  # form "Demo Request Form"
        },
        activities={
            ("2001", "pricing_page_view"),  # webpage URL /pricing
            ("2001", "page_view"),
            ("2001", "email_send"),
            ("2001", "email_open"),
            ("2001", "email_click"),
            ("2003", "careers_page_view"),  # webpage URL /careers
            ("2003", "webinar_registration"),  # form "Webinar Signup - Q4"
        },
        with_opportunity=set(),
        disqualified={"2002": "Email address bounces"},
        quarantined={("unsubscribe_email:1", "unknown_lead")},  # lead 9999
    ),
}


def load_connector(db_path: Path, connector: str) -> dict[str, int]:
    """Load connector_data/<connector>/*.csv as tables of schema <connector>,
    typed as DuckDB reads them (booleans, timestamps, numbers)."""
    counts = {}
    with duckdb.connect(str(db_path)) as connection:
        connection.execute(f"create schema {connector}")
        for path in sorted((CONNECTOR_DATA / connector).glob("*.csv")):
            connection.execute(
                f"create table {connector}.{path.stem} as "
                "select * from read_csv(?, header = true)",
                [str(path)],
            )
            [(count,)] = connection.execute(
                f"select count(*) from {connector}.{path.stem}"
            ).fetchall()
            counts[path.stem] = count
    return counts


@pytest.mark.parametrize("connector", sorted(EXPECTED))
def test_adapter_fixture_builds_to_the_expected_lead_scores(connector, tmp_path):
    expected = EXPECTED[connector]
    work_dir = tmp_path / "work"
    work_dir.mkdir()
    assert load_connector(work_dir / "lead_scoring.duckdb", connector)
    empty_raw_dir = tmp_path / "no_raw_files"
    empty_raw_dir.mkdir()

    result = build(
        work_dir,
        empty_raw_dir,
        dbt_vars={f"{connector}_enabled": True},
        unit_tests=False,
    )
    result.require_success()
    # The one warning a small fixture gives: weighted activity types it
    # never shows (every connector maps only some of them).
    unexpected = [
        r["unique_id"]
        for r in result.run.results("fail", "error", "warn")
        if not r["unique_id"].startswith(
            "test.lead_scoring.activity_weights__activity_type_seen_in_activities"
        )
    ]
    assert unexpected == []

    scores = {
        row["lead_id"]: row
        for row in result.query_dicts(
            "select lead_id, email, top_reasons, has_opportunity, "
            "disqualification_reason from lead_scores"
        )
    }
    assert set(scores) == expected.leads
    for lead_id, reason in expected.reasons.items():
        assert reason in scores[lead_id]["top_reasons"], scores[lead_id]
    assert {k for k, v in scores.items() if v["has_opportunity"]} == (
        expected.with_opportunity
    )
    assert {
        k: v["disqualification_reason"]
        for k, v in scores.items()
        if v["disqualification_reason"]
    } == expected.disqualified
    for lead_id, email in expected.emails.items():
        assert scores[lead_id]["email"] == email
    activities = set(
        result.query("select distinct lead_id, activity_type from fct_lead_activities")
    )
    assert expected.activities <= activities, expected.activities - activities
    quarantined = set(
        result.query("select record_id, reason_code from fct_data_quality_issues")
    )
    assert quarantined == expected.quarantined
    if expected.salesforce_records:
        records = {
            lead_id: (crm_object, record_id)
            for lead_id, crm_object, record_id in result.query(
                "select crm_lead_id, crm_object, crm_record_id"
                " from sync_crm_lead_scores where crm = 'salesforce'"
            )
        }
        assert records == expected.salesforce_records
    # The raw contract files were not read: no view over them was made.
    assert not result.query(
        "select table_name from information_schema.tables where table_schema = 'raw'"
    )
