{#
    The sync-state table of the CRM export: one row per CRM and lead, what
    was last exported to that CRM (the values the CRM holds, their change
    hash, the record they went to). `scripts/export_crm_sync.py` writes it
    after each export's files are complete; sync_crm_lead_scores compares
    lead_scores with it, so it carries only what changed enough since.
    Created empty (if absent) at the start of every run, so the model builds
    before the first export; a table made by an older release gets the
    columns added since (empty, so each lead is sent once more). No other
    statement touches it. scripts/lead_scoring/crm_export.py holds the same
    column list (STATE_COLUMNS); tests/pytest/test_crm_sync.py checks they
    agree.
#}
{% macro crm_sync_state_columns() %}
    {% set text = dbt.type_string() %}
    {% set whole = dbt.type_int() %}
    {{ return([
        ('crm', text), ('crm_lead_id', text), ('email', text),
        ('change_hash', text), ('sync_action', text), ('export_id', text),
        ('exported_at', dbt.type_timestamp()), ('crm_object', text),
        ('crm_record_id', text), ('lead_score', whole), ('fit_score', whole),
        ('engagement_score', whole), ('conversion_percent', whole),
        ('fit_grade', text), ('engagement_tier', text), ('priority', text),
        ('is_sales_ready', dbt.type_boolean()), ('top_reasons', text),
        ('score_status', text),
    ]) }}
{% endmacro %}

{% macro create_crm_sync_state() %}
    {% if not execute %}{{ return('') }}{% endif %}
    {% set schema = var('lead_scoring__crm_sync_schema') %}
    {% set columns = lead_scoring.crm_sync_state_columns() %}
    {% do run_query('create schema if not exists ' ~ schema) %}
    {% set definitions = [] %}
    {% for name, type in columns %}
        {% do definitions.append(name ~ ' ' ~ type) %}
    {% endfor %}
    {% do run_query(
        'create table if not exists ' ~ schema ~ '.crm_sync_state ('
        ~ definitions | join(', ') ~ ')') %}
    {% for name, type in columns %}
        {% set add_column = lead_scoring.add_column_sql(
            schema ~ '.crm_sync_state', name, type) %}
        {% if add_column | trim %}
            {% do run_query(add_column) %}
        {% endif %}
    {% endfor %}
    {{ return('') }}
{% endmacro %}

{% macro add_column_sql(table, name, type) %}
    {{ return(adapter.dispatch('add_column_sql', 'lead_scoring')(
        table, name, type)) }}
{% endmacro %}

{% macro default__add_column_sql(table, name, type) -%}
    alter table {{ table }} add column if not exists {{ name }} {{ type }}
{%- endmacro %}

{#- Spark has no `add column if not exists`; its sync state is never
    written (the export refuses Spark builds), so a table made by an older
    release holds no row and the current definition is all it needs. -#}
{% macro spark__add_column_sql(table, name, type) -%}
{%- endmacro %}

{#- The sync model's values a CRM can receive, in the order they are hashed
    (crm_field_mappings.project_column names one of these). -#}
{% macro crm_synced_columns() %}
    {{ return([
        'crm_lead_id', 'crm_record_id', 'email', 'lead_score', 'fit_score',
        'engagement_score', 'fit_grade', 'engagement_tier', 'priority',
        'is_sales_ready', 'conversion_percent', 'top_reasons',
        'scored_as_of', 'score_status',
    ]) }}
{% endmacro %}

{#- Whether a value a CRM holds moved enough to be sent again: it appeared
    or went away, or it is at least `threshold` (a whole number, 1 or more)
    away from the value last sent. -#}
{% macro moved(value, sent, threshold) -%}
    {%- if threshold is not number or threshold < 1 -%}
        {{ exceptions.raise_compiler_error(
            "A CRM sync threshold is '" ~ threshold ~ "'; it must be a number"
            ~ " of at least 1 (lead_scoring__crm_sync_min_score_change,"
            ~ " lead_scoring__crm_sync_min_percent_change).") }}
    {%- endif -%}
    (
        ({{ value }} is null) != ({{ sent }} is null)
        or abs({{ value }} - {{ sent }}) >= {{ threshold }}
    )
{%- endmacro %}

{#- A hash of the values a CRM receives: each column of `columns` counts
    only where the CRM's row of `mappings` (a relation with one maps_<column>
    flag per column) maps it, so the hash changes exactly when a value that
    CRM receives changes. Values are separated so that ('ab', 'c') and
    ('a', 'bc') differ; a null and an empty string hash alike, as a CRM
    field holds them alike. `instead` names, per column, another column of
    `values` to hash in its place. -#}
{% macro crm_change_hash(mappings, values, columns, instead={}) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append(
            "case when " ~ mappings ~ ".maps_" ~ column ~ " = 1 then coalesce("
            ~ "cast(" ~ values ~ "." ~ instead.get(column, column)
            ~ " as " ~ dbt.type_string()
            ~ "), '') else '' end") -%}
        {%- if not loop.last -%}{%- do parts.append("'|'") -%}{%- endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}

{#- Which reasons a text names, in which order, without its figures: the
    points ("(+12)", "(+40, capped)"), which decay moves daily, and the
    counts ("3 times"), which each new activity moves. The CRM sync
    compares reasons in this form. -#}
{% macro crm_reasons_compared(column) -%}
    {{ lead_scoring.replace_all(
        lead_scoring.replace_all(column, "' [(][^)]*[)]'", "''"),
        "'[0-9]+'", "'#'") }}
{%- endmacro %}
