{{ config(materialized='table') }}
{#-
    Staged leads with seniority, department, email domain type and the
    account (company) they roll up to: account_domain is the lead's company
    domain without scheme, www. or path, or else its business email domain.
    A free-mail domain never makes an account (a gmail.com "company" would
    lump strangers together), nor does an invalid email.
    A table: five data tests read it, and each would redo the title matching
    over every lead.
-#}
with

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

job_titles as (

    select * from {{ ref('int_job_titles_mapped') }}

),

free_email_domains as (

    select * from {{ ref('free_email_domains') }}

),

company_domains_cleaned as (

    select distinct
        company_domain,
        nullif(
            regexp_replace(
                regexp_replace(company_domain, '^(https?://)?(www[.])?', ''),
                '[/:?#].*$', ''
            ),
            ''
        ) as company_domain_cleaned
    from leads
    where company_domain is not null

),

leads_enriched as (

    select
        leads.*,
        job_titles.seniority,
        job_titles.department,
        case
            when not leads.is_email_valid then 'invalid'
            when free_email_domains.email_domain is not null then 'free'
            else 'business'
        end as email_domain_type,
        case
            when
                company_domains_cleaned.company_domain_cleaned is not null
                and free_company_domains.email_domain is null
                then company_domains_cleaned.company_domain_cleaned
            when
                leads.is_email_valid
                and free_email_domains.email_domain is null
                then leads.email_domain
        end as account_domain
    from leads
    left join job_titles
        on leads.job_title = job_titles.job_title
    left join free_email_domains
        on leads.email_domain = lower(trim(free_email_domains.email_domain))
    left join company_domains_cleaned
        on leads.company_domain = company_domains_cleaned.company_domain
    left join free_email_domains as free_company_domains
        on
            company_domains_cleaned.company_domain_cleaned
            = lower(trim(free_company_domains.email_domain))

)

select * from leads_enriched
