{#
    One row per lead, scoring date and attribute that a fit rule or
    disqualifier tests, the long shape those seeds join to. Any column of
    int_leads_as_of can be an attribute, a user's own lead columns included,
    with no SQL change.
#}
{{ lead_scoring.unpivot_attributes(
    ref('int_leads_as_of'),
    [('lead_id', dbt.type_string()),
     ('scored_as_of', api.Column.translate_type('timestamp'))],
    [ref('fit_rules'), ref('disqualifiers')]) }}
