"""Rebuilding gives the same marts: twice in a row on the same database, and
after a build killed mid-way and run again.

All builds here use one copy of the project taken at the start of the
session (`pristine_project`), so a change somebody makes in the repository
meanwhile cannot pass for a difference between two builds. Marts are
compared row for row: every column, rows sorted, floats to 12 significant
digits (the engine may add a sum's terms in another order).
"""

from __future__ import annotations

import math
import signal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import Build, build, query, start_dbt

pytestmark = pytest.mark.slow

MARTS = ("lead_scores", "dim_leads", "fct_lead_activities", "data_quality_issues")
BUILD_ARGS = ["build", "--exclude-resource-type", "unit_test"]

Snapshot = dict[str, tuple[list[str], list[tuple]]]


def _normalised(value: Any) -> Any:
    if isinstance(value, float):
        return float(f"{value:.12g}") if math.isfinite(value) else repr(value)
    return value


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
        rows = [
            tuple(_normalised(value) for value in row)
            for row in query(db_path, f"select * from main.{mart}")
        ]
        marts[mart] = (columns, sorted(rows, key=repr))
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
        if rows != expected_rows:
            extra = sorted(set(rows) - set(expected_rows), key=repr)[:3]
            missing = sorted(set(expected_rows) - set(rows), key=repr)[:3]
            pytest.fail(
                f"{mart}: {len(rows)} rows, expected {len(expected_rows)};"
                f" unexpected rows {extra}; missing rows {missing}",
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
        (False, "START sql table model main.fct_lead_activities"),
        (True, "START sql table model main.lead_scores"),
    ],
    ids=["first_build_killed_at_fct_lead_activities", "rebuild_killed_at_lead_scores"],
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
        build(
            work, small_raw_dir, project_dir=pristine_project, unit_tests=False
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
