{#- One row per opportunity (the outcome a score should predict). -#}
with

source as (

    select * from {{ source('crm', 'opportunities') }}

),

typed as (

    select
        -- ids
        {{ lead_scoring.clean_text('opportunity_id') }} as opportunity_id,
        {{ lead_scoring.clean_text('lead_id') }} as lead_id,

        -- strings
        lower({{ lead_scoring.clean_text('stage') }}) as opportunity_stage,

        -- numerics
        {{ lead_scoring.clean_number('amount') }} as amount,

        -- booleans
        case lower({{ lead_scoring.clean_text('is_won') }})
            when 'true' then true
            when '1' then true
            when 'false' then false
            when '0' then false
        end as is_won,

        -- timestamps
        {{ lead_scoring.to_utc_timestamp('created_at') }} as created_at,
        {{ lead_scoring.to_utc_timestamp('closed_at') }} as closed_at

    from source

),

copies_ranked as (

    select
        *,
        row_number() over (
            partition by opportunity_id
            order by created_at asc nulls last, lead_id asc
        ) as copy_rank
    from typed

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
    from copies_ranked
    where
        opportunity_id is not null
        and lead_id is not null
        and created_at is not null
        and copy_rank = 1

)

select * from usable_opportunities
