"""Remove a person's rows from what the warehouse keeps between builds.

python scripts/forget_leads.py (--email ADDRESS | --lead-id ID)... [--dry-run]
    [--keep-crm-values] [--target-path target] [--database FILE] [--target NAME]

First delete the person at the source (the CRM, or the raw files) and run
`dbt build` and the export, so the CRM is told to clear their scores. Then
this deletes their rows from the score history, the kept activities, the
snapshot and the CRM sync state (every incremental model and snapshot with
a lead_id column, read from dbt's manifest). The next build does not bring
them back: they are no longer in the raw data. Export files already
written under exports/ are deliveries: remove them under your own
retention rules.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from export_crm_sync import connect
from lead_scoring import build_check, forget
from lead_scoring.crm_export import as_warehouse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--email", action="append", default=[], help="repeatable")
    parser.add_argument("--lead-id", action="append", default=[], help="repeatable")
    parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    parser.add_argument(
        "--keep-crm-values",
        action="store_true",
        help="forget even though a CRM may still hold the lead's scores",
    )
    parser.add_argument("--target-path", type=Path, default=Path("target"))
    parser.add_argument("--database", type=Path, default=None, help="DuckDB file")
    parser.add_argument("--target", default=None, help="dbt profile target (Postgres)")
    args = parser.parse_args()
    if not args.email and not args.lead_id:
        parser.error("name at least one --email or --lead-id")
    manifest_path = args.target_path / "manifest.json"
    if not manifest_path.exists():
        raise SystemExit(f"{manifest_path} not found: run dbt build first.")
    manifest = json.loads(manifest_path.read_text())
    state_schema = manifest["sources"][build_check.STATE_SOURCE]["schema"]
    relations = {
        node["name"]: build_check.relation_name(node)
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }
    build = build_check.BuildCheck(
        state_schema=state_schema,
        adapter_type=manifest["metadata"].get("adapter_type", "duckdb"),
    )
    connection = connect(build, args)
    try:
        ids = set(args.lead_id) | forget.lead_ids_of(
            as_warehouse(connection),
            args.email,
            state_schema,
            relations["dim_leads"],
            relations["dim_lead_merges"],
        )
        if not ids:
            raise SystemExit("No lead has these emails or ids; nothing to forget.")
        counts = forget.forget(
            connection,
            ids,
            forget.kept_tables(manifest, state_schema),
            state_schema,
            keep_crm_values=args.keep_crm_values,
            dry_run=args.dry_run,
        )
    finally:
        connection.close()
    verb = "would delete" if args.dry_run else "deleted"
    print(f"leads: {', '.join(sorted(ids))}")
    for relation, count in counts.items():
        print(f"  {relation}: {verb} {count} row(s)")


if __name__ == "__main__":
    main()
