"""Inputs that are well formed but wrong must not change a score silently.

Each case once passed every test while changing scores (issue 19): CRM
columns that shadowed derived ones, timestamps in epoch milliseconds,
header-only seeds, a typo in a bot rule, a CRM mapping without a key, a
re-delivered activity under an unknown lead, files in latin-1 or UTF-16.
One build reads several inputs that must be accepted; each guard rail that
must stop the run gets a run of its own, selecting only what it needs.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import Build, DbtRun, build, copy_project, edit_seed, run_dbt

LEAD_COLUMNS = [
    "lead_id",
    "email",
    "first_name",
    "last_name",
    "job_title",
    "company_name",
    "company_domain",
    "Industry",
    "employee_count",
    "annual_revenue",
    "Country",
    "lead_source",
    "created_at",
    "updated_at",
]
ACTIVITY_COLUMNS = [
    "activity_id",
    "lead_id",
    "activity_type",
    "occurred_at",
    "url",
    "campaign",
    "asset",
    "duration_seconds",
]
OPPORTUNITY_COLUMNS = [
    "opportunity_id",
    "lead_id",
    "created_at",
    "stage",
    "is_won",
    "closed_at",
    "amount",
]
FEEDBACK_COLUMNS = ["lead_id", "feedback_at", "disposition", "reason"]
LEADS = 25
# Columns HubSpot and Salesforce exports commonly carry, two of them named
# like columns the project derives or adds itself.
CRM_COLUMNS = {
    "Seniority": "Executive",
    "Department": "Finance",
    "Rejection Reason": "Bad fit",
    "Lead Status": "Open",
}
SELECT_CAUTIOUS = ["--exclude-resource-type", "unit_test"]
SELECT_CAUTIOUS += ["--indirect-selection", "cautious"]


def write_csv(
    path: Path, columns: list[str], rows: list[dict], encoding: str = "utf-8"
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def lead_rows(extra: dict[str, str] | None = None) -> list[dict]:
    rows = []
    for number in range(1, LEADS + 1):
        rows.append(
            {
                "lead_id": f"L{number:02d}",
                "email": f"person{number}@acme{number}.com",
                "first_name": "José" if number == 1 else "Ann",
                "last_name": "Doe",
                "job_title": "Graduate Student" if number == 1 else "Sales Manager",
                "company_name": f"Acme {number}",
                "company_domain": f"acme{number}.com",
                "Industry": "Software",
                "employee_count": "250",
                "annual_revenue": "1000000",
                "Country": "France",
                "lead_source": "Webinar",
                "created_at": "2025-01-01 09:00:00",
                "updated_at": "2025-01-01 09:00:00",
                **(extra or {}),
            }
        )
    return rows


def activity_rows(count: int, lead_ids: list[str], occurred_at: list) -> list[dict]:
    return [
        {
            "activity_id": f"A{number:03d}",
            "lead_id": lead_ids[number % len(lead_ids)],
            "activity_type": "pricing_page_view",
            "occurred_at": occurred_at[number % len(occurred_at)],
            "url": None,
            "campaign": None,
            "asset": None,
            "duration_seconds": None,
        }
        for number in range(count)
    ]


def epoch_ms(year: int, month: int, day: int, hour: int = 10) -> int:
    return int(datetime(year, month, day, hour, tzinfo=UTC).timestamp() * 1000)


def lead_ids() -> list[str]:
    return [f"L{number:02d}" for number in range(1, LEADS + 1)]


def valid_raw(raw: Path) -> Path:
    """A small raw folder every guard rail accepts."""
    write_csv(raw / "leads.csv", LEAD_COLUMNS, lead_rows())
    write_csv(
        raw / "activities.csv",
        ACTIVITY_COLUMNS,
        activity_rows(30, lead_ids(), ["2025-02-01 10:00:00"]),
    )
    write_csv(raw / "opportunities.csv", OPPORTUNITY_COLUMNS, [])
    return raw


def guard_rail_messages(run: DbtRun) -> list[str]:
    return [line for line in run.output.splitlines() if "Guard rail " in line]


def failed(run: DbtRun) -> set[str]:
    return {r["unique_id"].split(".")[2] for r in run.results("fail", "error")}


# 1. Inputs that must be accepted, in one build


@pytest.fixture(scope="module")
def accepted(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """CRM columns named like derived ones, a latin-1 leads file read with
    the encoding variable, epoch milliseconds in Parquet, epoch seconds and
    year-first '/' dates in text, and an activity re-delivered at the same
    moment under a lead_id no lead has."""
    work = tmp_path_factory.mktemp("accepted")
    raw = work / "raw"
    write_csv(
        raw / "leads.csv",
        [*LEAD_COLUMNS, *CRM_COLUMNS],
        lead_rows(CRM_COLUMNS),
        encoding="latin-1",
    )
    moments = [epoch_ms(2025, 2, day) for day in range(1, 29)]
    activities = activity_rows(40, lead_ids(), moments)
    genuine = activity_rows(1, ["L02"], [epoch_ms(2025, 2, 14)])[0]
    # The bogus copy's lead_id sorts first: it used to win the tie.
    activities += [
        {**genuine, "activity_id": "A_REDELIVERED"},
        {**genuine, "activity_id": "A_REDELIVERED", "lead_id": "L00_deleted"},
    ]
    schema = pa.schema(
        [
            (
                name,
                pa.int64()
                if name in ("occurred_at", "duration_seconds")
                else pa.string(),
            )
            for name in ACTIVITY_COLUMNS
        ]
    )
    pq.write_table(
        pa.Table.from_pylist(activities, schema=schema), raw / "activities.parquet"
    )
    write_csv(
        raw / "opportunities.csv",
        OPPORTUNITY_COLUMNS,
        [
            {"opportunity_id": "O1", "lead_id": "L03", "created_at": "1740823200"},
            {
                "opportunity_id": "O2",
                "lead_id": "L04",
                "created_at": "2025/03/01 10:00",
            },
        ],
    )
    built = build(
        work / "build",
        raw,
        dbt_vars={"lead_scoring__csv_encoding": {"leads": "latin-1"}},
        unit_tests=False,
    )
    built.require_success()
    return built


def test_crm_columns_never_shadow_derived_ones(accepted: Build) -> None:
    student = accepted.query_dicts("select * from dim_leads where lead_id = 'L01'")[0]
    assert student["seniority"] == "student"
    assert student["seniority_raw"] == "Executive"
    assert student["department_raw"] == "Finance"
    assert student["rejection_reason_raw"] == "Bad fit"
    assert student["lead_status"] == "Open"
    assert student["industry"] == "Software"
    assert student["first_name"] == "José"
    assert accepted.scalar(
        "select is_disqualified from lead_scores where lead_id = 'L01'"
    )
    # Each rename is said once in the run's log.
    log = accepted.run.output
    for name, renamed in [
        ("Seniority", "seniority_raw"),
        ("Rejection Reason", "rejection_reason_raw"),
    ]:
        notes = [
            line
            for line in accepted.run.log_text.splitlines()
            if f"Raw column '{name}'" in line and f"'{renamed}'" in line
        ]
        assert len(notes) == 1, (name, notes, log[-2000:])


def test_epoch_and_common_timestamps_are_read(accepted: Build) -> None:
    assert not accepted.query(
        "select reason_code, record_id from fct_data_quality_issues"
        " where reason_code like 'invalid_%'"
    )
    first = accepted.scalar(
        "select occurred_at from fct_lead_activities where activity_id = 'A001'"
    )
    assert first == datetime(2025, 2, 2, 10)
    assert accepted.query(
        "select opportunity_id, created_at from stg_crm__opportunities order by 1"
    ) == [("O1", datetime(2025, 3, 1, 10)), ("O2", datetime(2025, 3, 1, 10))]
    assert accepted.scalar("select min(engagement_score) from lead_scores") > 0


def test_copy_of_a_known_lead_wins_the_tie(accepted: Build) -> None:
    kept = accepted.query(
        "select lead_id from fct_lead_activities where activity_id = 'A_REDELIVERED'"
    )
    assert kept == [("L02",)]
    issues = accepted.query(
        "select lead_id, reason_code from fct_data_quality_issues"
        " where record_id = 'A_REDELIVERED'"
    )
    assert issues == [("L00_deleted", "duplicate_activity_id")]


def test_guard_rails_ran_and_passed(accepted: Build) -> None:
    rails = {
        r["unique_id"].split(".")[2]: r["status"]
        for r in accepted.run.results()
        if "share_within_limit" in r["unique_id"]
    }
    assert len(rails) == 7, rails
    assert set(rails.values()) == {"pass"}, rails


# 2. Quarantine guard rails that must stop the run


def test_unreadable_timestamps_stop_the_run_naming_source_reason_and_example(
    tmp_path: Path,
) -> None:
    raw = tmp_path / "raw"
    write_csv(raw / "leads.csv", LEAD_COLUMNS, lead_rows())
    # Day-first dates cannot be told from month-first ones: not read.
    write_csv(
        raw / "activities.csv",
        ACTIVITY_COLUMNS,
        activity_rows(30, lead_ids(), ["31/01/2025 10:00"]),
    )
    opportunities = [
        {"opportunity_id": f"O{n}", "lead_id": "L01", "created_at": "yesterday"}
        for n in range(25)
    ]
    write_csv(raw / "opportunities.csv", OPPORTUNITY_COLUMNS, opportunities)
    # Five bad rows are too few to judge: no guard rail for them.
    feedback = [{"lead_id": "L01", "feedback_at": "soon"} for _ in range(5)]
    write_csv(raw / "sales_feedback.csv", FEEDBACK_COLUMNS, feedback)

    run = run_dbt(
        [
            "build",
            "--select",
            "+base_marketing__activities_ranked",
            "+base_crm__opportunities",
            "+base_crm__sales_feedback",
            *SELECT_CAUTIOUS,
        ],
        work_dir=tmp_path / "build",
        raw_dir=raw,
        db_path=tmp_path / "build" / "lead_scoring.duckdb",
    )

    assert not run.success
    assert failed(run) == {
        "activities__quarantine_share_within_limit",
        "opportunities__quarantine_share_within_limit",
    }, run.describe()
    messages = guard_rail_messages(run)
    assert any(
        "activities: 30 of 30 rows (100.0%) are quarantined as invalid_occurred_at"
        in line
        and "above the limit of 50%" in line
        and "Example value: '31/01/2025 10:00'" in line
        for line in messages
    ), messages
    assert any(
        "opportunities: 25 of 25 rows" in line and "'yesterday'" in line
        for line in messages
    ), messages
    assert not any("sales_feedback" in line for line in messages), messages


def test_activities_of_unknown_leads_stop_the_run(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_csv(raw / "leads.csv", LEAD_COLUMNS, lead_rows())
    other_system = [f"00Q5g00000{n:05d}" for n in range(5)]
    write_csv(
        raw / "activities.csv",
        ACTIVITY_COLUMNS,
        activity_rows(30, other_system, ["2025-02-01 10:00:00"]),
    )
    write_csv(raw / "opportunities.csv", OPPORTUNITY_COLUMNS, [])

    built = build(tmp_path / "build", raw, unit_tests=False)

    assert not built.run.success
    assert "activities__unknown_share_within_limit" in failed(built.run)
    messages = guard_rail_messages(built.run)
    assert any(
        "30 of 30 rows (100.0%) are quarantined as unknown_lead" in line
        and "Example value: '00Q5g00000" in line
        for line in messages
    ), messages


# 3. Seeds checked as inputs


def test_header_only_scoring_seeds_stop_the_run(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    edit_seed(project, "activity_weights", lambda rows: [])
    edit_seed(project, "fit_rules", lambda rows: [])

    run = run_dbt(
        ["build", "--select", "activity_weights", "fit_rules", *SELECT_CAUTIOUS],
        work_dir=tmp_path / "build",
        raw_dir=valid_raw(tmp_path / "raw"),
        db_path=tmp_path / "build" / "lead_scoring.duckdb",
        project_dir=project,
    )

    assert not run.success
    assert {"activity_weights__has_rows", "fit_rules__has_rows"} <= failed(run)
    reports = [line for line in run.output.splitlines() if "Seed check" in line]
    for seed in ("activity_weights", "fit_rules"):
        assert any(
            f"{seed}__has_rows failed on {seed}" in line and "no rows" in line
            for line in reports
        ), reports


def test_bot_rule_typo_and_crm_without_key_stop_the_run(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    edit_seed(
        project,
        "bot_detection_rules",
        lambda rows: [
            {
                **row,
                "activity_types": row["activity_types"].replace(
                    "email_click", "email_clikc"
                ),
            }
            for row in rows
        ],
    )
    edit_seed(
        project,
        "crm_field_mappings",
        lambda rows: [
            *rows,
            {"crm": "pipedrive", "project_column": "lead_score", "crm_field": "Score"},
        ],
    )

    run = run_dbt(
        [
            "build",
            "--select",
            "+int_activities_bot_flagged",
            "crm_field_mappings",
            *SELECT_CAUTIOUS,
        ],
        work_dir=tmp_path / "build",
        raw_dir=valid_raw(tmp_path / "raw"),
        db_path=tmp_path / "build" / "lead_scoring.duckdb",
        project_dir=project,
    )

    assert not run.success
    assert {
        "int_activities_bot_flagged",
        "crm_field_mappings__each_crm_maps_a_key_field",
    } <= failed(run), run.describe()
    assert (
        "Seed bot_detection_rules, row 'opened_or_clicked_right_after_send':"
        " activity_types names 'email_clikc'"
    ) in run.output
    assert any(
        "crm=pipedrive" in line
        and "maps none of crm_record_id, crm_lead_id and email" in line
        for line in run.output.splitlines()
        if "Seed check" in line
    ), run.describe()


# 4. Files that cannot be read as they are: the message says what to set


def _stage_leads(tmp_path: Path, raw: Path, **options) -> DbtRun:
    return run_dbt(
        ["run", "--select", "base_crm__leads"],
        work_dir=tmp_path / "build",
        raw_dir=raw,
        db_path=tmp_path / "build" / "lead_scoring.duckdb",
        **options,
    )


@pytest.mark.parametrize(
    ("encoding", "named"),
    [("latin-1", "LATIN1"), ("utf-16", "UTF-16")],
)
def test_leads_file_in_another_encoding_names_the_variable(
    tmp_path: Path, encoding: str, named: str
) -> None:
    raw = valid_raw(tmp_path / "raw")
    write_csv(raw / "leads.csv", LEAD_COLUMNS, lead_rows(), encoding=encoding)

    run = _stage_leads(tmp_path, raw)

    assert not run.success
    assert f"Raw file {raw}/leads.csv is not utf-8" in run.output
    assert "lead_scoring__csv_encoding" in run.output
    assert f"iconv -f {named}" in run.output


def test_encoding_that_needs_an_extension_says_how_to_convert(tmp_path: Path) -> None:
    raw = valid_raw(tmp_path / "raw")

    run = _stage_leads(
        tmp_path, raw, dbt_vars={"lead_scoring__csv_encoding": "windows-1252"}
    )

    assert not run.success
    assert "cannot be installed offline" in run.output
    assert "iconv -f windows-1252 -t UTF-8" in run.output


def test_raw_column_that_cannot_be_renamed_stops_naming_file_and_fix(
    tmp_path: Path,
) -> None:
    raw = valid_raw(tmp_path / "raw")
    extra = {"Seniority": "VP", "seniority_raw": "vp"}
    write_csv(raw / "leads.csv", [*LEAD_COLUMNS, *extra], lead_rows(extra))

    run = _stage_leads(tmp_path, raw)

    assert not run.success
    assert (
        f"Column 'Seniority' of file {raw}/leads.csv becomes 'seniority_raw',"
        " which another column already has"
    ) in run.output
    assert "rename or drop one of them" in run.output
