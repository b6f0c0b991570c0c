"""Scores over time, end to end on generated data.

- lead_score_history rescores each past date exactly as a fresh build with
  `lead_scoring__as_of_date` set to that date does.
- The incremental fct_lead_activities and base_marketing__activities_ranked, after
  new, late, re-delivered and broken rows arrive, equal a full refresh row
  for row, and so does the quarantine; a second run changes nothing, the
  history gains only the new dates, and a row later than the lookback
  fails the activity reconciliation.
- account_scores finds accounts that are hot only together.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import Build, build, generate

pytestmark = pytest.mark.slow

# The columns a history row shares with lead_scores.
SCORE_COLUMNS = (
    "lead_id",
    "fit_points",
    "fit_score",
    "fit_grade",
    "engagement_points",
    "engagement_score",
    "engagement_tier",
    "lead_score",
    "priority",
    "is_sales_ready",
    "is_disqualified",
    "top_reasons",
    "activity_count",
    "has_opportunity",
    "scoring_version",
)
# lead_scores columns that depend on the history a database has collected
# (what was known when each date was scored), not only on today's data.
HISTORY_DEPENDENT = {
    "first_mql_at",
    "last_recycled_at",
    "days_first_touch_to_mql",
    "days_mql_to_opportunity",
}
# One build with history and three builds as of past dates are the cost of
# the first test: a small sample keeps them quick.
HISTORY_LEADS = 400
HISTORY_SEED = 3
INCREMENTAL_LEADS = 300
INCREMENTAL_SEED = 11
LOOKBACK_DAYS = 3


def same_rows(left: list[dict[str, Any]], right: list[dict[str, Any]]) -> list[str]:
    """Differences between two lists of rows keyed by their first column
    (floats within 1e-9: sums may add up in another order)."""
    problems = []
    left_by_key = {next(iter(row.values())): row for row in left}
    right_by_key = {next(iter(row.values())): row for row in right}
    if left_by_key.keys() != right_by_key.keys():
        only_left = sorted(left_by_key.keys() - right_by_key.keys())[:5]
        only_right = sorted(right_by_key.keys() - left_by_key.keys())[:5]
        problems.append(f"keys differ: only left {only_left}, only right {only_right}")
    for key in sorted(left_by_key.keys() & right_by_key.keys()):
        for column, value in left_by_key[key].items():
            other = right_by_key[key][column]
            if (
                isinstance(value, float)
                and isinstance(other, float)
                and math.isclose(value, other, rel_tol=1e-9, abs_tol=1e-9)
            ):
                continue
            if value != other:
                problems.append(f"{key}.{column}: {value!r} != {other!r}")
    return problems


@pytest.fixture(scope="module")
def history_raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("history") / "raw"
    generate(out, HISTORY_LEADS, HISTORY_SEED)
    return out


@pytest.fixture(scope="module")
def history_build(
    tmp_path_factory: pytest.TempPathFactory, history_raw_dir: Path
) -> Build:
    result = build(
        tmp_path_factory.mktemp("history_build"),
        history_raw_dir,
        unit_tests=False,
        full_history=True,
    )
    result.require_success()
    return result


def test_history_covers_the_window_up_to_the_scoring_date(
    history_build: Build,
) -> None:
    dates = [
        row[0]
        for row in history_build.query(
            "select distinct scored_as_of from lead_score_history order by 1"
        )
    ]
    scored_as_of = history_build.scalar("select max(scored_as_of) from lead_scores")
    assert len(dates) == 90
    assert dates[-1] == scored_as_of
    assert all(
        later - earlier == dt.timedelta(days=1)
        for earlier, later in itertools.pairwise(dates)
    )


@pytest.mark.parametrize("days_back", [1, 30, 89])
def test_history_equals_a_fresh_build_as_of_that_date(
    tmp_path: Path, history_build: Build, history_raw_dir: Path, days_back: int
) -> None:
    latest = history_build.scalar("select max(scored_as_of) from lead_score_history")
    date = latest - dt.timedelta(days=days_back)
    columns = ", ".join(SCORE_COLUMNS)
    history = history_build.query_dicts(
        f"select {columns} from lead_score_history where scored_as_of = ?"
        " order by lead_id",
        [date],
    )
    assert len(history) > 50, (date, len(history))
    # The scores really move between these dates, so equality means something.
    current = {
        row["lead_id"]: row["lead_score"]
        for row in history_build.query_dicts(
            "select lead_id, lead_score from lead_scores"
        )
    }
    assert sum(current[row["lead_id"]] != row["lead_score"] for row in history) > 10

    # A reference: the as-of build of test_end_to_end runs the data tests.
    fresh = build(
        tmp_path,
        history_raw_dir,
        dbt_vars={"lead_scoring__as_of_date": date.isoformat()},
        unit_tests=False,
        data_tests=False,
    )
    fresh.require_success()
    assert fresh.scalar("select max(scored_as_of) from lead_scores") == date
    rescored = fresh.query_dicts(f"select {columns} from lead_scores order by lead_id")
    assert same_rows(history, rescored) == []


def _write_activities(raw_dir: Path, table: pa.Table) -> None:
    pq.write_table(table, raw_dir / "activities.parquet")


@pytest.fixture(scope="module")
def arrivals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Raw folders of a first delivery and of everything that arrived by the
    next run: one more day of activities, rows of earlier days that arrived
    late (within the lookback), and re-delivered copies of loaded rows, one
    earlier than the loaded copy (it must replace it) and one later."""
    base = tmp_path_factory.mktemp("arrivals")
    full_dir = base / "full"
    generate(full_dir, INCREMENTAL_LEADS, INCREMENTAL_SEED)
    activities = pq.read_table(full_dir / "activities.parquet")
    latest = pc.max(activities.column("occurred_at")).as_py()
    cut = dt.datetime.combine(latest.date(), dt.time()) - dt.timedelta(days=1)
    occurred = activities.column("occurred_at")
    before_cut = pc.less(occurred, pa.scalar(cut, occurred.type))
    near_cut = pc.and_(
        before_cut,
        pc.greater_equal(
            occurred, pa.scalar(cut - dt.timedelta(days=2), occurred.type)
        ),
    )
    # Rows of activities delivered once, so "late" and "copy" mean what they say.
    counts: dict[str, int] = {}
    for activity_id in activities.column("activity_id").to_pylist():
        counts[activity_id] = counts.get(activity_id, 0) + 1
    ids = activities.column("activity_id").to_pylist()
    near_rows = [
        i
        for i, near in enumerate(near_cut.to_pylist())
        if near and ids[i] is not None and counts[ids[i]] == 1
    ]
    late_rows = set(random.Random(5).sample(near_rows, 40))
    is_first_delivery = [
        bool(before) and i not in late_rows
        for i, before in enumerate(before_cut.to_pylist())
    ]
    first = activities.filter(pa.array(is_first_delivery))

    # Re-delivered copies of rows of the first delivery near the cut.
    candidates = [i for i in near_rows if i not in late_rows and is_first_delivery[i]]
    delivered = candidates[:20]
    copies = activities.take(delivered).to_pylist()
    for number, row in enumerate(copies):
        shift = dt.timedelta(minutes=-30 if number % 2 else 30)
        row["occurred_at"] = row["occurred_at"] + shift
    # Broken rows: an earlier copy without a lead (it must not hide the
    # loaded copy), and rows without an activity_id (ranked as one group):
    # one in the first delivery within the lookback, one on the last day.
    broken = activities.take(candidates[20:23]).to_pylist()
    broken[0]["lead_id"] = None
    broken[0]["occurred_at"] -= dt.timedelta(hours=1)
    broken[1]["activity_id"] = None
    broken[1]["occurred_at"] = latest
    broken[2]["activity_id"] = None
    without_id = pa.Table.from_pylist(broken[2:], schema=activities.schema)
    first = pa.concat_tables([first, without_id])
    everything = pa.concat_tables(
        [
            activities,
            without_id,
            pa.Table.from_pylist(copies + broken[:2], schema=activities.schema),
        ]
    )

    first_dir = base / "first"
    first_dir.mkdir()
    for path in full_dir.iterdir():
        if path.name != "activities.parquet":
            (first_dir / path.name).write_bytes(path.read_bytes())
    _write_activities(first_dir, first)
    _write_activities(full_dir, everything)
    return {
        "first_dir": first_dir,
        "full_dir": full_dir,
        "late_ids": activities.take(sorted(late_rows))
        .column("activity_id")
        .to_pylist(),
        "earlier_copy_ids": [
            row["activity_id"] for number, row in enumerate(copies) if number % 2
        ],
    }


def _table(built: Build, relation: str, order_by: str) -> list[dict[str, Any]]:
    return built.query_dicts(f"select * from {relation} order by {order_by}")


def test_incremental_run_equals_full_refresh_and_reruns_change_nothing(
    tmp_path: Path, arrivals: dict[str, Any]
) -> None:
    daily_dir = tmp_path / "daily"
    # The first delivery only prepares the state; the daily run on it and
    # the full refresh run the data tests.
    first = build(daily_dir, arrivals["first_dir"], unit_tests=False, data_tests=False)
    first.require_success()
    history_before = _table(first, "lead_score_history", "lead_id, scored_as_of")
    dates_before = {row["scored_as_of"] for row in history_before}
    first_occurred = dict(
        first.query("select activity_id, occurred_at from fct_lead_activities")
    )
    first_ids = set(first_occurred)
    first_row_count = first.scalar(
        "select count(*) from base_marketing__activities_ranked"
    )
    assert not first_ids & set(arrivals["late_ids"])

    daily = build(daily_dir, arrivals["full_dir"], unit_tests=False)
    daily.require_success()
    refreshed = build(
        tmp_path / "full", arrivals["full_dir"], unit_tests=False, data_tests=False
    )
    refreshed.require_success()

    daily_facts = _table(daily, "fct_lead_activities", "activity_id")
    full_facts = _table(refreshed, "fct_lead_activities", "activity_id")
    assert len(daily_facts) > len(first_ids)
    assert daily_facts == full_facts
    # Every raw row with its copy rank and reason, and the quarantine, too.
    daily_rows = _table(daily, "base_marketing__activities_ranked", "all")
    assert daily_rows == _table(refreshed, "base_marketing__activities_ranked", "all")
    assert len(daily_rows) > first_row_count
    assert _table(daily, "fct_data_quality_issues", "all") == _table(
        refreshed, "fct_data_quality_issues", "all"
    )
    # The late rows and the earlier copies made it in, as a full build has them.
    loaded = {row["activity_id"]: row for row in daily_facts}
    assert set(arrivals["late_ids"]) <= loaded.keys()
    for activity_id in arrivals["earlier_copy_ids"]:
        assert loaded[activity_id]["occurred_at"] < first_occurred[activity_id]

    # Today's scores are the same; only the history-based lifecycle columns
    # may differ (the daily database scored its past dates when they came).
    daily_scores = [
        {k: v for k, v in row.items() if k not in HISTORY_DEPENDENT}
        for row in _table(daily, "lead_scores", "lead_id")
    ]
    full_scores = [
        {k: v for k, v in row.items() if k not in HISTORY_DEPENDENT}
        for row in _table(refreshed, "lead_scores", "lead_id")
    ]
    assert same_rows(daily_scores, full_scores) == []

    # The history kept every row it had and added only the new dates.
    history_after = _table(daily, "lead_score_history", "lead_id, scored_as_of")
    kept = [row for row in history_after if row["scored_as_of"] in dates_before]
    assert kept == history_before
    new_dates = {row["scored_as_of"] for row in history_after} - dates_before
    assert new_dates and all(date > max(dates_before) for date in new_dates)

    # Running again with nothing new changes nothing.
    again = build(daily_dir, arrivals["full_dir"], unit_tests=False)
    again.require_success()
    assert _table(again, "fct_lead_activities", "activity_id") == daily_facts
    assert _table(again, "base_marketing__activities_ranked", "all") == daily_rows
    assert _table(again, "lead_score_history", "lead_id, scored_as_of") == history_after
    assert _table(again, "lead_scores", "lead_id") == _table(
        daily, "lead_scores", "lead_id"
    )

    # A row that occurred before the lookback and arrives now is not read:
    # the activity reconciliation fails, and only that, until a full refresh.
    late_dir = tmp_path / "too_late"
    late_dir.mkdir()
    for path in arrivals["full_dir"].iterdir():
        (late_dir / path.name).write_bytes(path.read_bytes())
    delivered = pq.read_table(arrivals["full_dir"] / "activities.parquet")
    too_late = delivered.slice(0, 1).to_pylist()
    too_late[0]["activity_id"] = "A_TOO_LATE"
    too_late[0]["occurred_at"] = pc.min(delivered.column("occurred_at")).as_py()
    _write_activities(
        late_dir,
        pa.concat_tables(
            [delivered, pa.Table.from_pylist(too_late, schema=delivered.schema)]
        ),
    )
    stale = build(daily_dir, late_dir, unit_tests=False)
    assert not stale.run.success
    failed = {r["unique_id"] for r in stale.run.results("fail", "error")}
    assert failed == {"test.lead_scoring.assert_raw_activities_reconcile"}
    assert not stale.scalar(
        "select count(*) from base_marketing__activities_ranked"
        " where activity_id = 'A_TOO_LATE'"
    )


def test_accounts_hot_only_together(default_build: Build) -> None:
    default_build.require_success()
    accounts = default_build.query_dicts(
        "select account_domain, account_engagement_score, contact_count"
        " from account_scores where is_hot_only_together"
    )
    assert accounts, "no account is hot only together in the sample"
    for account in accounts:
        tiers = {
            row[0]
            for row in default_build.query(
                "select engagement_tier from lead_scores where account_domain = ?",
                [account["account_domain"]],
            )
        }
        assert "hot" not in tiers, account
        assert account["contact_count"] >= 2
        assert account["account_engagement_score"] >= 60
    # Free-mail addresses never form an account.
    assert (
        default_build.scalar(
            "select count(*) from dim_leads where email_domain_type = 'free'"
            " and account_domain = email_domain"
        )
        == 0
    )
