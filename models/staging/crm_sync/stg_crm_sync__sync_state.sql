{#- What was last exported to each CRM, one row per CRM and lead: the
    values the CRM holds and the record they went to. -#}
with

source as (

    select * from {{ source('crm_sync', 'crm_sync_state') }}

),

renamed as (

    select
        -- ids
        crm,
        crm_lead_id,
        crm_record_id,
        export_id,

        -- strings
        email,
        crm_object,
        change_hash,
        sync_action,
        fit_grade,
        engagement_tier,
        priority,
        top_reasons,
        score_status,

        -- booleans (as sent)
        is_sales_ready,

        -- numerics (as sent)
        lead_score,
        fit_score,
        engagement_score,
        conversion_percent,

        -- timestamps
        exported_at
    from source

)

select * from renamed
