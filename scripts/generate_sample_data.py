"""Write deterministic sample raw tables (leads, activities, opportunities,
sales_feedback) in the raw data contract's shape.

    python scripts/generate_sample_data.py --leads 5000 --out data/raw
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from lead_scoring import sample_data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=5000, help="number of leads")
    parser.add_argument("--seed", type=int, default=42, help="random seed")
    parser.add_argument("--out", type=Path, default=Path("data/raw"))
    parser.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    args = parser.parse_args()
    if args.leads < 1:
        parser.error("--leads must be at least 1")

    started = time.perf_counter()
    print(
        f"Generating {args.leads:,} leads (seed {args.seed}) over "
        f"{sample_data.describe_window()} into {args.out}/"
    )
    counts = sample_data.write(args.leads, args.out, args.seed, args.format)
    rows = ", ".join(f"{name} {count:,}" for name, count in counts.items())
    print(f"Wrote {rows} rows in {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
