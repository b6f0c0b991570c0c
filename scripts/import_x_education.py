"""Import the X Education lead file as raw tables (leads, activities, opportunities).

python scripts/import_x_education.py [--source ../shared/realdata/x_education/leads.csv]
    [--out data/x_education/raw]

The file has no timestamps: the importer makes them up deterministically and
leaves out the columns sales filled in after working a lead (see
scripts/lead_scoring/x_education.py and the README).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lead_scoring import x_education


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source",
        type=Path,
        default=Path("../shared/realdata/x_education/leads.csv"),
    )
    parser.add_argument("--out", type=Path, default=Path("data/x_education/raw"))
    args = parser.parse_args()
    if not args.source.is_file():
        raise SystemExit(f"{args.source} not found: pass --source PATH/leads.csv")
    counts = x_education.convert(args.source, args.out)
    print(
        "Wrote "
        + ", ".join(f"{name} {count:,}" for name, count in counts.items())
        + f" rows to {args.out}"
    )
    vars_file = args.out / "dbt_vars.json"
    vars_file.write_text(
        json.dumps(
            {"lead_scoring__feature_attributes": x_education.FEATURE_ATTRIBUTES},
            indent=2,
        )
        + "\n"
    )
    print(f"dbt vars for its features (backtest --vars {vars_file}): {vars_file}")


if __name__ == "__main__":
    main()
