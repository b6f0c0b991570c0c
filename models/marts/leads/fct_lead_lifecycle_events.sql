{#
    The moments of each lead's life up to scored_as_of, one row each:
      first_touch          its first activity that counts for its score
      became_mql           a scoring date at which it was sales-ready and
                           the date before it was not (or it did not exist)
      recycled             a scoring date at which it was no longer
                           sales-ready after being so (score_history), or a
                           sales verdict of 'recycled' (sales_feedback)
      opportunity_created  each opportunity of the lead (or of a lead
                           merged into it)
    Score moments are known to the history grain: became_mql at 2026-03-04
    means sales-ready as of the start of that day, not as of the date before.
    is_before_history_start marks a lead already sales-ready at the first
    history date: it became so then or earlier.
#}
with

history as (

    select * from {{ ref('lead_score_history') }}

),

leads_scored as (

    select * from {{ ref('int_leads_scored') }}

),

as_of as (

    select * from {{ ref('int_scoring_as_of') }}

),

leads as (

    select * from {{ ref('int_leads_deduplicated') }}

),

scoped_activities as (

    select * from {{ ref('int_activities_scoped') }}

),

opportunities as (

    select * from {{ ref('int_opportunities_credited') }}

),

sales_feedback as (

    select * from {{ ref('int_sales_feedback_credited') }}

),

current_scores as (

    select
        leads_scored.lead_id,
        leads_scored.scored_as_of,
        leads_scored.is_sales_ready,
        leads_scored.lead_score
    from leads_scored
    where leads_scored.is_current

),

score_timeline as (

    {#- The history up to now, and the current score (which a history date
        may repeat). #}
    select
        history.lead_id,
        history.scored_as_of,
        history.is_sales_ready,
        history.lead_score
    from history
    cross join as_of
    where history.scored_as_of < as_of.scored_as_of

    union all

    select
        lead_id,
        scored_as_of,
        is_sales_ready,
        lead_score
    from current_scores

),

history_start as (

    select min(scored_as_of) as first_history_at from score_timeline

),

score_changes as (

    select
        score_timeline.lead_id,
        score_timeline.scored_as_of,
        score_timeline.is_sales_ready,
        score_timeline.lead_score,
        lag(score_timeline.is_sales_ready) over (
            partition by score_timeline.lead_id
            order by score_timeline.scored_as_of
        ) as was_sales_ready,
        leads.created_at < history_start.first_history_at
        and score_timeline.scored_as_of = history_start.first_history_at
            as is_before_history_start
    from score_timeline
    inner join leads
        on score_timeline.lead_id = leads.lead_id
    cross join history_start

),

score_events as (

    select
        lead_id,
        case
            when is_sales_ready then 'became_mql' else 'recycled'
        end as event_type,
        scored_as_of as event_at,
        'score_history' as event_source,
        cast(null as {{ dbt.type_string() }}) as source_record_id,
        'lead_score ' || cast(lead_score as {{ dbt.type_string() }})
            as event_detail,
        is_before_history_start
    from score_changes
    where
        (is_sales_ready and not coalesce(was_sales_ready, false))
        or (not is_sales_ready and was_sales_ready)

),

first_touches as (

    select
        lead_id,
        'first_touch' as event_type,
        min(occurred_at) as event_at,
        'activities' as event_source,
        cast(null as {{ dbt.type_string() }}) as source_record_id,
        cast(null as {{ dbt.type_string() }}) as event_detail,
        false as is_before_history_start
    from scoped_activities
    where is_current and exclusion_reason is null
    group by 1

),

opportunity_events as (

    select
        opportunities.survivor_lead_id as lead_id,
        'opportunity_created' as event_type,
        opportunities.created_at as event_at,
        'opportunities' as event_source,
        opportunities.opportunity_id as source_record_id,
        opportunities.opportunity_stage as event_detail,
        false as is_before_history_start
    from opportunities
    cross join as_of
    where opportunities.created_at < as_of.scored_as_of

),

sales_recycle_events as (

    select
        sales_feedback.survivor_lead_id as lead_id,
        'recycled' as event_type,
        sales_feedback.feedback_at as event_at,
        'sales_feedback' as event_source,
        sales_feedback.lead_id as source_record_id,
        sales_feedback.reason as event_detail,
        false as is_before_history_start
    from sales_feedback
    cross join as_of
    where
        sales_feedback.disposition = 'recycled'
        and sales_feedback.feedback_at < as_of.scored_as_of

),

events as (

    select * from first_touches
    union all
    select * from score_events
    union all
    select * from opportunity_events
    union all
    select * from sales_recycle_events

)

select * from events
