{#- Staged leads with seniority, department and email domain type. -#}
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

leads_enriched as (

    select
        leads.*,
        job_titles.seniority,
        job_titles.department,
        case
            when not leads.is_email_valid then 'invalid'
            when free_email_domains.email_domain is not null then 'free'
            else 'business'
        end as email_domain_type
    from leads
    left join job_titles
        on leads.job_title = job_titles.job_title
    left join free_email_domains
        on leads.email_domain = lower(trim(free_email_domains.email_domain))

)

select * from leads_enriched
