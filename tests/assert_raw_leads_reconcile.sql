{#- No lead is lost: every raw lead row is scored in lead_scores or recorded
    in fct_data_quality_issues as kept out, with a reason, exactly once. -#}
{{ lead_scoring.rows_reconcile(
    lead_scoring.raw_relation('crm', 'leads'), ref('lead_scores'), 'leads') }}
