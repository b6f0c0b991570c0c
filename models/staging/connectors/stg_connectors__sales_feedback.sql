{#- The raw contract's sales_feedback from the enabled CRM connectors (see
    macros/crm_connectors.sql); read by the base models instead of the
    source when any adapter is enabled. -#}
{{ lead_scoring.union_adapter_rows('sales_feedback') }}
