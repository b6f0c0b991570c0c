{#
    Every usable activity with what scoring needs to know about it: whether
    its lead exists (and when it was created) and the weight of its type.
    Unknown types are kept with 0 points and reported in data_quality_issues.
#}
with

activities as (

    select * from {{ ref('stg_marketing__activities') }}

),

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

activity_weights as (

    select * from {{ ref('activity_weights') }}

),

activities_joined as (

    select
        activities.*,
        leads.created_at as lead_created_at,
        leads.lead_id is not null as is_known_lead,
        activity_weights.activity_type is not null as is_known_activity_type,
        coalesce(activity_weights.activity_label, activities.activity_type)
            as activity_label,
        coalesce(activity_weights.points, 0) as base_points,
        activity_weights.half_life_days,
        activity_weights.max_points
    from activities
    left join leads
        on activities.lead_id = leads.lead_id
    left join activity_weights
        on activities.activity_type = lower(trim(activity_weights.activity_type))

)

select * from activities_joined
