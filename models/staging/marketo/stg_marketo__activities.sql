{#- Marketo activities (one activity_<type> table per type, those named in
    marketo__activity_tables) as the raw contract's activities. Web pages
    are page views (pricing and careers pages by URL); a form is a demo
    request, trial sign-up, webinar registration, contact-sales form or
    content download by its name; email sends, opens, clicks, bounces and
    unsubscribes map one to one. -#}
{%- set string = dbt.type_string() -%}
{%- set activity_types = {
    'visit_webpage': lead_scoring.page_activity_type('webpage_url'),
    'fill_out_form': lead_scoring.form_activity_type(
        'primary_attribute_value'),
    'send_email': "'email_send'",
    'open_email': "'email_open'",
    'click_email': "'email_click'",
    'email_bounced': "'email_bounce'",
    'unsubscribe_email': "'email_unsubscribe'",
} -%}
{%- set urls = {
    'visit_webpage': 'webpage_url',
    'fill_out_form': 'referrer_url',
    'click_email': 'link',
} -%}
{%- set tables = var('marketo__activity_tables') -%}

-- noqa: disable=LT02
with

{% for table in tables -%}
activity_{{ table }} as (

    select
        '{{ table }}:' || cast(id as {{ string }}) as activity_id,
        cast(lead_id as {{ string }}) as lead_id,
        {{ activity_types[table] }} as activity_type,
        activity_date as occurred_at,
        {{ urls.get(table, 'cast(null as ' ~ string ~ ')') }} as url,
        cast(campaign_id as {{ string }}) as campaign,
        cast(primary_attribute_value as {{ string }}) as asset,
        cast(null as {{ string }}) as duration_seconds
    from {{ source('marketo', 'activity_' ~ table) }}

),

{% endfor -%}
activities_unioned as (

    {% for table in tables -%}
        select * from activity_{{ table }}
        {%- if not loop.last %}
    union all
        {% endif -%}
    {%- endfor %}

)

-- noqa: enable=LT02
select * from activities_unioned
