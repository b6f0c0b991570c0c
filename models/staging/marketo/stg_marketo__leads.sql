{#- Marketo leads as the raw contract's leads. -#}
with

leads as (

    select * from {{ source('marketo', 'lead') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_string() }}) as lead_id,
        cast(null as {{ dbt.type_string() }}) as converted_contact_id,

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
        created_at,
        updated_at

    from leads

)

select * from renamed
