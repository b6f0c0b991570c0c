{#
    What happened to each lead in the horizon after `scored_as_of`, at the
    current scoring date of int_scoring_dates (fct_lead_outcomes) and at a
    backtest's dates (fct_lead_backtest_examples): the label a backtest
    measures scores against. This model looks past the cut-off on purpose;
    nothing that scores a lead reads it.

      converted_within_horizon  lead_scoring__conversion_event
                                'opportunity_created': an opportunity was
                                created in [scored_as_of, horizon_ends_at);
                                'opportunity_won': one was won (closed_at)
                                in that span
      horizon_ends_at           scored_as_of + lead_scoring__conversion_
                                horizon_days
      is_horizon_observed       the data reaches horizon_ends_at (its latest
                                activity or opportunity is at or after it),
                                so a 0 label means "did not convert", not
                                "not seen yet"
    Opportunities of leads merged into this one count for it.
#}
{%- set horizon_days = var('lead_scoring__conversion_horizon_days') | int -%}
{%- set event = var('lead_scoring__conversion_event') | string | trim -%}
{%- if event not in ('opportunity_created', 'opportunity_won') -%}
    {{ exceptions.raise_compiler_error(
        "lead_scoring__conversion_event must be opportunity_created or "
        ~ "opportunity_won; got: " ~ event) }}
{%- endif -%}

with

leads_at_all_dates as (

    select * from {{ ref('int_leads_as_of') }}

),

scoring_dates as (

    select * from {{ ref('int_scoring_dates') }}

),

opportunities as (

    select * from {{ ref('int_opportunities_credited') }}

),

lead_activities as (

    select * from {{ ref('int_activities_deduplicated') }}

),

horizons as (

    select
        leads_at_all_dates.lead_id,
        leads_at_all_dates.scored_as_of,
        leads_at_all_dates.created_at as lead_created_at,
        scoring_dates.is_current,
        leads_at_all_dates.has_opportunity as had_opportunity_before,
        {{ dbt.dateadd(
            'day', horizon_days, 'leads_at_all_dates.scored_as_of') }}
            as horizon_ends_at
    from leads_at_all_dates
    inner join scoring_dates
        on leads_at_all_dates.scored_as_of = scoring_dates.scored_as_of
    where
        scoring_dates.is_current
        or scoring_dates.is_backtest_date
        or scoring_dates.is_lead_age_date

),

data_ends as (

    {{ lead_scoring.data_ends_at('lead_activities', 'opportunities') }}

),

opportunities_in_horizon as (

    select
        horizons.lead_id,
        horizons.scored_as_of,
        min(
            case
                when opportunities.created_at >= horizons.scored_as_of
                    then opportunities.created_at
            end
        ) as first_opportunity_at,
        max(
            case
                when {{ lead_scoring.converts_within(
                    'opportunity_won', 'opportunities',
                    'horizons.scored_as_of', 'horizons.horizon_ends_at') }}
                    then 1
                else 0
            end
        ) as has_won
    from horizons
    inner join opportunities
        on horizons.lead_id = opportunities.survivor_lead_id
    where
        {{ lead_scoring.converts_within(
            'opportunity_created', 'opportunities',
            'horizons.scored_as_of', 'horizons.horizon_ends_at') }}
        or {{ lead_scoring.converts_within(
            'opportunity_won', 'opportunities',
            'horizons.scored_as_of', 'horizons.horizon_ends_at') }}
    group by 1, 2

),

outcomes as (

    select
        horizons.lead_id,
        horizons.scored_as_of,
        horizons.lead_created_at,
        horizons.is_current,
        horizons.horizon_ends_at,
        horizons.had_opportunity_before,
        opportunities_in_horizon.first_opportunity_at,
        {%- if event == 'opportunity_won' %}
            coalesce(opportunities_in_horizon.has_won, 0) = 1
        {%- else %}
            opportunities_in_horizon.first_opportunity_at is not null
        {%- endif %} as converted_within_horizon,
        coalesce(data_ends.data_ends_at >= horizons.horizon_ends_at, false)
            as is_horizon_observed
    from horizons
    cross join data_ends
    left join opportunities_in_horizon
        on
            horizons.lead_id = opportunities_in_horizon.lead_id
            and horizons.scored_as_of = opportunities_in_horizon.scored_as_of

)

select * from outcomes
