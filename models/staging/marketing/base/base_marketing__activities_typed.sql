{#
    Every raw activity row, typed and cleaned, with the problem that makes
    it unusable on its own (row_problem, null when it is usable). No dedup:
    base_marketing__activities_ranked ranks re-delivered copies, and the
    incremental int_activities_deduplicated reads only the rows that arrived since
    its last run from here, before any window over all rows.
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
        {{ lead_scoring.to_utc_timestamp('occurred_at') }} as occurred_at,
        {#- The raw text, for the example a quarantine guard rail prints. -#}
        {{ lead_scoring.clean_text('occurred_at') }} as occurred_at_text

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

)

select * from problems_found
