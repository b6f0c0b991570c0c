{#- No verdict is lost: every raw sales-feedback row is used (staged, of a
    known lead) or recorded in fct_data_quality_issues as kept out, with a
    reason, exactly once. -#}
{{ lead_scoring.rows_reconcile(
    lead_scoring.raw_relation('crm', 'sales_feedback'), ref('stg_crm__sales_feedback'),
    'sales_feedback',
    scored_where='lead_id in (select lead_id from '
        ~ ref('stg_crm__leads') ~ ')') }}
