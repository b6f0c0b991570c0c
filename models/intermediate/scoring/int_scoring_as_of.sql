{#
    The one moment everything is scored as of (`scored_as_of`, UTC). Only
    data from strictly before it is used.

    var lead_scoring__as_of_date: a date ('2026-03-01' = the start of that
    day, UTC) or a timestamp with an optional offset. Empty: the start of
    the day after the latest activity, so every activity counts (after the
    latest lead when there is no activity, after today when there is no
    data at all, so empty raw tables still build).
#}
{%- set as_of = var('lead_scoring__as_of_date') | string | trim -%}
{%- set pattern = '^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?'
    ~ '(Z|[+-]\d{2}(:?\d{2})?)?)?$' -%}
{%- if as_of and not modules.re.match(pattern, as_of) -%}
    {{ exceptions.raise_compiler_error(
        "lead_scoring__as_of_date must be a date (2026-03-01) or a "
        ~ "timestamp (2026-03-01 12:00:00+00:00); got: " ~ as_of) }}
{%- endif -%}

with

activities as (

    select * from {{ ref('int_activities_deduplicated') }}

),

leads as (

    select * from {{ ref('int_leads_deduplicated') }}

),

latest_activity as (

    select max(occurred_at) as latest_at from activities

),

latest_lead as (

    select max(created_at) as latest_at from leads

),

as_of_chosen as (

    select
        {%- if as_of %}
            {{ lead_scoring.to_utc_timestamp("'" ~ as_of ~ "'") }}
        {%- else %}
            cast({{ dbt.dateadd(
                'day', 1, dbt.date_trunc(
                    'day',
                    'coalesce(latest_activity.latest_at, latest_lead.latest_at, '
                    ~ 'cast(' ~ dbt.current_timestamp() ~ ' as '
                    ~ api.Column.translate_type('timestamp') ~ '))'
                )) }} as {{ api.Column.translate_type('timestamp') }})
        {%- endif %} as scored_as_of
    from latest_activity
    cross join latest_lead

)

select * from as_of_chosen
