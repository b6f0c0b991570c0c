{#- No activity is lost: every raw activity row reaches the current scores
    (int_activities_decayed at scored_as_of, the activities a score may use)
    or is recorded in data_quality_issues as kept out, with a reason,
    exactly once. -#}
{{ lead_scoring.rows_reconcile(
    lead_scoring.raw_relation('marketing', 'activities'), ref('int_activities_decayed'),
    'activities',
    scored_where='scored_as_of = (select scored_as_of from '
        ~ ref('int_scoring_as_of') ~ ')') }}
