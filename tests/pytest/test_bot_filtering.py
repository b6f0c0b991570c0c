"""Mail-scanner traffic must not create sales-ready leads.

The generator gives about 3% of business domains an email-security scanner
that opens every newsletter, clicks every link and fetches every page within
seconds of delivery; its rows (and only its rows) have activity ids starting
with 'S', a ground truth the dbt models never look at. Three builds of one
sample: with the bot filter (the default), without it, and on the same raw
data with the scanner rows removed (what the leads really did).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import Build, build

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def human_raw_dir(
    tmp_path_factory: pytest.TempPathFactory, default_raw_dir: Path
) -> Path:
    """The same raw files with every scanner row taken out."""
    raw_dir = tmp_path_factory.mktemp("human_raw")
    for path in default_raw_dir.glob("*.parquet"):
        table = pq.read_table(path)
        if path.stem == "activities":
            is_scanner = pc.starts_with(table.column("activity_id"), "S")
            table = table.filter(pc.invert(pc.fill_null(is_scanner, False)))
        pq.write_table(table, raw_dir / path.name)
    return raw_dir


def _built(
    work_dir: Path, raw_dir: Path, *, data_tests: bool = True, **dbt_vars: object
) -> Build:
    built = build(
        work_dir,
        raw_dir,
        dbt_vars=dbt_vars or None,
        unit_tests=False,
        data_tests=data_tests,
    )
    built.require_success()
    return built


@pytest.fixture(scope="module")
def filtered(default_build: Build) -> Build:
    default_build.require_success()
    return default_build


@pytest.fixture(scope="module")
def unfiltered(
    tmp_path_factory: pytest.TempPathFactory, default_raw_dir: Path
) -> Build:
    return _built(
        tmp_path_factory.mktemp("unfiltered"),
        default_raw_dir,
        lead_scoring__bot_filter_enabled=False,
    )


@pytest.fixture(scope="module")
def human_only(tmp_path_factory: pytest.TempPathFactory, human_raw_dir: Path) -> Build:
    # A reference: the same data less the scanner rows, with the default
    # settings the default build runs the data tests with.
    return _built(
        tmp_path_factory.mktemp("human_only"), human_raw_dir, data_tests=False
    )


def sales_ready(built: Build) -> set[str]:
    return {
        lead_id
        for (lead_id,) in built.query(
            "select lead_id from lead_scores where is_sales_ready"
        )
    }


def test_the_sample_holds_scanner_traffic(filtered: Build) -> None:
    scanner_rows = filtered.scalar(
        "select count(*) from fct_lead_activities where activity_id like 'S%'"
    )
    scanner_leads = filtered.scalar(
        "select count(distinct lead_id) from fct_lead_activities"
        " where activity_id like 'S%'"
    )
    print(f"\n{scanner_rows:,} scanner activities of {scanner_leads:,} leads")
    assert scanner_rows > 1000
    assert scanner_leads > 20


def test_scanner_activity_is_flagged_and_little_else(filtered: Build) -> None:
    [(scanner, flagged, caught)] = filtered.query(
        """
        select
            count(*) filter (where activities.activity_id like 'S%'),
            count(flags.activity_id),
            count(flags.activity_id)
                filter (where activities.activity_id like 'S%')
        from fct_lead_activities as activities
        left join int_activities_bot_flagged as flags
            on activities.activity_id = flags.activity_id
        where activities.activity_type != 'email_send'
        """
    )
    recall, precision = caught / scanner, caught / flagged
    print(f"\nrecall {recall:.4f} ({caught:,} of {scanner:,} scanner rows),")
    print(f"precision {precision:.4f} ({caught:,} of {flagged:,} flagged rows)")
    assert recall >= 0.99
    assert precision >= 0.99


def test_without_the_filter_scanners_make_false_mqls(
    unfiltered: Build, human_only: Build
) -> None:
    false_mqls = sales_ready(unfiltered) - sales_ready(human_only)
    print(f"\n{len(false_mqls)} leads sales-ready only because of a scanner")
    assert false_mqls


def test_with_the_filter_scanners_make_no_mqls(
    filtered: Build, human_only: Build
) -> None:
    assert sales_ready(filtered) == sales_ready(human_only)


def test_with_the_filter_every_score_is_what_the_people_earned(
    filtered: Build, human_only: Build
) -> None:
    """Scores equal those of the data without the scanner rows."""
    sql = "select lead_id, lead_score, scored_as_of from lead_scores"
    with_filter = {lead_id: rest for lead_id, *rest in filtered.query(sql)}
    people_only = {lead_id: rest for lead_id, *rest in human_only.query(sql)}
    assert with_filter.keys() == people_only.keys()
    differ = [
        lead_id
        for lead_id, (score, as_of) in with_filter.items()
        if as_of != people_only[lead_id][1]
        or abs(score - people_only[lead_id][0]) > 1e-9
    ]
    assert differ == []


def test_bot_activity_is_counted_and_quarantined(filtered: Build) -> None:
    mismatched = filtered.query(
        """
        with flagged as (
            select lead_id, count(*) as bot_rows
            from int_activities_scoped
            where exclusion_reason = 'bot_activity' and is_current
            group by 1
        ),
        quarantined as (
            select count(*) as bot_rows
            from fct_data_quality_issues
            where reason_code = 'bot_activity' and is_excluded_from_scores
        )
        select lead_scores.lead_id, lead_scores.bot_activity_count,
            flagged.bot_rows
        from lead_scores
        left join flagged on lead_scores.lead_id = flagged.lead_id
        where lead_scores.bot_activity_count != coalesce(flagged.bot_rows, 0)
        union all
        select 'total', (select sum(bot_activity_count) from lead_scores),
            quarantined.bot_rows
        from quarantined
        where quarantined.bot_rows
            != (select sum(bot_activity_count) from lead_scores)
        """
    )
    assert mismatched == []
    assert filtered.scalar("select sum(bot_activity_count) from lead_scores") > 0
