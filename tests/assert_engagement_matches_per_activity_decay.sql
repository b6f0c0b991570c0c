{#- int_leads_engagement_by_type sums each lead's activities once per
    segment between cuts and decays the sums on to each scoring date; this
    checks it against the plain sum of int_activities_decayed (each activity
    decayed to each date) for a sample of leads: the same rows, counts,
    durations and latest activity, and decayed counts equal to within a
    billionth (the two sum floats in another order). The sample is the 200
    leads with the most recent activity, so recent ones, near the cuts,
    are in it, plus the 200 first lead ids, a stable spread of the rest. A
    sample keeps the test cheap: the view it reads is activities times
    dates (checking every lead would cost as much as the model). -#}
with

engagement as (

    select * from {{ ref('int_leads_engagement_by_type') }}

),

decayed as (

    select * from {{ ref('int_activities_decayed') }}

),

leads_by_recency as (

    select
        lead_id,
        max(last_occurred_at) as last_occurred_at
    from engagement
    group by 1

),

sampled_leads as (

    select lead_id
    from (
        select
            lead_id,
            last_occurred_at
        from leads_by_recency
        order by 2 desc, 1 asc
        limit 200
    ) as most_recent

    union

    select lead_id
    from (
        select lead_id
        from leads_by_recency
        order by 1 asc
        limit 200
    ) as first_ids

),

expected as (

    select
        decayed.lead_id,
        decayed.scored_as_of,
        decayed.activity_type,
        count(*) as activity_count,
        sum(case when decayed.age_days < 7 then 1 else 0 end)
            as activity_count_7d,
        sum(case when decayed.age_days < 30 then 1 else 0 end)
            as activity_count_30d,
        sum(
            case
                when decayed.age_days < 30
                    then coalesce(decayed.duration_seconds, 0)
                else 0
            end
        ) as duration_seconds_30d,
        sum(coalesce(decayed.duration_seconds, 0)) as duration_seconds_all,
        max(decayed.occurred_at) as last_occurred_at,
        sum(decayed.decayed_points) as uncapped_points
    from decayed
    inner join sampled_leads
        on decayed.lead_id = sampled_leads.lead_id
    group by 1, 2, 3

),

actual as (

    select engagement.*
    from engagement
    inner join sampled_leads
        on engagement.lead_id = sampled_leads.lead_id

),

compared as (

    select
        expected.activity_count as expected_count,
        actual.activity_count as actual_count,
        expected.uncapped_points as expected_points,
        actual.uncapped_points as actual_points,
        coalesce(expected.lead_id, actual.lead_id) as lead_id,
        coalesce(expected.scored_as_of, actual.scored_as_of) as scored_as_of,
        coalesce(expected.activity_type, actual.activity_type)
            as activity_type
    from expected
    full outer join actual
        on
            expected.lead_id = actual.lead_id
            and expected.scored_as_of = actual.scored_as_of
            and expected.activity_type = actual.activity_type
    where
        expected.lead_id is null
        or actual.lead_id is null
        or expected.activity_count != actual.activity_count
        or expected.activity_count_7d != actual.activity_count_7d
        or expected.activity_count_30d != actual.activity_count_30d
        or expected.duration_seconds_30d != actual.duration_seconds_30d
        or expected.duration_seconds_all != actual.duration_seconds_all
        or expected.last_occurred_at != actual.last_occurred_at
        or abs(expected.uncapped_points - actual.uncapped_points)
        > 1e-9 * greatest(abs(expected.uncapped_points), 1)

)

select * from compared
