"""Hostile raw files: nothing lost, nothing fooled.

Whatever the raw files hold, `dbt build` succeeds (or, for a file that breaks
the contract, fails with a message naming the file and the column), every raw
row is scored or reported in fct_data_quality_issues exactly once, scores stay in
0-100, and no value in the data changes the SQL that runs: quotes, SQL
fragments, Jinja-looking text, emoji, right-to-left text, combining marks and
10,000-character strings come out of the marts as they went in (trimmed;
emails lowercased).

Property-based with hypothesis: each example is a small set of raw rows
(written as CSV, parquet of text columns, or parquet with typed columns),
built with the repository's project in its own folders (`build` in conftest;
YAML unit tests left out, they mock their inputs) and checked against what
was written. A build costs 12-15 s whatever its few hundred rows, so each
generated build holds DATASETS_PER_BUILD examples: drawn independently,
each with its own tag in every id, email and company domain (`namespaced`),
so none can meet another (versions, copies, merges, accounts, bot rules,
scores all go by those); only the raw files' layout (one file per table)
and the scoring date (the day after the build's latest activity) are the
build's. Every property is checked on each example's own rows
(`DatasetScope`), then on the whole build (rows with no id belong to no
example). The number of builds is small and fixed: derandomize=True and no
example database make runs reproducible, and shrinking is off (it would
rebuild dozens of times); instead a failure rebuilds the failing example
alone and reports it, the smallest counterexample at hand. The sharpest
cases (empty tables, offsets, apostrophes in CSV, NaN in parquet, '|' in
feedback, broken files, the folder's name) are plain tests of their own,
so one of them failing never stops hypothesis from trying the rest.

"Trimmed" is the engine's trim(): on DuckDB it removes spaces, including
Unicode spaces such as U+00A0, but not tabs or line breaks, so the expected
values are computed with the same function (`Engine`).
"""

from __future__ import annotations

import csv
import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import REPO_ROOT, Build, build
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from lead_scoring.contract import RAW_TABLES

pytestmark = pytest.mark.slow

# Builds hypothesis generates (12-15 s each on two cores, whatever their
# few hundred rows), on top of the explicit @example, and the examples each
# holds, built together (see `batches`).
GENERATED_BUILDS = 4
DATASETS_PER_BUILD = 4

MARTS = ("lead_scores", "dim_leads", "fct_lead_activities", "fct_data_quality_issues")
NUMBER_COLUMNS = {"employee_count", "annual_revenue", "duration_seconds", "amount"}
TIMESTAMP_COLUMNS = {"created_at", "updated_at", "occurred_at", "closed_at"} | {
    "feedback_at"
}
LEAD_TEXT_COLUMNS = (
    "first_name",
    "last_name",
    "job_title",
    "company_name",
    "industry",
    "country",
    "lead_source",
)
LOWERCASED_LEAD_COLUMNS = ("email", "company_domain")
ACTIVITY_TEXT_COLUMNS = ("url", "campaign", "asset")

# What every example ran into, for the note printed after the module.
STATS: Counter[str] = Counter()
REASONS_SEEN: Counter[tuple[str, str]] = Counter()


# 1. Hostile values


SQL_AND_JINJA = (
    "'",
    "''",
    '"',
    "O'Brien",
    "'); drop table lead_scores; --",
    '"; drop table dim_leads; --',
    "1; delete from fct_lead_activities; --",
    "' or '1'='1",
    "$$; select 1; $$",
    "\\'; --",
    "/* comment */ select 1",
    "{{ var('x') }}",
    "{{ ref('lead_scores') }}",
    "{% raw %}",
    "{% endraw %}",
    "{# not a comment #}",
    "{{ exceptions.raise_compiler_error('boom') }}",
    "{% if true %}yes{% endif %}",
    "%s %(x)s {0} ${HOME}",
)
UNICODE_TEXT = (
    "Zo\u00eb \u00c5ngstr\u00f6m",
    "\U0001f600\U0001f680\U0001f469\u200d\U0001f4bb",  # emoji, joiner
    "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645",  # RTL
    "\u202eevil\u202c",  # right-to-left override
    "e\u0301\u0301\u0301",  # combining marks
    "Z\u0351\u036b\u0343\u036a",
    "\u00a0non-breaking\u00a0",
    "\u6f22\u5b57\u304b\u306a\u30ab\u30ca",
    "\ufeffbyte order mark",
    "zero\u200bwidth",
)
SEPARATOR_TEXT = (
    "a,b;c|d\te",
    "line1\nline2",
    "cr\rlf\r\n",
    '"quoted", ,"',
    "  padded  ",
    "a|b",
    "back\\slash\\",
)
APOSTROPHE_TEXT = ("'", "'t Kasteeltje", "Builders Merchants'", "Globex", None)
LONG_TEXT = ("x" * 10_000, "\U0001f680" * 2_500 + "'; --")
NULLISH_TEXT = ("NULL", "null", "None", "NaN", "nan", "inf", "true", "0", "-1")
NASTY_TEXT = (*SQL_AND_JINJA, *UNICODE_TEXT, *SEPARATOR_TEXT, *LONG_TEXT)

TEXT = st.one_of(
    st.none(),
    st.sampled_from(["", "   "]),
    st.sampled_from(NASTY_TEXT),
    st.sampled_from(NULLISH_TEXT),
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_characters="\x00"),
        max_size=24,
    ),
)

LEAD_POOL = tuple(f"L{number}" for number in range(1, 9))
NASTY_IDS = (
    "'); drop table lead_scores; --",
    "{{ var('x') }}",
    "\U0001f600",
    "O'Brien",
    "a|b",
)
LEAD_IDS = st.one_of(
    st.sampled_from(LEAD_POOL),
    st.sampled_from(LEAD_POOL).map(lambda lead_id: f"  {lead_id} "),
    st.sampled_from(LEAD_POOL).map(lambda lead_id: f"\u00a0{lead_id}"),
    st.sampled_from(LEAD_POOL).map(str.lower),  # another lead: ids are exact
    st.sampled_from(NASTY_IDS),
    st.sampled_from([None, "", "   "]),
)
# Activities also point at leads that do not exist.
ACTIVITY_LEAD_IDS = st.one_of(LEAD_IDS, st.sampled_from(["GHOST-1", "L404", "L1x"]))

EMAILS = st.one_of(
    st.builds(
        lambda local, domain, upper, pad: (
            (" " if pad else "")
            + (f"{local}@{domain}".upper() if upper else f"{local}@{domain}")
            + (" " if pad else "")
        ),
        st.sampled_from(["ann", "o'brien", "zo\u00eb", "bob+tag", "x'--"]),
        st.sampled_from(["Acme.com", "gmail.com", "EXAMPLE.org", "localhost"]),
        st.booleans(),
        st.booleans(),
    ),
    TEXT,
)

HOSTILE_NUMBERS = (
    "12",
    " 42 ",
    "1e15",
    "-5",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "1e19",
    "1e308",
    "1e309",
    "9223372036854775807",
    "3.7",
    "-0",
    "abc",
    "0x10",
    "1,000",
    "",
)
NUMBERS = st.one_of(
    st.none(),
    st.sampled_from(HOSTILE_NUMBERS),
    st.integers(-(10**6), 10**16).map(str),
    st.floats().map(repr),
)

ACTIVITY_TYPES = st.one_of(
    st.sampled_from(
        [
            "page_view",
            " Page View ",
            "PAGE-VIEW",
            "Pricing Page View",
            "pricing_page_view",
            "DEMO_REQUEST",
            "demo request",
            "\u00a0Email  Open\u00a0",
            "Trial-Signup",
            "email_bounce",
            "Email Unsubscribe",
        ]
    ),
    st.sampled_from(["\tpage_view", "podcast_listen", "Page View!!", "?"]),
    TEXT,
)


@dataclass(frozen=True)
class Stamp:
    """A raw timestamp and what it must become.

    `utc` is the instant it names (None: it names none, so the row must be
    reported); `certain` is False where either outcome is acceptable
    (padded values, the engine's special words such as 'infinity').
    """

    text: str | None
    utc: datetime | None
    certain: bool = True


OFFSETS = {
    "": timedelta(0),
    "Z": timedelta(0),
    "+00:00": timedelta(0),
    "+02:00": timedelta(hours=2),
    "+05:30": timedelta(hours=5, minutes=30),
    "-08:00": timedelta(hours=-8),
    "+14:00": timedelta(hours=14),
    "-12:00": timedelta(hours=-12),
    "+0530": timedelta(hours=5, minutes=30),
}


def _stamp(local: datetime, offset: str, separator: str, date_only: bool) -> Stamp:
    if date_only:
        midnight = datetime.combine(local.date(), datetime.min.time())
        return Stamp(local.date().isoformat(), midnight)
    return Stamp(local.isoformat(separator) + offset, local - OFFSETS[offset])


VALID_STAMPS = st.builds(
    _stamp,
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 6, 30)),
    st.sampled_from(sorted(OFFSETS)),
    st.sampled_from(["T", " "]),
    st.booleans(),
)
UNPARSEABLE = (
    "garbage",
    "2026-02-30T10:00:00",
    "2026-01-01T25:00:00",
    "2025-06-31",
    "31/12/2025",
    "20250601",
    "yesterday",
    "12:00:00",
    "NaN",
    "'); drop table lead_scores; --",
    "{{ var('x') }}",
)
UNPARSEABLE_STAMPS = st.one_of(
    st.sampled_from(UNPARSEABLE).map(lambda text: Stamp(text, None)),
    st.sampled_from([None, "", "   "]).map(lambda text: Stamp(text, None)),
)
ODD_STAMPS = st.one_of(
    # Padding and the engine's special words: read or reported, not fatal.
    VALID_STAMPS.map(
        lambda stamp: replace(stamp, text=f" {stamp.text} ", certain=False)
    ),
    st.sampled_from(["infinity", "-infinity", "epoch", "inf", "0001-01-01"]).map(
        lambda text: Stamp(text, None, certain=False)
    ),
)
STAMPS = st.one_of(
    VALID_STAMPS, VALID_STAMPS, VALID_STAMPS, UNPARSEABLE_STAMPS, ODD_STAMPS
)

JOB_TITLES = st.one_of(
    st.sampled_from(["CEO", "VP of Marketing", " director, it ", "Student", "intern"]),
    TEXT,
)

LEAD_ROWS = st.fixed_dictionaries(
    {
        "lead_id": LEAD_IDS,
        "email": EMAILS,
        "first_name": TEXT,
        "last_name": TEXT,
        "job_title": JOB_TITLES,
        "company_name": TEXT,
        "company_domain": st.one_of(st.sampled_from(["acme.com", " ACME.COM "]), TEXT),
        "industry": st.one_of(st.sampled_from(["Software", " software "]), TEXT),
        "employee_count": NUMBERS,
        "annual_revenue": NUMBERS,
        "country": st.one_of(st.sampled_from(["United States", "Germany "]), TEXT),
        "lead_source": TEXT,
        "created_at": STAMPS,
        "updated_at": STAMPS,
    }
)
ACTIVITY_ROWS = st.fixed_dictionaries(
    {
        "activity_id": st.one_of(
            st.sampled_from([f"A{number}" for number in range(1, 31)]),
            st.sampled_from([" A1 ", "a1", *NASTY_IDS, None, "", "  "]),
        ),
        "lead_id": ACTIVITY_LEAD_IDS,
        "activity_type": ACTIVITY_TYPES,
        "occurred_at": STAMPS,
        "url": TEXT,
        "campaign": TEXT,
        "asset": TEXT,
        "duration_seconds": NUMBERS,
    }
)
OPPORTUNITY_ROWS = st.fixed_dictionaries(
    {
        "opportunity_id": st.sampled_from(["O1", "O2", " O2 ", "O3", None, "'; --"]),
        "lead_id": ACTIVITY_LEAD_IDS,
        "created_at": STAMPS,
        "stage": st.one_of(st.sampled_from(["Closed_Won", " discovery "]), TEXT),
        "is_won": st.sampled_from(["true", "FALSE", "1", "0", "yes", "", None, "'"]),
        "closed_at": STAMPS,
        "amount": NUMBERS,
    }
)
FEEDBACK_ROWS = st.fixed_dictionaries(
    {
        "lead_id": ACTIVITY_LEAD_IDS,
        "feedback_at": STAMPS,
        "disposition": st.one_of(
            st.sampled_from(["accepted", "Rejected", " recycled ", "REJECTED"]), TEXT
        ),
        "reason": TEXT,
    }
)

# Extra columns of the user's own in the leads file, with hostile names that
# still make a plain identifier: (header, the column it becomes).
EXTRA_LEAD_COLUMNS = {
    "Plan Tier": "plan_tier",
    "{{ var('x') }}": "var_x",
    "'); drop table lead_scores; --": "drop_table_lead_scores",
    "R\u00e9gion": "r_gion",
}

FORMATS = ("csv", "parquet", "parquet_typed")


# 2. One example: the raw files and what must come of them


Row = dict[str, Any]


@dataclass
class RawData:
    """The raw tables of one example and how each is written.

    formats: table -> csv, parquet (text columns), parquet_typed (numbers
    and timestamps typed) or absent (sales_feedback only).
    marker: (lead row, activity row) whose every text is hostile and which
    must come out of dim_leads / fct_lead_activities unchanged.
    tag: the namespace in every id, email and company domain of a dataset
    built beside others (see `namespaced`); None when it is built alone.
    """

    tables: dict[str, list[Row]]
    formats: dict[str, str]
    column_orders: dict[str, list[str]] = field(default_factory=dict)
    upper_case_headers: bool = False
    extra_column: str | None = None
    marker: tuple[Row, Row] | None = None
    tag: str | None = None

    def __repr__(self) -> str:
        sizes = ", ".join(
            f"{table}={len(rows)} {self.formats[table]}"
            for table, rows in self.tables.items()
        )
        first = {
            table: [_short(row) for row in rows[:3]]
            for table, rows in self.tables.items()
        }
        return (
            f"RawData(tag={self.tag!r}; {sizes}; extra_column={self.extra_column!r}, "
            f"upper_case_headers={self.upper_case_headers}, first rows={first})"
        )

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Hypothesis prints a failing example with this: short, not 40 kB."""
        printer.text(repr(self))

    def columns(self, table: str) -> list[str]:
        columns = self.column_orders.get(table) or list(RAW_TABLES[table])
        if table == "leads" and self.extra_column:
            columns = [*columns, self.extra_column]
        return columns


def _short(row: Row) -> dict[str, Any]:
    def short(value: Any) -> Any:
        if isinstance(value, Stamp):
            value = value.text
        if isinstance(value, str) and len(value) > 40:
            return value[:20] + f"...({len(value)} chars)"
        return value

    return {key: short(value) for key, value in row.items()}


def _expand(rows: list[Row], target: int, rng: random.Random, key: str) -> list[Row]:
    """Grow `rows` to `target` with exact copies, re-deliveries of an id
    with other content, and new ids; then shuffle (out of order)."""
    grown = [dict(row) for row in rows]
    while rows and len(grown) < target:
        base = dict(rng.choice(rows))
        other = rng.choice(rows)
        kind = rng.randrange(3)
        if kind == 1:  # the same id, other content
            for column in rng.sample(sorted(base), k=min(3, len(base))):
                if column != key:
                    base[column] = other[column]
        elif kind == 2:  # a new id, content mixed from two rows
            base[key] = f"{base[key] or 'X'}-{len(grown)}"
            for column in rng.sample(sorted(base), k=min(2, len(base))):
                if column != key:
                    base[column] = other[column]
        grown.append(base)
    rng.shuffle(grown)
    return grown


def _typed(rows: list[Row]) -> list[Row]:
    """The rows as a typed parquet file holds them: an odd timestamp becomes
    its instant or null (no more doubt), numbers floats or null."""
    typed = []
    for row in rows:
        converted = {}
        for column, value in row.items():
            if isinstance(value, Stamp):
                value = Stamp(None, value.utc, certain=True)
            elif column in NUMBER_COLUMNS:
                value = _as_float(value)
            converted[column] = value
        typed.append(converted)
    return typed


def _position(rows: list[Row], wanted: Row) -> int:
    return next(index for index, row in enumerate(rows) if row is wanted)


def _as_float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Layout:
    """How a build's raw files are written. The project reads one file per
    table, so datasets built together share it: formats, column orders,
    header case, the extra lead column, and which tables hold only
    apostrophe names (what tempts a CSV reader to take ' for the quote)."""

    formats: dict[str, str]
    column_orders: dict[str, list[str]]
    upper_case_headers: bool
    extra_column: str | None
    apostrophe_tables: tuple[str, ...]


@st.composite
def layouts(draw: st.DrawFn) -> Layout:
    """Each table as CSV, text parquet or typed parquet (every format in
    some table of the build, sales_feedback sometimes absent), columns in
    any order, headers in any case, sometimes a hostile extra column."""
    chosen = draw(st.permutations([*FORMATS, draw(st.sampled_from(FORMATS))]))
    formats = dict(zip(RAW_TABLES, chosen, strict=True))
    if draw(st.integers(0, 3)) == 0:
        formats["sales_feedback"] = "absent"
    return Layout(
        formats=formats,
        column_orders={
            table: draw(st.permutations(columns))
            for table, columns in RAW_TABLES.items()
        },
        upper_case_headers=draw(st.booleans()),
        extra_column=draw(
            st.one_of(st.none(), st.sampled_from(sorted(EXTRA_LEAD_COLUMNS)))
        ),
        apostrophe_tables=tuple(
            table
            for table in ("leads", "activities", "opportunities")
            if draw(st.integers(0, 3)) == 0
        ),
    )


@st.composite
def raw_data(draw: st.DrawFn, layout: Layout) -> RawData:
    """Up to 30 lead rows and 200 activity rows (plus a few opportunities
    and verdicts): hostile text, numbers and timestamps, repeated ids with
    other content, exact copies, out of order, activities of unknown leads,
    and a hostile marker lead with one activity; written as `layout` says."""
    rng = random.Random(draw(st.integers(0, 2**32 - 1), label="seed"))
    leads = draw(st.lists(LEAD_ROWS, max_size=18))
    activities = draw(st.lists(ACTIVITY_ROWS, max_size=30))
    opportunities = draw(st.lists(OPPORTUNITY_ROWS, max_size=6))
    feedback = draw(st.lists(FEEDBACK_ROWS, max_size=6))

    marker_lead = {
        "lead_id": "M-" + draw(st.sampled_from(NASTY_IDS)),
        "email": "Marker-" + draw(st.sampled_from(SQL_AND_JINJA)) + "@Marker.Example",
        **{
            column: draw(st.sampled_from(NASTY_TEXT))
            for column in (*LEAD_TEXT_COLUMNS, "company_domain")
        },
        "employee_count": draw(st.sampled_from(HOSTILE_NUMBERS)),
        "annual_revenue": draw(st.sampled_from(HOSTILE_NUMBERS)),
        "created_at": Stamp("2024-06-01T09:00:00+05:30", datetime(2024, 6, 1, 3, 30)),
        "updated_at": Stamp("2024-06-02T00:00:00Z", datetime(2024, 6, 2)),
    }
    marker_activity = {
        "activity_id": "MA-" + draw(st.sampled_from(NASTY_IDS)),
        "lead_id": f"  {marker_lead['lead_id']} ",
        "activity_type": " Page View ",
        "occurred_at": Stamp("2025-03-01T12:00:00-08:00", datetime(2025, 3, 1, 20)),
        **{
            column: draw(st.sampled_from(NASTY_TEXT))
            for column in ACTIVITY_TEXT_COLUMNS
        },
        "duration_seconds": draw(st.sampled_from(HOSTILE_NUMBERS)),
    }
    leads = _expand(leads, draw(st.integers(len(leads), 29)), rng, "lead_id")
    leads.append(marker_lead)
    activity_count = draw(st.integers(len(activities), 199))
    activities = _expand(activities, activity_count, rng, "activity_id")
    activities.append(marker_activity)
    rng.shuffle(leads)
    rng.shuffle(activities)
    opportunities = _expand(
        opportunities, len(opportunities) + 2, rng, "opportunity_id"
    )
    feedback = _expand(feedback, len(feedback) + 2, rng, "lead_id")

    for table, rows, columns in (
        ("leads", leads, LEAD_TEXT_COLUMNS),
        ("activities", activities, ACTIVITY_TEXT_COLUMNS),
        ("opportunities", opportunities, ("stage",)),
    ):
        if table in layout.apostrophe_tables:
            for row in rows:
                if row is not marker_lead and row is not marker_activity:
                    for column in columns:
                        row[column] = rng.choice(APOSTROPHE_TEXT)
    if layout.extra_column:
        for row in leads:
            row[layout.extra_column] = draw(TEXT)
    formats = layout.formats
    tables = {
        "leads": leads,
        "activities": activities,
        "opportunities": opportunities,
        "sales_feedback": feedback if formats["sales_feedback"] != "absent" else [],
    }
    for table, file_format in formats.items():
        if file_format == "parquet_typed":
            tables[table] = _typed(tables[table])
    marker = (
        tables["leads"][_position(leads, marker_lead)],
        tables["activities"][_position(activities, marker_activity)],
    )
    return RawData(
        tables=tables,
        formats=dict(formats),
        column_orders=layout.column_orders,
        upper_case_headers=layout.upper_case_headers,
        extra_column=layout.extra_column,
        marker=marker,
    )


def nastiest_example() -> RawData:
    """Every hostile text in some field of some row, every hostile number and
    timestamp format, ids that repeat with other content, exact copies,
    activities of leads that do not exist; CSV and typed parquet."""
    texts = list(NASTY_TEXT)
    stamps = [
        Stamp("2025-01-01T10:00:00+02:00", datetime(2025, 1, 1, 8)),
        Stamp("2025-01-01 10:00:00-08:00", datetime(2025, 1, 1, 18)),
        Stamp("2025-01-01T10:00:00Z", datetime(2025, 1, 1, 10)),
        Stamp("2025-01-01T10:00:00+05:30", datetime(2025, 1, 1, 4, 30)),
        Stamp("2025-01-01", datetime(2025, 1, 1)),
        Stamp("garbage", None),
        Stamp("2026-02-30T10:00:00", None),
        Stamp(None, None),
    ]
    leads = []
    for number in range(29):
        text = [texts[(number * 7 + offset) % len(texts)] for offset in range(9)]
        leads.append(
            {
                "lead_id": NASTY_IDS[number % len(NASTY_IDS)] + f"#{number % 3}"
                if number % 13
                else None,
                "email": f"{text[0][:40]}@Example.COM",
                **dict(zip(LEAD_TEXT_COLUMNS, text[1:], strict=False)),
                "company_domain": text[8],
                "employee_count": HOSTILE_NUMBERS[number % len(HOSTILE_NUMBERS)],
                "annual_revenue": HOSTILE_NUMBERS[-1 - number % len(HOSTILE_NUMBERS)],
                "created_at": stamps[number % len(stamps)],
                "updated_at": stamps[(number * 3) % len(stamps)],
            }
        )
    types = [" Page View ", "PAGE-VIEW", "DEMO_REQUEST", "podcast_listen", None]
    activities = []
    for number in range(120):
        lead = leads[number % len(leads)]
        activities.append(
            {
                "activity_id": f"A{number % 100}" if number % 17 else None,
                "lead_id": lead["lead_id"] if number % 9 else "GHOST-1",
                "activity_type": types[number % len(types)],
                "occurred_at": stamps[number % len(stamps)],
                **{
                    column: texts[(number + offset) % len(texts)]
                    for offset, column in enumerate(ACTIVITY_TEXT_COLUMNS)
                },
                "duration_seconds": HOSTILE_NUMBERS[number % len(HOSTILE_NUMBERS)],
            }
        )
    activities += [dict(row) for row in activities[:30]]  # exact copies
    opportunities = [
        {
            "opportunity_id": ["O1", "O1", " O1 ", None, "'; --"][number % 5],
            "lead_id": leads[number]["lead_id"] if number % 3 else "GHOST-1",
            "created_at": stamps[number % len(stamps)],
            "stage": texts[number],
            "is_won": ["true", "yes", None, "'"][number % 4],
            "closed_at": stamps[(number + 3) % len(stamps)],
            "amount": HOSTILE_NUMBERS[number % len(HOSTILE_NUMBERS)],
        }
        for number in range(10)
    ]
    feedback = [
        {
            "lead_id": leads[number]["lead_id"] if number % 4 else "GHOST-1",
            "feedback_at": stamps[number % len(stamps)],
            "disposition": ["Rejected", " accepted ", texts[number], None][number % 4],
            "reason": texts[-number],
        }
        for number in range(10)
    ]
    feedback += feedback[:3]
    marker_lead = {
        "lead_id": "M-'); drop table lead_scores; --",
        "email": "Marker-{{ var('x') }}@Marker.Example",
        **dict(zip(LEAD_TEXT_COLUMNS, SQL_AND_JINJA[4:], strict=False)),
        "company_domain": "{% raw %}",
        "employee_count": "1e15",
        "annual_revenue": "NaN",
        "created_at": Stamp("2024-06-01T09:00:00+05:30", datetime(2024, 6, 1, 3, 30)),
        "updated_at": Stamp("2024-06-02T00:00:00Z", datetime(2024, 6, 2)),
    }
    marker_activity = {
        "activity_id": "MA-{{ var('x') }}",
        "lead_id": "  M-'); drop table lead_scores; -- ",
        "activity_type": " Page View ",
        "occurred_at": Stamp("2025-03-01T12:00:00-08:00", datetime(2025, 3, 1, 20)),
        "url": LONG_TEXT[1],
        "campaign": UNICODE_TEXT[3],
        "asset": "'); drop table lead_scores; --",
        "duration_seconds": "-inf",
    }
    extra_column = "'); drop table lead_scores; --"
    for number, lead in enumerate([*leads, marker_lead]):
        lead[extra_column] = [*texts, None, "", " padded "][number % (len(texts) + 3)]
    formats = {
        "leads": "csv",
        "activities": "csv",
        "opportunities": "parquet",
        "sales_feedback": "parquet_typed",
    }
    return RawData(
        tables={
            "leads": [*leads, marker_lead],
            "activities": [*activities, marker_activity],
            "opportunities": opportunities,
            "sales_feedback": _typed(feedback),
        },
        formats=formats,
        extra_column=extra_column,
        marker=(marker_lead, marker_activity),
    )


def all_rejected_example() -> RawData:
    """Rows, but none usable: no lead scores, everything in the quarantine."""
    leads = [
        {**dict.fromkeys(RAW_TABLES["leads"]), "lead_id": lead_id, "created_at": stamp}
        for lead_id, stamp in [
            (None, Stamp("2025-01-01", datetime(2025, 1, 1))),
            ("   ", Stamp("2025-01-01", datetime(2025, 1, 1))),
            ("L1", Stamp("not a date", None)),
            ("L1", Stamp(None, None)),
        ]
    ]
    activities = [
        {
            **dict.fromkeys(RAW_TABLES["activities"]),
            "activity_id": f"A{number}",
            "lead_id": ["L1", "GHOST-1", None][number % 3],
            "activity_type": "page_view",
            "occurred_at": Stamp("2025-02-01T00:00:00-05:00", datetime(2025, 2, 1, 5)),
        }
        for number in range(6)
    ]
    return RawData(
        tables={
            "leads": leads,
            "activities": activities,
            "opportunities": [],
            "sales_feedback": [],
        },
        formats={
            "leads": "parquet",
            "activities": "csv",
            "opportunities": "csv",
            "sales_feedback": "absent",
        },
        upper_case_headers=True,
    )


# 3. Several examples in one build


# The id columns of each raw table. A row with none of them belongs to no
# example of a build: it is checked with the whole build.
ID_COLUMNS = {
    "leads": ("lead_id",),
    "activities": ("activity_id", "lead_id"),
    "opportunities": ("opportunity_id", "lead_id"),
    "sales_feedback": ("lead_id",),
}
# What the project makes of an email and of a company domain
# (stg_crm__leads, int_leads_enriched), as DuckDB expressions of x.
CLEAN_EMAIL = "lower(nullif(trim(x), ''))"
VALID_EMAIL = f"""coalesce(
    length({CLEAN_EMAIL}) - length(replace({CLEAN_EMAIL}, '@', '')) = 1
    and length(split_part({CLEAN_EMAIL}, '@', 1)) > 0
    and position('.' in split_part({CLEAN_EMAIL}, '@', 2)) > 1
    and split_part({CLEAN_EMAIL}, '@', 2) not like '%.'
    and position(' ' in {CLEAN_EMAIL}) = 0,
    false)"""
ACCOUNT_DOMAIN = f"""nullif(regexp_replace(
    regexp_replace({CLEAN_EMAIL}, '^(https?://)?(www[.])?', ''),
    '[/:?#].*$', ''), '')"""
SCHEME = re.compile(r"(https?://)?(www[.])?", re.IGNORECASE | re.ASCII)


def _free_email_domains() -> set[str]:
    with (REPO_ROOT / "seeds" / "free_email_domains.csv").open(newline="") as handle:
        return {row["email_domain"].strip().lower() for row in csv.DictReader(handle)}


FREE_EMAIL_DOMAINS = _free_email_domains()


def _insert(value: str, position: int, tag: str) -> str:
    return value[:position] + tag + value[position:]


def _tagged_ids(values: list[Any], tag: str) -> list[Any]:
    """Each id with `tag` in front of what the engine's trim keeps: the
    padding stays, ids equal once trimmed stay equal, missing ids missing."""
    kept = ENGINE.map("nullif(trim(x), '')", values)
    return [
        value if text is None else _insert(value, value.find(text), tag)
        for value, text in zip(values, kept, strict=True)
    ]


def _tagged_emails(values: list[Any], tag: str) -> list[Any]:
    """A usable email gets `tag` in front of its local part and, unless its
    domain is free mail (which makes no account), of its domain: no merge
    (same address) or account (same domain) across examples. Other emails
    are never merged nor make an account; they stay as they are."""
    kept = ENGINE.map("trim(x)", values)
    valid = ENGINE.map(VALID_EMAIL, values)
    domains = ENGINE.map(f"split_part({CLEAN_EMAIL}, '@', 2)", values)
    tagged = []
    for value, text, is_valid, domain in zip(values, kept, valid, domains, strict=True):
        if is_valid:
            value = _insert(value, value.find(text), tag)
            if domain not in FREE_EMAIL_DOMAINS:
                value = value.replace("@", "@" + tag, 1)
        tagged.append(value)
    return tagged


def _tagged_domains(values: list[Any], tag: str) -> list[Any]:
    """A company domain that makes an account gets `tag` after its scheme
    and 'www.': its account is `tag` + the account it made."""
    accounts = ENGINE.map(ACCOUNT_DOMAIN, values)
    kept = ENGINE.map("trim(x)", values)
    tagged = []
    for value, account, text in zip(values, accounts, kept, strict=True):
        if account is not None and account not in FREE_EMAIL_DOMAINS:
            start = value.find(text)
            value = _insert(value, start + SCHEME.match(text).end(), tag)
        tagged.append(value)
    assert ENGINE.map(ACCOUNT_DOMAIN, tagged) == [
        account if account is None or account in FREE_EMAIL_DOMAINS else tag + account
        for account in accounts
    ], "a company domain tagged into the wrong account"
    return tagged


def namespaced(data: RawData, tag: str) -> RawData:
    """The example with `tag` in every id (leads, activities, opportunities
    and the leads they name), email and company domain, so that built beside
    other examples nothing of it meets anything of theirs: no lead, activity
    or opportunity shares an id (versions, copies), no two leads an address
    (merges) or a domain (accounts); bot rules and scores are per lead.
    Within the example every id, address and domain stays equal to, or
    different from, each other as before, and every hostile value stays."""
    tables = {table: [dict(row) for row in rows] for table, rows in data.tables.items()}
    tagged_columns = [
        (table, column, _tagged_ids) for table in tables for column in ID_COLUMNS[table]
    ]
    tagged_columns += [
        ("leads", "email", _tagged_emails),
        ("leads", "company_domain", _tagged_domains),
    ]
    for table, column, tagged in tagged_columns:
        rows = tables[table]
        for row, value in zip(
            rows, tagged([row[column] for row in rows], tag), strict=True
        ):
            row[column] = value
    marker = None
    if data.marker:
        lead, activity = data.marker
        marker = (
            tables["leads"][_position(data.tables["leads"], lead)],
            tables["activities"][_position(data.tables["activities"], activity)],
        )
    return replace(data, tables=tables, marker=marker, tag=tag)


def scoped(data: RawData) -> RawData:
    """The rows of a tagged example that carry its tag: what its scope of
    a shared build holds (see `DatasetScope`)."""
    assert data.tag
    return replace(
        data,
        tables={
            table: [
                row
                for row in rows
                if any(
                    isinstance(row[column], str) and data.tag in row[column]
                    for column in ID_COLUMNS[table]
                )
            ]
            for table, rows in data.tables.items()
        },
    )


def together(datasets: Sequence[RawData]) -> RawData:
    """The raw files of several examples with one layout: each table's rows
    one example after the other, each in its own order."""
    if len(datasets) == 1:
        return datasets[0]
    first = datasets[0]
    for data in datasets[1:]:
        assert replace(data, tables={}, marker=None, tag=None) == replace(
            first, tables={}, marker=None, tag=None
        ), "examples built together must share one layout"
    return replace(
        first,
        tables={
            table: [row for data in datasets for row in data.tables[table]]
            for table in first.tables
        },
        marker=None,
        tag=None,
    )


@st.composite
def batches(draw: st.DrawFn) -> list[RawData]:
    """DATASETS_PER_BUILD examples to build together: one layout, rows of
    each drawn on their own, each namespaced with its own tag."""
    layout = draw(layouts())
    return [
        namespaced(draw(raw_data(layout)), f"ds{number}~")
        for number in range(1, DATASETS_PER_BUILD + 1)
    ]


# The relations the checks read, with the id columns that say whose a row is.
SCOPED_RELATIONS = {
    "raw.leads": ID_COLUMNS["leads"],
    "raw.activities": ID_COLUMNS["activities"],
    "raw.opportunities": ID_COLUMNS["opportunities"],
    "raw.sales_feedback": ID_COLUMNS["sales_feedback"],
    "main.stg_crm__leads": ("lead_id",),
    "main.stg_crm__opportunities": ("opportunity_id", "lead_id"),
    "main.stg_crm__sales_feedback": ("lead_id",),
    "main.int_activities_decayed": ("activity_id", "lead_id"),
    "main.dim_leads": ("lead_id",),
    "main.fct_lead_activities": ("activity_id", "lead_id"),
    "main.lead_scores": ("lead_id",),
    "main.fct_data_quality_issues": ("record_id", "lead_id"),
}


class DatasetScope:
    """One example's part of a build of several: an in-memory database
    that attaches the built one read-only and holds, under the same names,
    views of every relation the checks read with only the rows whose ids
    carry the example's tag. The checks run on it as on a `Build`."""

    def __init__(self, built: Build, tag: str) -> None:
        assert re.fullmatch(r"[a-z0-9~]+", tag), tag
        self.connection = duckdb.connect()
        self.connection.execute("set TimeZone = 'UTC'")
        # dbt writes its views with the database's name: attach it as that.
        catalog = built.db_path.stem
        path = str(built.db_path).replace("'", "''")
        self.connection.execute(f"attach '{path}' as \"{catalog}\" (read_only)")
        self.connection.execute("create schema memory.raw")
        for relation, columns in SCOPED_RELATIONS.items():
            owned = " or ".join(f"contains({column}, '{tag}')" for column in columns)
            self.connection.execute(
                f"create view memory.{relation} as"
                f' select * from "{catalog}".{relation} where {owned}'
            )

    def __enter__(self) -> DatasetScope:
        return self

    def __exit__(self, *_: object) -> None:
        self.connection.close()

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        return self.connection.execute(sql, params).fetchall()

    def query_dicts(
        self, sql: str, params: Sequence[Any] | None = None
    ) -> list[dict[str, Any]]:
        cursor = self.connection.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        rows = self.query(sql, params)
        assert len(rows) == 1 and len(rows[0]) == 1, rows
        return rows[0][0]


# 4. Writing the files


def _text(value: Any) -> Any:
    return value.text if isinstance(value, Stamp) else value


def _cell(value: Any, column: str, typed: bool) -> Any:
    if not typed:
        return _text(value)
    if isinstance(value, Stamp):
        return value.utc
    return value


def _arrow_type(column: str, typed: bool) -> pa.DataType:
    if typed and column in TIMESTAMP_COLUMNS:
        return pa.timestamp("us", tz="UTC")
    if typed and column in NUMBER_COLUMNS:
        return pa.float64()
    return pa.string()


def write_raw(data: RawData, raw_dir: Path) -> None:
    raw_dir.mkdir(parents=True)
    for table, rows in data.tables.items():
        file_format = data.formats[table]
        if file_format == "absent":
            continue
        columns = data.columns(table)
        headers = [
            column.upper()
            if data.upper_case_headers and column in RAW_TABLES[table]
            else column
            for column in columns
        ]
        if file_format == "csv":
            path = raw_dir / f"{table}.csv"
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(headers)
                writer.writerows(
                    [_text(row.get(column)) for column in columns] for row in rows
                )
        else:
            typed = file_format == "parquet_typed"
            arrays = [
                pa.array(
                    [_cell(row.get(column), column, typed) for row in rows],
                    type=_arrow_type(column, typed),
                )
                for column in columns
            ]
            pq.write_table(
                pa.Table.from_arrays(arrays, names=headers),
                raw_dir / f"{table}.parquet",
            )


# 5. What must come out


ANY = object()  # an expected value that may be anything (an odd timestamp)
CLEAN = "nullif(trim(x), '')"
LOWER_CLEAN = "lower(nullif(trim(x), ''))"


class Engine:
    """DuckDB's own trim() and lower(), in memory, for expected values."""

    def __init__(self) -> None:
        self.connection = duckdb.connect()

    def map(self, expression: str, values: Iterable[Any]) -> list[Any]:
        [(mapped,)] = self.connection.execute(
            f"select list_transform($1::varchar[], lambda x: {expression})",
            [[_text(value) for value in values]],
        ).fetchall()
        return mapped


ENGINE = Engine()


def _snake(value: str | None) -> str | None:
    if value is None:
        return None
    return re.sub(r"[^a-z0-9]+", "_", ENGINE.map("lower(x)", [value])[0])


def _instant(value: Any) -> Any:
    if isinstance(value, Stamp) and value.certain:
        return value.utc
    return ANY


def _as_read(value: Any, file_format: str) -> Any:
    """An extra column's value as the staging model sees it (not trimmed):
    CSV has no empty string apart from null."""
    if file_format == "csv" and value in ("", None):
        return None
    return value


def expected_leads(data: RawData, rows: Sequence[Row] | None = None) -> list[Row]:
    """Per raw lead row, the dim_leads row it would become if chosen."""
    rows = data.tables["leads"] if rows is None else rows
    columns: dict[str, list[Any]] = {
        "lead_id": ENGINE.map(CLEAN, (row["lead_id"] for row in rows)),
        "created_at": [_instant(row["created_at"]) for row in rows],
    }
    for column in LEAD_TEXT_COLUMNS:
        columns[column] = ENGINE.map(CLEAN, (row[column] for row in rows))
    for column in LOWERCASED_LEAD_COLUMNS:
        columns[column] = ENGINE.map(LOWER_CLEAN, (row[column] for row in rows))
    if data.extra_column:
        columns[EXTRA_LEAD_COLUMNS[data.extra_column]] = [
            _as_read(row[data.extra_column], data.formats["leads"]) for row in rows
        ]
    return [
        dict(zip(columns, values, strict=True))
        for values in zip(*columns.values(), strict=True)
    ]


def expected_activities(data: RawData, rows: Sequence[Row] | None = None) -> list[Row]:
    """Per raw activity row, the fct_lead_activities row it would become."""
    rows = data.tables["activities"] if rows is None else rows
    raw_types = ENGINE.map(CLEAN, (row["activity_type"] for row in rows))
    columns: dict[str, list[Any]] = {
        "activity_id": ENGINE.map(CLEAN, (row["activity_id"] for row in rows)),
        "lead_id": ENGINE.map(CLEAN, (row["lead_id"] for row in rows)),
        "activity_type_raw": raw_types,
        "activity_type": [_snake(value) for value in raw_types],
        "occurred_at": [_instant(row["occurred_at"]) for row in rows],
    }
    for column in ACTIVITY_TEXT_COLUMNS:
        columns[column] = ENGINE.map(CLEAN, (row[column] for row in rows))
    return [
        dict(zip(columns, values, strict=True))
        for values in zip(*columns.values(), strict=True)
    ]


def _matches(expected: Row, actual: Row) -> bool:
    return all(
        value is ANY or actual[column] == value for column, value in expected.items()
    )


def _seed_activity_types() -> set[str]:
    with (REPO_ROOT / "seeds" / "activity_weights.csv").open(newline="") as handle:
        return {row["activity_type"].strip().lower() for row in csv.DictReader(handle)}


# 6. The checks


class Marts(Protocol):
    """What the checks of rows read: a `Build` or a `DatasetScope`."""

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]: ...

    def query_dicts(
        self, sql: str, params: Sequence[Any] | None = None
    ) -> list[dict[str, Any]]: ...

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any: ...


def check_relations(built: Build) -> None:
    """Every model and seed of the project exists, and the raw views."""
    manifest = built.run.manifest
    assert manifest, "no manifest.json"
    wanted = {
        node["alias"]
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed")
        and node["config"].get("materialized") != "ephemeral"
    }
    assert set(MARTS) <= wanted
    existing = {
        (schema, name)
        for schema, name in built.query(
            "select table_schema, table_name from information_schema.tables"
        )
    }
    missing = sorted(name for name in wanted if ("main", name) not in existing)
    assert not missing, f"relations missing after the build: {missing}"
    raw_missing = [table for table in RAW_TABLES if ("raw", table) not in existing]
    assert not raw_missing, f"raw views missing: {raw_missing}"


def check_scores(built: Marts) -> None:
    [row] = built.query_dicts(
        """
        select
            count(*) filter (where lead_id is null) as null_ids,
            count(lead_id) - count(distinct lead_id) as repeated_ids,
            count(*) filter (where fit_score is null
                or fit_score not between 0 and 100) as bad_fit,
            count(*) filter (where engagement_score is null
                or engagement_score not between 0 and 100) as bad_engagement,
            count(*) filter (where lead_score is null
                or lead_score not between 0 and 100) as bad_lead_score
        from lead_scores
        """
    )
    assert row == dict.fromkeys(row, 0), row
    [issues] = built.query_dicts(
        """
        select
            count(*) filter (where issue_id is null) as null_ids,
            count(issue_id) - count(distinct issue_id) as repeated_ids
        from fct_data_quality_issues
        """
    )
    assert issues == dict.fromkeys(issues, 0), issues


def _issues(built: Marts, source_table: str) -> list[dict[str, Any]]:
    return built.query_dicts(
        "select record_id, lead_id, reason_code, is_excluded_from_scores"
        " from fct_data_quality_issues where source_table = ?",
        [source_table],
    )


def check_raw_views(built: Marts, data: RawData) -> None:
    """The engine read every row that was written: none dropped or split."""
    for table, rows in data.tables.items():
        read = built.scalar(f"select count(*) from raw.{table}")
        assert read == len(rows), (table, data.formats[table], read, len(rows))


def assert_each_raw_row_accounted_once(
    table: str,
    raw_ids: list[str | None],
    scored: list[str],
    excluded: list[dict[str, Any]],
    *,
    id_field: str,
) -> Counter:
    """Raw rows = scored + excluded, in total and id by id; returns the
    excluded rows' reason codes."""
    assert len(raw_ids) == len(scored) + len(excluded), (
        f"{table}: {len(raw_ids)} raw rows, {len(scored)} scored,"
        f" {len(excluded)} excluded"
    )
    accounted = Counter(scored) + Counter(
        issue[id_field] for issue in excluded if issue[id_field] is not None
    )
    written = Counter(row_id for row_id in raw_ids if row_id is not None)
    assert accounted == written, {
        "lost": written - accounted,
        "counted twice or invented": accounted - written,
    }
    return Counter(issue["reason_code"] for issue in excluded)


def check_leads(built: Marts, data: RawData, expected: list[Row]) -> None:
    raw_ids = [row["lead_id"] for row in expected]
    scored = [lead_id for (lead_id,) in built.query("select lead_id from lead_scores")]
    excluded = [i for i in _issues(built, "leads") if i["is_excluded_from_scores"]]
    reasons = assert_each_raw_row_accounted_once(
        "leads", raw_ids, scored, excluded, id_field="lead_id"
    )
    assert reasons["missing_lead_id"] == raw_ids.count(None), reasons
    surely_bad = sum(
        lead_id is not None and row["created_at"] is None
        for lead_id, row in zip(raw_ids, expected, strict=True)
    )
    maybe_bad = sum(
        lead_id is not None and row["created_at"] is ANY
        for lead_id, row in zip(raw_ids, expected, strict=True)
    )
    assert surely_bad <= reasons["invalid_created_at"] <= surely_bad + maybe_bad, (
        reasons,
        surely_bad,
        maybe_bad,
    )


def check_activities(built: Marts, data: RawData, expected: list[Row]) -> None:
    raw_ids = [row["activity_id"] for row in expected]
    scored = [
        activity_id
        for (activity_id,) in built.query(
            "select activity_id from int_activities_decayed where is_current"
        )
    ]
    issues = _issues(built, "activities")
    excluded = [issue for issue in issues if issue["is_excluded_from_scores"]]
    reasons = assert_each_raw_row_accounted_once(
        "activities", raw_ids, scored, excluded, id_field="record_id"
    )
    assert reasons["missing_activity_id"] == raw_ids.count(None), reasons

    # A type the seed knows, however it is spelled, is never reported as
    # unknown; every other type is (it scores 0).
    known = _seed_activity_types()
    reported_unknown = {
        issue["record_id"]
        for issue in issues
        if issue["reason_code"] == "unknown_activity_type"
    }
    for activity_id, activity_type in built.query(
        "select activity_id, activity_type from fct_lead_activities"
    ):
        assert (activity_type not in known) == (activity_id in reported_unknown), (
            activity_id,
            activity_type,
        )


def check_outcomes(built: Marts, data: RawData) -> None:
    """Opportunities and feedback: each raw row is used (it belongs to a
    usable lead) or reported as excluded, once."""
    for table, staged in (
        ("opportunities", "stg_crm__opportunities"),
        ("sales_feedback", "stg_crm__sales_feedback"),
    ):
        used = built.scalar(
            f"select count(*) from {staged} inner join stg_crm__leads"
            f" on {staged}.lead_id = stg_crm__leads.lead_id"
        )
        excluded = sum(i["is_excluded_from_scores"] for i in _issues(built, table))
        raw = len(data.tables[table])
        assert raw == used + excluded, (
            f"{table}: {raw} raw, {used} used, {excluded} excluded"
        )


def check_values(
    built: Marts, data: RawData, leads: list[Row], activities: list[Row]
) -> None:
    """Marts hold the values of the files, unchanged but for trimming (and
    lowercased emails and domains), each from one raw row of its id."""
    lead_columns = list(leads[0]) if leads else ["lead_id"]
    by_lead: dict[Any, list[Row]] = {}
    for row in leads:
        by_lead.setdefault(row["lead_id"], []).append(row)
    dim_rows = built.query_dicts(
        "select " + ", ".join(f'"{c}"' for c in lead_columns) + " from dim_leads"
    )
    for dim in dim_rows:
        candidates = by_lead.get(dim["lead_id"], [])
        assert any(_matches(row, dim) for row in candidates), (
            "dim_leads row matches no raw row of its lead_id",
            _short(dim),
            [_short(row) for row in candidates],
        )

    activity_columns = list(activities[0]) if activities else ["activity_id"]
    by_activity: dict[Any, list[Row]] = {}
    for row in activities:
        by_activity.setdefault(row["activity_id"], []).append(row)
    for fact in built.query_dicts(
        "select " + ", ".join(activity_columns) + " from fct_lead_activities"
    ):
        candidates = by_activity.get(fact["activity_id"], [])
        assert any(_matches(row, fact) for row in candidates), (
            "fct_lead_activities row matches no raw row of its activity_id",
            _short(fact),
            [_short(row) for row in candidates],
        )


def check_marker(built: Marts, data: RawData) -> None:
    """The hostile marker lead and its activity come through whole."""
    if data.marker is None:
        return
    marker_lead, marker_activity = data.marker
    [lead] = expected_leads(data, [marker_lead])
    dim = built.query_dicts(
        "select "
        + ", ".join(f'"{c}"' for c in lead)
        + " from dim_leads where lead_id = ?",
        [lead["lead_id"]],
    )
    assert len(dim) == 1, (lead["lead_id"], dim)
    for column, value in lead.items():
        assert dim[0][column] == value, (column, _short({column: dim[0][column]}))
    assert (
        built.scalar(
            "select count(*) from lead_scores where lead_id = ?", [lead["lead_id"]]
        )
        == 1
    )
    [activity] = expected_activities(data, [marker_activity])
    fact = built.query_dicts(
        "select "
        + ", ".join(activity)
        + " from fct_lead_activities where activity_id = ?",
        [activity["activity_id"]],
    )
    assert len(fact) == 1, (activity["activity_id"], fact)
    for column, value in activity.items():
        assert fact[0][column] == value, (column, _short({column: fact[0][column]}))
    assert (
        built.scalar(
            "select count(*) from int_activities_decayed"
            " where is_current and activity_id = ?",
            [activity["activity_id"]],
        )
        == 1
    )


def require_build(built: Build, data: RawData) -> None:
    if not built.run.success:
        raise AssertionError(f"dbt build failed on {data!r}\n{built.run.describe()}")


def check_everything(built: Build, data: RawData) -> None:
    """Every property, on a build of `data` (one example, or several
    together: then on all their rows, those of no example included)."""
    require_build(built, data)
    for source_table, reason_code, count in built.query(
        "select source_table, reason_code, count(*) from fct_data_quality_issues"
        " group by 1, 2"
    ):
        REASONS_SEEN[(source_table, reason_code)] += count
    check_relations(built)
    check_rows(built, data)


def check_rows(built: Marts, data: RawData) -> None:
    """The properties of the rows: on a build, or on one example's scope of
    a build of several (`DatasetScope`)."""
    leads = expected_leads(data)
    activities = expected_activities(data)
    check_raw_views(built, data)
    check_scores(built)
    check_leads(built, data, leads)
    check_activities(built, data, activities)
    check_outcomes(built, data)
    check_values(built, data, leads, activities)
    check_marker(built, data)


def check_built_together(
    tmp_path_factory: pytest.TempPathFactory, built: Build, datasets: list[RawData]
) -> None:
    """Each example's properties on its own rows, then every property on the
    whole build. A failure is reported with the example that fails when
    built alone (rebuilt to find it): the smallest counterexample."""
    if len(datasets) == 1:
        check_everything(built, datasets[0])
        return
    whole = together(datasets)
    try:
        require_build(built, whole)
    except AssertionError as error:
        raise failing_alone(tmp_path_factory, datasets, error) from error
    for data in datasets:
        assert data.tag
        with DatasetScope(built, data.tag) as scope:
            try:
                check_rows(scope, scoped(data))
            except AssertionError as error:
                raise failing_alone(tmp_path_factory, [data], error) from error
    try:
        check_everything(built, whole)
    except AssertionError as error:
        raise failing_alone(tmp_path_factory, datasets, error) from error


def failing_alone(
    tmp_path_factory: pytest.TempPathFactory,
    suspects: list[RawData],
    error: AssertionError,
) -> AssertionError:
    """The first of `suspects` whose own build fails a property, as the
    failure to report; if none does, the shared build's failure, said so."""
    for data in suspects:
        alone = build_example(tmp_path_factory, data, "alone")
        try:
            check_everything(alone, data)
        except AssertionError as alone_error:
            return AssertionError(
                f"example {data.tag} fails built alone too ({error!s:.300}"
                f" in the shared build): {data!r}\n{alone_error}"
            )
    tags = [data.tag for data in suspects]
    return AssertionError(
        f"examples {tags} each pass built alone, but not together: they"
        f" met (a namespace missed an id) or the build's one scoring date"
        f" (the day after the latest activity of all) broke one: {error}"
    )


@pytest.fixture(scope="module", autouse=True)
def _report_examples(request: pytest.FixtureRequest) -> Iterator[None]:
    """After the module, on the terminal (even with -q): how many hypothesis
    examples were built, and the quarantine reasons the checked builds hit."""
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None or not STATS["examples"]:
        return
    formats = ", ".join(
        f"{key.removeprefix('format:')}={count}"
        for key, count in sorted(STATS.items())
        if key.startswith("format:")
    )
    reasons = ", ".join(
        f"{table}.{reason}={count}"
        for (table, reason), count in sorted(REASONS_SEEN.items())
    )
    with capture.global_and_fixture_disabled():
        reporter.write_line(
            f"\nhostile input: {STATS['examples']} hypothesis examples in"
            f" {STATS['builds']} builds ({STATS['failed builds']} failed);"
            " tables written as"
            f" {formats}; quarantine reasons in the checked builds: {reasons}"
        )


# 7. The tests


def build_example(
    tmp_path_factory: pytest.TempPathFactory, data: RawData, name: str = "hostile"
) -> Build:
    work = tmp_path_factory.mktemp(name)
    write_raw(data, work / "raw")
    # Hostile examples are mostly bad on purpose: the quarantine guard rails
    # (test_input_guard_rails.py) only warn here, so every model is built.
    return build(
        work / "build",
        work / "raw",
        unit_tests=False,
        dbt_vars={"lead_scoring__quarantine_guard_rail_severity": "warn"},
    )


@settings(
    max_examples=GENERATED_BUILDS,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)
@given(datasets=batches())
@example(datasets=[nastiest_example()])
def test_hostile_raw_files_build_score_and_reconcile(
    tmp_path_factory: pytest.TempPathFactory, datasets: list[RawData]
) -> None:
    whole = together(datasets)
    built = build_example(tmp_path_factory, whole)
    STATS["builds"] += 1
    STATS["examples"] += len(datasets)
    STATS["failed builds"] += not built.run.success
    for file_format in whole.formats.values():
        STATS[f"format:{file_format}"] += 1
    check_built_together(tmp_path_factory, built, datasets)


# 8. Empty tables


def test_header_only_files_build_with_no_leads(tmp_path: Path) -> None:
    """Files with a header row and nothing else (and a parquet file with no
    rows) are empty tables, not errors: the build succeeds with 0 leads."""
    data = RawData(
        tables={table: [] for table in RAW_TABLES},
        formats={
            "leads": "csv",
            "activities": "csv",
            "opportunities": "parquet",
            "sales_feedback": "csv",
        },
    )
    write_raw(data, tmp_path / "raw")
    assert (tmp_path / "raw" / "leads.csv").read_text().count("\n") == 1

    built = build(tmp_path / "build", tmp_path / "raw", unit_tests=False)

    require_build(built, data)
    check_relations(built)
    for relation in (*MARTS, "stg_crm__leads", "int_activities_decayed"):
        assert built.scalar(f"select count(*) from {relation}") == 0, relation


def test_rows_without_one_usable_lead_build_with_no_scores(tmp_path: Path) -> None:
    """Leads without ids or readable created_at, activities of those and of
    unknown leads: nothing can be scored, everything is reported."""
    data = all_rejected_example()
    write_raw(data, tmp_path / "raw")

    built = build(tmp_path / "build", tmp_path / "raw", unit_tests=False)

    check_everything(built, data)
    assert built.scalar("select count(*) from lead_scores") == 0


def _lead(lead_id: str, **values: Any) -> Row:
    return {
        **dict.fromkeys(RAW_TABLES["leads"]),
        "lead_id": lead_id,
        "email": f"{lead_id.lower()}@acme.com",
        "created_at": Stamp("2025-01-01", datetime(2025, 1, 1)),
        **values,
    }


def _activity(activity_id: str, lead_id: str, **values: Any) -> Row:
    return {
        **dict.fromkeys(RAW_TABLES["activities"]),
        "activity_id": activity_id,
        "lead_id": lead_id,
        "activity_type": "page_view",
        "occurred_at": Stamp("2025-02-01T00:00:00Z", datetime(2025, 2, 1)),
        **values,
    }


def test_apostrophes_in_csv_text_never_merge_rows(tmp_path: Path) -> None:
    """A CSV is RFC 4180: fields are quoted with '"'. A company called
    "'t Kasteeltje" and another ending in an apostrophe must stay two
    companies of two leads, not one field that swallows the rows between."""
    companies = ["'t Kasteeltje", "Acme", "Builders Merchants'", "Globex", "'", "'"]
    data = RawData(
        tables={
            "leads": [
                _lead(f"L{number}", company_name=company)
                for number, company in enumerate(companies, start=1)
            ],
            "activities": [_activity("A1", "L1")],
            "opportunities": [],
            "sales_feedback": [],
        },
        formats={
            "leads": "csv",
            "activities": "csv",
            "opportunities": "csv",
            "sales_feedback": "absent",
        },
    )
    write_raw(data, tmp_path / "raw")

    built = build(tmp_path / "build", tmp_path / "raw", unit_tests=False)

    require_build(built, data)
    read = dict(built.query("select lead_id, company_name from dim_leads"))
    assert read == {
        f"L{number}": company for number, company in enumerate(companies, start=1)
    }
    check_everything(built, data)


def test_nan_and_infinite_numbers_in_typed_parquet_are_not_fatal(
    tmp_path: Path,
) -> None:
    """Parquet with float columns: NaN and infinities among ordinary
    numbers are implausible values (reported, scored as missing), never a
    failed cast. Every other employee_count and duration_seconds is in
    range, so the file's min/max statistics (which leave NaN out) say the
    whole column is."""
    odd = ["nan", "inf", "-inf", "1e19"]
    leads = [_lead(f"L{number}", employee_count="42") for number in range(1, 9)]
    leads[0]["employee_count"] = "nan"
    for lead, value in zip(leads, odd, strict=False):
        lead["annual_revenue"] = value
    activities = [
        _activity(f"A{number}", "L2", duration_seconds="30") for number in range(8)
    ]
    activities[0]["duration_seconds"] = "nan"
    data = RawData(
        tables={
            "leads": _typed(leads),
            "activities": _typed(activities),
            "opportunities": [],
            "sales_feedback": [],
        },
        formats={
            "leads": "parquet_typed",
            "activities": "parquet_typed",
            "opportunities": "csv",
            "sales_feedback": "absent",
        },
    )
    write_raw(data, tmp_path / "raw")

    built = build(tmp_path / "build", tmp_path / "raw", unit_tests=False)

    check_everything(built, data)
    assert built.query(
        "select lead_id, employee_count, annual_revenue from dim_leads"
        " where lead_id in ('L1', 'L2', 'L5') order by 1"
    ) == [("L1", None, None), ("L2", 42, None), ("L5", 42, None)]
    reported = built.query(
        "select source_table, record_id from fct_data_quality_issues"
        " where reason_code = 'implausible_value' order by 1, 2"
    )
    expected = [("activities", "A0"), *[("leads", f"L{n}") for n in range(1, 5)]]
    assert reported == expected


# 9. Time zones, end to end


OFFSET_LEADS = {
    # lead_id: (created_at as written, created_at in UTC)
    "U1": ("2026-01-01T10:00:00+02:00", datetime(2026, 1, 1, 8)),
    "U2": ("2026-01-01 10:00:00-08:00", datetime(2026, 1, 1, 18)),
    "U3": ("2026-01-01T10:00:00Z", datetime(2026, 1, 1, 10)),
    "U4": ("2026-01-01T10:00:00+05:30", datetime(2026, 1, 1, 4, 30)),
    "U5": ("2026-01-01T10:00:00", datetime(2026, 1, 1, 10)),
}
PADDED_LEADS = {
    "P1": (" 2026-01-01T10:00:00+02:00 ", datetime(2026, 1, 1, 8)),
    "P2": ("2026-01-01 10:00:00  ", datetime(2026, 1, 1, 10)),
    "P3": ("2026-01-01 ", datetime(2026, 1, 1)),  # a date, a trailing space
}
# The raw folder of this build: its name is data too (section 12).
HOSTILE_FOLDER = "raw 'q' \"dq\" {{ var('x') }} ; -- [2026] *"


@pytest.fixture(scope="module")
def offsets_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    work = tmp_path_factory.mktemp("offsets")
    leads = [
        {
            **dict.fromkeys(RAW_TABLES["leads"]),
            "lead_id": lead_id,
            "email": f"{lead_id.lower()}@acme.com",
            "created_at": created_at,
            "updated_at": created_at,
        }
        for lead_id, (created_at, _) in {**OFFSET_LEADS, **PADDED_LEADS}.items()
    ]
    activities = [
        {
            **dict.fromkeys(RAW_TABLES["activities"]),
            "activity_id": "A1",
            "lead_id": "U1",
            "activity_type": "page_view",
            # 2026-01-03 00:30 UTC: another day than it says
            "occurred_at": "2026-01-02T23:30:00-01:00",
        }
    ]
    data = RawData(
        tables={
            "leads": leads,
            "activities": activities,
            "opportunities": [],
            "sales_feedback": [],
        },
        formats={
            "leads": "csv",
            "activities": "csv",
            "opportunities": "parquet",
            "sales_feedback": "absent",
        },
    )
    write_raw(data, work / HOSTILE_FOLDER)
    return build(work / "build", work / HOSTILE_FOLDER, unit_tests=False)


def test_offset_timestamps_become_utc_end_to_end(offsets_build: Build) -> None:
    offsets_build.require_success()
    created = dict(offsets_build.query("select lead_id, created_at from dim_leads"))
    for lead_id, (written, utc) in OFFSET_LEADS.items():
        assert created.get(lead_id) == utc, (lead_id, written, created.get(lead_id))
    [(occurred_at, occurred_date)] = offsets_build.query(
        "select occurred_at, occurred_date from fct_lead_activities"
    )
    assert occurred_at == datetime(2026, 1, 3, 0, 30)
    assert occurred_date.isoformat() == "2026-01-03"
    # the default scoring date: the start of the day after the latest activity
    assert offsets_build.scalar("select distinct scored_as_of from lead_scores") == (
        datetime(2026, 1, 4)
    )


def test_padded_timestamps_are_read_not_rejected(offsets_build: Build) -> None:
    """Ids, text and numbers are trimmed before they are read; a timestamp
    with a space around it must be too, or the lead is quarantined as
    `invalid_created_at` ('missing or not a timestamp')."""
    offsets_build.require_success()
    created = dict(offsets_build.query("select lead_id, created_at from dim_leads"))
    rejected = dict(
        offsets_build.query(
            "select lead_id, reason_code from fct_data_quality_issues"
            " where source_table = 'leads' and is_excluded_from_scores"
        )
    )
    wrong = {
        lead_id: (written, created.get(lead_id), rejected.get(lead_id))
        for lead_id, (written, utc) in PADDED_LEADS.items()
        if created.get(lead_id) != utc
    }
    assert not wrong, f"padded timestamps not read (written, read, reason): {wrong}"


# 10. A separator inside text must not make two rows one


def test_pipe_in_feedback_text_keeps_verdicts_apart(tmp_path: Path) -> None:
    """Sales feedback has no id: it is keyed by a hash of its values joined
    with '|'. Two different verdicts whose texts contain '|' must still be
    two verdicts, each used or reported once, with distinct issue ids."""
    lead = {
        **dict.fromkeys(RAW_TABLES["leads"]),
        "lead_id": "L1",
        "email": "l1@acme.com",
        "created_at": "2025-01-01",
    }
    feedback = [
        {
            "lead_id": lead_id,
            "feedback_at": "2025-02-01T00:00:00Z",
            "disposition": disposition,
            "reason": reason,
        }
        for lead_id in ("L1", "GHOST-1")
        for disposition, reason in (("rejected|spam", "bot"), ("rejected", "spam|bot"))
    ]
    data = RawData(
        tables={
            "leads": [lead],
            "activities": [],
            "opportunities": [],
            "sales_feedback": feedback,
        },
        formats={
            "leads": "csv",
            "activities": "csv",
            "opportunities": "csv",
            "sales_feedback": "csv",
        },
    )
    write_raw(data, tmp_path / "raw")

    built = build(tmp_path / "build", tmp_path / "raw", unit_tests=False)

    require_build(built, data)
    check_scores(built)
    check_outcomes(built, data)
    assert built.scalar("select count(*) from stg_crm__sales_feedback") == 4
    assert (
        built.scalar(
            "select count(distinct record_id) from fct_data_quality_issues"
            " where source_table = 'sales_feedback'"
        )
        == 2
    )


# 11. Files that break the contract fail with a message


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("zero_byte_leads_file", ["'leads'", "lacks required column", "lead_id"]),
        (
            "column_name_with_a_quote",
            ['x"; drop table lead_scores; --', "cannot be used as a name"],
        ),
        ("column_name_colliding_after_snake_case", ["Lead ID", "lead_id"]),
    ],
)
def test_malformed_file_fails_naming_file_and_column(
    tmp_path: Path, case: str, expected: list[str]
) -> None:
    """A file that breaks the contract stops the run before anything is
    scored, with one line naming the table (and, for a missing column, the
    folder) and the column at fault."""
    raw_dir = tmp_path / "raw"
    extra = {
        "zero_byte_leads_file": None,
        "column_name_with_a_quote": 'x"; drop table lead_scores; --',
        "column_name_colliding_after_snake_case": "Lead ID",
    }[case]
    data = RawData(
        tables={table: [] for table in RAW_TABLES},
        formats=dict.fromkeys(RAW_TABLES, "csv"),
        extra_column=extra,
    )
    write_raw(data, raw_dir)
    if case == "zero_byte_leads_file":
        (raw_dir / "leads.csv").write_bytes(b"")

    broken = build(tmp_path / "build", raw_dir, unit_tests=False)

    assert not broken.run.success
    lines = [
        line
        for line in broken.run.output.splitlines()
        if all(e in line for e in expected)
    ]
    assert lines, f"no line names {expected}:\n{broken.run.describe()}"
    assert "leads" in lines[0]
    if case == "zero_byte_leads_file":
        assert str(raw_dir) in lines[0], lines[0]
    assert not broken.db_path.exists() or not broken.query(
        "select 1 from information_schema.tables where table_name = 'lead_scores'"
    )


# 12. The folder's name is data too


def test_raw_folder_name_never_changes_what_is_read(offsets_build: Build) -> None:
    """The folder's name reaches SQL (the file readers) and glob patterns:
    quotes, Jinja, a comment and glob characters must all stay a name. The
    time-zone build reads its CSV and parquet files from such a folder (its
    tests do not depend on the folder's name, nor this one on time zones)."""
    assert offsets_build.raw_dir.name == HOSTILE_FOLDER
    offsets_build.require_success()
    read = offsets_build.query("select lead_id from raw.leads order by 1")
    assert read == [(lead_id,) for lead_id in sorted({**OFFSET_LEADS, **PADDED_LEADS})]
    assert offsets_build.scalar("select count(*) from raw.activities") == 1
    assert offsets_build.scalar("select count(*) from raw.opportunities") == 0
    assert offsets_build.query(
        "select lead_id from lead_scores where lead_id = 'U1'"
    ) == [("U1",)]
