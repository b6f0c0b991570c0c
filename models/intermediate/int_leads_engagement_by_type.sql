{{ config(materialized='table') }}
{#
    Engagement per lead, scoring date and activity type: the decayed points
    summed, then capped at the type's max_points (in either direction for
    negative types), so one repeated action cannot inflate a score. Also
    the counts and durations lead_features uses, so the activities are read
    once. A table: int_leads_as_of, the reasons, lead_features and
    lead_scores all read it.
#}
with

activities as (

    select * from {{ ref('int_activities_decayed') }}

),

activity_weights as (

    select * from {{ ref('activity_weights') }}

),

points_summed as (

    select
        lead_id,
        scored_as_of,
        activity_type,
        count(*) as activity_count,
        count(case when age_days < 7 then 1 end) as activity_count_7d,
        count(case when age_days < 30 then 1 end) as activity_count_30d,
        sum(
            case
                when half_life_days > 0
                    then power(0.5, age_days / half_life_days)
                else 0
            end
        ) as decayed_count,
        sum(
            case
                when age_days < 30 then coalesce(duration_seconds, 0) else 0
            end
        ) as duration_seconds_30d,
        sum(coalesce(duration_seconds, 0)) as duration_seconds_all,
        max(occurred_at) as last_occurred_at,
        sum(decayed_points) as uncapped_points
    from activities
    group by 1, 2, 3

),

points_labelled as (

    select
        points_summed.*,
        activity_weights.max_points,
        coalesce(
            activity_weights.activity_label, points_summed.activity_type
        ) as activity_label
    from points_summed
    left join activity_weights
        on
            points_summed.activity_type
            = lower(trim(activity_weights.activity_type))

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
    from points_labelled

)

select * from points_capped
