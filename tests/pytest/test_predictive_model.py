"""The predictive model, learned points, metrics and report, on small data
made here with known answers (no dbt: these run in seconds)."""

from __future__ import annotations

import math
import re

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
    # the lowest level is the reference: no level is below 0 ('bad' is at
    # or near it; '(other)' may be a hair lower)
    industry = points.fit_points["industry"]
    assert min(industry.values()) >= 0 and industry["bad"] <= 3
    assert industry["good"] - industry["bad"] == pytest.approx(
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


# --- fitting that cannot blow up ------------------------------------------------

# Coefficients on standardised features of real data are a few units; folded
# onto raw values they stay within this for features of unit scale. The
# constant-column fit this guards against gave 7.5e11.
BOUNDED = 100.0


def with_columns(examples: modeling.Examples, **columns: list[float]) -> None:
    for name, values in columns.items():
        for row, value in zip(examples.numeric, values, strict=True):
            row[name] = value


def test_constant_and_near_constant_features_are_dropped() -> None:
    train = synthetic_examples(3000, seed=8)
    count = len(train)
    # numpy's spread of a constant 0.1 column is 2.8e-17, not 0
    assert np.std(np.full(count, 0.1)) != 0
    near = [2.3] * count
    for row in range(0, 15 * 3, 3):  # 15 leads differ: fewer than 20
        near[row] = 7.0
    noisy = [2.3 + (1e-12 if row % 2 else 0.0) for row in range(count)]
    with_columns(train, constant=[0.1] * count, near_constant=near, noisy=noisy)
    for row in train.categorical:
        row["one_country"] = "fr"
    model = modeling.fit_logistic(train, c=1.0)
    assert {"constant", "near_constant", "noisy", "one_country"} <= set(model.dropped)
    assert not {"constant", "near_constant", "noisy"} & set(model.numeric)
    assert "one_country" not in model.categorical
    assert model.largest_coefficient() < BOUNDED
    # what it keeps still finds the signal
    assert model.numeric["decayed_count__page_view"] == pytest.approx(0.8, abs=0.15)


def test_a_feature_that_varies_in_enough_rows_is_kept() -> None:
    train = synthetic_examples(3000, seed=9)
    sparse = [1.0 if row % 100 == 0 else 0.0 for row in range(len(train))]
    with_columns(train, sparse=sparse)  # 30 leads: enough
    model = modeling.fit_logistic(train, c=1.0)
    assert "sparse" in model.numeric and "sparse" not in model.dropped


def separable_examples(seed: int, cutoffs: list[str]) -> modeling.Examples:
    """Every lead with `signal` 1 converts and no other: an unregularised fit
    has no finite optimum (its coefficient grows without bound)."""
    rng = np.random.default_rng(seed)
    count = 200 * len(cutoffs)
    signal = (rng.random(count) < 0.3).astype(float)
    return modeling.Examples(
        lead_id=[f"S{n}" for n in range(count)],
        cutoff=[cutoffs[n % len(cutoffs)] for n in range(count)],
        label=signal.copy(),
        numeric=[
            {"signal": s, "noise": float(n)}
            for s, n in zip(signal, rng.normal(size=count), strict=True)
        ],
        categorical=[{} for _ in range(count)],
    )


def test_separable_data_stays_bounded() -> None:
    from sklearn.linear_model import LogisticRegression

    examples = separable_examples(0, ["2025-01-01", "2025-04-01", "2025-07-01"])
    signal = np.array([row["signal"] for row in examples.numeric])
    # perfectly separated: no finite maximum likelihood, so the weaker the
    # penalty the larger the coefficient, without end
    assert np.array_equal(signal, examples.label)
    design = modeling.Design.learn(examples)
    weights = [
        abs(
            LogisticRegression(C=c, max_iter=20000, tol=1e-10)
            .fit(design.matrix(examples), examples.label)
            .coef_[0][design.numeric.index("signal")]
        )
        for c in (1.0, 1e3, 1e6)
    ]
    assert weights[0] < weights[1] < weights[2]
    model = modeling.fit_logistic(examples)
    assert model.c in modeling.C_GRID
    assert model.largest_coefficient() < BOUNDED
    assert np.all(np.isfinite(model.probability(examples)))


def test_c_is_chosen_by_time_ordered_cross_validation() -> None:
    examples = modeling.Examples.concat(
        [synthetic_examples(800, seed=10 + n) for n in range(3)]
    )
    examples.cutoff = [
        ["2025-01-01", "2025-04-01", "2025-07-01"][n // 800] for n in range(2400)
    ]
    model = modeling.fit_logistic(examples)
    assert model.c in modeling.C_GRID
    assert "2 fold" in model.c_chosen_by
    table = {row["c"]: row["validation_log_loss"] for row in model.cross_validation}
    assert set(table) == set(modeling.C_GRID)
    assert table[model.c] == min(table.values())
    # a grid of one value can only choose that value
    only = modeling.fit_logistic(examples, grid=(0.05,))
    assert only.c == 0.05
    assert model.summary()["c"] == model.c


def test_one_cutoff_falls_back_to_the_default_c() -> None:
    model = modeling.fit_logistic(synthetic_examples(1000, seed=13))
    assert model.c == modeling.DEFAULT_C
    assert model.c_chosen_by.startswith("default")
    assert model.cross_validation == []


def test_forward_chaining_never_validates_on_an_earlier_cutoff(monkeypatch) -> None:
    examples = separable_examples(1, ["2025-01-01", "2025-04-01", "2025-07-01"])
    seen = []
    original = modeling._fit

    def spy(train, **kwargs):
        seen.append(sorted(set(train.cutoff)))
        return original(train, **kwargs)

    monkeypatch.setattr(modeling, "_fit", spy)
    modeling.choose_c(examples, grid=(1.0,))
    assert seen == [["2025-01-01"], ["2025-01-01", "2025-04-01"]]


# --- learned points: every activity type, no pile at 0 ----------------------------


def test_learned_points_cover_types_the_weights_lack() -> None:
    train = synthetic_examples(3000, seed=14)
    rng = np.random.default_rng(14)
    for row, label in zip(train.numeric, train.label, strict=True):
        row["log_count_all__webinar_attended"] = 0.7
        row["decayed_count__webinar_attended"] = float(rng.random() < 0.2 + 0.4 * label)
    weights = [
        {
            "activity_type": "page_view",
            "activity_label": "Visited",
            "points": "1",
            "half_life_days": "14",
            "max_points": "15",
        }
    ]
    points = modeling.learn_points(train, weights, fit_attributes=["industry"], c=1.0)
    assert points.activity_points["webinar_attended"] > 0
    rows = modeling.proposed_activity_weights(points, weights)
    assert [row["activity_type"] for row in rows] == ["page_view", "webinar_attended"]
    new = rows[1]
    assert new["activity_label"] == "Webinar attended"
    assert new["half_life_days"] == "30"
    assert new["max_points"] == round(5 * new["points"], 1)


def test_learned_fit_points_start_at_zero_for_the_lowest_level() -> None:
    """The lowest level of each attribute is 0 and every other level above
    it, so a lead's learned fit sum is never negative (a negative sum would
    be clamped to a fit score of 0)."""
    train = synthetic_examples(3000, seed=15)
    rng = np.random.default_rng(15)
    for row, label in zip(train.categorical, train.label, strict=True):
        row["country"] = (
            rng.choice(["us", "de", "in"], p=[0.2, 0.3, 0.5])
            if label
            else (rng.choice(["us", "de", "in"], p=[0.5, 0.3, 0.2]))
        )
    points = modeling.learn_points(
        train, [], fit_attributes=["industry", "country"], c=1.0
    )
    for levels in points.fit_points.values():
        assert min(levels.values()) == 0 or modeling.OTHER not in levels
        assert all(value >= 0 for value in levels.values())
    # 'us' converts least here: it is the reference
    assert points.fit_points["country"]["us"] == 0
    assert points.fit_points["country"]["in"] > points.fit_points["country"]["de"] > 0
    assert all(rule["points"] > 0 for rule in modeling.proposed_fit_rules(points))


def test_learned_fit_points_are_scaled_into_the_full_score() -> None:
    """Learned fit sums beyond the points of a full fit_score would put
    most leads at the ceiling: they are scaled down so 99% stay under it,
    keeping the order of the levels; sums that fit already are left alone."""
    train = synthetic_examples(3000, seed=17)
    points = modeling.LearnedPoints(
        fit_points={
            "industry": {"software": 150, "retail": 60, "other": 0},
            "country": {"us": 120, "de": 0},
        },
        activity_points={},
        activity_caps={},
        points_to_double_odds=20.0,
    )
    for row, number in zip(train.categorical, range(len(train)), strict=True):
        row["industry"] = ("software", "retail", "other")[number % 3]
        row["country"] = ("us", "de")[number % 2]
    assert np.mean(points.fit_sums(train) >= 100) > 0.5
    factor = points.fit_into_full_score(train, 100.0)
    assert factor == pytest.approx(100 / 270)
    sums = points.fit_sums(train)
    assert np.percentile(sums, 99) <= 100
    industry = points.fit_points["industry"]
    assert industry["software"] > industry["retail"] > industry["other"] == 0
    assert points.fit_into_full_score(train, 100.0) == 1.0


# --- ties in metrics ------------------------------------------------------------


def test_constant_score_has_lift_one_in_every_decile() -> None:
    rng = np.random.default_rng(16)
    y = (rng.random(997) < 0.1).astype(float)
    y[:40] = 1  # converters first: a by-position split would favour decile 1
    rows = metrics.deciles(y, np.zeros(y.size))
    assert [row["lift"] for row in rows] == pytest.approx([1.0] * 10)
    assert sum(row["leads"] for row in rows) == y.size
    assert rows[-1]["cumulative_share_of_converters"] == pytest.approx(1.0)
    calibration = metrics.calibration(y, np.full(y.size, 0.2))
    assert [row["observed"] for row in calibration] == pytest.approx([y.mean()] * 10)


def test_metrics_do_not_depend_on_row_order() -> None:
    rng = np.random.default_rng(17)
    y = (rng.random(500) < 0.2).astype(float)
    score = np.round(rng.random(500) + 0.5 * y, 1)  # coarse: many ties
    order = rng.permutation(y.size)

    def everything(y_: np.ndarray, score_: np.ndarray) -> list:
        flag = metrics.top_k(score_, 37)
        return [
            metrics.deciles(y_, score_),
            metrics.calibration(y_, np.clip(score_ / 2, 0, 1)),
            metrics.precision_recall(y_, flag),
            metrics.roc_auc(y_, score_),
            metrics.average_precision(y_, score_),
        ]

    first, second = everything(y, score), everything(y[order], score[order])
    for table in (0, 1):
        for row, other in zip(first[table], second[table], strict=True):
            assert row == pytest.approx(other)
    assert first[2] == pytest.approx(second[2])
    assert first[3:] == pytest.approx(second[3:])
    # by position (the old split) the first decile changes with the order
    by_position = [
        float(y_[np.argsort(-s, kind="mergesort")[:50]].sum())
        for y_, s in ((y, score), (y[order], score[order]))
    ]
    assert by_position[0] != by_position[1]


def test_top_k_shares_the_boundary_tie() -> None:
    flag = metrics.top_k([5, 3, 3, 3, 1], 2)
    assert flag.tolist() == pytest.approx([1, 1 / 3, 1 / 3, 1 / 3, 0])
    assert metrics.precision_recall([0, 1, 0, 0, 1], flag) == {
        "flagged": 2,
        "precision": pytest.approx(1 / 6),
        "recall": pytest.approx(1 / 6),
    }


def test_fit_sums_add_the_matched_levels() -> None:
    points = modeling.LearnedPoints(
        fit_points={"industry": {"good": 30, "bad": 0}, "colour": {"red": 5}},
        activity_points={},
        activity_caps={},
        points_to_double_odds=20,
    )
    examples = modeling.Examples(
        lead_id=["a", "b", "c"],
        cutoff=["x"] * 3,
        label=np.zeros(3),
        numeric=[{}, {}, {}],
        categorical=[
            {"industry": "good", "colour": "red"},
            {"industry": "bad", "colour": "blue"},
            {},
        ],
    )
    assert points.fit_sums(examples).tolist() == [35.0, 0.0, 0.0]
