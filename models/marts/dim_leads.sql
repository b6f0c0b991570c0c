{#-
    One row per lead that is scored: who they are, as the CRM has them now,
    with seniority, department and email domain type (and every extra
    column of the raw leads file). Leads merged into another with the same
    email (lead_merge_map) are left out. Scoring reads this table, not the
    raw files.
-#}
with

leads as (

    select * from {{ ref('int_leads_enriched') }}

),

lead_merge_map as (

    select * from {{ ref('lead_merge_map') }}

),

surviving_leads as (

    select leads.*
    from leads
    inner join lead_merge_map
        on leads.lead_id = lead_merge_map.lead_id
    where lead_merge_map.is_survivor

)

select * from surviving_leads
