{#
    Every raw lead row that does not reach the scores, or reaches them only
    partly, with its reason_code (one row per problem): rejected rows
    (base_crm__leads), implausible numbers, invalid emails, leads merged
    into another and leads created after the scoring date. One part of
    fct_data_quality_issues.
#}
with

lead_rows as (

    select * from {{ ref('base_crm__leads') }}

),

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

leads_merged as (

    select * from {{ ref('int_leads_merged') }}

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
        copy_rank
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
        copy_rank
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
        1 as copy_rank
    from leads
    where not is_email_valid

    union all

    select
        'leads' as source_table,
        leads_merged.lead_id as record_id,
        leads_merged.lead_id,
        'merged_duplicate_lead' as reason_code,
        'Same email as lead ' || leads_merged.survivor_lead_id
        || ', created earlier: merged into it' as reason_detail,
        true as is_excluded_from_scores,
        1 as copy_rank
    from leads_merged
    where not leads_merged.is_survivor

    union all

    select
        'leads' as source_table,
        leads.lead_id as record_id,
        leads.lead_id,
        'created_after_as_of' as reason_code,
        'Lead created after the scoring date' as reason_detail,
        true as is_excluded_from_scores,
        1 as copy_rank
    from leads
    inner join leads_merged
        on leads.lead_id = leads_merged.lead_id
    cross join as_of
    where
        leads_merged.is_survivor
        and leads.created_at >= as_of.scored_as_of

)

select * from lead_issues
