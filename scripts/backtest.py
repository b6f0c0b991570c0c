"""Backtest every scoring model on past cut-offs; write metrics and a report.

python scripts/backtest.py [--raw-dir data/raw] [--out reports/backtest]
    [--train-cutoffs 2025-07-01 ...] [--test-cutoffs 2026-04-01 ...]
    [--score-at-age-days N] [--compare-seeds DIR]

Scores every cut-off in one dbt run, fits the learned points and the
predictive model on the training cut-offs, then scores the later test
cut-offs with them, the rule-based points (and, with --compare-seeds, the
rule-based points of other seeds), a gradient-boosting reference and a
recency-only baseline, and measures each against what happened in the
horizon after the cut-off. Without dates, cut-offs are placed by the
outcomes. Writes metrics.json and report.html (self-contained) to --out.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lead_scoring import cli, evaluation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_common_options(parser)
    parser.add_argument(
        "--test-cutoffs",
        nargs="*",
        default=[],
        metavar="DATE",
        help="test cut-off dates (default: the latest whose horizon the data covers)",
    )
    parser.add_argument("--test-count", type=int, default=1)
    parser.add_argument(
        "--score-at-age-days",
        type=int,
        default=None,
        metavar="N",
        help="score each lead once, N days after it was created (the next "
        "midnight), instead of every lead at each cut-off; the cut-offs then "
        "bound the training and test periods",
    )
    parser.add_argument(
        "--compare-seeds",
        type=Path,
        default=None,
        metavar="DIR",
        help="also score the test leads with the seed CSVs in DIR (file names "
        "of seeds/), e.g. the seeds a promotion replaced, side by side",
    )
    parser.add_argument("--out", type=Path, default=Path("reports/backtest"))
    args = parser.parse_args()
    evaluation.backtest(
        cli.settings_from(
            args,
            test_cutoffs=args.test_cutoffs,
            test_count=args.test_count,
            score_at_age_days=args.score_at_age_days,
            compare_seeds=args.compare_seeds,
        ),
        out_dir=args.out,
    )


if __name__ == "__main__":
    main()
