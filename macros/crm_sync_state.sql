{#
    The sync-state table of the CRM export: one row per CRM and lead, the
    change hash last exported to that CRM. `scripts/export_crm_sync.py`
    writes it after each export's files are complete; sync_crm_lead_scores
    compares lead_scores with it, so it carries only what changed since.
    Created empty (if absent) at the start of every run, so the model builds
    before the first export; no other statement touches it.
#}
{% macro create_crm_sync_state() %}
    {% if not execute %}{{ return('') }}{% endif %}
    {% set schema = var('lead_scoring__crm_sync_schema') %}
    {% set text = dbt.type_string() %}
    {% do run_query('create schema if not exists ' ~ schema) %}
    {% do run_query(
        'create table if not exists ' ~ schema ~ '.crm_sync_state ('
        ~ 'crm ' ~ text ~ ', crm_lead_id ' ~ text ~ ', email ' ~ text
        ~ ', change_hash ' ~ text ~ ', sync_action ' ~ text
        ~ ', export_id ' ~ text ~ ', exported_at ' ~ dbt.type_timestamp()
        ~ ')') %}
    {{ return('') }}
{% endmacro %}

{#- The lead_scores values a CRM can receive, in the order they are hashed
    (crm_field_mappings.project_column names one of these). -#}
{% macro crm_synced_columns() %}
    {{ return([
        'crm_lead_id', 'email', 'lead_score', 'fit_score', 'engagement_score',
        'fit_grade', 'engagement_tier', 'priority', 'is_sales_ready',
        'conversion_probability', 'top_reasons', 'scored_as_of',
        'score_status',
    ]) }}
{% endmacro %}

{#- A hash of the values a CRM receives: each column of `columns` counts
    only where the CRM's row of `mappings` (a relation with one maps_<column>
    flag per column) maps it, so the hash changes exactly when a value that
    CRM receives changes. Values are separated so that ('ab', 'c') and
    ('a', 'bc') differ; a null and an empty string hash alike, as a CRM
    field holds them alike. -#}
{% macro crm_change_hash(mappings, values, columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append(
            "case when " ~ mappings ~ ".maps_" ~ column ~ " = 1 then coalesce("
            ~ "cast(" ~ values ~ "." ~ column ~ " as " ~ dbt.type_string()
            ~ "), '') else '' end") -%}
        {%- if not loop.last -%}{%- do parts.append("'|'") -%}{%- endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
