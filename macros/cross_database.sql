{#
    Small shims where engines differ; one dispatched macro each, so models
    stay portable (STYLE.md). DuckDB and Postgres share the defaults.
#}

{#- A raw value (text, number or timestamp, any offset) as a UTC timestamp
    without time zone; null when it cannot be parsed. Read as timestamps:
    ISO 8601 text (date, optional time, optional offset, `Z`, `UTC` or
    `GMT`; `/` may separate the date's parts, year first), and epoch times
    as numbers or numeric text: seconds from 1e8 up to 1e11 (1973 to year
    5138), milliseconds from 1e11 up to 1e14 (see epoch_to_timestamp).
    Day-first or month-first dates (01/03/2025) stay unread: which part is
    the month cannot be told. -#}
{% macro to_utc_timestamp(expression) %}
    {{ return(adapter.dispatch('to_utc_timestamp', 'lead_scoring')(
        expression)) }}
{% endmacro %}

{% macro default__to_utc_timestamp(expression) %}
    {{ lead_scoring.try_cast(expression,
        api.Column.translate_type('timestamp')) }}
{% endmacro %}

{#- Postgres: a function per input type (create_cast_functions), so a
    column that is a timestamp already is not parsed again. -#}
{% macro postgres__to_utc_timestamp(expression) %}
    {{ lead_scoring.postgres_function('to_utc_timestamp') }}({{ expression }})
{% endmacro %}

{% macro duckdb__to_utc_timestamp(expression) %}
    {#- Text: try_cast to timestamp drops an offset silently; timestamptz
        applies it (the session runs in UTC, see profiles.yml). A column
        that is already a date or timestamp is cast directly, a number is
        an epoch time: typeof() is folded when the query is planned, so
        only one branch runs, and the text round trip (a second per 6M
        rows) is skipped. Text that is not a timestamp may be an epoch
        time in digits (checked only where the cast failed). 'infinity'
        and '-infinity' name no moment (no age or decay can be computed
        from them), so they are null, as on Postgres. -#}
    {%- set text = 'trim(cast(' ~ expression ~ ' as varchar))' -%}
    nullif(nullif(
        case
            when typeof({{ expression }}) in (
                'TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', 'TIMESTAMP_NS',
                'TIMESTAMP_MS', 'TIMESTAMP_S', 'DATE')
                then try_cast({{ expression }} as timestamp)
            when typeof({{ expression }}) in (
                'TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT',
                'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'FLOAT',
                'DOUBLE') or typeof({{ expression }}) like 'DECIMAL%'
                then {{ lead_scoring.epoch_to_timestamp(
                    'try_cast(' ~ expression ~ ' as double)') }}
            else coalesce(
                cast(try_cast({{ text }} as timestamptz) as timestamp),
                case
                    when regexp_full_match(
                        {{ text }}, '[0-9]{9,14}([.][0-9]+)?')
                        then {{ lead_scoring.epoch_to_timestamp(
                            'try_cast(' ~ text ~ ' as double)') }}
                end
            )
        end,
        cast('infinity' as timestamp)), cast('-infinity' as timestamp))
{% endmacro %}

{#- Spark: text as it is read (trimmed), in the session's time zone (UTC,
    see profiles.yml); an offset in the text is applied. A year-first date
    with '/' is read as with '-'; digits are an epoch time. -#}
{% macro spark__to_utc_timestamp(expression) %}
    {%- set text = 'trim(cast(' ~ expression ~ ' as string))' -%}
    coalesce(
        try_cast(regexp_replace({{ text }},
            '^([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})', '$1-$2-$3') as timestamp),
        case
            when {{ text }} rlike '^[0-9]{9,14}([.][0-9]+)?$'
                then {{ lead_scoring.epoch_to_timestamp(
                    'try_cast(' ~ text ~ ' as double)') }}
        end
    )
{% endmacro %}

{#- An epoch time (a number) as a UTC timestamp: seconds from 1e8 up to
    1e11, milliseconds from 1e11 up to 1e14; null otherwise (a year such
    as 2025, or 20250301, is not taken for a moment in 1970). -#}
{% macro epoch_to_timestamp(number) %}
    {{ return(adapter.dispatch('epoch_to_timestamp', 'lead_scoring')(
        number)) }}
{% endmacro %}

{% macro default__epoch_to_timestamp(number) -%}
    case
        when {{ number }} >= 1e8 and {{ number }} < 1e11
            then {{ dbt.dateadd('second', 'cast(floor(' ~ number
                ~ ') as bigint)', "cast('1970-01-01' as timestamp)") }}
        when {{ number }} >= 1e11 and {{ number }} < 1e14
            then {{ dbt.dateadd('second', 'cast(floor(' ~ number
                ~ ' / 1000) as bigint)', "cast('1970-01-01' as timestamp)") }}
    end
{%- endmacro %}

{% macro duckdb__epoch_to_timestamp(number) -%}
    case
        when {{ number }} >= 1e8 and {{ number }} < 1e11
            then make_timestamp(cast(round({{ number }} * 1e6) as bigint))
        when {{ number }} >= 1e11 and {{ number }} < 1e14
            then make_timestamp(cast(round({{ number }} * 1e3) as bigint))
    end
{%- endmacro %}

{% macro spark__epoch_to_timestamp(number) -%}
    case
        when {{ number }} >= 1e8 and {{ number }} < 1e11
            then timestamp_micros(cast(round({{ number }} * 1e6) as bigint))
        when {{ number }} >= 1e11 and {{ number }} < 1e14
            then timestamp_micros(cast(round({{ number }} * 1e3) as bigint))
    end
{%- endmacro %}

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

{% macro spark__try_cast(expression, type) %}
    try_cast({{ expression }} as {{ type }})
{% endmacro %}

{#- A raw value (text or number) as a double; null when it is not a
    number. -#}
{% macro to_double(expression) %}
    {{ return(adapter.dispatch('to_double', 'lead_scoring')(expression)) }}
{% endmacro %}

{% macro default__to_double(expression) %}
    {{ lead_scoring.try_cast(
        'cast(' ~ expression ~ ' as ' ~ dbt.type_string() ~ ')',
        lead_scoring.type_double()) }}
{% endmacro %}

{#- Postgres: numbers pass through, text is parsed (create_cast_functions). -#}
{% macro postgres__to_double(expression) %}
    {{ lead_scoring.postgres_function('to_double') }}({{ expression }})
{% endmacro %}

{#- Postgres has no try_cast: the project's on-run-start hook creates small
    functions that catch the cast's error (create_cast_functions). -#}
{% macro postgres__try_cast(expression, type) %}
    {%- if type | lower in ('double precision', 'float8', 'double') -%}
        {{ lead_scoring.postgres_function('to_double') }}(
            cast({{ expression }} as text))
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "lead_scoring.try_cast on Postgres knows double precision only, "
            ~ "not '" ~ type ~ "': add a function to create_cast_functions.") }}
    {%- endif -%}
{% endmacro %}

{#- The name of one of the functions create_cast_functions makes. -#}
{% macro postgres_function(name) -%}
    {{ adapter.quote(target.schema) }}.lead_scoring_{{ name }}
{%- endmacro %}

{#- Functions an engine needs before models run (on-run-start). Postgres:
    text to double and text to UTC timestamp, null instead of an error.
    A timestamp is read only in ISO 8601 shape (date, optional time,
    optional offset; '/' may separate a year-first date), as DuckDB reads
    it, or as an epoch time in digits: Postgres alone would also take
    '01/12/2025' and guess which part is the month. Text without an
    offset is UTC, whatever the session's time zone. -#}
{% macro create_cast_functions() %}
    {{ return(adapter.dispatch('create_cast_functions', 'lead_scoring')()) }}
{% endmacro %}

{% macro default__create_cast_functions() %}
    {{ return('') }}
{% endmacro %}

{% macro postgres__create_cast_functions() %}
    {%- set to_double = lead_scoring.postgres_function('to_double') -%}
    {%- set to_utc = lead_scoring.postgres_function('to_utc_timestamp') -%}
    create schema if not exists {{ adapter.quote(target.schema) }};

    {# Values that are typed already pass through plain SQL functions,
        which the planner inlines; only text is parsed, in PL/pgSQL. #}
    create or replace function {{ to_double }}(value double precision)
    returns double precision language sql immutable parallel safe
    as $function$ select value $function$;

    create or replace function {{ to_double }}(value numeric)
    returns double precision language sql immutable parallel safe
    as $function$ select cast(value as double precision) $function$;

    create or replace function {{ to_double }}(value text)
    returns double precision
    language plpgsql immutable parallel restricted as $function$
    begin
        {# Postgres alone would also read hexadecimal ('0x10'). #}
        if trim(value) !~* (
            '^[+-]?((\d+\.?\d*|\.\d+)(e[+-]?\d+)?|inf|infinity|nan)$'
        ) then
            return null;
        end if;
        return cast(trim(value) as double precision);
    exception when others then
        return null;
    end
    $function$;

    create or replace function {{ to_utc }}(value timestamp)
    returns timestamp language sql immutable parallel safe
    as $function$ select value $function$;

    create or replace function {{ to_utc }}(value timestamptz)
    returns timestamp language sql immutable parallel safe
    as $function$ select value at time zone 'UTC' $function$;

    {# Numbers are epoch times: seconds from 1e8 up to 1e11, milliseconds
        from 1e11 up to 1e14 (as epoch_to_timestamp on other engines). #}
    create or replace function {{ to_utc }}(value double precision)
    returns timestamp language sql immutable parallel safe
    as $function$
        select case
            when value >= 1e8 and value < 1e11
                then to_timestamp(value) at time zone 'UTC'
            when value >= 1e11 and value < 1e14
                then to_timestamp(value / 1000) at time zone 'UTC'
        end
    $function$;

    create or replace function {{ to_utc }}(value numeric)
    returns timestamp language sql immutable parallel safe
    as $function$ select {{ to_utc }}(cast(value as double precision)) $function$;

    create or replace function {{ to_utc }}(value text)
    returns timestamp
    language plpgsql stable parallel restricted
    set timezone to 'UTC' as $function$
    begin
        if trim(value) ~ '^\d{9,14}(\.\d+)?$' then
            return {{ to_utc }}(cast(trim(value) as double precision));
        end if;
        if trim(value) !~ (
            '^\d{4}[-/]\d{1,2}[-/]\d{1,2}'
            || '([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?'
            || ' ?([zZ]|[+-]\d{2}(:?\d{2})?|UTC|GMT)?$'
        ) then
            return null;
        end if;
        return cast(cast(trim(value) as timestamptz) as timestamp);
    exception when others then
        return null;
    end
    $function$;
{% endmacro %}

{#- Every match of a regular expression replaced (pattern and replacement
    are SQL expressions). DuckDB and Postgres replace the first match
    unless told 'g'; Spark replaces all, and its fourth argument is a
    position, not flags. -#}
{% macro replace_all(expression, pattern, replacement) %}
    {{ return(adapter.dispatch('replace_all', 'lead_scoring')(
        expression, pattern, replacement)) }}
{% endmacro %}

{% macro default__replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, {{ pattern }}, {{ replacement }}, 'g')
{%- endmacro %}

{% macro spark__replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, {{ pattern }}, {{ replacement }})
{%- endmacro %}

{#- Lowercase text with every run of other characters turned into one
    space, padded with a space each side, for whole-word matching. -#}
{% macro normalise_words(expression) %}
    {{ return(adapter.dispatch('normalise_words', 'lead_scoring')(
        expression)) }}
{% endmacro %}

{% macro default__normalise_words(expression) %}
    ' ' || trim(
        {{ lead_scoring.replace_all(
            'lower(' ~ expression ~ ')', "'[^a-z0-9]+'", "' '") }}
    ) || ' '
{% endmacro %}

{#- Text with the characters a seed or a value may carry around a word
    (spaces, hyphens) turned into underscores: 'Page View' → 'page_view'. -#}
{% macro snake_case(expression) %}
    {{ return(adapter.dispatch('snake_case', 'lead_scoring')(expression)) }}
{% endmacro %}

{% macro default__snake_case(expression) %}
    {{ lead_scoring.replace_all(
        'lower(trim(' ~ expression ~ '))', "'[^a-z0-9]+'", "'_'") }}
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

{#- A number rounded to `digits` decimals, half away from zero, as a
    double. The value is first fixed at 9 decimals: a sum of doubles can
    land a hair below or above a tie (18.35 as 18.349999999999998) in an
    order of additions that differs between engines, and rounding it as it
    is would then give 18.3 on one engine and 18.4 on another. Postgres
    rounds only numeric, not double precision. -#}
{% macro round_to(expression, digits) %}
    {{ return(adapter.dispatch('round_to', 'lead_scoring')(
        expression, digits)) }}
{% endmacro %}

{% macro default__round_to(expression, digits) -%}
    cast(round(cast({{ expression }} as decimal(38, 9)), {{ digits }})
        as {{ lead_scoring.type_double() }})
{%- endmacro %}

{% macro postgres__round_to(expression, digits) -%}
    cast(round(round(cast({{ expression }} as numeric), 9), {{ digits }})
        as double precision)
{%- endmacro %}

{#- Seconds since 1970-01-01 of a timestamp, as a number with the
    fraction of a second, for windows over time (bursts, time since an
    email send): every engine then draws a window's edge at the same
    microsecond. -#}
{% macro epoch_seconds(timestamp) %}
    {{ return(adapter.dispatch('epoch_seconds', 'lead_scoring')(timestamp)) }}
{% endmacro %}

{% macro default__epoch_seconds(timestamp) %}
    extract(epoch from {{ timestamp }})
{% endmacro %}

{% macro duckdb__epoch_seconds(timestamp) %}
    epoch({{ timestamp }})
{% endmacro %}

{#- unix_timestamp() would drop the fraction of a second. -#}
{% macro spark__epoch_seconds(timestamp) %}
    cast(unix_micros({{ timestamp }}) as double) / 1000000
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

{#- How int_activities_deduplicated and base_marketing__activities_ranked are
    materialised. Incremental where the engine can replace rows (their rows
    of an activity_id deleted and inserted again): a run reloads the
    lookback window and lets a late copy compete with the loaded one.
    Spark on plain parquet can neither delete nor merge, appending only
    absent keys would keep a worse copy loaded earlier, and
    insert_overwrite with only the new rows would drop the rest of the
    table: there it is rebuilt as a table on every run. -#}
{% macro activity_fact_materialization() %}
    {{ return(adapter.dispatch('activity_fact_materialization',
        'lead_scoring')()) }}
{% endmacro %}

{% macro default__activity_fact_materialization() %}
    {{ return('incremental') }}
{% endmacro %}

{% macro spark__activity_fact_materialization() %}
    {{ return('table') }}
{% endmacro %}

{#- The incremental strategy of base_marketing__activities_ranked, whose grain is
    one raw row: delete every row of the activity_ids the new rows hold,
    then insert the new rows. Unlike delete+insert, rows without an
    activity_id count as one id (they are ranked as one group), so a run
    that re-reads them does not keep their old copies. Used where
    activity_fact_materialization is incremental (not on Spark). -#}
{% macro get_incremental_replace_activity_ids_sql(arg_dict) %}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set key = arg_dict['unique_key'] -%}
    {%- set columns = get_quoted_csv(
        arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where {{ lead_scoring.has_id_among(key, source) }};

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }}
{% endmacro %}

{#- Whether a row's `column` is one of the ids the rows of `relation` hold,
    rows without an id counting as one id: true for a null id when
    `relation` has a row without one (a plain IN never matches null). The
    rows of one activity_id, the missing id included, are ranked and
    replaced together (base_marketing__activities_ranked and its strategy). -#}
{% macro has_id_among(column, relation) -%}
    (
        {{ column }} in (
            select {{ column }} from {{ relation }}
            where {{ column }} is not null
        )
        or (
            {{ column }} is null
            and exists (
                select 1 from {{ relation }} where {{ column }} is null
            )
        )
    )
{%- endmacro %}

{#- The strategy of an incremental model that only ever adds rows whose
    key the table does not hold yet (lead_score_history): delete+insert
    where the engine has it, plain append on Spark (parquet), which is the
    same when no key is added twice. -#}
{% macro add_only_incremental_strategy() %}
    {{ return(adapter.dispatch('add_only_incremental_strategy',
        'lead_scoring')()) }}
{% endmacro %}

{% macro default__add_only_incremental_strategy() %}
    {{ return('delete+insert') }}
{% endmacro %}

{% macro spark__add_only_incremental_strategy() %}
    {{ return('append') }}
{% endmacro %}

{#- Post-hook of int_activities_deduplicated: after an incremental run,
    delete the activities of leads no longer among the staged leads (a lead
    deleted in the CRM), so the table equals a full refresh. Nothing on a
    full build (the model's join already leaves them out) or where the
    model is rebuilt as a table (Spark). -#}
{% macro forget_activities_of_gone_leads() %}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where lead_id not in (
            select lead_id from {{ ref('stg_crm__leads') }}
            where lead_id is not null
        )
    {%- endif -%}
{% endmacro %}
