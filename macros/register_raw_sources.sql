{#
    Make the raw tables queryable as `<raw schema>.<table>` before a run.

    DuckDB: each table is a file, `<LEAD_SCORING_RAW_DIR>/<table>.parquet` or
    `.csv`, registered as a view (no copy is made, so a rerun reads the files
    as they are now). CSV is read as text and typed in staging, so one bad
    value never stops the load. A required file or column that is missing
    stops the run with a message naming the file and the column.

    Warehouses and Spark: the raw tables are already there; nothing to do.
    With a CRM source adapter enabled (hubspot_enabled, ...) nothing to do
    either: the contract is read from the connectors' models.
#}
{% macro register_raw_sources() %}
    {{ return(adapter.dispatch('register_raw_sources', 'lead_scoring')()) }}
{% endmacro %}

{% macro default__register_raw_sources() %}
    {{ return('') }}
{% endmacro %}

{% macro duckdb__register_raw_sources() %}
    {% if not execute %}{{ return('') }}{% endif %}
    {#- With a CRM source adapter enabled the contract comes from its
        schemas (see crm_connectors.sql), not from files. -#}
    {% if lead_scoring.crm_connectors_enabled() %}{{ return('') }}{% endif %}
    {% set raw_dir = env_var('LEAD_SCORING_RAW_DIR', 'data/raw') %}
    {% set schema = var('lead_scoring__raw_schema') %}
    {% do run_query('create schema if not exists ' ~ schema) %}
    {% for table, columns in lead_scoring.raw_contract().items() %}
        {% set reader = lead_scoring.raw_file_reader(raw_dir, table) %}
        {% if reader is none and table in lead_scoring.optional_raw_tables() %}
            {# An optional table with no file: an empty table of text columns. #}
            {% set empty_columns = [] %}
            {% for column in columns %}
                {% do empty_columns.append(
                    'cast(null as varchar) as ' ~ column) %}
            {% endfor %}
            {% set reader = '(select ' ~ empty_columns | join(', ')
                ~ ' where false)' %}
        {% elif reader is none %}
            {{ exceptions.raise_compiler_error(
                "Raw table '" ~ table ~ "' not found: expected "
                ~ raw_dir ~ "/" ~ table ~ ".parquet or " ~ raw_dir ~ "/"
                ~ table ~ ".csv. Set LEAD_SCORING_RAW_DIR to the folder with "
                ~ "your files, or run `make sample-data`.") }}
        {% endif %}
        {% do lead_scoring.csv_encoding_fits(raw_dir, table, reader) %}
        {% set found = run_query('select * from ' ~ reader ~ ' limit 0') %}
        {% set found_columns = found.column_names | map('lower') | list %}
        {% set missing = [] %}
        {% for column in columns %}
            {% if column not in found_columns %}
                {% do missing.append(column) %}
            {% endif %}
        {% endfor %}
        {% if missing %}
            {{ exceptions.raise_compiler_error(
                "Raw file for '" ~ table ~ "' in " ~ raw_dir
                ~ " lacks required column(s): " ~ missing | join(', ')
                ~ ". It has: " ~ found_columns | join(', ') ~ ".") }}
        {% endif %}
        {% do lead_scoring.csv_rows_fit_header(
            raw_dir, table, reader, found.column_names) %}
        {% do run_query('create or replace view ' ~ schema ~ '.' ~ table
            ~ ' as select * from ' ~ reader) %}
    {% endfor %}
    {{ return('') }}
{% endmacro %}

{#- The table expression that reads one raw table's file, or none. -#}
{% macro raw_file_reader(raw_dir, table) %}
    {% set base = raw_dir.rstrip('/') ~ '/' ~ table %}
    {% set quoted = base.replace("'", "''") %}
    {% set files = run_query(
        "select file from glob('" ~ quoted ~ ".parquet') union all "
        ~ "select file from glob('" ~ quoted ~ ".csv')") %}
    {% if files.rows | length > 1 %}
        {{ exceptions.raise_compiler_error(
            "Both " ~ base ~ ".parquet and " ~ base ~ ".csv exist: "
            ~ "keep one, so it is clear which is read.") }}
    {% elif files.rows | length == 0 %}
        {{ return(none) }}
    {% elif files.rows[0][0].endswith('.csv') %}
        {#- The dialect is fixed (RFC 4180: comma, double quotes), not
            sniffed: values starting or ending with an apostrophe made the
            sniffer take it for the quote character and merge rows.
            null_padding keeps every row: without it a row with more fields
            than the header made DuckDB read no rows at all (see
            csv_rows_fit_header, which then stops the run). DuckDB reads
            null-padded CSV with quoted line breaks on one thread only. -#}
        {{ return("read_csv('" ~ quoted ~ ".csv', header = true, "
            ~ "all_varchar = true, delim = ',', quote = '\"', "
            ~ "escape = '\"', null_padding = true, parallel = false, "
            ~ "encoding = '" ~ lead_scoring.csv_encoding(table) ~ "')") }}
    {% else %}
        {{ return("read_parquet('" ~ quoted ~ ".parquet')") }}
    {% endif %}
{% endmacro %}

{#- The raw data contract: required columns per table (README documents
    each; scripts/lead_scoring/contract.py holds the same list). -#}
{#- The raw data contract, declared once: the tables of the sources whose
    meta says raw_contract, each with the columns its YAML lists, in order.
    Empty where there is no graph: while dbt parses, and in a unit test. -#}
{% macro raw_contract() %}
    {%- set contract = {} -%}
    {%- for table in lead_scoring.raw_contract_tables() -%}
        {%- do contract.update({table.name: table.columns.keys() | list}) -%}
    {%- endfor -%}
    {{ return(contract) }}
{% endmacro %}

{% macro optional_raw_tables() %}
    {%- set optional = [] -%}
    {%- for table in lead_scoring.raw_contract_tables() -%}
        {%- if table.meta.get('optional') -%}
            {%- do optional.append(table.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(optional) }}
{% endmacro %}

{#- The source tables of the raw contract (see raw_contract). -#}
{% macro raw_contract_tables() %}
    {%- if not execute or 'sources' not in graph -%}{{ return([]) }}{%- endif -%}
    {{ return(graph.sources.values()
        | selectattr('source_meta.raw_contract', 'defined')
        | selectattr('source_meta.raw_contract')
        | list) }}
{% endmacro %}

{#- A CSV whose rows have more fields than its header (an unquoted comma in
    a value, a shifted export) stops the run with a message naming the file
    and the number of such rows: such rows cannot be read safely, and
    padding them would put values under the wrong columns. -#}
{% macro csv_rows_fit_header(raw_dir, table, reader, column_names) %}
    {% if 'read_csv(' not in reader %}{{ return('') }}{% endif %}
    {% set path = raw_dir.rstrip('/') ~ '/' ~ table ~ '.csv' %}
    {% set header = run_query(
        reader.replace('header = true', 'header = false')
        | replace('read_csv(', 'select * from read_csv(', 1)
        ~ ' limit 1') %}
    {% set header_cells = header.rows[0] | select | list
        if header.rows | length > 0 else [] %}
    {% if column_names | length > header_cells | length %}
        {% set overflow = run_query(
            'select count(*) from ' ~ reader ~ ' where '
            ~ adapter.quote(column_names[-1]) ~ ' is not null') %}
        {{ exceptions.raise_compiler_error(
            "Raw file " ~ path ~ ": " ~ overflow.rows[0][0] ~ " row(s) have "
            ~ "more fields than its header (" ~ column_names | length
            ~ " instead of " ~ header_cells | length ~ "). Quote values "
            ~ "that contain commas (RFC 4180) and export again.") }}
    {% endif %}
    {{ return('') }}
{% endmacro %}

{#- The encoding the raw CSV of `table` is read in: the variable
    lead_scoring__csv_encoding, either one name for every file or a
    mapping of table names (and `default`) to names. DuckDB reads utf-8,
    utf-16 and latin-1 by itself; any other encoding needs its `encodings`
    extension, which cannot be installed offline, so it stops the run with
    the command that converts the file. -#}
{% macro csv_encoding(table) %}
    {%- set setting = var('lead_scoring__csv_encoding', 'utf-8') -%}
    {%- if setting is mapping -%}
        {%- set setting = setting.get(table, setting.get('default', 'utf-8')) -%}
    {%- endif -%}
    {%- set name = (setting or 'utf-8') | string | trim | lower
        | replace('_', '-') -%}
    {%- set aliases = {
        'utf-8': 'utf-8', 'utf8': 'utf-8', 'utf-8-sig': 'utf-8',
        'utf-16': 'utf-16', 'utf16': 'utf-16',
        'latin-1': 'latin-1', 'latin1': 'latin-1', 'iso-8859-1': 'latin-1',
        'iso8859-1': 'latin-1'} -%}
    {%- if name not in aliases -%}
        {%- set raw_dir = env_var('LEAD_SCORING_RAW_DIR', 'data/raw')
            .rstrip('/') -%}
        {{ exceptions.raise_compiler_error(
            "CSV encoding '" ~ setting ~ "' for " ~ table ~ ".csv (variable "
            ~ "lead_scoring__csv_encoding) cannot be read here: DuckDB reads "
            ~ "utf-8, utf-16 and latin-1, and other encodings need its "
            ~ "encodings extension, which cannot be installed offline. "
            ~ "Convert the file to UTF-8 first, e.g. iconv -f " ~ setting
            ~ " -t UTF-8 " ~ raw_dir ~ "/" ~ table ~ ".csv > " ~ table
            ~ ".utf8.csv, put it in place of the original, and set "
            ~ "lead_scoring__csv_encoding back to utf-8.") }}
    {%- endif -%}
    {{ return(aliases[name]) }}
{% endmacro %}

{#- A CSV whose bytes are not in the encoding it is read in (a latin-1 or
    UTF-16 export read as utf-8) stops the run with a message naming the
    file, the first line that does not decode and the variable to set,
    before DuckDB's own error, which suggests options a user cannot set
    here. One scan of the file, every field decoded. -#}
{% macro csv_encoding_fits(raw_dir, table, reader) %}
    {% if 'read_csv(' not in reader %}{{ return('') }}{% endif %}
    {% set path = raw_dir.rstrip('/') ~ '/' ~ table ~ '.csv' %}
    {% set encoding = lead_scoring.csv_encoding(table) %}
    {% set rejects = 'lead_scoring_encoding_rejects_' ~ table %}
    {% do run_query('drop table if exists ' ~ rejects) %}
    {% do run_query('drop table if exists ' ~ rejects ~ '_scans') %}
    {% do run_query('select count(columns(*)) from '
        ~ reader.replace('parallel = false,', 'parallel = false, '
            ~ "ignore_errors = true, store_rejects = true, rejects_table = '"
            ~ rejects ~ "', rejects_scan = '" ~ rejects ~ "_scans',")) %}
    {% set found = run_query('select min(line), count(*), '
        ~ "max(case when position(chr(0) in csv_line) > 0 then 1 else 0 end)"
        ~ ' from ' ~ rejects
        ~ " where error_type = 'INVALID ENCODING'") %}
    {% set first_line, bad_rows, has_nul = found.rows[0] %}
    {% if bad_rows %}
        {% set guess = 'UTF-16' if has_nul else 'LATIN1 (or WINDOWS-1252)' %}
        {{ exceptions.raise_compiler_error(
            "Raw file " ~ path ~ " is not " ~ encoding ~ ": " ~ bad_rows
            ~ " line(s) do not decode, the first is line " ~ first_line
            ~ ". It looks like " ~ guess ~ ". Set the variable "
            ~ "lead_scoring__csv_encoding to the file's encoding (utf-8, "
            ~ "utf-16 or latin-1; for this file only: {" ~ table
            ~ ": latin-1}), e.g. dbt build --vars '{lead_scoring__csv_encoding: "
            ~ ("utf-16" if has_nul else "latin-1") ~ "}', or convert the "
            ~ "file to UTF-8: iconv -f " ~ (guess.split(' ')[0])
            ~ " -t UTF-8 " ~ path ~ " > " ~ table ~ ".utf8.csv.") }}
    {% endif %}
    {% do run_query('drop table if exists ' ~ rejects) %}
    {% do run_query('drop table if exists ' ~ rejects ~ '_scans') %}
    {{ return('') }}
{% endmacro %}
