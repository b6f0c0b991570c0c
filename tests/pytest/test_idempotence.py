"""Rebuilding gives the same marts: twice in a row on the same database, and
after a build killed mid-way and run again.

All builds here use one copy of the project taken at the start of the
session (`pristine_project`), so a change somebody makes in the repository
meanwhile cannot pass for a difference between two builds. Marts are
compared row for row: every column, rows matched by their other values,
floats within a relative 1e-9 (the engine may add a sum's terms in another
order, which moves the last digits).
"""

from __future__ import annotations

import math
import signal
from pathlib import Path

import duckdb
import pytest
from conftest import Build, build, query, start_dbt

pytestmark = pytest.mark.slow

MARTS = (
    "lead_scores",
    "dim_leads",
    "fct_lead_activities",
    "fct_data_quality_issues",
    "lead_score_history",
    "fct_lead_lifecycle_events",
    "account_scores",
)
BUILD_ARGS = ["build", "--exclude-resource-type", "unit_test"]

Snapshot = dict[str, tuple[list[str], list[tuple]]]


def _without_floats(row: tuple) -> tuple:
    return tuple("<float>" if isinstance(value, float) else value for value in row)


def _same_row(row: tuple, other: tuple) -> bool:
    return all(
        math.isclose(value, expected, rel_tol=1e-9, abs_tol=1e-12)
        if isinstance(value, float) and isinstance(expected, float)
        else value == expected or (value != value and expected != expected)
        for value, expected in zip(row, other, strict=True)
    )


def snapshot(db_path: Path) -> Snapshot:
    """Each mart's columns (in order) and its rows, sorted."""
    marts: Snapshot = {}
    for mart in MARTS:
        columns = [
            name
            for (name,) in query(
                db_path,
                "select column_name from information_schema.columns"
                " where table_schema = 'main' and table_name = ?"
                " order by ordinal_position",
                [mart],
            )
        ]
        rows = query(db_path, f"select * from main.{mart}")
        marts[mart] = (
            columns,
            sorted(rows, key=lambda row: repr(_without_floats(row))),
        )
    return marts


def relations(db_path: Path) -> set[tuple[str, str, str]]:
    return set(
        query(
            db_path,
            "select table_schema, table_name, table_type"
            " from information_schema.tables",
        )
    )


def assert_same_marts(actual: Snapshot, expected: Snapshot) -> None:
    for mart in MARTS:
        columns, rows = actual[mart]
        expected_columns, expected_rows = expected[mart]
        assert columns == expected_columns, mart
        assert expected_rows, f"{mart} is empty: nothing was compared"
        different = [
            (row, expected)
            for row, expected in zip(rows, expected_rows, strict=False)
            if not _same_row(row, expected)
        ]
        if len(rows) != len(expected_rows) or different:
            pytest.fail(
                f"{mart}: {len(rows)} rows, expected {len(expected_rows)};"
                f" first differences (row, expected): {different[:3]}",
                pytrace=False,
            )


def leftovers(db_path: Path) -> list[str]:
    """Relations a dbt materialisation leaves behind when cut short."""
    return sorted(
        name
        for _, name, _ in relations(db_path)
        if "__dbt_tmp" in name or "__dbt_backup" in name
    )


# 1. Twice in a row


def test_second_build_on_the_same_data_changes_no_mart(
    tmp_path: Path, pristine_project: Path, small_raw_dir: Path
) -> None:
    # Both run the data tests: some store their failures in audit tables,
    # which the comparison of relations counts.
    first = build(
        tmp_path / "build",
        small_raw_dir,
        project_dir=pristine_project,
        unit_tests=False,
    )
    first.require_success()
    before = snapshot(first.db_path)
    relations_before = relations(first.db_path)

    second = build(
        tmp_path / "build",
        small_raw_dir,
        project_dir=pristine_project,
        unit_tests=False,
    )
    second.require_success()

    assert second.db_path == first.db_path
    assert_same_marts(snapshot(second.db_path), before)
    assert relations(second.db_path) == relations_before
    assert leftovers(second.db_path) == []


# 2. Killed mid-way, then run again


@pytest.mark.parametrize(
    ("built_before", "kill_at"),
    [
        (False, "START sql incremental model main.int_activities_deduplicated"),
        (True, "START sql table model main.lead_scores"),
        (True, "START sql incremental model main.lead_score_history"),
    ],
    ids=[
        "first_build_killed_at_int_activities_deduplicated",
        "rebuild_killed_at_lead_scores",
        "rebuild_killed_at_lead_score_history",
    ],
)
def test_build_killed_midway_then_rerun_equals_an_uninterrupted_build(
    tmp_path: Path,
    pristine_project: Path,
    small_raw_dir: Path,
    small_baseline: Build,
    built_before: bool,
    kill_at: str,
) -> None:
    """SIGKILL (no clean-up, like a lost machine) as soon as dbt starts
    building `kill_at`; a plain rerun must leave the marts the uninterrupted
    build on the same data (small_baseline, another DuckDB file) has."""
    work = tmp_path / "build"
    db_path = work / "lead_scoring.duckdb"
    work.mkdir()
    if built_before:
        # Only the state the killed rebuild starts from.
        build(
            work,
            small_raw_dir,
            project_dir=pristine_project,
            unit_tests=False,
            data_tests=False,
        ).require_success()

    running = start_dbt(
        BUILD_ARGS,
        work_dir=tmp_path / "killed",
        raw_dir=small_raw_dir,
        db_path=db_path,
        project_dir=pristine_project,
    )
    try:
        reached = running.wait_for_log(kill_at, timeout=600)
    finally:
        running.process.kill()
        running.process.wait(timeout=60)
    log = running.log_text
    assert reached, f"{kill_at!r} never appeared in dbt.log:\n{log[-3000:]}"
    assert running.process.returncode == -signal.SIGKILL, (
        f"the build ended (exit {running.process.returncode}) before the kill"
    )
    assert "Done. PASS=" not in log, "the build finished before the kill"
    print(
        f"\nkilled at {kill_at!r}; the database then held: {sorted(_marts_in(db_path))}"
    )

    rerun = build(work, small_raw_dir, project_dir=pristine_project, unit_tests=False)
    rerun.require_success()

    assert rerun.db_path == db_path
    assert_same_marts(snapshot(db_path), snapshot(small_baseline.db_path))
    assert leftovers(db_path) == []
    assert relations(db_path) == relations(small_baseline.db_path)


def _marts_in(db_path: Path) -> set[str]:
    """The marts a killed run left (empty if the file cannot be read yet)."""
    try:
        return {
            name
            for schema, name, _ in relations(db_path)
            if schema == "main" and (name in MARTS or "__dbt" in name)
        }
    except duckdb.Error as error:
        return {f"<unreadable: {error}>"}
