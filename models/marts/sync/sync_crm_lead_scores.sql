{#
    What the CRM should be told: one row per CRM (of crm_field_mappings) and
    lead whose values, as the CRM field holds them, differ enough from what
    was last exported to that CRM (crm_sync_state, written by
    scripts/export_crm_sync.py).

    - upsert: the lead is scored, and it was never sent (or last cleared),
      or a synced label changed (grade, tier, priority, sales-ready flag,
      the reasons, the record it goes to), or a synced score moved at least
      lead_scoring__crm_sync_min_score_change points from the value last
      sent, or the probability at least
      lead_scoring__crm_sync_min_percent_change percentage points. Moves are
      measured from what was last sent, so slow decay arrives once it adds
      up;
    - clear: the lead was exported before and is no longer scored (deleted,
      merged into another lead, or kept out of the scores): its score fields
      are emptied in the CRM.

    Values are those a CRM field holds: whole points, the probability as a
    whole percent. The reasons compare by which reasons they name, without
    their figures (points, which decay moves daily, and counts); the text
    sent carries them. scored_as_of is sent
    where mapped but never makes a lead pending. Only the fields a CRM's
    mapping names count, so a change a CRM does not receive does not resend
    the lead there.

    Salesforce keeps leads and contacts apart: crm_object says which one a
    row updates and crm_record_id its id there. A contact that was never a
    lead (id 003...) is a Contact; a converted lead goes where
    lead_scoring__salesforce_converted_leads says (contact: the Contact it
    became, from the leads' converted_contact_id column; lead: the converted
    Lead itself; skip: not sent).
#}
{{ config(materialized="view") }}

{%- set synced = lead_scoring.crm_synced_columns() -%}
{%- set scores = ['lead_score', 'fit_score', 'engagement_score'] -%}
{%- set labels = [
    'email', 'fit_grade', 'engagement_tier', 'priority', 'is_sales_ready',
    'top_reasons', 'score_status'] -%}

{%- set min_score_change = var('lead_scoring__crm_sync_min_score_change') -%}
{%- set min_percent_change =
    var('lead_scoring__crm_sync_min_percent_change') -%}
{%- set converted_leads = var('lead_scoring__salesforce_converted_leads') -%}
{%- if converted_leads not in ['contact', 'lead', 'skip'] -%}
    {{ exceptions.raise_compiler_error(
        "lead_scoring__salesforce_converted_leads is '" ~ converted_leads
        ~ "'; it must be contact, lead or skip.") }}
{%- endif -%}
{%- set probability_column =
    var('lead_scoring__crm_sync_probability_column') -%}
{%- set has_probability = probability_column in (
    adapter.get_columns_in_relation(ref('lead_scores'))
    | map(attribute='name') | map('lower') | list
) if execute else false -%}
{%- set has_converted_contact = 'converted_contact_id' in (
    adapter.get_columns_in_relation(ref('int_leads_deduplicated'))
    | map(attribute='name') | map('lower') | list
) if execute else false -%}

with

lead_scores as (

    select * from {{ ref('lead_scores') }}

),

leads as (

    select * from {{ ref('int_leads_deduplicated') }}

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
        lead_scores.lead_id as crm_lead_id,
        {# An invalid email ('n/a', 'john@') matches no CRM record. #}
        case when leads.is_email_valid then lead_scores.email end as email,
        {% if has_converted_contact -%}
            leads.converted_contact_id,
        {%- else -%}
            cast(null as {{ dbt.type_string() }}) as converted_contact_id,
        {%- endif %}
        cast(round(lead_scores.lead_score) as {{ dbt.type_int() }})
            as lead_score,
        cast(round(lead_scores.fit_score) as {{ dbt.type_int() }})
            as fit_score,
        cast(round(lead_scores.engagement_score) as {{ dbt.type_int() }})
            as engagement_score,
        lead_scores.fit_grade,
        lead_scores.engagement_tier,
        lead_scores.priority,
        lead_scores.is_sales_ready,
        {% if has_probability -%}
            cast(
                round(100 * lead_scores.{{ probability_column }})
                as {{ dbt.type_int() }}
            )
        {%- else -%}
            cast(null as {{ dbt.type_int() }})
        {%- endif %} as conversion_percent,
        lead_scores.top_reasons,
        lead_scores.scored_as_of,
        'scored' as score_status
    from lead_scores
    left join leads
        on lead_scores.lead_id = leads.lead_id

),

records_chosen as (

    {# The CRM record each row updates. Salesforce ids are 15 or 18
        characters; 003 is the Contact object's prefix. #}
    select
        crms.*,
        scored_leads.*,
        case
            when crms.crm = 'hubspot' then 'contact'
            when crms.crm != 'salesforce' then 'lead'
            when
                scored_leads.converted_contact_id is not null
                and '{{ converted_leads }}' = 'contact'
                then 'contact'
            when
                scored_leads.crm_lead_id like '003%'
                and length(scored_leads.crm_lead_id) in (15, 18)
                then 'contact'
            else 'lead'
        end as crm_object,
        case
            when
                crms.crm = 'salesforce'
                and scored_leads.converted_contact_id is not null
                and '{{ converted_leads }}' = 'contact'
                then scored_leads.converted_contact_id
            else scored_leads.crm_lead_id
        end as crm_record_id
    from crms
    cross join scored_leads
    where
        not (
            crms.crm = 'salesforce'
            and scored_leads.converted_contact_id is not null
            and '{{ converted_leads }}' = 'skip'
        )

),

upserts_hashed as (

    select
        records_chosen.*,
        'upsert' as sync_action,
        {{ lead_scoring.crm_change_hash(
            'records_chosen', 'records_chosen',
            synced | reject('equalto', 'scored_as_of') | list) }}
            as change_hash
    from records_chosen

),

upserts_changed as (

    select upserts_hashed.*
    from upserts_hashed
    left join sync_state
        on
            upserts_hashed.crm = sync_state.crm
            and upserts_hashed.crm_lead_id = sync_state.crm_lead_id
    where
        sync_state.crm_lead_id is null
        or sync_state.sync_action != 'upsert'
        or upserts_hashed.crm_record_id
        is distinct from sync_state.crm_record_id
        {% for column in labels %}
            {%- set current = 'upserts_hashed.' ~ column -%}
            {%- set sent = 'sync_state.' ~ column -%}
            or (
                upserts_hashed.maps_{{ column }} = 1
                and {{ lead_scoring.crm_reasons_compared(current)
                    if column == 'top_reasons' else current }}
                is distinct from
                {{ lead_scoring.crm_reasons_compared(sent)
                    if column == 'top_reasons' else sent }}
            )
        {% endfor %}
        {% for column in scores %}
            or (
                upserts_hashed.maps_{{ column }} = 1
                and {{ lead_scoring.moved(
                    'upserts_hashed.' ~ column, 'sync_state.' ~ column,
                    min_score_change) }}
            )
        {% endfor %}
        or (
            upserts_hashed.maps_conversion_percent = 1
            and {{ lead_scoring.moved(
                'upserts_hashed.conversion_percent',
                'sync_state.conversion_percent', min_percent_change) }}
        )

),

clears as (

    select
        sync_state.crm,
        sync_state.crm_lead_id,
        sync_state.email,
        coalesce(sync_state.crm_object, 'lead') as crm_object,
        coalesce(sync_state.crm_record_id, sync_state.crm_lead_id)
            as crm_record_id,
        cast(null as {{ dbt.type_int() }}) as lead_score,
        cast(null as {{ dbt.type_int() }}) as fit_score,
        cast(null as {{ dbt.type_int() }}) as engagement_score,
        cast(null as {{ dbt.type_string() }}) as fit_grade,
        cast(null as {{ dbt.type_string() }}) as engagement_tier,
        cast(null as {{ dbt.type_string() }}) as priority,
        cast(null as {{ dbt.type_boolean() }}) as is_sales_ready,
        cast(null as {{ dbt.type_int() }}) as conversion_percent,
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

    {% set columns = [
        'crm', 'crm_lead_id', 'email', 'crm_object', 'crm_record_id',
        'sync_action', 'change_hash', 'lead_score',
        'fit_score', 'engagement_score', 'fit_grade', 'engagement_tier',
        'priority', 'is_sales_ready', 'conversion_percent', 'top_reasons',
        'scored_as_of', 'score_status'] %}
    select {{ columns | join(', ') }}
    from upserts_changed

    union all

    select {{ columns | join(', ') }}
    from clears

),

keyed as (

    select
        {{ dbt.concat(['crm', "'|'", 'crm_lead_id']) }} as sync_key,
        *
    from changes_combined

)

select * from keyed
