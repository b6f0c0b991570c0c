"""The CRM export's refusals and files: what it must not send, where it may
write and remove, and what it keeps.

No dbt build: each test makes a small DuckDB file holding the two tables the
export reads (the sync model's columns it uses, and the mapping seed), so
every failure mode is tried in well under a second. The export on the real
model is tested in test_crm_sync.py.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from lead_scoring import build_check, crm_export

MAPPINGS = [
    ("salesforce", "crm_lead_id", "Id"),
    ("salesforce", "lead_score", "Lead_Score__c"),
    ("hubspot", "email", "Email"),
    ("hubspot", "lead_score", "lead_scoring_score"),
]


def warehouse(
    path: Path,
    scores: dict[str, float],
    mappings: Iterable[tuple[str, str, str]] = MAPPINGS,
    scored_as_of: datetime = datetime(2026, 3, 1),
    objects: dict[str, str] | None = None,
    emails: dict[str, str | None] | None = None,
) -> Path:
    """A DuckDB file with the sync model holding one upsert per lead and
    CRM of `mappings` (each a `lead` record with the lead's id, unless
    `objects` says otherwise), and the mapping seed."""
    crms = sorted({crm for crm, _, _ in mappings})
    objects = objects or {}
    emails = emails or {}
    with duckdb.connect(str(path)) as connection:
        connection.execute("drop table if exists sync_crm_lead_scores")
        connection.execute(
            "create table sync_crm_lead_scores (crm varchar, crm_lead_id varchar,"
            " crm_object varchar, crm_record_id varchar, email varchar,"
            " lead_score integer, scored_as_of timestamp,"
            " sync_action varchar, change_hash varchar)"
        )
        connection.executemany(
            "insert into sync_crm_lead_scores"
            " values (?, ?, ?, ?, ?, ?, ?, 'upsert', ?)",
            [
                (
                    crm,
                    lead,
                    objects.get(lead, "lead"),
                    lead,
                    emails.get(lead, f"{lead}@example.com"),
                    score,
                    scored_as_of,
                    f"{lead}:{score}",
                )
                for crm in crms
                for lead, score in sorted(scores.items())
            ],
        )
        connection.execute("drop table if exists crm_field_mappings")
        connection.execute(
            "create table crm_field_mappings"
            " (crm varchar, project_column varchar, crm_field varchar)"
        )
        connection.executemany(
            "insert into crm_field_mappings values (?, ?, ?)", list(mappings)
        )
    return path


def export(db: Path, out: Path, **options) -> list[crm_export.CrmExport]:
    with duckdb.connect(str(db)) as connection:
        return crm_export.export_all(connection, out, **options)


def mark_sent(db: Path) -> Path:
    """What a build does after an export: the model holds only the leads whose
    values differ from what the sync state says was sent."""
    with duckdb.connect(str(db)) as connection:
        crm_export.ensure_state_tables(connection, "crm_sync")
        connection.execute(
            "delete from sync_crm_lead_scores where (crm, crm_lead_id, change_hash)"
            " in (select crm, crm_lead_id, change_hash from crm_sync.crm_sync_state)"
        )
    return db


def folders(crm_dir: Path) -> set[str]:
    return {path.name for path in crm_dir.iterdir()} if crm_dir.exists() else set()


@pytest.mark.parametrize(
    "name", ["../victim", "/tmp/victim", "sales force", "Salesforce", "a/b", ""]
)
def test_a_crm_name_that_is_no_plain_identifier_is_refused(tmp_path, name):
    victim = tmp_path / "victim"
    (victim / "keep").mkdir(parents=True)
    db = warehouse(
        tmp_path / "w.duckdb",
        {"L1": 10.0},
        [(name, "crm_lead_id", "Id"), (name, "lead_score", "Score")],
    )
    out = tmp_path / "exports"
    with pytest.raises(SystemExit, match="not a plain identifier"):
        export(db, out)
    assert (victim / "keep").is_dir()
    assert not out.exists()


def test_a_crm_without_a_key_field_is_refused(tmp_path):
    db = warehouse(
        tmp_path / "w.duckdb",
        {"L1": 10.0},
        [*MAPPINGS, ("pipedrive", "lead_score", "score")],
    )
    out = tmp_path / "exports"
    with pytest.raises(SystemExit, match="pipedrive maps no key field"):
        export(db, out)
    assert not out.exists()


def test_paths_outside_the_output_folder_are_refused(tmp_path):
    out = tmp_path / "exports"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "salesforce").symlink_to(elsewhere)
    db = warehouse(tmp_path / "w.duckdb", {"L1": 10.0})
    with pytest.raises(SystemExit, match="outside"):
        export(db, out, crms=["salesforce"])
    assert list(elsewhere.iterdir()) == []


def test_committed_exports_survive_an_export_from_a_fresh_state(tmp_path):
    """`make clean` drops the warehouse and its sync state; the export folders
    already committed (and perhaps imported) must stay."""
    out = tmp_path / "exports"
    db = warehouse(tmp_path / "w.duckdb", {"L1": 10.0, "L2": 20.0})
    first = export(db, out)
    (tmp_path / "w.duckdb").unlink()  # the state is gone with the file
    fresh = warehouse(tmp_path / "w.duckdb", {"L1": 11.0, "L2": 20.0})
    second = export(fresh, out)
    for before, after in zip(first, second, strict=True):
        crm_dir = out / before.crm
        assert {before.export_id, after.export_id} <= folders(crm_dir)
        assert (crm_dir / before.export_id / "committed.json").exists()


def test_a_change_made_again_after_a_revert_is_written_again(tmp_path):
    """Edit, export; revert, export; edit again, export: the third export
    carries the same rows as the first, and must still be written."""
    out = tmp_path / "exports"
    db = tmp_path / "w.duckdb"
    ids = []
    for score in (10.0, 12.0, 10.0):
        mark_sent(warehouse(db, {"L1": score}))
        [result] = export(db, out, crms=["salesforce"])
        assert result.rows == 1 and not result.reused, result
        ids.append(result.export_id)
    assert len(set(ids)) == 3, ids
    assert folders(out / "salesforce") == set(ids)


def test_folders_that_are_not_exports_are_left_alone(tmp_path):
    out = tmp_path / "exports"
    notes = out / "salesforce" / "notes"
    notes.mkdir(parents=True)
    odd = out / "salesforce" / ".pending-not-an-id"
    odd.mkdir()
    db = warehouse(tmp_path / "w.duckdb", {"L1": 10.0})
    [result] = export(db, out, crms=["salesforce"])
    assert notes.is_dir() and odd.is_dir()
    assert folders(out / "salesforce") == {"notes", odd.name, result.export_id}


def test_scores_older_than_those_sent_are_refused_unless_asked(tmp_path):
    """A build as of a past date on the live warehouse must not overwrite the
    CRM with old scores, for any CRM, without being asked."""
    out = tmp_path / "exports"
    db = warehouse(
        tmp_path / "w.duckdb", {"L1": 10.0}, scored_as_of=datetime(2026, 6, 1)
    )
    export(db, out)
    before = sorted(out.rglob("*"))
    warehouse(db, {"L1": 7.0}, scored_as_of=datetime(2026, 3, 1))
    with pytest.raises(SystemExit, match="older than those already sent"):
        export(db, out)
    assert sorted(out.rglob("*")) == before
    results = export(db, out, allow_older_scores=True)
    assert all(result.committed for result in results)


def test_each_salesforce_object_gets_its_own_files(tmp_path):
    """Leads and contacts are updated through different objects: one file
    series per object, each named in the manifest."""
    db = warehouse(
        tmp_path / "w.duckdb",
        {"00Q1": 10, "00Q2": 20, "0031": 30},
        objects={"0031": "contact"},
    )
    out = tmp_path / "exports"
    [result] = export(db, out, crms=["salesforce"])
    assert [path.name for path in result.files] == [
        "contact_batch_0001.csv",
        "lead_batch_0001.csv",
    ]
    ids = {path.name: path.read_text().split()[1:] for path in result.files}
    assert ids["contact_batch_0001.csv"] == ["0031,30"]
    assert ids["lead_batch_0001.csv"] == ["00Q1,10", "00Q2,20"]
    manifest = json.loads((result.files[0].parent / "manifest.json").read_text())
    assert {f["file"]: f["object"] for f in manifest["files"]} == {
        "contact_batch_0001.csv": "contact",
        "lead_batch_0001.csv": "lead",
    }


def test_rows_without_a_key_value_are_left_out_and_stay_pending(tmp_path):
    """HubSpot matches on email: a lead without one is counted, not written
    and not recorded as sent."""
    db = warehouse(tmp_path / "w.duckdb", {"L1": 10, "L2": 20}, emails={"L2": None})
    out = tmp_path / "exports"
    [result] = export(db, out, crms=["hubspot"])
    assert (result.rows, result.unmatched) == (1, 1)
    manifest = json.loads((result.files[0].parent / "manifest.json").read_text())
    assert manifest["left_out_without_key"] == 1
    with duckdb.connect(str(db)) as connection:
        sent = connection.execute(
            "select crm_lead_id from crm_sync.crm_sync_state"
        ).fetchall()
    assert sent == [("L1",)]


@pytest.mark.parametrize(
    ("crm", "value", "written"),
    [
        ("hubspot", datetime(2026, 6, 1, 13, 5), "2026-06-01"),
        ("salesforce", datetime(2026, 6, 1, 13, 5), "2026-06-01T13:05:00Z"),
        ("hubspot", 1e-05, "0.00001"),
        ("salesforce", 2.5e20, "250000000000000000000"),
        ("salesforce", None, "#N/A"),
        ("hubspot", None, ""),
        ("hubspot", True, "true"),
    ],
)
def test_values_are_written_as_each_crm_imports_them(crm, value, written):
    assert crm_export.format_value(value, crm, "csv") == written


def test_a_sync_state_from_an_older_release_gets_the_new_columns(tmp_path):
    db = warehouse(tmp_path / "w.duckdb", {"L1": 10})
    with duckdb.connect(str(db)) as connection:
        connection.execute("create schema crm_sync")
        connection.execute(
            "create table crm_sync.crm_sync_state (crm varchar, crm_lead_id varchar,"
            " email varchar, change_hash varchar, sync_action varchar,"
            " export_id varchar, exported_at timestamp)"
        )
        connection.execute(
            "insert into crm_sync.crm_sync_state values"
            " ('salesforce', 'L0', null, 'h', 'upsert', 'e', null)"
        )
    [result] = export(db, tmp_path / "exports", crms=["salesforce"])
    assert result.committed
    with duckdb.connect(str(db)) as connection:
        rows = connection.execute(
            "select crm_lead_id, lead_score from crm_sync.crm_sync_state"
            " order by crm_lead_id"
        ).fetchall()
    assert rows == [("L0", None), ("L1", 10)]


def test_a_spark_build_is_not_exported(tmp_path):
    from export_crm_sync import connect

    build = build_check.BuildCheck(state_schema="crm_sync", adapter_type="spark")
    with pytest.raises(SystemExit, match="ran on spark"):
        connect(build, argparse.Namespace(database=None, target=None, dry_run=False))


# The last build, as dbt's artifacts describe it: seed -> model -> sync, a data
# test on the model, a unit test on the sync, and the sync state's source.
SYNC = "model.lead_scoring.sync_crm_lead_scores"
UPSTREAM = {
    "seed.lead_scoring.crm_field_mappings": [],
    "model.lead_scoring.lead_scores": ["seed.lead_scoring.crm_field_mappings"],
    SYNC: ["model.lead_scoring.lead_scores", build_check.STATE_SOURCE],
    "test.lead_scoring.not_null_lead_scores_lead_id": [
        "model.lead_scoring.lead_scores"
    ],
    "unit_test.lead_scoring.sync_crm_lead_scores.upserts": [SYNC],
    "model.lead_scoring.account_scores": [],  # not upstream: never checked
}


def artifacts(target: Path, statuses: dict[str, str], command: str = "build") -> Path:
    target.mkdir(parents=True, exist_ok=True)
    nodes = {
        unique_id: {
            "resource_type": unique_id.split(".")[0],
            "name": unique_id.split(".")[-1],
            "config": {"enabled": True},
        }
        for unique_id in UPSTREAM
    }
    manifest = {
        "nodes": nodes,
        "sources": {build_check.STATE_SOURCE: {"schema": "sync_prod"}},
        "parent_map": {**UPSTREAM, build_check.STATE_SOURCE: []},
    }
    (target / "manifest.json").write_text(json.dumps(manifest))
    results = [
        {"unique_id": unique_id, "status": status}
        for unique_id, status in statuses.items()
    ]
    (target / "run_results.json").write_text(
        json.dumps({"args": {"which": command}, "results": results})
    )
    return target


ALL_PASSED = {
    "seed.lead_scoring.crm_field_mappings": "success",
    "model.lead_scoring.lead_scores": "success",
    "test.lead_scoring.not_null_lead_scores_lead_id": "pass",
    SYNC: "success",
}


def test_a_build_that_passed_gives_the_state_schema_it_read(tmp_path):
    statuses = {
        **ALL_PASSED,
        "unit_test.lead_scoring.sync_crm_lead_scores.upserts": "pass",
        "model.lead_scoring.account_scores": "error",  # not upstream
    }
    check = build_check.check_last_build(artifacts(tmp_path, statuses))
    assert check.state_schema == "sync_prod"
    # Unit tests may be left out of a build; a warning does not stop it.
    warned = {**ALL_PASSED, "test.lead_scoring.not_null_lead_scores_lead_id": "warn"}
    assert build_check.check_last_build(artifacts(tmp_path, warned))


@pytest.mark.parametrize(
    ("statuses", "message"),
    [
        (
            {**ALL_PASSED, "test.lead_scoring.not_null_lead_scores_lead_id": "fail"},
            r"did not pass .*not_null_lead_scores_lead_id \(fail\)",
        ),
        (
            {**ALL_PASSED, "model.lead_scoring.lead_scores": "error", SYNC: "skipped"},
            r"lead_scores \(error\), sync_crm_lead_scores \(skipped\)",
        ),
        (
            {
                **ALL_PASSED,
                "unit_test.lead_scoring.sync_crm_lead_scores.upserts": "fail",
            },
            r"upserts \(fail\)",
        ),
        (
            {
                key: value
                for key, value in ALL_PASSED.items()
                if not key.startswith("test.")
            },
            r"without checking .*not_null_lead_scores_lead_id",
        ),
        (
            {"model.lead_scoring.account_scores": "success"},
            r"did not build sync_crm_lead_scores",
        ),
    ],
    ids=[
        "failed_test",
        "error_and_skip",
        "failed_unit_test",
        "tests_not_run",
        "not_built",
    ],
)
def test_an_export_is_refused_after_a_build_that_did_not_pass(
    tmp_path, statuses, message
):
    with pytest.raises(SystemExit, match=message):
        build_check.check_last_build(artifacts(tmp_path, statuses))


def test_no_artifacts_means_no_export(tmp_path):
    with pytest.raises(SystemExit, match="run `dbt build`"):
        build_check.check_last_build(tmp_path / "target")
