{{ config(materialized='table') }}
{#
    Which lead each lead is scored as. Leads with the same normalised email
    (lowercase, trimmed, a '+tag' after the local part dropped: the same
    inbox) are one person: they are merged into one survivor, the lead
    created first (then the lowest lead_id). The others are kept out of
    lead_scores (fct_data_quality_issues: merged_duplicate_lead) and their
    activities, opportunities and sales feedback count for the survivor.
    Leads without a usable email are never merged. One row per usable lead;
    a reverse-ETL tool can read it to merge the same leads in the CRM.
#}
with

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

emails_normalised as (

    select
        lead_id,
        created_at,
        case
            when is_email_valid
                then
                    lower(
                        {{ dbt.split_part(
                            dbt.split_part('email', "'@'", 1), "'+'", 1) }}
                        || '@' || email_domain
                    )
        end as normalised_email
    from leads

),

survivors_ranked as (

    select
        *,
        row_number() over (
            partition by normalised_email
            order by created_at asc, lead_id asc
        ) as survivor_rank
    from emails_normalised

),

survivors as (

    select
        normalised_email,
        lead_id as survivor_lead_id
    from survivors_ranked
    where survivor_rank = 1 and normalised_email is not null

),

leads_mapped as (

    select
        survivors_ranked.lead_id,
        survivors_ranked.normalised_email,
        coalesce(survivors.survivor_lead_id, survivors_ranked.lead_id)
            as survivor_lead_id,
        coalesce(
            survivors.survivor_lead_id, survivors_ranked.lead_id
        ) = survivors_ranked.lead_id as is_survivor
    from survivors_ranked
    left join survivors
        on survivors_ranked.normalised_email = survivors.normalised_email

)

select * from leads_mapped
