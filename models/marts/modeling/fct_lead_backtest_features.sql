{{ config(materialized='view') }}
{#
    The model features of each lead at each backtest date of this run
    (int_scoring_dates: is_backtest_date, is_lead_age_date), one row per
    lead, date and feature, as fct_lead_features has them for the current
    date. What scripts/backtest.py fits and tests on; empty unless the run
    was given backtest dates. A view of int_leads_featurized's rows.
#}
with

scoring_dates as (

    select * from {{ ref('int_scoring_dates') }}

),

leads_featurized as (

    select * from {{ ref('int_leads_featurized') }}

),

backtest_features as (

    select
        leads_featurized.lead_id,
        leads_featurized.feature_name,
        leads_featurized.feature_kind,
        leads_featurized.categorical_value,
        leads_featurized.numeric_value,
        leads_featurized.scored_as_of
    from leads_featurized
    inner join scoring_dates
        on leads_featurized.scored_as_of = scoring_dates.scored_as_of
    where scoring_dates.is_backtest_date or scoring_dates.is_lead_age_date

)

select * from backtest_features
