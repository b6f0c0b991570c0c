"""How a backtest places its cut-offs and splits examples in time: pure
Python on small in-memory data (the dbt side is in test_predictive_backtest)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
from lead_scoring import backtest_workspace, evaluation, modeling


def timeline(leads: list[tuple[datetime, datetime | None]]) -> object:
    """A Timeline of (created_at, first opportunity) pairs whose activity
    stops long before its last outcome."""
    opportunities = [o for _, o in leads if o is not None]
    return backtest_workspace.Timeline(
        data_ends_at=datetime(2025, 7, 1),
        latest_activity_at=datetime(2025, 6, 30),
        latest_opportunity_at=max(opportunities),
        latest_win_at=None,
        lead_created_at=[c for c, _ in leads],
        first_opportunity_at=[o for _, o in leads],
        first_win_at=[None for _ in leads],
    )


def monthly_leads(converting_from: date) -> list[tuple[datetime, datetime | None]]:
    """20 leads a month in 2024-2025; from `converting_from` on, every
    other lead converts 40 days after it was created."""
    leads = []
    for month in range(24):
        start = datetime(2024 + month // 12, month % 12 + 1, 1)
        for n in range(20):
            created = start + timedelta(days=n)
            converts = created.date() >= converting_from and n % 2 == 0
            leads.append((created, created + timedelta(days=40) if converts else None))
    return leads


def test_test_cutoffs_follow_the_outcomes_not_the_latest_activity() -> None:
    # activity ends in mid-2025, but outcomes run to February 2026
    choice = backtest_workspace.choose_cutoffs(
        timeline(monthly_leads(date(2024, 1, 1))),
        30,
        train_count=2,
        test_count=2,
        step_months=1,
    )
    # latest outcome: 2025-12-19 + 40 days = 2026-01-28; minus the 30-day
    # horizon is 2025-12-29, in December (the latest activity, 2025-06-30,
    # would have put the tests in 2025-05)
    assert choice.test == ["2025-11-01", "2025-12-01"]
    assert choice.train == ["2025-09-01", "2025-10-01"]
    assert "latest outcome" in choice.how[0]
    assert "2026-01-28" in choice.how[0]


def test_training_periods_without_conversions_are_passed_over() -> None:
    # nobody converted before 2024-10: those cut-offs would teach nothing
    # (the latest candidate is 2025-05-01, a 30-day horizon before the test)
    choice = backtest_workspace.choose_cutoffs(
        timeline(monthly_leads(date(2024, 9, 1))),
        30,
        test=["2025-06-01"],
        train_count=3,
        step_months=3,
    )
    assert choice.train == ["2024-11-01", "2025-02-01", "2025-05-01"]
    choice = backtest_workspace.choose_cutoffs(
        timeline(monthly_leads(date(2025, 2, 1))),
        30,
        test=["2025-06-01"],
        train_count=3,
        step_months=3,
    )
    assert choice.train == ["2025-05-01"]
    passed = next(line for line in choice.how if line.startswith("Passed over"))
    assert "2025-02-01 (0 of" in passed


def test_at_a_lead_age_the_test_period_holds_the_latest_leads() -> None:
    # leads stop in December 2025; outcomes run to late January 2026
    choice = backtest_workspace.choose_cutoffs(
        timeline(monthly_leads(date(2024, 1, 1))),
        30,
        test_count=1,
        step_months=3,
        lead_age_days=7,
    )
    # the latest lead (2025-12-20) is scored on 12-28; 2026-01-28 minus 30
    # days is 2025-12-29: the last test month is December, three months
    assert choice.test == ["2025-10-01", "2025-11-01", "2025-12-01"]
    assert choice.train == ["2025-09-01"]
    assert "2025-12-28" in choice.how[0]


def examples(cutoffs: list[str], labels: list[int]) -> modeling.Examples:
    return modeling.Examples(
        lead_id=[f"L{n}" for n in range(len(cutoffs))],
        cutoff=cutoffs,
        label=np.array(labels, dtype=float),
        numeric=[{} for _ in cutoffs],
        categorical=[{} for _ in cutoffs],
        scores={"is_horizon_observed": [True] * (len(cutoffs) - 1) + [False]},
    )


def test_at_a_lead_age_membership_is_by_scoring_moment() -> None:
    moments = [
        "2025-01-15",  # horizon ends 02-14, before the first test moment
        "2025-02-20",  # horizon ends 03-22: after 03-01, in neither set
        "2025-03-01",  # the first test moment
        "2025-04-30",  # in the last test month
        "2025-05-01",  # after it
        "2025-04-02",  # horizon not observed yet (last row)
    ]
    train, test = evaluation.split_examples(
        examples(moments, [1, 0, 1, 0, 1, 0]),
        ["2024-12-01"],
        ["2025-03-01", "2025-04-01"],
        horizon_days=30,
        at_lead_age=True,
    )
    assert train.cutoff == ["2025-01-15"]
    assert test.cutoff == ["2025-03-01", "2025-04-30"]
    rates = evaluation.period_rates(test, True, {"2025-03-01": 2, "2025-03-20": 1})
    assert rates == [
        {
            "period": "2025-03",
            "leads": 1,
            "converted": 1,
            "conversion_rate": 1.0,
            "converted_before": 3,
        },
        {
            "period": "2025-04",
            "leads": 1,
            "converted": 0,
            "conversion_rate": 0.0,
            "converted_before": 0,
        },
    ]


def test_at_calendar_cutoffs_membership_is_by_cutoff() -> None:
    train, test = evaluation.split_examples(
        examples(["2025-01-01", "2025-03-01", "2025-01-01"], [0, 1, 1]),
        ["2025-01-01"],
        ["2025-03-01"],
        horizon_days=30,
        at_lead_age=False,
    )
    assert train.lead_id == ["L0", "L2"]
    assert test.lead_id == ["L1"]
