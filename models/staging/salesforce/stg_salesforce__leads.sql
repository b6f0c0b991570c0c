{#- Salesforce leads, and contacts that were not converted from a lead, as
    the raw contract's leads (a converted lead is scored once, as the lead).
    Contacts carry no company fields here: Salesforce keeps those on the
    account. -#}
with

leads as (

    select * from {{ source('salesforce', 'lead') }}
    where not coalesce(is_deleted, false)

),

contacts as (

    select * from {{ source('salesforce', 'contact') }}
    where not coalesce(is_deleted, false)

),

leads_renamed as (

    select
        -- ids
        id as lead_id,
        case
            when coalesce(is_converted, false) then converted_contact_id
        end as converted_contact_id,

        -- strings
        email,
        first_name,
        last_name,
        title as job_title,
        company as company_name,
        {{ lead_scoring.domain_from_website('website') }} as company_domain,
        industry,
        country,
        lead_source,

        -- numerics
        number_of_employees as employee_count,
        annual_revenue,

        -- timestamps
        created_date as created_at,
        last_modified_date as updated_at

    from leads

),

contacts_renamed as (

    select
        -- ids
        contacts.id as lead_id,
        cast(null as {{ dbt.type_string() }}) as converted_contact_id,

        -- strings
        contacts.email,
        contacts.first_name,
        contacts.last_name,
        contacts.title as job_title,
        cast(null as {{ dbt.type_string() }}) as company_name,
        cast(null as {{ dbt.type_string() }}) as company_domain,
        cast(null as {{ dbt.type_string() }}) as industry,
        contacts.mailing_country as country,
        contacts.lead_source,

        -- numerics
        cast(null as {{ dbt.type_bigint() }}) as employee_count,
        cast(null as {{ lead_scoring.type_double() }}) as annual_revenue,

        -- timestamps
        contacts.created_date as created_at,
        contacts.last_modified_date as updated_at

    from contacts
    left join leads
        on contacts.id = leads.converted_contact_id
    where leads.id is null

),

leads_unioned as (

    select * from leads_renamed
    union all
    select * from contacts_renamed

)

select * from leads_unioned
