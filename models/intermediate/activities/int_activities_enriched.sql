{#-
    Every usable activity with whether its lead exists (and when that lead
    was created). Activities of unknown leads are reported in
    fct_data_quality_issues; the rest become int_activities_deduplicated.
-#}
with

activities as (

    select * from {{ ref('stg_marketing__activities') }}

),

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

activities_joined as (

    select
        activities.*,
        leads.created_at as lead_created_at,
        leads.lead_id is not null as is_known_lead
    from activities
    left join leads
        on activities.lead_id = leads.lead_id

)

select * from activities_joined
