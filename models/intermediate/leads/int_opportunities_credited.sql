{#
    Each usable opportunity, credited to the lead it counts for: the
    survivor of its lead's merge (int_leads_merged), so an opportunity of a
    lead merged into another counts for the one that is scored. An
    opportunity whose lead is not a usable lead is left out here (and
    reported in fct_data_quality_issues as unknown_lead).
#}
with

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

leads_merged as (

    select * from {{ ref('int_leads_merged') }}

),

opportunities_credited as (

    select
        opportunities.*,
        leads_merged.survivor_lead_id
    from opportunities
    inner join leads_merged
        on opportunities.lead_id = leads_merged.lead_id

)

select * from opportunities_credited
