"""Export the CRM sync (sync_crm_lead_scores) as files a CRM bulk import reads.

python scripts/export_crm_sync.py --out exports [--crm salesforce] [--format csv]
    [--batch-size 10000] [--dry-run] [--target-path target] [--allow-older-scores]
    [--database FILE] [--target NAME]

Writes `<out>/<crm>/<export_id>/batch_NNNN.<format>` and `manifest.json`
per CRM, then records what was exported in the warehouse (the schema
lead_scoring__crm_sync_schema names), so the next export (after the next
`dbt build`) carries only what changed. Only from a build that passed: the
last dbt command (its artifacts in the target folder) must have built the
sync model and what it is made from, data tests included, without a
failure. Scores older than those already sent are refused unless asked.
The warehouse is the one that build ran on: the DuckDB file, or the Postgres
target of the dbt profile (its connection settings). Run it when dbt is not
running: it writes to the warehouse.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import duckdb
from lead_scoring import build_check, crm_export, warehouse


def connect(build: build_check.BuildCheck, args: argparse.Namespace) -> Any:
    """A connection to the warehouse the last build ran on."""
    if build.adapter_type == "postgres":
        return warehouse.connect_postgres(args.target or build.target)
    if build.adapter_type != "duckdb":
        raise SystemExit(
            f"The last build ran on {build.adapter_type}: the export writes its "
            "sync state in one transaction, which DuckDB and Postgres give. On "
            "Spark, let a reverse-ETL tool read sync_crm_lead_scores "
            "(docs/crm-sync.md). Nothing was exported."
        )
    path = args.database or warehouse.duckdb_path()
    if not path.exists():
        raise SystemExit(
            f"{path} does not exist: run `make demo` or `make score` first."
        )
    return duckdb.connect(str(path), read_only=args.dry_run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("exports"), help="folder")
    parser.add_argument(
        "--crm",
        action="append",
        help="CRM of crm_field_mappings to export (repeat; default: all)",
    )
    parser.add_argument(
        "--format",
        choices=crm_export.FORMATS,
        default="csv",
        help="csv: the CRM's import CSV (Salesforce Bulk API / HubSpot import); "
        "jsonl: JSON Lines",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=crm_export.DEFAULT_BATCH_SIZE,
        help="rows per file (Salesforce Bulk API batches take 10,000)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="show counts and a sample; write and record nothing",
    )
    parser.add_argument(
        "--database",
        type=Path,
        default=None,
        help="DuckDB file (default: LEAD_SCORING_DUCKDB_PATH or lead_scoring.duckdb)",
    )
    parser.add_argument(
        "--target-path",
        type=Path,
        default=Path("target"),
        help="dbt's target folder of the last build (default: target)",
    )
    parser.add_argument(
        "--target",
        default=None,
        help="the dbt profile's target, for Postgres (default: the build's)",
    )
    parser.add_argument(
        "--allow-older-scores",
        action="store_true",
        help="send scores computed as of an earlier moment than those sent last",
    )
    args = parser.parse_args()
    if args.batch_size < 1:
        parser.error("--batch-size must be at least 1")
    build = build_check.check_last_build(args.target_path)
    connection = connect(build, args)
    try:
        results = crm_export.export_all(
            connection,
            args.out,
            crms=args.crm,
            file_format=args.format,
            batch_size=args.batch_size,
            dry_run=args.dry_run,
            schema=build.state_schema,
            allow_older_scores=args.allow_older_scores,
            relations=crm_export.Relations(build.sync_model, build.mappings),
        )
    finally:
        connection.close()
    print(crm_export.describe(results, args.dry_run))


if __name__ == "__main__":
    main()
