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

        -- strings (`stage` is the raw contract's column name)
        opportunities.stage_name as stage, -- noqa: RF04

        -- numerics
        opportunities.amount,

        -- timestamps
        opportunities.created_date as created_at,

        -- while open, not won or lost and not closed
        case
            when opportunities.is_closed then opportunities.is_won
        end as is_won,
        case
            when opportunities.is_closed then opportunities.close_date
        end as closed_at

    from opportunities
    inner join leads
        on opportunities.id = leads.converted_opportunity_id

)

select * from opportunities_joined
