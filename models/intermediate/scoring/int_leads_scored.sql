{{ config(materialized='table') }}
{#
    One row per lead and scoring date (int_scoring_dates) at which the lead
    existed: fit and engagement scores (0-100), the combined lead_score,
    grade, tier, priority, the sales-ready flag, disqualification and the
    top three reasons in words. lead_scores, lead_score_history and
    account_scores all read it, so a past date is scored exactly as a build
    with lead_scoring__as_of_date set to it would score it.

      fit_score        = clamp(100 * fit_points / fit_points_for_full_score)
      engagement_score = 100 * (1 - exp(-engagement_points / points_scale))
      lead_score       = fit_weight * fit_score
                         + (1 - fit_weight) * engagement_score
#}
{%- set fit_weight = var('lead_scoring__fit_weight') | float -%}
{%- set fit_full = var('lead_scoring__fit_points_for_full_score') | float -%}
{%- set engagement_scale =
    var('lead_scoring__engagement_points_scale') | float -%}

with

leads as (

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

reasons as (

    select * from {{ ref('int_leads_score_reasons') }}

),

score_thresholds as (

    select * from {{ ref('score_thresholds') }}

),

scoring_version as (

    select * from {{ ref('int_scoring_version') }}

),

fit_per_lead as (

    select
        lead_id,
        scored_as_of,
        sum(points) as fit_points
    from fit_points
    group by 1, 2

),

engagement_per_lead as (

    select
        lead_id,
        scored_as_of,
        sum(engagement_points) as engagement_points
    from engagement
    group by 1, 2

),

disqualification_per_lead as (

    select
        lead_id,
        scored_as_of,
        {{ dbt.listagg('reason', "'; '", 'order by disqualifier_id') }}
            as disqualification_reason
    from disqualifications
    group by 1, 2

),

top_reasons_per_lead as (

    select
        lead_id,
        scored_as_of,
        {{ dbt.listagg('reason_text', "'; '", 'order by reason_rank') }}
            as top_reasons
    from reasons
    where reason_rank <= 3
    group by 1, 2

),

points_combined as (

    select
        leads.lead_id,
        leads.email,
        leads.has_opportunity,
        leads.activity_count,
        leads.bot_activity_count,
        leads.last_activity_at,
        leads.scored_as_of,
        leads.is_current,
        cast(
            coalesce(fit_per_lead.fit_points, 0)
            as {{ lead_scoring.type_double() }}
        ) as fit_points,
        cast(
            coalesce(engagement_per_lead.engagement_points, 0)
            as {{ lead_scoring.type_double() }}
        ) as engagement_points,
        disqualification_per_lead.lead_id is not null as is_disqualified,
        disqualification_per_lead.disqualification_reason,
        top_reasons_per_lead.top_reasons
    from leads
    left join fit_per_lead
        on
            leads.lead_id = fit_per_lead.lead_id
            and leads.scored_as_of = fit_per_lead.scored_as_of
    left join engagement_per_lead
        on
            leads.lead_id = engagement_per_lead.lead_id
            and leads.scored_as_of = engagement_per_lead.scored_as_of
    left join disqualification_per_lead
        on
            leads.lead_id = disqualification_per_lead.lead_id
            and leads.scored_as_of = disqualification_per_lead.scored_as_of
    left join top_reasons_per_lead
        on
            leads.lead_id = top_reasons_per_lead.lead_id
            and leads.scored_as_of = top_reasons_per_lead.scored_as_of

),

scores_computed as (

    select
        *,
        {{ lead_scoring.round_to(
            'case when fit_points <= 0 then 0'
            ~ ' when fit_points >= ' ~ fit_full ~ ' then 100'
            ~ ' else 100 * fit_points / ' ~ fit_full ~ ' end', 1) }}
            as fit_score,
        {{ lead_scoring.round_to(
            'case when engagement_points <= 0 then 0'
            ~ ' else 100 * (1 - exp(-engagement_points / '
            ~ engagement_scale ~ ')) end', 1) }}
            as engagement_score
    from points_combined

),

lead_score_computed as (

    select
        *,
        {{ lead_scoring.round_to(
            fit_weight ~ ' * fit_score + '
            ~ (1 - fit_weight) ~ ' * engagement_score', 1) }} as lead_score
    from scores_computed

),

fit_grades as (

    {{ lead_scoring.bands_reached(
        'lead_score_computed', ['lead_id', 'scored_as_of'], 'fit_score',
        'fit_grade', 'score_thresholds') }}

),

engagement_tiers as (

    {{ lead_scoring.bands_reached(
        'lead_score_computed', ['lead_id', 'scored_as_of'],
        'engagement_score', 'engagement_tier', 'score_thresholds') }}

),

sales_ready_minimums as (

    {{ lead_scoring.sales_ready_minimums('score_thresholds') }}

),

leads_scored as (

    select
        lead_score_computed.lead_id,
        lead_score_computed.email,
        lead_score_computed.fit_points,
        lead_score_computed.fit_score,
        fit_grades.band as fit_grade,
        lead_score_computed.engagement_points,
        lead_score_computed.engagement_score,
        engagement_tiers.band as engagement_tier,
        lead_score_computed.lead_score,
        fit_grades.band || cast(
            engagement_tiers.band_rank as {{ dbt.type_string() }}
        ) as priority,
        (
            not lead_score_computed.is_disqualified
            and lead_score_computed.lead_score
            >= sales_ready_minimums.min_lead_score
            and lead_score_computed.fit_score
            >= sales_ready_minimums.min_fit_score
            and lead_score_computed.engagement_score
            >= sales_ready_minimums.min_engagement_score
        ) as is_sales_ready,
        lead_score_computed.is_disqualified,
        lead_score_computed.disqualification_reason,
        coalesce(lead_score_computed.top_reasons, 'No scoring activity yet')
            as top_reasons,
        lead_score_computed.activity_count,
        lead_score_computed.bot_activity_count,
        lead_score_computed.last_activity_at,
        lead_score_computed.has_opportunity,
        lead_score_computed.scored_as_of,
        lead_score_computed.is_current,
        scoring_version.scoring_version
    from lead_score_computed
    cross join sales_ready_minimums
    cross join scoring_version
    left join fit_grades
        on
            lead_score_computed.lead_id = fit_grades.lead_id
            and lead_score_computed.scored_as_of = fit_grades.scored_as_of
            and fit_grades.band_order = 1
    left join engagement_tiers
        on
            lead_score_computed.lead_id = engagement_tiers.lead_id
            and lead_score_computed.scored_as_of
            = engagement_tiers.scored_as_of
            and engagement_tiers.band_order = 1

)

select * from leads_scored
