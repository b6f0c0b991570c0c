"""The benchmark command end to end on a tiny size: it must build, add one
new day incrementally, time the floor and write a report. (Speed itself is
measured by `make bench`, not asserted here.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import REPO_ROOT
from lead_scoring import benchmark

pytestmark = pytest.mark.slow

LEADS = 300


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    work_dir = tmp_path_factory.mktemp("bench")
    out = work_dir / "benchmark.json"
    completed = subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "scripts" / "benchmark.py"),
            "--leads",
            str(LEADS),
            "--out",
            str(out),
            "--work-dir",
            str(work_dir),
            "--timeout",
            "600",
            "--memory-limit",
            "1GB",
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "| leads |" in completed.stdout
    return json.loads(out.read_text()), work_dir


def test_report_has_every_measure(report: tuple[dict, Path]) -> None:
    data, _ = report
    [row] = data["summary"]
    assert row["leads"] == LEADS
    assert row["activity_rows"] > 0
    for key in ("full_build_seconds", "incremental_seconds", "floor_seconds"):
        assert row[key] > 0, key
    assert row["full_build_peak_mb"] > 0
    # the runs' settings are in the report, as given
    assert data["settings"] == {
        "memory_limit": "1GB",
        "threads": benchmark.DEFAULT_THREADS,
    }
    [run] = data["runs"]
    assert run["full_build"]["ok"] and run["incremental_build"]["ok"]
    assert run["new_day_rows"] > 0
    # the scoring model's time was read from run_results.json
    assert run["full_model_seconds"]["int_leads_engagement_by_type"] > 0
    assert "fct_lead_activities" in run["incremental_model_seconds"]
    # and the data tests' times, with their total in the summary
    tests = run["full_test_seconds"]
    assert "base_marketing__activities__one_row_per_activity_id_and_copy" in tests
    assert "lead_scores" not in tests  # a model
    assert row["full_build_test_seconds_total"] == pytest.approx(
        sum(tests.values()), abs=0.1
    )


def test_incremental_run_loaded_the_new_day(report: tuple[dict, Path]) -> None:
    _, work_dir = report
    size_dir = work_dir / f"leads_{LEADS}"
    with duckdb.connect(str(size_dir / "lead_scoring.duckdb"), read_only=True) as db:
        latest = db.execute(
            "select max(occurred_at) from fct_lead_activities"
        ).fetchone()[0]
    assert latest >= benchmark.LAST_DAY.item()


def test_floor_matches_the_project_where_they_do_the_same_work(tmp_path: Path) -> None:
    """On data without bots, merges or bad rows the floor's points are the
    project's engagement points: the floor does the same sums."""
    raw = tmp_path / "raw"
    raw.mkdir()
    weights = REPO_ROOT / "seeds" / "activity_weights.csv"
    with duckdb.connect() as db:
        db.execute(
            f"""copy (select * from (values
                ('A1', 'L1', 'Page View', timestamp '2026-06-01 10:00:00'),
                ('A1', 'L1', 'Page View', timestamp '2026-06-01 10:00:00'),
                ('A2', 'L1', 'demo_request', timestamp '2026-06-20 10:00:00'),
                ('A3', 'L2', 'unknown_thing', timestamp '2026-06-20 10:00:00'),
                ('A4', 'L2', 'pricing_page_view', timestamp '2026-08-01 10:00:00')
            ) as t(activity_id, lead_id, activity_type, occurred_at))
            to '{raw}/activities.parquet' (format parquet)"""
        )
        rows = {
            (lead_id, scored_as_of.date().isoformat()): points
            for lead_id, scored_as_of, points in db.execute(
                benchmark.floor_sql(raw, weights, "2026-07-01 00:00:00")
            ).fetchall()
        }
        weight = dict(
            (name, (points, half_life))
            for name, points, half_life in db.execute(
                "select activity_type, points, half_life_days"
                f" from read_csv('{weights}')"
            ).fetchall()
        )
    # L2's only activity before the date has an unknown type: no points;
    # 30 days back (2026-06-01 00:00) nothing had happened yet.
    assert set(rows) == {("L1", "2026-07-01"), ("L1", "2026-06-24")}
    page_points, page_half_life = weight["page_view"]
    demo_points, demo_half_life = weight["demo_request"]

    def points(page_age_days: float, demo_age_days: float) -> float:
        return page_points * 0.5 ** (page_age_days / page_half_life) + (
            demo_points * 0.5 ** (demo_age_days / demo_half_life)
        )

    assert rows["L1", "2026-07-01"] == pytest.approx(points(29 + 14 / 24, 10 + 14 / 24))
    assert rows["L1", "2026-06-24"] == pytest.approx(points(22 + 14 / 24, 3 + 14 / 24))
