"""The predictive model, learned points, metrics and report, on small data
made here with known answers (no dbt: these run in seconds)."""

from __future__ import annotations

import math
import re
from datetime import datetime

import numpy as np
import pytest
from lead_scoring import backtest_workspace, metrics, modeling, report
from sklearn import metrics as sk_metrics
from sklearn.linear_model import LogisticRegression

# --- metrics equal scikit-learn's on the same arrays ---------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_metrics_equal_scikit_learns(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = (rng.random(500) < 0.2).astype(float)
    # coarse scores: many ties, which both must treat as one threshold
    score = np.round(rng.random(500) + 0.5 * y, 1)
    probability = np.clip(rng.random(500) * 0.5 + 0.3 * y, 0, 1)
    assert metrics.roc_auc(y, score) == pytest.approx(
        sk_metrics.roc_auc_score(y, score), abs=1e-12
    )
    assert metrics.average_precision(y, score) == pytest.approx(
        sk_metrics.average_precision_score(y, score), abs=1e-12
    )
    assert metrics.brier(y, probability) == pytest.approx(
        sk_metrics.brier_score_loss(y, probability), abs=1e-12
    )


def test_metrics_known_values() -> None:
    y = [1, 1, 0, 0]
    assert metrics.roc_auc(y, [4, 3, 2, 1]) == 1.0
    assert metrics.roc_auc(y, [1, 2, 3, 4]) == 0.0
    assert metrics.roc_auc(y, [1, 1, 1, 1]) == 0.5
    assert math.isnan(metrics.roc_auc([1, 1], [0.2, 0.4]))
    deciles = metrics.deciles([1] * 10 + [0] * 90, list(range(100, 0, -1)))
    assert deciles[0]["conversion_rate"] == 1.0
    assert deciles[0]["lift"] == pytest.approx(10.0)
    assert deciles[-1]["cumulative_share_of_converters"] == 1.0
    assert metrics.precision_recall([1, 0, 1, 0], [True, True, False, False]) == {
        "flagged": 2,
        "precision": 0.5,
        "recall": 0.5,
    }
    with pytest.raises(ValueError, match="only 0 and 1"):
        metrics.roc_auc([2, 0], [1, 0])


# --- a model fitted on data with a known answer ----------------------------


def synthetic_examples(count: int, seed: int) -> modeling.Examples:
    """Leads whose chance to convert rises with `visits` and is higher for
    industry 'good' than 'bad'; 'noise' and 'colour' carry nothing."""
    rng = np.random.default_rng(seed)
    visits = rng.poisson(2.0, count).astype(float)
    industry = rng.choice(
        ["good", "bad", "rare"], count, p=[0.45, 0.547, 0.003]
    ).tolist()
    colour = rng.choice(["red", "blue"], count).tolist()
    noise = rng.normal(size=count)
    logit = -2.5 + 0.8 * visits + np.where(np.array(industry) == "good", 1.0, -1.0)
    label = (rng.random(count) < 1 / (1 + np.exp(-logit))).astype(float)
    numeric = [
        {"decayed_count__page_view": v, "noise": n}
        if v
        else {"noise": n}  # like fct_lead_features: a 0 count has no row
        for v, n in zip(visits, noise, strict=True)
    ]
    categorical = [
        {"industry": i, "colour": c} for i, c in zip(industry, colour, strict=True)
    ]
    return modeling.Examples(
        lead_id=[f"L{n}" for n in range(count)],
        cutoff=["2026-01-01"] * count,
        label=label,
        numeric=numeric,
        categorical=categorical,
    )


def test_fitted_model_beats_random_and_finds_the_signal() -> None:
    train = synthetic_examples(4000, seed=1)
    test = synthetic_examples(2000, seed=2)
    model = modeling.fit_logistic(train, c=1.0)
    assert metrics.roc_auc(test.label, model.probability(test)) > 0.8
    assert model.numeric["decayed_count__page_view"] == pytest.approx(0.8, abs=0.15)
    assert abs(model.numeric["noise"]) < 0.1
    levels = model.categorical["industry"]
    assert levels["good"] - levels["bad"] == pytest.approx(2.0, abs=0.35)
    # 'rare' has fewer than 20 training leads: grouped into '(other)'
    assert "rare" not in levels and modeling.OTHER in levels


def test_folded_coefficients_give_scikit_learns_logits() -> None:
    """The coefficients on raw values (what SQL applies) reproduce the
    decision function of the standardised model scikit-learn fitted."""
    train = synthetic_examples(1500, seed=3)
    model = modeling.fit_logistic(train, c=0.5)
    design = modeling.Design.learn(train)
    reference = LogisticRegression(C=0.5, max_iter=5000).fit(
        design.matrix(train), train.label
    )
    expected = reference.decision_function(design.matrix(train))
    np.testing.assert_allclose(model.logit(train), expected, atol=1e-6)


def test_unseen_level_takes_the_other_coefficient() -> None:
    train = synthetic_examples(1500, seed=4)
    model = modeling.fit_logistic(train)
    lead = modeling.Examples(
        lead_id=["new", "other"],
        cutoff=["x", "x"],
        label=np.zeros(2),
        numeric=[{}, {}],
        categorical=[
            {"industry": "never seen", "colour": "red"},
            {"industry": modeling.OTHER, "colour": "red"},
        ],
    )
    first, second = model.logit(lead)
    assert first == second


def test_coefficient_rows_hold_the_model_and_its_training() -> None:
    train = synthetic_examples(1500, seed=5)
    model = modeling.fit_logistic(train)
    rows = modeling.coefficient_rows(
        model, train, horizon_days=90, conversion_event="opportunity_created"
    )
    assert rows[0]["feature"] == modeling.INTERCEPT
    assert float(rows[0]["coefficient"]) == pytest.approx(model.intercept)
    assert {row["model_version"] for row in rows} == {rows[0]["model_version"]}
    keys = [(row["feature"], row["level"]) for row in rows]
    assert len(keys) == len(set(keys))
    assert ("industry", "good") in keys
    assert float(rows[0]["training_auc"]) > 0.7


def test_learned_points_follow_the_signal_and_the_scorecard_scale() -> None:
    train = synthetic_examples(4000, seed=6)
    weights = [
        {
            "activity_type": "page_view",
            "activity_label": "Visited",
            "points": "1",
            "half_life_days": "14",
            "max_points": "15",
        },
        {
            "activity_type": "email_send",
            "activity_label": "Was sent an email",
            "points": "0",
            "half_life_days": "30",
            "max_points": "0",
        },
    ]
    points = modeling.learn_points(
        train, weights, points_to_double_odds=20, fit_attributes=["industry"], c=10
    )
    # 0.8 log-odds per visit is 0.8 / ln 2 doublings: about 23 points
    assert points.activity_points["page_view"] == pytest.approx(
        0.8 * 20 / math.log(2), abs=5
    )
    assert points.activity_points["email_send"] == 0
    # the more common level ('bad') is the 0-point reference
    assert points.fit_points["industry"]["bad"] == 0
    assert points.fit_points["industry"]["good"] == pytest.approx(
        2.0 * 20 / math.log(2), abs=10
    )
    # the cap keeps the current number of activities to reach it (15 / 1)
    assert points.activity_caps["page_view"] == 15 * abs(
        points.activity_points["page_view"]
    )
    test = synthetic_examples(2000, seed=7)
    assert metrics.roc_auc(test.label, points.score(test)) > 0.8
    rules = modeling.proposed_fit_rules(points)
    assert {rule["match_value"] for rule in rules} == {"good"}
    assert rules[0]["rule_id"] == "learned_industry_good"


def test_proposed_weights_keep_labels_and_half_lives() -> None:
    points = modeling.LearnedPoints(
        fit_points={},
        activity_points={"demo_request": 12},
        activity_caps={"demo_request": 16.0},
        points_to_double_odds=20,
    )
    [row] = modeling.proposed_activity_weights(
        points,
        [
            {
                "activity_type": "demo_request",
                "activity_label": "Requested a demo",
                "points": "30",
                "half_life_days": "60",
                "max_points": "40",
            }
        ],
    )
    assert row == {
        "activity_type": "demo_request",
        "activity_label": "Requested a demo",
        "points": 12,
        "half_life_days": "60",
        "max_points": 16.0,
    }


# --- cut-offs: a time-based split only --------------------------------------


def test_default_cutoffs_leave_a_horizon_between_train_and_test() -> None:
    train, test = backtest_workspace.default_cutoffs(
        datetime(2026, 7, 1), 90, train_count=3, test_count=1
    )
    assert test == ["2026-04-01"]
    assert train == ["2025-07-01", "2025-10-01", "2026-01-01"]
    backtest_workspace.check_split(train, test, 90)


def test_overlapping_split_is_refused() -> None:
    with pytest.raises(SystemExit, match="horizon reaches past"):
        backtest_workspace.check_split(["2026-01-15"], ["2026-03-01"], 90)


# --- the report ---------------------------------------------------------------


def test_report_is_self_contained(tmp_path) -> None:
    rng = np.random.default_rng(0)
    y = (rng.random(300) < 0.1).astype(float)
    probability = np.clip(0.1 + 0.4 * y + rng.normal(0, 0.1, 300), 0.001, 0.999)
    grades = ["A" if p > 0.3 else "D" for p in probability]
    models = {}
    for name in report.COLOURS:
        models[name] = {
            "label": name,
            "roc_auc": metrics.roc_auc(y, probability),
            "pr_auc": metrics.average_precision(y, probability),
            "deciles": metrics.deciles(y, probability),
            "at_sales_ready_volume": metrics.precision_recall(y, probability > 0.3),
            "distribution": metrics.histogram(y, probability),
            "by_group": {"predictive_grade": metrics.by_group(y, grades)},
            "brier": metrics.brier(y, probability),
            "calibration": metrics.calibration(y, probability),
        }
    html = report.render(
        {
            "generated_at": "2026-01-01T00:00:00+00:00",
            "raw_dir": "data/raw",
            "conversion_event": "opportunity_created",
            "horizon_days": 90,
            "train_cutoffs": ["2025-10-01"],
            "test_cutoffs": ["2026-01-01"],
            "train": {"leads": 300, "conversion_rate": 0.1},
            "test": {"leads": 300, "conversion_rate": float(y.mean())},
            "sales_ready_leads": 30,
            "sql_vs_python_probability_max_difference": 0.0,
            "models": models,
            "roc_auc_by_test_cutoff": {"2026-01-01": {"predictive": 0.9}},
        }
    )
    assert html.count("<svg") >= 6
    assert "<script" not in html and " src=" not in html and "<link" not in html
    # the only URL is the SVG namespace
    assert set(re.findall(r"https?://[^\"' ]+", html)) == {"http://www.w3.org/2000/svg"}
