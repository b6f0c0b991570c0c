"""Rebuild the scores as of past cut-off dates, in a scratch copy of the project.

A `Workspace` is a copy of the dbt project and its own DuckDB file in a
scratch folder: `fit` and `backtest` rebuild the as-of models there once per
cut-off (dbt var lead_scoring__as_of_date) and read lead_scores,
fct_lead_features and fct_lead_outcomes after each build. The user's database,
`target/` and seeds are never touched. dbt runs in a child process
(dbtRunner), so each run's environment and dbt's global state stay apart.
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
# Everything whose result depends on the cut-off.
AS_OF_SELECTOR = "int_scoring_as_of+"


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

    def build_as_of(self, cutoff: str | None) -> float:
        """Build every model as of `cutoff` (None: the default, the day after
        the latest activity); the first call seeds and builds everything,
        later ones only what depends on the cut-off. Returns seconds taken."""
        started = time.monotonic()
        dbt_vars = {"lead_scoring__as_of_date": cutoff or ""}
        if not self.built:
            if not self.seeded:
                self.dbt(["seed"])
                self.seeded = True
            self.dbt(["run"], dbt_vars)
            self.built = True
        else:
            self.dbt(["run", "--select", AS_OF_SELECTOR], dbt_vars)
        return time.monotonic() - started

    def connect(self) -> duckdb.DuckDBPyConnection:
        connection = duckdb.connect(str(self.db_path), read_only=True)
        connection.execute("set TimeZone = 'UTC'")
        return connection

    def data_ends_at(self) -> datetime:
        """The latest moment the data holds (the default scored_as_of): only
        what int_scoring_as_of needs is built for it."""
        if not self.seeded:
            self.dbt(["seed"])
            self.seeded = True
        self.dbt(
            ["run", "--select", "+int_scoring_as_of"],
            {"lead_scoring__as_of_date": ""},
        )
        with self.connect() as connection:
            [(scored_as_of,)] = connection.execute(
                "select max(scored_as_of) from int_scoring_as_of"
            ).fetchall()
            leads = connection.execute(
                "select count(*) from int_leads_deduplicated"
            ).fetchone()
        if scored_as_of is None or not leads[0]:
            raise SystemExit("No leads in the raw data: nothing to fit or backtest.")
        return scored_as_of

    def examples(
        self, cutoff: str, *, max_lead_age_days: float | None = None
    ) -> modeling.Examples:
        """Build as of `cutoff` and read its examples, saying how long it took."""
        seconds = self.build_as_of(cutoff)
        with self.connect() as connection:
            examples = modeling.read_examples(
                connection, cutoff, max_lead_age_days=max_lead_age_days
            )
        rate = examples.label.mean() if len(examples) else float("nan")
        self.progress(
            f"  as of {cutoff}: {len(examples):,} leads not yet converted, "
            f"{rate:.1%} converted within the horizon (built in {seconds:.0f}s)"
        )
        return examples

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


def default_cutoffs(
    data_ends_at: datetime,
    horizon_days: int,
    *,
    train_count: int,
    test_count: int,
    step_months: int = 3,
) -> tuple[list[str], list[str]]:
    """Month starts: the test cut-offs are the latest whose horizon the data
    covers (one a month); training cut-offs end at least a horizon before
    the first test cut-off (so no training label is seen after it), one
    every `step_months` before that."""
    last = month_start_on_or_before(
        (data_ends_at - timedelta(days=horizon_days)).date()
    )
    tests = [months_before(last, n) for n in range(test_count)][::-1]
    if not test_count:
        tests = []
        last_train = last
    else:
        last_train = month_start_on_or_before(tests[0] - timedelta(days=horizon_days))
    trains = [months_before(last_train, step_months * n) for n in range(train_count)]
    return [d.isoformat() for d in sorted(trains)], [d.isoformat() for d in tests]


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
