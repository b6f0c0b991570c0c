{#- One row per usable lead: who they are, as the CRM has them now. -#}
with

leads as (

    select * from {{ ref('int_leads_enriched') }}

),

leads_described as (

    select
        {{ lead_scoring.star_except(ref('int_leads_enriched'), []) }}
    from leads

)

select * from leads_described
