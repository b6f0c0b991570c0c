{{ config(materialized='table') }}
{#
    Every raw activity row (base_marketing__activities_typed) with the
    reason it cannot be used (null when it can). Re-delivered copies of one
    activity_id keep the first usable copy and mark the rest as duplicates.
    A table: the one window over every raw row, read by the full build of
    fct_lead_activities, data_quality_issues and the tests.
#}
with

activities as (

    select * from {{ ref('base_marketing__activities_typed') }}

),

copies_ranked as (

    {# Usable copies rank first, so a broken copy never hides a good one. #}
    select
        *,
        row_number() over (
            partition by activity_id
            order by
                case when row_problem is null then 0 else 1 end asc,
                {{ lead_scoring.activity_copy_order() }}
        ) as copy_rank
    from activities

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
