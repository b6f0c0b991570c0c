{#
    Every activity of a known lead, credited to the lead it is scored as
    (the survivor of lead_merge_map) and checked against the scoring date:
    exclusion_reason says why it does not count (null when it does):
      lead_created_after_as_of  its lead did not exist yet
      occurred_after_as_of      it happened at or after scored_as_of
      bot_activity              a machine did it (int_activities_bot_flagged)
    The one place that decides which activities a score may use, so the
    scores and data_quality_issues can never disagree.
#}
with

activities as (

    select * from {{ ref('fct_lead_activities') }}

),

lead_merge_map as (

    select * from {{ ref('lead_merge_map') }}

),

leads as (

    select * from {{ ref('dim_leads') }}

),

bot_flags as (

    select * from {{ ref('int_activities_bot_flagged') }}

),

as_of as (

    select * from {{ ref('int_scoring_as_of') }}

),

activities_scoped as (

    select
        activities.activity_id,
        lead_merge_map.survivor_lead_id as lead_id,
        activities.lead_id as recorded_lead_id,
        activities.activity_type,
        activities.occurred_at,
        leads.created_at as lead_created_at,
        as_of.scored_as_of,
        bot_flags.bot_rule_id,
        case
            when leads.created_at >= as_of.scored_as_of
                then 'lead_created_after_as_of'
            when activities.occurred_at >= as_of.scored_as_of
                then 'occurred_after_as_of'
            when bot_flags.activity_id is not null then 'bot_activity'
        end as exclusion_reason
    from activities
    inner join lead_merge_map
        on activities.lead_id = lead_merge_map.lead_id
    inner join leads
        on lead_merge_map.survivor_lead_id = leads.lead_id
    cross join as_of
    left join bot_flags
        on activities.activity_id = bot_flags.activity_id

)

select * from activities_scoped
