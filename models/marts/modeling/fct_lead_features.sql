{{ config(materialized='view') }}
{#
    The model features of each lead at the current scoring date, one row
    per lead and feature: what scripts/fit.py and scripts/backtest.py read.
    A view: the rows live in int_leads_featurized, which the scoring reads;
    this mart publishes them under a name BI users and scripts know.
#}
with

leads_featurized as (

    select * from {{ ref('int_leads_featurized') }}

)

select * from leads_featurized
