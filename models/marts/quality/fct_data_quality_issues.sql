{#
    Every raw row that does not reach the scores, and every row that reaches
    them only partly, with the reason: nothing is dropped silently. Counts
    reconcile (tests/assert_*_reconcile.sql):
        raw leads      = lead_scores rows + excluded lead rows here
        raw activities = scored activities + excluded activity rows here
#}
with

leads_quarantined as (

    select * from {{ ref('int_leads_quarantined') }}

),

activities_quarantined as (

    select * from {{ ref('int_activities_quarantined') }}

),

outcomes_quarantined as (

    select * from {{ ref('int_outcomes_quarantined') }}

),

issues as (

    select * from leads_quarantined
    union all
    select * from activities_quarantined
    union all
    select * from outcomes_quarantined

),

issues_keyed as (

    select
        {{ dbt.hash(
            "source_table || '|' || reason_code || '|' || "
            ~ "coalesce(record_id, '') || '|' || "
            ~ "cast(copy_rank as " ~ dbt.type_string() ~ ")") }} as issue_id,
        *
    from issues

)

select * from issues_keyed
