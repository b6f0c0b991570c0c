{#- One row per usable activity of a known lead (duplicates removed). -#}
with

activities as (

    select * from {{ ref('int_activities_enriched') }}

),

lead_activities as (

    select
        activity_id,
        lead_id,
        activity_type,
        activity_type_raw,
        activity_label,
        is_known_activity_type,
        base_points,
        url,
        campaign,
        asset,
        duration_seconds,
        occurred_at,
        cast(occurred_at as date) as occurred_date
    from activities
    where is_known_lead

)

select * from lead_activities
