{#
    What happened to each lead of lead_scores in the horizon after
    `scored_as_of` (the current scoring date): the label a backtest measures
    scores against, computed in int_leads_labelled. It looks past the
    cut-off on purpose; nothing that scores a lead reads it.
#}
with

leads_labelled as (

    select * from {{ ref('int_leads_labelled') }}

),

current_outcomes as (

    select
        lead_id,
        scored_as_of,
        horizon_ends_at,
        had_opportunity_before,
        first_opportunity_at,
        converted_within_horizon,
        is_horizon_observed
    from leads_labelled
    where is_current

)

select * from current_outcomes
