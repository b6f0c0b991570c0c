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
                     (spaces around each '|' ignored)
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
                then {{ lead_scoring.in_pipe_list(
                    attribute ~ '.attribute_value', rule ~ '.match_value') }}
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
    One row per key and attribute of a relation, for every column that a
    rule in `rule_relations` (seeds with an `attribute` column) tests: the
    column's name as `attribute`, its value as lowercased trimmed text
    (`attribute_value`) and as a number where it is one (`attribute_number`).
    Column names come from the database catalogue; seed text is only
    compared with them, never placed in SQL. A rule naming a column that
    does not exist stops the run with a message naming the seed row.
    `keys` lists the key columns as (name, data type) pairs; they are
    carried onto every row and are never attributes.
-#}
{% macro unpivot_attributes(relation, keys, rule_relations) %}
    {%- set key_names = [] -%}
    {%- for key in keys -%}{%- do key_names.append(key[0]) -%}{%- endfor -%}
    {%- set empty -%}
        select
            {% for key in keys -%}
                cast(null as {{ key[1] }}) as {{ key[0] }},
            {% endfor -%}
            cast(null as {{ dbt.type_string() }}) as attribute,
            cast(null as {{ dbt.type_string() }}) as attribute_value,
            cast(null as {{ lead_scoring.type_double() }}) as attribute_number
        where 1 = 0
    {%- endset -%}
    {%- set available = [] -%}
    {%- if execute and load_relation(relation) is not none -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- if column.name | lower not in key_names -%}
                {%- do available.append(column.name | lower) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if not available -%}
        {#- Parsing, or the relation is not built yet (e.g. linting). -#}
        {{- return(empty) -}}
    {%- endif -%}
    {%- set used = [] -%}
    {%- for rules in rule_relations -%}
        {#- The first column of a rule seed is its id. Its whole table, also
            in a `--empty` run (which limits each ref to no rows). -#}
        {%- set rows = run_query('select * from ' ~ rules.render()) -%}
        {%- for row in rows -%}
            {%- set attribute = (row['attribute'] or '') | string | trim
                | lower -%}
            {%- if attribute not in available -%}
                {{ exceptions.raise_compiler_error(
                    "Seed " ~ rules.identifier ~ ", row '" ~ row[0]
                    ~ "': attribute '" ~ attribute ~ "' is not a lead "
                    ~ "column. Use one of: " ~ available | join(', ')) }}
            {%- elif attribute not in used -%}
                {%- do used.append(attribute) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if not used -%}{{- return(empty) -}}{%- endif -%}
    {%- for column in used %}
        {%- set value = 'lower(trim(cast(' ~ adapter.quote(column) ~ ' as '
            ~ dbt.type_string() ~ ')))' %}
        select
            {{ key_names | join(', ') }},
            '{{ column }}' as attribute,
            {{ value }} as attribute_value,
            {{ lead_scoring.try_cast(value, lead_scoring.type_double()) }}
                as attribute_number
        from {{ relation }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{% endmacro %}

{#- The points of a contribution as signed text: 27 → '+27', -5 → '-5'. -#}
{% macro signed_points(points) -%}
    case when {{ lead_scoring.round_to(points, 0) }} >= 0 then '+' else '' end
    || cast(cast({{ lead_scoring.round_to(points, 0) }} as {{ dbt.type_int() }})
        as {{ dbt.type_string() }})
{%- endmacro %}

{#- Columns as one text value, for fingerprinting: each value is written
    with its length ('5:hello'; '-' for null), so no two different rows give
    the same text, whatever separators their values contain. -#}
{% macro row_as_text(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- set text = "cast(" ~ column ~ " as " ~ dbt.type_string() ~ ")" -%}
        {%- do parts.append("coalesce(cast(" ~ dbt.length(text) ~ " as "
            ~ dbt.type_string() ~ ") || ':' || " ~ text ~ ", '-')") -%}
    {%- endfor -%}
    {{ parts | join(" || '|' || ") }}
{%- endmacro %}

{#- The sales_ready rows of a score_thresholds relation as one row of
    minimums (min_lead_score, min_fit_score, min_engagement_score); a
    minimum that is not listed is 0. -#}
{% macro sales_ready_minimums(score_thresholds) -%}
    select
        coalesce(max(
            case when band = 'lead_score' then min_score end
        ), 0) as min_lead_score,
        coalesce(max(
            case when band = 'fit_score' then min_score end
        ), 0) as min_fit_score,
        coalesce(max(
            case when band = 'engagement_score' then min_score end
        ), 0) as min_engagement_score
    from {{ score_thresholds }}
    where scale = 'sales_ready'
{%- endmacro %}

{#- Whether a lowercase value is one of the items of a '|'-separated list
    (case ignored, spaces around each '|' ignored; whole items only, so
    'vp' is not in 'svp|evp'). -#}
{% macro in_pipe_list(value, list) -%}
    {{ dbt.position(
        "'|' || " ~ value ~ " || '|'",
        "'|' || " ~ lead_scoring.replace_all(
            'lower(trim(' ~ list ~ '))', "' *[|] *'", "'|'") ~ " || '|'") }} > 0
{%- endmacro %}

{#- The time bucket of an epoch (seconds) for an after_send bot rule of
    `window_seconds`: buckets that wide, so a send within the window of an
    activity lies in the activity's bucket or the one before; a window of 0
    puts each moment in its own bucket. -#}
{% macro bot_time_bucket(epoch_seconds, window_seconds) -%}
    case
        when {{ window_seconds }} > 0
            then floor({{ epoch_seconds }} / {{ window_seconds }})
        else {{ epoch_seconds }}
    end
{%- endmacro %}

{#- Days (fractional) from one timestamp to a later one, to the second. -#}
{% macro age_days(from_timestamp, to_timestamp) -%}
    {#- A double divided: Spark reads 86400.0 as a decimal and would round
        the age to 6 places. -#}
    cast({{ dbt.datediff(from_timestamp, to_timestamp, 'second') }}
        as {{ lead_scoring.type_double() }}) / 86400
{%- endmacro %}

{#- What one activity `age_days` old is worth, as a share of its points,
    with a half-life of `half_life_days`: 0.5 ^ (age / half-life), so it
    halves every half-life; 0 when the half-life is missing or not
    positive. The scores and int_activities_decayed both use it. -#}
{% macro decay_factor(age_days, half_life_days) -%}
    case
        when {{ half_life_days }} > 0
            then power(0.5, ({{ age_days }}) / ({{ half_life_days }}))
        else 0
    end
{%- endmacro %}

{#- The first moment that is less than `days` days before `as_of` by
    age_days (which counts whole seconds): age_days(t, as_of) < days
    exactly when t is at or after it. -#}
{% macro window_start(as_of, days) -%}
    {{ dbt.dateadd(
        'second', 1 - days * 86400, dbt.date_trunc('second', as_of)) }}
{%- endmacro %}

{#- Every band of a score_thresholds scale a score reaches, per row of a
    relation (`scored`, with key columns `keys`): the band, its band_rank,
    and band_order (1 for the best band reached, the row's band). Join on
    the keys with band_order = 1. -#}
{% macro bands_reached(scored, keys, score_column, scale, thresholds) -%}
    select
        {% for key in keys -%}
            {{ scored }}.{{ key }},
        {% endfor -%}
        {{ thresholds }}.band,
        {{ thresholds }}.band_rank,
        row_number() over (
            partition by
                {% for key in keys -%}
                    {{ scored }}.{{ key }}{{ ',' if not loop.last }}
                {% endfor %}
            order by {{ thresholds }}.min_score desc
        ) as band_order
    from {{ scored }}
    inner join {{ thresholds }}
        on
            {{ thresholds }}.scale = '{{ scale }}'
            and {{ scored }}.{{ score_column }} >= {{ thresholds }}.min_score
{%- endmacro %}

{#- Whether lead_score_history reconstructs missing past dates from today's
    data (var lead_scoring__history_backfill; true, 'true' or 1). -#}
{% macro history_backfill() -%}
    {{ return(var('lead_scoring__history_backfill') | string | trim | lower
        in ['true', '1', 'yes']) }}
{%- endmacro %}

{#- Stops the run when a '|'-separated list of activity types in a seed
    (`rules`, column `column`; its first column names the row) names a type
    that none of `known_relations` has in its activity_type column: a
    typo such as email_clikc would otherwise quietly match nothing
    (`known_relations`: activity_weights and the activities). Seed
    text is only compared, never placed in SQL. -#}
{% macro check_listed_activity_types(rules, column, known_relations) %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set known = [] -%}
    {%- set sources = [] -%}
    {%- for relation in known_relations
        if load_relation(relation) is not none -%}
        {%- do sources.append(relation.identifier) -%}
        {%- for row in run_query('select distinct activity_type from '
            ~ relation ~ ' where activity_type is not null') -%}
            {%- do known.append(row[0] | string | trim | lower) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if not sources -%}{{ return('') }}{%- endif -%}
    {%- for row in run_query('select * from ' ~ rules) -%}
        {%- for item in ((row[column] or '') | string).split('|')
            if item | trim -%}
            {%- if item | trim | lower not in known -%}
                {{ exceptions.raise_compiler_error(
                    "Seed " ~ rules.identifier ~ ", row '" ~ row[0] ~ "': "
                    ~ column ~ " names '" ~ item | trim ~ "', which is "
                    ~ "neither in activity_weights nor a type of the raw "
                    ~ "activities. Fix the spelling, or add the type to "
                    ~ "activity_weights. Known types: "
                    ~ known | unique | sort | join(', ')) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return('') }}
{% endmacro %}

{#- The backtest's calendar cut-offs (var lead_scoring__backtest_dates: a
    list of dates or timestamps, or one as text), checked like
    lead_scoring__as_of_date. -#}
{% macro backtest_dates() -%}
    {%- set given = var('lead_scoring__backtest_dates') -%}
    {%- if given is string -%}
        {%- set given = given.split(',') if given | trim else [] -%}
    {%- endif -%}
    {%- set pattern = '^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?$' -%}
    {%- set dates = [] -%}
    {%- for value in given -%}
        {%- set text = value | string | trim -%}
        {%- if not modules.re.match(pattern, text) -%}
            {{ exceptions.raise_compiler_error(
                "lead_scoring__backtest_dates must list dates (2026-03-01) "
                ~ "or timestamps (2026-03-01 12:00); got: " ~ text) }}
        {%- endif -%}
        {%- do dates.append(text) -%}
    {%- endfor -%}
    {{ return(dates) }}
{%- endmacro %}

{#- var lead_scoring__backtest_lead_age_days as a whole number of days, or
    none when it is empty (no lead is scored at an age). -#}
{% macro backtest_lead_age_days() -%}
    {%- set given = var('lead_scoring__backtest_lead_age_days') | string
        | trim -%}
    {%- if given in ['', 'none', 'None'] -%}{{ return(none) }}{%- endif -%}
    {%- if not modules.re.match('^\d+$', given) -%}
        {{ exceptions.raise_compiler_error(
            "lead_scoring__backtest_lead_age_days must be a whole number of "
            ~ "days or empty; got: " ~ given) }}
    {%- endif -%}
    {{ return(given | int) }}
{%- endmacro %}

{#- The moment a lead created at `created_at` is scored at its backtest
    age: the first midnight (UTC) after created_at plus that many days, so
    its age then is more than the age and at most a day more. -#}
{% macro lead_age_scoring_moment(created_at) -%}
    cast({{ dbt.dateadd(
        'day', lead_scoring.backtest_lead_age_days() + 1,
        dbt.date_trunc('day', created_at)) }}
        as {{ api.Column.translate_type('timestamp') }})
{%- endmacro %}

{#- True when the row of int_scoring_dates `dates` scores a lead created at
    `created_at`: the lead existed by then, and the date scores every lead
    or is the lead's backtest-age moment. -#}
{% macro date_scores_lead(created_at, dates) -%}
    ({{ created_at }} < {{ dates }}.scored_as_of
    {%- if lead_scoring.backtest_lead_age_days() is not none %}
        and (
            {{ dates }}.scores_every_lead
            or {{ lead_scoring.lead_age_scoring_moment(created_at) }}
            = {{ dates }}.scored_as_of
        )
    {%- endif %})
{%- endmacro %}
