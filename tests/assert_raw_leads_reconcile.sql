{#-
    No lead is lost: every raw lead row is either scored in lead_scores or
    recorded in data_quality_issues as kept out, with a reason, exactly
    once. Returns a row describing the gap when the counts differ.
-#}
with

raw_leads as (

    select count(*) as row_count from {{ source('crm', 'leads') }}

),

scored_leads as (

    select count(*) as row_count from {{ ref('lead_scores') }}

),

excluded_leads as (

    select count(*) as row_count
    from {{ ref('data_quality_issues') }}
    where source_table = 'leads' and is_excluded_from_scores

)

select
    raw_leads.row_count as raw_rows,
    scored_leads.row_count as scored_rows,
    excluded_leads.row_count as excluded_rows,
    raw_leads.row_count - scored_leads.row_count - excluded_leads.row_count
        as unaccounted_rows
from raw_leads
cross join scored_leads
cross join excluded_leads
where raw_leads.row_count != scored_leads.row_count + excluded_leads.row_count
