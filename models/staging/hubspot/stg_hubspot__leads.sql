{#- HubSpot contacts as the raw contract's leads. Deleted (and merged-away)
    contacts are left out: they are no longer leads. -#}
with

contacts as (

    select * from {{ source('hubspot', 'contact') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_string() }}) as lead_id,
        cast(null as {{ dbt.type_string() }}) as converted_contact_id,

        -- strings
        property_email as email,
        property_firstname as first_name,
        property_lastname as last_name,
        property_jobtitle as job_title,
        property_company as company_name,
        {{ lead_scoring.domain_from_website('property_website') }}
            as company_domain,
        property_industry as industry,
        property_country as country,
        property_hs_analytics_source as lead_source,

        -- numerics
        property_numemployees as employee_count,
        property_annualrevenue as annual_revenue,

        -- timestamps
        property_createdate as created_at,
        property_lastmodifieddate as updated_at

    from contacts
    where not coalesce(_fivetran_deleted, false)

)

select * from renamed
