{#
    Every raw opportunity row, typed, with the reason it cannot be used
    (null when it can). Copies of one opportunity_id: the usable copy with
    the latest news (closed before open, latest close) is kept, the rest
    are marked duplicates. fct_data_quality_issues reports every rejected row.
#}
with

source as (

    select * from {{ lead_scoring.raw_relation('crm', 'opportunities') }}

),

typed as (

    select
        -- ids
        {{ lead_scoring.clean_text('opportunity_id') }} as opportunity_id,
        {{ lead_scoring.clean_text('lead_id') }} as lead_id,

        -- strings
        lower({{ lead_scoring.clean_text('stage') }}) as opportunity_stage,

        -- numerics
        {{ lead_scoring.plausible_number('amount', 'amount') }} as amount,
        {{ lead_scoring.implausible_columns([('amount', 'amount')]) }}
            as implausible_values,

        -- booleans
        case lower({{ lead_scoring.clean_text('is_won') }})
            when 'true' then true
            when '1' then true
            when 'false' then false
            when '0' then false
        end as is_won,

        -- timestamps
        {{ lead_scoring.to_utc_timestamp('created_at') }} as created_at,
        {{ lead_scoring.to_utc_timestamp('closed_at') }} as closed_at,
        {#- The raw text, for the example a quarantine guard rail prints. -#}
        {{ lead_scoring.clean_text('created_at') }} as created_at_text

    from source

),

problems_found as (

    select
        *,
        case
            when opportunity_id is null then 'missing_opportunity_id'
            when lead_id is null then 'missing_lead_id'
            when created_at is null then 'invalid_created_at'
            when {{ lead_scoring.is_in_future('created_at') }}
                then 'future_created_at'
        end as row_problem
    from typed

),

copies_ranked as (

    select
        *,
        row_number() over (
            partition by opportunity_id
            order by
                case when row_problem is null then 0 else 1 end asc,
                closed_at desc nulls last,
                created_at asc nulls last,
                opportunity_stage asc nulls last,
                lead_id asc nulls last
        ) as copy_rank
    from problems_found

),

reasons_assigned as (

    select
        *,
        coalesce(
            row_problem,
            case when copy_rank > 1 then 'duplicate_opportunity_id' end
        ) as rejection_reason
    from copies_ranked

)

select * from reasons_assigned
