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
    {{ lead_scoring.try_cast(expression,
        api.Column.translate_type('timestamp')) }}
{% endmacro %}

{% macro duckdb__to_utc_timestamp(expression) %}
    {#- try_cast to timestamp drops an offset silently; timestamptz applies
        it (the session runs in UTC, see profiles.yml). -#}
    cast(try_cast(trim(cast({{ expression }} as varchar)) as timestamptz)
        as timestamp)
{% endmacro %}

{#- A cast that gives null instead of an error when the value does not
    convert. dbt.safe_cast is a plain cast on DuckDB and Postgres, so one
    bad value in a raw file would stop the whole build. -#}
{% macro try_cast(expression, type) %}
    {{ return(adapter.dispatch('try_cast', 'lead_scoring')(
        expression, type)) }}
{% endmacro %}

{% macro default__try_cast(expression, type) %}
    {{ dbt.safe_cast(expression, type) }}
{% endmacro %}

{% macro duckdb__try_cast(expression, type) %}
    try_cast({{ expression }} as {{ type }})
{% endmacro %}

{#- Lowercase text with every run of other characters turned into one
    space, padded with a space each side, for whole-word matching. -#}
{% macro normalise_words(expression) %}
    {{ return(adapter.dispatch('normalise_words', 'lead_scoring')(
        expression)) }}
{% endmacro %}

{% macro default__normalise_words(expression) %}
    ' ' || trim(
        regexp_replace(lower({{ expression }}), '[^a-z0-9]+', ' ', 'g')
    ) || ' '
{% endmacro %}

{#- Text with the characters a seed or a value may carry around a word
    (spaces, hyphens) turned into underscores: 'Page View' → 'page_view'. -#}
{% macro snake_case(expression) %}
    {{ return(adapter.dispatch('snake_case', 'lead_scoring')(expression)) }}
{% endmacro %}

{% macro default__snake_case(expression) %}
    regexp_replace(lower(trim({{ expression }})), '[^a-z0-9]+', '_', 'g')
{% endmacro %}

{#- A 64-bit float. dbt.type_float() is a 32-bit `float` on DuckDB, too
    coarse for scores and decayed points; Spark SQL rejects `double
    precision`, so each engine gets its own spelling. -#}
{% macro type_double() %}
    {{ return(adapter.dispatch('type_double', 'lead_scoring')()) }}
{% endmacro %}

{% macro default__type_double() %}double precision{% endmacro %}

{% macro duckdb__type_double() %}double{% endmacro %}

{% macro spark__type_double() %}double{% endmacro %}

{#- Seconds since 1970-01-01 of a timestamp, as a number, for windows over
    time (bursts, time since an email send). -#}
{% macro epoch_seconds(timestamp) %}
    {{ return(adapter.dispatch('epoch_seconds', 'lead_scoring')(timestamp)) }}
{% endmacro %}

{% macro default__epoch_seconds(timestamp) %}
    extract(epoch from {{ timestamp }})
{% endmacro %}

{% macro duckdb__epoch_seconds(timestamp) %}
    epoch({{ timestamp }})
{% endmacro %}

{% macro spark__epoch_seconds(timestamp) %}
    unix_timestamp({{ timestamp }})
{% endmacro %}

{#- Whether a double is a real number (not NaN or infinite). DuckDB needs
    it said: with Parquet statistics that leave NaN out, it may drop a range
    check that would have rejected NaN. Elsewhere NaN and infinities fail
    the range checks they meet, so a null check is enough. -#}
{% macro is_finite(expression) %}
    {{ return(adapter.dispatch('is_finite', 'lead_scoring')(expression)) }}
{% endmacro %}

{% macro default__is_finite(expression) %}
    {{ expression }} is not null
{% endmacro %}

{% macro duckdb__is_finite(expression) %}
    coalesce(isfinite({{ expression }}), false)
{% endmacro %}
