{#
    Every raw row that does not reach the scores, and every row that reaches
    them only partly, with the reason: nothing is dropped silently. Counts
    reconcile (tests/assert_*_reconcile.sql):
        raw leads      = lead_scores rows + excluded lead rows here
        raw activities = scored activities + excluded activity rows here
#}
with

lead_rows as (

    select * from {{ ref('base_crm__leads') }}

),

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

activity_rows as (

    select * from {{ ref('base_marketing__activities') }}

),

activities as (

    select * from {{ ref('int_activities_enriched') }}

),

opportunity_rows as (

    select * from {{ ref('base_crm__opportunities') }}

),

feedback_rows as (

    select * from {{ ref('base_crm__sales_feedback') }}

),

lead_activities as (

    select * from {{ ref('fct_lead_activities') }}

),

scoped_activities as (

    select * from {{ ref('int_activities_scoped') }}

),

lead_merge_map as (

    select * from {{ ref('lead_merge_map') }}

),

activity_weights as (

    select * from {{ ref('activity_weights') }}

),

as_of as (

    select * from {{ ref('int_scoring_as_of') }}

),

lead_issues as (

    select
        'leads' as source_table,
        lead_id as record_id,
        lead_id,
        rejection_reason as reason_code,
        case rejection_reason
            when 'missing_lead_id' then 'Lead row has no lead_id'
            when 'invalid_created_at'
                then 'created_at is missing or not a timestamp'
            when 'future_created_at' then 'created_at lies in the future'
            when 'superseded_lead_version'
                then 'Another version of this lead is used (newest usable)'
        end as reason_detail,
        true as is_excluded_from_scores,
        version_rank as copy_number
    from lead_rows
    where rejection_reason is not null

    union all

    select
        'leads' as source_table,
        lead_id as record_id,
        lead_id,
        'implausible_value' as reason_code,
        'Not a plausible number, scored as missing: ' || implausible_values
            as reason_detail,
        false as is_excluded_from_scores,
        version_rank as copy_number
    from lead_rows
    where rejection_reason is null and implausible_values is not null

    union all

    select
        'leads' as source_table,
        lead_id as record_id,
        lead_id,
        'invalid_email' as reason_code,
        'Email is missing or not an address: scored by the invalid-email '
        || 'rules' as reason_detail,
        false as is_excluded_from_scores,
        1 as copy_number
    from leads
    where not is_email_valid

    union all

    select
        'leads' as source_table,
        lead_merge_map.lead_id as record_id,
        lead_merge_map.lead_id,
        'merged_duplicate_lead' as reason_code,
        'Same email as lead ' || lead_merge_map.survivor_lead_id
        || ', created earlier: merged into it' as reason_detail,
        true as is_excluded_from_scores,
        1 as copy_number
    from lead_merge_map
    where not lead_merge_map.is_survivor

    union all

    select
        'leads' as source_table,
        leads.lead_id as record_id,
        leads.lead_id,
        'created_after_as_of' as reason_code,
        'Lead created after the scoring date' as reason_detail,
        true as is_excluded_from_scores,
        1 as copy_number
    from leads
    inner join lead_merge_map
        on leads.lead_id = lead_merge_map.lead_id
    cross join as_of
    where
        lead_merge_map.is_survivor
        and leads.created_at >= as_of.scored_as_of

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
        copy_rank as copy_number
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
        copy_rank as copy_number
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
        1 as copy_number
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
        1 as copy_number
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
        1 as copy_number
    from lead_activities
    left join activity_weights
        on
            lead_activities.activity_type
            = lower(trim(activity_weights.activity_type))
    where activity_weights.activity_type is null

),

outcome_issues as (

    {# Outcomes and verdicts score nothing themselves, but a lost opportunity
        would make a backtest lie, so they are accounted for too. #}
    select
        'opportunities' as source_table,
        opportunity_rows.opportunity_id as record_id,
        opportunity_rows.lead_id,
        coalesce(
            opportunity_rows.rejection_reason, 'unknown_lead'
        ) as reason_code,
        case coalesce(opportunity_rows.rejection_reason, 'unknown_lead')
            when 'missing_opportunity_id'
                then 'Opportunity row has no opportunity_id'
            when 'missing_lead_id' then 'Opportunity row has no lead_id'
            when 'invalid_created_at'
                then 'created_at is missing or not a timestamp'
            when 'future_created_at' then 'created_at lies in the future'
            when 'duplicate_opportunity_id'
                then 'Another copy of this opportunity is used'
            when 'unknown_lead'
                then 'No usable lead has this lead_id (deleted or merged?)'
        end as reason_detail,
        true as is_excluded_from_scores,
        opportunity_rows.copy_rank as copy_number
    from opportunity_rows
    left join leads
        on opportunity_rows.lead_id = leads.lead_id
    where
        opportunity_rows.rejection_reason is not null
        or leads.lead_id is null

    union all

    select
        'opportunities' as source_table,
        opportunity_id as record_id,
        lead_id,
        'implausible_value' as reason_code,
        'Not a plausible number, kept as missing: ' || implausible_values
            as reason_detail,
        false as is_excluded_from_scores,
        copy_rank as copy_number
    from opportunity_rows
    where rejection_reason is null and implausible_values is not null

    union all

    select
        'sales_feedback' as source_table,
        feedback_rows.feedback_key as record_id,
        feedback_rows.lead_id,
        coalesce(feedback_rows.rejection_reason, 'unknown_lead') as reason_code,
        case coalesce(feedback_rows.rejection_reason, 'unknown_lead')
            when 'missing_lead_id' then 'Feedback row has no lead_id'
            when 'invalid_feedback_at'
                then 'feedback_at is missing or not a timestamp'
            when 'future_feedback_at' then 'feedback_at lies in the future'
            when 'duplicate_feedback'
                then 'An exact repeat of a verdict already used'
            when 'unknown_lead'
                then 'No usable lead has this lead_id (deleted or merged?)'
        end as reason_detail,
        true as is_excluded_from_scores,
        feedback_rows.copy_rank as copy_number
    from feedback_rows
    left join leads
        on feedback_rows.lead_id = leads.lead_id
    where
        feedback_rows.rejection_reason is not null
        or leads.lead_id is null

),

issues as (

    select * from lead_issues
    union all
    select * from activity_issues
    union all
    select * from outcome_issues

),

issues_keyed as (

    select
        {{ dbt.hash(
            "source_table || '|' || reason_code || '|' || "
            ~ "coalesce(record_id, '') || '|' || "
            ~ "cast(copy_number as " ~ dbt.type_string() ~ ")") }} as issue_id,
        *
    from issues

)

select * from issues_keyed
