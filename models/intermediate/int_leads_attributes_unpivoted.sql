{#
    One row per lead and attribute (every column of int_leads_as_of), the
    long shape that fit rules and disqualifiers join to. A user's own lead
    columns appear here automatically, so rules can score them.
#}
{{ lead_scoring.unpivot_attributes(ref('int_leads_as_of'), 'lead_id') }}
