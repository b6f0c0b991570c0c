{{ config(materialized='table') }}
{#-
    Every fit rule each lead matches at each scoring date, with its points
    (negative allowed).
    A table: three models and two data tests read it, and each would unpivot
    and match every lead again.
-#}
with

attributes as (

    select * from {{ ref('int_leads_attributes_unpivoted') }}

),

fit_rules as (

    select * from {{ ref('fit_rules') }}

),

rules_matched as (

    select
        attributes.lead_id,
        attributes.scored_as_of,
        fit_rules.rule_id,
        fit_rules.attribute,
        fit_rules.points,
        fit_rules.reason
    from attributes
    inner join fit_rules
        on
            attributes.attribute = lower(trim(fit_rules.attribute))
            and {{ lead_scoring.rule_matches('fit_rules', 'attributes') }}

)

select * from rules_matched
