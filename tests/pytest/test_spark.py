"""The whole project on Apache Spark (dbt-spark session mode, local
pyspark), and marts equal to DuckDB's.

The small sample's files are registered as tables of a `raw` database in a
metastore of this module's own; `dbt build` then runs seeds, models, data
tests and unit tests on Spark, with a time limit. Snapshots are off on
Spark (plain parquet cannot update rows) and fct_lead_activities is a
table there (see macros/cross_database.sql). The marts are read back with
pyspark and compared row for row with the DuckDB build of the same files.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT, Build, DbtRun, run_dbt
from lead_scoring.engines import compare_rows, spark_session

pytestmark = [pytest.mark.slow, pytest.mark.spark]

SCHEMA = "analytics"
TOLERANCE = 1e-9
# A whole build on 2 cores takes a few minutes; stop a hung one.
BUILD_TIMEOUT_SECONDS = 1500
MARTS = {
    "lead_scores": "lead_id",
    "dim_leads": "lead_id",
    "dim_lead_merges": "lead_id",
    "fct_data_quality_issues": "issue_id",
    "account_scores": "account_domain",
}


@pytest.fixture(scope="module")
def spark_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("spark")


@pytest.fixture(scope="module")
def spark_build(
    tmp_path_factory: pytest.TempPathFactory, spark_dir: Path, small_raw_dir: Path
) -> DbtRun:
    # In a child process: the embedded (Derby) metastore admits one JVM at
    # a time, and a stopped session's JVM lives on in its process.
    registered = subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "scripts" / "register_spark_raw_tables.py"),
            "--raw-dir",
            str(small_raw_dir),
        ],
        env={**os.environ, "LEAD_SCORING_SPARK_DIR": str(spark_dir)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert registered.returncode == 0, registered.stdout + registered.stderr[-3000:]
    assert "raw.activities" in registered.stdout
    work_dir = tmp_path_factory.mktemp("spark_build")
    return run_dbt(
        ["build"],
        work_dir=work_dir,
        raw_dir=small_raw_dir,
        db_path=work_dir / "unused.duckdb",
        env={
            "LEAD_SCORING_TARGET": "spark",
            "LEAD_SCORING_SPARK_DIR": str(spark_dir),
            # 800 leads: see profiles.yml
            "LEAD_SCORING_SPARK_SMALL_DATA": "true",
        },
        timeout=BUILD_TIMEOUT_SECONDS,
    )


@pytest.fixture(scope="module")
def spark_marts(
    spark_build: DbtRun, spark_dir: Path, small_baseline: Build
) -> Iterator[dict[str, tuple[list[str], list[Any], list[Any]]]]:
    """For each mart: its columns, DuckDB's rows and Spark's rows (one Spark
    session for all, after dbt has let go of the metastore)."""
    if not spark_build.success:
        pytest.fail(f"dbt build on Spark failed:\n{spark_build.describe()}")
    session = spark_session(spark_dir)
    try:
        marts = {}
        for relation, key in MARTS.items():
            columns = [
                key,
                *(
                    name
                    for (name,) in small_baseline.query(
                        "select column_name from information_schema.columns"
                        " where table_schema = 'main' and table_name = ?"
                        " order by ordinal_position",
                        [relation],
                    )
                    if name != key
                ),
            ]
            select = ", ".join(columns)
            expected = small_baseline.query(f"select {select} from {relation}")
            actual = [
                tuple(row)
                for row in session.sql(
                    f"select {select} from {SCHEMA}.{relation}"
                ).collect()
            ]
            marts[relation] = (columns, expected, actual)
        yield marts
    finally:
        session.stop()


def test_spark_build_runs_models_seeds_and_tests(spark_build: DbtRun) -> None:
    assert spark_build.success, spark_build.describe()
    results = spark_build.results()
    statuses = {result["status"] for result in results}
    # exposures report no-op
    assert statuses <= {"success", "pass", "no-op"}, spark_build.describe()
    kinds = {result["unique_id"].split(".")[0] for result in results}
    assert {"model", "seed", "test", "unit_test"} <= kinds, sorted(kinds)
    # snapshots are off on Spark, and said so in their config
    assert "snapshot" not in kinds


@pytest.mark.parametrize("relation", sorted(MARTS))
def test_spark_mart_equals_duckdb_row_for_row(
    spark_marts: dict[str, tuple[list[str], list[Any], list[Any]]], relation: str
) -> None:
    columns, expected, actual = spark_marts[relation]
    assert len(expected) > 0
    comparison = compare_rows(columns, expected, actual, TOLERANCE)
    assert comparison.equal, comparison.describe(right="spark")
