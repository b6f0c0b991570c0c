{#-
    No activity is lost: every raw activity row either reaches the scores
    (int_activities_decayed, the activities a score may use) or is recorded
    in data_quality_issues as kept out, with a reason, exactly once.
    Returns a row describing the gap when the counts differ.
-#}
with

raw_activities as (

    select count(*) as row_count
    from {{ source('marketing', 'activities') }}

),

scored_activities as (

    select count(*) as row_count from {{ ref('int_activities_decayed') }}

),

excluded_activities as (

    select count(*) as row_count
    from {{ ref('data_quality_issues') }}
    where source_table = 'activities' and is_excluded_from_scores

)

select
    raw_activities.row_count as raw_rows,
    scored_activities.row_count as scored_rows,
    excluded_activities.row_count as excluded_rows,
    raw_activities.row_count
    - scored_activities.row_count
    - excluded_activities.row_count as unaccounted_rows
from raw_activities
cross join scored_activities
cross join excluded_activities
where
    raw_activities.row_count
    != scored_activities.row_count + excluded_activities.row_count
