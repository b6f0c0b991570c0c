{#-
    Every grade and tier scale of score_thresholds needs a band starting at
    0, or leads below the lowest minimum would get no grade or tier.
    Returns each scale that lacks one.
-#}
with

score_thresholds as (

    select * from {{ ref('score_thresholds') }}

),

required_scales as (

    select 'fit_grade' as scale
    union all
    select 'engagement_tier' as scale
    union all
    select 'predictive_grade' as scale

),

scales_with_zero as (

    select distinct scale
    from score_thresholds
    where min_score = 0

)

select
    required_scales.scale,
    'score_thresholds has no band with min_score 0 for this scale'
        as problem
from required_scales
left join scales_with_zero
    on required_scales.scale = scales_with_zero.scale
where scales_with_zero.scale is null
