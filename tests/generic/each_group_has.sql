{#-
    Each group of rows (by `group_by`) in which no row makes a boolean SQL
    expression true, with the number of rows the group has and `problem`,
    the words the on-run-end report prints: e.g. a CRM in
    crm_field_mappings that maps no key (crm_record_id, crm_lead_id, email).
-#}
{% test each_group_has(model, group_by, expression, problem='') %}

select
    {{ group_by }},
    count(*) as rows_in_group,
    '{{ problem | replace("'", "''") }}' as problem
from {{ model }}
group by {{ group_by }}
having sum(case when {{ expression }} then 1 else 0 end) = 0
{% endtest %}
