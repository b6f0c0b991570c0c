{#
    Every raw opportunity and sales-feedback row that is not used, with its
    reason_code. Outcomes and verdicts score nothing themselves, but a lost
    opportunity would make a backtest lie, so they are accounted for too.
    One part of fct_data_quality_issues.
#}
with

opportunity_rows as (

    select * from {{ ref('base_crm__opportunities') }}

),

feedback_rows as (

    select * from {{ ref('base_crm__sales_feedback') }}

),

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

outcome_issues as (

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
        opportunity_rows.copy_rank
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
        copy_rank
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
        feedback_rows.copy_rank
    from feedback_rows
    left join leads
        on feedback_rows.lead_id = leads.lead_id
    where
        feedback_rows.rejection_reason is not null
        or leads.lead_id is null

)

select * from outcome_issues
