{#- Salesforce opportunities that a lead was converted into, as the raw
    contract's opportunities (lead.converted_opportunity_id links them).
    is_won and closed_at stay empty while the opportunity is open. -#}
with

opportunities as (

    select * from {{ source('salesforce', 'opportunity') }}
    where not coalesce(is_deleted, false)

),

leads as (

    select * from {{ source('salesforce', 'lead') }}
    where not coalesce(is_deleted, false)

),

opportunities_joined as (

    select
        -- ids
        opportunities.id as opportunity_id,
        leads.id as lead_id,

        -- strings
        opportunities.stage_name as stage,

        -- numerics
        opportunities.amount,

        -- booleans
        case
            when opportunities.is_closed then opportunities.is_won
        end as is_won,

        -- timestamps
        opportunities.created_date as created_at,
        case
            when opportunities.is_closed then opportunities.close_date
        end as closed_at

    from opportunities
    inner join leads
        on opportunities.id = leads.converted_opportunity_id

)

select * from opportunities_joined
