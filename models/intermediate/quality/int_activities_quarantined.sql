{#
    Every raw activity row that does not reach the scores, or reaches them
    only partly, with its reason_code: rejected copies
    (base_marketing__activities_ranked), implausible numbers, activities of
    unknown leads, activities a score may not use at the current scoring
    date (int_activities_scoped) and types without a weight. One part of
    fct_data_quality_issues.
#}
with

activity_rows as (

    select * from {{ ref('base_marketing__activities_ranked') }}

),

activities as (

    select * from {{ ref('int_activities_enriched') }}

),

lead_activities as (

    select * from {{ ref('int_activities_deduplicated') }}

),

scoped_activities as (

    select * from {{ ref('int_activities_scoped') }}

),

activity_weights as (

    select * from {{ ref('activity_weights') }}

),

activity_issues as (

    select
        'activities' as source_table,
        activity_id as record_id,
        lead_id,
        rejection_reason as reason_code,
        case rejection_reason
            when 'missing_activity_id' then 'Activity row has no activity_id'
            when 'missing_lead_id' then 'Activity row has no lead_id'
            when 'invalid_occurred_at'
                then 'occurred_at is missing or not a timestamp'
            when 'future_occurred_at' then 'occurred_at lies in the future'
            when 'missing_activity_type' then 'activity_type is empty'
            when 'duplicate_activity_id'
                then 'A repeated copy of an activity already counted'
        end as reason_detail,
        true as is_excluded_from_scores,
        copy_rank
    from activity_rows
    where rejection_reason is not null

    union all

    select
        'activities' as source_table,
        activity_id as record_id,
        lead_id,
        'implausible_value' as reason_code,
        'Not a plausible number, kept as missing: ' || implausible_values
            as reason_detail,
        false as is_excluded_from_scores,
        copy_rank
    from activity_rows
    where rejection_reason is null and implausible_values is not null

    union all

    select
        'activities' as source_table,
        activity_id as record_id,
        lead_id,
        'unknown_lead' as reason_code,
        'No usable lead has this lead_id (deleted?)' as reason_detail,
        true as is_excluded_from_scores,
        1 as copy_rank
    from activities
    where not is_known_lead

    union all

    select
        'activities' as source_table,
        activity_id as record_id,
        recorded_lead_id as lead_id,
        exclusion_reason as reason_code,
        case exclusion_reason
            when 'lead_created_after_as_of'
                then 'Its lead was created after the scoring date'
            when 'occurred_after_as_of' then 'Occurred after the scoring date'
            when 'bot_activity'
                then
                    'Machine activity (rule ' || bot_rule_id
                    || '), left out of engagement points'
        end as reason_detail,
        true as is_excluded_from_scores,
        1 as copy_rank
    from scoped_activities
    where exclusion_reason is not null and is_current

    union all

    select
        'activities' as source_table,
        lead_activities.activity_id as record_id,
        lead_activities.lead_id,
        'unknown_activity_type' as reason_code,
        'Type ' || lead_activities.activity_type
        || ' is not in the activity_weights seed: kept, scored 0'
            as reason_detail,
        false as is_excluded_from_scores,
        1 as copy_rank
    from lead_activities
    left join activity_weights
        on
            lead_activities.activity_type
            = lower(trim(activity_weights.activity_type))
    where activity_weights.activity_type is null

)

select * from activity_issues
