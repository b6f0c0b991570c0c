{#
    Each usable sales verdict, credited to the lead it counts for: the
    survivor of its lead's merge (int_leads_merged). A verdict whose lead is
    not a usable lead is left out here (and reported in
    fct_data_quality_issues as unknown_lead).
#}
with

sales_feedback as (

    select * from {{ ref('stg_crm__sales_feedback') }}

),

leads_merged as (

    select * from {{ ref('int_leads_merged') }}

),

sales_feedback_credited as (

    select
        sales_feedback.*,
        leads_merged.survivor_lead_id
    from sales_feedback
    inner join leads_merged
        on sales_feedback.lead_id = leads_merged.lead_id

)

select * from sales_feedback_credited
