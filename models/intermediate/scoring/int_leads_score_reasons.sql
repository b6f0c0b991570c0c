{{ config(materialized='table') }}
{#
    Every contribution to a lead's points at each scoring date in plain
    words, ranked by size (largest first, positive or negative), for the
    top_reasons column:
        fit:        "Director-level title (+20)"
        engagement: "Viewed pricing page 3 times (+21)"
    A capped engagement says so; contributions that round to 0 are left out.
    One rounding rule for all of it (round_to: fixed at 9 decimals, then
    half away from zero): the filter below, signed_points in the text and
    the no_zero_contributions test. 0.49999999999999994, a 1-point activity
    exactly one half-life old, is 0.5 at 9 decimals, so +1 everywhere.
    A table: as a view it was computed again by each of its eight data
    tests, and those took most of a full build (benchmark, 10k leads).
#}
with

fit_points as (

    select * from {{ ref('int_leads_fit_points') }}

),

engagement as (

    select * from {{ ref('int_leads_engagement_by_type') }}

),

contributions as (

    select
        lead_id,
        scored_as_of,
        'fit' as contribution_kind,
        rule_id as contribution_key,
        cast(points as {{ lead_scoring.type_double() }}) as points,
        reason || ' (' || {{ lead_scoring.signed_points('points') }} || ')'
            as reason_text
    from fit_points

    union all

    select
        lead_id,
        scored_as_of,
        'engagement' as contribution_kind,
        activity_type as contribution_key,
        engagement_points as points,
        activity_label || ' '
        || cast(activity_count as {{ dbt.type_string() }})
        || case when activity_count = 1 then ' time' else ' times' end
        || ' (' || {{ lead_scoring.signed_points('engagement_points') }}
        || case when is_capped then ', capped' else '' end || ')'
            as reason_text
    from engagement

),

contributions_ranked as (

    select
        *,
        row_number() over (
            partition by lead_id, scored_as_of
            order by
                abs(points) desc,
                contribution_kind asc,
                contribution_key asc
        ) as reason_rank
    from contributions
    where {{ lead_scoring.round_to('points', 0) }} != 0

)

select * from contributions_ranked
