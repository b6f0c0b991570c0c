{#-
    How lead_scores spreads over grades, tiers and score bands, with the
    share sales-ready and the share that already has an opportunity: the
    first thing to look at after changing a weight or a threshold.
    Run: dbt compile --select score_distribution, then run the SQL in
    target/compiled/.
-#}
with

lead_scores as (

    select * from {{ ref('lead_scores') }}

),

leads_banded as (

    select
        fit_grade,
        engagement_tier,
        is_sales_ready,
        has_opportunity,
        cast(floor(lead_score / 10) * 10 as {{ dbt.type_int() }})
            as score_band_start
    from lead_scores

),

distribution as (

    select
        score_band_start,
        fit_grade,
        engagement_tier,
        count(*) as leads,
        sum(case when is_sales_ready then 1 else 0 end) as sales_ready_leads,
        avg(case when has_opportunity then 1.0 else 0.0 end)
            as opportunity_rate
    from leads_banded
    group by 1, 2, 3

)

select * from distribution
order by 1 desc, 2 asc, 3 asc
