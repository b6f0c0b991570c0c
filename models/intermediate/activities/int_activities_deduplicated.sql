{{
    config(
        materialized=lead_scoring.activity_fact_materialization(),
        unique_key='activity_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ lead_scoring.forget_activities_of_gone_leads() }}",
    )
}}
{#-
    One row per usable activity of a known lead, re-delivered copies
    removed. The one materialised copy of the activity stream: scoring reads
    this table, not the raw files. Weights are not stored here, so editing
    the activity_weights seed never leaves stale points behind.

    A full build takes the copy base_marketing__activities_ranked kept (the one
    window over every raw row in the project). Incremental: a run reads only
    the raw rows that occurred at most
    lead_scoring__activity_lookback_days before the latest activity already
    loaded (the filter runs before any window over all rows, and before
    the rows are typed: that moment is read first and written into the
    query as a constant, which DuckDB pushes into its scan of the raw file;
    compared with a join, it does not type every raw row), lets them
    compete with the copy already loaded for the same activity_id, and
    replaces that activity (delete+insert on activity_id). New rows, rows
    that arrive late within the lookback and re-delivered copies give the
    same table as a full refresh; a row that arrives later than the
    lookback needs `dbt build --full-refresh`. After an incremental run,
    the activities of leads that are no longer in the leads (deleted in
    the CRM) are removed, as a full refresh would leave them out.
-#}
{#- The moment an incremental run reloads from (a constant, see
    activity_reload_from). -#}
{%- set reload_from = lead_scoring.activity_reload_from(
    ref('stg_crm__leads')) -%}
{%- set columns = ['activity_id', 'lead_id', 'activity_type',
    'activity_type_raw', 'url', 'campaign', 'asset', 'duration_seconds',
    'occurred_at'] -%}

-- depends_on: {{ ref('base_marketing__activities_typed') }}
-- depends_on: {{ ref('base_marketing__activities_ranked') }}
{#- (a full build reads one, an incremental run the other) #}
with

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

{% if is_incremental() %}

    activities as (

        select * from {{ ref('base_marketing__activities_typed') }}

    ),

    activities_arrived as (

        select activities.*
        from activities
        where
            activities.row_problem is null
            and coalesce(activities.occurred_at >= {{ reload_from }}, true)

    ),

    copies_loaded as (

        {#- The copy loaded before competes with the copies that arrived. #}
        select {{ columns | join(', ') }}
        from {{ this }}
        where
            activity_id in (
                select activities_arrived.activity_id
                from activities_arrived
            )

    ),

    usable_copies as (

        select {{ columns | join(', ') }} from activities_arrived
        union all
        select {{ columns | join(', ') }} from copies_loaded

    ),

    copies_with_lead_known as (

        select
            usable_copies.*,
            usable_copies.lead_id in (select leads.lead_id from leads)
                as is_lead_known
        from usable_copies

    ),

    copies_ranked as (

        select
            *,
            row_number() over (
                partition by activity_id
                order by {{ lead_scoring.activity_copy_order('is_lead_known') }}
            ) as copy_rank
        from copies_with_lead_known

    ),

{% else %}

    copies_kept as (

        select * from {{ ref('base_marketing__activities_ranked') }}

    ),

    copies_ranked as (

        {#- The first usable copy of each activity_id, ranked once there. #}
        select
            {{ columns | join(', ') }},
            1 as copy_rank
        from copies_kept
        where rejection_reason is null

    ),

{% endif %}

lead_activities as (

    select
        copies_ranked.activity_id,
        copies_ranked.lead_id,
        copies_ranked.activity_type,
        copies_ranked.activity_type_raw,
        copies_ranked.url,
        copies_ranked.campaign,
        copies_ranked.asset,
        copies_ranked.duration_seconds,
        copies_ranked.occurred_at,
        cast(copies_ranked.occurred_at as date) as occurred_date
    from copies_ranked
    inner join leads
        on copies_ranked.lead_id = leads.lead_id
    where copies_ranked.copy_rank = 1

)

select * from lead_activities
