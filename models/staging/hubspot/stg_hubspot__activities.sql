{#- HubSpot email events, form submissions and engagements as the raw
    contract's activities. Email events name a recipient, not a contact: the
    recipient's email finds the contact (null when none has it, so the row
    is reported as missing_lead_id). Only the event and engagement types
    below are read; calls and meetings keep HubSpot's name (`call`,
    `meeting`): give them points in activity_weights to score them. -#}
{%- set timestamp = adapter.quote('timestamp') -%}

with

contacts as (

    select * from {{ source('hubspot', 'contact') }}

),

email_events as (

    select * from {{ source('hubspot', 'email_event') }}

),

form_submissions as (

    select * from {{ source('hubspot', 'contact_form_submission') }}

),

engagements as (

    select * from {{ source('hubspot', 'engagement') }}

),

engagement_contacts as (

    select * from {{ source('hubspot', 'engagement_contact') }}

),

contacts_by_email as (

    select
        lower(trim(property_email)) as email,
        min(cast(id as {{ dbt.type_string() }})) as lead_id
    from contacts
    where
        not coalesce(_fivetran_deleted, false)
        and property_email is not null
    group by 1

),

email_activities as (

    select
        'email_event:' || cast(email_events.id as {{ dbt.type_string() }})
            as activity_id,
        contacts_by_email.lead_id,
        case upper(email_events.type)
            when 'SENT' then 'email_send'
            when 'OPEN' then 'email_open'
            when 'CLICK' then 'email_click'
            when 'BOUNCE' then 'email_bounce'
        end as activity_type,
        email_events.created as occurred_at,
        cast(null as {{ dbt.type_string() }}) as url,
        cast(email_events.email_campaign_id as {{ dbt.type_string() }})
            as campaign,
        cast(null as {{ dbt.type_string() }}) as asset,
        cast(null as {{ dbt.type_string() }}) as duration_seconds
    from email_events
    left join contacts_by_email
        on lower(trim(email_events.recipient)) = contacts_by_email.email
    where upper(email_events.type) in ('SENT', 'OPEN', 'CLICK', 'BOUNCE')

),

form_activities as (

    select
        'form:' || cast(conversion_id as {{ dbt.type_string() }})
            as activity_id,
        cast(contact_id as {{ dbt.type_string() }}) as lead_id,
        {{ lead_scoring.form_activity_type('coalesce(title, page_url)') }}
            as activity_type,
        {{ timestamp }} as occurred_at,
        page_url as url,
        cast(null as {{ dbt.type_string() }}) as campaign,
        cast(form_id as {{ dbt.type_string() }}) as asset,
        cast(null as {{ dbt.type_string() }}) as duration_seconds
    from form_submissions

),

engagement_activities as (

    select
        'engagement:'
        || cast(engagements.id as {{ dbt.type_string() }})
        || ':'
        || cast(engagement_contacts.contact_id as {{ dbt.type_string() }})
            as activity_id,
        cast(engagement_contacts.contact_id as {{ dbt.type_string() }})
            as lead_id,
        case upper(engagements.type)
            when 'INCOMING_EMAIL' then 'email_reply'
            else lower(engagements.type)
        end as activity_type,
        engagements.{{ timestamp }} as occurred_at,
        cast(null as {{ dbt.type_string() }}) as url,
        cast(null as {{ dbt.type_string() }}) as campaign,
        cast(null as {{ dbt.type_string() }}) as asset,
        cast(null as {{ dbt.type_string() }}) as duration_seconds
    from engagements
    inner join engagement_contacts
        on engagements.id = engagement_contacts.engagement_id
    where upper(engagements.type) in ('INCOMING_EMAIL', 'MEETING', 'CALL')

),

activities_unioned as (

    select * from email_activities
    union all
    select * from form_activities
    union all
    select * from engagement_activities

)

select * from activities_unioned
