{#- Trimmed text, empty strings as null. -#}
{% macro clean_text(column) -%}
    nullif(trim(cast({{ column }} as {{ dbt.type_string() }})), '')
{%- endmacro %}

{#- A number from text or a number; null when it is not one. For values
    with a plausible range use plausible_number. -#}
{% macro clean_number(column, type=none) -%}
    {%- set parsed = lead_scoring.to_double(column) -%}
    {%- if type -%}cast({{ parsed }} as {{ type }}){%- else -%}{{ parsed }}
    {%- endif -%}
{%- endmacro %}

{#- Whether a cleaned (lowercase, trimmed) email is usable: one @, a local
    part, a dotted domain, no spaces. -#}
{% macro is_valid_email(email) -%}
    coalesce(
        {{ dbt.length(email) }}
        - {{ dbt.length(dbt.replace(email, "'@'", "''")) }} = 1
        and {{ dbt.length(dbt.split_part(email, "'@'", 1)) }} > 0
        and {{ dbt.position("'.'", dbt.split_part(email, "'@'", 2)) }} > 1
        and {{ dbt.split_part(email, "'@'", 2) }} not like '%.'
        and {{ dbt.position("' '", email) }} = 0,
        false
    )
{%- endmacro %}

{#-
    Columns of a raw relation that are not in the contract, for passing
    through to staging under snake_case names (so fit rules can score a
    user's own columns). A column whose snake_case name is one the project
    derives or adds (`reserved`: seniority, department, rejection_reason,
    …, see lead_derived_columns) is renamed `<name>_raw`, so a CRM's own
    Seniority never replaces the seniority read from the job title; each
    rename is logged once per run. A name that cannot be made a plain
    identifier, or that collides with another (after a rename too), stops
    the run with a message naming the column, the table and the fix.
    Returns a list of (quoted source name, snake_case name).
-#}
{% macro extra_columns(relation, contract_columns, reserved=[]) %}
    {% if not execute %}{{ return([]) }}{% endif %}
    {% set extras = [] %}
    {% set taken = contract_columns | list %}
    {% set columns = adapter.get_columns_in_relation(relation) %}
    {% set where = lead_scoring.raw_table_location(relation) %}
    {% for column in columns %}
        {% set name = column.name %}
        {% set snake = modules.re.sub('[^a-z0-9]+', '_', name.lower())
            .strip('_') %}
        {% set renamed = snake ~ '_raw' if snake in reserved else snake %}
        {% if name.lower() in contract_columns %}
            {# a contract column: typed by the staging model itself #}
        {% elif not snake or not modules.re.match('^[a-z][a-z0-9_]{0,62}$',
                renamed) or '"' in name %}
            {{ exceptions.raise_compiler_error(
                "Column '" ~ name ~ "' of " ~ where ~ " cannot be used as "
                ~ "a name: rename it to letters, digits and underscores "
                ~ "(at most 63, starting with a letter) in the file or "
                ~ "table.") }}
        {% elif renamed in taken
                or (renamed != snake and columns | map(attribute='name')
                    | map('lower') | select('equalto', renamed) | list) %}
            {{ exceptions.raise_compiler_error(
                "Column '" ~ name ~ "' of " ~ where ~ " becomes '" ~ renamed
                ~ "', which another column already has"
                ~ (" (it is renamed because the project derives '" ~ snake
                    ~ "' itself)" if renamed != snake else "")
                ~ ": rename or drop one of them in the file or table.") }}
        {% else %}
            {% if renamed != snake %}
                {% do log("Raw column '" ~ name ~ "' of " ~ where
                    ~ " is read as '" ~ renamed ~ "': the project derives '"
                    ~ snake ~ "' itself. Fit rules can test either.",
                    info=true) %}
            {% endif %}
            {% do taken.append(renamed) %}
            {% do extras.append((adapter.quote(name), renamed)) %}
        {% endif %}
    {% endfor %}
    {{ return(extras) }}
{% endmacro %}

{#- The names of the columns the lead models derive or add to a raw lead
    row (their documented columns that are not the contract's; dim_leads
    publishes int_leads_deduplicated as it is), which a
    raw column must not shadow (see extra_columns). Read from the models'
    YAML, so a column added there is covered without a change here. -#}
{% macro lead_derived_columns(contract_columns) %}
    {%- set derived = [] -%}
    {%- if not execute -%}{{ return(derived) }}{%- endif -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.name in [
            'base_crm__leads', 'stg_crm__leads', 'int_leads_enriched',
            'int_leads_deduplicated', 'int_leads_as_of'] -%}
        {%- for column in node.columns
            if column | lower not in contract_columns
            and column | lower not in derived -%}
            {%- do derived.append(column | lower) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(derived | sort) }}
{% endmacro %}

{#- Where a raw table is read from, for messages: on DuckDB its file
    (`<LEAD_SCORING_RAW_DIR>/<table>.csv` or `.parquet`), elsewhere the
    table. -#}
{% macro raw_table_location(relation) %}
    {{ return(adapter.dispatch('raw_table_location', 'lead_scoring')(
        relation)) }}
{% endmacro %}

{% macro default__raw_table_location(relation) %}
    {{ return('table ' ~ relation) }}
{% endmacro %}

{% macro duckdb__raw_table_location(relation) %}
    {%- if lead_scoring.crm_connectors_enabled() -%}
        {{ return('table ' ~ relation) }}
    {%- endif -%}
    {%- set base = env_var('LEAD_SCORING_RAW_DIR', 'data/raw').rstrip('/')
        ~ '/' ~ relation.identifier -%}
    {%- set found = run_query("select file from glob('"
        ~ base.replace("'", "''") ~ ".*') order by file") -%}
    {%- set files = [] -%}
    {%- for file in found.columns[0].values()
        if file.endswith('.csv') or file.endswith('.parquet') -%}
        {%- do files.append(file) -%}
    {%- endfor -%}
    {{ return('file ' ~ (files[0] if files else base ~ '.csv')) }}
{% endmacro %}

{#- The columns of a relation, comma-separated, leaving out `except`
    (for selecting everything but bookkeeping columns, portably). Where the
    catalogue cannot list them (parsing, or a unit test's fixture standing
    in for the relation) it is `*`, which keeps the bookkeeping columns. -#}
{% macro star_except(relation, except=[]) -%}
    {%- set kept = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- if column.name | lower not in except -%}
                {%- do kept.append(adapter.quote(column.name)) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if kept -%}{{ kept | join(',\n        ') }}{%- else -%}*{%- endif -%}
{%- endmacro %}

{#- A number from text or a number, kept only inside its plausible range
    (var lead_scoring__plausible_ranges[range_name], bounds included):
    null when missing, not a number, NaN, infinite or out of range, so an
    absurd value can neither skew a score nor overflow a cast. -#}
{% macro plausible_number(column, range_name, type=none) -%}
    {%- set bounds = var('lead_scoring__plausible_ranges')[range_name] -%}
    {%- set parsed = lead_scoring.clean_number(column) -%}
    {%- set kept -%}
        case
            when {{ lead_scoring.is_finite(parsed) }}
                and {{ parsed }} >= {{ bounds[0] }}
                and {{ parsed }} <= {{ bounds[1] }}
                then {{ parsed }}
        end
    {%- endset -%}
    {%- if type -%}cast({{ kept }} as {{ type }}){%- else -%}{{ kept }}
    {%- endif -%}
{%- endmacro %}

{#- The names of the given columns whose raw value is present but not a
    plausible number (see plausible_number), comma-separated; null when
    all are fine. `checks` is a list of (column, range name) pairs. -#}
{% macro implausible_columns(checks) -%}
    {%- set flags = [] -%}
    {%- for column, range_name in checks -%}
        {%- do flags.append(
            "case when " ~ lead_scoring.clean_text(column) ~ " is not null"
            ~ " and (" ~ lead_scoring.plausible_number(column, range_name)
            ~ ") is null then '" ~ column ~ "' end") -%}
    {%- endfor -%}
    nullif(concat_ws(', ', {{ flags | join(', ') }}), '')
{%- endmacro %}

{#- Whether a timestamp lies in the future: more than
    lead_scoring__future_tolerance_hours after the run started. -#}
{% macro is_in_future(timestamp) -%}
    coalesce({{ timestamp }} > {{ dbt.dateadd(
        'hour', var('lead_scoring__future_tolerance_hours') | int,
        'cast(' ~ dbt.current_timestamp() ~ ' as '
        ~ api.Column.translate_type('timestamp') ~ ')') }}, false)
{%- endmacro %}

{#- The order in which copies of one activity_id compete: a copy whose
    lead exists (`is_lead_known`, a boolean expression) first, since a copy
    filed under an unknown lead_id can never be scored; then the earliest,
    then by every other column, so the kept copy never depends on the order
    rows were read in. base_marketing__activities_ranked and the
    incremental int_activities_deduplicated rank with it, so a daily run
    keeps the same copy a full refresh keeps. -#}
{% macro activity_copy_order(is_lead_known) -%}
    case when {{ is_lead_known }} then 0 else 1 end asc,
    occurred_at asc nulls last,
    lead_id asc nulls last,
    activity_type asc nulls last,
    activity_type_raw asc nulls last,
    url asc nulls last,
    campaign asc nulls last,
    asset asc nulls last,
    duration_seconds asc nulls last
{%- endmacro %}

{#- The moment an incremental run of an activity table reloads from:
    lead_scoring__activity_lookback_days before the latest occurred_at of
    the rows of `this` that match `where`. Read before the query runs and
    written into it as a constant (null when no row matches: every row is
    read), which DuckDB pushes into its scan of the raw file; compared with
    a join, it does not type every raw row. `input` is a ref the model
    reads: in a unit test it has no schema and `this` is a fixture that
    cannot be read first, so there the moment is the same as a subquery. -#}
{% macro activity_reload_from(input, where='1 = 1') -%}
    {%- set lookback_days = var('lead_scoring__activity_lookback_days') | int -%}
    {%- set query = 'select '
        ~ dbt.dateadd('day', -lookback_days, 'max(occurred_at)')
        ~ ' from ' ~ this ~ ' where ' ~ where -%}
    {%- if not (execute and is_incremental() and input.schema) -%}
        {{- return('(' ~ query ~ ')') -}}
    {%- endif -%}
    {%- set latest = run_query(query).columns[0].values()[0] -%}
    {%- set timestamp = api.Column.translate_type('timestamp') -%}
    {%- if latest is none -%}
        {{- return('cast(null as ' ~ timestamp ~ ')') -}}
    {%- endif -%}
    {{- return("cast('" ~ latest.strftime('%Y-%m-%d %H:%M:%S.%f')
        ~ "' as " ~ timestamp ~ ")") -}}
{%- endmacro %}
