"""Print the top leads of the built lead_scores mart as a readable table.

python scripts/show_top_leads.py --limit 20
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lead_scoring import top_leads, warehouse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=20, help="how many leads")
    parser.add_argument(
        "--database",
        type=Path,
        default=None,
        help="DuckDB file (default: LEAD_SCORING_DUCKDB_PATH or lead_scoring.duckdb)",
    )
    args = parser.parse_args()
    if args.limit < 1:
        parser.error("--limit must be at least 1")
    with warehouse.connect(args.database) as connection:
        print(top_leads.top_leads(connection, args.limit))


if __name__ == "__main__":
    main()
