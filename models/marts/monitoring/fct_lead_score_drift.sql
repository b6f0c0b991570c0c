{#
    One row per history date: how many leads were scored, how many were
    sales-ready (MQL volume), and how far the lead_score distribution has
    moved from the reference period's, as a population stability index
    (PSI) over the fixed bands of fct_lead_score_bands:

        PSI = sum over bands of (actual - expected) * ln(actual / expected)

    with actual the date's share of leads in the band and expected the
    reference period's (its dates pooled). A share below
    lead_scoring__monitor_psi_floor counts as the floor, so an empty band
    adds a large but finite term instead of a division by zero. The
    reference period is the first lead_scoring__monitor_reference_dates
    history dates from lead_scoring__monitor_reference_start (empty: from
    the first date). A table recomputed on every run from the small band
    table, so a reference that changes (a var, a backfill) applies to every
    date.
#}
{%- set reference_dates = var('lead_scoring__monitor_reference_dates') | int -%}
{%- if reference_dates < 1 -%}
    {{ exceptions.raise_compiler_error(
        "lead_scoring__monitor_reference_dates must be 1 or more; got: "
        ~ reference_dates) }}
{%- endif -%}
{%- set reference_start = var('lead_scoring__monitor_reference_start')
    | string | trim -%}
{%- set floor = var('lead_scoring__monitor_psi_floor') | float -%}
{%- set double = lead_scoring.type_double() -%}
{%- set floor_share = 'cast(' ~ floor ~ ' as ' ~ double ~ ')' -%}

with

score_bands as (

    select * from {{ ref('fct_lead_score_bands') }}

),

dates_summed as (

    select
        scored_as_of,
        scored_date,
        sum(lead_count) as lead_count,
        sum(sales_ready_count) as sales_ready_count
    from score_bands
    group by 1, 2

),

reference_dates_ranked as (

    select
        scored_as_of,
        row_number() over (order by scored_as_of) as reference_date_number
    from dates_summed
    {%- if reference_start %}
        where scored_as_of >= cast(
            '{{ reference_start }}'
            as {{ api.Column.translate_type('timestamp') }}
        )
    {%- endif %}

),

reference_dates as (

    select scored_as_of
    from reference_dates_ranked
    where reference_date_number <= {{ reference_dates }}

),

reference_bands as (

    select
        score_bands.score_band,
        cast(sum(score_bands.lead_count) as {{ double }})
        / nullif(sum(sum(score_bands.lead_count)) over (), 0)
            as expected_share
    from score_bands
    inner join reference_dates
        on score_bands.scored_as_of = reference_dates.scored_as_of
    group by 1

),

reference_volume as (

    select
        avg(cast(dates_summed.sales_ready_count as {{ double }}))
            as reference_sales_ready_count
    from dates_summed
    inner join reference_dates
        on dates_summed.scored_as_of = reference_dates.scored_as_of

),

band_shares_floored as (

    select
        score_bands.scored_as_of,
        greatest(
            cast(score_bands.lead_count as {{ double }})
            / nullif(dates_summed.lead_count, 0),
            {{ floor_share }}
        ) as actual_share,
        greatest(reference_bands.expected_share, {{ floor_share }})
            as expected_share
    from score_bands
    inner join dates_summed
        on score_bands.scored_as_of = dates_summed.scored_as_of
    inner join reference_bands
        on score_bands.score_band = reference_bands.score_band

),

stability as (

    select
        scored_as_of,
        {{ lead_scoring.round_to(
            'sum((actual_share - expected_share)'
            ~ ' * ln(actual_share / expected_share))', 6) }}
            as population_stability_index
    from band_shares_floored
    group by 1

),

drift as (

    select
        dates_summed.scored_as_of,
        dates_summed.scored_date,
        dates_summed.lead_count,
        dates_summed.sales_ready_count,
        {{ lead_scoring.round_to(
            'cast(dates_summed.sales_ready_count as ' ~ double ~ ')'
            ~ ' / nullif(dates_summed.lead_count, 0)', 6) }}
            as sales_ready_share,
        reference_dates.scored_as_of is not null as is_reference_date,
        stability.population_stability_index,
        reference_volume.reference_sales_ready_count,
        {{ lead_scoring.round_to(
            'dates_summed.sales_ready_count'
            ~ ' / nullif(reference_volume.reference_sales_ready_count, 0)',
            6) }} as sales_ready_volume_ratio
    from dates_summed
    cross join reference_volume
    left join reference_dates
        on dates_summed.scored_as_of = reference_dates.scored_as_of
    left join stability
        on dates_summed.scored_as_of = stability.scored_as_of

)

select * from drift
