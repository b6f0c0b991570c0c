{#-
    The body of a reconciliation test: one row describing the gap when the
    raw row count of `raw_relation` differs from the rows that reached
    `scored_relation` (narrowed by `scored_where`, SQL, if given; each row
    counts `scored_count`, SQL, one by default) plus the
    rows of `source_table` that fct_data_quality_issues records as kept out of
    the scores. No row: every raw row is accounted for, exactly once.
-#}
{% macro rows_reconcile(raw_relation, scored_relation, source_table,
    scored_where=none, scored_count=none) %}
with

raw_rows as (

    select count(*) as row_count from {{ raw_relation }}

),

scored_rows as (

    select
        {%- if scored_count %}
        coalesce(sum({{ scored_count }}), 0) as row_count
        {%- else %}
        count(*) as row_count
        {%- endif %}
    from {{ scored_relation }}
    {%- if scored_where %}
    where {{ scored_where }}
    {%- endif %}

),

excluded_rows as (

    select count(*) as row_count
    from {{ ref('fct_data_quality_issues') }}
    where source_table = '{{ source_table }}' and is_excluded_from_scores

)

select
    raw_rows.row_count as raw_rows,
    scored_rows.row_count as scored_rows,
    excluded_rows.row_count as excluded_rows,
    raw_rows.row_count - scored_rows.row_count - excluded_rows.row_count
        as unaccounted_rows
from raw_rows
cross join scored_rows
cross join excluded_rows
where raw_rows.row_count != scored_rows.row_count + excluded_rows.row_count
{% endmacro %}
