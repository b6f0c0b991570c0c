"""`fit` and `backtest`: train on past cut-offs, measure on later ones.

fit       builds the training cut-offs, fits the predictive model (written as
          the predictive_coefficients seed) and learned points (written as
          proposed activity_weights / fit_rules files for a person to review).
backtest  scores every cut-off in one dbt run, fits on the training
          cut-offs, then scores the test cut-offs with every model and
          measures each against what happened in the horizon after them.
          Test cut-offs come after the training ones by at least a horizon:
          a time-based split, never a random one. With a lead age, each
          lead is scored once, at that age, and belongs to the period its
          scoring moment falls in.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from lead_scoring import backtest_workspace, metrics, modeling, report

MODELS = {
    "rule_based": "Rule-based points (lead_score)",
    "rule_based_compared": "Rule-based points, compared seeds",
    "learned_points": "Learned points",
    "predictive": "Predictive model (logistic, in SQL)",
    "gradient_boosting": "Gradient boosting (reference)",
    "recency": "Recency only (baseline)",
}


@dataclass
class Settings:
    raw_dir: Path
    horizon_days: int = 90
    conversion_event: str = "opportunity_created"
    dbt_vars: dict | None = None
    train_cutoffs: Sequence[str] = ()
    test_cutoffs: Sequence[str] = ()
    train_count: int = 3
    test_count: int = 1
    step_months: int = 3
    max_lead_age_days: float | None = None
    # None: chosen by time-ordered cross-validation (modeling.choose_c)
    c: float | None = None
    points_to_double_odds: float = 20.0
    work_dir: Path | None = None
    score_at_age_days: int | None = None
    compare_seeds: Path | None = None
    # lead columns to learn fit rules from (categorical features besides
    # those of lead_scoring__feature_attributes); None: every categorical one
    fit_attributes: Sequence[str] | None = None


# SQL and Python apply the same coefficients to the same features: their
# probabilities may differ by float rounding only (docs/predictive.md).
SQL_PYTHON_TOLERANCE = 1e-9


def project_var(settings: Settings, name: str) -> Any:
    """A dbt var as the run sees it: the user's (--vars) or the project's."""
    import yaml

    given = (settings.dbt_vars or {}).get(name)
    if given is None:
        project = yaml.safe_load(
            (backtest_workspace.REPO_ROOT / "dbt_project.yml").read_text()
        )
        given = project["vars"][name]
    return given


def feature_attributes(settings: Settings) -> dict[str, list[str]]:
    """lead_scoring__feature_attributes for the run: the user's (--vars) or
    the project's, with the --fit-attributes columns added as categorical."""
    given = project_var(settings, "lead_scoring__feature_attributes")
    categorical = list(given.get("categorical") or [])
    numeric = list(given.get("numeric") or [])
    for name in settings.fit_attributes or []:
        if name not in categorical and name not in numeric:
            categorical.append(name)
    return {"categorical": categorical, "numeric": numeric}


def _workspace(settings: Settings, progress: Callable[[str], None]):
    # the same scratch folder each run (replaced), so runs leave nothing behind
    work_dir = settings.work_dir or backtest_workspace.REPO_ROOT / "target" / "backtest"
    if work_dir.exists() and settings.work_dir is None:
        shutil.rmtree(work_dir)
    progress(f"Scratch project and database: {work_dir}")
    return backtest_workspace.Workspace(
        work_dir=work_dir,
        raw_dir=settings.raw_dir,
        dbt_vars=_backtest_vars(settings),
        progress=progress,
    )


def _training_set(
    settings: Settings,
    workspace: backtest_workspace.Workspace,
    progress: Callable[[str], None],
) -> tuple[list[str], modeling.Examples]:
    """The cut-offs `fit` trains on, scored in one dbt run, and their
    examples. Without --train-cutoffs: those a backtest would place (by the
    outcomes, see choose_cutoffs) plus its test cut-off, since a fit holds
    nothing out: every period whose outcomes are observed teaches it."""
    train = sorted(settings.train_cutoffs)
    if not train:
        progress("Reading when the leads, activities and outcomes start and end")
        choice = backtest_workspace.choose_cutoffs(
            workspace.timeline(),
            settings.horizon_days,
            event=settings.conversion_event,
            train_count=settings.train_count,
            test_count=1,
            step_months=settings.step_months,
            max_lead_age_days=settings.max_lead_age_days,
        )
        for line in choice.how:
            progress(line)
        train = sorted({*choice.train, *choice.test})
        progress(
            "A fit holds nothing out: it trains on the test cut-off too, the "
            "latest whose outcomes are observed."
        )
    backtest_workspace.check_split(train, [], settings.horizon_days)
    progress(f"Training cut-offs: {', '.join(train)}")
    seconds = workspace.build_backtest(train, None)
    progress(f"  every cut-off scored in one dbt run ({seconds:.0f}s)")
    examples, _ = split_examples(
        workspace.backtest_examples(at_lead_age=False),
        train,
        [],
        horizon_days=settings.horizon_days,
        at_lead_age=False,
        max_lead_age_days=settings.max_lead_age_days,
    )
    for row in period_rates(examples, False, {}):
        progress(
            f"  {row['period']}: {row['leads']:,} leads not yet converted, "
            f"{row['conversion_rate']:.1%} converted within the horizon"
        )
    return train, examples


def fit(
    settings: Settings,
    coefficients_out: Path,
    points_out: Path | None,
    progress: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Fit on the training cut-offs, check that dbt's SQL gives the model's
    probabilities on the last of them, then write the coefficients seed and,
    with `points_out`, the proposed point tables and fit_summary.json.
    Returns the summary."""
    started = time.monotonic()
    workspace = _workspace(settings, progress)
    train, examples = _training_set(settings, workspace, progress)
    fitting_started = time.monotonic()
    model = modeling.fit_logistic(examples, c=settings.c)
    _report_fit("Predictive model", model, progress)
    progress(f"  fitted in {time.monotonic() - fitting_started:.1f}s")
    rows = modeling.coefficient_rows(
        model,
        examples,
        horizon_days=settings.horizon_days,
        conversion_event=settings.conversion_event,
    )
    difference = check_sql_matches_python(workspace, model, rows, train)
    progress(
        f"SQL and Python probabilities at the training cut-offs agree within "
        f"{difference:.1e} (tolerance {SQL_PYTHON_TOLERANCE:g})"
    )
    modeling.write_csv(coefficients_out, modeling.COEFFICIENT_COLUMNS, rows)
    progress(f"Wrote {len(rows)} coefficients to {coefficients_out}")
    summary: dict[str, Any] = {
        "trained_cutoffs": train,
        "training_rows": len(examples),
        "training_auc": float(rows[0]["training_auc"]),
        "coefficients": str(coefficients_out),
        "sql_vs_python_probability_max_difference": difference,
        "predictive_model": model.summary(),
    }
    if points_out is not None:
        summary.update(
            write_learned_points(settings, workspace, examples, points_out, progress)
        )
        summary_path = points_out / "fit_summary.json"
        summary_path.write_text(json.dumps(_plain(summary), indent=2) + "\n")
        progress(f"Wrote {summary_path}")
    progress(f"Done in {time.monotonic() - started:.0f}s")
    return summary


def _report_fit(
    name: str, model: modeling.LogisticModel, progress: Callable[[str], None]
) -> None:
    progress(f"{name}: C = {model.c:g}, {model.c_chosen_by}")
    for row in model.cross_validation:
        progress(
            f"  C = {row['c']:<6g} validation log loss {row['validation_log_loss']:.5f}"
        )
    if model.dropped:
        shown = ", ".join(model.dropped[:10])
        more = f" and {len(model.dropped) - 10} more" if len(model.dropped) > 10 else ""
        progress(f"  dropped as (near-)constant in training: {shown}{more}")
    progress(f"  largest coefficient {model.largest_coefficient():.3g}")


def check_sql_matches_python(
    workspace: backtest_workspace.Workspace,
    model: modeling.LogisticModel,
    rows: list[dict[str, Any]],
    cutoffs: Sequence[str],
) -> float:
    """Seed `rows` into the scratch project, rescore `cutoffs` and compare
    dbt's conversion_probability with the model's own probability.
    Returns the largest difference; stops the fit when it exceeds
    SQL_PYTHON_TOLERANCE, with the coefficients written nowhere but a
    rejected_ file in the scratch folder."""
    workspace.seed_coefficients(rows)
    examples = workspace.rescored_examples(cutoffs)
    sql = np.array(
        [np.nan if p is None else p for p in examples.column("conversion_probability")],
        dtype=float,
    )
    python = model.probability(examples)
    missing = int(np.isnan(sql).sum())
    difference = (
        float(np.nanmax(np.abs(sql - python))) if missing < len(sql) else math.inf
    )
    if missing or not difference <= SQL_PYTHON_TOLERANCE:
        rejected = workspace.work_dir / "rejected_predictive_coefficients.csv"
        modeling.write_csv(rejected, modeling.COEFFICIENT_COLUMNS, rows)
        # the scratch project's seed file goes back to the project's
        shutil.copy2(
            backtest_workspace.REPO_ROOT / "seeds" / "predictive_coefficients.csv",
            workspace.seeds_dir / "predictive_coefficients.csv",
        )
        reason = (
            f"{missing} lead(s) got no probability from SQL"
            if missing
            else f"they differ by up to {difference:.3g}"
        )
        raise SystemExit(
            f"The fit failed its check: applied in SQL at {', '.join(cutoffs)}, the "
            f"coefficients do not give Python's probabilities ({reason}; the "
            f"tolerance is {SQL_PYTHON_TOLERANCE:g}). Nothing was written to "
            f"the seed; the rejected coefficients are in {rejected}. A very "
            "large coefficient (see 'largest coefficient' above) is the usual "
            "cause: drop or fix the feature, or give a smaller --c."
        )
    return difference


def write_learned_points(
    settings: Settings,
    workspace: backtest_workspace.Workspace,
    examples: modeling.Examples,
    points_out: Path,
    progress: Callable[[str], None],
) -> dict[str, Any]:
    """Proposed activity_weights.csv and fit_rules.csv in `points_out` (for
    review, then `make promote`); never the live seeds. Every activity type
    of the data gets a row, and fit rules come from --fit-attributes (every
    categorical feature without it). Returns what the summary records."""
    live_seeds = (backtest_workspace.REPO_ROOT / "seeds").resolve()
    if points_out.resolve() == live_seeds:
        raise SystemExit(
            f"{points_out} holds the live seeds; write proposed points elsewhere "
            "and promote them with scripts/promote_points.py."
        )
    weights = modeling.read_csv(workspace.seeds_dir / "activity_weights.csv")
    fitting_started = time.monotonic()
    points = modeling.learn_points(
        examples,
        weights,
        points_to_double_odds=settings.points_to_double_odds,
        c=settings.c,
        fit_attributes=settings.fit_attributes,
    )
    summary: dict[str, Any] = {}
    if points.model is not None:
        _report_fit("Learned points", points.model, progress)
        summary["learned_points_model"] = points.model.summary()
    progress(f"  fitted in {time.monotonic() - fitting_started:.1f}s")
    full_score = float(project_var(settings, "lead_scoring__fit_points_for_full_score"))
    factor = points.fit_into_full_score(examples, full_score)
    summary["fit_points_scaled_by"] = factor
    if factor < 1:
        progress(
            f"  fit points scaled by {factor:.2f} so that 99% of the training "
            f"leads stay under the {full_score:g} points of a full fit_score "
            "(lead_scoring__fit_points_for_full_score)"
        )
    sums = points.fit_sums(examples)
    if sums.size:
        summary["learned_fit_points"] = {
            "share_at_or_below_0": float(np.mean(sums <= 0)),
            "percentile_95": float(np.percentile(sums, 95)),
            "max": float(sums.max()),
        }
        progress(
            f"  learned fit points of the training leads: {np.mean(sums <= 0):.1%} "
            f"at 0, 95th percentile {np.percentile(sums, 95):.0f}, largest "
            f"{sums.max():.0f} (fit_score reaches 100 at "
            "lead_scoring__fit_points_for_full_score)"
        )
    listed = {row["activity_type"].strip().lower() for row in weights}
    new_types = sorted(set(points.activity_points) - listed)
    if new_types:
        progress(
            "  activity types activity_weights lacks, proposed with "
            f"{modeling.DEFAULT_HALF_LIFE_DAYS:g}-day half-lives: "
            + ", ".join(new_types)
        )
    weights_path = points_out / "activity_weights.csv"
    rules_path = points_out / "fit_rules.csv"
    modeling.write_csv(
        weights_path,
        list(weights[0].keys()),
        modeling.proposed_activity_weights(points, weights),
    )
    modeling.write_csv(
        rules_path,
        modeling.FIT_RULE_COLUMNS,
        modeling.proposed_fit_rules(points),
    )
    progress(
        f"Proposed learned points ({settings.points_to_double_odds:g} points double "
        f"the odds): {weights_path}, {rules_path}. Review them, then "
        "`make promote` (scripts/promote_points.py) puts them into seeds/."
    )
    summary["proposed"] = [str(weights_path), str(rules_path)]
    return summary


def model_metrics(
    y: np.ndarray,
    score: np.ndarray,
    *,
    probability: np.ndarray | None,
    flagged: np.ndarray,
    groups: dict[str, list[Any]],
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "roc_auc": metrics.roc_auc(y, score),
        "pr_auc": metrics.average_precision(y, score),
        "deciles": metrics.deciles(y, score),
        "at_sales_ready_volume": metrics.precision_recall(y, flagged),
        "distribution": metrics.histogram(y, score),
        "by_group": {
            name: metrics.by_group(y, values) for name, values in groups.items()
        },
    }
    if probability is not None:
        result["brier"] = metrics.brier(y, probability)
        result["calibration"] = metrics.calibration(y, probability)
    return result


def _subset(examples: modeling.Examples, keep: Sequence[bool]) -> modeling.Examples:
    rows = [position for position, kept in enumerate(keep) if kept]
    return modeling.Examples(
        lead_id=[examples.lead_id[p] for p in rows],
        cutoff=[examples.cutoff[p] for p in rows],
        label=examples.label[rows] if rows else np.zeros(0),
        numeric=[examples.numeric[p] for p in rows],
        categorical=[examples.categorical[p] for p in rows],
        scores={k: [v[p] for p in rows] for k, v in examples.scores.items()},
    )


def _lead_age_days(examples: modeling.Examples) -> list[float]:
    return [math.expm1(row.get("log_lead_age_days", 0.0)) for row in examples.numeric]


def _months_after(day: date, months: int) -> date:
    return backtest_workspace.months_before(day, -months)


def split_examples(
    examples: modeling.Examples,
    train_cutoffs: Sequence[str],
    test_cutoffs: Sequence[str],
    *,
    horizon_days: int,
    at_lead_age: bool,
    max_lead_age_days: float | None = None,
) -> tuple[modeling.Examples, modeling.Examples]:
    """Training and test examples, by scoring moment. At calendar cut-offs
    an example belongs to its cut-off (optionally only leads at most
    `max_lead_age_days` old). At a lead age (one example per lead), a
    training example's horizon ends by the first test cut-off, so its
    outcome is known before any test moment; a test example is scored from
    the first test cut-off to a month after the last, and its horizon is
    observed."""
    if not at_lead_age:
        young = [
            max_lead_age_days is None or age <= max_lead_age_days
            for age in _lead_age_days(examples)
        ]
        train = _subset(
            examples,
            [
                c in train_cutoffs and y
                for c, y in zip(examples.cutoff, young, strict=True)
            ],
        )
        test = _subset(
            examples,
            [
                c in test_cutoffs and y
                for c, y in zip(examples.cutoff, young, strict=True)
            ],
        )
        return train, test
    first_test = date.fromisoformat(min(test_cutoffs))
    test_ends = _months_after(date.fromisoformat(max(test_cutoffs)), 1)
    moments = [date.fromisoformat(c) for c in examples.cutoff]
    observed = examples.scores.get("is_horizon_observed", [True] * len(examples))
    train = _subset(
        examples,
        [m + timedelta(days=horizon_days) <= first_test for m in moments],
    )
    test = _subset(
        examples,
        [
            first_test <= m < test_ends and bool(seen)
            for m, seen in zip(moments, observed, strict=True)
        ],
    )
    return train, test


def period_of(cutoff: str, at_lead_age: bool) -> str:
    """The period a test example is reported in: its cut-off, or at a lead
    age the month its scoring moment falls in."""
    return cutoff[:7] if at_lead_age else cutoff


def quarter_of(day: str) -> str:
    """'2025-08-14' -> '2025-Q3'."""
    return f"{day[:4]}-Q{(int(day[5:7]) - 1) // 3 + 1}"


def period_rates(
    examples: modeling.Examples,
    at_lead_age: bool,
    converted_before: dict[str, int] | None = None,
) -> list[dict[str, Any]]:
    """Leads, converters and conversion rate per period (and, given, how
    many leads had converted before their scoring moment)."""
    periods: dict[str, list[float]] = {}
    for cutoff, label in zip(examples.cutoff, examples.label, strict=True):
        periods.setdefault(period_of(cutoff, at_lead_age), []).append(label)
    before: dict[str, int] = {}
    for cutoff, count in (converted_before or {}).items():
        key = period_of(cutoff, at_lead_age)
        before[key] = before.get(key, 0) + count
    return [
        {
            "period": period,
            "leads": len(labels),
            "converted": int(sum(labels)),
            "conversion_rate": float(np.mean(labels)),
            **(
                {"converted_before": before.get(period, 0)}
                if converted_before is not None
                else {}
            ),
        }
        for period, labels in sorted(periods.items())
    ]


def _compared_rule_scores(
    settings: Settings,
    cutoffs: Sequence[str],
    progress: Callable[[str], None],
) -> dict[tuple[str, str], tuple]:
    """Scores of the rule-based model with the seeds of
    `settings.compare_seeds` (same file names as seeds/), per lead and
    scoring date, from a second scratch project built like the first."""
    seeds_dir = settings.compare_seeds
    assert seeds_dir is not None
    files = sorted(seeds_dir.glob("*.csv"))
    if not files:
        raise SystemExit(f"--compare-seeds {seeds_dir} holds no seed CSV files.")
    base = settings.work_dir or backtest_workspace.REPO_ROOT / "target" / "backtest"
    workspace = backtest_workspace.Workspace(
        work_dir=base / "compare",
        raw_dir=settings.raw_dir,
        dbt_vars=_backtest_vars(settings),
        progress=progress,
    )
    unknown = [f.name for f in files if not (workspace.seeds_dir / f.name).exists()]
    if unknown:
        raise SystemExit(
            f"--compare-seeds: {', '.join(unknown)} are not seeds of this project "
            "(use the file names of seeds/)."
        )
    for path in files:
        shutil.copy2(path, workspace.seeds_dir / path.name)
    progress(f"Scoring with the seeds of {seeds_dir} ({len(files)} file(s))")
    seconds = workspace.build_backtest(cutoffs, settings.score_at_age_days)
    progress(f"  built in {seconds:.0f}s")
    with workspace.connect() as connection:
        rows = connection.execute(
            "select lead_id, cast(cast(scored_as_of as date) as varchar),"
            " lead_score, is_sales_ready, fit_grade, engagement_tier, priority"
            " from fct_lead_backtest_examples"
        ).fetchall()
    return {(row[0], row[1]): row[2:] for row in rows}


def _backtest_vars(settings: Settings) -> dict:
    """The dbt vars of every scratch project of a fit or backtest (the
    compared seeds' one too): the user's, the --fit-attributes columns as
    features, the horizon and the event."""
    return {
        **(settings.dbt_vars or {}),
        **(
            {"lead_scoring__feature_attributes": feature_attributes(settings)}
            if settings.fit_attributes
            else {}
        ),
        "lead_scoring__conversion_horizon_days": settings.horizon_days,
        "lead_scoring__conversion_event": settings.conversion_event,
    }


def over_time(
    test: modeling.Examples,
    scores: dict[str, np.ndarray],
    groups: dict[str, dict[str, list[Any]]],
    at_lead_age: bool,
) -> list[dict[str, Any]]:
    """Per test period: leads, conversion, ROC AUC per model and conversion
    by grade and priority."""
    periods = [period_of(c, at_lead_age) for c in test.cutoff]
    result = []
    for period in sorted(set(periods)):
        members = np.array([p == period for p in periods])
        y = test.label[members]
        result.append(
            {
                "period": period,
                "leads": int(members.sum()),
                "conversion_rate": float(y.mean()),
                "roc_auc": {
                    name: metrics.roc_auc(y, score[members])
                    for name, score in scores.items()
                },
                "by_group": {
                    name: {
                        group: metrics.by_group(
                            y, [v for v, m in zip(values, members, strict=True) if m]
                        )
                        for group, values in model_groups.items()
                        if group in ("priority", "fit_grade", "predictive_grade")
                    }
                    for name, model_groups in groups.items()
                },
            }
        )
    return result


def backtest(
    settings: Settings,
    out_dir: Path,
    progress: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Score every cut-off in one dbt run, fit on the training ones, score
    the test ones with every model, write metrics.json and report.html to
    `out_dir`. Returns the metrics."""
    started = time.monotonic()
    at_lead_age = settings.score_at_age_days is not None
    workspace = _workspace(settings, progress)
    progress("Reading when the leads, activities and outcomes start and end")
    timeline = workspace.timeline()
    choice = backtest_workspace.choose_cutoffs(
        timeline,
        settings.horizon_days,
        event=settings.conversion_event,
        train=settings.train_cutoffs,
        test=settings.test_cutoffs,
        train_count=settings.train_count,
        test_count=settings.test_count,
        step_months=settings.step_months,
        max_lead_age_days=settings.max_lead_age_days,
        lead_age_days=settings.score_at_age_days,
    )
    train_cutoffs, test_cutoffs = choice.train, choice.test
    backtest_workspace.check_split(train_cutoffs, test_cutoffs, settings.horizon_days)
    for line in choice.how:
        progress(line)
    if at_lead_age:
        progress(
            f"Each lead scored once, {settings.score_at_age_days} day(s) after it "
            "was created (the next midnight). Training: leads whose horizon ends "
            f"by {test_cutoffs[0]}; test: leads scored from {test_cutoffs[0]} to "
            "a month after the last test cut-off."
        )
    else:
        progress(f"Training cut-offs: {', '.join(train_cutoffs)}")
    progress(f"Test cut-offs: {', '.join(test_cutoffs)}")
    built_dates = [] if at_lead_age else [*train_cutoffs, *test_cutoffs]
    seconds = workspace.build_backtest(built_dates, settings.score_at_age_days)
    progress(f"  every cut-off scored in one dbt run ({seconds:.0f}s)")
    examples = workspace.backtest_examples(at_lead_age=at_lead_age)
    converted_before = workspace.converted_before(at_lead_age=at_lead_age)
    train, test = split_examples(
        examples,
        train_cutoffs,
        test_cutoffs,
        horizon_days=settings.horizon_days,
        at_lead_age=at_lead_age,
        max_lead_age_days=settings.max_lead_age_days,
    )
    periods = {
        "train": period_rates(train, at_lead_age, converted_before),
        "test": period_rates(test, at_lead_age, converted_before),
    }
    for role, rows in periods.items():
        for row in rows:
            progress(
                f"  {role} {row['period']}: {row['leads']:,} leads not yet "
                f"converted, {row['conversion_rate']:.1%} converted within the "
                f"horizon ({row['converted_before']:,} had converted before)"
            )
            if role == "train" and (
                row["converted"] < backtest_workspace.MIN_TRAINING_CONVERTERS
            ):
                progress(
                    f"  warning: training period {row['period']} has almost no "
                    f"conversions ({row['converted']}); it teaches the models "
                    "little. Choose other --train-cutoffs or a longer horizon."
                )
    if not len(train) or not len(test):
        raise SystemExit(
            f"{'No training' if not len(train) else 'No test'} examples: choose "
            "other cut-offs, a shorter horizon or another lead age."
        )
    if at_lead_age:
        # cross-validation of C folds by cut-off: by quarter of scoring
        # moments here, not by day
        train = _subset(train, [True] * len(train))
        train.cutoff = [quarter_of(c) for c in train.cutoff]
    progress("Fitting the predictive model and learned points")
    fitting_started = time.monotonic()
    model = modeling.fit_logistic(train, c=settings.c)
    rows = modeling.coefficient_rows(
        model,
        train,
        horizon_days=settings.horizon_days,
        conversion_event=settings.conversion_event,
    )
    workspace.seed_coefficients(rows)
    weights = modeling.read_csv(workspace.seeds_dir / "activity_weights.csv")
    points = modeling.learn_points(
        train,
        weights,
        points_to_double_odds=settings.points_to_double_odds,
        c=settings.c,
        fit_attributes=settings.fit_attributes,
    )
    progress(f"  fitted in {time.monotonic() - fitting_started:.0f}s")
    workspace.rescore_predictions(built_dates, settings.score_at_age_days)
    _, test = split_examples(
        workspace.backtest_examples(at_lead_age=at_lead_age),
        train_cutoffs,
        test_cutoffs,
        horizon_days=settings.horizon_days,
        at_lead_age=at_lead_age,
        max_lead_age_days=settings.max_lead_age_days,
    )
    if len(set(test.label.tolist())) < 2:
        raise SystemExit(
            "The test examples hold only one outcome: AUC is undefined. Choose "
            "other test cut-offs or a longer horizon."
        )
    y = test.label
    sql_probability = np.array(
        [np.nan if p is None else p for p in test.column("conversion_probability")]
    )
    python_probability = model.probability(test)
    sql_matches_python = float(np.nanmax(np.abs(sql_probability - python_probability)))
    fitting_started = time.monotonic()
    gradient_boosting = modeling.fit_gradient_boosting(train, test)
    progress(f"  gradient boosting fitted in {time.monotonic() - fitting_started:.0f}s")
    recency = np.array(
        [-row.get(modeling.RECENCY_FEATURE, 0.0) for row in test.numeric]
    )
    sales_ready = np.array(test.column("is_sales_ready"), dtype=bool)
    volume = int(sales_ready.sum())
    volume_basis = "sales_ready"
    if volume == 0:
        # no lead is sales-ready: compare every model on its top tenth
        volume, volume_basis = math.ceil(len(test) / 10), "top_10_percent"
        sales_ready = metrics.top_k(test.column("lead_score"), volume)
    scores = {"rule_based": np.array(test.column("lead_score"), dtype=float)}
    groups: dict[str, dict[str, list[Any]]] = {
        "rule_based": {
            "fit_grade": test.column("fit_grade"),
            "engagement_tier": test.column("engagement_tier"),
            "priority": test.column("priority"),
        },
        "predictive": {"predictive_grade": test.column("predictive_grade")},
    }
    flags = {"rule_based": sales_ready}
    labels = dict(MODELS)
    if settings.compare_seeds is not None:
        compared = _compared_rule_scores(settings, built_dates, progress)
        keys = list(zip(test.lead_id, test.cutoff, strict=True))
        missing = [key for key in keys if key not in compared]
        if missing:
            raise SystemExit(
                f"The compared seeds did not score {len(missing)} test lead(s), "
                f"e.g. {missing[0]}: their build differs from the first."
            )
        rows_compared = [compared[key] for key in keys]
        scores["rule_based_compared"] = np.array(
            [row[0] for row in rows_compared], dtype=float
        )
        groups["rule_based_compared"] = {
            "fit_grade": [row[2] for row in rows_compared],
            "engagement_tier": [row[3] for row in rows_compared],
            "priority": [row[4] for row in rows_compared],
        }
        own_flag = np.array([bool(row[1]) for row in rows_compared])
        flags["rule_based_compared"] = (
            own_flag
            if volume_basis == "sales_ready"
            else metrics.top_k(scores["rule_based_compared"], volume)
        )
        labels["rule_based"] = "Rule-based points (seeds/)"
        labels["rule_based_compared"] = f"Rule-based points ({settings.compare_seeds})"
    scores.update(
        {
            "learned_points": points.score(test),
            "predictive": sql_probability,
            "gradient_boosting": gradient_boosting,
            "recency": recency,
        }
    )
    probabilities = {
        "predictive": sql_probability,
        "gradient_boosting": gradient_boosting,
    }
    if points.model is not None:
        # the logistic model the points were scaled from (points are its
        # logit times points_to_double_odds / ln 2, rounded and capped)
        probabilities["learned_points"] = points.model.probability(test)
    results: dict[str, Any] = {}
    for name, score in scores.items():
        flagged = flags.get(name)
        if flagged is None:
            flagged = metrics.top_k(score, volume)
        results[name] = {
            "label": labels[name],
            **model_metrics(
                y,
                score,
                probability=probabilities.get(name),
                flagged=flagged,
                groups=groups.get(name, {}),
            ),
        }
    per_period = over_time(test, scores, groups, at_lead_age)
    summary = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "raw_dir": str(settings.raw_dir),
        "conversion_event": settings.conversion_event,
        "horizon_days": settings.horizon_days,
        "max_lead_age_days": settings.max_lead_age_days,
        "score_at_age_days": settings.score_at_age_days,
        "compare_seeds": str(settings.compare_seeds)
        if settings.compare_seeds
        else None,
        "train_cutoffs": train_cutoffs,
        "test_cutoffs": test_cutoffs,
        "cutoffs_chosen": choice.how,
        "periods": periods,
        "train": {"leads": len(train), "conversion_rate": float(train.label.mean())},
        "test": {"leads": len(test), "conversion_rate": float(y.mean())},
        "sales_ready_leads": volume,
        "flagged_volume_basis": volume_basis,
        "sql_vs_python_probability_max_difference": sql_matches_python,
        "regularisation_c": model.c,
        "predictive_model": model.summary(),
        "points_to_double_odds": settings.points_to_double_odds,
        "learned_points": {
            "activity_points": points.activity_points,
            "fit_points": points.fit_points,
        },
        "models": results,
        "roc_auc_by_test_cutoff": {row["period"]: row["roc_auc"] for row in per_period},
        "over_time": per_period,
        "scoring_run_seconds": round(seconds, 1),
        "seconds": round(time.monotonic() - started, 1),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    metrics_path = out_dir / "metrics.json"
    metrics_path.write_text(json.dumps(_plain(summary), indent=2) + "\n")
    report_path = out_dir / "report.html"
    report_path.write_text(report.render(_plain(summary)))
    progress(auc_table(summary))
    progress(f"Done in {summary['seconds']:.0f}s")
    progress(f"Wrote {metrics_path}")
    progress(f"Backtest report: {report_path.resolve()}")
    return summary


def auc_table(summary: dict[str, Any]) -> str:
    lines = [f"  {'model':<40} {'ROC AUC':>8} {'PR AUC':>8} {'top-10% lift':>13}"]
    for result in summary["models"].values():
        lines.append(
            f"  {result['label']:<40} {result['roc_auc']:>8.3f} "
            f"{result['pr_auc']:>8.3f} {result['deciles'][0]['lift']:>13.2f}"
        )
    return "\n".join(lines)


def _plain(value: Any) -> Any:
    """JSON-ready: numpy scalars to Python, NaN to None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
