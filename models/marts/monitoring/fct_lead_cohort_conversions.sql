{{
    config(
        materialized=lead_scoring.cohort_conversions_materialization(),
        unique_key=['scored_as_of', 'cohort_dimension', 'cohort_value'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
{#
    Per history date (a cohort: the leads of lead_score_history scored on
    it) and per fit grade, per priority and for all its leads: how many
    leads without an opportunity at that date converted within
    lead_scoring__conversion_horizon_days after it, as fct_lead_outcomes
    counts a conversion (var lead_scoring__conversion_event). A lead's
    opportunities are credited to the lead it is merged into
    (int_opportunities_credited): a cohort lead merged later takes its
    survivor's outcome. is_horizon_observed: the data (latest activity or
    opportunity) reaches the horizon's end, so the figures are final.
    Incremental: a run recomputes the cohorts that were not final at the
    last run, and adds new dates; a final cohort is never read again (an
    opportunity that arrives after its horizon was observed, dated inside
    it, is not counted; a full refresh counts it). A cohort counted with
    another horizon or event than the vars' is not final: a run after
    such a change recounts every cohort by itself.
#}
{%- set horizon_days = var('lead_scoring__conversion_horizon_days') | int -%}
{%- set event = var('lead_scoring__conversion_event') | string | trim -%}
{%- if event not in ('opportunity_created', 'opportunity_won') -%}
    {{ exceptions.raise_compiler_error(
        "lead_scoring__conversion_event must be opportunity_created or "
        ~ "opportunity_won; got: " ~ event) }}
{%- endif -%}
{%- set double = lead_scoring.type_double() -%}
{%- set timestamp_type = api.Column.translate_type('timestamp') -%}

with

history as (

    select * from {{ ref('lead_score_history') }}

),

leads_merged as (

    select * from {{ ref('int_leads_merged') }}

),

opportunities as (

    select * from {{ ref('int_opportunities_credited') }}

),

lead_activities as (

    select * from {{ ref('int_activities_deduplicated') }}

),

cohorts_final as (

    {% if is_incremental() -%}
        select distinct scored_as_of
        from {{ this }}
        where
            is_horizon_observed
            and conversion_event = '{{ event }}'
            and horizon_ends_at = {{ dbt.dateadd(
                'day', horizon_days, 'scored_as_of') }}
    {%- else -%}
        select cast(null as {{ timestamp_type }}) as scored_as_of
        where 1 = 0
    {%- endif %}

),

cohort_leads as (

    select
        history.lead_id,
        history.scored_as_of,
        coalesce(history.fit_grade, '(missing)') as fit_grade,
        coalesce(history.priority, '(missing)') as priority,
        coalesce(history.has_opportunity, false) as had_opportunity_before,
        coalesce(leads_merged.survivor_lead_id, history.lead_id)
            as credited_lead_id,
        cast(
            {{ dbt.dateadd('day', horizon_days, 'history.scored_as_of') }}
            as {{ timestamp_type }}
        ) as horizon_ends_at
    from history
    left join leads_merged
        on history.lead_id = leads_merged.lead_id
    left join cohorts_final
        on history.scored_as_of = cohorts_final.scored_as_of
    where cohorts_final.scored_as_of is null

),

data_ends as (

    {{ lead_scoring.data_ends_at('lead_activities', 'opportunities') }}

),

conversions as (

    select distinct
        cohort_leads.lead_id,
        cohort_leads.scored_as_of
    from cohort_leads
    inner join opportunities
        on cohort_leads.credited_lead_id = opportunities.survivor_lead_id
    where
        {{ lead_scoring.converts_within(
            event, 'opportunities',
            'cohort_leads.scored_as_of', 'cohort_leads.horizon_ends_at') }}

),

leads_labelled as (

    select
        cohort_leads.*,
        not cohort_leads.had_opportunity_before as is_open,
        not cohort_leads.had_opportunity_before
        and conversions.lead_id is not null as has_converted,
        coalesce(data_ends.data_ends_at >= cohort_leads.horizon_ends_at, false)
            as is_horizon_observed
    from cohort_leads
    cross join data_ends
    left join conversions
        on
            cohort_leads.lead_id = conversions.lead_id
            and cohort_leads.scored_as_of = conversions.scored_as_of

),

leads_by_dimension as (

    select
        *,
        'all' as cohort_dimension,
        'all' as cohort_value
    from leads_labelled

    union all

    select
        *,
        'fit_grade' as cohort_dimension,
        fit_grade as cohort_value
    from leads_labelled

    union all

    select
        *,
        'priority' as cohort_dimension,
        priority as cohort_value
    from leads_labelled

),

cohort_counts as (

    select
        scored_as_of,
        cohort_dimension,
        cohort_value,
        horizon_ends_at,
        is_horizon_observed,
        cast(count(*) as {{ dbt.type_bigint() }}) as lead_count,
        cast(
            sum(case when is_open then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as open_lead_count,
        cast(
            sum(case when has_converted then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as converted_count
    from leads_by_dimension
    group by 1, 2, 3, 4, 5

),

cohort_conversions as (

    select
        scored_as_of,
        cast(scored_as_of as date) as scored_date,
        cohort_dimension,
        cohort_value,
        lead_count,
        open_lead_count,
        converted_count,
        {{ lead_scoring.round_to(
            'cast(converted_count as ' ~ double ~ ')'
            ~ ' / nullif(open_lead_count, 0)', 6) }} as conversion_rate,
        '{{ event }}' as conversion_event,
        horizon_ends_at,
        is_horizon_observed
    from cohort_counts

)

select * from cohort_conversions
