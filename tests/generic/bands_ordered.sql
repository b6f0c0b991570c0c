{#-
    For a thresholds table of (group, band_rank, min_score) rows: pairs of
    bands in one group whose order disagrees, i.e. a better rank (lower
    band_rank) that does not need a strictly higher min_score. Catches
    thresholds that overlap, repeat or are listed in the wrong order.
-#}
{% test bands_ordered(model, column_name, group_by, rank_column) %}

with

bands as (

    select * from {{ model }}

)

select
    better.{{ group_by }},
    better.{{ rank_column }} as better_rank,
    better.{{ column_name }} as better_min_score,
    worse.{{ rank_column }} as worse_rank,
    worse.{{ column_name }} as worse_min_score
from bands as better
inner join bands as worse
    on
        better.{{ group_by }} = worse.{{ group_by }}
        and better.{{ rank_column }} < worse.{{ rank_column }}
where better.{{ column_name }} <= worse.{{ column_name }}
{% endtest %}
