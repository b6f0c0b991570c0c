{#
    The activities a score as of `scored_as_of` may use (known lead created
    before it, activity before it), each with its points decayed by age:
        decayed_points = points * 0.5 ^ (age_days / half_life_days)
    so an action is worth half as much one half-life later.
#}
with

activities as (

    select * from {{ ref('int_activities_enriched') }}

),

as_of as (

    select * from {{ ref('int_scoring_as_of') }}

),

activities_in_scope as (

    select
        activities.activity_id,
        activities.lead_id,
        activities.activity_type,
        activities.activity_label,
        activities.occurred_at,
        activities.base_points,
        activities.half_life_days,
        activities.max_points,
        as_of.scored_as_of,
        {{ dbt.datediff('activities.occurred_at', 'as_of.scored_as_of',
            'second') }} / 86400.0 as age_days
    from activities
    cross join as_of
    where
        activities.is_known_lead
        and activities.lead_created_at < as_of.scored_as_of
        and activities.occurred_at < as_of.scored_as_of

),

activities_decayed as (

    select
        *,
        case
            when half_life_days > 0
                then base_points * power(0.5, age_days / half_life_days)
            else 0
        end as decayed_points
    from activities_in_scope

)

select * from activities_decayed
