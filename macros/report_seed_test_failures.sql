{#
    on-run-end: for every failed data test on a seed whose failures were
    stored (the seed checks in seeds/_seeds.yml all store them), print the
    offending rows, so a broken edit names its seed row, not just the rule:
        Seed check activity_weights__half_life_days_is_positive failed on
        activity_weights: activity_type=page_view, half_life_days=-3.0, ...
#}
{% macro report_seed_test_failures(results) %}
    {% if not execute %}{{ return('') }}{% endif %}
    {% for result in results %}
        {% set node = result.node %}
        {% set seeds = [] %}
        {% for parent in node.depends_on.nodes if parent.startswith('seed.') %}
            {% do seeds.append(parent.split('.')[-1]) %}
        {% endfor %}
        {% if node.resource_type == 'test' and result.status == 'fail'
            and seeds and node.relation_name %}
            {% set rows = run_query(
                'select * from ' ~ node.relation_name ~ ' limit 10') %}
            {% set described = [] %}
            {% for row in rows %}
                {% set cells = [] %}
                {% for name in rows.column_names %}
                    {% do cells.append(name ~ '=' ~ row[name]) %}
                {% endfor %}
                {% do described.append(cells | join(', ')) %}
            {% endfor %}
            {% do log('Seed check ' ~ node.name ~ ' failed on '
                ~ seeds | join(', ') ~ ' row(s): '
                ~ described | join(' | '), info=true) %}
        {% endif %}
    {% endfor %}
    {{ return('') }}
{% endmacro %}
