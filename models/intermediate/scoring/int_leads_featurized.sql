{{ config(materialized='table') }}
{#
    What was known about each lead as of `scored_as_of`, as model features,
    in long form: one row per lead and feature (a numeric feature that is 0
    may have no row). The predictive model (int_leads_predicted) is applied
    to these rows, and scripts/fit.py and scripts/backtest.py read them.

    Every input is an as-of model (int_leads_as_of, int_leads_fit_points,
    int_leads_engagement_by_type, int_leads_disqualified), read at the
    current scoring date of int_scoring_dates and at a backtest's dates
    (is_backtest_date, is_lead_age_date): only data from strictly before
    scored_as_of. One row per lead, date and feature.

      categorical  the lead attributes listed in
                   lead_scoring__feature_attributes.categorical, and
                   company_size_band; the value lowercased, '(missing)' for
                   none
      numeric      the rule-based fit and engagement points, disqualified,
                   unsubscribed, bounced, log(1 + days) since creation and
                   since the last activity, log(1 + activities) per type in
                   the last 7 and 30 days and ever, the decayed count per
                   type (each activity worth 0.5 ^ (age / half-life)),
                   activity duration in the last 30 days and ever (in hours,
                   and as log(1 + seconds)), and the attributes
                   of lead_scoring__feature_attributes.numeric as they are
    Numbers are rounded to 9 decimals: sums computed in parallel add in any
    order, and a rebuild on the same data must give the same features.
#}
{%- set attributes = var('lead_scoring__feature_attributes') -%}
{%- set categorical = attributes.get('categorical', []) -%}
{%- set numeric = attributes.get('numeric', []) -%}

with

scoring_dates as (

    select * from {{ ref('int_scoring_dates') }}

),

leads_at_all_dates as (

    select * from {{ ref('int_leads_as_of') }}

),

fit_points as (

    select * from {{ ref('int_leads_fit_points') }}

),

engagement as (

    select * from {{ ref('int_leads_engagement_by_type') }}

),

disqualifications as (

    select * from {{ ref('int_leads_disqualified') }}

),

featurized_dates as (

    select scored_as_of from scoring_dates
    where is_current or is_backtest_date or is_lead_age_date

),

leads as (

    select leads_at_all_dates.*
    from leads_at_all_dates
    inner join featurized_dates
        on leads_at_all_dates.scored_as_of = featurized_dates.scored_as_of

),

engagement_now as (

    select engagement.*
    from engagement
    inner join featurized_dates
        on engagement.scored_as_of = featurized_dates.scored_as_of

),

fit_per_lead as (

    select
        fit_points.lead_id,
        fit_points.scored_as_of,
        sum(fit_points.points) as fit_points
    from fit_points
    inner join featurized_dates
        on fit_points.scored_as_of = featurized_dates.scored_as_of
    group by 1, 2

),

engagement_per_lead as (

    select
        lead_id,
        scored_as_of,
        sum(engagement_points) as engagement_points,
        sum(duration_seconds_30d) as duration_seconds_30d,
        sum(duration_seconds_all) as duration_seconds_all
    from engagement_now
    group by 1, 2

),

disqualified_leads as (

    select distinct
        disqualifications.lead_id,
        disqualifications.scored_as_of
    from disqualifications
    inner join featurized_dates
        on disqualifications.scored_as_of = featurized_dates.scored_as_of

),

leads_timed as (

    select
        leads.*,
        {#- in whole days when the seconds overflow (a created_at in year 1) #}
        coalesce(
            {{ lead_scoring.age_days(
                'leads.created_at', 'leads.scored_as_of') }},
            {{ dbt.datediff('leads.created_at', 'leads.scored_as_of', 'day') }}
        ) as lead_age_days,
        coalesce(
            {{ lead_scoring.age_days(
                'coalesce(leads.last_activity_at, leads.created_at)',
                'leads.scored_as_of') }},
            {{ dbt.datediff(
                'coalesce(leads.last_activity_at, leads.created_at)',
                'leads.scored_as_of', 'day') }}
        ) as days_since_last_activity,
        case
            when leads.employee_count is null then '(missing)'
            when leads.employee_count < 10 then '0-9'
            when leads.employee_count < 50 then '10-49'
            when leads.employee_count < 200 then '50-199'
            when leads.employee_count < 5000 then '200-4999'
            else '5000+'
        end as company_size_band
    from leads

),

activity_counts as (

    select
        lead_id,
        scored_as_of,
        activity_type,
        activity_count_7d as count_7d,
        activity_count_30d as count_30d,
        activity_count as count_all,
        decayed_count
    from engagement_now

),

leads_measured as (

    select
        leads_timed.*,
        coalesce(fit_per_lead.fit_points, 0) as fit_points,
        coalesce(engagement_per_lead.engagement_points, 0)
            as engagement_points,
        disqualified_leads.lead_id is not null as is_disqualified,
        coalesce(engagement_per_lead.duration_seconds_30d, 0)
            as duration_seconds_30d,
        coalesce(engagement_per_lead.duration_seconds_all, 0)
            as duration_seconds_all
    from leads_timed
    left join fit_per_lead
        on
            leads_timed.lead_id = fit_per_lead.lead_id
            and leads_timed.scored_as_of = fit_per_lead.scored_as_of
    left join engagement_per_lead
        on
            leads_timed.lead_id = engagement_per_lead.lead_id
            and leads_timed.scored_as_of = engagement_per_lead.scored_as_of
    left join disqualified_leads
        on
            leads_timed.lead_id = disqualified_leads.lead_id
            and leads_timed.scored_as_of = disqualified_leads.scored_as_of

),

categorical_features as (

    {% for column in categorical + ['company_size_band'] -%}
        {%- set value = 'lower(trim(cast(' ~ adapter.quote(column)
            ~ ' as ' ~ dbt.type_string() ~ ')))' -%}
        select
            lead_id,
            scored_as_of,
            '{{ column }}' as feature_name,
            coalesce(nullif({{ value }}, ''), '(missing)') as categorical_value
        from leads_measured
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

lead_numeric_features as (

    {%- set double = lead_scoring.type_double() -%}
    {%- set lead_numbers = {
        'fit_points': 'fit_points',
        'engagement_points': 'engagement_points',
        'is_disqualified': 'case when is_disqualified then 1 else 0 end',
        'has_unsubscribed': 'case when has_unsubscribed then 1 else 0 end',
        'has_email_bounced': 'case when has_email_bounced then 1 else 0 end',
        'log_lead_age_days': 'ln(1 + lead_age_days)',
        'log_days_since_last_activity': 'ln(1 + days_since_last_activity)',
        'log_duration_seconds_30d': 'ln(1 + duration_seconds_30d)',
        'log_duration_seconds_all': 'ln(1 + duration_seconds_all)',
        'duration_hours_30d':
            'cast(duration_seconds_30d as ' ~ double ~ ') / 3600',
        'duration_hours_all':
            'cast(duration_seconds_all as ' ~ double ~ ') / 3600',
    } -%}
    {%- for column in numeric -%}
        {%- do lead_numbers.update({column: 'coalesce(' ~ lead_scoring.try_cast(
            adapter.quote(column), lead_scoring.type_double()) ~ ', 0)'}) -%}
    {%- endfor -%}
    {% for name, expression in lead_numbers.items() %}
        select
            lead_id,
            scored_as_of,
            '{{ name }}' as feature_name,
            {{ lead_scoring.round_to(expression, 9) }} as numeric_value
        from leads_measured
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

activity_features as (

    {% for name, expression in {
        'log_count_7d': 'ln(1 + count_7d)',
        'log_count_30d': 'ln(1 + count_30d)',
        'log_count_all': 'ln(1 + count_all)',
        'decayed_count': 'decayed_count',
    }.items() %}
        select
            lead_id,
            scored_as_of,
            '{{ name }}__' || activity_type as feature_name,
            {{ lead_scoring.round_to(expression, 9) }} as numeric_value
        from activity_counts
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

features as (

    select
        lead_id,
        scored_as_of,
        feature_name,
        'categorical' as feature_kind,
        categorical_value,
        cast(null as {{ lead_scoring.type_double() }}) as numeric_value
    from categorical_features

    union all

    select
        lead_id,
        scored_as_of,
        feature_name,
        'numeric' as feature_kind,
        cast(null as {{ dbt.type_string() }}) as categorical_value,
        numeric_value
    from lead_numeric_features

    union all

    select
        lead_id,
        scored_as_of,
        feature_name,
        'numeric' as feature_kind,
        cast(null as {{ dbt.type_string() }}) as categorical_value,
        numeric_value
    from activity_features
    where numeric_value != 0

),

features_dated as (

    select
        features.lead_id,
        features.feature_name,
        features.feature_kind,
        features.categorical_value,
        features.numeric_value,
        features.scored_as_of,
        leads.is_current
    from features
    inner join leads
        on
            features.lead_id = leads.lead_id
            and features.scored_as_of = leads.scored_as_of

)

select * from features_dated
