{#- No activity is lost: every raw activity row reaches the current scores
    (counted in int_leads_engagement_by_type at scored_as_of: the activities
    a score uses, summed per lead and type) or is recorded in
    fct_data_quality_issues as kept out, with a reason, exactly once. The
    summary is read rather than the activities-times-dates view beneath it,
    which a test would recompute. -#}
{{ lead_scoring.rows_reconcile(
    lead_scoring.raw_relation('marketing', 'activities'),
    ref('int_leads_engagement_by_type'),
    'activities',
    scored_where='scored_as_of = (select scored_as_of from '
        ~ ref('int_scoring_as_of') ~ ')',
    scored_count='activity_count') }}
