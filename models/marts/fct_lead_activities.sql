{#-
    One row per usable activity of a known lead, re-delivered copies
    removed. The one materialised copy of the activity stream: scoring reads
    this table, not the raw files. Weights are not stored here, so editing
    the activity_weights seed never leaves stale points behind.
-#}
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
