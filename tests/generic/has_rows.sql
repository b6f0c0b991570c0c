{#-
    One row when the model has no rows at all: for seeds the scores cannot
    do without (a header-only activity_weights would score every lead 0,
    and the build would pass). The row says so, for the on-run-end report.
-#}
{% test has_rows(model) %}

select
    'it has no rows, only a header: scores cannot be computed without'
    || ' them' as problem
where not exists (select 1 from {{ model }})
{% endtest %}
