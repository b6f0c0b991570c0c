{{ config(materialized='view') }}
{#
    One row per lead that is scored: who they are, as the CRM has them now,
    with seniority, department and email domain type (and every extra
    column of the raw leads file). Leads merged into another with the same
    email (dim_lead_merges) are left out.
    A view: the rows live in int_leads_deduplicated, which the scoring reads;
    this mart publishes them under a name BI users and scripts know.
#}
with

leads_deduplicated as (

    select * from {{ ref('int_leads_deduplicated') }}

)

select * from leads_deduplicated
