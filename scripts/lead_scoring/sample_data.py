"""Deterministic sample data in the raw contract's shape.

Each lead has a hidden propensity to buy, driven by who they are (seniority,
company size, industry, country, email domain) and a hidden intent. Intent
raises the rate and changes the mix of their activities; leads that will
convert show a burst of buying signals (pricing, demo, trial) in the weeks
before their opportunity is created. So converters really are predictable
from the data, and a backtest can tell a good model from a bad one.

Every lead gets the monthly newsletter (`email_send`, on the first of the
month from 10:00 UTC, until the lead unsubscribes; an invalid address gets
one send, which bounces). People open and click a send minutes to days after
it arrives, more often the higher their intent, and each of their opens and
clicks carries the campaign of a send it follows. About 3% of companies run
a corporate mail scanner: within seconds of every send to their domain it
opens the email, clicks every link in it and so views each linked page. Its
rows look like anybody's except for their ids ('S...' instead of 'A...'),
the ground truth for tests of bot filtering; sends and scanner rows always
belong to a known lead.

The data is also messy the way CRM exports are: free-mail and student leads,
null job titles, job titles in many spellings, duplicated activity rows,
activity types in mixed case, activities of deleted leads, unknown activity
types, superseded copies of lead rows, a few rows without a lead id, and
leads that go quiet.

Leads are made in chunks, each from its own seeded generator, so any size up
to millions of leads is reproducible and memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from lead_scoring.contract import GENERATED_MARKER, RAW_TABLES

WINDOW_END = np.datetime64("2026-07-01T00:00:00", "s")
WINDOW_DAYS = 546  # eighteen months, ending 2026-06-30
WINDOW_START = WINDOW_END - np.timedelta64(WINDOW_DAYS, "D")
DAY = 86_400
CHUNK_LEADS = 100_000

# seniority: (share of leads, effect on log-odds of buying, titles as typed)
SENIORITIES: dict[str, tuple[float, float, list[str]]] = {
    "c_level": (
        0.05,
        0.9,
        [
            "Chief Executive Officer",
            "CEO",
            "Chief Marketing Officer",
            "CTO",
            "Chief Revenue Officer",
            "Founder & CEO",
        ],
    ),
    "vp": (
        0.08,
        1.0,
        [
            "VP of Marketing",
            "Vice President, Sales",
            "VP Engineering",
            "vp marketing",
            "SVP, Operations",
        ],
    ),
    "director": (
        0.14,
        0.8,
        [
            "Director of IT",
            "Marketing Director",
            "Head of Growth",
            "Director, Revenue Operations",
            "Head of Data",
        ],
    ),
    "manager": (
        0.22,
        0.4,
        [
            "Marketing Manager",
            "Sales Manager",
            "IT Manager",
            "Engineering Manager",
            "Demand Generation Manager",
        ],
    ),
    "individual_contributor": (
        0.38,
        0.0,
        [
            "Software Engineer",
            "Data Analyst",
            "Marketing Specialist",
            "Account Executive",
            "Consultant",
            "Sales Representative",
        ],
    ),
    "student": (0.05, -2.0, ["Student", "Intern", "Graduate Student", "MBA Candidate"]),
    "unknown": (0.08, -0.3, []),  # no job title at all
}

INDUSTRIES = {  # share, effect
    "Software": (0.22, 0.5),
    "Financial Services": (0.12, 0.3),
    "Healthcare": (0.10, 0.1),
    "Manufacturing": (0.11, 0.1),
    "Retail": (0.09, 0.0),
    "Media": (0.06, 0.0),
    "Consulting": (0.09, -0.1),
    "Logistics": (0.07, 0.0),
    "Education": (0.08, -0.6),
    "Government": (0.06, -0.4),
}

COUNTRIES = {  # share, effect
    "United States": (0.42, 0.3),
    "United Kingdom": (0.11, 0.3),
    "Germany": (0.08, 0.3),
    "Canada": (0.06, 0.3),
    "Australia": (0.04, 0.3),
    "Netherlands": (0.03, 0.3),
    "France": (0.05, -0.2),
    "India": (0.09, -0.2),
    "Brazil": (0.05, -0.2),
    "Spain": (0.03, -0.2),
    "Nigeria": (0.02, -0.2),
    "Japan": (0.02, -0.2),
}

LEAD_SOURCES = [
    "Organic Search",
    "Paid Search",
    "Webinar",
    "Referral",
    "Event",
    "Content Syndication",
    "Outbound",
]
FREE_MAIL = [
    "gmail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "icloud.com",
    "aol.com",
    "proton.me",
    "gmx.de",
]
COMPETITORS = ["leadrival.com", "scorecompete.io"]
UNIVERSITIES = [
    "stateuniversity.edu",
    "techinstitute.edu",
    "citycollege.edu",
    "uni-beispiel.de",
    "example.ac.uk",
]
FIRST_NAMES = [
    "James",
    "Mary",
    "Wei",
    "Priya",
    "Carlos",
    "Fatima",
    "Olga",
    "Kenji",
    "Amara",
    "Lucas",
    "Sofia",
    "Ahmed",
    "Emma",
    "Noah",
    "Chloé",
    "Mateo",
    "Aisha",
    "Liam",
    "Yuki",
    "Zoë",
    "Ivan",
    "Grace",
    "Omar",
    "Elena",
    "Tom",
    "Nia",
    "Pedro",
    "Hannah",
    "Raj",
    "Julia",
    "Sean",
    "Mei",
    "Ana",
    "Ben",
    "Leila",
    "Max",
    "Sara",
    "Ola",
    "Dev",
    "Ines",
]
LAST_NAMES = [
    "Smith",
    "Garcia",
    "Chen",
    "Patel",
    "Müller",
    "Okafor",
    "Kim",
    "Novak",
    "Silva",
    "O'Brien",
    "Rossi",
    "Haddad",
    "Johnson",
    "Nguyen",
    "Kowalski",
    "Dubois",
    "Tanaka",
    "Brown",
    "Ivanova",
    "Lopez",
    "Singh",
    "Andersen",
    "Murphy",
    "Costa",
    "Ali",
    "Wong",
    "Schmidt",
    "Jones",
    "Martin",
    "Sato",
    "Fischer",
    "Moreau",
    "Reyes",
    "Clark",
    "Khan",
    "Berg",
    "Walsh",
    "Perez",
    "Lee",
    "Taylor",
]
NAME_PARTS = [
    "Acme",
    "Nimbus",
    "Vertex",
    "Blue",
    "North",
    "Quantum",
    "Atlas",
    "Bright",
    "Cedar",
    "Delta",
    "Ember",
    "Falcon",
    "Granite",
    "Harbor",
    "Iron",
    "Juniper",
    "Kite",
    "Lumen",
    "Maple",
    "Nova",
    "Orbit",
    "Pioneer",
    "Quartz",
    "River",
    "Summit",
    "Tidal",
    "Union",
    "Velvet",
    "Willow",
    "Zenith",
]
NAME_SUFFIXES = [
    "Labs",
    "Systems",
    "Group",
    "Analytics",
    "Health",
    "Logistics",
    "Capital",
    "Software",
    "Retail",
    "Works",
    "Media",
    "Partners",
]

# Activity types and how they are spelled in the raw data. Variants are the
# mess the staging model cleans: Title Case, UPPER and padded spellings.
ACTIVITY_TYPES = [
    "page_view",
    "pricing_page_view",
    "email_open",
    "email_click",
    "email_reply",
    "content_download",
    "webinar_registration",
    "webinar_attended",
    "demo_request",
    "trial_signup",
    "contact_sales_form",
    "careers_page_view",
    "email_unsubscribe",
    "email_bounce",
    "chat_started",  # not in the weights seed: an unknown type, scored 0
    "email_send",  # the monthly newsletter; sends earn no points
]
T = {name: index for index, name in enumerate(ACTIVITY_TYPES)}


def _spellings(name: str) -> list[str]:
    return [name, name.replace("_", " ").title(), name.upper(), f" {name} "]


TYPE_SPELLINGS = [spelling for name in ACTIVITY_TYPES for spelling in _spellings(name)]

# Activity mixes: (type, weight). Low and high intent leads browse
# differently; the burst before a conversion is dominated by buying signals.
MIX_LOW = {
    "page_view": 55,
    "pricing_page_view": 3,
    "email_click": 8,
    "content_download": 5,
    "webinar_registration": 2,
    "webinar_attended": 1,
    "demo_request": 0.2,
    "trial_signup": 0.3,
    "contact_sales_form": 0.1,
    "careers_page_view": 4,
    "email_unsubscribe": 1.2,
    "chat_started": 1,
}
MIX_HIGH = {
    "page_view": 45,
    "pricing_page_view": 8,
    "email_click": 12,
    "content_download": 8,
    "webinar_registration": 4,
    "webinar_attended": 3,
    "demo_request": 1,
    "trial_signup": 1,
    "contact_sales_form": 0.5,
    "careers_page_view": 1,
    "email_unsubscribe": 0.3,
    "chat_started": 1,
    "email_reply": 0.5,
}
MIX_BURST = {
    "page_view": 25,
    "pricing_page_view": 30,
    "demo_request": 12,
    "trial_signup": 8,
    "contact_sales_form": 6,
    "webinar_attended": 5,
    "email_click": 8,
    "content_download": 6,
    "email_reply": 3,
}
MIX_STUDENT = {
    "page_view": 50,
    "careers_page_view": 25,
    "content_download": 15,
    "webinar_registration": 5,
    "email_click": 5,
}

PAGE_URLS = [
    "/",
    "/product",
    "/blog/what-is-lead-scoring",
    "/blog/dbt-tips",
    "/customers",
    "/docs/getting-started",
]
TYPE_URL = {
    "pricing_page_view": "/pricing",
    "careers_page_view": "/careers",
    "demo_request": "/demo",
    "trial_signup": "/trial",
    "contact_sales_form": "/contact-sales",
}
URLS = [*PAGE_URLS, *TYPE_URL.values()]
ASSETS = [
    "ebook-lead-scoring-guide",
    "whitepaper-revenue-ops",
    "template-mql-definition",
    "report-state-of-b2b-2026",
]
WEBINARS = [
    "webinar-scoring-that-sales-trusts",
    "webinar-attribution-101",
    "webinar-dbt-for-marketing",
]
CAMPAIGN_MONTHS = [
    str(month)
    for month in np.arange(np.datetime64("2024-12"), np.datetime64("2026-08"))
]
# The newsletter goes out on the first of each month from 10:00 UTC; each
# lead's copy leaves up to an hour later (a bulk send works through its list).
NEWSLETTER_SENDS = (
    np.array(CAMPAIGN_MONTHS, dtype="datetime64[M]").astype("datetime64[s]")
    + np.timedelta64(10 * 3600, "s")
).astype(np.int64)
SEND_SPREAD = 3600
# Every newsletter links the home page and two or three other pages, in turn.
_LINKED_PAGES = [
    "/pricing",
    "/product",
    "/customers",
    "/blog/what-is-lead-scoring",
    "/blog/dbt-tips",
    "/docs/getting-started",
]
NEWSLETTER_LINKS: dict[str, tuple[str, ...]] = {
    f"newsletter-{month}": (
        "/",
        *(
            _LINKED_PAGES[(2 * index + offset) % len(_LINKED_PAGES)]
            for offset in range(2 + index % 2)
        ),
    )
    for index, month in enumerate(CAMPAIGN_MONTHS)
}
_LINK_COUNTS = np.array([len(links) for links in NEWSLETTER_LINKS.values()])
_LINK_URLS = np.array(
    [
        [URLS.index(url) for url in links] + [0] * (_LINK_COUNTS.max() - len(links))
        for links in NEWSLETTER_LINKS.values()
    ]
)
# Mail scanners: the share of companies whose mail gateway opens every email
# and follows every link in it within seconds of delivery.
SCANNER_SHARE = 0.03


@dataclass(frozen=True)
class Tables:
    """One chunk of every raw table, as Arrow tables."""

    leads: pa.Table
    activities: pa.Table
    opportunities: pa.Table
    sales_feedback: pa.Table


def _pick(rng: np.random.Generator, table: dict, size: int) -> np.ndarray:
    shares = np.array([value[0] for value in table.values()], dtype=float)
    return rng.choice(len(table), size=size, p=shares / shares.sum())


def _effects(table: dict) -> np.ndarray:
    return np.array([value[1] for value in table.values()])


def _mix_probabilities(mix: dict[str, float]) -> np.ndarray:
    weights = np.zeros(len(ACTIVITY_TYPES))
    for name, weight in mix.items():
        weights[T[name]] = weight
    return weights / weights.sum()


def _timestamps(seconds: np.ndarray) -> pa.Array:
    return pa.array(seconds.astype("datetime64[s]").astype("datetime64[us]"))


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    digits = pc.utf8_lpad(pa.array(numbers).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _take(values: list[str], index: np.ndarray, valid: np.ndarray | None = None):
    """A dictionary-encoded string column: cheap even for 50M rows."""
    indices = pa.array(index.astype(np.int32), mask=None if valid is None else ~valid)
    return pa.DictionaryArray.from_arrays(indices, pa.array(values))


def _companies(rng: np.random.Generator, count: int, offset: int) -> dict:
    numbers = np.arange(offset, offset + count)
    prefix = np.array(NAME_PARTS)[numbers % len(NAME_PARTS)]
    suffix = np.array(NAME_SUFFIXES)[(numbers // len(NAME_PARTS)) % len(NAME_SUFFIXES)]
    serial = numbers // (len(NAME_PARTS) * len(NAME_SUFFIXES))
    tag = np.where(serial > 0, np.char.add(" ", serial.astype(str)), "")
    names = np.char.add(np.char.add(np.char.add(prefix, " "), suffix), tag)
    domains = np.char.add(np.char.replace(np.char.lower(names), " ", ""), ".com")
    employees = np.clip(np.exp(rng.normal(5.0, 1.7, count)), 1, 250_000).astype(int)
    size_effect = np.select(
        [employees < 10, employees < 50, employees < 200, employees < 5000],
        [-0.6, -0.2, 0.2, 0.6],
        0.3,
    )
    industry = _pick(rng, INDUSTRIES, count)
    country = _pick(rng, COUNTRIES, count)
    revenue = np.round(employees * rng.uniform(60_000, 260_000, count), -3)
    return {
        "name": names,
        "domain": domains,
        "employees": employees,
        "revenue": revenue,
        "industry": industry,
        "country": country,
        "effect": size_effect
        + _effects(INDUSTRIES)[industry]
        + _effects(COUNTRIES)[country],
    }


def _leads_chunk(rng: np.random.Generator, first: int, count: int):
    """Lead attributes and hidden state for leads first..first+count-1."""
    numbers = np.arange(first, first + count)
    companies = _companies(rng, max(count // 3, 10), offset=first // 3)
    company = rng.integers(0, len(companies["name"]), count)
    seniority = _pick(rng, SENIORITIES, count)
    seniority_names = list(SENIORITIES)
    student = seniority == seniority_names.index("student")

    # email domain: business (company), free-mail, university, invalid
    kind = rng.choice(4, size=count, p=[0.835, 0.15, 0.0, 0.015])
    kind = np.where(student & (rng.random(count) < 0.6), 2, kind)
    competitor = (kind == 0) & (rng.random(count) < 0.004)

    first_name = rng.integers(0, len(FIRST_NAMES), count)
    last_name = rng.integers(0, len(LAST_NAMES), count)
    local = np.char.lower(
        np.char.add(
            np.char.add(np.array(FIRST_NAMES)[first_name], "."),
            np.char.replace(np.array(LAST_NAMES)[last_name], "'", ""),
        )
    )
    local = np.char.add(
        local, np.where(rng.random(count) < 0.3, (numbers % 97).astype(str), "")
    )
    domain = np.where(
        competitor,
        np.array(COMPETITORS)[numbers % len(COMPETITORS)],
        companies["domain"][company],
    )
    domain = np.where(kind == 1, np.array(FREE_MAIL)[numbers % len(FREE_MAIL)], domain)
    domain = np.where(
        kind == 2, np.array(UNIVERSITIES)[numbers % len(UNIVERSITIES)], domain
    )
    email = np.char.add(np.char.add(local, "@"), domain)
    broken = np.array(["n/a", "", "no-email", "john@", "@example.com"])
    email = np.where(kind == 3, broken[numbers % len(broken)], email)
    email = np.where(
        (kind == 0) & (rng.random(count) < 0.1), np.char.upper(email), email
    )

    domain_effect = np.choose(kind, [0.0, -0.7, -1.2, -1.5]) - 3.0 * competitor
    fit_effect = (
        _effects(SENIORITIES)[seniority]
        + np.where(kind == 0, companies["effect"][company], -0.1)
        + domain_effect
        + rng.normal(0, 0.5, count)
    )
    intent = rng.normal(0, 1, count)
    logit = -3.0 + fit_effect + 1.3 * intent
    propensity = 1 / (1 + np.exp(-logit))

    window = WINDOW_DAYS * DAY
    created = WINDOW_START.astype(np.int64) + (window * rng.random(count) ** 0.85)
    created = created.astype(np.int64)

    titles = np.full(count, "", dtype=object)
    for index, name in enumerate(seniority_names):
        chosen = seniority == index
        options = SENIORITIES[name][2]
        if options:
            titles[chosen] = np.array(options, dtype=object)[
                rng.integers(0, len(options), chosen.sum())
            ]
    has_title = titles != ""

    # free-mail and student leads often leave company fields empty
    company_known = (kind == 0) | (rng.random(count) < 0.3)
    employees = companies["employees"][company].astype(float)
    employees_known = company_known & (rng.random(count) < 0.93)
    lead_ids = _ids("L", numbers + 1, 7)

    leads = pa.table(
        {
            "lead_id": lead_ids,
            "email": pa.array(email),
            "first_name": pa.array(np.array(FIRST_NAMES)[first_name]),
            "last_name": pa.array(np.array(LAST_NAMES)[last_name]),
            "job_title": pa.array(titles.astype(str), mask=~has_title),
            "company_name": pa.array(companies["name"][company], mask=~company_known),
            "company_domain": pa.array(
                np.where(competitor, domain, companies["domain"][company]),
                mask=~company_known,
            ),
            "industry": pa.array(
                np.array(list(INDUSTRIES))[companies["industry"][company]],
                mask=~company_known,
            ),
            "employee_count": pa.array(
                employees.astype(np.int64), mask=~employees_known
            ),
            "annual_revenue": pa.array(
                companies["revenue"][company], mask=~employees_known
            ),
            "country": pa.array(
                np.array(list(COUNTRIES))[companies["country"][company]],
                mask=~company_known & (rng.random(count) < 0.5),
            ),
            "lead_source": pa.array(
                np.array(LEAD_SOURCES)[rng.integers(0, len(LEAD_SOURCES), count)]
            ),
            "created_at": _timestamps(created),
            "updated_at": _timestamps(
                created + (rng.random(count) * 30 * DAY).astype(np.int64)
            ),
        }
    )
    state = {
        "ids": lead_ids,
        "created": created,
        "intent": intent,
        "fit_effect": fit_effect,
        "propensity": propensity,
        "student": student,
        "invalid_email": kind == 3,
        "business_email": (kind == 0) & ~competitor,
        "company": company,
        "companies": len(companies["name"]),
        "employees": np.where(employees_known, employees, 50.0),
    }
    return leads, state


def _superseded_copies(rng: np.random.Generator, leads: pa.Table) -> pa.Table:
    """Older versions of about 1% of leads (a CRM export with history: the
    title was filled in later), and a few rows with no lead id at all."""
    count = leads.num_rows
    older = np.flatnonzero(rng.random(count) < 0.01)
    copies = leads.take(older)
    updated = copies.column("created_at")
    copies = copies.set_column(
        copies.schema.get_field_index("updated_at"), "updated_at", updated
    )
    copies = copies.set_column(
        copies.schema.get_field_index("job_title"),
        "job_title",
        pa.nulls(len(older), pa.string()),
    )
    missing = leads.take(np.flatnonzero(rng.random(count) < 0.0005))
    missing = missing.set_column(0, "lead_id", pa.nulls(missing.num_rows, pa.string()))
    return pa.concat_tables([copies, missing])


@dataclass(frozen=True)
class _Rows:
    """A chunk's activities as parallel arrays, the mail scanners' rows last."""

    lead: np.ndarray  # the lead's position in the chunk
    when: np.ndarray  # epoch seconds
    kind: np.ndarray  # index into ACTIVITY_TYPES
    campaign: np.ndarray  # index into CAMPAIGN_MONTHS; -1: the month of `when`
    url: np.ndarray  # index into URLS; -1: the activity type's usual page
    scanner_rows: int  # how many rows at the end a mail scanner made


def _activity_rows(rng: np.random.Generator, state: dict):
    """Every activity of a chunk of leads, plus the opportunities they open."""
    count = len(state["created"])
    created = state["created"]
    intent = state["intent"]
    end = WINDOW_END.astype(np.int64)

    # Who converts, and when (only conversions inside the window are seen).
    converts = rng.random(count) < state["propensity"]
    conversion = created + (rng.gamma(2.0, 30.0, count) * DAY).astype(np.int64)
    converts_seen = converts & (conversion < end)

    # Leads go quiet; buyers stay around a while after their opportunity.
    quiet = created + (rng.exponential(90.0 * np.exp(0.3 * intent)) * DAY).astype(
        np.int64
    )
    quiet = np.where(
        converts,
        np.maximum(
            quiet, conversion + (rng.exponential(45.0, count) * DAY).astype(np.int64)
        ),
        quiet,
    )
    quiet = np.minimum(quiet, end)
    active_days = np.maximum(quiet - created, 0) / DAY

    # Browsing: a Poisson count over the active period.
    rate = 0.4 * np.exp(0.45 * intent + 0.25 * np.clip(state["fit_effect"], -2, 2))
    n_browse = rng.poisson(rate * active_days)
    # The burst of buying signals in the three weeks before a conversion.
    n_burst = np.where(converts, rng.poisson(10, count), 0)

    lead_browse = np.repeat(np.arange(count), n_browse)
    time_browse = created[lead_browse] + (
        rng.random(lead_browse.size) * (quiet - created)[lead_browse]
    ).astype(np.int64)
    mix = np.where(
        state["student"][lead_browse], 3, (intent[lead_browse] > 0).astype(int)
    )
    type_browse = np.empty(lead_browse.size, dtype=np.int64)
    for index, probabilities in enumerate(
        map(_mix_probabilities, (MIX_LOW, MIX_HIGH, MIX_BURST, MIX_STUDENT))
    ):
        rows = mix == index
        type_browse[rows] = rng.choice(len(ACTIVITY_TYPES), rows.sum(), p=probabilities)

    lead_burst = np.repeat(np.arange(count), n_burst)
    time_burst = conversion[lead_burst] - (
        rng.random(lead_burst.size) * 21 * DAY
    ).astype(np.int64)
    type_burst = rng.choice(
        len(ACTIVITY_TYPES), lead_burst.size, p=_mix_probabilities(MIX_BURST)
    )

    lead = np.concatenate([lead_browse, lead_burst])
    when = np.concatenate([time_browse, time_burst])
    kind = np.concatenate([type_browse, type_burst])
    keep = (when >= created[lead]) & (when < end)
    rows = _with_newsletter(rng, state, lead[keep], when[keep], kind[keep])
    return rows, converts_seen, conversion


def _reaction_delay(rng: np.random.Generator, size: int) -> np.ndarray:
    """How long after a send a person opens or clicks it: a day on average,
    never within the first minute."""
    return 60 + (rng.exponential(DAY, size)).astype(np.int64)


def _newsletter_link(rng: np.random.Generator, months: np.ndarray) -> np.ndarray:
    """One of each given newsletter's links (an index into URLS); newsletters
    by their index into CAMPAIGN_MONTHS."""
    position = (rng.random(months.size) * _LINK_COUNTS[months]).astype(np.int64)
    return _LINK_URLS[months, position]


def _with_newsletter(
    rng: np.random.Generator,
    state: dict,
    lead: np.ndarray,
    when: np.ndarray,
    kind: np.ndarray,
) -> _Rows:
    """The browsing activities (lead, when, kind) and the monthly newsletter:
    its sends, the opens and clicks of the people who read it, the bounces of
    invalid addresses and the hits of corporate mail scanners."""
    count = len(state["created"])
    created = state["created"]
    invalid = state["invalid_email"]
    end = WINDOW_END.astype(np.int64)

    # One send a month from the lead's creation until the window ends or the
    # lead unsubscribes; an invalid address gets one send, which bounces.
    jitter = rng.integers(0, SEND_SPREAD, count)
    first = np.searchsorted(NEWSLETTER_SENDS, created - jitter, side="right")
    # the first send's time; at or after the window's end when there is none
    first_time = np.append(NEWSLETTER_SENDS, end)[first] + jitter

    # Email clicks and unsubscribes while browsing answer a send. One that
    # comes before the lead's first send answers that send, when it arrives.
    replies = np.flatnonzero(
        (kind == T["email_click"]) | (kind == T["email_unsubscribe"])
    )
    reply_lead = lead[replies]
    early = np.flatnonzero(when[replies] - 60 < first_time[reply_lead])
    answered = first_time[reply_lead[early]] + _reaction_delay(rng, early.size)
    when[replies[early[answered < end]]] = answered[answered < end]

    stop = np.full(count, end)
    unsubscribes = replies[kind[replies] == T["email_unsubscribe"]]
    np.minimum.at(stop, lead[unsubscribes], when[unsubscribes])
    last = np.searchsorted(NEWSLETTER_SENDS, stop - jitter, side="left")
    n_sends = np.maximum(last - first, 0)
    n_sends = np.where(invalid, np.minimum(n_sends, 1), n_sends)
    first_send = np.cumsum(n_sends) - n_sends  # each lead's first, by position
    send_lead = np.repeat(np.arange(count), n_sends)
    send_month = first[send_lead] + np.arange(send_lead.size) - first_send[send_lead]
    send_time = NEWSLETTER_SENDS[send_month] + jitter[send_lead]
    sends = send_lead.size

    bounced = np.flatnonzero(invalid & (n_sends > 0))
    bounce_send = first_send[bounced]
    bounce_time = send_time[bounce_send] + rng.integers(5, 600, bounced.size)

    # Readers: the chance to open a send rises with intent; some open it
    # again; about one read in seven is a click on one of its links.
    open_chance = 1 / (1 + np.exp(-0.7 * state["intent"]))
    opened = (rng.random(sends) < open_chance[send_lead]) & ~invalid[send_lead]
    n_reads = np.where(opened, 1 + rng.poisson(0.7, sends), 0)
    read_send = np.repeat(np.arange(sends), n_reads)
    read_time = send_time[read_send] + _reaction_delay(rng, read_send.size)
    read_send, read_time = read_send[read_time < end], read_time[read_time < end]
    read_kind = np.where(
        rng.random(read_send.size) < 0.15, T["email_click"], T["email_open"]
    )
    read_url = np.where(
        read_kind == T["email_click"],
        _newsletter_link(rng, send_month[read_send]),
        -1,
    )

    # Each click or unsubscribe belongs to the lead's latest send at least a
    # minute before it. Leads that no send reached (an invalid address, or
    # created in the window's last month) visit the site instead of clicking.
    campaign = np.full(lead.size, -1, dtype=np.int8)
    url = np.full(lead.size, -1, dtype=np.int8)
    span = 1 << 26  # more seconds than the window holds
    start = WINDOW_START.astype(np.int64)
    send_key = send_lead * span + (send_time - start)
    reply_key = reply_lead * span + (when[replies] - 60 - start)
    position = np.searchsorted(send_key, reply_key, side="right") - 1
    found = position >= 0
    found[found] = send_lead[position[found]] == reply_lead[found]
    campaign[replies[found]] = send_month[position[found]]
    clicked = (kind[replies] == T["email_click"]) & found & ~invalid[reply_lead]
    url[replies[clicked]] = _newsletter_link(rng, send_month[position[clicked]])
    kind[replies[(kind[replies] == T["email_click"]) & ~clicked]] = T["page_view"]

    # Mail scanners: a company's gateway opens every send to its domain within
    # seconds and follows every link in it, which shows as page views. Never
    # for free-mail, university or invalid addresses, nor for students.
    scanner_company = rng.random(state["companies"]) < SCANNER_SHARE
    scanned = (
        state["business_email"] & ~state["student"] & scanner_company[state["company"]]
    )
    scan_send = np.flatnonzero(scanned[send_lead])
    links = _LINK_COUNTS[send_month[scan_send]]
    click_send = np.repeat(scan_send, links)
    link = np.arange(click_send.size) - np.repeat(np.cumsum(links) - links, links)
    click_url = _LINK_URLS[send_month[click_send], link]
    click_time = send_time[click_send] + rng.integers(2, 7, click_send.size)
    view_time = click_time + rng.integers(0, 3, click_send.size)
    view_kind = np.where(
        click_url == URLS.index("/pricing"), T["pricing_page_view"], T["page_view"]
    )

    def nothing(size: int) -> np.ndarray:
        return np.full(size, -1, dtype=np.int8)

    def every(name: str, size: int) -> np.ndarray:
        return np.full(size, T[name], dtype=np.int8)

    parts = [  # (lead, when, kind, campaign, url): people first, then scanners
        (lead, when, kind, campaign, url),
        (send_lead[read_send], read_time, read_kind, send_month[read_send], read_url),
        (
            bounced,
            bounce_time,
            every("email_bounce", bounced.size),
            send_month[bounce_send],
            nothing(bounced.size),
        ),
        (send_lead, send_time, every("email_send", sends), send_month, nothing(sends)),
        (
            send_lead[scan_send],
            send_time[scan_send] + rng.integers(1, 4, scan_send.size),
            every("email_open", scan_send.size),
            send_month[scan_send],
            nothing(scan_send.size),
        ),
        (
            send_lead[click_send],
            click_time,
            every("email_click", click_send.size),
            send_month[click_send],
            click_url,
        ),
        (
            send_lead[click_send],
            view_time,
            view_kind,
            nothing(click_send.size),
            click_url,
        ),
    ]
    dtypes = (np.int32, np.int64, np.int8, np.int8, np.int8)
    columns = [
        np.concatenate(column, dtype=dtype)
        for column, dtype in zip(zip(*parts, strict=True), dtypes, strict=True)
    ]
    return _Rows(*columns, scanner_rows=scan_send.size + 2 * click_send.size)


def _activities_table(
    rng: np.random.Generator,
    state: dict,
    rows: _Rows,
    first_activity: int,
    first_scanner: int,
) -> pa.Table:
    lead, when, kind = rows.lead, rows.when, rows.kind
    count = lead.size
    humans = count - rows.scanner_rows
    numbers = np.arange(first_activity, first_activity + count)
    spelling = np.where(rng.random(count) < 0.12, rng.integers(1, 4, count), 0)
    page = kind == T["page_view"]
    url_index = np.where(page, rng.integers(0, len(PAGE_URLS), count), 0)
    for name, url in TYPE_URL.items():
        url_index = np.where(kind == T[name], URLS.index(url), url_index)
    linked = rows.url >= 0  # email links and the pages they lead to
    url_index = np.where(linked, rows.url, url_index)
    has_url = page | linked | np.isin(kind, [T[name] for name in TYPE_URL])
    emails = np.isin(
        kind,
        [
            T["email_send"],
            T["email_open"],
            T["email_click"],
            T["email_reply"],
            T["email_unsubscribe"],
            T["email_bounce"],
        ],
    )
    month = np.where(
        rows.campaign >= 0,
        rows.campaign,
        (
            when.astype("datetime64[s]").astype("datetime64[M]")
            - np.datetime64("2024-12", "M")
        ).astype(int),
    )
    downloads = kind == T["content_download"]
    webinars = np.isin(kind, [T["webinar_registration"], T["webinar_attended"]])
    asset_values = [*ASSETS, *WEBINARS]
    asset_index = np.where(
        downloads,
        rng.integers(0, len(ASSETS), count),
        len(ASSETS) + rng.integers(0, len(WEBINARS), count),
    )
    duration = np.where(
        page, rng.integers(5, 600, count), rng.integers(600, 3600, count)
    )
    duration[humans:] = rng.integers(0, 2, rows.scanner_rows)  # a scanner never stays
    has_duration = page | (kind == T["webinar_attended"])

    # Activities of leads that were deleted from the CRM since. Sends come
    # from the mail system and scanner rows are the tests' ground truth: both
    # always belong to a known lead.
    orphan = (rng.random(count) < 0.002) & (kind != T["email_send"])
    orphan[humans:] = False
    orphans = np.flatnonzero(orphan)
    lead_index = lead.copy()
    lead_index[orphans] = len(state["ids"]) + np.arange(orphans.size)
    lead_ids = pa.concat_arrays(
        [state["ids"], _ids("L9", numbers[orphans] % 1_000_000, 8)]
    ).take(pa.array(lead_index))
    activity_ids = pa.concat_arrays(
        [
            _ids("A", numbers[:humans] + 1, 10),
            _ids(
                "S", np.arange(first_scanner, first_scanner + rows.scanner_rows) + 1, 10
            ),
        ]
    )
    return pa.table(
        {
            "activity_id": activity_ids,
            "lead_id": lead_ids,
            "activity_type": _take(TYPE_SPELLINGS, kind * 4 + spelling),
            "occurred_at": _timestamps(when),
            "url": _take(URLS, url_index, has_url),
            "campaign": _take(
                ["newsletter-" + m for m in CAMPAIGN_MONTHS], month, emails
            ),
            "asset": _take(asset_values, asset_index, downloads | webinars),
            "duration_seconds": pa.array(duration, mask=~has_duration),
        }
    )


def _with_duplicates(rng: np.random.Generator, activities: pa.Table) -> pa.Table:
    """Re-delivered rows (about 2%), and the whole table out of time order."""
    rows = activities.num_rows
    repeated = np.flatnonzero(rng.random(rows) < 0.02)
    order = rng.permutation(rows + repeated.size)
    return pa.concat_tables([activities, activities.take(repeated)]).take(order)


def _opportunities(rng, state, converts_seen, conversion, first_opportunity):
    index = np.flatnonzero(converts_seen)
    created = conversion[index]
    end = WINDOW_END.astype(np.int64)
    closed = created + (rng.uniform(20, 120, index.size) * DAY).astype(np.int64)
    is_closed = closed < end
    won = rng.random(index.size) < 1 / (
        1 + np.exp(-(-0.4 + 0.5 * state["fit_effect"][index]))
    )
    open_stages = np.array(["discovery", "proposal", "negotiation"])
    stage = np.where(
        is_closed,
        np.where(won, "closed_won", "closed_lost"),
        open_stages[rng.integers(0, 3, index.size)],
    )
    amount = np.round(
        np.sqrt(state["employees"][index]) * rng.lognormal(7.5, 0.5, index.size), -2
    )
    numbers = np.arange(first_opportunity, first_opportunity + index.size)
    return pa.table(
        {
            "opportunity_id": _ids("O", numbers + 1, 8),
            "lead_id": state["ids"].take(pa.array(index)),
            "created_at": _timestamps(created),
            "stage": pa.array(stage),
            "is_won": pa.array(won & is_closed, mask=~is_closed),
            "closed_at": pa.array(
                closed.astype("datetime64[s]").astype("datetime64[us]"),
                mask=~is_closed,
            ),
            "amount": pa.array(amount),
        }
    )


def _sales_feedback(rng, state, converts_seen, conversion):
    count = len(state["created"])
    chosen = np.flatnonzero((rng.random(count) < 0.08) | converts_seen)
    created = state["created"][chosen]
    feedback = created + (rng.uniform(5, 60, chosen.size) * DAY).astype(np.int64)
    converted = converts_seen[chosen]
    feedback = np.where(
        converted, np.minimum(feedback, conversion[chosen] - DAY), feedback
    )
    bad = state["student"][chosen] | state["invalid_email"][chosen]
    draw = rng.random(chosen.size)
    disposition = np.where(
        converted,
        "accepted",
        np.where(
            bad,
            "rejected",
            np.where(
                draw < 0.5, "recycled", np.where(draw < 0.7, "rejected", "accepted")
            ),
        ),
    )
    reason = np.where(
        converted | (disposition == "accepted"),
        "Meeting booked",
        np.where(
            state["student"][chosen],
            "Student",
            np.where(
                state["invalid_email"][chosen],
                "Bad contact data",
                np.where(disposition == "recycled", "Not ready to buy", "No budget"),
            ),
        ),
    )
    keep = (feedback < WINDOW_END.astype(np.int64)) & (feedback > created)
    return pa.table(
        {
            "lead_id": state["ids"].take(pa.array(chosen[keep])),
            "feedback_at": _timestamps(feedback[keep]),
            "disposition": pa.array(disposition[keep]),
            "reason": pa.array(reason[keep]),
        }
    )


def generate(leads: int, seed: int = 42) -> Iterator[Tables]:
    """Yield the raw tables chunk by chunk, deterministically from `seed`."""
    next_activity = 0
    next_scanner = 0
    next_opportunity = 0
    for first in range(0, leads, CHUNK_LEADS):
        count = min(CHUNK_LEADS, leads - first)
        rng = np.random.default_rng([seed, first // CHUNK_LEADS])
        leads_table, state = _leads_chunk(rng, first, count)
        leads_table = pa.concat_tables(
            [leads_table, _superseded_copies(rng, leads_table)]
        )
        rows, converts_seen, conversion = _activity_rows(rng, state)
        scanner_rows = rows.scanner_rows
        activities = _activities_table(rng, state, rows, next_activity, next_scanner)
        del rows  # its arrays are in the table now
        next_activity += activities.num_rows - scanner_rows
        next_scanner += scanner_rows
        activities = _with_duplicates(rng, activities)
        opportunities = _opportunities(
            rng, state, converts_seen, conversion, next_opportunity
        )
        next_opportunity += opportunities.num_rows
        feedback = _sales_feedback(rng, state, converts_seen, conversion)
        yield Tables(leads_table, activities, opportunities, feedback)
        # One chunk in memory at a time: let this one go before the next.
        del leads_table, state, activities, opportunities, feedback


def prepare_output(out: Path) -> None:
    """Refuse to overwrite raw files that the generator did not write."""
    out.mkdir(parents=True, exist_ok=True)
    existing = [
        path
        for table in RAW_TABLES
        for path in (out / f"{table}.parquet", out / f"{table}.csv")
        if path.exists()
    ]
    if existing and not (out / GENERATED_MARKER).exists():
        names = ", ".join(str(path) for path in existing)
        raise SystemExit(
            f"{out} holds raw files the generator did not write ({names}). "
            "Move them away or pass another --out; nothing was changed."
        )
    for path in existing:
        path.unlink()
    (out / GENERATED_MARKER).write_text("written by scripts/generate_sample_data.py\n")


def _plain(table: pa.Table) -> pa.Table:
    """Dictionary columns decoded, for CSV."""
    return pa.table(
        {
            name: column.cast(column.type.value_type)
            if pa.types.is_dictionary(column.type)
            else column
            for name, column in zip(table.column_names, table.columns, strict=True)
        }
    )


def write(
    leads: int,
    out: Path,
    seed: int = 42,
    file_format: str = "parquet",
    progress: Callable[[str], None] = print,
) -> dict[str, int]:
    """Write every raw table to `out`; return the row count of each."""
    prepare_output(out)
    writers: dict[str, object] = {}
    counts = dict.fromkeys(RAW_TABLES, 0)
    try:
        for chunk_number, tables in enumerate(generate(leads, seed), start=1):
            for name in RAW_TABLES:
                table: pa.Table = getattr(tables, name)
                table = table.select(list(RAW_TABLES[name]))
                if file_format == "csv":
                    table = _plain(table)
                if name not in writers:
                    path = out / f"{name}.{file_format}"
                    writers[name] = (
                        pa_csv.CSVWriter(path, table.schema)
                        if file_format == "csv"
                        else pq.ParquetWriter(path, table.schema)
                    )
                writers[name].write_table(table)
                counts[name] += table.num_rows
            done = min(chunk_number * CHUNK_LEADS, leads)
            progress(
                f"  {done:,} of {leads:,} leads, {counts['activities']:,} activity rows"
            )
            del tables, table  # written: free them before the next chunk is made
    finally:
        for writer in writers.values():
            writer.close()
    return counts


def describe_window() -> str:
    start = datetime.fromisoformat(str(WINDOW_START))
    end = datetime.fromisoformat(str(WINDOW_END))
    return f"{start:%Y-%m-%d} to {end:%Y-%m-%d} (exclusive)"
