"""Benchmark the project at several sizes: full build, daily incremental run
and the floor query, with wall time and peak memory; JSON report + table.

    python scripts/benchmark.py --leads 10000 100000 1000000
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from lead_scoring import benchmark


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--leads",
        type=int,
        nargs="+",
        default=[10_000, 100_000, 1_000_000],
        help="sizes to measure (number of leads)",
    )
    parser.add_argument("--out", type=Path, default=Path("reports/benchmark.json"))
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=None,
        help="where data and DuckDB files go (default: a temporary folder)",
    )
    parser.add_argument(
        "--timeout", type=float, default=3600, help="seconds allowed per dbt run"
    )
    parser.add_argument(
        "--memory-limit",
        default=benchmark.DEFAULT_MEMORY_LIMIT,
        help="DuckDB memory_limit for the builds and the floor (80%% or a size: 3GB)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=benchmark.DEFAULT_THREADS,
        help="dbt threads for the builds",
    )
    args = parser.parse_args()
    if min(args.leads) < 1:
        parser.error("--leads must be at least 1")

    with tempfile.TemporaryDirectory(prefix="lead-scoring-bench-") as tmp:
        work_dir = args.work_dir or Path(tmp)
        results = []
        for leads in sorted(args.leads):
            results.append(
                benchmark.measure_size(
                    leads,
                    work_dir,
                    timeout=args.timeout,
                    memory_limit=args.memory_limit,
                    threads=args.threads,
                )
            )
            # written after each size, so a long run keeps what it measured
            report = benchmark.write_report(
                results,
                args.out,
                {"memory_limit": args.memory_limit, "threads": args.threads},
            )
    print()
    print(benchmark.markdown_table(report["summary"]))
    print(f"\nWrote {args.out}")
    failed = [
        result.leads
        for result in results
        if not (result.full_build.ok and result.incremental_build.ok)
    ]
    if failed:
        raise SystemExit(f"dbt failed at {failed} leads: see the report's output_tail")


if __name__ == "__main__":
    main()
