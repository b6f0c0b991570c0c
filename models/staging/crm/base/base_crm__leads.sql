{#
    Every raw lead row, typed and cleaned, with the reason it cannot be
    scored (null when it can). stg_crm__leads keeps the usable rows;
    fct_data_quality_issues reports the rest, so no row is lost.
#}
{#- A unit test has no graph to read the contract from: its fixture holds
    only contract columns, so there are no extra columns to pass through. -#}
{%- set contract = lead_scoring.raw_contract().get('leads') -%}
{#- A raw column named like one the project derives (seniority,
    department, rejection_reason, …) is renamed <name>_raw, never shadowing
    the derived one (see extra_columns). -#}
{%- set extras = lead_scoring.extra_columns(
    lead_scoring.raw_relation('crm', 'leads'), contract,
    lead_scoring.lead_derived_columns(contract)) if contract else []
-%}

with

source as (

    select * from {{ lead_scoring.raw_relation('crm', 'leads') }}

),

typed as (

    select
        -- ids
        {{ lead_scoring.clean_text('lead_id') }} as lead_id,

        -- extra columns of the raw file, as they are (fit rules may use them)
        {% for quoted, snake in extras -%}
            {{ quoted }} as {{ snake }},
        {% endfor %}

        -- strings
        lower({{ lead_scoring.clean_text('email') }}) as email,
        {{ lead_scoring.clean_text('first_name') }} as first_name,
        {{ lead_scoring.clean_text('last_name') }} as last_name,
        {{ lead_scoring.clean_text('job_title') }} as job_title,
        {{ lead_scoring.clean_text('company_name') }} as company_name,
        lower({{ lead_scoring.clean_text('company_domain') }})
            as company_domain,
        {{ lead_scoring.clean_text('industry') }} as industry,
        {{ lead_scoring.clean_text('country') }} as country,
        {{ lead_scoring.clean_text('lead_source') }} as lead_source,

        -- numerics
        {{ lead_scoring.plausible_number(
            'employee_count', 'employee_count', dbt.type_bigint()) }}
            as employee_count,
        {{ lead_scoring.plausible_number('annual_revenue', 'annual_revenue') }}
            as annual_revenue,
        {{ lead_scoring.implausible_columns([
            ('employee_count', 'employee_count'),
            ('annual_revenue', 'annual_revenue')]) }} as implausible_values,

        -- timestamps
        {{ lead_scoring.to_utc_timestamp('created_at') }} as created_at,
        {{ lead_scoring.to_utc_timestamp('updated_at') }} as updated_at,
        {#- The raw text, for the example a quarantine guard rail prints. -#}
        {{ lead_scoring.clean_text('created_at') }} as created_at_text

    from source

),

problems_found as (

    select
        *,
        case
            when lead_id is null then 'missing_lead_id'
            when created_at is null then 'invalid_created_at'
            when {{ lead_scoring.is_in_future('created_at') }}
                then 'future_created_at'
        end as row_problem
    from typed

),

versions_ranked as (

    {# Usable versions rank first, so a broken newest copy never hides a good
        older one. #}
    select
        *,
        row_number() over (
            partition by lead_id
            order by
                case when row_problem is null then 0 else 1 end asc,
                updated_at desc nulls last,
                created_at desc nulls last,
                email asc nulls last
        ) as copy_rank
    from problems_found

),

reasons_assigned as (

    select
        *,
        coalesce(
            row_problem,
            case when copy_rank > 1 then 'superseded_lead_version' end
        ) as rejection_reason
    from versions_ranked

)

select * from reasons_assigned
