{{
    config(
        materialized='incremental',
        unique_key=['scored_as_of', 'score_band'],
        incremental_strategy=lead_scoring.add_only_incremental_strategy(),
        on_schema_change='fail',
    )
}}
{#
    How many leads of lead_score_history fall in each fixed band of
    lead_score (ten bands of ten points: [0, 10) ... [90, 100], 100 in the
    top band) per history date, and how many of them are sales-ready. Every
    band has a row on every date, empty ones with 0, so fct_lead_score_drift
    can compare distributions band by band. A history date's rows never
    change, so the model is incremental: a run adds the dates the table
    does not hold yet (gaps filled by a backfill included) and reads only
    their history rows.
#}
{%- set band_count = 10 -%}
{%- set band_width = 100 // band_count -%}
{%- set timestamp_type = api.Column.translate_type('timestamp') -%}

with

history as (

    select * from {{ ref('lead_score_history') }}

),

band_numbers as (

    {{ dbt.generate_series(band_count) }}

),

dates_held as (

    {% if is_incremental() -%}
        select distinct scored_as_of from {{ this }}
    {%- else -%}
        select cast(null as {{ timestamp_type }}) as scored_as_of
        where 1 = 0
    {%- endif %}

),

history_new as (

    select history.*
    from history
    left join dates_held
        on history.scored_as_of = dates_held.scored_as_of
    where dates_held.scored_as_of is null

),

leads_banded as (

    select
        scored_as_of,
        scored_date,
        is_sales_ready,
        least(
            cast(floor(lead_score / {{ band_width }}) as {{ dbt.type_int() }}),
            {{ band_count - 1 }}
        ) as band_index
    from history_new

),

dates_new as (

    select distinct
        scored_as_of,
        scored_date
    from history_new

),

bands as (

    {#- Cast: dbt.generate_series sums powers of 2, doubles on Spark. -#}
    select
        cast(generated_number - 1 as {{ dbt.type_int() }}) as band_index,
        cast(
            (generated_number - 1) * {{ band_width }}
            as {{ dbt.type_int() }}
        ) as band_lower_score
    from band_numbers

),

date_bands as (

    select
        dates_new.scored_as_of,
        dates_new.scored_date,
        bands.band_index,
        bands.band_lower_score
    from dates_new
    cross join bands

),

band_counts as (

    select
        date_bands.scored_as_of,
        date_bands.scored_date,
        lpad(
            cast(date_bands.band_lower_score as {{ dbt.type_string() }}),
            2, '0'
        )
        || '-'
        || cast(
            date_bands.band_lower_score + {{ band_width }}
            as {{ dbt.type_string() }}
        ) as score_band,
        cast(date_bands.band_lower_score as {{ dbt.type_int() }})
            as band_lower_score,
        cast(count(leads_banded.band_index) as {{ dbt.type_bigint() }})
            as lead_count,
        cast(
            sum(case when leads_banded.is_sales_ready then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as sales_ready_count
    from date_bands
    left join leads_banded
        on
            date_bands.scored_as_of = leads_banded.scored_as_of
            and date_bands.band_index = leads_banded.band_index
    group by 1, 2, 3, 4

)

select * from band_counts
