{{ config(materialized='table') }}
{#-
    One row per lead that is scored: who they are, as the CRM has them now,
    with seniority, department and email domain type (and every extra
    column of the raw leads file). Leads merged into another with the same
    email (leads_merged) are left out. Scoring reads this table, not the
    raw files.
-#}
with

leads as (

    select * from {{ ref('int_leads_enriched') }}

),

leads_merged as (

    select * from {{ ref('int_leads_merged') }}

),

surviving_leads as (

    select leads.*
    from leads
    inner join leads_merged
        on leads.lead_id = leads_merged.lead_id
    where leads_merged.is_survivor

)

select * from surviving_leads
