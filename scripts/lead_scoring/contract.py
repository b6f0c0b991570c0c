"""The raw data contract: the tables and columns the dbt sources read.

The dbt side checks the same list in `macros/register_raw_sources.sql`; the
README documents each column. Keep the three in step.
"""

from __future__ import annotations

RAW_TABLES: dict[str, tuple[str, ...]] = {
    "leads": (
        "lead_id",
        "email",
        "first_name",
        "last_name",
        "job_title",
        "company_name",
        "company_domain",
        "industry",
        "employee_count",
        "annual_revenue",
        "country",
        "lead_source",
        "created_at",
        "updated_at",
    ),
    "activities": (
        "activity_id",
        "lead_id",
        "activity_type",
        "occurred_at",
        "url",
        "campaign",
        "asset",
        "duration_seconds",
    ),
    "opportunities": (
        "opportunity_id",
        "lead_id",
        "created_at",
        "stage",
        "is_won",
        "closed_at",
        "amount",
    ),
    "sales_feedback": ("lead_id", "feedback_at", "disposition", "reason"),
}

OPTIONAL_TABLES = frozenset({"sales_feedback"})

# A file the generator leaves in every folder it writes, so it never
# overwrites raw files that somebody else put there.
GENERATED_MARKER = ".generated-sample-data"
