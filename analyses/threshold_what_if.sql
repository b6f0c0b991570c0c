{#-
    What-if for the sales-ready threshold: for each candidate minimum
    lead_score (0 to 100 in steps of 5), how many leads would be
    sales-ready (disqualifiers and the fit and engagement minimums of
    score_thresholds still apply) and how many of those already have an
    opportunity. Pick a threshold sales can handle before editing the seed.
-#}
with

lead_scores as (

    select * from {{ ref('lead_scores') }}

),

score_thresholds as (

    select * from {{ ref('score_thresholds') }}

),

candidate_thresholds as (

    {% for threshold in range(0, 101, 5) -%}
        select {{ threshold }} as min_lead_score
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

other_minimums as (

    {{ lead_scoring.sales_ready_minimums('score_thresholds') }}

),

leads_at_threshold as (

    select
        candidate_thresholds.min_lead_score,
        count(lead_scores.lead_id) as sales_ready_leads,
        sum(
            case when lead_scores.has_opportunity then 1 else 0 end
        ) as with_opportunity
    from candidate_thresholds
    cross join other_minimums
    left join lead_scores
        on
            candidate_thresholds.min_lead_score <= lead_scores.lead_score
            and other_minimums.min_fit_score <= lead_scores.fit_score
            and other_minimums.min_engagement_score
            <= lead_scores.engagement_score
            and not lead_scores.is_disqualified
    group by 1

)

select * from leads_at_threshold
order by 1 asc
