"""Fit the predictive model and propose learned points from past cut-offs.

python scripts/fit.py [--raw-dir data/raw] [--train-cutoffs 2025-10-01 ...]

Writes seeds/predictive_coefficients.csv (applied in SQL by the next dbt
build) once dbt's SQL has been checked to give the model's probabilities,
and, unless --no-points, proposed activity_weights.csv and fit_rules.csv in
--points-out for a person to review (scripts/promote_points.py puts them
into seeds/): the live seeds are never overwritten.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lead_scoring import cli, evaluation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_common_options(parser)
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("seeds/predictive_coefficients.csv"),
        help="where to write the coefficients seed",
    )
    parser.add_argument(
        "--points-out",
        type=Path,
        default=Path("reports/proposed"),
        help="folder for the proposed activity_weights.csv and fit_rules.csv",
    )
    parser.add_argument(
        "--no-points", action="store_true", help="do not propose learned points"
    )
    parser.add_argument(
        "--fit-attributes",
        default=None,
        metavar="COLUMN,...",
        help="lead columns to learn fit rules from (comma-separated, e.g. "
        "industry,country; added to lead_scoring__feature_attributes); "
        "default: every categorical feature",
    )
    args = parser.parse_args()
    fit_attributes = (
        [name.strip() for name in args.fit_attributes.split(",") if name.strip()]
        if args.fit_attributes
        else None
    )
    evaluation.fit(
        cli.settings_from(args, fit_attributes=fit_attributes),
        coefficients_out=args.out,
        points_out=None if args.no_points else args.points_out,
    )


if __name__ == "__main__":
    main()
