"""Command-line options shared by scripts/fit.py and scripts/backtest.py."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lead_scoring import evaluation


def add_common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--raw-dir",
        type=Path,
        default=None,
        help="folder of raw files (default: LEAD_SCORING_RAW_DIR or data/raw)",
    )
    parser.add_argument(
        "--train-cutoffs",
        nargs="*",
        default=[],
        metavar="DATE",
        help="training cut-off dates (default: the latest whose horizon the data "
        "covers, then one every --step-months before it)",
    )
    parser.add_argument("--train-count", type=int, default=3)
    parser.add_argument("--step-months", type=int, default=3)
    parser.add_argument(
        "--horizon-days",
        type=int,
        default=90,
        help="a lead converts if the event happens within this many days",
    )
    parser.add_argument(
        "--event",
        choices=["opportunity_created", "opportunity_won"],
        default="opportunity_created",
    )
    parser.add_argument(
        "--max-lead-age-days",
        type=float,
        default=None,
        help="only leads created at most this many days before each cut-off",
    )
    parser.add_argument(
        "--vars",
        default=None,
        help="extra dbt vars: JSON, or a JSON file's path (e.g. the feature "
        "attributes of your data)",
    )
    parser.add_argument(
        "--c",
        type=float,
        default=None,
        help="inverse L2 regularisation strength (default: chosen by "
        "time-ordered cross-validation over the training cut-offs)",
    )
    parser.add_argument(
        "--points-to-double-odds",
        type=float,
        default=20.0,
        help="learned points: points that double the odds of converting",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=None,
        help="scratch folder for the project copy and its DuckDB (default: "
        "target/backtest, replaced on each run)",
    )


def settings_from(args: argparse.Namespace, **extra) -> evaluation.Settings:
    import os

    raw_dir = args.raw_dir or Path(os.environ.get("LEAD_SCORING_RAW_DIR", "data/raw"))
    if not raw_dir.is_dir():
        raise SystemExit(f"{raw_dir} is not a folder of raw files (see --raw-dir).")
    return evaluation.Settings(
        raw_dir=raw_dir,
        horizon_days=args.horizon_days,
        conversion_event=args.event,
        dbt_vars=_vars(args.vars),
        train_cutoffs=args.train_cutoffs,
        train_count=args.train_count,
        step_months=args.step_months,
        max_lead_age_days=args.max_lead_age_days,
        c=args.c,
        points_to_double_odds=args.points_to_double_odds,
        work_dir=args.work_dir,
        **extra,
    )


def _vars(text: str | None) -> dict | None:
    if not text:
        return None
    path = Path(text)
    if not text.lstrip().startswith("{") and path.is_file():
        text = path.read_text()
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise SystemExit(f"--vars is neither JSON nor a JSON file: {error}") from None
    if not isinstance(value, dict):
        raise SystemExit("--vars must be a JSON object of dbt vars")
    return value
