{#- Sales' verdicts on leads they were handed (optional raw table). -#}
with

source as (

    select * from {{ source('crm', 'sales_feedback') }}

),

typed as (

    select
        -- ids
        {{ lead_scoring.clean_text('lead_id') }} as lead_id,

        -- strings
        lower({{ lead_scoring.clean_text('disposition') }}) as disposition,
        {{ lead_scoring.clean_text('reason') }} as reason,

        -- timestamps
        {{ lead_scoring.to_utc_timestamp('feedback_at') }} as feedback_at

    from source

),

usable_feedback as (

    select distinct
        lead_id,
        disposition,
        reason,
        feedback_at
    from typed
    where lead_id is not null and feedback_at is not null

)

select * from usable_feedback
