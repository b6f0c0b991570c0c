{#- Salesforce tasks and campaign memberships as the raw contract's
    activities. Tasks keep Salesforce's subtype as the activity type (`call`,
    `email`, `task`: give them points in activity_weights to score them).
    A campaign member that attended is webinar_attended, one registered is
    webinar_registration, any other that responded campaign_response; members
    only sent a campaign are not activities. -#}
with

tasks as (

    select * from {{ source('salesforce', 'task') }}
    where not coalesce(is_deleted, false)

),

task_activities as (

    select
        'task:' || id as activity_id,
        who_id as lead_id,
        coalesce(task_subtype, type, 'task') as activity_type,
        coalesce(completed_date_time, created_date) as occurred_at,
        cast(null as {{ dbt.type_string() }}) as url,
        cast(null as {{ dbt.type_string() }}) as campaign,
        cast(null as {{ dbt.type_string() }}) as asset,
        cast(null as {{ dbt.type_string() }}) as duration_seconds
    from tasks

),

campaign_activities as (

    {% if var('salesforce__campaign_member_enabled', true) -%}
        select
            'campaign_member:' || id as activity_id,
            coalesce(lead_id, contact_id) as lead_id,
            case lower(status)
                when 'attended' then 'webinar_attended'
                when 'registered' then 'webinar_registration'
                else 'campaign_response'
            end as activity_type,
            coalesce(first_responded_date, created_date) as occurred_at,
            cast(null as {{ dbt.type_string() }}) as url,
            campaign_id as campaign,
            cast(null as {{ dbt.type_string() }}) as asset,
            cast(null as {{ dbt.type_string() }}) as duration_seconds
        from {{ source('salesforce', 'campaign_member') }}
        where
            not coalesce(is_deleted, false)
            and (
                coalesce(has_responded, false)
                or lower(status) in ('attended', 'registered')
            )
    {%- else -%}
        select * from task_activities
        where 1 = 0
    {%- endif %}

),

activities_unioned as (

    select * from task_activities
    union all
    select * from campaign_activities

)

select * from activities_unioned
