{{ config(materialized='table') }}
{#
    The predictive model applied in SQL, per lead and date of
    int_leads_featurized: a logistic regression whose
    coefficients scripts/fit.py wrote to the predictive_coefficients seed.
    A table: lead_scores and its tests read it.

        logit = intercept + sum of the lead's feature contributions
        conversion_probability = 1 / (1 + exp(-logit))

    A numeric feature contributes coefficient * numeric_value (a feature
    with no row for the lead is 0, so it adds nothing). A categorical
    feature contributes the coefficient of its level; a level the seed does
    not list takes the feature's '(other)' coefficient, or 0 without one. A
    feature the seed does not list adds nothing. With no '(intercept)' row
    (no model fitted) the probability is null. predictive_grade is the best
    band of score_thresholds scale predictive_grade whose min_score (in
    percent) the probability reaches.
#}
with

features as (

    select * from {{ ref('int_leads_featurized') }}

),

coefficients as (

    select * from {{ ref('predictive_coefficients') }}

),

score_thresholds as (

    select * from {{ ref('score_thresholds') }}

),

leads as (

    select distinct
        lead_id,
        scored_as_of
    from features

),

intercept as (

    select
        max(coefficient) as coefficient,
        max(model_version) as model_version
    from coefficients
    where feature = '(intercept)'

),

numeric_contributions as (

    select
        features.lead_id,
        features.scored_as_of,
        features.feature_name,
        coefficients.coefficient * features.numeric_value as contribution
    from features
    inner join coefficients
        on
            features.feature_name = coefficients.feature
            and coefficients.level is null
    where features.feature_kind = 'numeric'

),

categorical_contributions as (

    select
        features.lead_id,
        features.scored_as_of,
        features.feature_name,
        coalesce(
            level_coefficients.coefficient, other_coefficients.coefficient, 0
        ) as contribution
    from features
    left join coefficients as level_coefficients
        on
            features.feature_name = level_coefficients.feature
            and features.categorical_value
            = lower(trim(level_coefficients.level))
    left join coefficients as other_coefficients
        on
            features.feature_name = other_coefficients.feature
            and other_coefficients.level = '(other)'
    where features.feature_kind = 'categorical'

),

contributions as (

    select * from numeric_contributions
    union all
    select * from categorical_contributions

),

contributions_per_lead as (

    select
        lead_id,
        scored_as_of,
        sum(contribution) as contribution
    from contributions
    group by 1, 2

),

logits as (

    select
        leads.lead_id,
        leads.scored_as_of,
        intercept.model_version,
        {# rounded: the sum adds in any order when computed in parallel,
            and a rebuild must give the same probability #}
        {{ lead_scoring.round_to(
            'intercept.coefficient'
            ~ ' + coalesce(contributions_per_lead.contribution, 0)', 9) }}
            as conversion_logit
    from leads
    cross join intercept
    left join contributions_per_lead
        on
            leads.lead_id = contributions_per_lead.lead_id
            and leads.scored_as_of = contributions_per_lead.scored_as_of

),

probabilities as (

    select
        lead_id,
        scored_as_of,
        model_version,
        conversion_logit,
        {# exp() of a large argument overflows on some engines #}
        case
            when conversion_logit >= 40 then 1.0
            when conversion_logit <= -40 then 0.0
            else 1 / (1 + exp(-conversion_logit))
        end as conversion_probability
    from logits

),

probabilities_in_percent as (

    select
        *,
        100 * conversion_probability as conversion_percent
    from probabilities

),

grades as (

    {{ lead_scoring.bands_reached(
        'probabilities_in_percent', ['lead_id', 'scored_as_of'],
        'conversion_percent',
        'predictive_grade', 'score_thresholds') }}

),

predictions as (

    select
        probabilities.lead_id,
        probabilities.scored_as_of,
        probabilities.model_version,
        probabilities.conversion_logit,
        cast(
            probabilities.conversion_probability
            as {{ lead_scoring.type_double() }}
        ) as conversion_probability,
        grades.band as predictive_grade
    from probabilities
    left join grades
        on
            probabilities.lead_id = grades.lead_id
            and probabilities.scored_as_of = grades.scored_as_of
            and grades.band_order = 1

)

select * from predictions
