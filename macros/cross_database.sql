{#
    Small shims where engines differ; one dispatched macro each, so models
    stay portable (STYLE.md). DuckDB and Postgres share the defaults.
#}

{#- A raw value (text or timestamp, any offset) as a UTC timestamp without
    time zone; null when it cannot be parsed. -#}
{% macro to_utc_timestamp(expression) %}
    {{ return(adapter.dispatch('to_utc_timestamp', 'lead_scoring')(
        expression)) }}
{% endmacro %}

{% macro default__to_utc_timestamp(expression) %}
    {{ dbt.safe_cast(expression, api.Column.translate_type('timestamp')) }}
{% endmacro %}

{% macro duckdb__to_utc_timestamp(expression) %}
    {#- try_cast to timestamp drops an offset silently; timestamptz applies
        it (the session runs in UTC, see profiles.yml). -#}
    cast(try_cast(cast({{ expression }} as varchar) as timestamptz)
        as timestamp)
{% endmacro %}

{#- Lowercase text with every run of other characters turned into one
    space, padded with a space each side, for whole-word matching. -#}
{% macro normalise_words(expression) %}
    {{ return(adapter.dispatch('normalise_words', 'lead_scoring')(
        expression)) }}
{% endmacro %}

{% macro default__normalise_words(expression) %}
    ' ' || regexp_replace(lower({{ expression }}), '[^a-z0-9]+', ' ', 'g')
    || ' '
{% endmacro %}

{#- Text with the characters a seed or a value may carry around a word
    (spaces, hyphens) turned into underscores: 'Page View' → 'page_view'. -#}
{% macro snake_case(expression) %}
    {{ return(adapter.dispatch('snake_case', 'lead_scoring')(expression)) }}
{% endmacro %}

{% macro default__snake_case(expression) %}
    regexp_replace(lower(trim({{ expression }})), '[^a-z0-9]+', '_', 'g')
{% endmacro %}
