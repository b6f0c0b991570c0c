{#
    Every raw activity row, typed and cleaned, with the reason it cannot be
    used (null when it can). Re-delivered copies of one activity_id keep the
    first and mark the rest as duplicates.
#}
with

source as (

    select * from {{ lead_scoring.raw_relation('marketing', 'activities') }}

),

typed as (

    select
        -- ids
        {{ lead_scoring.clean_text('activity_id') }} as activity_id,
        {{ lead_scoring.clean_text('lead_id') }} as lead_id,

        -- strings
        {{ lead_scoring.clean_text('activity_type') }} as activity_type_raw,
        {{ lead_scoring.snake_case(lead_scoring.clean_text('activity_type')) }}
            as activity_type,
        {{ lead_scoring.clean_text('url') }} as url,
        {{ lead_scoring.clean_text('campaign') }} as campaign,
        {{ lead_scoring.clean_text('asset') }} as asset,

        -- numerics
        {{ lead_scoring.plausible_number(
            'duration_seconds', 'duration_seconds', dbt.type_bigint()) }}
            as duration_seconds,
        {{ lead_scoring.implausible_columns(
            [('duration_seconds', 'duration_seconds')]) }}
            as implausible_values,

        -- timestamps
        {{ lead_scoring.to_utc_timestamp('occurred_at') }} as occurred_at

    from source

),

problems_found as (

    select
        *,
        case
            when activity_id is null then 'missing_activity_id'
            when lead_id is null then 'missing_lead_id'
            when occurred_at is null then 'invalid_occurred_at'
            when {{ lead_scoring.is_in_future('occurred_at') }}
                then 'future_occurred_at'
            when activity_type is null then 'missing_activity_type'
        end as row_problem
    from typed

),

copies_ranked as (

    {# Usable copies rank first, so a broken copy never hides a good one. #}
    select
        *,
        row_number() over (
            partition by activity_id
            order by
                case when row_problem is null then 0 else 1 end asc,
                occurred_at asc nulls last,
                lead_id asc nulls last,
                activity_type asc nulls last
        ) as copy_rank
    from problems_found

),

reasons_assigned as (

    select
        *,
        coalesce(
            row_problem,
            case when copy_rank > 1 then 'duplicate_activity_id' end
        ) as rejection_reason
    from copies_ranked

)

select * from reasons_assigned
