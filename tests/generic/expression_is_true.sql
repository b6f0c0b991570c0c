{#-
    Rows for which a boolean SQL expression over the model's columns is not
    true (false or null), e.g. `range_min < range_max`. Narrow the rows
    checked with the test's `where` config.
-#}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not coalesce({{ expression }}, false)
{% endtest %}
