"""Examples, the predictive model and learned points.

An example is one lead at one cut-off: its features as of the cut-off (the
`fct_lead_features` mart, long form), its rule-based scores (`lead_scores`) and
its label (`fct_lead_outcomes`). The predictive model is a regularised logistic
regression (scikit-learn) on those features, categorical ones one-hot
encoded with rare levels grouped as '(other)'. Its coefficients are folded
back onto the raw feature values, so dbt applies the model in SQL as
`intercept + sum(coefficient * value)` (models/intermediate/
int_leads_predicted.sql); `predict_logit` here does the same sum.

Learned points: a second, simpler logistic regression on what the point
model can express (categorical fit attributes, and each activity type's
decayed count), scaled like a credit scorecard: `points_to_double_odds`
points per doubling of the odds of converting.
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from lead_scoring import metrics

INTERCEPT = "(intercept)"
OTHER = "(other)"
MISSING = "(missing)"
DECAYED_PREFIX = "decayed_count__"
RECENCY_FEATURE = "log_days_since_last_activity"
# Company size bands of fct_lead_features and the employee_count ranges they are.
SIZE_BANDS = {
    "0-9": (0, 10),
    "10-49": (10, 50),
    "50-199": (50, 200),
    "200-4999": (200, 5000),
    "5000+": (5000, None),
}
COEFFICIENT_COLUMNS = (
    "model_version",
    "feature",
    "level",
    "coefficient",
    "trained_cutoffs",
    "horizon_days",
    "conversion_event",
    "training_rows",
    "training_conversion_rate",
    "training_auc",
)


@dataclass
class Examples:
    """Leads at one or more cut-offs: features, scores and labels."""

    lead_id: list[str]
    cutoff: list[str]
    label: np.ndarray
    numeric: list[dict[str, float]]
    categorical: list[dict[str, str]]
    scores: dict[str, list[Any]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.lead_id)

    @staticmethod
    def concat(parts: Iterable[Examples]) -> Examples:
        parts = list(parts)
        keys = parts[0].scores.keys() if parts else []
        return Examples(
            lead_id=[x for p in parts for x in p.lead_id],
            cutoff=[x for p in parts for x in p.cutoff],
            label=np.concatenate([p.label for p in parts]) if parts else np.zeros(0),
            numeric=[x for p in parts for x in p.numeric],
            categorical=[x for p in parts for x in p.categorical],
            scores={k: [x for p in parts for x in p.scores[k]] for k in keys},
        )

    def column(self, name: str) -> list[Any]:
        return self.scores[name]


# Regularisation strengths tried by time-ordered cross-validation (inverse L2
# strength, as scikit-learn's C, on standardised features).
C_GRID = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
# Used when there is no later cut-off to validate on (one training cut-off).
DEFAULT_C = 0.3
# Two numeric values are the same if they differ by less than this share of
# the larger magnitude (or of 1): below it a difference is float noise.
RELATIVE_TOLERANCE = 1e-6


def _distinct_from_mode(values: np.ndarray) -> int:
    """How many values differ from the most common one by more than the
    relative tolerance (so noise in the last bits of a float is no
    difference)."""
    if not values.size:
        return 0
    unique, counts = np.unique(values, return_counts=True)
    mode = unique[np.argmax(counts)]
    tolerance = RELATIVE_TOLERANCE * max(1.0, abs(float(mode)))
    return int(np.sum(np.abs(values - mode) > tolerance))


@dataclass
class Design:
    """How examples become a matrix: numeric columns (standardised with the
    training mean and spread) and one 0/1 column per kept categorical level,
    '(other)' standing for the rest.

    A feature is dropped when it is (near-)constant: fewer than
    `min_level_count` training rows differ from its most common value, two
    numbers counting as equal within RELATIVE_TOLERANCE. The same count
    groups rare categorical levels: a feature that varies in fewer rows than
    a level needs to be kept cannot be estimated, and a feature that does
    not vary at all has a spread of float noise (2.2e-16, not 0), which
    standardising turns into a coefficient of 1e11 or more."""

    numeric: list[str]
    levels: dict[str, list[str]]
    mean: np.ndarray
    scale: np.ndarray
    dropped: list[str] = field(default_factory=list)

    @staticmethod
    def learn(
        examples: Examples,
        *,
        min_level_count: int = 20,
        numeric: Sequence[str] | None = None,
        categorical: Sequence[str] | None = None,
    ) -> Design:
        if numeric is None:
            numeric = sorted({name for row in examples.numeric for name in row})
        if categorical is None:
            categorical = sorted({name for row in examples.categorical for name in row})
        dropped = []
        levels = {}
        for name in categorical:
            counts = Counter(row.get(name, MISSING) for row in examples.categorical)
            if len(examples) - max(counts.values(), default=0) < min_level_count:
                dropped.append(name)
                continue
            kept = sorted(level for level, n in counts.items() if n >= min_level_count)
            levels[name] = [*kept, OTHER]
        values = np.array(
            [[row.get(name, 0.0) for name in numeric] for row in examples.numeric],
            dtype=float,
        ).reshape(len(examples), len(numeric))
        varies = np.array(
            [
                _distinct_from_mode(values[:, column]) >= min_level_count
                for column in range(len(numeric))
            ],
            dtype=bool,
        )
        dropped += [
            name for name, keep in zip(numeric, varies, strict=True) if not keep
        ]
        values = values[:, varies]
        return Design(
            numeric=[name for name, keep in zip(numeric, varies, strict=True) if keep],
            levels=levels,
            mean=values.mean(axis=0),
            scale=values.std(axis=0),
            dropped=sorted(dropped),
        )

    @property
    def columns(self) -> list[tuple[str, str | None]]:
        return [(name, None) for name in self.numeric] + [
            (name, level) for name, levels in self.levels.items() for level in levels
        ]

    def matrix(self, examples: Examples) -> np.ndarray:
        values = np.array(
            [[row.get(name, 0.0) for name in self.numeric] for row in examples.numeric],
            dtype=float,
        ).reshape(len(examples), len(self.numeric))
        blocks = [(values - self.mean) / self.scale]
        for name, levels in self.levels.items():
            position = {level: i for i, level in enumerate(levels)}
            block = np.zeros((len(examples), len(levels)))
            for row_number, row in enumerate(examples.categorical):
                value = row.get(name, MISSING)
                block[row_number, position.get(value, position[OTHER])] = 1.0
            blocks.append(block)
        return np.hstack(blocks)


@dataclass
class LogisticModel:
    """A fitted logistic model as the SQL applies it: coefficients on raw
    feature values (standardisation folded in), with how it was fitted:
    the regularisation strength, how it was chosen, and the features
    dropped as (near-)constant."""

    intercept: float
    numeric: dict[str, float]
    categorical: dict[str, dict[str, float]]
    c: float = DEFAULT_C
    c_chosen_by: str = "given"
    cross_validation: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def logit(self, examples: Examples) -> np.ndarray:
        result = np.full(len(examples), self.intercept)
        for row_number, row in enumerate(examples.numeric):
            result[row_number] += sum(
                coefficient * row.get(name, 0.0)
                for name, coefficient in self.numeric.items()
            )
        for row_number, row in enumerate(examples.categorical):
            for name, levels in self.categorical.items():
                value = row.get(name, MISSING)
                result[row_number] += levels.get(value, levels.get(OTHER, 0.0))
        return result

    def probability(self, examples: Examples) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-np.clip(self.logit(examples), -40, 40)))

    def largest_coefficient(self) -> float:
        """The largest absolute weight, intercept included."""
        weights = [self.intercept, *self.numeric.values()]
        weights += [w for levels in self.categorical.values() for w in levels.values()]
        return float(max(abs(w) for w in weights))

    def summary(self) -> dict[str, Any]:
        return {
            "c": self.c,
            "c_chosen_by": self.c_chosen_by,
            "cross_validation": self.cross_validation,
            "dropped_features": self.dropped,
            "largest_coefficient": self.largest_coefficient(),
        }


def _subset(examples: Examples, keep: np.ndarray) -> Examples:
    rows = np.flatnonzero(keep)
    return Examples(
        lead_id=[examples.lead_id[i] for i in rows],
        cutoff=[examples.cutoff[i] for i in rows],
        label=examples.label[rows],
        numeric=[examples.numeric[i] for i in rows],
        categorical=[examples.categorical[i] for i in rows],
        scores={k: [v[i] for i in rows] for k, v in examples.scores.items()},
    )


def _log_loss(label: np.ndarray, probability: np.ndarray) -> float:
    probability = np.clip(probability, 1e-15, 1 - 1e-15)
    return float(
        -np.mean(label * np.log(probability) + (1 - label) * np.log1p(-probability))
    )


def choose_c(
    examples: Examples,
    *,
    grid: Sequence[float] = C_GRID,
    min_level_count: int = 20,
    numeric: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
) -> tuple[float, str, list[dict[str, Any]]]:
    """The regularisation strength of `grid` with the lowest validation log
    loss by forward chaining over the examples' cut-offs: fit on every
    cut-off before the k-th, validate on the k-th, for k = 2..n; losses are
    averaged over the folds weighted by their rows. Ties go to the stronger
    regularisation (smaller C). With one cut-off there is nothing later to
    validate on: DEFAULT_C, said so in the second value."""
    cutoffs = sorted(set(examples.cutoff))
    cutoff_of = np.array(examples.cutoff)
    folds = []
    for position in range(1, len(cutoffs)):
        train = _subset(examples, np.isin(cutoff_of, cutoffs[:position]))
        valid = _subset(examples, cutoff_of == cutoffs[position])
        if len(set(train.label.tolist())) == 2 and len(valid):
            folds.append((train, valid))
    if not folds:
        return DEFAULT_C, "default (no later cut-off to validate on)", []
    table = []
    for c in grid:
        losses, weights = [], []
        for train, valid in folds:
            model = _fit(
                train,
                c=c,
                min_level_count=min_level_count,
                numeric=numeric,
                categorical=categorical,
            )
            losses.append(_log_loss(valid.label, model.probability(valid)))
            weights.append(len(valid))
        table.append(
            {"c": c, "validation_log_loss": float(np.average(losses, weights=weights))}
        )
    best = min(table, key=lambda row: (round(row["validation_log_loss"], 12), row["c"]))
    return (
        best["c"],
        f"time-ordered cross-validation ({len(folds)} fold(s))",
        table,
    )


def fit_logistic(
    examples: Examples,
    *,
    c: float | None = None,
    grid: Sequence[float] = C_GRID,
    min_level_count: int = 20,
    numeric: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
) -> LogisticModel:
    """An L2-regularised logistic regression on standardised features, its
    coefficients folded back onto raw feature values. C is `c` when given,
    otherwise chosen from `grid` by `choose_c`."""
    if len(set(examples.label.tolist())) < 2:
        raise SystemExit(
            "The training examples hold only one outcome: choose other cut-offs "
            "or a longer horizon so that some leads convert and some do not."
        )
    chosen_by, table = "given", []
    if c is None:
        c, chosen_by, table = choose_c(
            examples,
            grid=grid,
            min_level_count=min_level_count,
            numeric=numeric,
            categorical=categorical,
        )
    model = _fit(
        examples,
        c=c,
        min_level_count=min_level_count,
        numeric=numeric,
        categorical=categorical,
    )
    model.c_chosen_by = chosen_by
    model.cross_validation = table
    return model


def _fit(
    examples: Examples,
    *,
    c: float,
    min_level_count: int,
    numeric: Sequence[str] | None,
    categorical: Sequence[str] | None,
) -> LogisticModel:
    from sklearn.linear_model import LogisticRegression

    design = Design.learn(
        examples,
        min_level_count=min_level_count,
        numeric=numeric,
        categorical=categorical,
    )
    model = LogisticRegression(C=c, max_iter=5000)
    with threadpool_limits(limits=1):
        model.fit(design.matrix(examples), examples.label)
    weights = model.coef_[0]
    count = len(design.numeric)
    numeric_weights = weights[:count] / design.scale
    intercept = float(model.intercept_[0] - np.sum(numeric_weights * design.mean))
    categorical_weights: dict[str, dict[str, float]] = {}
    position = count
    for name, levels in design.levels.items():
        categorical_weights[name] = {
            level: float(weights[position + i]) for i, level in enumerate(levels)
        }
        position += len(levels)
    return LogisticModel(
        intercept=intercept,
        numeric={
            name: float(w)
            for name, w in zip(design.numeric, numeric_weights, strict=True)
        },
        categorical=categorical_weights,
        c=c,
        dropped=design.dropped,
    )


def fit_gradient_boosting(train: Examples, test: Examples) -> np.ndarray:
    """Test-set probabilities of scikit-learn's gradient boosting on the same
    features: the reference a linear model is measured against."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    design = Design.learn(train)
    model = HistGradientBoostingClassifier(
        learning_rate=0.05, max_iter=300, max_leaf_nodes=15, random_state=0
    )
    # One thread: OpenMP workers that spin-wait make it 30 times slower on a
    # busy two-core machine, and the data is small.
    with threadpool_limits(limits=1):
        model.fit(design.matrix(train), train.label)
        return model.predict_proba(design.matrix(test))[:, 1]


def coefficient_rows(
    model: LogisticModel,
    train: Examples,
    *,
    horizon_days: int,
    conversion_event: str,
) -> list[dict[str, Any]]:
    """The rows of the predictive_coefficients seed for `model`."""
    body = [(INTERCEPT, "", model.intercept)]
    body += [(name, "", w) for name, w in sorted(model.numeric.items())]
    body += [
        (name, level, w)
        for name, levels in sorted(model.categorical.items())
        for level, w in sorted(levels.items())
    ]
    digest = hashlib.sha256(
        "\n".join(f"{f}|{lv}|{w:.10g}" for f, lv, w in body).encode()
    ).hexdigest()[:8]
    training_auc = metrics.roc_auc(train.label, model.logit(train))
    shared = {
        "model_version": f"{date.today():%Y-%m-%d}+{digest}",
        "trained_cutoffs": "|".join(sorted(set(train.cutoff))),
        "horizon_days": horizon_days,
        "conversion_event": conversion_event,
        "training_rows": len(train),
        "training_conversion_rate": f"{train.label.mean():.6f}",
        "training_auc": f"{training_auc:.6f}",
    }
    return [
        {**shared, "feature": f, "level": lv, "coefficient": repr(float(w))}
        for f, lv, w in body
        if f == INTERCEPT or abs(w) > 1e-12
    ]


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({column: row.get(column, "") for column in columns})


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


# --- learned points ------------------------------------------------------


# Seed limits (seeds/_seeds.yml): points within 100 either way.
MAX_POINTS = 100
# The half-life int_leads_engagement_by_type decays activity types that
# activity_weights does not list (dbt var lead_scoring__default_half_life_days).
DEFAULT_HALF_LIFE_DAYS = 30.0
# Without a current cap to copy: the number of activities that reach the cap.
DEFAULT_ACTIVITIES_TO_CAP = 5.0


@dataclass
class LearnedPoints:
    """A point model learned from data: points per categorical level (the
    lowest-weighted level of each attribute is 0, every other level 0 or
    more) and per activity, decayed with the current half-lives and capped
    like the current weights."""

    fit_points: dict[str, dict[str, int]]
    activity_points: dict[str, int]
    activity_caps: dict[str, float]
    points_to_double_odds: float
    model: LogisticModel | None = None

    def fit_sums(self, examples: Examples) -> np.ndarray:
        """Each lead's learned fit points (the fit rules' sum)."""
        return np.array(
            [
                sum(
                    levels.get(texts.get(name, MISSING), 0)
                    for name, levels in self.fit_points.items()
                )
                for texts in examples.categorical
            ],
            dtype=float,
        )

    def fit_into_full_score(
        self, examples: Examples, full_score: float, quantile: float = 99.0
    ) -> float:
        """Scale the fit points down so that `quantile` percent of the
        training leads' fit sums stay under `full_score` (the fit points
        that make a fit_score of 100). Without it, learned sums of a few
        hundred points put nearly every lead at the ceiling and fit_score
        ranks nobody. Returns the factor applied (1 when they fit already).
        Ranking by fit points alone is unchanged, up to rounding."""
        sums = self.fit_sums(examples)
        reach = float(np.percentile(sums, quantile)) if sums.size else 0.0
        if reach <= full_score:
            return 1.0
        factor = full_score / reach
        self.fit_points = {
            name: {level: round(value * factor) for level, value in levels.items()}
            for name, levels in self.fit_points.items()
        }
        return factor

    def score(self, examples: Examples) -> np.ndarray:
        result = np.zeros(len(examples))
        for row_number, (numbers, texts) in enumerate(
            zip(examples.numeric, examples.categorical, strict=True)
        ):
            total = 0.0
            for name, levels in self.fit_points.items():
                total += levels.get(texts.get(name, MISSING), 0)
            for activity_type, points in self.activity_points.items():
                value = points * numbers.get(DECAYED_PREFIX + activity_type, 0.0)
                cap = self.activity_caps[activity_type]
                total += max(-cap, min(cap, value))
            result[row_number] = total
        return result


def activity_types_seen(examples: Examples) -> list[str]:
    """Every activity type with a feature in the examples (fct_lead_features
    has per-type counts for every type in the data, listed in
    activity_weights or not)."""
    types = set()
    for row in examples.numeric:
        for name in row:
            prefix, separator, activity_type = name.partition("__")
            if separator and (
                prefix == "log_count_all" or name.startswith(DECAYED_PREFIX)
            ):
                types.add(activity_type)
    return sorted(types)


def _clip_points(value: float) -> int:
    return int(max(-MAX_POINTS, min(MAX_POINTS, round(value))))


def learn_points(
    examples: Examples,
    activity_weights: list[dict[str, str]],
    *,
    points_to_double_odds: float = 20.0,
    c: float | None = None,
    min_level_count: int = 20,
    fit_attributes: Sequence[str] | None = None,
) -> LearnedPoints:
    """Fit a logistic model on the point model's own terms and scale it:
    points = coefficient * points_to_double_odds / ln 2 (within 100 either
    way, as the seed tests require). Every activity type seen in the
    examples gets points, those activity_weights lacks included; a type the
    current weights list with 0 points stays at 0. Per fit attribute the
    level with the lowest coefficient is the 0-point reference, so every
    learned fit rule adds points and no lead's fit sum is negative (a
    negative sum is clamped to a fit score of 0)."""
    listed = {row["activity_type"].strip().lower(): row for row in activity_weights}
    # A type the current weights give no points (email_send: not the lead's
    # own doing) keeps none.
    zero = {t for t, row in listed.items() if float(row["points"] or 0) == 0}
    types = sorted((set(listed) | set(activity_types_seen(examples))) - zero)
    if fit_attributes is None:
        fit_attributes = sorted({name for row in examples.categorical for name in row})
    model = fit_logistic(
        examples,
        c=c,
        min_level_count=min_level_count,
        numeric=[DECAYED_PREFIX + t for t in types],
        categorical=fit_attributes,
    )
    factor = points_to_double_odds / math.log(2)
    fit_points = {}
    for name, levels in model.categorical.items():
        # '(other)' (rare and unseen levels) has no rule, so 0 points: it is
        # a candidate for the reference like any level
        reference = min(levels.values())
        fit_points[name] = {
            level: _clip_points((weight - reference) * factor)
            for level, weight in levels.items()
            if level != OTHER
        }
    activity_points, caps = {}, {}
    for activity_type in sorted(set(listed) | set(types)):
        points = _clip_points(
            model.numeric.get(DECAYED_PREFIX + activity_type, 0.0) * factor
        )
        row = listed.get(activity_type, {})
        current_points = abs(float(row.get("points") or 0))
        current_cap = float(row["max_points"]) if row.get("max_points") else None
        # the same number of activities reaches the cap as before
        activities_to_cap = (
            current_cap / current_points
            if current_points and current_cap
            else DEFAULT_ACTIVITIES_TO_CAP
        )
        activity_points[activity_type] = points
        caps[activity_type] = abs(points) * activities_to_cap
    return LearnedPoints(
        fit_points, activity_points, caps, points_to_double_odds, model=model
    )


def proposed_activity_weights(
    points: LearnedPoints, activity_weights: list[dict[str, str]]
) -> list[dict[str, Any]]:
    """The activity_weights seed with learned points and caps: its rows in
    their order, then a row for each type it lacks (label from the type's
    name, the default half-life)."""
    columns = (
        list(activity_weights[0].keys())
        if activity_weights
        else [
            "activity_type",
            "activity_label",
            "points",
            "half_life_days",
            "max_points",
        ]
    )
    listed = {row["activity_type"].strip().lower(): row for row in activity_weights}
    rows = []
    for activity_type in [*listed, *sorted(set(points.activity_points) - set(listed))]:
        row = listed.get(activity_type) or {column: "" for column in columns} | {
            "activity_type": activity_type,
            "activity_label": activity_type.replace("_", " ").capitalize(),
            "half_life_days": f"{DEFAULT_HALF_LIFE_DAYS:g}",
        }
        rows.append(
            {
                **row,
                "points": points.activity_points.get(activity_type, 0),
                "max_points": round(points.activity_caps.get(activity_type, 0.0), 1),
            }
        )
    return rows


FIT_RULE_COLUMNS = (
    "rule_id",
    "attribute",
    "match_kind",
    "match_value",
    "range_min",
    "range_max",
    "points",
    "reason",
)


def proposed_fit_rules(points: LearnedPoints) -> list[dict[str, Any]]:
    """One fit rule per attribute level with non-zero points."""
    rows = []
    for name, levels in sorted(points.fit_points.items()):
        for level, value in sorted(levels.items()):
            if value == 0:
                continue
            rule = {
                "rule_id": _rule_id(name, level),
                "attribute": name,
                "match_kind": "equals",
                "match_value": level,
                "range_min": "",
                "range_max": "",
                "points": value,
                "reason": f"{name.replace('_', ' ').capitalize()} is {level}",
            }
            if level == MISSING:
                rule.update(
                    match_kind="is_missing",
                    match_value="",
                    reason=f"No {name.replace('_', ' ')} given",
                )
            if name == "company_size_band":
                rule["attribute"] = "employee_count"
                if level in SIZE_BANDS:
                    low, high = SIZE_BANDS[level]
                    rule.update(
                        match_kind="numeric_range",
                        match_value="",
                        range_min=low,
                        range_max="" if high is None else high,
                        reason=f"Company of {level} employees",
                    )
            rows.append(rule)
    return rows


def _rule_id(name: str, level: str) -> str:
    text = f"learned_{name}_{level}".lower()
    cleaned = "".join(ch if ch.isalnum() else "_" for ch in text)
    while "__" in cleaned:
        cleaned = cleaned.replace("__", "_")
    return cleaned.strip("_")
