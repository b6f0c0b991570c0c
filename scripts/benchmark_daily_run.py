"""Time a daily incremental run against a full refresh on sample data.

    .venv/bin/python scripts/benchmark_daily_run.py --leads 20000

Builds the project on all but the last day of the sample, then brings two
copies of that database up to date with the last day: `dbt run` (the daily
run) and `dbt run --full-refresh`. Prints wall times, peak memory, the
ratio and the slowest models; `--json` also writes them to a file.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lead_scoring import daily_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=20000, help="sample size")
    parser.add_argument("--seed", type=int, default=42, help="random seed")
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=Path("data/benchmark_daily_run"),
        help="scratch folder (emptied first)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.leads < 100:
        parser.error("--leads must be at least 100")

    result = daily_run.measure(args.leads, args.work_dir, seed=args.seed)
    print(daily_run.report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
        print(f"Wrote {args.json}")


if __name__ == "__main__":
    main()
