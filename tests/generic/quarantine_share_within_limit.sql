{#-
    A quarantine guard rail: fails with one row per quarantine reason that
    takes more than its share of a source's rows, like dbt's error_if, so
    input that is well formed but wrong (every timestamp in epoch
    milliseconds, every lead_id of another system) stops the build instead
    of scoring every lead 0.

    model            rows of the source with a reason (`reason_column`,
                     null when the row is fine); narrow them with `where`
    source_table     the source's name, for the message
    total_from       the relation whose row count is the source's (default
                     the model itself, unfiltered)
    example_from     the relation to take an example value from, with
                     `reason_column` and `example_column` (default the
                     model); read only for a reason over its limit
    example_column   SQL expression of the raw value to show

    Limits per reason: var lead_scoring__quarantine_max_share (reasons not
    listed are never checked: duplicates, merges, as-of cut-offs and bots
    are normal at any share); sources with fewer rows than
    lead_scoring__quarantine_min_rows are not checked, so a handful of
    rows cannot trip it. The shares are counted first (one aggregate);
    an example is looked up only for a reason over its limit, and the
    test's SQL then holds the finished rows (with a `message` the
    on-run-end report prints).
-#}
{% test quarantine_share_within_limit(
    model, source_table, reason_column, total_from=none,
    example_from=none, example_column="''") %}
    {%- set limits = var('lead_scoring__quarantine_max_share') or {} -%}
    {%- set min_rows = var('lead_scoring__quarantine_min_rows') | int -%}
    {%- set empty -%}
        select
            cast(null as {{ dbt.type_string() }}) as source_table,
            cast(null as {{ dbt.type_string() }}) as reason_code,
            cast(null as {{ dbt.type_string() }}) as message
        where 1 = 0
    {%- endset -%}
    {%- if not execute or not limits -%}{{ return(empty) }}{%- endif -%}
    {%- set total_relation = total_from if total_from is not none
        else model -%}
    {%- set counts = run_query(
        'select count(*) from ' ~ total_relation) -%}
    {%- set total_rows = counts.rows[0][0] | int -%}
    {%- if total_rows < min_rows or total_rows == 0 -%}
        {{ return(empty) }}
    {%- endif -%}
    {%- set by_reason = run_query(
        'select ' ~ reason_column ~ ', count(*) from ' ~ model
        ~ ' where ' ~ reason_column ~ ' is not null group by 1') -%}
    {%- set failures = [] -%}
    {%- for row in by_reason.rows -%}
        {%- set reason = row[0] | string -%}
        {%- set rows = row[1] | int -%}
        {%- set limit = limits.get(reason) -%}
        {%- if limit is not none and rows > (limit | float) * total_rows -%}
            {%- set examples = run_query(
                'select ' ~ example_column ~ ' from '
                ~ (example_from if example_from is not none else model)
                ~ ' where ' ~ reason_column ~ " = '" ~ reason
                ~ "' and " ~ example_column ~ ' is not null limit 1') -%}
            {%- set example = examples.rows[0][0] | string
                if examples.rows | length > 0 else none -%}
            {%- set shown = "'" ~ example[:80] ~ "'" if example is not none
                else '(empty)' -%}
            {%- set message = source_table ~ ': ' ~ rows ~ ' of '
                ~ total_rows ~ ' rows ('
                ~ '%.1f' | format(100.0 * rows / total_rows)
                ~ '%) are quarantined as ' ~ reason
                ~ ', above the limit of '
                ~ '%g' | format(100.0 * (limit | float))
                ~ '% (var lead_scoring__quarantine_max_share). '
                ~ 'Example value: ' ~ shown ~ '. Fix the raw data, or raise '
                ~ 'the limit if this is expected.' -%}
            {%- do failures.append((reason, message)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not failures -%}{{ return(empty) }}{%- endif -%}
    {%- for reason, message in failures %}
        select
            '{{ source_table }}' as source_table,
            '{{ reason | replace("'", "''") }}' as reason_code,
            '{{ message | replace("'", "''") }}' as message
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{% endtest %}
