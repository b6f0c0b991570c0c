"""Forgetting a person: remove their rows from what the warehouse keeps.

Most tables are rebuilt from the raw data on every `dbt build`, so once a
person is deleted at the source (the CRM, or the raw files) the next build
leaves them out. What is kept from run to run is not rebuilt: the
incremental models (the score history, the activities kept so far), the
snapshot of what the CRM was sent, and the CRM sync state. This module
deletes a person's rows from those, found from dbt's manifest (every
incremental model and snapshot with a `lead_id` column) so a new kept table
is covered without a change here.

It refuses while a CRM still holds scores of the lead (the sync state says
the last thing sent was an upsert): build and export first, so the CRM is
told to clear them, then forget. `keep_crm_values` skips that check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lead_scoring.build_check import relation_name
from lead_scoring.crm_export import Warehouse, as_warehouse


@dataclass(frozen=True)
class Kept:
    """A table the builds keep from run to run, and its lead column."""

    relation: str
    lead_column: str


def kept_tables(manifest: dict, state_schema: str) -> list[Kept]:
    """Every kept table holding a lead column, from dbt's manifest: the
    incremental models with a lead_id column, the snapshots (their columns
    are those of lead_scores) and the CRM sync state."""
    tables = [Kept(f"{state_schema}.crm_sync_state", "crm_lead_id")]
    for node in manifest["nodes"].values():
        config = node.get("config", {})
        if not config.get("enabled", True):
            continue
        incremental = (
            node["resource_type"] == "model"
            and config.get("materialized") == "incremental"
            and "lead_id" in node.get("columns", {})
        )
        if incremental or node["resource_type"] == "snapshot":
            tables.append(Kept(relation_name(node), "lead_id"))
    return sorted(tables, key=lambda kept: kept.relation)


def lead_ids_of(
    warehouse: Warehouse,
    emails: list[str],
    state_schema: str,
    leads: str,
    merges: str,
) -> set[str]:
    """The leads an email names, with every lead merged into them: in the
    current leads and in the sync state (where a lead deleted at the source
    is still found)."""
    found: set[str] = set()
    for email in emails:
        address = email.strip().lower()
        for row in warehouse.rows(
            f"select lead_id from {leads} where lower(email) = ?", [address]
        ):
            found.add(row["lead_id"])
        for row in warehouse.rows(
            f"select crm_lead_id from {state_schema}.crm_sync_state"
            " where lower(email) = ?",
            [address],
        ):
            found.add(row["crm_lead_id"])
    if found:
        marks = ", ".join("?" for _ in found)
        for row in warehouse.rows(
            f"select lead_id from {merges} where survivor_lead_id in ({marks})",
            sorted(found),
        ):
            found.add(row["lead_id"])
    return found


def forget(
    connection: Any,
    lead_ids: set[str],
    tables: list[Kept],
    state_schema: str,
    *,
    keep_crm_values: bool = False,
    dry_run: bool = False,
) -> dict[str, int]:
    """Delete the leads' rows from every kept table, in one transaction;
    the number of rows per table (what would go, in a dry run)."""
    warehouse = as_warehouse(connection)
    ids = sorted(lead_ids)
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    if not keep_crm_values:
        held = warehouse.rows(
            f"select crm, crm_lead_id from {state_schema}.crm_sync_state"
            f" where sync_action = 'upsert' and crm_lead_id in ({marks})",
            ids,
        )
        if held:
            pairs = ", ".join(f"{row['crm']}: {row['crm_lead_id']}" for row in held)
            raise SystemExit(
                f"A CRM still holds scores of these leads ({pairs}). Delete the "
                "person at the source, run dbt build and the export (which "
                "clears the CRM fields), then forget; or pass --keep-crm-values "
                "if the CRM record is deleted already. Nothing was deleted."
            )
    counts = {}
    with warehouse.transaction():
        for table in tables:
            [row] = warehouse.rows(
                f"select count(*) as found from {table.relation}"
                f" where {table.lead_column} in ({marks})",
                ids,
            )
            counts[table.relation] = row["found"]
            if not dry_run:
                warehouse.execute(
                    f"delete from {table.relation}"
                    f" where {table.lead_column} in ({marks})",
                    ids,
                )
    return counts
