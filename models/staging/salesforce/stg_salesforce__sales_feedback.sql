{#- Sales' verdict on a lead, read from its Salesforce status: a converted
    lead or one being worked was accepted, a lead closed without conversion
    (or unqualified) was rejected, with the status as the reason. Salesforce
    keeps no date for a status change here: a conversion counts at
    converted_date, anything else at last_modified_date. -#}
with

leads as (

    select * from {{ source('salesforce', 'lead') }}
    where not coalesce(is_deleted, false)

),

verdicts as (

    select
        id as lead_id,
        status as reason,
        case
            when coalesce(is_converted, false) then 'accepted'
            when lower(status) like 'closed - not converted%' then 'rejected'
            when lower(status) like 'unqualified%' then 'rejected'
            when lower(status) like 'working%' then 'accepted'
            when lower(status) like 'qualified%' then 'accepted'
        end as disposition,
        case
            when coalesce(is_converted, false)
                then coalesce(converted_date, last_modified_date)
            else last_modified_date
        end as feedback_at
    from leads

),

final as (

    select
        lead_id,
        feedback_at,
        disposition,
        reason
    from verdicts
    where disposition is not null

)

select * from final
