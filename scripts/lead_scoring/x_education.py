"""Turn the public X Education lead file into the project's raw tables.

The file (9,240 leads of an online-course company, `Converted` for 38% of
them) is a snapshot: one row per lead, no timestamps. The importer keeps
what the lead told or did before sales worked the lead, drops what sales
filled in afterwards, and makes up the timeline deterministically:

created_at      leads in `Lead Number` order (the CRM numbers leads as they
                arrive), spread evenly over 2025 (365 days from 2025-01-01)
activities      `TotalVisits` page views in the 20 hours after created_at,
                evenly spaced (never a burst), sharing `Total Time Spent on
                Website` as duration_seconds
opportunities   one per converted lead, created 31 to 59 days after
                created_at (the day from a hash of the lead number), won and
                closed the same day

So a backtest that scores the leads created in the 30 days before each
monthly cut-off and follows them for 60 days sees every visit of a lead
created more than 20 hours before the cut-off and every conversion of the
cohort, and never a conversion before the cut-off. The split by time is
then a split by lead number: honest about which leads came first, but the
days between a visit and a conversion are invented, so recency features
carry no real signal here.

Columns sales filled in after working the lead, or that describe the lead
as it stood when the file was exported (after the outcome), are left out:
Tags, Lead Quality, Lead Profile, the four Asymmetrique columns, Last
Activity and Last Notable Activity (e.g. "SMS Sent", "Had a Phone
Conversation": sales' own actions, recorded last before the export).
"""

from __future__ import annotations

import csv
import hashlib
import re
from datetime import datetime, timedelta
from pathlib import Path

from lead_scoring.contract import GENERATED_MARKER, RAW_TABLES

START = datetime(2025, 1, 1)
SPREAD_DAYS = 365
VISIT_HOURS = 20
# Source column -> raw column, for the lead attributes that are kept.
LEAD_COLUMNS = {
    "Lead Number": "lead_number",
    "Lead Origin": "lead_origin",
    "Do Not Email": "do_not_email",
    "Do Not Call": "do_not_call",
    "Page Views Per Visit": "page_views_per_visit",
    "How did you hear about X Education": "heard_about_us_from",
    "What is your current occupation": "current_occupation",
    "What matters most to you in choosing a course": "what_matters_most",
    "Search": "saw_search_ad",
    "Magazine": "saw_magazine_ad",
    "Newspaper Article": "saw_newspaper_article",
    "X Education Forums": "saw_forum_post",
    "Newspaper": "saw_newspaper_ad",
    "Digital Advertisement": "saw_digital_ad",
    "Through Recommendations": "came_through_recommendation",
    "Receive More Updates About Our Courses": "wants_course_updates",
    "Update me on Supply Chain Content": "wants_supply_chain_updates",
    "Get updates on DM Content": "wants_dm_updates",
    "City": "city",
    "I agree to pay the amount through cheque": "agrees_to_pay_by_cheque",
    "A free copy of Mastering The Interview": "wants_free_interview_book",
}
# Mapped onto contract columns instead.
CONTRACT_SOURCES = {
    "Lead Source": "lead_source",
    "Country": "country",
    "Specialization": "industry",
}
LEFT_OUT = (
    "Tags",
    "Lead Quality",
    "Lead Profile",
    "Asymmetrique Activity Index",
    "Asymmetrique Profile Index",
    "Asymmetrique Activity Score",
    "Asymmetrique Profile Score",
    "Last Activity",
    "Last Notable Activity",
)
# The features a backtest on the imported data uses (dbt var
# lead_scoring__feature_attributes): every kept attribute.
FEATURE_ATTRIBUTES = {
    "categorical": [
        "lead_origin",
        "lead_source",
        "industry",
        "country",
        "do_not_email",
        "do_not_call",
        "heard_about_us_from",
        "current_occupation",
        "what_matters_most",
        "saw_search_ad",
        "saw_magazine_ad",
        "saw_newspaper_article",
        "saw_forum_post",
        "saw_newspaper_ad",
        "saw_digital_ad",
        "came_through_recommendation",
        "wants_course_updates",
        "wants_supply_chain_updates",
        "wants_dm_updates",
        "city",
        "agrees_to_pay_by_cheque",
        "wants_free_interview_book",
    ],
    "numeric": ["page_views_per_visit"],
}
# Values that mean "not answered" in the file.
NOT_ANSWERED = {"", "select", "unknown"}


def _value(text: str | None) -> str:
    text = (text or "").strip()
    return "" if text.lower() in NOT_ANSWERED else text


def _fraction(*parts: object) -> float:
    """A number in [0, 1) from the parts, the same on every machine."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def _snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def convert(source: Path, out: Path) -> dict[str, int]:
    """Write leads, activities and opportunities CSVs to `out`."""
    with source.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        raise SystemExit(f"{source} holds no leads.")
    header = {_snake(name): name for name in rows[0]}
    needed = [*LEAD_COLUMNS, *CONTRACT_SOURCES, "Prospect ID", "Converted"]
    needed += ["TotalVisits", "Total Time Spent on Website"]
    missing = [name for name in needed if _snake(name) not in header]
    if missing:
        raise SystemExit(f"{source} lacks column(s): {', '.join(missing)}")
    column = {name: header[_snake(name)] for name in needed}

    prepare_output(out)
    rows.sort(key=lambda row: int(row[column["Lead Number"]]))
    step = SPREAD_DAYS * 86_400 / len(rows)
    leads, activities, opportunities = [], [], []
    for rank, row in enumerate(rows):
        number = row[column["Lead Number"]].strip()
        lead_id = f"X{number}"
        created = START + timedelta(seconds=round(rank * step))
        lead = {name: "" for name in RAW_TABLES["leads"]}
        lead.update(
            lead_id=lead_id,
            email=f"lead{number}@x-education.example",
            created_at=_stamp(created),
            updated_at=_stamp(created),
        )
        for source_name, target in CONTRACT_SOURCES.items():
            lead[target] = _value(row[column[source_name]])
        for source_name, target in LEAD_COLUMNS.items():
            lead[target] = _value(row[column[source_name]])
        leads.append(lead)

        visits = int(_number(row[column["TotalVisits"]]))
        seconds = int(_number(row[column["Total Time Spent on Website"]]))
        gap = VISIT_HOURS * 3600 / (visits + 1)
        for visit in range(visits):
            share = seconds // visits + (1 if visit < seconds % visits else 0)
            activities.append(
                {
                    "activity_id": f"{lead_id}-V{visit + 1:03d}",
                    "lead_id": lead_id,
                    "activity_type": "page_view",
                    "occurred_at": _stamp(
                        created + timedelta(seconds=round(gap * (visit + 1)))
                    ),
                    "url": "/",
                    "campaign": "",
                    "asset": "",
                    "duration_seconds": share,
                }
            )
        if row[column["Converted"]].strip() == "1":
            opened = created + timedelta(days=31 + int(28 * _fraction(number, "opp")))
            opportunities.append(
                {
                    "opportunity_id": f"O{number}",
                    "lead_id": lead_id,
                    "created_at": _stamp(opened),
                    "stage": "closed_won",
                    "is_won": "true",
                    "closed_at": _stamp(opened),
                    "amount": "",
                }
            )
    lead_columns = [*RAW_TABLES["leads"], *LEAD_COLUMNS.values()]
    for name, table, columns in (
        ("leads", leads, lead_columns),
        ("activities", activities, RAW_TABLES["activities"]),
        ("opportunities", opportunities, RAW_TABLES["opportunities"]),
    ):
        with (out / f"{name}.csv").open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(columns))
            writer.writeheader()
            writer.writerows(table)
    return {
        "leads": len(leads),
        "activities": len(activities),
        "opportunities": len(opportunities),
    }


def prepare_output(out: Path) -> None:
    """Refuse to overwrite raw files that this importer did not write."""
    out.mkdir(parents=True, exist_ok=True)
    marker = out / GENERATED_MARKER
    existing = [
        path
        for table in RAW_TABLES
        for path in (out / f"{table}.parquet", out / f"{table}.csv")
        if path.exists()
    ]
    if existing and not marker.exists():
        names = ", ".join(str(path) for path in existing)
        raise SystemExit(
            f"{out} holds raw files this importer did not write ({names}). "
            "Move them away or pass another --out; nothing was changed."
        )
    for path in existing:
        path.unlink()
    marker.write_text("written by scripts/import_x_education.py\n")
