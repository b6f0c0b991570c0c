{#- One row per day, for MetricFlow (metric_time and cumulative metrics). -#}
with

days as (

    {{ dbt.date_spine(
        'day',
        "cast('2020-01-01' as date)",
        "cast('2032-01-01' as date)"
    ) }}

),

final as (

    select cast(date_day as date) as date_day
    from days

)

select * from final
