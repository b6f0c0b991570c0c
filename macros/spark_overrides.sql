{#
    Seeds on Spark in session mode: dbt-spark 1.11 binds every seed value
    as text in quotes, so an empty cell arrives as the string 'None' (and a
    quote inside a value breaks the statement). This loader writes each
    value as a SQL literal instead: null for an empty cell, escaped text
    otherwise, cast to the seed's column type like dbt-spark does. Found
    first by the accepted_values test on job_title_seniority.seniority.
#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {% set batch_size = get_batch_size() %}
    {% set column_override = model['config'].get('column_types', {}) %}
    {% set statements = [] %}
    {% for chunk in agate_table.rows | batch(batch_size) %}
        {% set sql %}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for column_name in agate_table.column_names -%}
                    {%- set inferred_type = adapter.convert_type(
                        agate_table, loop.index0) -%}
                    {%- set type = column_override.get(
                        column_name, inferred_type) -%}
                    cast({{ lead_scoring.spark_literal(row[loop.index0]) }}
                        as {{ type }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {%- endfor %}
        {% endset %}
        {% do adapter.add_query(sql, abridge_sql_log=True) %}
        {% if loop.index0 == 0 %}
            {% do statements.append(sql) %}
        {% endif %}
    {% endfor %}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}

{#- One seed value as a Spark SQL literal. -#}
{% macro spark_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is sameas true or value is sameas false -%}
        {{ 'true' if value else 'false' }}
    {%- elif value is number -%}
        '{{ value }}'
    {%- else -%}
        '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}

{#-
    dbt.listagg on Spark: dbt-spark 1.11 ignores the order by clause (it
    warns and concatenates in whatever order the rows came). Top reasons
    and disqualification reasons must read in rank order, so here the
    values are collected with their sort keys, sorted, then joined. The
    clause is a list of columns or expressions, ascending.
-#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if order_by_clause -%}
        {%- set keys = modules.re.sub('(?i)^\\s*order\\s+by\\s+', '',
            order_by_clause).split(',') | map('trim') | list -%}
        {%- for key in keys -%}
            {%- if modules.re.search('(?i)\\s(asc|desc)$', key) -%}
                {{ exceptions.raise_compiler_error(
                    "listagg on Spark sorts ascending only; leave out '"
                    ~ key ~ "'") }}
            {%- endif -%}
        {%- endfor -%}
        {%- set fields = [] -%}
        {%- for key in keys -%}
            {%- do fields.append(key ~ ' as k' ~ loop.index) -%}
        {%- endfor -%}
        {%- set collected -%}
            transform(
                array_sort(collect_list(struct(
                    {{ fields | join(', ') }}, {{ measure }} as v))),
                x -> x.v)
        {%- endset -%}
    {%- else -%}
        {%- set collected = 'collect_list(' ~ measure ~ ')' -%}
    {%- endif -%}
    {%- if limit_num -%}
        {%- set collected = 'slice(' ~ collected ~ ', 1, ' ~ limit_num ~ ')' -%}
    {%- endif -%}
    array_join({{ collected }}, {{ delimiter_text }})
{%- endmacro %}
