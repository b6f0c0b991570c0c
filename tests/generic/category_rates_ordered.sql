{#-
    Groups (e.g. cohorts: one scoring date each) in which the rows of a
    better category (fit grade A) show a lower rate than those of a worse
    one (grade C) while both hold at least `min_size` (in `size_column`),
    so a gap is not noise from a handful of leads. Narrow the rows checked
    with the test's `where` config (one dimension, final cohorts only).
-#}
{% test category_rates_ordered(model, column_name, group_by,
    category_column, better_category, worse_category, size_column,
    min_size=1) %}

with

rows_checked as (

    select * from {{ model }}

),

better as (

    select
        {{ group_by }} as group_key,
        {{ column_name }} as rate,
        {{ size_column }} as case_count
    from rows_checked
    where {{ category_column }} = '{{ better_category }}'

),

worse as (

    select
        {{ group_by }} as group_key,
        {{ column_name }} as rate,
        {{ size_column }} as case_count
    from rows_checked
    where {{ category_column }} = '{{ worse_category }}'

)

select
    better.group_key,
    better.rate as better_rate,
    better.case_count as better_case_count,
    worse.rate as worse_rate,
    worse.case_count as worse_case_count
from better
inner join worse
    on better.group_key = worse.group_key
where
    better.case_count >= {{ min_size }}
    and worse.case_count >= {{ min_size }}
    and better.rate < worse.rate
{% endtest %}
