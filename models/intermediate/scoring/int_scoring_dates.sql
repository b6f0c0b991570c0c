{{ config(materialized='table') }}
{#
    Every moment this run scores leads as of, one row each:
      is_current        scored_as_of itself (lead_scores)
      days_before       7 and 30 days before it, for score_change_7d/30d
      is_history_date   the start of each history period (day, week or
                        month: var lead_scoring__history_grain) up to
                        scored_as_of that lead_score_history does not hold
                        yet: those after the latest date it holds (so a
                        daily run scores one new date, and a run after a gap
                        fills the gap), or the current period's alone when
                        it holds none.
    With lead_scoring__history_backfill on, every missing date of the last
    lead_scoring__history_periods periods is scored from today's data, and
    a full refresh rescores them all: a reconstruction that multiplies the
    scoring work by the number of dates, so it is off by default.
    A backtest adds its dates and scores no history date, so its run
    leaves lead_score_history as it was:
      is_backtest_date  a calendar cut-off of var lead_scoring__backtest_dates
                        (up to scored_as_of): every lead is scored there
      is_lead_age_date  with var lead_scoring__backtest_lead_age_days, the
                        moment some lead reaches that age
                        (lead_age_scoring_moment); only those leads are
                        scored there unless scores_every_lead
    A table, so every model of a run sees the same dates. It reads
    lead_score_history's table by name (a ref would be a cycle).
#}
{%- set grain = var('lead_scoring__history_grain') | string | trim | lower -%}
{%- if grain not in ['day', 'week', 'month'] -%}
    {{ exceptions.raise_compiler_error(
        "lead_scoring__history_grain must be day, week or month; got: "
        ~ grain) }}
{%- endif -%}
{%- set periods = var('lead_scoring__history_periods') | int -%}
{%- if periods < 1 -%}
    {{ exceptions.raise_compiler_error(
        "lead_scoring__history_periods must be 1 or more; got: " ~ periods) }}
{%- endif -%}
{%- set backfill = lead_scoring.history_backfill() -%}
{%- set backtest_dates = lead_scoring.backtest_dates() -%}
{%- set lead_age_days = lead_scoring.backtest_lead_age_days() -%}
{%- set is_backtest = backtest_dates or lead_age_days is not none -%}
{%- set history = none -%}
{#- In a unit test the ref is a fixture with no schema: there is no history
    to read, the test says which dates to expect. -#}
{%- set in_unit_test = not ref('int_scoring_as_of').schema -%}
{%- if execute and not in_unit_test
    and not (backfill and flags.FULL_REFRESH) -%}
    {%- set history = adapter.get_relation(
        database=this.database, schema=this.schema,
        identifier='lead_score_history') -%}
{%- endif -%}
{%- set timestamp_type = api.Column.translate_type('timestamp') -%}

with

as_of as (

    select * from {{ ref('int_scoring_as_of') }}

),

leads as (

    select * from {{ ref('int_leads_deduplicated') }}

),

history_dates_held as (

    {% if history is not none -%}
        select distinct scored_as_of from {{ history }}
    {%- else -%}
        select cast(null as {{ timestamp_type }}) as scored_as_of
        where 1 = 0
    {%- endif %}

),

period_numbers as (

    {{ dbt.generate_series(periods) }}

),

history_dates as (

    select
        cast(
            {#- The interval in parentheses: dbt-spark multiplies it by 7
                for weeks as written, and 1 - n * 7 is not (1 - n) * 7. -#}
            {{ dbt.dateadd(
                grain, '(1 - period_numbers.generated_number)',
                dbt.date_trunc(grain, 'as_of.scored_as_of')) }}
            as {{ timestamp_type }}
        ) as scored_as_of,
        period_numbers.generated_number = 1 as is_current_period
    from as_of
    cross join period_numbers

),

latest_date_held as (

    select max(scored_as_of) as scored_as_of from history_dates_held

),

history_dates_missing as (

    select history_dates.scored_as_of
    from history_dates
    cross join latest_date_held
    left join history_dates_held
        on history_dates.scored_as_of = history_dates_held.scored_as_of
    where
        history_dates_held.scored_as_of is null
        {%- if not backfill %}
            and (
                history_dates.scored_as_of > latest_date_held.scored_as_of
                or (
                    latest_date_held.scored_as_of is null
                    and history_dates.is_current_period
                )
            )
        {%- endif %}

),

velocity_dates as (

    select
        cast(
            {{ dbt.dateadd('day', -7, 'scored_as_of') }}
            as {{ timestamp_type }}
        ) as scored_as_of,
        7 as days_before
    from as_of

    union all

    select
        cast(
            {{ dbt.dateadd('day', -30, 'scored_as_of') }}
            as {{ timestamp_type }}
        ) as scored_as_of,
        30 as days_before
    from as_of

),

backtest_cutoffs as (

    {% for cutoff in backtest_dates -%}
        select
            {{ lead_scoring.to_utc_timestamp("'" ~ cutoff ~ "'") }}
                as scored_as_of
        union all
    {% endfor -%}
    select cast(null as {{ timestamp_type }}) as scored_as_of
    where 1 = 0

),

lead_age_moments as (

    select distinct
        {% if lead_age_days is not none -%}
            {{ lead_scoring.lead_age_scoring_moment('created_at') }}
        {%- else -%}
            cast(null as {{ timestamp_type }})
        {%- endif %} as scored_as_of
    from leads
    {%- if lead_age_days is none %}
        where 1 = 0
    {%- endif %}

),

{# A backtest date after the current one is left out: the current date
    bounds what every model reads. #}
backtest_dates as (

    select
        backtest_cutoffs.scored_as_of,
        true as is_backtest_date,
        false as is_lead_age_date
    from backtest_cutoffs
    cross join as_of
    where backtest_cutoffs.scored_as_of <= as_of.scored_as_of

    union all

    select
        lead_age_moments.scored_as_of,
        false as is_backtest_date,
        true as is_lead_age_date
    from lead_age_moments
    cross join as_of
    where lead_age_moments.scored_as_of <= as_of.scored_as_of

),

dates_needed as (

    select
        scored_as_of,
        true as is_current,
        0 as days_before,
        false as is_history_date,
        false as is_backtest_date,
        false as is_lead_age_date
    from as_of

    union all

    select
        scored_as_of,
        false as is_current,
        days_before,
        false as is_history_date,
        false as is_backtest_date,
        false as is_lead_age_date
    from velocity_dates

    union all

    select
        scored_as_of,
        false as is_current,
        cast(null as {{ dbt.type_int() }}) as days_before,
        true as is_history_date,
        false as is_backtest_date,
        false as is_lead_age_date
    from history_dates_missing
    {%- if is_backtest %}
        where 1 = 0
    {%- endif %}

    union all

    select
        scored_as_of,
        false as is_current,
        cast(null as {{ dbt.type_int() }}) as days_before,
        false as is_history_date,
        is_backtest_date,
        is_lead_age_date
    from backtest_dates

),

dates_combined as (

    select
        scored_as_of,
        max(case when is_current then 1 else 0 end) = 1 as is_current,
        max(days_before) as days_before,
        max(case when is_history_date then 1 else 0 end) = 1
            as is_history_date,
        max(case when is_backtest_date then 1 else 0 end) = 1
            as is_backtest_date,
        max(case when is_lead_age_date then 1 else 0 end) = 1
            as is_lead_age_date,
        max(case when is_lead_age_date then 0 else 1 end) = 1
            as scores_every_lead
    from dates_needed
    group by 1

)

select * from dates_combined
