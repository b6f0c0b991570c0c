{#-
    Rows for which a boolean SQL expression over the model's columns is not
    true (false or null), e.g. `range_min < range_max`. Narrow the rows
    checked with the test's `where` config. Works as a model or a column
    test (the column is then ignored: name it in the expression).
-#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not coalesce({{ expression }}, false)
{% endtest %}
