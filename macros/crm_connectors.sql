{#
    CRM connectors: staging packages that map Fivetran-loaded HubSpot,
    Salesforce and Marketo schemas onto the raw contract (leads, activities,
    opportunities, sales_feedback). Each is switched on by a var in
    Fivetran's style (`hubspot_enabled`, `salesforce_enabled`,
    `marketo_enabled`, all false by default). With none on, the base models
    read the raw contract's sources as before; with any on, they read the
    union of the enabled connectors' rows instead (stg_connectors__<table>).
#}

{#- The enabled connectors, in a fixed order. -#}
{% macro crm_connectors_enabled() %}
    {% set enabled = [] %}
    {% for name in ['hubspot', 'salesforce', 'marketo'] %}
        {% if var(name ~ '_enabled', false) %}{% do enabled.append(name) %}{% endif %}
    {% endfor %}
    {{ return(enabled) }}
{% endmacro %}

{#- Which contract tables each adapter provides. -#}
{% macro crm_adapter_tables() %}
    {{ return({
        'hubspot': ['leads', 'activities', 'opportunities'],
        'salesforce': ['leads', 'activities', 'opportunities',
                       'sales_feedback'],
        'marketo': ['leads', 'activities'],
    }) }}
{% endmacro %}

{#- The relation a base model reads for one raw contract table: the source
    (files or the raw schema) by default, the connectors' union when any
    adapter is enabled. -#}
{% macro raw_relation(source_name, table) %}
    {% if lead_scoring.crm_connectors_enabled() %}
        {{ return(ref('stg_connectors__' ~ table)) }}
    {% endif %}
    {{ return(source(source_name, table)) }}
{% endmacro %}

{#- The body of stg_connectors__<table>: the enabled connectors' rows of one
    contract table (their models stg_<adapter>__<table>), every contract
    column as text; no rows when no enabled adapter provides the table. -#}
{% macro union_adapter_rows(table) %}
    {#- Beyond the contract, connectors give leads the Contact a converted
        Salesforce lead became (null elsewhere), for the CRM sync. -#}
    {%- set columns = lead_scoring.raw_contract().get(table, [])
        + (['converted_contact_id'] if table == 'leads' else []) -%}
    {%- set parts = [] -%}
    {%- for name in lead_scoring.crm_connectors_enabled() -%}
        {%- if table in lead_scoring.crm_adapter_tables()[name] -%}
            {%- do parts.append(ref('stg_' ~ name ~ '__' ~ table)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if parts -%}
        {%- for relation in parts %}
    select
        {% for column in columns -%}
        cast({{ column }} as {{ dbt.type_string() }})
            as {{ column }}{{ ',' if not loop.last }}
        {% endfor -%}
    from {{ relation }}
            {%- if not loop.last %}

    union all
            {% endif -%}
        {%- endfor -%}
    {%- else %}
    select
        {% for column in columns -%}
        cast(null as {{ dbt.type_string() }})
            as {{ column }}{{ ',' if not loop.last }}
        {% endfor -%}
    where 1 = 0
    {%- endif -%}
{% endmacro %}

{#- A contract activity_type for a web page visit, from its URL. -#}
{% macro page_activity_type(url) -%}
    case
        when lower({{ url }}) like '%/pricing%' then 'pricing_page_view'
        when lower({{ url }}) like '%/careers%' then 'careers_page_view'
        else 'page_view'
    end
{%- endmacro %}

{#- A contract activity_type for a form fill, from the form's name (or
    page): demo, trial, webinar, contact/sales forms by keyword; any other
    form is a content download. -#}
{% macro form_activity_type(form_name) -%}
    case
        when lower({{ form_name }}) like '%demo%' then 'demo_request'
        when lower({{ form_name }}) like '%trial%' then 'trial_signup'
        when lower({{ form_name }}) like '%webinar%'
            then 'webinar_registration'
        when
            lower({{ form_name }}) like '%contact%'
            or lower({{ form_name }}) like '%sales%'
            then 'contact_sales_form'
        else 'content_download'
    end
{%- endmacro %}

{#- A web domain from a website value: scheme, `www.` and path removed,
    lowercased ('https://www.Acme.com/about' -> 'acme.com'). -#}
{% macro domain_from_website(website) -%}
    nullif(
        {{ dbt.split_part(
            dbt.replace(dbt.replace(dbt.replace(
                'lower(trim(' ~ website ~ '))',
                "'https://'", "''"), "'http://'", "''"), "'www.'", "''"),
            "'/'", 1) }},
        ''
    )
{%- endmacro %}
