{#-
    One row per usable lead: who they are, as the CRM has them now, with
    seniority, department and email domain type (and every extra column of
    the raw leads file). Scoring reads this table, not the raw files.
-#}
with

leads as (

    select * from {{ ref('int_leads_enriched') }}

)

select * from leads
