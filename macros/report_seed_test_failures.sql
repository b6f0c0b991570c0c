{#
    on-run-end: for every failed (or warning) data test on a seed whose
    failures were stored (the seed checks in seeds/_seeds.yml all store
    them), print the offending rows, so a broken edit names its seed row,
    not just the rule:
        Seed check activity_weights__half_life_days_is_positive failed on
        activity_weights row(s): activity_type=page_view, half_life_days=-3.0, ...
    A quarantine guard rail (test quarantine_share_within_limit) prints the
    `message` of each row it failed on instead: the source, the reason, the
    share and an example value.
#}
{% macro report_seed_test_failures(results) %}
    {% if not execute %}{{ return('') }}{% endif %}
    {% for result in results %}
        {% set node = result.node %}
        {% set seeds = [] %}
        {% for parent in node.depends_on.nodes if parent.startswith('seed.') %}
            {% do seeds.append(parent.split('.')[-1]) %}
        {% endfor %}
        {% set test_name = node.test_metadata.name
            if node.resource_type == 'test' and node.test_metadata
            else none %}
        {% if node.resource_type != 'test' or not node.relation_name
            or result.status not in ('fail', 'warn') %}
            {# nothing stored to report #}
        {% elif test_name == 'quarantine_share_within_limit' %}
            {% set rows = run_query(
                'select message from ' ~ node.relation_name ~ ' limit 20') %}
            {% for row in rows %}
                {% do log(('Guard rail' if result.status == 'fail'
                    else 'Guard rail (warning)') ~ ' ' ~ node.name ~ ': '
                    ~ row[0], info=true) %}
            {% endfor %}
        {% elif seeds %}
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
            {% do log('Seed check ' ~ node.name ~ ' '
                ~ ('failed' if result.status == 'fail' else 'warned')
                ~ ' on ' ~ seeds | join(', ') ~ ' row(s): '
                ~ described | join(' | '), info=true) %}
        {% endif %}
    {% endfor %}
    {{ return('') }}
{% endmacro %}
