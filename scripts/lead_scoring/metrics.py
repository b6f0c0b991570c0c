"""How well a score ranks and predicts conversions, in plain numpy.

Each function takes the outcome `y` (1 converted, 0 not) and a score (higher
means more likely to convert) as arrays of the same length. ROC AUC, PR AUC
(average precision) and the Brier score follow scikit-learn's definitions
(ties in the score are one threshold), so they give the same numbers
(tests/pytest/test_predictive_metrics.py checks it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def _arrays(y: Sequence[float], score: Sequence[float]) -> tuple[np.ndarray, ...]:
    y_array = np.asarray(y, dtype=float)
    score_array = np.asarray(score, dtype=float)
    if y_array.shape != score_array.shape or y_array.ndim != 1:
        raise ValueError("y and score must be 1-d arrays of the same length")
    if not np.isin(y_array, (0.0, 1.0)).all():
        raise ValueError("y must hold only 0 and 1")
    if np.isnan(score_array).any():
        raise ValueError("score holds NaN")
    return y_array, score_array


def _threshold_counts(y: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, ...]:
    """True and false positives at each distinct score, highest first."""
    order = np.argsort(-score, kind="mergesort")
    y_sorted, score_sorted = y[order], score[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(score_sorted)), y.size - 1]
    true_positives = np.cumsum(y_sorted)[last_of_tie]
    false_positives = 1 + last_of_tie - true_positives
    return true_positives, false_positives


def roc_auc(y: Sequence[float], score: Sequence[float]) -> float:
    """Area under the ROC curve: the chance that a random converter scores
    above a random non-converter (ties count half). NaN with one class."""
    y_array, score_array = _arrays(y, score)
    positives = y_array.sum()
    negatives = y_array.size - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    true_positives, false_positives = _threshold_counts(y_array, score_array)
    tpr = np.r_[0.0, true_positives / positives]
    fpr = np.r_[0.0, false_positives / negatives]
    return float(np.trapezoid(tpr, fpr))


def average_precision(y: Sequence[float], score: Sequence[float]) -> float:
    """PR AUC as average precision: precision at each threshold, weighted by
    the recall it adds. NaN without converters."""
    y_array, score_array = _arrays(y, score)
    positives = y_array.sum()
    if positives == 0:
        return float("nan")
    true_positives, false_positives = _threshold_counts(y_array, score_array)
    precision = true_positives / (true_positives + false_positives)
    recall = true_positives / positives
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def brier(y: Sequence[float], probability: Sequence[float]) -> float:
    """Mean squared difference between probability and outcome."""
    y_array, probability_array = _arrays(y, probability)
    return float(np.mean((probability_array - y_array) ** 2))


def deciles(y: Sequence[float], score: Sequence[float]) -> list[dict[str, Any]]:
    """Leads cut into ten equal groups by score (1 = the highest tenth):
    size, converters, conversion rate, lift (rate / overall rate) and the
    cumulative share of all converters captured down to that decile. Leads
    with equal scores are ordered by their position, so ties split evenly."""
    y_array, score_array = _arrays(y, score)
    order = np.argsort(-score_array, kind="mergesort")
    groups = np.array_split(order, 10)
    overall = y_array.mean() if y_array.size else float("nan")
    total = y_array.sum()
    rows, captured = [], 0.0
    for number, members in enumerate(groups, start=1):
        converted = float(y_array[members].sum())
        captured += converted
        rate = converted / members.size if members.size else float("nan")
        rows.append(
            {
                "decile": number,
                "leads": int(members.size),
                "converted": int(converted),
                "conversion_rate": rate,
                "lift": rate / overall if overall else float("nan"),
                "cumulative_share_of_converters": captured / total
                if total
                else float("nan"),
                "min_score": float(score_array[members].min())
                if members.size
                else None,
            }
        )
    return rows


def by_group(y: Sequence[float], groups: Sequence[Any]) -> list[dict[str, Any]]:
    """Conversion rate per value of `groups` (a grade, tier, ...), by value."""
    y_array = np.asarray(y, dtype=float)
    labels = np.array(["(none)" if g is None else str(g) for g in groups])
    rows = []
    for label in sorted(set(labels.tolist())):
        members = labels == label
        rows.append(
            {
                "group": label,
                "leads": int(members.sum()),
                "converted": int(y_array[members].sum()),
                "conversion_rate": float(y_array[members].mean()),
            }
        )
    return rows


def precision_recall(y: Sequence[float], flagged: Sequence[bool]) -> dict[str, Any]:
    """Precision and recall of a yes/no flag (sales-ready, top k)."""
    y_array = np.asarray(y, dtype=float)
    flag = np.asarray(flagged, dtype=bool)
    true_positives = float(y_array[flag].sum())
    return {
        "flagged": int(flag.sum()),
        "precision": true_positives / flag.sum() if flag.sum() else float("nan"),
        "recall": true_positives / y_array.sum() if y_array.sum() else float("nan"),
    }


def top_k(score: Sequence[float], k: int) -> np.ndarray:
    """A flag for the k highest scores (ties broken by position)."""
    score_array = np.asarray(score, dtype=float)
    flag = np.zeros(score_array.size, dtype=bool)
    flag[np.argsort(-score_array, kind="mergesort")[:k]] = True
    return flag


def calibration(
    y: Sequence[float], probability: Sequence[float], bins: int = 10
) -> list[dict[str, Any]]:
    """Expected against observed conversion in `bins` groups of equal size,
    ordered by predicted probability (lowest first)."""
    y_array, probability_array = _arrays(y, probability)
    order = np.argsort(probability_array, kind="mergesort")
    rows = []
    for number, members in enumerate(np.array_split(order, bins), start=1):
        if not members.size:
            continue
        rows.append(
            {
                "bin": number,
                "leads": int(members.size),
                "expected": float(probability_array[members].mean()),
                "observed": float(y_array[members].mean()),
            }
        )
    return rows


def histogram(
    y: Sequence[float], score: Sequence[float], bins: int = 20
) -> dict[str, Any]:
    """Score distributions of converters and non-converters on shared bins,
    each as shares of its own group (so the two are comparable)."""
    y_array, score_array = _arrays(y, score)
    low, high = float(score_array.min()), float(score_array.max())
    if high <= low:
        high = low + 1.0
    edges = np.linspace(low, high, bins + 1)
    shares = {}
    for name, members in (("converted", y_array == 1), ("not_converted", y_array == 0)):
        counts, _ = np.histogram(score_array[members], bins=edges)
        shares[name] = (counts / max(members.sum(), 1)).tolist()
    return {"edges": edges.tolist(), **shares}
