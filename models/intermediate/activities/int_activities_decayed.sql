{#
    For each scoring date, the activities a score as of it may use (those of
    int_activities_scoped with no exclusion_reason), each with its type's
    weight and its points decayed by age:
        decayed_points = points * 0.5 ^ (age_days / half_life_days)
    so an action is worth half as much one half-life later. A type missing
    from activity_weights scores 0 (and is reported in fct_data_quality_issues).
#}
with

activities as (

    select * from {{ ref('int_activities_scoped') }}

),

activity_weights as (

    select * from {{ ref('activity_weights') }}

),

activities_in_scope as (

    select
        activity_id,
        lead_id,
        activity_type,
        occurred_at,
        duration_seconds,
        scored_as_of,
        is_current,
        {{ lead_scoring.age_days('occurred_at', 'scored_as_of') }} as age_days
    from activities
    where exclusion_reason is null

),

activities_weighted as (

    select
        activities_in_scope.*,
        activity_weights.half_life_days,
        activity_weights.max_points,
        coalesce(
            activity_weights.activity_label, activities_in_scope.activity_type
        ) as activity_label,
        coalesce(activity_weights.points, 0) as base_points
    from activities_in_scope
    left join activity_weights
        on
            activities_in_scope.activity_type
            = lower(trim(activity_weights.activity_type))

),

activities_decayed as (

    select
        *,
        base_points
        * {{ lead_scoring.decay_factor('age_days', 'half_life_days') }}
            as decayed_points
    from activities_weighted

)

select * from activities_decayed
