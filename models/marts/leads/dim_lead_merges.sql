{{ config(materialized='view') }}
{#
    Which lead each usable lead is scored as: leads with the same
    normalised email are merged into the one created first. A reverse-ETL
    tool can read it to merge the same leads in the CRM.
    A view: the rows live in int_leads_merged, which the scoring reads;
    this mart publishes them under a name BI users and scripts know.
#}
with

leads_merged as (

    select * from {{ ref('int_leads_merged') }}

)

select * from leads_merged
