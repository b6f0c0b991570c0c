{#- Sales' verdicts on leads they were handed (optional raw table). -#}
with

sales_feedback as (

    select * from {{ ref('base_crm__sales_feedback') }}

),

usable_feedback as (

    select
        lead_id,
        disposition,
        reason,
        feedback_at
    from sales_feedback
    where rejection_reason is null

)

select * from usable_feedback
