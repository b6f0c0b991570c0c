"""How many leads a day-to-day CRM sync sends, on the generated sample.

python scripts/measure_crm_sync_volume.py [--leads 5000] [--start 2026-06-01]
    [--days 7] [--work-dir target/sync_volume]

Builds the sample as of --start and exports everything (the first sync),
then, for each following day, builds as of that day (the day's activities
arrive; decay moves every active lead's score a little) and exports what
the sync view holds. Prints, per day and CRM, the leads sent of the leads
scored, split into upserts and clears, and the rows left out for want of a
key. Each day is a full `dbt build` (unit tests left out), as a scheduled
daily run would be.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
from lead_scoring import crm_export, dbt_child, sample_data
from lead_scoring.warehouse import PROJECT_DIR


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=5000)
    parser.add_argument("--start", type=dt.date.fromisoformat, default="2026-06-01")
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument(
        "--work-dir", type=Path, default=PROJECT_DIR / "target" / "sync_volume"
    )
    args = parser.parse_args()
    if args.work_dir.exists():
        shutil.rmtree(args.work_dir)
    raw_dir = args.work_dir / "raw"
    db_path = args.work_dir / "lead_scoring.duckdb"
    sample_data.write(args.leads, raw_dir, progress=lambda _: None)
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "LEAD_SCORING_TARGET": "duckdb",
        "LEAD_SCORING_RAW_DIR": str(raw_dir),
        "LEAD_SCORING_DUCKDB_PATH": str(db_path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    print("day         crm         scored   sent  share  upserts  clears  no key")
    for number in range(args.days + 1):
        day = args.start + dt.timedelta(days=number)
        subprocess.run(
            [
                *dbt_child.scored_build(
                    PROJECT_DIR,
                    args.work_dir / "target",
                    args.work_dir / "logs",
                    str(day),
                ),
                "--quiet",
            ],
            env=env,
            check=True,
        )
        with duckdb.connect(str(db_path)) as connection:
            [(scored,)] = connection.execute(
                "select count(*) from lead_scores"
            ).fetchall()
            results = crm_export.export_all(connection, args.work_dir / "exports")
        for result in results:
            upserts = result.actions.get("upsert", 0)
            clears = result.actions.get("clear", 0)
            print(
                f"{day}  {result.crm:<10} {scored:>7} {result.rows:>6}"
                f" {result.rows / scored:>6.1%} {upserts:>8} {clears:>7}"
                f" {result.unmatched:>7}",
                flush=True,
            )


if __name__ == "__main__":
    main()
