{#
    Every raw sales-feedback row, typed, with the reason it cannot be used
    (null when it can): no lead, no usable time, or an exact repeat of a
    verdict already kept. fct_data_quality_issues reports every rejected row.
#}
with

source as (

    select * from {{ lead_scoring.raw_relation('crm', 'sales_feedback') }}

),

typed as (

    select
        -- ids
        {{ lead_scoring.clean_text('lead_id') }} as lead_id,

        -- strings
        lower({{ lead_scoring.clean_text('disposition') }}) as disposition,
        {{ lead_scoring.clean_text('reason') }} as reason,

        -- timestamps
        {{ lead_scoring.to_utc_timestamp('feedback_at') }} as feedback_at,
        {#- The raw text, for the example a quarantine guard rail prints. -#}
        {{ lead_scoring.clean_text('feedback_at') }} as feedback_at_text

    from source

),

problems_found as (

    select
        *,
        case
            when lead_id is null then 'missing_lead_id'
            when feedback_at is null then 'invalid_feedback_at'
            when {{ lead_scoring.is_in_future('feedback_at') }}
                then 'future_feedback_at'
        end as row_problem
    from typed

),

copies_ranked as (

    {# Feedback has no id of its own: the key is a hash of the whole row, and
        exact repeats of a row are its copies. #}
    select
        *,
        {{ dbt.hash(lead_scoring.row_as_text(
            ['lead_id', 'feedback_at', 'disposition', 'reason'])) }}
            as feedback_key,
        row_number() over (
            partition by lead_id, feedback_at, disposition, reason
            order by lead_id asc
        ) as copy_rank
    from problems_found

),

reasons_assigned as (

    select
        *,
        coalesce(
            row_problem,
            case when copy_rank > 1 then 'duplicate_feedback' end
        ) as rejection_reason
    from copies_ranked

)

select * from reasons_assigned
