"""How fast the project is on one machine, next to the least work possible.

For each size (number of leads) the benchmark:

1. generates sample data, holding back the activities of the last day;
2. times a full `dbt build` (seeds, models, snapshot and data tests; the
   YAML unit tests are left out: they mock their inputs, so their time does
   not grow with the data) into a new DuckDB file, scored as of the start
   of the held-back day;
3. adds the held-back day to the raw activities file and times the daily
   incremental `dbt build` on the same DuckDB file, scored as of the next
   day as a scheduled run would be;
4. times the floor: one hand-written DuckDB query over the raw files that
   computes the decayed engagement points per lead at the dates a run
   scores (scored_as_of, 7 and 30 days before it; copies of an activity
   counted once, weights joined, decay, caps per type): the work no model
   can avoid. It leaves out what the project adds on top (validation, bot
   rules, merges, fit, reasons), so the ratio is an upper bound on the
   overhead.

Each step runs in a child process; wall time comes from the clock and peak
memory from the child's own resource usage (os.wait4, ru_maxrss). Model
times come from dbt's target/run_results.json.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow.parquet as pq

from lead_scoring import dbt_child, sample_data

PROJECT_DIR = Path(__file__).resolve().parents[2]
# The models that turn activities into engagement points (the floor's work).
SCORING_MODELS = ("int_leads_engagement_by_type",)
# DuckDB's memory limit for every run (the builds and the floor), by
# default the profile's own (80% of the machine), so the benchmark measures
# what a user gets. A lower limit bounds the peak (3GB keeps a million leads
# under 4 GB with dbt itself) but DuckDB then spills to disk: at a million
# leads about 53 GB of temporary files and three quarters more time.
DEFAULT_MEMORY_LIMIT = "80%"
# dbt threads: one per core of the 2-core machine the targets are set on.
# More threads run more queries side by side, each with its own working
# memory under the same limit.
DEFAULT_THREADS = 2
# The date scores are computed as of: the start of the last generated day
# is held back and added by the incremental run.
LAST_DAY = sample_data.WINDOW_END - np.timedelta64(1, "D")


@dataclass
class Measurement:
    """One timed child process."""

    seconds: float
    peak_memory_mb: float
    ok: bool
    output_tail: str = ""


@dataclass
class SizeResult:
    leads: int
    activity_rows: int
    new_day_rows: int
    generate_seconds: float
    full_build: Measurement
    incremental_build: Measurement
    floor: Measurement
    full_model_seconds: dict[str, float] = field(default_factory=dict)
    # data tests of the full build, which run in the same threads as models
    full_test_seconds: dict[str, float] = field(default_factory=dict)
    incremental_model_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def scoring_seconds(self) -> float:
        return sum(self.full_model_seconds.get(name, 0.0) for name in SCORING_MODELS)

    def summary(self) -> dict[str, Any]:
        floor = self.floor.seconds or float("nan")
        return {
            "leads": self.leads,
            "activity_rows": self.activity_rows,
            "full_build_seconds": round(self.full_build.seconds, 1),
            "full_build_peak_mb": round(self.full_build.peak_memory_mb),
            "incremental_seconds": round(self.incremental_build.seconds, 1),
            "incremental_peak_mb": round(self.incremental_build.peak_memory_mb),
            "incremental_share_of_full": round(
                self.incremental_build.seconds / self.full_build.seconds, 3
            ),
            "floor_seconds": round(self.floor.seconds, 2),
            "floor_peak_mb": round(self.floor.peak_memory_mb),
            "scoring_model_seconds": round(self.scoring_seconds, 2),
            "scoring_to_floor": round(self.scoring_seconds / floor, 2),
            "models_to_floor": round(sum(self.full_model_seconds.values()) / floor, 2),
            "full_build_model_seconds_total": round(
                sum(self.full_model_seconds.values()), 1
            ),
            "full_build_test_seconds_total": round(
                sum(self.full_test_seconds.values()), 1
            ),
        }


# Runs a command and writes its exit code and peak memory to a file. A child
# starts as a copy of the process that starts it, and Linux counts that copy
# in the child's peak memory: measured straight from this process, every
# child would report at least this process's memory (gigabytes after
# generating a million leads). Started from this small interpreter instead,
# a child's peak is its own.
_LAUNCHER = (
    "import json, os, subprocess, sys\n"
    "process = subprocess.Popen(sys.argv[2:])\n"
    "_, status, usage = os.wait4(process.pid, 0)\n"
    "with open(sys.argv[1], 'w') as out:\n"
    "    json.dump({'exit_code': os.waitstatus_to_exitcode(status),\n"
    "               'peak_kb': usage.ru_maxrss}, out)\n"
)


def run_measured(
    argv: Sequence[str], env: dict[str, str], cwd: Path, timeout: float
) -> Measurement:
    """Run a child process; its wall time and its own peak memory."""
    stamp = time.monotonic_ns()
    log = cwd / f"child-{stamp}.log"
    result_file = cwd / f"child-{stamp}.json"
    with log.open("wb") as out:
        started = time.perf_counter()
        launcher = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, str(result_file), *argv],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            launcher.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(launcher.pid, signal.SIGKILL)
            launcher.wait()
        seconds = time.perf_counter() - started
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
    if not result_file.exists():
        return Measurement(seconds, float("nan"), ok=False, output_tail=tail)
    result = json.loads(result_file.read_text())
    return Measurement(
        seconds=seconds,
        # ru_maxrss is in kilobytes on Linux
        peak_memory_mb=result["peak_kb"] / 1024,
        ok=result["exit_code"] == 0,
        output_tail=tail,
    )


def hold_back_last_day(raw_dir: Path, held_back: Path) -> tuple[int, int]:
    """Move the activities of the last day out of activities.parquet into
    `held_back`; (rows kept, rows held back). DuckDB streams the copy, so
    the benchmark's own memory stays small at a million leads."""
    path = raw_dir / "activities.parquet"
    last_day = f"timestamp '{str(LAST_DAY).replace('T', ' ')}'"
    with duckdb.connect() as connection:
        connection.execute("set TimeZone = 'UTC'")
        source = f"read_parquet('{path}')"
        connection.execute(
            f"copy (select * from {source} where occurred_at >= {last_day}) "
            f"to '{held_back}' (format parquet)"
        )
        connection.execute(
            f"copy (select * from {source} "
            f"where not coalesce(occurred_at >= {last_day}, false)) "
            f"to '{path}.kept' (format parquet)"
        )
    os.replace(f"{path}.kept", path)
    kept = pq.ParquetFile(path).metadata.num_rows
    return kept, pq.ParquetFile(held_back).metadata.num_rows


def add_held_back_day(raw_dir: Path, held_back: Path) -> None:
    """The day arrives: activities.parquet gets its rows appended."""
    path = raw_dir / "activities.parquet"
    with duckdb.connect() as connection:
        connection.execute(
            f"copy (select * from read_parquet(['{path}', '{held_back}'])) "
            f"to '{path}.new' (format parquet)"
        )
    os.replace(f"{path}.new", path)


# The dates a run scores when lead_score_history already holds the past:
# scored_as_of and the two dates of score_change_7d and score_change_30d.
FLOOR_DAYS_BEFORE = (0, 7, 30)


def floor_sql(raw_dir: Path, weights_csv: Path, as_of: str) -> str:
    """The floor: decayed, capped engagement points per lead at each date a
    run scores (FLOOR_DAYS_BEFORE), one query."""
    days = ", ".join(f"({days})" for days in FLOOR_DAYS_BEFORE)
    return f"""
        with weights as (
            select
                lower(trim(activity_type)) as activity_type,
                points, half_life_days, max_points
            from read_csv('{weights_csv}', header = true)
        ),
        scoring_dates as (
            select timestamp '{as_of}' - to_days(days_before) as scored_as_of
            from (values {days}) as dates (days_before)
        ),
        activities as (
            select
                any_value(lead_id) as lead_id,
                any_value(regexp_replace(lower(trim(activity_type)),
                    '[^a-z0-9]+', '_', 'g')) as activity_type,
                min(occurred_at) as occurred_at
            from read_parquet('{raw_dir}/activities.parquet')
            where occurred_at < timestamp '{as_of}'
            group by activity_id
        ),
        per_type as (
            select
                activities.lead_id,
                scoring_dates.scored_as_of,
                activities.activity_type,
                sum(weights.points * power(0.5,
                    epoch(scoring_dates.scored_as_of - activities.occurred_at)
                    / 86400.0 / weights.half_life_days)) as points,
                any_value(weights.max_points) as max_points
            from activities
            inner join weights using (activity_type)
            inner join scoring_dates
                on activities.occurred_at < scoring_dates.scored_as_of
            group by 1, 2, 3
        )
        select
            lead_id,
            scored_as_of,
            sum(greatest(least(points, max_points), -max_points))
                as engagement_points
        from per_type
        group by 1, 2
    """


def node_seconds(target_path: Path, kind: str) -> dict[str, float]:
    """Execution time of each node of one kind ("model", "test") in the last
    run, from run_results.json."""
    path = target_path / "run_results.json"
    if not path.exists():
        return {}
    return {
        result["unique_id"].split(".")[2]: round(result["execution_time"], 3)
        for result in json.loads(path.read_text())["results"]
        if result["unique_id"].split(".")[0] == kind
    }


def measure_size(
    leads: int,
    work_dir: Path,
    *,
    seed: int = 42,
    timeout: float = 3600,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    threads: int = DEFAULT_THREADS,
    progress: Callable[[str], None] = print,
) -> SizeResult:
    """Generate, build, build incrementally and time the floor at one size."""
    size_dir = work_dir / f"leads_{leads}"
    if size_dir.exists():
        shutil.rmtree(size_dir)
    raw_dir = size_dir / "raw"
    started = time.perf_counter()
    # In a child process: generating a million leads takes gigabytes, which
    # this process would keep while the builds run beside it.
    subprocess.run(
        [
            sys.executable,
            str(PROJECT_DIR / "scripts" / "generate_sample_data.py"),
            "--leads",
            str(leads),
            "--seed",
            str(seed),
            "--out",
            str(raw_dir),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    generate_seconds = time.perf_counter() - started
    counts = {
        "activities": pq.ParquetFile(raw_dir / "activities.parquet").metadata.num_rows
    }
    _, new_rows = hold_back_last_day(raw_dir, size_dir / "new_day.parquet")
    progress(
        f"{leads:,} leads: {counts['activities']:,} activity rows generated in "
        f"{generate_seconds:.1f}s ({new_rows:,} held back as the new day)"
    )

    db_path = size_dir / "lead_scoring.duckdb"
    target_path = size_dir / "target"
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "LEAD_SCORING_TARGET": "duckdb",
        "LEAD_SCORING_RAW_DIR": str(raw_dir),
        "LEAD_SCORING_DUCKDB_PATH": str(db_path),
        "LEAD_SCORING_DUCKDB_MEMORY_LIMIT": memory_limit,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    # The full build scores as of the start of the held-back day; the daily
    # run, once that day has arrived, as of the next day, as a scheduled
    # run would (one new history date).
    as_of = str(LAST_DAY).replace("T", " ")
    next_as_of = str(sample_data.WINDOW_END).replace("T", " ")

    def dbt(scored_as_of: str) -> list[str]:
        return dbt_child.scored_build(
            PROJECT_DIR,
            target_path,
            size_dir / "logs",
            scored_as_of,
            "--threads",
            str(threads),
        )

    full = run_measured(dbt(as_of), env, size_dir, timeout)
    full_models = node_seconds(target_path, "model")
    full_tests = node_seconds(target_path, "test")
    progress(
        f"  full build {full.seconds:.1f}s, peak {full.peak_memory_mb:,.0f} MB"
        + ("" if full.ok else " FAILED")
    )

    add_held_back_day(raw_dir, size_dir / "new_day.parquet")
    incremental = run_measured(dbt(next_as_of), env, size_dir, timeout)
    incremental_models = node_seconds(target_path, "model")
    progress(
        f"  incremental (one new day) {incremental.seconds:.1f}s, "
        f"peak {incremental.peak_memory_mb:,.0f} MB"
        + ("" if incremental.ok else " FAILED")
    )

    query = floor_sql(raw_dir, PROJECT_DIR / "seeds" / "activity_weights.csv", as_of)
    floor_program = (
        "import duckdb, sys\n"
        "connection = duckdb.connect()\n"
        "connection.execute(\"set TimeZone = 'UTC'\")\n"
        "connection.execute(f\"set memory_limit = '{sys.argv[2]}'\")\n"
        "rows = connection.execute(sys.argv[1]).fetchall()\n"
        "assert rows, 'the floor query found no leads'\n"
    )
    floor = run_measured(
        [sys.executable, "-c", floor_program, query, memory_limit],
        env,
        size_dir,
        timeout,
    )
    progress(f"  floor query {floor.seconds:.2f}s, peak {floor.peak_memory_mb:,.0f} MB")
    return SizeResult(
        leads=leads,
        activity_rows=counts["activities"],
        new_day_rows=new_rows,
        generate_seconds=round(generate_seconds, 1),
        full_build=full,
        incremental_build=incremental,
        floor=floor,
        full_model_seconds=full_models,
        full_test_seconds=full_tests,
        incremental_model_seconds=incremental_models,
    )


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "platform": platform.platform(),
    }


def write_report(
    results: list[SizeResult],
    out: Path,
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    report = {
        "measured_at": datetime.now().isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": settings or {},
        "scoring_models": list(SCORING_MODELS),
        "summary": [result.summary() for result in results],
        "runs": [asdict(result) for result in results],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    return report


def markdown_table(summary: list[dict[str, Any]]) -> str:
    """The README table of a report's summary rows."""
    lines = [
        "| leads | activity rows | full build | peak memory | daily incremental "
        "| incr./full | floor | scoring models | scoring/floor |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in summary:
        lines.append(
            f"| {row['leads']:,} | {row['activity_rows']:,} "
            f"| {row['full_build_seconds']:.1f} s "
            f"| {row['full_build_peak_mb']:,} MB "
            f"| {row['incremental_seconds']:.1f} s "
            f"| {row['incremental_share_of_full']:.0%} "
            f"| {row['floor_seconds']:.2f} s "
            f"| {row['scoring_model_seconds']:.2f} s "
            f"| {row['scoring_to_floor']:.1f}x |"
        )
    return "\n".join(lines)
