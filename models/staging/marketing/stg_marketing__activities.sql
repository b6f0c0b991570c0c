{#- One row per activity: usable raw rows, re-delivered copies removed. -#}
with

activities as (

    select * from {{ ref('base_marketing__activities_ranked') }}

),

usable_activities as (

    select
        activity_id,
        lead_id,
        activity_type,
        activity_type_raw,
        url,
        campaign,
        asset,
        duration_seconds,
        occurred_at
    from activities
    where rejection_reason is null

)

select * from usable_activities
