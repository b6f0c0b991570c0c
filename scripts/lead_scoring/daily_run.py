"""What a daily run costs next to a full refresh, measured on sample data.

The sample is split at the start of its last day: the project is built on
everything before it (yesterday's database), then the last day arrives and
the same database is brought up to date twice, from two copies of it:

- daily run:    `dbt run` (incremental models add the new day only)
- full refresh: `dbt run --full-refresh` (every model rebuilt from raw)

Each dbt run is a child process; its wall time and peak memory (the child's
maximum resident set size, from `os.wait4`) are measured, and the slowest
models of each come from dbt's run_results.json.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lead_scoring import sample_data
from lead_scoring.warehouse import PROJECT_DIR


@dataclass(frozen=True)
class Measured:
    """One dbt command: wall seconds, peak memory, slowest models."""

    command: str
    seconds: float
    peak_mib: float
    slowest_models: list[tuple[str, float]] = field(default_factory=list)


def split_last_day(raw_dir: Path, first_dir: Path) -> dict[str, int]:
    """Copy `raw_dir` to `first_dir` without the activities of the last day.

    Returns the row counts of both deliveries of activities.
    """
    first_dir.mkdir(parents=True, exist_ok=True)
    for path in raw_dir.iterdir():
        if path.name != "activities.parquet":
            shutil.copy2(path, first_dir / path.name)
    activities = pq.read_table(raw_dir / "activities.parquet")
    occurred = activities.column("occurred_at")
    latest = pc.max(occurred).as_py()
    last_day = dt.datetime.combine(latest.date(), dt.time())
    before = pc.less(occurred, pa.scalar(last_day, occurred.type))
    first = activities.filter(pc.fill_null(before, True))
    pq.write_table(first, first_dir / "activities.parquet")
    return {"first_delivery": first.num_rows, "with_last_day": activities.num_rows}


def run_dbt(
    args: Sequence[str], *, raw_dir: Path, db_path: Path, work_dir: Path
) -> Measured:
    """Run one dbt command in a child process and measure it."""
    target = work_dir / "target"
    command = [
        str(Path(sys.executable).with_name("dbt")),
        *args,
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(target),
        "--log-path",
        str(work_dir / "logs"),
        "--no-partial-parse",
    ]
    env = {
        **os.environ,
        "LEAD_SCORING_TARGET": "duckdb",
        "LEAD_SCORING_RAW_DIR": str(raw_dir),
        "LEAD_SCORING_DUCKDB_PATH": str(db_path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    started = time.perf_counter()
    with (work_dir / "console.txt").open("ab") as console:
        process = subprocess.Popen(
            command, env=env, stdout=console, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(
            f"`dbt {' '.join(args)}` failed: see {work_dir / 'console.txt'}"
        )
    results = json.loads((target / "run_results.json").read_text())["results"]
    slowest = sorted(
        (
            (result["unique_id"].split(".")[-1], round(result["execution_time"], 2))
            for result in results
        ),
        key=lambda item: -item[1],
    )[:5]
    # ru_maxrss is in KiB on Linux.
    return Measured(" ".join(args), seconds, usage.ru_maxrss / 1024, slowest)


def measure(
    leads: int,
    work_dir: Path,
    *,
    seed: int = 42,
    progress: Callable[[str], None] = print,
) -> dict:
    """Build yesterday's database, then time a daily run and a full refresh."""
    if work_dir.exists():
        shutil.rmtree(work_dir)
    raw_dir = work_dir / "raw"
    first_dir = work_dir / "raw_first_delivery"
    progress(f"Generating {leads:,} leads into {raw_dir}/")
    sample_data.write(leads, raw_dir, seed, progress=lambda _: None)
    counts = split_last_day(raw_dir, first_dir)
    new_rows = counts["with_last_day"] - counts["first_delivery"]
    progress(
        f"Yesterday's database: {counts['first_delivery']:,} activities "
        f"(the last day's {new_rows:,} arrive next)"
    )
    yesterday = work_dir / "yesterday.duckdb"
    for args in (["seed"], ["run"]):
        run_dbt(args, raw_dir=first_dir, db_path=yesterday, work_dir=work_dir)

    measured = {}
    runs = (("daily_run", ["run"]), ("full_refresh", ["run", "--full-refresh"]))
    for name, args in runs:
        db_path = work_dir / f"{name}.duckdb"
        shutil.copy2(yesterday, db_path)
        progress(f"Timing `dbt {' '.join(args)}` after the new day arrived...")
        run_dir = work_dir / name
        run_dir.mkdir()
        measured[name] = run_dbt(
            args, raw_dir=raw_dir, db_path=db_path, work_dir=run_dir
        )
    daily, full = measured["daily_run"], measured["full_refresh"]
    return {
        "leads": leads,
        "activities_before": counts["first_delivery"],
        "activities_new": new_rows,
        "daily_run": asdict(daily),
        "full_refresh": asdict(full),
        "daily_to_full_ratio": round(daily.seconds / full.seconds, 3),
    }


def report(result: dict) -> str:
    """The measurements as a few lines a person can read."""
    daily, full = result["daily_run"], result["full_refresh"]
    lines = [
        f"{result['leads']:,} leads, {result['activities_before']:,} activities "
        f"loaded, {result['activities_new']:,} new on the last day",
        f"  daily run    (dbt run)                {daily['seconds']:7.1f} s"
        f"  peak {daily['peak_mib']:7.0f} MiB",
        f"  full refresh (dbt run --full-refresh) {full['seconds']:7.1f} s"
        f"  peak {full['peak_mib']:7.0f} MiB",
        f"  daily / full = {result['daily_to_full_ratio']:.2f}",
    ]
    for name in ("daily_run", "full_refresh"):
        slowest = ", ".join(
            f"{model} {seconds}s" for model, seconds in result[name]["slowest_models"]
        )
        lines.append(f"  slowest models, {name.replace('_', ' ')}: {slowest}")
    return "\n".join(lines)
