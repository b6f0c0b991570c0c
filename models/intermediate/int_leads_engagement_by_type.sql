{{ config(materialized='table') }}
{#
    Engagement per lead, scoring date and activity type: the decayed points
    summed, then capped at the type's max_points (in either direction for
    negative types), so one repeated action cannot inflate a score. A table:
    int_leads_as_of, the reasons and lead_scores all read it.
#}
with

activities as (

    select * from {{ ref('int_activities_decayed') }}

),

points_summed as (

    select
        lead_id,
        scored_as_of,
        activity_type,
        activity_label,
        max_points,
        count(*) as activity_count,
        max(occurred_at) as last_occurred_at,
        sum(decayed_points) as uncapped_points
    from activities
    group by 1, 2, 3, 4, 5

),

points_capped as (

    select
        *,
        case
            when max_points is null then uncapped_points
            when uncapped_points > max_points then max_points
            when uncapped_points < -max_points then -max_points
            else uncapped_points
        end as engagement_points,
        coalesce(
            uncapped_points > max_points or uncapped_points < -max_points,
            false
        ) as is_capped
    from points_summed

)

select * from points_capped
