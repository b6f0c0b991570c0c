{{
    config(
        materialized='incremental',
        unique_key=['lead_id', 'scored_as_of'],
        incremental_strategy=lead_scoring.add_only_incremental_strategy(),
        on_schema_change='fail',
        full_refresh=(none if lead_scoring.history_backfill() else false),
    )
}}
{#
    One row per lead per history date: the start of each day, week or month
    (var lead_scoring__history_grain), each scored from the data known
    before it, exactly as a build with lead_scoring__as_of_date set to that
    date scores it. Incremental: a run adds the dates the table does not
    hold yet (int_scoring_dates picks them) and never rescores the past, so
    a row keeps what was known when it was written. The history starts at
    the first build and `--full-refresh` leaves it alone (full_refresh is
    off): it is a record, not a cache. With lead_scoring__history_backfill
    on, missing dates of the last lead_scoring__history_periods periods are
    reconstructed from today's data, and a full refresh rebuilds them
    (full_refresh is then none, following the flag: true would rebuild the
    table on every run, from a run that scores no history date, and empty
    it).
#}
with

leads_scored as (

    select * from {{ ref('int_leads_scored') }}

),

scoring_dates as (

    select * from {{ ref('int_scoring_dates') }}

),

history_rows as (

    select
        leads_scored.lead_id,
        leads_scored.scored_as_of,
        cast(leads_scored.scored_as_of as date) as scored_date,
        leads_scored.fit_points,
        leads_scored.fit_score,
        leads_scored.fit_grade,
        leads_scored.engagement_points,
        leads_scored.engagement_score,
        leads_scored.engagement_tier,
        leads_scored.lead_score,
        leads_scored.priority,
        leads_scored.is_sales_ready,
        leads_scored.is_disqualified,
        leads_scored.top_reasons,
        leads_scored.activity_count,
        leads_scored.has_opportunity,
        leads_scored.scoring_version
    from leads_scored
    inner join scoring_dates
        on leads_scored.scored_as_of = scoring_dates.scored_as_of
    where scoring_dates.is_history_date

)

select * from history_rows
