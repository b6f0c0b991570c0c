{#- What was last exported to each CRM, one row per CRM and lead. -#}
with

source as (

    select * from {{ source('crm_sync', 'crm_sync_state') }}

),

renamed as (

    select
        -- ids
        crm,
        crm_lead_id,
        export_id,

        -- strings
        email,
        change_hash,
        sync_action,

        -- timestamps
        exported_at
    from source

)

select * from renamed
