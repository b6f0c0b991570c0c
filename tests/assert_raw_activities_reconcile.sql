{#- No activity is lost: every raw activity row reaches the scores
    (int_activities_decayed, the activities a score may use) or is recorded
    in data_quality_issues as kept out, with a reason, exactly once. -#}
{{ lead_scoring.rows_reconcile(
    source('marketing', 'activities'), ref('int_activities_decayed'),
    'activities') }}
