"""Shared fixtures: generated raw data and isolated `dbt build` runs.

Every dbt run here has its own raw folder, DuckDB file, target and log folders
under pytest's temporary directories, so the suite never reads or writes the
repository's `lead_scoring.duckdb`, `target/`, `logs/` or `data/`, and it can
run while somebody else runs `dbt build` in the repository.

dbt runs through `dbtRunner`, in a child process (see `run_dbt`): dbt-duckdb
keeps its database file open in the process that ran dbt (`keep_open`), so a
test in the same process could not open it read-only afterwards; a child
process also keeps each run's environment variables and dbt's global state
apart.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from lead_scoring import dbt_child, sample_data

REPO_ROOT = Path(__file__).resolve().parents[2]

DEFAULT_LEADS = 5000
DEFAULT_SEED = 42
# Smaller runs for properties that do not need the full sample.
SMALL_LEADS = 800
SMALL_SEED = 7
# A cut-off inside the sample's window (2025-01-01 .. 2026-07-01).
AS_OF_DATE = "2026-03-01"

# What a copy of the dbt project needs (profiles come from DBT_PROFILES_DIR).
PROJECT_ITEMS = (
    "dbt_project.yml",
    "packages.yml",
    "dependencies.yml",
    "selectors.yml",
    "models",
    "macros",
    "seeds",
    "tests",
    "analyses",
    "snapshots",
)


@dataclass(frozen=True)
class DbtRun:
    """The outcome of one dbt invocation and where it left its artifacts."""

    args: tuple[str, ...]
    success: bool
    stdout: str
    stderr: str
    target_path: Path
    log_path: Path

    @property
    def log_text(self) -> str:
        log_file = self.log_path / "dbt.log"
        return log_file.read_text(errors="replace") if log_file.exists() else ""

    @property
    def output(self) -> str:
        """Everything dbt said: console, exception and log file."""
        return "\n".join([self.stdout, self.stderr, self.log_text])

    @property
    def run_results(self) -> dict[str, Any] | None:
        path = self.target_path / "run_results.json"
        return json.loads(path.read_text()) if path.exists() else None

    @property
    def manifest(self) -> dict[str, Any] | None:
        path = self.target_path / "manifest.json"
        return json.loads(path.read_text()) if path.exists() else None

    def results(self, *statuses: str) -> list[dict[str, Any]]:
        """run_results.json entries, only those with one of `statuses` if given."""
        results = (self.run_results or {}).get("results", [])
        return [r for r in results if not statuses or r["status"] in statuses]

    def describe(self) -> str:
        """A short account of a run, for assertion messages."""
        problems = [
            f"  {r['status']}: {r['unique_id']}: {r.get('message')}"
            for r in self.results("error", "fail", "skipped", "runtime error")
        ]
        console = (self.stdout + "\n" + self.stderr).strip().splitlines()
        return "\n".join(
            [
                f"dbt {' '.join(self.args)} -> success={self.success}",
                *problems[:20],
                "--- last console lines ---",
                *console[-40:],
            ]
        )


@dataclass(frozen=True)
class Build:
    """A `dbt build` into its own DuckDB file, on one raw folder."""

    project_dir: Path
    raw_dir: Path
    db_path: Path
    run: DbtRun

    def require_success(self) -> None:
        if not self.run.success:
            pytest.fail(f"dbt build failed:\n{self.run.describe()}", pytrace=False)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        return query(self.db_path, sql, params)

    def query_dicts(
        self, sql: str, params: Sequence[Any] | None = None
    ) -> list[dict[str, Any]]:
        return query_dicts(self.db_path, sql, params)

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        rows = self.query(sql, params)
        assert len(rows) == 1 and len(rows[0]) == 1, rows
        return rows[0][0]


def _connect(db_path: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(db_path), read_only=True)
    connection.execute("set TimeZone = 'UTC'")
    return connection


def query(db_path: Path, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
    """Rows of a query on a built DuckDB file, opened read-only."""
    with _connect(db_path) as connection:
        return connection.execute(sql, params).fetchall()


def query_dicts(
    db_path: Path, sql: str, params: Sequence[Any] | None = None
) -> list[dict[str, Any]]:
    """Rows of a query as dicts keyed by column name."""
    with _connect(db_path) as connection:
        cursor = connection.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@dataclass(frozen=True)
class DbtCommand:
    """One dbt invocation on `raw_dir` into `db_path`, ready to start."""

    argv: list[str]
    env: dict[str, str]
    target_path: Path
    log_path: Path
    # The saved parse this run starts from and, after it, saves, and the
    # repository's, which it starts from without one (see PARSES).
    parse_file: Path
    origin_parse_file: Path


# Parses shared between the suite's dbt runs, through dbt's own partial
# parsing: a run starts from the parse a previous run saved with the same key
# and re-parses only the files that changed since. dbt itself checks that a
# saved parse still fits (the vars, the profile's settings, each file by its
# content) and parses everything again when it does not; the key only keeps
# apart what dbt would reject anyway, and the project directory, because a
# parse reads seeds from the directory it was made in.
#
# A copy of the project (copy_project) without a parse of its own starts
# from the repository's: dbt re-parses the files the copy changed, with the
# copy's directory, and reads every other seed from the repository, where
# it is the same. A copy's parse is kept for that copy only, because its
# test may edit the copy again. The folder is shared by the xdist workers
# of one run (see share_parses), so each parse is made once per run.
PARSES = Path("dbt-parses")  # set by share_parses before any run
PARSE_FILE_NAME = "partial_parse.msgpack"


@pytest.fixture(scope="session", autouse=True)
def share_parses(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the saved parses where every worker of this run finds them."""
    global PARSES
    PARSES = run_dir(tmp_path_factory) / "dbt-parses"
    PARSES.mkdir(exist_ok=True)


def parse_key(project_dir: Path, dbt_vars: dict | None, env: dict[str, str]) -> Path:
    """Where the saved parse of runs with these settings lives."""
    settings = {
        name: value
        for name, value in env.items()
        # The raw folder is read by the run's first hook, never by the parse.
        if name.startswith("LEAD_SCORING_") and name != "LEAD_SCORING_RAW_DIR"
    }
    key = json.dumps(
        [str(project_dir.resolve()), dbt_vars or {}, settings], sort_keys=True
    )
    return PARSES / f"{hashlib.sha256(key.encode()).hexdigest()[:16]}.msgpack"


def reuse_parse(command: DbtCommand) -> None:
    """Put the saved parse where the run looks for it (its target path)."""
    command.target_path.mkdir(parents=True, exist_ok=True)
    for saved in (command.parse_file, command.origin_parse_file):
        try:
            shutil.copyfile(saved, command.target_path / PARSE_FILE_NAME)
            return
        except FileNotFoundError:
            continue


def save_parse(command: DbtCommand) -> None:
    """Keep the parse of a run that succeeded, for the next run with its key."""
    made = command.target_path / PARSE_FILE_NAME
    if made.exists() and not command.parse_file.exists():
        partial = command.parse_file.with_suffix(f".{os.getpid()}.tmp")
        shutil.copyfile(made, partial)
        partial.replace(command.parse_file)


def dbt_command(
    args: Sequence[str],
    *,
    work_dir: Path,
    raw_dir: Path,
    db_path: Path,
    project_dir: Path = REPO_ROOT,
    dbt_vars: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
) -> DbtCommand:
    """The child-process command line and environment of one dbt run.

    Target and log folders are made in `work_dir`, the run's working
    directory. `env` adds to (or overrides) the environment variables of the
    run: another target's settings, for instance. The run starts from the
    saved parse of earlier runs with the same settings (see PARSES); a
    database in `work_dir` is named relative to it, so runs in different
    folders share one.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    target_path = work_dir / "target"
    log_path = work_dir / "logs"
    full_args = [
        *args,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(REPO_ROOT),
        "--target-path",
        str(target_path),
        "--log-path",
        str(log_path),
        "--partial-parse",
        "--no-use-colors",
    ]
    if dbt_vars:
        full_args += ["--vars", json.dumps(dbt_vars)]
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(REPO_ROOT),
        "LEAD_SCORING_TARGET": "duckdb",
        "LEAD_SCORING_RAW_DIR": str(raw_dir),
        "LEAD_SCORING_DUCKDB_PATH": str(
            db_path.name if db_path.parent == work_dir else db_path
        ),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        # dbt.log at info keeps every line a test reads (node starts, the
        # project's own messages); debug adds each statement run and costs
        # about a tenth of a small build. DBT_LOG_LEVEL_FILE=debug keeps all.
        "DBT_LOG_LEVEL_FILE": os.environ.get("DBT_LOG_LEVEL_FILE", "info"),
        **(env or {}),
    }
    return DbtCommand(
        [sys.executable, "-c", dbt_child.RUNNER, *full_args],
        env,
        target_path,
        log_path,
        parse_key(project_dir, dbt_vars, env),
        parse_key(REPO_ROOT, dbt_vars, env),
    )


def run_dbt(
    args: Sequence[str], *, work_dir: Path, timeout: float = 900, **options: Any
) -> DbtRun:
    """Run one dbt command (see `dbt_command` for the options) and wait at
    most `timeout` seconds (then subprocess.TimeoutExpired is raised)."""
    command = dbt_command(args, work_dir=work_dir, **options)
    reuse_parse(command)
    completed = subprocess.run(
        command.argv,
        cwd=work_dir,
        env=command.env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if completed.returncode == 0:
        save_parse(command)
    return DbtRun(
        args=tuple(command.argv[3:]),
        success=completed.returncode == 0,
        stdout=completed.stdout,
        stderr=completed.stderr,
        target_path=command.target_path,
        log_path=command.log_path,
    )


@dataclass(frozen=True)
class DbtProcess:
    """A dbt invocation still running in a child process (see `start_dbt`)."""

    process: subprocess.Popen[bytes]
    target_path: Path
    log_path: Path

    @property
    def log_text(self) -> str:
        log_file = self.log_path / "dbt.log"
        return log_file.read_text(errors="replace") if log_file.exists() else ""

    def wait_for_log(self, text: str, timeout: float = 300.0) -> bool:
        """Wait until `text` appears in dbt.log. False when the run ends, or
        `timeout` seconds pass, before it does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log_text:
                return True
            if self.process.poll() is not None:
                return text in self.log_text
            time.sleep(0.01)
        return False


def start_dbt(args: Sequence[str], *, work_dir: Path, **options: Any) -> DbtProcess:
    """Start the dbt command `run_dbt` would run, without waiting for it.

    For tests that interrupt a run: the caller waits, kills or polls the
    process. Console output goes to `work_dir`/console.txt.
    """
    command = dbt_command(args, work_dir=work_dir, **options)
    reuse_parse(command)
    with (work_dir / "console.txt").open("ab") as console:
        process = subprocess.Popen(
            command.argv,
            cwd=work_dir,
            env=command.env,
            stdout=console,
            stderr=subprocess.STDOUT,
        )
    return DbtProcess(process, command.target_path, command.log_path)


def build(
    work_dir: Path,
    raw_dir: Path,
    *,
    project_dir: Path = REPO_ROOT,
    dbt_vars: dict[str, str] | None = None,
    unit_tests: bool = True,
    data_tests: bool = True,
    full_history: bool = False,
) -> Build:
    """`dbt build` of `project_dir` on `raw_dir` into `work_dir`/lead_scoring.duckdb.

    `unit_tests=False` leaves out the YAML unit tests: they mock their inputs,
    so they give the same answer on any data, and the default build already
    runs them. `data_tests=False` leaves out the data tests too, for a build
    that only prepares a state or a reference to compare with, on data
    another build of the test already tests (about half of a build's dbt
    nodes are data tests). Seeds and models always run.

    `full_history` backfills lead_score_history's whole window (90 days),
    which multiplies the scoring work; other builds start the history at
    their first build. Today's scores do not depend on it.
    """
    if full_history:
        dbt_vars = {"lead_scoring__history_backfill": "true", **(dbt_vars or {})}
    db_path = work_dir / "lead_scoring.duckdb"
    args = ["build"]
    if not unit_tests:
        args += ["--exclude-resource-type", "unit_test"]
    if not data_tests:
        args += ["--exclude-resource-type", "test"]
    run = run_dbt(
        args,
        work_dir=work_dir,
        raw_dir=raw_dir,
        db_path=db_path,
        project_dir=project_dir,
        dbt_vars=dbt_vars,
    )
    return Build(project_dir, raw_dir, db_path, run)


def copy_project(destination: Path, source: Path = REPO_ROOT) -> Path:
    """A copy of the dbt project (without the pytest suite) to edit freely."""
    destination.mkdir(parents=True)
    ignore = shutil.ignore_patterns("pytest", "__pycache__", ".pytest_cache")
    for name in PROJECT_ITEMS:
        path = source / name
        if path.is_dir():
            shutil.copytree(path, destination / name, ignore=ignore)
        elif path.is_file():
            shutil.copy2(path, destination / name)
    return destination


def edit_seed(
    project_dir: Path,
    seed: str,
    edit: Callable[[list[dict[str, str]]], list[dict[str, str]]],
) -> None:
    """Rewrite seeds/<seed>.csv with `edit` applied to its rows."""
    path = project_dir / "seeds" / f"{seed}.csv"
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        fieldnames = list(reader.fieldnames or [])
        rows = list(reader)
    rows = edit(rows)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def generate(
    out: Path, leads: int, seed: int, file_format: str = "parquet"
) -> dict[str, int]:
    """Write sample raw data to `out`, quietly; return the row counts."""
    return sample_data.write(
        leads, out, seed, file_format=file_format, progress=lambda _: None
    )


PLAN_TIERS = ("enterprise", "team", "Enterprise", "free")


def plan_tier_of(lead_id: str) -> str:
    """The `plan_tier` value the small sample gives a lead (by its number)."""
    return PLAN_TIERS[int(lead_id.lstrip("L")) % len(PLAN_TIERS)]


def add_plan_tier(leads_file: Path) -> None:
    """Add a user's own column, `plan_tier`, to a leads parquet file.

    Every row of one lead gets the same value; rows without a lead_id none.
    """
    leads = pq.read_table(leads_file)
    ids = leads.column("lead_id").to_pylist()
    tiers = [None if lead_id is None else plan_tier_of(lead_id) for lead_id in ids]
    pq.write_table(leads.append_column("plan_tier", pa.array(tiers)), leads_file)


def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of this run's temporary directories, shared by its xdist
    workers (each has its own folder in it); pytest removes it in time."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def once_per_run(
    tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], Any]
) -> Any:
    """`make(folder)`, made once per run, whichever worker asks first: the
    others wait for it and get the same result (pickled beside the folder).

    For the session fixtures every module reads and none writes to (a
    sample, a build): `make` writes only into its folder. When it raises,
    the next worker to ask tries again."""
    shared = run_dir(tmp_path_factory)
    folder = shared / name
    made = shared / f"{name}.pickle"
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if made.exists():
            return pickle.loads(made.read_bytes())
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        result = make(folder)
        made.write_bytes(pickle.dumps(result))
        return result


@pytest.fixture(scope="session")
def default_raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default sample (5,000 leads, seed 42), as parquet. Read only."""

    def make(folder: Path) -> Path:
        generate(folder / "raw", DEFAULT_LEADS, DEFAULT_SEED)
        return folder / "raw"

    return once_per_run(tmp_path_factory, "default", make)


@pytest.fixture(scope="session")
def default_build(
    tmp_path_factory: pytest.TempPathFactory, default_raw_dir: Path
) -> Build:
    """`dbt build` of the repository's project on the default sample: the one
    run with everything, unit tests included and the full history window."""
    return once_per_run(
        tmp_path_factory,
        "default_build",
        lambda folder: build(folder, default_raw_dir, full_history=True),
    )


@pytest.fixture(scope="session")
def as_of_build(
    tmp_path_factory: pytest.TempPathFactory, default_raw_dir: Path
) -> Build:
    """The same, scored as of AS_OF_DATE (inside the data's window)."""
    return once_per_run(
        tmp_path_factory,
        "as_of_build",
        lambda folder: build(
            folder,
            default_raw_dir,
            dbt_vars={"lead_scoring__as_of_date": AS_OF_DATE},
            unit_tests=False,
        ),
    )


@pytest.fixture(scope="session")
def pristine_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the project taken at the start: every comparison between
    an edited copy and a baseline uses it, so the only difference between
    the two builds is the edit (others may be changing the repository)."""
    return once_per_run(
        tmp_path_factory,
        "pristine",
        lambda folder: copy_project(folder / "project"),
    )


@pytest.fixture(scope="session")
def small_raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small sample (800 leads, seed 7) whose leads carry an extra column of
    the user's own, `plan_tier` (see add_plan_tier). Read only."""

    def make(folder: Path) -> Path:
        generate(folder / "raw", SMALL_LEADS, SMALL_SEED)
        add_plan_tier(folder / "raw" / "leads.parquet")
        return folder / "raw"

    return once_per_run(tmp_path_factory, "small", make)


@pytest.fixture(scope="session")
def small_baseline(
    tmp_path_factory: pytest.TempPathFactory,
    pristine_project: Path,
    small_raw_dir: Path,
) -> Build:
    """The unedited project copy built on the small sample."""
    result = once_per_run(
        tmp_path_factory,
        "small_baseline",
        lambda folder: build(
            folder, small_raw_dir, project_dir=pristine_project, unit_tests=False
        ),
    )
    result.require_success()
    return result


# The modules that take longest, longest first: `make test`'s workers take
# a module at a time in collection order, so starting these first keeps one
# long module from running alone at the end. The others follow in their
# usual order.
LONGEST_MODULES = (
    "test_spark.py",
    "test_hostile_input.py",
    "test_end_to_end.py",
    "test_scores_over_time.py",
    "test_idempotence.py",
    "test_predictive_backtest.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_MODULES.index(name) if name in LONGEST_MODULES else 99

    items.sort(key=rank)  # stable: the order within a module is kept
