{#
    What counts as a conversion, shared by the backtest labels
    (int_leads_labelled) and the score monitor's cohorts
    (fct_lead_cohort_conversions), so the two can never count differently.
#}

{#-
    Whether an opportunity row (alias `opportunity`) converts a lead within
    [starts_at, ends_at) for `event`: 'opportunity_created', created in the
    span; 'opportunity_won', won and closed in the span.
-#}
{% macro converts_within(event, opportunity, starts_at, ends_at) -%}
    {%- if event == 'opportunity_won' -%}
        (
            {{ opportunity }}.is_won
            and {{ opportunity }}.closed_at >= {{ starts_at }}
            and {{ opportunity }}.closed_at < {{ ends_at }}
        )
    {%- else -%}
        (
            {{ opportunity }}.created_at >= {{ starts_at }}
            and {{ opportunity }}.created_at < {{ ends_at }}
        )
    {%- endif -%}
{%- endmacro %}

{#-
    A one-row query: the latest moment the data holds (its latest activity
    or opportunity), up to which an outcome horizon is observed.
-#}
{% macro data_ends_at(activities, opportunities) -%}
    select max(latest_at) as data_ends_at
    from (
        select max(occurred_at) as latest_at from {{ activities }}
        union all
        select max(created_at) as latest_at from {{ opportunities }}
    ) as latest_timestamps
{%- endmacro %}
