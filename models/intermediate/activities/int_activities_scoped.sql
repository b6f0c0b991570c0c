{#
    Every activity of a known lead, credited to the lead it is scored as
    (the survivor of leads_merged) and checked against each scoring date
    of int_scoring_dates: exclusion_reason says why it does not count
    (null when it does):
      lead_created_after_as_of  its lead did not exist yet
      occurred_after_as_of      it happened at or after scored_as_of
      bot_activity              a machine did it (int_activities_bot_flagged)
    The one place that decides which activities a score may use, so the
    scores and fct_data_quality_issues can never disagree. For the current date
    (is_current) every activity has a row; for earlier dates only those that
    happened before them, as the others cannot count there, and of leads
    created before them (at a backtest's lead-age date, of the leads of
    that age: date_scores_lead).
#}
with

activities as (

    select * from {{ ref('int_activities_deduplicated') }}

),

leads_merged as (

    select * from {{ ref('int_leads_merged') }}

),

leads as (

    select * from {{ ref('int_leads_deduplicated') }}

),

bot_flags as (

    select * from {{ ref('int_activities_bot_flagged') }}

),

scoring_dates as (

    select * from {{ ref('int_scoring_dates') }}

),

activities_scoped as (

    select
        activities.activity_id,
        leads_merged.survivor_lead_id as lead_id,
        activities.lead_id as recorded_lead_id,
        activities.activity_type,
        activities.occurred_at,
        activities.duration_seconds,
        leads.created_at as lead_created_at,
        scoring_dates.scored_as_of,
        scoring_dates.is_current,
        bot_flags.bot_rule_id,
        case
            when leads.created_at >= scoring_dates.scored_as_of
                then 'lead_created_after_as_of'
            when activities.occurred_at >= scoring_dates.scored_as_of
                then 'occurred_after_as_of'
            when bot_flags.activity_id is not null then 'bot_activity'
        end as exclusion_reason
    from activities
    inner join leads_merged
        on activities.lead_id = leads_merged.lead_id
    inner join leads
        on leads_merged.survivor_lead_id = leads.lead_id
    inner join scoring_dates
        on
            scoring_dates.is_current
            or (
                activities.occurred_at < scoring_dates.scored_as_of
                and {{ lead_scoring.date_scores_lead(
                    'leads.created_at', 'scoring_dates') }}
            )
    left join bot_flags
        on activities.activity_id = bot_flags.activity_id

)

select * from activities_scoped
