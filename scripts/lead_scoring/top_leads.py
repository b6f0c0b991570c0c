"""The top leads of `lead_scores` as a table a person can read."""

from __future__ import annotations

import shutil
import textwrap

import duckdb

from lead_scoring.warehouse import fetch_dicts

TOP_LEADS_SQL = """
select
    lead_id,
    lead_score,
    fit_score,
    engagement_score,
    fit_grade,
    engagement_tier,
    priority,
    is_sales_ready,
    top_reasons
from lead_scores
where not is_disqualified
order by lead_score desc, lead_id
limit ?
"""

SUMMARY_SQL = """
select
    count(*) as leads,
    count(*) filter (where is_sales_ready) as sales_ready,
    count(*) filter (where is_disqualified) as disqualified,
    max(scored_as_of) as scored_as_of,
    max(scoring_version) as scoring_version
from lead_scores
"""

# (heading, key, width); the reasons column takes the rest of the line.
COLUMNS = [
    ("#", "rank", 3),
    ("lead", "lead_id", 10),
    ("score", "lead_score", 5),
    ("fit", "fit_score", 5),
    ("eng.", "engagement_score", 5),
    ("grade", "fit_grade", 5),
    ("tier", "engagement_tier", 4),
    ("prio", "priority", 4),
    ("MQL", "is_sales_ready", 3),
]


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.1f}"
    return "" if value is None else str(value)


def render(rows: list[dict], summary: dict, width: int | None = None) -> str:
    """The summary line and the table; reasons wrap within the width."""
    width = width or max(shutil.get_terminal_size((120, 24)).columns, 120)
    fixed = sum(column_width + 2 for _, _, column_width in COLUMNS)
    reasons_width = max(width - fixed, 30)
    lines = [
        f"{summary['leads']:,} leads scored as of {summary['scored_as_of']} "
        f"(version {summary['scoring_version']}): "
        f"{summary['sales_ready']:,} sales-ready, "
        f"{summary['disqualified']:,} disqualified. "
        f"Top {len(rows)} not disqualified:",
        "",
    ]
    header = "  ".join(
        heading.rjust(column_width) if key != "lead_id" else heading.ljust(column_width)
        for heading, key, column_width in COLUMNS
    )
    lines.append(f"{header}  reasons")
    lines.append("-" * min(width, fixed + reasons_width))
    for rank, row in enumerate(rows, start=1):
        cells = []
        for _, key, column_width in COLUMNS:
            text = _cell(rank if key == "rank" else row[key])
            cells.append(
                text.ljust(column_width)
                if key == "lead_id"
                else text.rjust(column_width)
            )
        reasons = [
            part
            for reason in (row["top_reasons"] or "").split("; ")
            for part in textwrap.wrap(reason, reasons_width) or [""]
        ]
        lines.append("  ".join(cells) + "  " + (reasons[0] if reasons else ""))
        indent = " " * (fixed)
        lines.extend(indent + reason for reason in reasons[1:])
    return "\n".join(lines)


def top_leads(connection: duckdb.DuckDBPyConnection, limit: int) -> str:
    rows = fetch_dicts(connection, TOP_LEADS_SQL, [limit])
    summary = fetch_dicts(connection, SUMMARY_SQL)[0]
    return render(rows, summary)
