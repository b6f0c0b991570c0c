{{ config(materialized='view') }}
{#
    One row per usable activity of a known lead, re-delivered copies
    removed (before merges, bot rules and the scoring date are applied).
    A view: the rows live in int_activities_deduplicated, which the scoring reads;
    this mart publishes them under a name BI users and scripts know.
#}
with

activities_deduplicated as (

    select * from {{ ref('int_activities_deduplicated') }}

)

select * from activities_deduplicated
