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


def _group_shares(
    score: np.ndarray, groups: int, *, descending: bool
) -> tuple[np.ndarray, list[int]]:
    """How much of each lead falls in each of `groups` consecutive groups of
    leads ranked by score (sizes as np.array_split gives them). Leads with
    equal scores are one block: a block that straddles a boundary is shared
    between the groups in proportion to its overlap with each, which is the
    average over every random order of the tied leads. So no result depends
    on the order of the rows. Returns shares (groups x leads; each lead's
    shares add up to 1) and the group sizes."""
    count = score.size
    sizes = [part.size for part in np.array_split(np.arange(count), groups)]
    ends = np.cumsum(sizes)
    starts = ends - np.asarray(sizes)
    ranked = -score if descending else score
    order = np.argsort(ranked, kind="mergesort")
    ranked_sorted = ranked[order]
    # each lead's block of ties: [block_start, block_end) in rank positions
    block_start = np.empty(count)
    block_end = np.empty(count)
    block_start[order] = np.searchsorted(ranked_sorted, ranked_sorted, side="left")
    block_end[order] = np.searchsorted(ranked_sorted, ranked_sorted, side="right")
    overlap = np.clip(
        np.minimum(block_end[None, :], ends[:, None])
        - np.maximum(block_start[None, :], starts[:, None]),
        0,
        None,
    )
    width = np.maximum(block_end - block_start, 1)
    return overlap / width[None, :], sizes


def deciles(y: Sequence[float], score: Sequence[float]) -> list[dict[str, Any]]:
    """Leads cut into ten equal groups by score (1 = the highest tenth):
    size, converters, conversion rate, lift (rate / overall rate) and the
    cumulative share of all converters captured down to that decile. Tied
    leads that straddle a boundary count in each decile for the share of
    them that falls there (the expected value under a random order of the
    ties), so a constant score has a lift of 1 in every decile and the row
    order never matters; `converted` is then an expected count."""
    y_array, score_array = _arrays(y, score)
    shares, sizes = _group_shares(score_array, 10, descending=True)
    overall = y_array.mean() if y_array.size else float("nan")
    total = y_array.sum()
    rows, captured = [], 0.0
    for number, (share, size) in enumerate(zip(shares, sizes, strict=True), start=1):
        converted = float(share @ y_array)
        captured += converted
        rate = converted / size if size else float("nan")
        members = share > 0
        rows.append(
            {
                "decile": number,
                "leads": int(size),
                "converted": converted,
                "conversion_rate": rate,
                "lift": float(rate / overall) if overall else float("nan"),
                "cumulative_share_of_converters": float(captured / total)
                if total
                else float("nan"),
                "min_score": float(score_array[members].min())
                if members.any()
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


def precision_recall(y: Sequence[float], flagged: Sequence[float]) -> dict[str, Any]:
    """Precision and recall of a yes/no flag (sales-ready), or of a share
    per lead between 0 and 1 (top_k: tied leads at the boundary flagged in
    part)."""
    y_array = np.asarray(y, dtype=float)
    weight = np.asarray(flagged, dtype=float)
    # shares of tied leads add up to a whole number but for float noise
    flagged_count = round(float(weight.sum()), 9)
    true_positives = float(weight @ y_array)
    return {
        "flagged": int(flagged_count) if flagged_count.is_integer() else flagged_count,
        "precision": true_positives / flagged_count if flagged_count else float("nan"),
        "recall": true_positives / y_array.sum() if y_array.sum() else float("nan"),
    }


def top_k(score: Sequence[float], k: int) -> np.ndarray:
    """Each lead's share of the k highest scores: 1 above the k-th score, 0
    below it, and for the leads tied with it the part of the remaining
    places they share (the chance a random order of the ties flags one), so
    the shares add up to k and do not depend on the row order."""
    score_array = np.asarray(score, dtype=float)
    k = max(0, min(int(k), score_array.size))
    if k == 0:
        return np.zeros(score_array.size)
    threshold = np.sort(score_array)[::-1][k - 1]
    above = score_array > threshold
    tied = score_array == threshold
    result = above.astype(float)
    result[tied] = (k - above.sum()) / tied.sum()
    return result


def calibration(
    y: Sequence[float], probability: Sequence[float], bins: int = 10
) -> list[dict[str, Any]]:
    """Expected against observed conversion in `bins` groups of equal size,
    ordered by predicted probability (lowest first); tied probabilities at a
    boundary are shared between bins as in `deciles`."""
    y_array, probability_array = _arrays(y, probability)
    shares, sizes = _group_shares(probability_array, bins, descending=False)
    rows = []
    for number, (share, size) in enumerate(zip(shares, sizes, strict=True), start=1):
        if not size:
            continue
        rows.append(
            {
                "bin": number,
                "leads": int(size),
                "expected": float(share @ probability_array) / size,
                "observed": float(share @ y_array) / size,
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
