{#- No opportunity is lost: every raw opportunity row is used (a staged
    opportunity of a known lead, so a backtest can count it) or recorded in
    fct_data_quality_issues as kept out, with a reason, exactly once. -#}
{{ lead_scoring.rows_reconcile(
    lead_scoring.raw_relation('crm', 'opportunities'), ref('stg_crm__opportunities'),
    'opportunities',
    scored_where='lead_id in (select lead_id from '
        ~ ref('stg_crm__leads') ~ ')') }}
