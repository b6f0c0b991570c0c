"""Register the raw files as tables of the `raw` database of the local Spark
metastore that profiles.yml's `spark` target uses (LEAD_SCORING_SPARK_DIR).

    python scripts/register_spark_raw_tables.py --raw-dir data/raw
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from lead_scoring import engines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--raw-dir",
        type=Path,
        default=Path(os.environ.get("LEAD_SCORING_RAW_DIR", "data/raw")),
        help="folder with <table>.parquet or <table>.csv",
    )
    args = parser.parse_args()
    counts = engines.register_spark_raw_tables(args.raw_dir)
    if not counts:
        raise SystemExit(f"No raw files in {args.raw_dir}: run `make sample-data`.")
    rows = ", ".join(f"raw.{name} {count:,}" for name, count in counts.items())
    print(f"Registered in {engines.spark_dir()}: {rows}")


if __name__ == "__main__":
    main()
