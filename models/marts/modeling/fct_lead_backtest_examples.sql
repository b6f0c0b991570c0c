{#
    One row per lead and backtest date of this run (int_scoring_dates:
    is_backtest_date, is_lead_age_date): the lead's scores as lead_scores
    would have shown them then, and what happened in the horizon after
    (int_leads_labelled). What scripts/backtest.py reads; empty unless the
    run was given var lead_scoring__backtest_dates or
    lead_scoring__backtest_lead_age_days, so every cut-off is scored in one
    run and lead_score_history is left alone.
      is_at_lead_age  the lead is scored at its backtest age here
                      (lead_age_scoring_moment of its created_at)
#}
{%- set lead_age_days = lead_scoring.backtest_lead_age_days() -%}

with

scoring_dates as (

    select * from {{ ref('int_scoring_dates') }}

),

leads_scored as (

    select * from {{ ref('int_leads_scored') }}

),

predictions as (

    select * from {{ ref('int_leads_predicted') }}

),

leads_labelled as (

    select * from {{ ref('int_leads_labelled') }}

),

backtest_dates as (

    select
        scored_as_of,
        is_backtest_date
    from scoring_dates
    where is_backtest_date or is_lead_age_date

),

examples as (

    select
        leads_labelled.lead_id,
        leads_labelled.scored_as_of,
        leads_labelled.lead_created_at,
        backtest_dates.is_backtest_date,
        {% if lead_age_days is not none -%}
            {{ lead_scoring.lead_age_scoring_moment(
                'leads_labelled.lead_created_at') }}
            = leads_labelled.scored_as_of
        {%- else -%}
            false
        {%- endif %} as is_at_lead_age,
        leads_scored.lead_score,
        leads_scored.fit_score,
        leads_scored.engagement_score,
        leads_scored.fit_grade,
        leads_scored.engagement_tier,
        leads_scored.priority,
        leads_scored.is_sales_ready,
        predictions.conversion_probability,
        predictions.predictive_grade,
        leads_labelled.had_opportunity_before,
        leads_labelled.first_opportunity_at,
        leads_labelled.horizon_ends_at,
        leads_labelled.converted_within_horizon,
        leads_labelled.is_horizon_observed
    from leads_labelled
    inner join backtest_dates
        on leads_labelled.scored_as_of = backtest_dates.scored_as_of
    inner join leads_scored
        on
            leads_labelled.lead_id = leads_scored.lead_id
            and leads_labelled.scored_as_of = leads_scored.scored_as_of
    left join predictions
        on
            leads_labelled.lead_id = predictions.lead_id
            and leads_labelled.scored_as_of = predictions.scored_as_of

)

select * from examples
