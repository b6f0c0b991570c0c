{#- HubSpot deals as the raw contract's opportunities: one row per deal and
    associated contact (opportunity_id `<deal id>-<contact id>`), so every
    contact of a deal counts as converted. A deal is won in a stage marked
    closed_won and lost in a stage of probability 0; open otherwise (is_won
    and closed_at empty). -#}
with

deals as (

    select * from {{ source('hubspot', 'deal') }}

),

deal_contacts as (

    select * from {{ source('hubspot', 'deal_contact') }}

),

stages as (

    select * from {{ source('hubspot', 'deal_pipeline_stage') }}
    where not coalesce(_fivetran_deleted, false)

),

deals_joined as (

    select
        -- ids
        cast(deals.deal_id as {{ dbt.type_string() }})
        || '-' || cast(deal_contacts.contact_id as {{ dbt.type_string() }})
            as opportunity_id,
        cast(deal_contacts.contact_id as {{ dbt.type_string() }}) as lead_id,

        -- strings (`stage` is the raw contract's column name)
        coalesce(stages.label, deals.deal_pipeline_stage_id)
            as stage, -- noqa: RF04

        -- numerics
        deals.property_amount as amount,

        -- booleans
        case
            when stages.closed_won then true
            when stages.probability = 0 then false
        end as is_won,

        -- timestamps
        deals.property_createdate as created_at,
        case
            when stages.closed_won or stages.probability = 0
                then deals.property_closedate
        end as closed_at

    from deals
    inner join deal_contacts
        on deals.deal_id = deal_contacts.deal_id
    left join stages
        on deals.deal_pipeline_stage_id = stages.stage_id
    where not coalesce(deals.is_deleted, false)

)

select * from deals_joined
