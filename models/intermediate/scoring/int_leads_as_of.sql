{{ config(materialized='table') }}
{#
    One row per lead and scoring date (int_scoring_dates) at which the lead
    existed (created strictly before it), with every attribute a fit rule or
    disqualifier can test: the lead's own columns (including any extra
    columns of the raw file), seniority, department, email domain type, and
    what was known about its behaviour and sales' verdict at that date.
    Opportunities and verdicts of leads merged into this one count for it;
    bot_activity_count is the machine activity kept out of its points.
    At a backtest's lead-age dates only the leads of that age have a row
    (date_scores_lead).
    A table: fit rules, disqualifiers and lead_scores all read it.
#}
with

leads as (

    select * from {{ ref('int_leads_deduplicated') }}

),

scoring_dates as (

    select * from {{ ref('int_scoring_dates') }}

),

engagement as (

    select * from {{ ref('int_leads_engagement_by_type') }}

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

activity_summary as (

    select
        lead_id,
        scored_as_of,
        sum(activity_count) as activity_count,
        max(last_occurred_at) as last_activity_at,
        max(
            case when activity_type = 'email_bounce' then 1 else 0 end
        ) = 1 as has_email_bounced,
        max(
            case when activity_type = 'email_unsubscribe' then 1 else 0 end
        ) = 1 as has_unsubscribed
    from engagement
    group by 1, 2

),

bot_activity_summary as (

    select
        lead_id,
        scored_as_of,
        count(*) as bot_activity_count
    from scoped_activities
    where exclusion_reason = 'bot_activity'
    group by 1, 2

),

opportunities_known as (

    select
        opportunities.survivor_lead_id as lead_id,
        scoring_dates.scored_as_of,
        min(opportunities.created_at) as first_opportunity_at
    from opportunities
    inner join scoring_dates
        on opportunities.created_at < scoring_dates.scored_as_of
    group by 1, 2

),

feedback_ranked as (

    select
        sales_feedback.survivor_lead_id as lead_id,
        scoring_dates.scored_as_of,
        sales_feedback.disposition,
        row_number() over (
            partition by
                sales_feedback.survivor_lead_id, scoring_dates.scored_as_of
            order by
                sales_feedback.feedback_at desc,
                sales_feedback.disposition asc
        ) as feedback_rank
    from sales_feedback
    inner join scoring_dates
        on sales_feedback.feedback_at < scoring_dates.scored_as_of

),

lead_dates as (

    select
        leads.lead_id,
        scoring_dates.scored_as_of,
        scoring_dates.is_current
    from leads
    inner join scoring_dates
        on {{ lead_scoring.date_scores_lead(
            'leads.created_at', 'scoring_dates') }}

),

facts_as_of as (

    {#- Narrow rows first, the lead's own (wide) columns joined once at the
        end: joining them first carries every column through four hash
        joins, which at scale needs several times the memory. #}
    select
        lead_dates.lead_id,
        lead_dates.scored_as_of,
        lead_dates.is_current,
        cast(
            coalesce(activity_summary.activity_count, 0)
            as {{ dbt.type_bigint() }}
        ) as activity_count,
        activity_summary.last_activity_at,
        coalesce(activity_summary.has_email_bounced, false)
            as has_email_bounced,
        coalesce(activity_summary.has_unsubscribed, false) as has_unsubscribed,
        cast(
            coalesce(bot_activity_summary.bot_activity_count, 0)
            as {{ dbt.type_bigint() }}
        ) as bot_activity_count,
        opportunities_known.first_opportunity_at,
        opportunities_known.lead_id is not null as has_opportunity,
        feedback_ranked.disposition as latest_sales_disposition
    from lead_dates
    left join activity_summary
        on
            lead_dates.lead_id = activity_summary.lead_id
            and lead_dates.scored_as_of = activity_summary.scored_as_of
    left join bot_activity_summary
        on
            lead_dates.lead_id = bot_activity_summary.lead_id
            and lead_dates.scored_as_of = bot_activity_summary.scored_as_of
    left join opportunities_known
        on
            lead_dates.lead_id = opportunities_known.lead_id
            and lead_dates.scored_as_of = opportunities_known.scored_as_of
    left join feedback_ranked
        on
            lead_dates.lead_id = feedback_ranked.lead_id
            and lead_dates.scored_as_of = feedback_ranked.scored_as_of
            and feedback_ranked.feedback_rank = 1

),

leads_as_of as (

    select
        leads.*,
        facts_as_of.activity_count,
        facts_as_of.last_activity_at,
        facts_as_of.has_email_bounced,
        facts_as_of.has_unsubscribed,
        facts_as_of.bot_activity_count,
        facts_as_of.first_opportunity_at,
        facts_as_of.has_opportunity,
        facts_as_of.latest_sales_disposition,
        facts_as_of.scored_as_of,
        facts_as_of.is_current
    from facts_as_of
    inner join leads
        on facts_as_of.lead_id = leads.lead_id

)

select * from leads_as_of
