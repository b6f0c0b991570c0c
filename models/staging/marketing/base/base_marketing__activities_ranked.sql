{{
    config(
        materialized=lead_scoring.activity_fact_materialization(),
        unique_key='activity_id',
        incremental_strategy='replace_activity_ids',
        on_schema_change='fail',
    )
}}
{#
    Every raw activity row (base_marketing__activities_typed) with the
    reason it cannot be used (null when it can). Re-delivered copies of one
    activity_id keep the first usable copy and mark the rest as duplicates.
    The one window over every raw row, read by the full build of
    int_activities_deduplicated, fct_data_quality_issues and the tests.

    Incremental like int_activities_deduplicated, on the same lookback: a run reads
    the raw rows that occurred at most lead_scoring__activity_lookback_days
    before the latest usable row already loaded (and every row without a
    valid occurred_at), ranks them with the copies loaded before of the
    same activity_ids (rows without an id are one group, as in a full
    build), and replaces those activity_ids (replace_activity_ids). The
    table then equals a full build's; a row that arrives later than the
    lookback needs `dbt build --full-refresh`, and the activity
    reconciliation test fails until it has run.
#}
{%- set reload_from = lead_scoring.activity_reload_from(
    ref('base_marketing__activities_typed'), 'row_problem is null') -%}
{%- set in_lookback = 'coalesce(occurred_at >= ' ~ reload_from
    ~ ', true)' -%}
{%- set columns = ['activity_id', 'lead_id', 'activity_type_raw',
    'activity_type', 'url', 'campaign', 'asset', 'duration_seconds',
    'implausible_values', 'occurred_at', 'row_problem'] -%}
with

activities as (

    select * from {{ ref('base_marketing__activities_typed') }}

),

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

known_lead_ids as (

    select distinct lead_id from leads

),

{% if is_incremental() %}

    activities_arrived as (

        select {{ columns | join(', ') }}
        from activities
        where {{ in_lookback }}

    ),

    copies_loaded as (

        {#- Loaded copies of the arrived activity_ids that this run does
            not read again. -#}
        select {{ columns | join(', ') }}
        from {{ this }}
        where
            not {{ in_lookback }}
            and {{ lead_scoring.has_id_among(
                'activity_id', 'activities_arrived') }}

    ),

    activities_to_rank as (

        select * from activities_arrived
        union all
        select * from copies_loaded

    ),

{% else %}

    activities_to_rank as (

        select {{ columns | join(', ') }} from activities

    ),

{% endif %}

copies_with_lead_known as (

    select
        activities_to_rank.*,
        known_lead_ids.lead_id is not null as is_lead_known
    from activities_to_rank
    left join known_lead_ids
        on activities_to_rank.lead_id = known_lead_ids.lead_id

),

copies_ranked as (

    {# Usable copies rank first, so a broken copy never hides a good one;
        then copies of a known lead (activity_copy_order). #}
    select
        {{ columns | join(', ') }},
        row_number() over (
            partition by activity_id
            order by
                case when row_problem is null then 0 else 1 end asc,
                {{ lead_scoring.activity_copy_order('is_lead_known') }}
        ) as copy_rank
    from copies_with_lead_known

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
