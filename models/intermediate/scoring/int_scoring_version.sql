{#
    The version stamped on every score: the released version (var
    lead_scoring__scoring_version) plus a fingerprint of the scoring seeds,
    so any edit to a weight, rule or threshold, or a refitted predictive
    model, shows in the scores. Numbers are hashed as whole billionths
    (decimal(38, 0)): engines write a double as text differently (2.0 or
    2), have their own default numeric scale (DuckDB 3 places, Spark 6),
    and Spark writes a decimal zero with 9 places as 0E-9, while the version
    must be the same on every engine. Rows are joined with '/': Spark reads
    '\n' in a literal as a newline, DuckDB as two characters.
#}
{%- set seeds = {
    'activity_weights': ['activity_type', 'activity_label', 'points',
                         'half_life_days', 'max_points'],
    'fit_rules': ['rule_id', 'attribute', 'match_kind', 'match_value',
                  'range_min', 'range_max', 'points', 'reason'],
    'disqualifiers': ['disqualifier_id', 'attribute', 'match_kind',
                      'match_value', 'range_min', 'range_max', 'reason'],
    'score_thresholds': ['scale', 'band', 'band_rank', 'min_score'],
    'score_trend_rules': ['rule_order', 'trend', 'min_change_7d',
                          'max_change_7d', 'min_change_30d',
                          'max_change_30d'],
    'job_title_seniority': ['keyword', 'seniority', 'department',
                            'match_priority'],
    'free_email_domains': ['email_domain'],
    'predictive_coefficients': ['feature', 'level', 'coefficient'],
} -%}
{%- set numeric_columns = ['points', 'half_life_days', 'max_points',
    'range_min', 'range_max', 'min_score', 'min_change_7d', 'max_change_7d',
    'min_change_30d', 'max_change_30d', 'coefficient'] -%}
{%- set release = var('lead_scoring__scoring_version') | string -%}

with

seed_rows as (

    {% for seed, columns in seeds.items() -%}
        select
            '{{ seed }}' as seed_name,
            {%- set values = [] -%}
            {%- for column in columns -%}
                {%- do values.append(
                    'cast(cast(' ~ column ~ ' as decimal(38, 9))'
                    ~ ' * 1000000000 as decimal(38, 0))'
                    if column in numeric_columns else column) -%}
            {%- endfor %}
            {{ lead_scoring.row_as_text(values) }} as row_text
        from {{ ref(seed) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

fingerprint as (

    select
        {{ dbt.hash(dbt.listagg(
            "seed_name || ':' || row_text", "'/'",
            'order by seed_name, row_text')) }} as seeds_hash
    from seed_rows

),

versioned as (

    select
        '{{ release | replace("'", "''") }}' || '+'
        || {{ dbt.right('seeds_hash', 8) }} as scoring_version
    from fingerprint

)

select * from versioned
