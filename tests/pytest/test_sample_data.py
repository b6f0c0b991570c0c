"""The sample-data generator: deterministic, in the contract's shape, messy
the way CRM exports are, and careful with folders it did not write."""

from __future__ import annotations

import csv
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from conftest import DEFAULT_LEADS, REPO_ROOT, generate
from lead_scoring import sample_data
from lead_scoring.contract import GENERATED_MARKER, RAW_TABLES

GENERATOR_SCRIPT = REPO_ROOT / "scripts" / "generate_sample_data.py"


def raw_query(raw_dir: Path, sql: str) -> list[tuple]:
    """Run `sql` with {leads}, {activities}, ... standing for the raw files."""
    files = {
        table: f"read_parquet('{raw_dir / table}.parquet')" for table in RAW_TABLES
    }
    with duckdb.connect() as connection:
        return connection.execute(sql.format(**files)).fetchall()


def raw_scalar(raw_dir: Path, sql: str):
    [(value,)] = raw_query(raw_dir, sql)
    return value


def read_tables(raw_dir: Path) -> dict[str, pa.Table]:
    return {table: pq.read_table(raw_dir / f"{table}.parquet") for table in RAW_TABLES}


# Determinism and shape


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    first = generate(tmp_path / "first", 400, seed=3)
    second = generate(tmp_path / "second", 400, seed=3)
    assert first == second
    for table in RAW_TABLES:
        name = f"{table}.parquet"
        assert pq.read_table(tmp_path / "first" / name).equals(
            pq.read_table(tmp_path / "second" / name)
        ), table
        assert (tmp_path / "first" / name).read_bytes() == (
            tmp_path / "second" / name
        ).read_bytes(), table


def test_different_seed_gives_different_data(tmp_path: Path) -> None:
    generate(tmp_path / "first", 400, seed=3)
    generate(tmp_path / "second", 400, seed=4)
    for table in ("leads", "activities", "opportunities"):
        name = f"{table}.parquet"
        assert not pq.read_table(tmp_path / "first" / name).equals(
            pq.read_table(tmp_path / "second" / name)
        ), table


def test_every_table_has_exactly_the_contract_columns(default_raw_dir: Path) -> None:
    for table, columns in RAW_TABLES.items():
        schema = pq.read_schema(default_raw_dir / f"{table}.parquet")
        assert tuple(schema.names) == columns, table


def test_generated_chunks_hold_the_contract_columns() -> None:
    for tables in sample_data.generate(50, seed=1):
        for table, columns in RAW_TABLES.items():
            assert set(columns) <= set(getattr(tables, table).column_names), table


def test_marker_file_is_written(default_raw_dir: Path) -> None:
    assert (default_raw_dir / GENERATED_MARKER).is_file()


def test_default_sample_has_sensible_sizes(default_raw_dir: Path) -> None:
    distinct_leads = raw_scalar(
        default_raw_dir, "select count(distinct lead_id) from {leads}"
    )
    lead_rows = raw_scalar(default_raw_dir, "select count(*) from {leads}")
    activities = raw_scalar(default_raw_dir, "select count(*) from {activities}")
    opportunities = raw_scalar(default_raw_dir, "select count(*) from {opportunities}")
    assert distinct_leads == DEFAULT_LEADS
    # superseded copies and id-less rows: a few percent more rows than leads
    assert DEFAULT_LEADS < lead_rows < DEFAULT_LEADS * 1.05
    # "a few hundred thousand" activities for 5,000 leads
    assert 150_000 <= activities <= 600_000, activities
    # a minority of leads convert, but enough to measure
    assert DEFAULT_LEADS * 0.03 <= opportunities <= DEFAULT_LEADS * 0.3, opportunities


def test_timestamps_lie_in_the_window(default_raw_dir: Path) -> None:
    start = str(sample_data.WINDOW_START).replace("T", " ")
    end = str(sample_data.WINDOW_END).replace("T", " ")
    for table, column in [
        ("leads", "created_at"),
        ("activities", "occurred_at"),
        ("opportunities", "created_at"),
    ]:
        low, high = raw_query(
            default_raw_dir,
            f"select min({column}), max({column}) from {{{table}}}",
        )[0]
        assert str(low) >= start, (table, low)
        assert str(high) < end, (table, high)


# The realistic mess


def test_leads_hold_free_mail_student_and_missing_titles(
    default_raw_dir: Path,
) -> None:
    free_mail = ", ".join(f"'{domain}'" for domain in sample_data.FREE_MAIL)
    free_mail_leads = raw_scalar(
        default_raw_dir,
        "select count(*) from {leads} "
        f"where split_part(email, '@', 2) in ({free_mail})",
    )
    student_titles = ", ".join(
        f"'{title}'" for title in sample_data.SENIORITIES["student"][2]
    )
    students = raw_scalar(
        default_raw_dir,
        f"select count(*) from {{leads}} where job_title in ({student_titles})",
    )
    no_title = raw_scalar(
        default_raw_dir, "select count(*) from {leads} where job_title is null"
    )
    assert free_mail_leads >= DEFAULT_LEADS * 0.05, free_mail_leads
    assert students >= DEFAULT_LEADS * 0.02, students
    assert no_title >= DEFAULT_LEADS * 0.03, no_title


def test_leads_hold_superseded_versions_and_rows_without_id(
    default_raw_dir: Path,
) -> None:
    repeated = raw_query(
        default_raw_dir,
        "select lead_id, count(*), count(distinct updated_at) from {leads} "
        "where lead_id is not null group by 1 having count(*) > 1",
    )
    assert len(repeated) >= 10
    # an older version is a different row, not an exact copy
    assert all(versions == copies for _, copies, versions in repeated)
    without_id = raw_scalar(
        default_raw_dir, "select count(*) from {leads} where lead_id is null"
    )
    assert without_id >= 1


def test_activities_hold_duplicates_mixed_spellings_and_orphans(
    default_raw_dir: Path,
) -> None:
    rows, distinct_ids = raw_query(
        default_raw_dir,
        "select count(*), count(distinct activity_id) from {activities}",
    )[0]
    assert rows - distinct_ids >= rows * 0.005, (rows, distinct_ids)

    mixed_case, padded, canonical = raw_query(
        default_raw_dir,
        "select"
        " count(*) filter (where activity_type <> lower(activity_type)),"
        " count(*) filter (where activity_type <> trim(activity_type)),"
        " count(*) filter (where activity_type = lower(trim(activity_type)))"
        " from {activities}",
    )[0]
    assert mixed_case > 0 and padded > 0 and canonical > rows / 2

    orphans = raw_scalar(
        default_raw_dir,
        "select count(*) from {activities} where lead_id not in "
        "(select lead_id from {leads} where lead_id is not null)",
    )
    assert orphans > 0


def test_activity_types_include_one_outside_the_weights(
    default_raw_dir: Path,
) -> None:
    weighted = {
        row["activity_type"]
        for row in csv.DictReader((REPO_ROOT / "seeds" / "activity_weights.csv").open())
    }
    types = {
        value
        for (value,) in raw_query(
            default_raw_dir,
            "select distinct lower(trim(activity_type)) from {activities}",
        )
    }
    assert types - weighted, "expected an activity type the weights do not know"
    assert weighted & types


def test_opportunities_belong_to_leads_and_follow_their_creation(
    default_raw_dir: Path,
) -> None:
    unknown, too_early = raw_query(
        default_raw_dir,
        "with lead_created as ("
        "  select lead_id, min(created_at) as created_at from {leads}"
        "  where lead_id is not null group by 1)"
        " select"
        "  count(*) filter (where lead_created.lead_id is null),"
        "  count(*) filter (where opportunities.created_at"
        "                   <= lead_created.created_at)"
        " from {opportunities} as opportunities"
        " left join lead_created using (lead_id)",
    )[0]
    assert unknown == 0
    assert too_early == 0


def test_opportunity_outcomes_are_consistent(default_raw_dir: Path) -> None:
    bad = raw_scalar(
        default_raw_dir,
        "select count(*) from {opportunities} where"
        " (closed_at is null) <> (is_won is null)"
        " or (closed_at is not null and closed_at <= created_at)"
        " or (is_won and stage <> 'closed_won')",
    )
    assert bad == 0


# Newsletter sends and mail scanners

# Activities once each (re-delivered copies dropped), types spelled one way,
# and each lead's creation: a prefix for the queries below.
_DEDUPED = (
    "with activities as ("
    "  select distinct activity_id, lead_id,"
    "   replace(lower(trim(activity_type)), ' ', '_') as activity_type,"
    "   occurred_at, url, campaign, duration_seconds"
    "  from {activities}),"
    " lead_created as ("
    "  select lead_id, min(created_at) as created_at, min(email) as email"
    "  from {leads} where lead_id is not null group by 1),"
    " sends as (select * from activities where activity_type = 'email_send'),"
    " human as (select * from activities where activity_id like 'A%'),"
    " scanner as (select * from activities where activity_id like 'S%') "
)
_STUDENT_TITLES = ", ".join(
    f"'{title}'" for title in sample_data.SENIORITIES["student"][2]
)
# Each newsletter's send slot, the first of its month at 10:00 UTC.
_SLOTS = (
    " slots as (select slot from range(timestamp '2024-12-01 10:00:00',"
    " timestamp '2026-08-01', interval 1 month) as months(slot)) "
)


def test_every_lead_gets_one_newsletter_a_month_from_creation(
    default_raw_dir: Path,
) -> None:
    spread = sample_data.SEND_SPREAD
    # campaign named after its month, sent on the 1st between 10:00 and 11:00
    misplaced, leads_with_two_jitters, leads_with_repeats = raw_query(
        default_raw_dir,
        _DEDUPED + ", per_lead as ("
        "  select lead_id, count(*) as sends, count(distinct campaign) as campaigns,"
        "   count(distinct occurred_at - date_trunc('month', occurred_at))"
        "    as offsets"
        "  from sends group by 1)"
        " select"
        "  (select count(*) from sends where"
        "   campaign <> 'newsletter-' || strftime(occurred_at, '%Y-%m')"
        "   or occurred_at - date_trunc('month', occurred_at)"
        f"    not between interval 10 hours and interval {10 * 3600 + spread - 1}"
        "    seconds),"
        "  (select count(*) from per_lead where offsets > 1),"
        "  (select count(*) from per_lead where campaigns <> sends)",
    )[0]
    assert misplaced == 0
    assert leads_with_two_jitters == 0, "each lead's copy leaves at one time"
    assert leads_with_repeats == 0, "one send per lead and newsletter"

    # Every slot after the lead's creation and before it unsubscribed or
    # bounced gets a send: at least the slots clear of the hour's spread, at
    # most the slots the spread can reach.
    counts = raw_query(
        default_raw_dir,
        _DEDUPED + "," + _SLOTS + ", stops as ("
        "  select lead_id, min(occurred_at) as stopped_at from activities"
        "  where activity_type in ('email_unsubscribe', 'email_bounce')"
        "  group by 1),"
        " per_lead as ("
        "  select lead_created.lead_id, lead_created.created_at,"
        f"   coalesce(stops.stopped_at, timestamp '{sample_data.WINDOW_END}')"
        "    as stopped_at,"
        "   (select count(*) from sends"
        "    where sends.lead_id = lead_created.lead_id) as sends"
        "  from lead_created left join stops using (lead_id))"
        " select per_lead.lead_id, per_lead.sends,"
        "  count(*) filter (where slots.slot > per_lead.created_at"
        f"   and slots.slot + interval {spread} seconds < per_lead.stopped_at),"
        f"  count(*) filter (where slots.slot + interval {spread} seconds"
        "   > per_lead.created_at and slots.slot < per_lead.stopped_at)"
        " from per_lead cross join slots group by 1, 2",
    )
    assert len(counts) == DEFAULT_LEADS
    too_many = [row for row in counts if row[1] > row[3]]
    too_few = [row for row in counts if row[1] < row[2]]
    assert not too_many, too_many[:5]
    # A lead whose unsubscribe row was orphaned (activities of deleted leads)
    # seems to stop early; that is all that may be missing.
    assert len(too_few) <= DEFAULT_LEADS * 0.002, too_few[:5]
    total = sum(row[1] for row in counts)
    assert 4 * DEFAULT_LEADS <= total <= 12 * DEFAULT_LEADS, total


def test_unsubscribed_and_bounced_leads_get_no_more_sends(
    default_raw_dir: Path,
) -> None:
    sends_after_stop, bounced, bounced_with_one_send = raw_query(
        default_raw_dir,
        _DEDUPED + ", stops as ("
        "  select lead_id, min(occurred_at) as stopped_at,"
        "   bool_or(activity_type = 'email_bounce') as bounced"
        "  from activities"
        "  where activity_type in ('email_unsubscribe', 'email_bounce')"
        "  group by 1)"
        " select"
        "  (select count(*) from sends inner join stops using (lead_id)"
        "   where sends.occurred_at > stops.stopped_at),"
        "  (select count(*) from stops where bounced),"
        "  (select count(*) from stops where bounced and 1 = ("
        "    select count(*) from sends where sends.lead_id = stops.lead_id))",
    )[0]
    assert sends_after_stop == 0
    assert bounced > 0
    assert bounced_with_one_send == bounced, "an invalid address bounces once"


def test_human_opens_and_clicks_follow_a_send_of_their_campaign(
    default_raw_dir: Path,
) -> None:
    reads, unanswered, median_open_delay = raw_query(
        default_raw_dir,
        _DEDUPED + ", reads as ("
        "  select human.*, ("
        "   select max(sends.occurred_at) from sends"
        "   where sends.lead_id = human.lead_id"
        "   and sends.campaign = human.campaign"
        "   and sends.occurred_at <= human.occurred_at - interval 60 seconds"
        "  ) as sent_at"
        "  from human inner join lead_created using (lead_id)"
        "  where human.activity_type in ('email_open', 'email_click'))"
        " select count(*), count(*) filter (where sent_at is null),"
        "  median(epoch(occurred_at - sent_at))"
        "   filter (where activity_type = 'email_open')"
        " from reads",
    )[0]
    assert reads > DEFAULT_LEADS * 5, reads
    assert unanswered == 0
    # minutes to days after the send: about a day
    assert 3 * 3600 <= median_open_delay <= 2 * 86_400, median_open_delay

    click_links = raw_query(
        default_raw_dir,
        _DEDUPED + "select campaign, url, count(*) from human"
        " where activity_type = 'email_click' group by 1, 2",
    )
    stray = [
        (campaign, url)
        for campaign, url, _ in click_links
        if url not in sample_data.NEWSLETTER_LINKS[campaign]
    ]
    assert not stray, stray[:5]


def test_scanner_rows_belong_to_business_domain_leads(default_raw_dir: Path) -> None:
    not_business = {
        *sample_data.FREE_MAIL,
        *sample_data.UNIVERSITIES,
        *sample_data.COMPETITORS,
    }
    scanned_students = raw_scalar(
        default_raw_dir,
        _DEDUPED + "select count(*) from scanner where lead_id in ("
        f" select lead_id from {{leads}} where job_title in ({_STUDENT_TITLES}))",
    )
    assert scanned_students == 0
    rows = raw_query(
        default_raw_dir,
        _DEDUPED + "select lead_created.lead_id,"
        "  lower(split_part(lead_created.email, '@', 2)) as domain,"
        "  count(*) as scanner_rows,"
        "  (select count(*) from human where human.lead_id = lead_created.lead_id"
        "   and human.activity_type <> 'email_send') as human_rows"
        " from scanner left join lead_created using (lead_id) group by 1, 2",
    )
    assert rows, "expected mail-scanner rows"
    assert all(lead_id is not None for lead_id, *_ in rows), "scanner rows' leads"
    bad = [row for row in rows if row[1] in not_business or "." not in row[1]]
    assert not bad, bad[:5]
    # scanner leads are people too: they browse like anybody else
    with_human_rows = sum(1 for *_, human_rows in rows if human_rows > 0)
    assert with_human_rows >= len(rows) * 0.8, (with_human_rows, len(rows))


def test_scanner_rows_come_seconds_after_a_send(default_raw_dir: Path) -> None:
    rows = raw_query(
        default_raw_dir,
        _DEDUPED + "select scanner.activity_type,"
        "  scanner.campaign is not null"
        "   and scanner.campaign = sends.campaign as same_campaign,"
        "  epoch(scanner.occurred_at - sends.occurred_at) as delay, count(*)"
        " from scanner asof left join sends"
        "  on scanner.lead_id = sends.lead_id"
        "  and scanner.occurred_at >= sends.occurred_at"
        " group by 1, 2, 3",
    )
    delays: dict[str, set] = {}
    for activity_type, same_campaign, delay, _ in rows:
        delays.setdefault(activity_type, set()).add(delay)
        if activity_type in ("email_open", "email_click"):
            assert same_campaign, (activity_type, delay)
    assert set(delays) == {
        "email_open",
        "email_click",
        "page_view",
        "pricing_page_view",
    }
    assert delays["email_open"] <= {1, 2, 3}, delays["email_open"]
    for activity_type in ("email_click", "page_view", "pricing_page_view"):
        assert delays[activity_type] <= set(range(2, 9)), activity_type


def test_scanners_open_every_send_and_click_every_link(default_raw_dir: Path) -> None:
    sends = raw_query(
        default_raw_dir,
        _DEDUPED + "select sends.lead_id, sends.campaign,"
        "  count(*) filter (where scanner.activity_type = 'email_open'),"
        "  list(distinct scanner.url) filter ("
        "   where scanner.activity_type = 'email_click'),"
        "  count(*) filter (where scanner.activity_type = 'email_click'),"
        "  list(distinct scanner.url) filter ("
        "   where scanner.activity_type in ('page_view', 'pricing_page_view')),"
        "  count(*) filter (where scanner.activity_type = 'pricing_page_view'),"
        "  count(*) filter (where scanner.activity_type in"
        "   ('page_view', 'pricing_page_view'))"
        " from sends inner join scanner"
        "  on scanner.lead_id = sends.lead_id"
        "  and scanner.occurred_at between sends.occurred_at"
        "   and sends.occurred_at + interval 8 seconds"
        " group by 1, 2",
    )
    assert sends
    for lead_id, campaign, opens, clicked, clicks, viewed, pricing, views in sends:
        links = set(sample_data.NEWSLETTER_LINKS[campaign])
        assert opens == 1, (lead_id, campaign)
        assert set(clicked) == links and clicks == len(links), (lead_id, campaign)
        assert set(viewed) == links and views == len(links), (lead_id, campaign)
        assert pricing == ("/pricing" in links), (lead_id, campaign)

    # A scanner sits at the domain: every send to any of its leads (students
    # aside) is hit.
    unscanned = raw_scalar(
        default_raw_dir,
        _DEDUPED + ", scanner_domains as ("
        "  select distinct lower(split_part(lead_created.email, '@', 2)) as domain"
        "  from scanner inner join lead_created using (lead_id))"
        " select count(*) from sends"
        " inner join lead_created using (lead_id)"
        " inner join scanner_domains"
        "  on lower(split_part(lead_created.email, '@', 2))"
        "   = scanner_domains.domain"
        " where sends.lead_id not in (select lead_id from {leads}"
        f"  where job_title in ({_STUDENT_TITLES}))"
        " and not exists (select 1 from scanner"
        "  where scanner.lead_id = sends.lead_id"
        "  and scanner.campaign = sends.campaign)",
    )
    assert unscanned == 0


def test_about_three_percent_of_business_domains_have_scanners(
    default_raw_dir: Path,
) -> None:
    not_business = ", ".join(
        f"'{domain}'"
        for domain in (
            *sample_data.FREE_MAIL,
            *sample_data.UNIVERSITIES,
            *sample_data.COMPETITORS,
        )
    )
    domains, scanned = raw_query(
        default_raw_dir,
        _DEDUPED + ", sent_domains as ("
        "  select lower(split_part(lead_created.email, '@', 2)) as domain,"
        "   bool_or(sends.lead_id in (select lead_id from scanner)) as scanned"
        "  from sends inner join lead_created using (lead_id)"
        "  group by 1)"
        " select count(*), count(*) filter (where scanned) from sent_domains"
        f" where domain like '%.%' and domain not in ({not_business})",
    )[0]
    assert domains >= 1000, domains
    assert 0.015 * domains <= scanned <= 0.05 * domains, (scanned, domains)


def test_a_thousand_leads_generate_fast(tmp_path: Path) -> None:
    started = time.perf_counter()
    counts = generate(tmp_path / "raw", 1000, seed=2)
    elapsed = time.perf_counter() - started
    assert counts["leads"] >= 1000
    assert elapsed < 5, f"1,000 leads took {elapsed:.1f}s"


# Output folder safety and formats


@pytest.mark.parametrize("foreign_file", ["leads.parquet", "activities.csv"])
def test_refuses_to_overwrite_files_it_did_not_write(
    tmp_path: Path, foreign_file: str
) -> None:
    out = tmp_path / "raw"
    out.mkdir()
    foreign = out / foreign_file
    foreign.write_bytes(b"somebody's real data")

    with pytest.raises(SystemExit) as raised:
        generate(out, 50, seed=1)

    message = str(raised.value.code)
    assert str(foreign) in message
    assert "did not write" in message and "--out" in message
    assert foreign.read_bytes() == b"somebody's real data"
    assert sorted(path.name for path in out.iterdir()) == [foreign_file]


def test_rewrites_its_own_folder_and_switches_format(tmp_path: Path) -> None:
    out = tmp_path / "raw"
    generate(out, 60, seed=1)
    counts = generate(out, 60, seed=1, file_format="csv")
    names = sorted(path.name for path in out.iterdir())
    assert names == sorted([GENERATED_MARKER, *(f"{t}.csv" for t in RAW_TABLES)])
    assert counts["leads"] >= 60


def test_csv_format_from_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "raw_csv"
    completed = subprocess.run(
        [
            sys.executable,
            str(GENERATOR_SCRIPT),
            "--leads",
            "200",
            "--seed",
            "5",
            "--out",
            str(out),
            "--format",
            "csv",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert completed.returncode == 0, completed.stderr
    assert "Wrote" in completed.stdout

    parquet_counts = generate(tmp_path / "raw_parquet", 200, seed=5)
    for table, columns in RAW_TABLES.items():
        with (out / f"{table}.csv").open(newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            rows = sum(1 for _ in reader)
        assert tuple(header) == columns, table
        assert rows == parquet_counts[table], table


def test_csv_holds_the_same_values_as_parquet(tmp_path: Path) -> None:
    generate(tmp_path / "csv", 300, seed=8, file_format="csv")
    generate(tmp_path / "parquet", 300, seed=8)
    for table in RAW_TABLES:
        parquet = pq.read_table(tmp_path / "parquet" / f"{table}.parquet")
        parquet = pa.table(
            {
                name: column.cast(column.type.value_type)
                if pa.types.is_dictionary(column.type)
                else column
                for name, column in zip(
                    parquet.column_names, parquet.columns, strict=True
                )
            }
        )
        from_csv = pa_csv.read_csv(
            tmp_path / "csv" / f"{table}.csv",
            convert_options=pa_csv.ConvertOptions(
                column_types=parquet.schema,
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
            ),
        )
        assert from_csv.equals(parquet), table


def test_command_line_rejects_zero_leads(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, str(GENERATOR_SCRIPT), "--leads", "0", "--out", "x"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert completed.returncode == 2
    assert "--leads must be at least 1" in completed.stderr
    assert not (tmp_path / "x").exists()


# Chunking


def test_default_chunk_covers_the_default_sample_in_one_go() -> None:
    assert sample_data.CHUNK_LEADS >= DEFAULT_LEADS
    assert len(list(sample_data.generate(DEFAULT_LEADS // 10, seed=1))) == 1


def test_many_chunks_keep_ids_unique(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sample_data, "CHUNK_LEADS", 100)
    progress: list[str] = []
    counts = sample_data.write(250, tmp_path, seed=11, progress=progress.append)
    assert len(progress) == 3, progress
    assert progress[-1].strip().startswith("250 of 250 leads")

    tables = read_tables(tmp_path)
    assert {name: table.num_rows for name, table in tables.items()} == counts

    lead_ids = set(tables["leads"].column("lead_id").drop_null().to_pylist())
    assert len(lead_ids) == 250

    [(activity_ids,)] = raw_query(
        tmp_path, "select count(distinct activity_id) from {activities}"
    )
    chunks = list(sample_data.generate(250, seed=11))
    assert len(chunks) == 3
    # activity ids continue from chunk to chunk: re-delivered copies aside,
    # every activity has its own id
    assert activity_ids == sum(
        len(set(chunk.activities.column("activity_id").to_pylist())) for chunk in chunks
    )
    opportunity_ids = tables["opportunities"].column("opportunity_id").to_pylist()
    assert len(opportunity_ids) == len(set(opportunity_ids))
    opportunity_leads = set(tables["opportunities"].column("lead_id").to_pylist())
    assert opportunity_leads <= lead_ids


def test_full_chunks_do_not_depend_on_the_total(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Chunk k is drawn from its own generator: growing the sample appends
    leads and leaves every complete chunk before it as it was."""
    monkeypatch.setattr(sample_data, "CHUNK_LEADS", 100)
    shorter = list(sample_data.generate(250, seed=11))
    longer = list(sample_data.generate(300, seed=11))
    for table in RAW_TABLES:
        for index in (0, 1):
            assert getattr(shorter[index], table).equals(
                getattr(longer[index], table)
            ), (table, index)
    assert shorter[2].leads.num_rows < longer[2].leads.num_rows
