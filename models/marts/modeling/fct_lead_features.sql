{{ config(materialized='view') }}
{#
    The model features of each lead at the current scoring date, one row
    per lead and feature: what scripts/fit.py reads and the predictive
    model is applied to. A view: the rows live in int_leads_featurized,
    which the scoring reads; this mart publishes them under a name BI users
    and scripts know. A backtest's dates are in fct_lead_backtest_features.
#}
with

leads_featurized as (

    select * from {{ ref('int_leads_featurized') }}

),

current_features as (

    select
        lead_id,
        feature_name,
        feature_kind,
        categorical_value,
        numeric_value,
        scored_as_of
    from leads_featurized
    where is_current

)

select * from current_features
