{{ config(materialized='table') }}
{#
    Activities that a machine did, not a person, by the rules of the
    bot_detection_rules seed; one row per flagged activity with the first
    rule (by rule_id) that caught it. Two kinds of rule:
      after_send  an activity of the listed types within window_seconds of
                  the latest email_send to the same lead: corporate mail
                  scanners open and click every email as it arrives.
      burst       min_events or more activities of the listed types by one
                  lead within window_seconds (every link of an email
                  clicked at once, pages viewed faster than anyone reads);
                  every activity of such a burst is flagged.
    Rule types and thresholds are joined as data; a burst rule's window and
    count are window-frame bounds, so they are read as numbers (never as
    text) when the model runs. Off when lead_scoring__bot_filter_enabled is
    false.
#}
{%- set rules_relation = ref('bot_detection_rules') -%}
{#- The burst thresholds are read from the seed's table. In a unit test the
    ref is a fixture with no schema: read the built seed instead. -#}
{%- set seed_table = rules_relation if rules_relation.schema
    else adapter.get_relation(
        database=target.database, schema=target.schema,
        identifier='bot_detection_rules') -%}
{%- set burst_rules = [] -%}
{%- if execute and var('lead_scoring__bot_filter_enabled')
    and seed_table is not none and load_relation(seed_table) is not none -%}
    {%- set rows = run_query(
        'select rule_id, window_seconds, min_events from ' ~ seed_table
        ~ " where lower(trim(rule_kind)) = 'burst' order by rule_id") -%}
    {%- for row in rows -%}
        {%- set rule_id = (row[0] or '') | string | trim | lower -%}
        {%- if not modules.re.match('^[a-z0-9_]+$', rule_id) -%}
            {{ exceptions.raise_compiler_error(
                "Seed bot_detection_rules, row '" ~ rule_id ~ "': rule_id "
                ~ "must be lowercase letters, digits and underscores.") }}
        {%- endif -%}
        {%- do burst_rules.append({
            'rule_id': rule_id,
            'window_seconds': row[1] | int,
            'min_events': row[2] | int}) -%}
    {%- endfor -%}
{%- endif %}

with

activities as (

    select * from {{ ref('fct_lead_activities') }}

),

bot_detection_rules as (

    select * from {{ rules_relation }}

),

activities_timed as (

    select
        activity_id,
        lead_id,
        activity_type,
        {{ lead_scoring.epoch_seconds('occurred_at') }} as occurred_epoch,
        max(
            case
                when activity_type = 'email_send'
                    then {{ lead_scoring.epoch_seconds('occurred_at') }}
            end
        ) over (
            partition by lead_id
            order by
                occurred_at asc,
                case when activity_type = 'email_send' then 0 else 1 end asc,
                activity_id asc
            rows between unbounded preceding and current row
        ) as last_send_epoch
    from activities

),

after_send_hits as (

    select
        activities_timed.activity_id,
        bot_detection_rules.rule_id
    from activities_timed
    inner join bot_detection_rules
        on
            lower(trim(bot_detection_rules.rule_kind)) = 'after_send'
            and {{ lead_scoring.in_pipe_list(
                'activities_timed.activity_type',
                'bot_detection_rules.activity_types') }}
            and activities_timed.occurred_epoch
            - activities_timed.last_send_epoch
            <= bot_detection_rules.window_seconds
    where {{ var('lead_scoring__bot_filter_enabled') }}

),

burst_hits as (

    {% for rule in burst_rules -%}
        select
            activity_id,
            '{{ rule.rule_id }}' as rule_id
        from (
            select
                activity_id,
                max(
                    case
                        when events_in_window >= {{ rule.min_events }}
                            then occurred_epoch
                    end
                ) over (
                    partition by lead_id
                    order by occurred_epoch asc
                    range between {{ rule.window_seconds }} preceding
                    and current row
                ) as burst_started_epoch
            from (
                select
                    activities_timed.activity_id,
                    activities_timed.lead_id,
                    activities_timed.occurred_epoch,
                    count(*) over (
                        partition by activities_timed.lead_id
                        order by activities_timed.occurred_epoch asc
                        range between current row
                        and {{ rule.window_seconds }} following
                    ) as events_in_window
                from activities_timed
                inner join bot_detection_rules
                    on
                        bot_detection_rules.rule_id = '{{ rule.rule_id }}'
                        and {{ lead_scoring.in_pipe_list(
                            'activities_timed.activity_type',
                            'bot_detection_rules.activity_types') }}
            ) as burst_windows
        ) as burst_members
        where burst_started_epoch is not null
        union all
    {% endfor -%}
    select
        cast(null as {{ dbt.type_string() }}) as activity_id,
        cast(null as {{ dbt.type_string() }}) as rule_id
    where 1 = 0

),

rule_hits as (

    select * from after_send_hits
    union all
    select * from burst_hits

),

activities_flagged as (

    select
        activity_id,
        min(rule_id) as bot_rule_id,
        count(*) as rules_matched
    from rule_hits
    group by 1

)

select * from activities_flagged
