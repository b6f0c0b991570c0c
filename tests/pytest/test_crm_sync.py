"""The CRM sync: sync_crm_lead_scores and the export script.

One copy of the default build's DuckDB file (5,000 leads, as `make demo`
builds) is exported, its weights edited and rebuilt, and exported again:

- before any export the sync model holds every scored lead for each CRM;
- the export writes valid Salesforce Bulk API and HubSpot import CSVs, and a
  rerun with nothing changed writes nothing;
- a build as of the next day sends a small share of the leads (decay alone
  moves scores by less than the smallest move worth sending);
- after a weight edit and a rebuild the model holds exactly the leads whose
  synced values, as the CRM holds them, changed enough (checked against a
  second implementation of the rule here);
- an export that fails part-way (mid-batch, or after the files and before
  the state is committed) is retried without any lead written twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import (
    REPO_ROOT,
    Build,
    copy_project,
    edit_seed,
    query_dicts,
    run_dbt,
)
from lead_scoring import crm_export, forget

pytestmark = pytest.mark.slow

SYNC_SCOPE = [
    "build",
    "-s",
    "+sync_crm_lead_scores",
    "--exclude-resource-type",
    "unit_test",
]


def sync_rows(db_path: Path) -> list[dict[str, Any]]:
    return query_dicts(db_path, "select * from sync_crm_lead_scores")


def mapped_columns(db_path: Path) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for row in query_dicts(db_path, "select * from crm_field_mappings"):
        result.setdefault(row["crm"], []).append(row["project_column"])
    return result


def scores_by_lead(db_path: Path) -> dict[str, dict[str, Any]]:
    rows = query_dicts(db_path, "select * from lead_scores")
    return {row["lead_id"]: row for row in rows}


def export(db_path: Path, out: Path, **options: Any) -> list[crm_export.CrmExport]:
    with duckdb.connect(str(db_path)) as connection:
        return crm_export.export_all(connection, out, **options)


def exported_files(out: Path) -> dict[str, list[Path]]:
    """Batch files of finished exports, per CRM (pending folders left out)."""
    return {
        crm_dir.name: sorted(crm_dir.glob("[!.]*/*batch_*.*"))
        for crm_dir in sorted(out.iterdir())
    }


def whole(value: float | None) -> int | None:
    """A value as a CRM field holds it: rounded half away from zero, as SQL
    round() does (Python's round() rounds half to even)."""
    if value is None:
        return None
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def percent(probability: float | None) -> int | None:
    return None if probability is None else whole(100 * probability)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def sync_db(tmp_path_factory: pytest.TempPathFactory, default_build: Build) -> Path:
    """A private copy of the default build's database (this module writes
    sync state into it)."""
    default_build.require_success()
    work_dir = tmp_path_factory.mktemp("crm_sync")
    db_path = work_dir / "lead_scoring.duckdb"
    shutil.copy(default_build.db_path, db_path)
    return db_path


@pytest.fixture(scope="module")
def first_export(
    sync_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[list[dict[str, Any]], Path, list[crm_export.CrmExport]]]:
    """The sync model before any export, and the first export's results."""
    before = sync_rows(sync_db)
    out = tmp_path_factory.mktemp("exports")
    results = export(sync_db, out, batch_size=2000)
    yield before, out, results


def test_first_sync_holds_every_scored_lead_for_each_crm(first_export, sync_db):
    before, _, _ = first_export
    leads = set(scores_by_lead(sync_db))
    crms = set(mapped_columns(sync_db))
    assert crms == {"salesforce", "hubspot"}
    for crm in crms:
        rows = [row for row in before if row["crm"] == crm]
        assert {row["crm_lead_id"] for row in rows} == leads
        assert len(rows) == len(leads)
        assert {row["sync_action"] for row in rows} == {"upsert"}


def test_export_writes_valid_salesforce_and_hubspot_files(first_export, sync_db):
    _, out, results = first_export
    scores = scores_by_lead(sync_db)
    files = exported_files(out)
    assert {result.crm for result in results if result.committed} == set(files)

    # Salesforce: the sample's ids are no Contact ids, so every row updates
    # a Lead, in files named for the object.
    assert {path.name.split("_")[0] for path in files["salesforce"]} == {"lead"}
    salesforce = [row for path in files["salesforce"] for row in read_csv(path)]
    assert len(files["salesforce"]) == math.ceil(len(scores) / 2000)
    assert len(salesforce) == len(scores)
    header = list(salesforce[0])
    assert header[0] == "Id" and "Lead_Score__c" in header
    assert all(name == "Id" or name.endswith("__c") for name in header), header
    assert "Email" not in header  # Salesforce matches on Id; no PII beyond it
    for row in salesforce:
        score = scores[row["Id"]]
        assert row["Lead_Score__c"] == str(whole(score["lead_score"]))
        assert row["Sales_Ready__c"] == ("true" if score["is_sales_ready"] else "false")
        # A whole percent; Bulk API: #N/A empties a field
        probability = percent(score.get("conversion_probability"))
        assert row["Conversion_Probability__c"] == (
            "#N/A" if probability is None else str(probability)
        )
        assert re.fullmatch(
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", row["Lead_Score_Date__c"]
        )

    # HubSpot: keyed by email; a lead without one cannot be matched and is
    # left out, counted.
    hubspot = [row for path in files["hubspot"] for row in read_csv(path)]
    valid = {
        row["lead_id"]
        for row in query_dicts(sync_db, "select lead_id, is_email_valid from dim_leads")
        if row["is_email_valid"]
    }
    with_email = {s["email"]: s for s in scores.values() if s["lead_id"] in valid}
    [hubspot_result] = [r for r in results if r.crm == "hubspot"]
    assert len(hubspot) == len(with_email)
    assert hubspot_result.unmatched == len(scores) - len(with_email)
    assert next(iter(hubspot[0])) == "Email"
    for row in hubspot:
        score = with_email[row["Email"]]
        assert row["lead_scoring_score"] == str(whole(score["lead_score"]))
        assert row["lead_scoring_fit_grade"] in {"A", "B", "C", "D"}
        assert dt.date.fromisoformat(row["lead_scoring_scored_at"])
    personal = {"first_name", "last_name", "job_title", "company_name"}
    assert not personal & {name.lower() for name in hubspot[0]}

    manifests = {
        m["crm"]: m
        for m in (json.loads(p.read_text()) for p in out.glob("*/*/manifest.json"))
    }
    assert manifests["salesforce"]["rows"] == len(scores)
    assert manifests["hubspot"]["rows"] == len(with_email)
    assert manifests["hubspot"]["left_out_without_key"] == hubspot_result.unmatched
    assert manifests["hubspot"]["key_fields"] == ["Email"]


def test_the_sync_state_has_the_columns_the_export_writes(sync_db):
    """dbt's macro and the export define the state table alike."""
    columns = query_dicts(
        sync_db,
        "select column_name from information_schema.columns"
        " where table_schema = 'crm_sync' and table_name = 'crm_sync_state'",
    )
    assert {row["column_name"] for row in columns} == set(crm_export.STATE_COLUMNS)


def test_rerun_with_nothing_changed_writes_nothing(first_export, sync_db):
    _, out, _ = first_export
    before = sorted(out.rglob("*"))
    # Only HubSpot rows without a valid email stay pending: nothing can
    # match them until they have one.
    assert {(row["crm"], row["email"]) for row in sync_rows(sync_db)} == {
        ("hubspot", None)
    }
    results = export(sync_db, out)
    assert [result.rows for result in results] == [0, 0]
    assert sorted(out.rglob("*")) == before


def test_the_next_day_sends_a_small_share_and_clears_the_gone(
    first_export, sync_db, default_build
):
    """The next day's build: decay moves every active lead's score a little,
    one lead was deleted in the CRM and one merged into another. The build
    passes (the incremental activities forget the deleted lead), the sync
    sends a small share of the leads, and a clear for each lead gone; once
    exported, the deleted person can be forgotten. The sync state comes from
    an older release, without a column the build adds."""
    _, out, _ = first_export
    work_dir = out.parent / "next_day"
    raw_dir = work_dir / "raw"
    shutil.copytree(default_build.raw_dir, raw_dir)
    db_path = work_dir / "lead_scoring.duckdb"
    shutil.copy(sync_db, db_path)
    sent = {
        row["crm_lead_id"]: row
        for row in query_dicts(
            db_path,
            "select * from crm_sync.crm_sync_state"
            " where crm = 'salesforce' and sync_action = 'upsert'",
        )
    }
    valid = query_dicts(
        db_path,
        "select lead_id, email from dim_leads where is_email_valid order by lead_id",
    )
    deleted, merged, survivor = valid[0], valid[1], valid[2]
    assert {deleted["lead_id"], merged["lead_id"]} <= set(sent)
    with duckdb.connect() as connection:
        leads = raw_dir / "leads.parquet"
        connection.execute(
            f"copy (select * replace (case when lead_id = ? then ? else email end"
            f" as email) from '{leads}' where lead_id != ?)"
            f" to '{raw_dir / 'edited.parquet'}' (format parquet)",
            [merged["lead_id"], survivor["email"], deleted["lead_id"]],
        )
        (raw_dir / "edited.parquet").replace(leads)
    # A sync state from an older release lacks a column: the build adds it.
    with duckdb.connect(str(db_path)) as connection:
        connection.execute("alter table crm_sync.crm_sync_state drop column export_id")
    [scored] = query_dicts(db_path, "select max(scored_as_of) as day from lead_scores")
    next_day = (scored["day"] + dt.timedelta(days=1)).strftime("%Y-%m-%d")
    run = run_dbt(
        [
            "build",
            "--exclude-resource-type",
            "unit_test",
            "--vars",
            json.dumps({"lead_scoring__as_of_date": next_day}),
        ],
        work_dir=work_dir,
        raw_dir=raw_dir,
        db_path=db_path,
    )
    assert run.success, run.describe()

    assert query_dicts(db_path, "select export_id from crm_sync.crm_sync_state")
    rows = [row for row in sync_rows(db_path) if row["crm"] == "salesforce"]
    clears = {row["crm_lead_id"] for row in rows if row["sync_action"] == "clear"}
    # the deleted lead, and whichever of the two with one email the merge
    # kept out
    pair = {merged["lead_id"], survivor["lead_id"]}
    assert deleted["lead_id"] in clears
    assert len(clears & pair) == 1, clears
    gone = clears
    upserts = [row for row in rows if row["sync_action"] == "upsert"]
    leads = len(scores_by_lead(db_path))
    assert upserts, "a day of decay moved no lead enough to send"
    assert len(upserts) < 0.1 * leads, (len(upserts), leads)

    [salesforce] = export(db_path, work_dir / "exports", crms=["salesforce"])
    cleared = [
        row for path in salesforce.files for row in read_csv(path) if row["Id"] in gone
    ]
    assert {row["Lead_Score__c"] for row in cleared} == {"#N/A"}
    assert {row["Lead_Score_Status__c"] for row in cleared} == {"cleared"}

    # Forget the deleted person: refused while HubSpot still holds their
    # scores (only Salesforce was exported), then done.
    manifest = json.loads((run.target_path / "manifest.json").read_text())
    tables = forget.kept_tables(manifest, "crm_sync")
    relations = {table.relation for table in tables}
    assert {
        "lead_score_history",
        "int_activities_deduplicated",
        "lead_scores_snapshot",
        "crm_sync_state",
    } <= {relation.split(".")[-1] for relation in relations}, relations
    with duckdb.connect(str(db_path)) as connection:
        with pytest.raises(SystemExit, match="still holds scores"):
            forget.forget(connection, {deleted["lead_id"]}, tables, "crm_sync")
        counts = forget.forget(
            connection,
            {deleted["lead_id"]},
            tables,
            "crm_sync",
            keep_crm_values=True,
        )
    assert counts["main.lead_score_history"] > 0
    assert counts["main.lead_scores_snapshot"] > 0
    for relation in relations:
        column = "crm_lead_id" if relation.startswith("crm_sync.") else "lead_id"
        assert not query_dicts(
            db_path,
            f"select 1 from {relation} where {column} = ?",
            [deleted["lead_id"]],
        ), relation


def test_weight_change_syncs_only_the_changed_leads(
    first_export, sync_db, default_raw_dir, tmp_path
):
    _, out, _ = first_export
    old_scores = scores_by_lead(sync_db)
    project = copy_project(tmp_path / "project")

    def double_demo_requests(rows):
        for row in rows:
            if row["activity_type"] == "demo_request":
                row["points"] = str(float(row["points"]) * 2)
        return rows

    edit_seed(project, "activity_weights", double_demo_requests)
    run = run_dbt(
        SYNC_SCOPE,
        work_dir=tmp_path,
        raw_dir=default_raw_dir,
        db_path=sync_db,
        project_dir=project,
    )
    assert run.success, run.describe()

    new_scores = scores_by_lead(sync_db)
    assert set(new_scores) == set(old_scores)
    rows = sync_rows(sync_db)
    valid_email = {
        row["lead_id"]
        for row in query_dicts(sync_db, "select lead_id, is_email_valid from dim_leads")
        if row["is_email_valid"]
    }
    for crm, columns in mapped_columns(sync_db).items():
        keyed_by_email = not {"crm_lead_id", "crm_record_id"} & set(columns)
        expected = {
            lead_id
            for lead_id, new in new_scores.items()
            if worth_sending(old_scores[lead_id], new, columns)
            and (lead_id in valid_email or not keyed_by_email)
        }
        synced = {
            row["crm_lead_id"]
            for row in rows
            if row["crm"] == crm and matchable(row, columns)
        }
        assert expected, f"the weight edit changed no {crm} value"
        assert len(expected) < len(new_scores)
        assert synced == expected, crm
    # The next export carries exactly those rows.
    results = {result.crm: result for result in export(sync_db, out)}
    for crm, result in results.items():
        assert result.rows == sum(
            1
            for row in rows
            if row["crm"] == crm and matchable(row, mapped_columns(sync_db)[crm])
        )


def matchable(row: dict[str, Any], columns: list) -> bool:
    """Whether the row has a value for a key the CRM maps (else no export
    can send it: it stays pending)."""
    return any(row[key] for key in crm_export.KEY_COLUMNS if key in columns)


def worth_sending(
    sent: dict[str, Any], new: dict[str, Any], columns: list[str]
) -> bool:
    """The sync's rule, written again: a mapped label changed (reasons
    without their figures), or a mapped score moved 3 whole points or more,
    or the probability 5 percentage points or more (the defaults)."""

    def reasons(text: str | None) -> str | None:
        if text is None:
            return None
        return re.sub(r"[0-9]+", "#", re.sub(r" \([^)]*\)", "", text))

    labels = ("fit_grade", "engagement_tier", "priority", "is_sales_ready", "email")
    if any(c in columns and new[c] != sent[c] for c in labels):
        return True
    if "top_reasons" in columns and reasons(new["top_reasons"]) != reasons(
        sent["top_reasons"]
    ):
        return True
    for column in ("lead_score", "fit_score", "engagement_score"):
        if column in columns and abs(whole(new[column]) - whole(sent[column])) >= 3:
            return True
    old_percent = percent(sent["conversion_probability"])
    new_percent = percent(new["conversion_probability"])
    return "conversion_percent" in columns and (
        (old_percent is None) != (new_percent is None)
        or (old_percent is not None and abs(new_percent - old_percent) >= 5)
    )


def failing_after(calls: int, exception: type[Exception] = OSError):
    """A stand-in for a function that fails on its `calls`-th call."""
    state = {"calls": 0}
    original = crm_export._write_batch

    def write(path: Path, content: bytes) -> None:
        state["calls"] += 1
        if state["calls"] == calls:
            raise exception("disk full (simulated)")
        original(path, content)

    return write


def assert_each_lead_once(out: Path, crm: str, expected: set[str]) -> None:
    files = exported_files(out)[crm]
    key = "Id" if crm == "salesforce" else "Email"
    ids = [row[key] for path in files for row in read_csv(path)]
    assert len(ids) == len(set(ids)), "a lead was written twice"
    assert set(ids) == expected


def test_failed_export_is_retried_without_duplicates(sync_db, tmp_path, monkeypatch):
    db_path = tmp_path / "retry.duckdb"
    shutil.copy(sync_db, db_path)
    with duckdb.connect(str(db_path)) as connection:
        crm_export.ensure_state_tables(connection, crm_export.DEFAULT_SYNC_SCHEMA)
        connection.execute("delete from crm_sync.crm_sync_state")
        connection.execute("delete from crm_sync.crm_sync_exports")
    leads = set(scores_by_lead(db_path))
    out = tmp_path / "out"

    # 1. The disk fails while writing the second batch of the first CRM.
    monkeypatch.setattr(crm_export, "_write_batch", failing_after(2))
    with pytest.raises(OSError, match="simulated"):
        export(db_path, out, crms=["salesforce"], batch_size=1000)
    monkeypatch.undo()
    assert exported_files(out) == {"salesforce": []}  # only a pending folder
    assert len(sync_rows(db_path)) == 2 * len(leads)  # nothing committed

    # 2. The retry fails after the files are complete, before the commit.
    def commit_fails(*args, **kwargs):
        raise RuntimeError("connection lost (simulated)")

    monkeypatch.setattr(crm_export, "_commit_state", commit_fails)
    with pytest.raises(RuntimeError, match="simulated"):
        export(db_path, out, crms=["salesforce"], batch_size=1000)
    monkeypatch.undo()
    assert_each_lead_once(out, "salesforce", leads)

    # 3. The next retry commits the finished export without writing again.
    [result] = export(db_path, out, crms=["salesforce"], batch_size=1000)
    assert result.reused and result.committed
    assert_each_lead_once(out, "salesforce", leads)
    assert not list((out / "salesforce").glob(".pending-*"))
    assert {row["crm"] for row in sync_rows(db_path)} == {"hubspot"}


def test_the_export_command_checks_the_last_build(
    sync_db: Path, default_build: Build, tmp_path: Path
) -> None:
    """The command exports only after a build that passed: dbt's artifacts of
    the default build let it through; the same artifacts with one failed test
    upstream of the sync stop it, with the test named and nothing written."""

    def command(target: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                str(REPO_ROOT / "scripts" / "export_crm_sync.py"),
                "--dry-run",
                "--database",
                str(sync_db),
                "--target-path",
                str(target),
                "--out",
                str(tmp_path / "exports"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )

    passed = command(default_build.run.target_path)
    assert passed.returncode == 0, passed.stderr
    assert "salesforce:" in passed.stdout

    failed_target = tmp_path / "target"
    failed_target.mkdir()
    for name in ("manifest.json", "run_results.json"):
        shutil.copy(default_build.run.target_path / name, failed_target / name)
    run_results = json.loads((failed_target / "run_results.json").read_text())
    [failed] = [
        result
        for result in run_results["results"]
        if result["unique_id"].startswith("test.lead_scoring.not_null_lead_scores_")
    ][:1]
    failed["status"] = "fail"
    (failed_target / "run_results.json").write_text(json.dumps(run_results))
    refused = command(failed_target)
    assert refused.returncode != 0
    assert failed["unique_id"].split(".")[-1] in refused.stderr
    assert not (tmp_path / "exports").exists()
