"""Score leads as of past cut-off dates, in a scratch copy of the project.

A `Workspace` is a copy of the dbt project and its own DuckDB file in a
scratch folder. `backtest` scores every cut-off in one dbt run (vars
lead_scoring__backtest_dates and lead_scoring__backtest_lead_age_days) and
reads fct_lead_backtest_examples and fct_lead_backtest_features; that run
scores no history date, so lead_score_history stays empty. `fit` rebuilds
the as-of models once per cut-off (var lead_scoring__as_of_date) and reads
lead_scores, fct_lead_features and fct_lead_outcomes after each build. The
user's database, `target/` and seeds are never touched. dbt runs in a child
process (dbtRunner), so each run's environment and dbt's global state stay
apart.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np

from lead_scoring import dbt_child, modeling

REPO_ROOT = Path(__file__).resolve().parents[2]
PROJECT_ITEMS = (
    "dbt_project.yml",
    "profiles.yml",
    "models",
    "macros",
    "seeds",
    "tests",
    "analyses",
    "snapshots",
)
# What a backtest reads, and what the fitted coefficients change in it.
BACKTEST_SELECTOR = ["+fct_lead_backtest_examples", "+fct_lead_backtest_features"]
PREDICTION_SELECTOR = ["int_leads_predicted", "fct_lead_backtest_examples"]
BACKTEST_SCORE_COLUMNS = (
    "lead_score",
    "fit_score",
    "engagement_score",
    "fit_grade",
    "engagement_tier",
    "priority",
    "is_sales_ready",
    "conversion_probability",
    "predictive_grade",
)


@dataclass
class Timeline:
    """When things happened in the raw data: what default cut-offs are
    placed by. Per lead (survivors of merges), its creation and its first
    event of each kind, in UTC."""

    data_ends_at: datetime
    latest_activity_at: datetime | None
    latest_opportunity_at: datetime | None
    latest_win_at: datetime | None
    lead_created_at: list[datetime]
    first_opportunity_at: list[datetime | None]
    first_win_at: list[datetime | None]

    def outcomes_end_at(self, event: str) -> datetime:
        """The latest moment outcomes are observed: the latest opportunity
        created (or won), or the end of the data without any."""
        latest = (
            self.latest_win_at
            if event == "opportunity_won"
            else self.latest_opportunity_at
        )
        return latest or self.data_ends_at

    def period(
        self,
        cutoff: date,
        horizon_days: int,
        event: str,
        max_lead_age_days: float | None = None,
    ) -> dict:
        """Leads that existed at `cutoff` without an opportunity yet, and
        how many of them converted within the horizon after it."""
        start = datetime.combine(cutoff, datetime.min.time())
        end = start + timedelta(days=horizon_days)
        first_event = (
            self.first_win_at
            if event == "opportunity_won"
            else self.first_opportunity_at
        )
        leads = converted = 0
        for created, opportunity, converted_at in zip(
            self.lead_created_at, self.first_opportunity_at, first_event, strict=True
        ):
            if created >= start or (opportunity is not None and opportunity < start):
                continue
            if (
                max_lead_age_days is not None
                and (start - created).total_seconds() / 86400 > max_lead_age_days
            ):
                continue
            leads += 1
            if converted_at is not None and start <= converted_at < end:
                converted += 1
        return {
            "cutoff": cutoff.isoformat(),
            "leads": leads,
            "converted": converted,
            "conversion_rate": converted / leads if leads else None,
        }


@dataclass
class Workspace:
    """A scratch copy of the project that builds on `raw_dir`."""

    work_dir: Path
    raw_dir: Path
    dbt_vars: dict = field(default_factory=dict)
    progress: Callable[[str], None] = print
    source_dir: Path = REPO_ROOT
    built: bool = False
    seeded: bool = False
    runs: int = 0

    def __post_init__(self) -> None:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.project_dir = self.work_dir / "project"
        if self.project_dir.exists():
            shutil.rmtree(self.project_dir)
        self.project_dir.mkdir()
        ignore = shutil.ignore_patterns("pytest", "__pycache__", "proposed")
        for name in PROJECT_ITEMS:
            path = self.source_dir / name
            if path.is_dir():
                shutil.copytree(path, self.project_dir / name, ignore=ignore)
            elif path.is_file():
                shutil.copy2(path, self.project_dir / name)
        self.db_path = self.work_dir / "backtest.duckdb"
        self.db_path.unlink(missing_ok=True)

    @property
    def seeds_dir(self) -> Path:
        return self.project_dir / "seeds"

    def dbt(self, args: Sequence[str], dbt_vars: dict | None = None) -> None:
        """One dbt command; stops with dbt's last lines when it fails."""
        self.runs += 1
        log_dir = self.work_dir / "logs"
        run_vars = {**self.dbt_vars, **(dbt_vars or {})}
        argv = [
            sys.executable,
            "-c",
            dbt_child.RUNNER,
            *args,
            "--project-dir",
            str(self.project_dir),
            "--profiles-dir",
            str(self.project_dir),
            "--target-path",
            str(self.work_dir / "target"),
            "--log-path",
            str(log_dir),
            "--no-partial-parse",
            "--no-use-colors",
            "--quiet",
        ]
        if run_vars:
            argv += ["--vars", json.dumps(run_vars)]
        env = {
            **os.environ,
            "DBT_PROFILES_DIR": str(self.project_dir),
            "LEAD_SCORING_TARGET": "duckdb",
            "LEAD_SCORING_RAW_DIR": str(self.raw_dir.resolve()),
            "LEAD_SCORING_DUCKDB_PATH": str(self.db_path),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        completed = subprocess.run(
            argv,
            cwd=self.work_dir,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            said = (completed.stdout + "\n" + completed.stderr).strip().splitlines()
            raise SystemExit(
                f"dbt {' '.join(args)} failed (vars {run_vars}); its last lines:\n"
                + "\n".join(said[-30:])
                + f"\nFull log: {log_dir / 'dbt.log'}"
            )

    def connect(self) -> duckdb.DuckDBPyConnection:
        connection = duckdb.connect(str(self.db_path), read_only=True)
        connection.execute("set TimeZone = 'UTC'")
        return connection

    def timeline(self) -> Timeline:
        """Build what says when the data starts and ends (leads,
        opportunities and the default scored_as_of) and read it."""
        if not self.seeded:
            self.dbt(["seed"])
            self.seeded = True
        self.dbt(
            [
                "run",
                "--select",
                "+int_scoring_as_of",
                "+int_opportunities_credited",
                "+int_leads_deduplicated",
            ],
            {"lead_scoring__as_of_date": ""},
        )
        with self.connect() as connection:
            [(ends_at, latest_activity)] = connection.execute(
                "select max(scored_as_of), max(latest_at) from int_scoring_as_of"
                " cross join (select max(occurred_at) as latest_at"
                " from int_activities_deduplicated)"
            ).fetchall()
            [(latest_opportunity, latest_win)] = connection.execute(
                "select max(created_at), max(case when is_won then closed_at end)"
                " from int_opportunities_credited"
            ).fetchall()
            rows = connection.execute(
                """
                select
                    leads.created_at,
                    min(opportunities.created_at),
                    min(case when opportunities.is_won
                        then opportunities.closed_at end)
                from int_leads_deduplicated as leads
                left join int_opportunities_credited as opportunities
                    on leads.lead_id = opportunities.survivor_lead_id
                group by leads.lead_id, leads.created_at
                order by leads.lead_id
                """
            ).fetchall()
        if ends_at is None or not rows:
            raise SystemExit("No leads in the raw data: nothing to fit or backtest.")
        return Timeline(
            data_ends_at=ends_at,
            latest_activity_at=latest_activity,
            latest_opportunity_at=latest_opportunity,
            latest_win_at=latest_win,
            lead_created_at=[row[0] for row in rows],
            first_opportunity_at=[row[1] for row in rows],
            first_win_at=[row[2] for row in rows],
        )

    def backtest_vars(self, cutoffs: Sequence[str], lead_age_days: int | None) -> dict:
        return {
            "lead_scoring__as_of_date": "",
            "lead_scoring__backtest_dates": list(cutoffs),
            "lead_scoring__backtest_lead_age_days": ""
            if lead_age_days is None
            else lead_age_days,
        }

    def build_backtest(
        self, cutoffs: Sequence[str], lead_age_days: int | None
    ) -> float:
        """Score every lead at each cut-off (and, with `lead_age_days`, each
        lead at that age) in one dbt run. Returns seconds taken."""
        started = time.monotonic()
        if not self.seeded:
            self.dbt(["seed"])
            self.seeded = True
        self.dbt(
            ["run", "--select", *BACKTEST_SELECTOR],
            self.backtest_vars(cutoffs, lead_age_days),
        )
        self.built = True
        return time.monotonic() - started

    def rescore_predictions(
        self, cutoffs: Sequence[str], lead_age_days: int | None
    ) -> None:
        """Apply a newly seeded predictive model to the backtest's rows."""
        self.dbt(
            ["run", "--select", *PREDICTION_SELECTOR],
            self.backtest_vars(cutoffs, lead_age_days),
        )

    def rescored_examples(self, cutoffs: Sequence[str]) -> modeling.Examples:
        """The examples at calendar `cutoffs` once a newly seeded predictive
        model has rescored them (after build_backtest on the same cut-offs)."""
        self.rescore_predictions(cutoffs, None)
        return self.backtest_examples(at_lead_age=False)

    def backtest_examples(self, *, at_lead_age: bool) -> modeling.Examples:
        """The examples of the backtest run: at the calendar cut-offs, or
        (`at_lead_age`) each lead at its backtest age. Leads that had an
        opportunity before their scoring moment are left out (they are
        counted by `converted_before`)."""
        with self.connect() as connection:
            return read_backtest_examples(connection, at_lead_age=at_lead_age)

    def converted_before(self, *, at_lead_age: bool) -> dict[str, int]:
        """Per scoring date, how many leads had converted before it."""
        where = "is_at_lead_age" if at_lead_age else "is_backtest_date"
        with self.connect() as connection:
            rows = connection.execute(
                "select cast(cast(scored_as_of as date) as varchar), count(*)"
                " from fct_lead_backtest_examples"
                f" where {where} and had_opportunity_before group by 1"
            ).fetchall()
        return dict(rows)

    def seed_coefficients(self, rows: list[dict]) -> None:
        """Put fitted coefficients into the copy's seed and load it."""
        modeling.write_csv(
            self.seeds_dir / "predictive_coefficients.csv",
            modeling.COEFFICIENT_COLUMNS,
            rows,
        )
        self.dbt(["seed", "--select", "predictive_coefficients"])


def month_start_on_or_before(moment: date) -> date:
    return moment.replace(day=1)


def months_before(moment: date, months: int) -> date:
    month_index = moment.year * 12 + moment.month - 1 - months
    return date(month_index // 12, month_index % 12 + 1, 1)


# A training period with fewer converters than this, or a conversion rate
# under a quarter of the candidates' pooled rate, teaches almost nothing.
MIN_TRAINING_CONVERTERS = 10
LOW_RATE_SHARE = 0.25


@dataclass
class CutoffChoice:
    """Cut-offs and, in words, how they were chosen."""

    train: list[str]
    test: list[str]
    how: list[str]


def choose_cutoffs(
    timeline: Timeline,
    horizon_days: int,
    *,
    event: str = "opportunity_created",
    train: Sequence[str] = (),
    test: Sequence[str] = (),
    train_count: int = 3,
    test_count: int = 1,
    step_months: int = 3,
    max_lead_age_days: float | None = None,
    lead_age_days: int | None = None,
) -> CutoffChoice:
    """Month starts placed by the outcomes: the last test cut-off is the
    latest whose horizon ends by the latest outcome (not the latest
    activity: deals close long after the last touch); training cut-offs
    end a horizon before the first test cut-off, one every `step_months`
    before that, passing over any whose period has almost no converters
    (fewer than MIN_TRAINING_CONVERTERS, or a rate under LOW_RATE_SHARE of
    the candidates' pooled rate). Given dates are kept as they are.

    At a lead age (`lead_age_days`) the test cut-offs start months of
    scoring moments: the last is the month of the latest moment whose
    horizon ends by the latest outcome, and there are at least
    `step_months` of them, so the test period holds the latest leads."""
    how: list[str] = []
    outcomes_end = timeline.outcomes_end_at(event)
    activity = timeline.latest_activity_at
    if test:
        tests = sorted(date.fromisoformat(d) for d in test)
        how.append("Test cut-offs as given.")
    elif lead_age_days is not None:
        latest_moment = max(timeline.lead_created_at).date() + timedelta(
            days=lead_age_days + 1
        )
        last = month_start_on_or_before(
            min(latest_moment, (outcomes_end - timedelta(days=horizon_days)).date())
        )
        count = max(test_count, step_months)
        tests = [months_before(last, n) for n in range(count)][::-1]
        how.append(
            f"Test period: the {count} latest month(s) of scoring moments "
            f"({tests[0]:%Y-%m} to {last:%Y-%m}) whose {horizon_days}-day "
            f"horizon ends by the latest outcome ({event.replace('_', ' ')}, "
            f"{outcomes_end:%Y-%m-%d}); the latest lead reaches "
            f"{lead_age_days} day(s) on {latest_moment}."
        )
    else:
        last = month_start_on_or_before(
            (outcomes_end - timedelta(days=horizon_days)).date()
        )
        tests = [months_before(last, n) for n in range(test_count)][::-1]
        how.append(
            f"Test cut-offs: the latest {test_count} month start(s) whose "
            f"{horizon_days}-day horizon ends by the latest outcome "
            f"({event.replace('_', ' ')}, {outcomes_end:%Y-%m-%d})"
            + (f"; the latest activity is {activity:%Y-%m-%d}." if activity else ".")
        )
    if train:
        how.append("Training cut-offs as given.")
        return CutoffChoice(sorted(train), [d.isoformat() for d in tests], how)
    first_lead = min(timeline.lead_created_at).date()
    last_train = month_start_on_or_before(tests[0] - timedelta(days=horizon_days))
    if lead_age_days is not None:
        how.append(
            "Training: every lead scored at its age whose horizon ends by the "
            f"first test cut-off ({tests[0]}), so its outcome is known by then."
        )
        return CutoffChoice(
            [last_train.isoformat()], [d.isoformat() for d in tests], how
        )
    candidates = []
    for n in range(60):
        cutoff = months_before(last_train, step_months * n)
        if cutoff <= first_lead:
            break
        candidates.append(
            timeline.period(cutoff, horizon_days, event, max_lead_age_days)
        )
    leads = sum(p["leads"] for p in candidates)
    pooled = sum(p["converted"] for p in candidates) / leads if leads else 0.0
    chosen, passed_over = [], []
    for period in candidates:
        if len(chosen) == train_count:
            break
        rate = period["conversion_rate"] or 0.0
        if (
            period["converted"] < MIN_TRAINING_CONVERTERS
            or rate < LOW_RATE_SHARE * pooled
        ):
            passed_over.append(period)
        else:
            chosen.append(period["cutoff"])
    how.append(
        f"Training cut-offs: month starts {step_months} month(s) apart, the "
        f"latest a {horizon_days}-day horizon before the first test cut-off, "
        "so every training outcome is known before it."
    )
    if passed_over:
        how.append(
            "Passed over for almost no conversions: "
            + ", ".join(
                f"{p['cutoff']} ({p['converted']} of {p['leads']:,})"
                for p in passed_over
            )
            + f" (pooled rate {pooled:.2%})."
        )
    if not chosen:
        chosen = [p["cutoff"] for p in candidates[:train_count]]
        how.append(
            "Warning: no candidate training period has enough conversions; "
            "using the latest ones anyway. Try a longer --horizon-days or "
            "give --train-cutoffs."
        )
    if not chosen:
        raise SystemExit(
            f"No month start before {last_train} has leads to train on: "
            "give --train-cutoffs and --test-cutoffs, or a shorter horizon."
        )
    return CutoffChoice(sorted(chosen), [d.isoformat() for d in tests], how)


def check_split(train: Sequence[str], test: Sequence[str], horizon_days: int) -> None:
    """Training labels must all be known before the first test cut-off."""
    if not train:
        raise SystemExit("Give at least one training cut-off.")
    if test:
        latest_train = max(date.fromisoformat(d) for d in train)
        first_test = min(date.fromisoformat(d) for d in test)
        if latest_train + timedelta(days=horizon_days) > first_test:
            raise SystemExit(
                f"Training cut-off {latest_train} plus the {horizon_days}-day "
                f"horizon reaches past the first test cut-off {first_test}: the "
                "model would learn from outcomes that happen after it. Move the "
                "training cut-offs earlier or the test cut-offs later."
            )


def read_backtest_examples(
    connection: duckdb.DuckDBPyConnection, *, at_lead_age: bool
) -> modeling.Examples:
    """Examples from fct_lead_backtest_examples and its features: one per
    lead and date, `cutoff` the scoring date (YYYY-MM-DD). Leads that had
    converted before the date are left out."""
    where = "is_at_lead_age" if at_lead_age else "is_backtest_date"
    rows = connection.execute(
        f"""
        select
            lead_id,
            cast(cast(scored_as_of as date) as varchar) as scored_date,
            cast(converted_within_horizon as integer) as label,
            is_horizon_observed,
            {", ".join(BACKTEST_SCORE_COLUMNS)}
        from fct_lead_backtest_examples
        where {where} and not had_opportunity_before
        order by scored_as_of, lead_id
        """
    ).fetchall()
    index = {(row[0], row[1]): position for position, row in enumerate(rows)}
    numeric: list[dict[str, float]] = [{} for _ in rows]
    categorical: list[dict[str, str]] = [{} for _ in rows]
    for lead_id, scored_date, name, kind, text, number in connection.execute(
        "select lead_id, cast(cast(scored_as_of as date) as varchar), feature_name,"
        " feature_kind, categorical_value, numeric_value"
        " from fct_lead_backtest_features"
    ).fetchall():
        position = index.get((lead_id, scored_date))
        if position is None:
            continue
        if kind == "categorical":
            categorical[position][name] = text
        else:
            numeric[position][name] = number
    return modeling.Examples(
        lead_id=[row[0] for row in rows],
        cutoff=[row[1] for row in rows],
        label=np.array([row[2] for row in rows], dtype=float),
        numeric=numeric,
        categorical=categorical,
        scores={
            "is_horizon_observed": [row[3] for row in rows],
            **{
                column: [row[4 + offset] for row in rows]
                for offset, column in enumerate(BACKTEST_SCORE_COLUMNS)
            },
        },
    )
