{{ config(materialized='table') }}
{#
    Engagement per lead, scoring date and activity type: the decayed points
    summed, then capped at the type's max_points (in either direction for
    negative types), so one repeated action cannot inflate a score. Also
    the counts and durations int_leads_featurized uses, so the activities are read
    once. A table: int_leads_as_of, the reasons, int_leads_featurized and
    lead_scores all read it.

    The sums are the same as summing int_activities_decayed (an activity's
    points times 0.5 ^ (age_days / half_life_days), per scoring date), but
    each activity is read once, not once per scoring date:
      1. The scoring dates and the starts of their 7- and 30-day windows cut
         time into segments. Within a segment every activity is counted, or
         not, alike by every date: before it or not, in its 7 or 30 days or
         not.
      2. Each lead's activities of a type are summed per segment, decayed to
         e, the first scoring date the segment is before:
         sum of 0.5 ^ (age_days(t, e) / half-life).
      3. A date d takes every segment that ends at or before it, decayed on
         from e to d: 0.5 ^ (age_days(t, d) / h) is
         0.5 ^ (age_days(t, e) / h) * 0.5 ^ (age_days(e, d) / h), as ages
         count whole seconds and add up exactly.
    A type activity_weights does not list scores 0 points, but its decayed
    count (a model feature, from which scripts/fit.py learns its points) is
    decayed with lead_scoring__default_half_life_days.
    Only the float's last bits can differ from a sum per activity (none at
    e itself, where the second factor is 1). The unit tests put activities
    on and beside every cut; tests/pytest/test_end_to_end.py compares the
    table with int_activities_decayed summed, on generated data, at every
    scoring date (not a data test: that would cost what the fan-out cost).
#}
with

activities as (

    select * from {{ ref('int_activities_scoped') }}

),

scoring_dates as (

    select * from {{ ref('int_scoring_dates') }}

),

activity_weights as (

    select * from {{ ref('activity_weights') }}

),

{# Every activity some date may use is one the current date may use: an
    earlier date uses those before it whose lead existed by then. #}
activities_usable as (

    select
        lead_id,
        lead_created_at,
        activity_type,
        occurred_at,
        duration_seconds
    from activities
    where is_current and exclusion_reason is null

),

cuts as (

    select scored_as_of as cut_at from scoring_dates
    union
    select {{ lead_scoring.window_start('scored_as_of', 7) }} as cut_at
    from scoring_dates
    union
    select {{ lead_scoring.window_start('scored_as_of', 30) }} as cut_at
    from scoring_dates

),

{# From one cut up to the next; the first has no start. The last ends at
    the current date, which every usable activity is before. #}
segments as (

    select
        cut_at as segment_end,
        lag(cut_at) over (order by cut_at) as segment_start
    from cuts

),

{# Which segments each date takes (those ending at or before it), and
    whether they lie in its last 7 and 30 days (a window starts at a cut,
    so a segment is wholly in it or wholly out). decayed_to: the first
    date that takes the segment, the one its sums are decayed to. #}
segments_dated as (

    select
        segments.segment_start,
        segments.segment_end,
        scoring_dates.scored_as_of,
        scoring_dates.scores_every_lead,
        min(scoring_dates.scored_as_of)
            over (partition by segments.segment_end)
            as decayed_to,
        coalesce(
            segments.segment_start >= {{ lead_scoring.window_start(
                'scoring_dates.scored_as_of', 7) }},
            false
        ) as is_within_7d,
        coalesce(
            segments.segment_start >= {{ lead_scoring.window_start(
                'scoring_dates.scored_as_of', 30) }},
            false
        ) as is_within_30d
    from segments
    inner join scoring_dates
        on segments.segment_end <= scoring_dates.scored_as_of

),

segments_decayed_to as (

    select
        segment_start,
        segment_end,
        decayed_to
    from segments_dated
    where scored_as_of = decayed_to

),

activities_segmented as (

    select
        activities_usable.lead_id,
        activities_usable.lead_created_at,
        activities_usable.activity_type,
        activities_usable.occurred_at,
        activities_usable.duration_seconds,
        coalesce(
            activity_weights.half_life_days,
            {{ var('lead_scoring__default_half_life_days') }}
        ) as half_life_days,
        segments_decayed_to.segment_end,
        {{ lead_scoring.age_days(
            'activities_usable.occurred_at', 'segments_decayed_to.decayed_to') }}
            as age_days_at_decayed_to
    from activities_usable
    inner join segments_decayed_to
        on
            activities_usable.occurred_at < segments_decayed_to.segment_end
            and (
                segments_decayed_to.segment_start is null
                or activities_usable.occurred_at
                >= segments_decayed_to.segment_start
            )
    left join activity_weights
        on
            activities_usable.activity_type
            = lower(trim(activity_weights.activity_type))

),

segment_sums as (

    select
        lead_id,
        activity_type,
        segment_end,
        max(lead_created_at) as lead_created_at,
        max(half_life_days) as half_life_days,
        count(*) as activity_count,
        sum(
            {{ lead_scoring.decay_factor(
                'age_days_at_decayed_to', 'half_life_days') }}
        ) as decayed_count_at_decayed_to,
        sum(coalesce(duration_seconds, 0)) as duration_seconds,
        max(occurred_at) as last_occurred_at
    from activities_segmented
    group by 1, 2, 3

),

points_summed as (

    select
        segment_sums.lead_id,
        segments_dated.scored_as_of,
        segment_sums.activity_type,
        cast(sum(segment_sums.activity_count) as {{ dbt.type_bigint() }})
            as activity_count,
        cast(sum(
            case
                when segments_dated.is_within_7d
                    then segment_sums.activity_count
                else 0
            end
        ) as {{ dbt.type_bigint() }}) as activity_count_7d,
        cast(sum(
            case
                when segments_dated.is_within_30d
                    then segment_sums.activity_count
                else 0
            end
        ) as {{ dbt.type_bigint() }}) as activity_count_30d,
        sum(
            segment_sums.decayed_count_at_decayed_to
            * {{ lead_scoring.decay_factor(
                lead_scoring.age_days(
                    'segments_dated.decayed_to', 'segments_dated.scored_as_of'),
                'segment_sums.half_life_days') }}
        ) as decayed_count,
        sum(
            case
                when segments_dated.is_within_30d
                    then segment_sums.duration_seconds
                else 0
            end
        ) as duration_seconds_30d,
        sum(segment_sums.duration_seconds) as duration_seconds_all,
        max(segment_sums.last_occurred_at) as last_occurred_at
    from segment_sums
    inner join segments_dated
        on segment_sums.segment_end = segments_dated.segment_end
    {#- A lead created at or after a date has no score as of it (created_at
        is never null: int_leads_deduplicated' test), nor has one at a
        lead-age date of another age (date_scores_lead). #}
    where {{ lead_scoring.date_scores_lead(
        'segment_sums.lead_created_at', 'segments_dated') }}
    group by 1, 2, 3

),

points_labelled as (

    select
        points_summed.*,
        activity_weights.max_points,
        coalesce(
            activity_weights.activity_label, points_summed.activity_type
        ) as activity_label,
        coalesce(activity_weights.points, 0) * points_summed.decayed_count
            as uncapped_points
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
