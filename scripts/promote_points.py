"""Promote the proposed learned points into seeds/ (after review).

python scripts/promote_points.py [--proposed reports/proposed] [--seeds seeds]
    [--replaced reports/proposed/replaced]

Checks the proposed activity_weights.csv and fit_rules.csv against the seed
tests (nothing is copied if one fails), keeps the seeds they replace in
--replaced under the same names, then copies them into --seeds.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lead_scoring import promote


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposed", type=Path, default=Path("reports/proposed"))
    parser.add_argument("--seeds", type=Path, default=Path("seeds"))
    parser.add_argument(
        "--replaced",
        type=Path,
        default=None,
        help="where the replaced seeds are kept (default: PROPOSED/replaced)",
    )
    args = parser.parse_args()
    promote.promote(
        args.proposed,
        args.seeds,
        args.replaced or args.proposed / "replaced",
    )


if __name__ == "__main__":
    main()
