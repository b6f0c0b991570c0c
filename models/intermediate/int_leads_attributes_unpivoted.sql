{#
    One row per lead and attribute that a fit rule or disqualifier tests,
    the long shape those seeds join to. Any column of int_leads_as_of can be
    an attribute, a user's own lead columns included, with no SQL change.
#}
{{ lead_scoring.unpivot_attributes(
    ref('int_leads_as_of'), 'lead_id',
    [ref('fit_rules'), ref('disqualifiers')]) }}
