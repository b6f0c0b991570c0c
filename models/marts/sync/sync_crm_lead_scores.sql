{#
    What the CRM should be told: one row per CRM (of crm_field_mappings) and
    lead whose synced values differ from what was last exported to that CRM
    (crm_sync_state, written by scripts/export_crm_sync.py).

    - upsert: the lead is scored and a value the CRM's mapping carries
      changed (or it was never exported);
    - clear: the lead was exported before and is no longer scored (deleted,
      merged into another lead, or kept out of the scores): its score fields
      are emptied in the CRM.

    change_hash covers only the fields the CRM's mapping names, so a change
    to a field one CRM does not receive does not resend the lead there. A
    view: it always compares the current scores with the current state.
    The probability comes from the lead_scores column named by
    lead_scoring__crm_sync_probability_column where that column exists
    (the predictive model); it is null otherwise.
#}
{{ config(materialized="view") }}

{%- set synced = lead_scoring.crm_synced_columns() -%}
{%- set probability_column =
    var('lead_scoring__crm_sync_probability_column') -%}
{%- set has_probability = probability_column in (
    adapter.get_columns_in_relation(ref('lead_scores'))
    | map(attribute='name') | map('lower') | list
) if execute else false -%}

with

lead_scores as (

    select * from {{ ref('lead_scores') }}

),

field_mappings as (

    select * from {{ ref('crm_field_mappings') }}

),

sync_state as (

    select * from {{ ref('stg_crm_sync__sync_state') }}

),

crms as (

    select
        crm,
        {% for column in synced -%}
            max(case when project_column = '{{ column }}' then 1 else 0 end)
                as maps_{{ column }},
        {% endfor -%}
        count(*) as mapped_field_count
    from field_mappings
    group by 1

),

scored_leads as (

    select
        lead_id as crm_lead_id,
        email,
        lead_score,
        fit_score,
        engagement_score,
        fit_grade,
        engagement_tier,
        priority,
        is_sales_ready,
        {% if has_probability -%}
            cast({{ probability_column }} as {{ lead_scoring.type_double() }})
        {%- else -%}
            cast(null as {{ lead_scoring.type_double() }})
        {%- endif %} as conversion_probability,
        top_reasons,
        scored_as_of,
        'scored' as score_status
    from lead_scores

),

upserts_hashed as (

    select
        crms.crm,
        scored_leads.*,
        'upsert' as sync_action,
        {{ lead_scoring.crm_change_hash('crms', 'scored_leads', synced) }}
            as change_hash
    from crms
    cross join scored_leads

),

upserts_changed as (

    select upserts_hashed.*
    from upserts_hashed
    left join sync_state
        on
            upserts_hashed.crm = sync_state.crm
            and upserts_hashed.crm_lead_id = sync_state.crm_lead_id
    where
        sync_state.change_hash is null
        or sync_state.change_hash != upserts_hashed.change_hash

),

clears as (

    select
        sync_state.crm,
        sync_state.crm_lead_id,
        sync_state.email,
        cast(null as {{ lead_scoring.type_double() }}) as lead_score,
        cast(null as {{ lead_scoring.type_double() }}) as fit_score,
        cast(null as {{ lead_scoring.type_double() }}) as engagement_score,
        cast(null as {{ dbt.type_string() }}) as fit_grade,
        cast(null as {{ dbt.type_string() }}) as engagement_tier,
        cast(null as {{ dbt.type_string() }}) as priority,
        cast(null as {{ dbt.type_boolean() }}) as is_sales_ready,
        cast(null as {{ lead_scoring.type_double() }})
            as conversion_probability,
        cast(null as {{ dbt.type_string() }}) as top_reasons,
        cast(null as {{ dbt.type_timestamp() }}) as scored_as_of,
        'cleared' as score_status,
        'clear' as sync_action,
        {{ dbt.hash(dbt.concat([
            "'clear|'", 'sync_state.crm', "'|'", 'sync_state.crm_lead_id'
        ])) }} as change_hash
    from sync_state
    inner join crms
        on sync_state.crm = crms.crm
    left join scored_leads
        on sync_state.crm_lead_id = scored_leads.crm_lead_id
    where
        sync_state.sync_action = 'upsert'
        and scored_leads.crm_lead_id is null

),

changes_combined as (

    select
        crm,
        crm_lead_id,
        email,
        sync_action,
        change_hash,
        lead_score,
        fit_score,
        engagement_score,
        fit_grade,
        engagement_tier,
        priority,
        is_sales_ready,
        conversion_probability,
        top_reasons,
        scored_as_of,
        score_status
    from upserts_changed

    union all

    select
        crm,
        crm_lead_id,
        email,
        sync_action,
        change_hash,
        lead_score,
        fit_score,
        engagement_score,
        fit_grade,
        engagement_tier,
        priority,
        is_sales_ready,
        conversion_probability,
        top_reasons,
        scored_as_of,
        score_status
    from clears

)

select * from changes_combined
