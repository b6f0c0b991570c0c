{#- One row per opportunity (the outcome a score should predict). -#}
with

opportunities as (

    select * from {{ ref('base_crm__opportunities') }}

),

usable_opportunities as (

    select
        opportunity_id,
        lead_id,
        opportunity_stage,
        amount,
        is_won,
        created_at,
        closed_at
    from opportunities
    where rejection_reason is null

)

select * from usable_opportunities
