{#- One row per lead: the newest usable version of each raw lead. -#}
with

leads as (

    select * from {{ ref('base_crm__leads') }}

),

usable_leads as (

    select
        {{ lead_scoring.star_except(ref('base_crm__leads'),
            ['copy_rank', 'row_problem', 'rejection_reason',
                'implausible_values', 'created_at_text']) }},
        {{ lead_scoring.is_valid_email('email') }} as is_email_valid,
        case
            when {{ lead_scoring.is_valid_email('email') }}
                then {{ dbt.split_part('email', "'@'", 2) }}
        end as email_domain
    from leads
    where rejection_reason is null

)

select * from usable_leads
