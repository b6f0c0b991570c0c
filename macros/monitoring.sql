{#- How fct_lead_cohort_conversions is materialised. Incremental where the
    engine can replace rows: a run recomputes the cohorts whose horizon was
    not observed yet (delete+insert of their rows) and leaves the final
    ones alone. Spark on plain parquet can neither delete nor merge, and
    insert_overwrite without partitions would drop the final cohorts: there
    it is rebuilt as a table on every run. -#}
{% macro cohort_conversions_materialization() %}
    {{ return(adapter.dispatch('cohort_conversions_materialization',
        'lead_scoring')()) }}
{% endmacro %}

{% macro default__cohort_conversions_materialization() %}
    {{ return('incremental') }}
{% endmacro %}

{% macro spark__cohort_conversions_materialization() %}
    {{ return('table') }}
{% endmacro %}
