{#
    Scoring helpers. Rules from the seeds are applied by joining their rows
    to lead data, never by pasting seed text into SQL: a seed value can only
    ever be compared with, not run.
#}

{#-
    Whether a rule row (alias `rule`: match_kind, match_value, range_min,
    range_max) matches an attribute row (alias `attribute`: attribute_value,
    lowercased text, and attribute_number). Match kinds:
      equals         value equals match_value (case and spaces ignored)
      in_list        value is one of match_value's '|'-separated items
      contains       value contains match_value
      numeric_range  range_min <= number < range_max (either may be empty)
      is_missing     the lead has no value for the attribute
-#}
{% macro rule_matches(rule, attribute) -%}
    coalesce(
        case lower(trim({{ rule }}.match_kind))
            when 'equals'
                then {{ attribute }}.attribute_value
                = lower(trim({{ rule }}.match_value))
            when 'in_list'
                then {{ dbt.position(
                    "'|' || " ~ attribute ~ ".attribute_value || '|'",
                    "'|' || lower(trim(" ~ rule ~ ".match_value)) || '|'") }}
                > 0
            when 'contains'
                then {{ dbt.position(
                    "lower(trim(" ~ rule ~ ".match_value))",
                    attribute ~ ".attribute_value") }} > 0
            when 'numeric_range'
                then {{ attribute }}.attribute_number
                >= coalesce({{ rule }}.range_min, {{ attribute }}.attribute_number)
                and {{ attribute }}.attribute_number
                < coalesce({{ rule }}.range_max, {{ attribute }}.attribute_number + 1)
            when 'is_missing'
                then {{ attribute }}.attribute_value is null
            else false
        end,
        false
    )
{%- endmacro %}

{#-
    One row per (key, column) of a relation: the column's name as
    `attribute`, its value as lowercased trimmed text (`attribute_value`)
    and as a number where it is one (`attribute_number`). Column names come
    from the database catalogue, not from seed text.
-#}
{% macro unpivot_attributes(relation, key) %}
    {%- if not execute -%}
        select
            cast(null as {{ dbt.type_string() }}) as {{ key }},
            cast(null as {{ dbt.type_string() }}) as attribute,
            cast(null as {{ dbt.type_string() }}) as attribute_value,
            cast(null as {{ dbt.type_float() }}) as attribute_number
        {{- return('') -}}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- if column.name | lower != key -%}
            {%- do columns.append(column.name | lower) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for column in columns %}
        {%- set value = 'lower(trim(cast(' ~ adapter.quote(column) ~ ' as '
            ~ dbt.type_string() ~ ')))' %}
        select
            {{ key }},
            '{{ column }}' as attribute,
            {{ value }} as attribute_value,
            {{ dbt.safe_cast(value, dbt.type_float()) }} as attribute_number
        from {{ relation }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{% endmacro %}

{#- The points of a contribution as signed text: 27 → '+27', -5 → '-5'. -#}
{% macro signed_points(points) -%}
    case when round({{ points }}, 0) >= 0 then '+' else '' end
    || cast(cast(round({{ points }}, 0) as {{ dbt.type_int() }})
        as {{ dbt.type_string() }})
{%- endmacro %}

{#- Every column of a relation as one text value, for fingerprinting. -#}
{% macro row_as_text(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as "
            ~ dbt.type_string() ~ "), '')") -%}
    {%- endfor -%}
    {{ parts | join(" || '|' || ") }}
{%- endmacro %}
