{{ config(materialized='table') }}
{#-
    Every disqualifier each lead matches at each scoring date: such a lead
    is never sales-ready.
    A table: two models and two data tests read it, and each would unpivot
    and match every lead again.
-#}
with

attributes as (

    select * from {{ ref('int_leads_attributes_unpivoted') }}

),

disqualifiers as (

    select * from {{ ref('disqualifiers') }}

),

disqualifiers_matched as (

    select
        attributes.lead_id,
        attributes.scored_as_of,
        disqualifiers.disqualifier_id,
        disqualifiers.reason
    from attributes
    inner join disqualifiers
        on
            attributes.attribute = lower(trim(disqualifiers.attribute))
            and {{ lead_scoring.rule_matches('disqualifiers', 'attributes') }}

)

select * from disqualifiers_matched
