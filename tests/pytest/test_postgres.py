"""The whole project on PostgreSQL, and marts equal to DuckDB's.

A throwaway server (Debian's package, `make engines` installs it) runs on
127.0.0.1 for this module; the small sample (with a column of the user's
own) is loaded into its `raw` schema and `dbt build` runs everything
there: seeds, models, snapshots, data tests and unit tests. The marts are
then compared row for row with the DuckDB build of the same files
(conftest's `small_baseline`). Views are recomputed by every data test on
Postgres, so the small sample keeps this module within a few minutes.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from conftest import REPO_ROOT, Build, DbtRun, run_dbt
from lead_scoring.engines import (
    PostgresServer,
    compare_rows,
    load_raw_into_postgres,
)

pytestmark = pytest.mark.slow

SCHEMA = "analytics"
# Scores are rounded to 0.1 and points are sums of exp(): both engines use
# IEEE doubles, so only the order of additions can differ.
TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[PostgresServer]:
    with PostgresServer() as server:
        yield server


@pytest.fixture(scope="module")
def postgres_build(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: PostgresServer,
    small_raw_dir: Path,
) -> DbtRun:
    connection = postgres_server.connect()
    try:
        load_raw_into_postgres(small_raw_dir, connection)
    finally:
        connection.close()
    work_dir = tmp_path_factory.mktemp("postgres_build")
    return run_dbt(
        ["build"],
        work_dir=work_dir,
        raw_dir=small_raw_dir,
        db_path=work_dir / "unused.duckdb",
        env=postgres_server.env,
    )


def postgres_rows(
    server: PostgresServer, sql: str, params: tuple = ()
) -> list[tuple[Any, ...]]:
    connection = server.connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        connection.close()


def mart_columns(built: Build, relation: str) -> list[str]:
    return [
        name
        for (name,) in built.query(
            "select column_name from information_schema.columns"
            " where table_schema = 'main' and table_name = ?"
            " order by ordinal_position",
            [relation],
        )
    ]


def require(run: DbtRun) -> None:
    if not run.success:
        pytest.fail(f"dbt build on Postgres failed:\n{run.describe()}", pytrace=False)


# Postgres' longest identifier; dbt-postgres refuses longer relation names,
# and a unit test's name becomes one.
POSTGRES_MAX_IDENTIFIER = 63


def test_every_model_and_unit_test_name_fits_a_postgres_identifier() -> None:
    """Checked from the YAML, without a server: a name one character too long
    would otherwise show only when the Postgres build fails."""
    names = [path.stem for path in (REPO_ROOT / "models").rglob("*.sql")]
    for path in (REPO_ROOT / "models").rglob("*.yml"):
        document = yaml.safe_load(path.read_text()) or {}
        names += [test["name"] for test in document.get("unit_tests", [])]
    assert len(names) > 100, len(names)
    too_long = [name for name in names if len(name) > POSTGRES_MAX_IDENTIFIER]
    assert too_long == [], too_long


def test_postgres_build_runs_every_kind_of_node(postgres_build: DbtRun) -> None:
    require(postgres_build)
    results = postgres_build.results()
    statuses = {result["status"] for result in results}
    # exposures report no-op
    assert statuses <= {"success", "pass", "no-op"}, postgres_build.describe()
    kinds = {result["unique_id"].split(".")[0] for result in results}
    expected = {"model", "seed", "test", "unit_test"}
    manifest = postgres_build.manifest or {}
    if any(key.startswith("snapshot.") for key in manifest.get("nodes", {})):
        expected.add("snapshot")
    assert expected <= kinds, sorted(kinds)


@pytest.mark.parametrize(
    ("relation", "key"),
    [
        ("lead_scores", "lead_id"),
        ("dim_leads", "lead_id"),
        ("dim_lead_merges", "lead_id"),
        ("fct_data_quality_issues", "issue_id"),
        ("account_scores", "account_domain"),
    ],
)
def test_mart_equals_duckdb_row_for_row(
    postgres_build: DbtRun,
    postgres_server: PostgresServer,
    small_baseline: Build,
    relation: str,
    key: str,
) -> None:
    require(postgres_build)
    small_baseline.require_success()
    columns = [key, *(c for c in mart_columns(small_baseline, relation) if c != key)]
    select = ", ".join(columns)
    expected = small_baseline.query(f"select {select} from {relation}")
    actual = postgres_rows(postgres_server, f"select {select} from {SCHEMA}.{relation}")
    assert len(expected) > 0
    comparison = compare_rows(columns, expected, actual, TOLERANCE)
    assert comparison.equal, comparison.describe(right="postgres")


def assert_activity_fact_equals_duckdb(
    postgres_server: PostgresServer, small_baseline: Build
) -> None:
    """The biggest table, compared by its fingerprint per lead (count, first
    and last activity, number of distinct types, seconds)."""
    sql = (
        "select lead_id, count(*), min(occurred_at), max(occurred_at),"
        " count(distinct activity_type), sum(coalesce(duration_seconds, 0))"
        " from {} group by lead_id"
    )
    expected = small_baseline.query(sql.format("fct_lead_activities"))
    actual = postgres_rows(postgres_server, sql.format(f"{SCHEMA}.fct_lead_activities"))
    comparison = compare_rows(
        ["lead_id", "rows", "first", "last", "types", "seconds"], expected, actual
    )
    assert comparison.equal, comparison.describe(right="postgres")


def assert_raw_activity_rows_equal_duckdb(
    postgres_server: PostgresServer, small_baseline: Build
) -> None:
    """Every raw activity row, by activity_id and copy rank (rows without an
    id are one group), with its lead, moment and reason."""
    sql = (
        "select coalesce(activity_id, '-') || '#' || cast(copy_rank as varchar),"
        " lead_id, occurred_at, rejection_reason from {}"
    )
    expected = small_baseline.query(sql.format("base_marketing__activities_ranked"))
    actual = postgres_rows(
        postgres_server, sql.format(f"{SCHEMA}.base_marketing__activities_ranked")
    )
    assert len(actual) == len(expected)
    comparison = compare_rows(
        ["copy", "lead_id", "occurred_at", "rejection_reason"], expected, actual
    )
    assert comparison.equal, comparison.describe(right="postgres")


def test_activity_tables_equal_duckdb(
    postgres_build: DbtRun, postgres_server: PostgresServer, small_baseline: Build
) -> None:
    require(postgres_build)
    assert_activity_fact_equals_duckdb(postgres_server, small_baseline)
    assert_raw_activity_rows_equal_duckdb(postgres_server, small_baseline)


def test_daily_run_of_activity_tables_reloads_the_lookback_on_postgres(
    tmp_path: Path,
    postgres_build: DbtRun,
    postgres_server: PostgresServer,
    small_raw_dir: Path,
    small_baseline: Build,
) -> None:
    """The incremental runs of the activity fact and of the raw rows write
    the moment they reload from into their queries as a constant (read
    first, with Postgres' own date arithmetic); the lookback's rows are
    replaced and both tables stay equal to DuckDB's."""
    require(postgres_build)
    moments = {
        model: postgres_rows(
            postgres_server,
            "select max(occurred_at) - interval '3 days'"
            f" from {SCHEMA}.{model} where {where}",
        )[0][0]
        for model, where in [
            ("int_activities_deduplicated", "1 = 1"),
            ("base_marketing__activities_ranked", "row_problem is null"),
        ]
    }
    daily = run_dbt(
        ["build", "--select", *moments],
        work_dir=tmp_path,
        raw_dir=small_raw_dir,
        db_path=tmp_path / "unused.duckdb",
        env=postgres_server.env,
    )
    require(daily)
    for model, latest in moments.items():
        compiled = next(
            path
            for path in (daily.target_path / "compiled").rglob(f"{model}.sql")
            if path.parent.suffix != ".yml"  # not a unit test's fixture
        )
        assert f"cast('{latest:%Y-%m-%d %H:%M:%S.%f}' as " in compiled.read_text()
    assert_activity_fact_equals_duckdb(postgres_server, small_baseline)
    assert_raw_activity_rows_equal_duckdb(postgres_server, small_baseline)


# What the raw values become: DuckDB's try_cast and the Postgres functions
# that stand in for it (macros/cross_database.sql) must agree.
RAW_TIMESTAMPS = [
    "2025-12-01 09:00:00",
    " 2025-12-01T09:00:00 ",
    "2025-12-01T09:00:00Z",
    "2025-12-01 09:00:00+02:00",
    "2025-12-01 09:00:00-0530",
    "2025-12-01 09:00:00.123456",
    "2025-12-01",
    "01/12/2025",
    "2025-02-30 10:00:00",
    "2025-12-01 25:00:00",
    "yesterday",
    "",
]
RAW_NUMBERS = [
    "12",
    " 12.5 ",
    "-3",
    "1e3",
    ".5",
    "abc",
    "",
    "12 000",
    "0x10",
    "NaN",
    "-Infinity",
]
# Not compared: '1e400' is inf on DuckDB and null on Postgres (out of range);
# plausible_number rejects both alike.


def duckdb_values(expression: str, values: list[str]) -> list[Any]:
    with duckdb.connect() as connection:
        connection.execute("set TimeZone = 'UTC'")
        return [
            connection.execute(f"select {expression}", [value]).fetchone()[0]
            for value in values
        ]


def test_postgres_timestamp_parsing_matches_duckdb(
    postgres_build: DbtRun, postgres_server: PostgresServer
) -> None:
    require(postgres_build)
    expected = duckdb_values(
        "cast(try_cast(trim(cast(? as varchar)) as timestamptz) as timestamp)",
        RAW_TIMESTAMPS,
    )
    actual = [
        postgres_rows(
            postgres_server,
            f"select {SCHEMA}.lead_scoring_to_utc_timestamp(cast(%s as text))",
            (value,),
        )[0][0]
        for value in RAW_TIMESTAMPS
    ]
    assert actual == expected
    assert expected[3] == datetime(2025, 12, 1, 7, 0)
    assert expected[7] is None


def test_postgres_number_parsing_matches_duckdb(
    postgres_build: DbtRun, postgres_server: PostgresServer
) -> None:
    require(postgres_build)
    expected = duckdb_values("try_cast(cast(? as varchar) as double)", RAW_NUMBERS)
    actual = [
        postgres_rows(
            postgres_server,
            f"select {SCHEMA}.lead_scoring_to_double(cast(%s as text))",
            (value,),
        )[0][0]
        for value in RAW_NUMBERS
    ]
    # as text, so NaN equals NaN
    assert [str(v) for v in actual] == [str(v) for v in expected]
    assert expected[0] == 12.0
    assert expected[5] is None


def test_the_crm_export_runs_on_postgres(
    postgres_build: DbtRun, postgres_server: PostgresServer, tmp_path: Path
) -> None:
    """The export reaches the Postgres target through the dbt profile,
    writes its state in the schema the build read it from, and the sync view
    then holds nothing it could send: a second export writes nothing."""
    require(postgres_build)

    def export() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                str(REPO_ROOT / "scripts" / "export_crm_sync.py"),
                "--target-path",
                str(postgres_build.target_path),
                "--out",
                str(tmp_path / "exports"),
            ],
            env={
                **os.environ,
                "DBT_PROFILES_DIR": str(REPO_ROOT),
                **postgres_server.env,
            },
            capture_output=True,
            text=True,
            check=False,
        )

    first = export()
    assert first.returncode == 0, first.stderr
    [(leads,)] = postgres_rows(
        postgres_server, f"select count(*) from {SCHEMA}.lead_scores"
    )
    [salesforce_file] = (tmp_path / "exports" / "salesforce").glob(
        "*/lead_batch_0001.csv"
    )
    with salesforce_file.open(newline="") as handle:
        assert len(list(csv.DictReader(handle))) == leads
    state = dict(
        postgres_rows(
            postgres_server,
            "select crm, count(*) from crm_sync.crm_sync_state group by crm",
        )
    )
    assert state["salesforce"] == leads
    # Only rows nothing can match (HubSpot leads without a valid email) stay.
    assert (
        postgres_rows(
            postgres_server,
            f"select crm, count(*) from {SCHEMA}.sync_crm_lead_scores"
            " where crm != 'hubspot' or email is not null group by crm",
        )
        == []
    )
    second = export()
    assert second.returncode == 0, second.stderr
    assert "nothing changed" in second.stdout, second.stdout
