{#
    One row per lead that exists as of `scored_as_of`: the scores, grade,
    tier, priority, sales-ready flag and reasons of int_leads_scored, and
    how they move over time:
      score_change_7d/30d  lead_score now minus lead_score 7 / 30 days
                           earlier (null when the lead did not exist then)
      trend                warming / cooling by the first matching rule of
                           score_trend_rules, steady when none matches, new
                           when the lead did not exist 7 days earlier
      lifecycle moments    from fct_lead_lifecycle_events: first touch, first
                           time sales-ready (MQL), latest recycle, first
                           opportunity, and the days between them
      account              the lead's account (account_scores) and its
                           priority, so a cold contact at a hot account
                           can be seen
      predictive model     conversion_probability and predictive_grade of
                           int_leads_predicted
#}
with

leads_scored as (

    select * from {{ ref('int_leads_scored') }}

),

scoring_dates as (

    select * from {{ ref('int_scoring_dates') }}

),

leads as (

    select * from {{ ref('int_leads_as_of') }}

),

lifecycle_events as (

    select * from {{ ref('fct_lead_lifecycle_events') }}

),

account_scores as (

    select * from {{ ref('account_scores') }}

),

score_trend_rules as (

    select * from {{ ref('score_trend_rules') }}

),

predictions as (

    select * from {{ ref('int_leads_predicted') }}

),

scores_dated as (

    select
        leads_scored.*,
        scoring_dates.days_before
    from leads_scored
    inner join scoring_dates
        on leads_scored.scored_as_of = scoring_dates.scored_as_of

),

current_scores as (

    select * from scores_dated
    where is_current

),

scores_with_changes as (

    select
        current_scores.*,
        current_scores.lead_score - week_before.lead_score
            as score_change_7d,
        current_scores.lead_score - month_before.lead_score
            as score_change_30d,
        week_before.lead_id is not null as existed_week_before
    from current_scores
    left join scores_dated as week_before
        on
            current_scores.lead_id = week_before.lead_id
            and week_before.days_before = 7
    left join scores_dated as month_before
        on
            current_scores.lead_id = month_before.lead_id
            and month_before.days_before = 30

),

trend_rules_matched as (

    select
        scores_with_changes.lead_id,
        score_trend_rules.trend,
        row_number() over (
            partition by scores_with_changes.lead_id
            order by score_trend_rules.rule_order asc
        ) as rule_rank
    from scores_with_changes
    inner join score_trend_rules
        on
            (
                score_trend_rules.min_change_7d is null
                or scores_with_changes.score_change_7d
                >= score_trend_rules.min_change_7d
            )
            and (
                score_trend_rules.max_change_7d is null
                or scores_with_changes.score_change_7d
                <= score_trend_rules.max_change_7d
            )
            and (
                score_trend_rules.min_change_30d is null
                or scores_with_changes.score_change_30d
                >= score_trend_rules.min_change_30d
            )
            and (
                score_trend_rules.max_change_30d is null
                or scores_with_changes.score_change_30d
                <= score_trend_rules.max_change_30d
            )

),

lifecycle_per_lead as (

    select
        lead_id,
        min(
            case when event_type = 'first_touch' then event_at end
        ) as first_touch_at,
        min(
            case when event_type = 'became_mql' then event_at end
        ) as first_mql_at,
        max(
            case when event_type = 'recycled' then event_at end
        ) as last_recycled_at,
        max(
            case
                when event_type = 'became_mql' and is_before_history_start
                    then 1
                else 0
            end
        ) = 1 as is_mql_before_history_start
    from lifecycle_events
    group by 1

),

leads_scored_over_time as (

    select
        scores_with_changes.lead_id,
        scores_with_changes.email,
        scores_with_changes.fit_points,
        scores_with_changes.fit_score,
        scores_with_changes.fit_grade,
        scores_with_changes.engagement_points,
        scores_with_changes.engagement_score,
        scores_with_changes.engagement_tier,
        scores_with_changes.lead_score,
        scores_with_changes.priority,
        scores_with_changes.is_sales_ready,
        scores_with_changes.is_disqualified,
        scores_with_changes.disqualification_reason,
        scores_with_changes.top_reasons,
        predictions.conversion_probability,
        predictions.predictive_grade,
        scores_with_changes.activity_count,
        scores_with_changes.bot_activity_count,
        scores_with_changes.last_activity_at,
        scores_with_changes.has_opportunity,
        {{ lead_scoring.round_to('scores_with_changes.score_change_7d', 1) }}
            as score_change_7d,
        {{ lead_scoring.round_to('scores_with_changes.score_change_30d', 1) }}
            as score_change_30d,
        case
            when not scores_with_changes.existed_week_before then 'new'
            else coalesce(trend_rules_matched.trend, 'steady')
        end as trend,
        lifecycle_per_lead.first_touch_at,
        lifecycle_per_lead.first_mql_at,
        lifecycle_per_lead.last_recycled_at,
        leads.first_opportunity_at,
        {#- bigint, the contract's type, on every engine: Postgres'
            datediff gives an integer. -#}
        cast(
            case
                when not lifecycle_per_lead.is_mql_before_history_start
                    then {{ dbt.datediff(
                        'lifecycle_per_lead.first_touch_at',
                        'lifecycle_per_lead.first_mql_at', 'day') }}
            end as {{ dbt.type_bigint() }}
        ) as days_first_touch_to_mql,
        cast(
            case
                when
                    leads.first_opportunity_at
                    >= lifecycle_per_lead.first_mql_at
                    then {{ dbt.datediff(
                        'lifecycle_per_lead.first_mql_at',
                        'leads.first_opportunity_at', 'day') }}
            end as {{ dbt.type_bigint() }}
        ) as days_mql_to_opportunity,
        leads.account_domain,
        account_scores.account_priority,
        scores_with_changes.scored_as_of,
        scores_with_changes.scoring_version
    from scores_with_changes
    inner join leads
        on
            scores_with_changes.lead_id = leads.lead_id
            and scores_with_changes.scored_as_of = leads.scored_as_of
    left join trend_rules_matched
        on
            scores_with_changes.lead_id = trend_rules_matched.lead_id
            and trend_rules_matched.rule_rank = 1
    left join lifecycle_per_lead
        on scores_with_changes.lead_id = lifecycle_per_lead.lead_id
    left join account_scores
        on leads.account_domain = account_scores.account_domain
    left join predictions
        on
            scores_with_changes.lead_id = predictions.lead_id
            and scores_with_changes.scored_as_of = predictions.scored_as_of

)

select * from leads_scored_over_time
