{#
    One row per account (company, by account_domain of dim_leads) with at
    least one lead scored as of scored_as_of. Leads with a free-mail or
    invalid address and no company domain belong to no account.

      account_fit_score         the best fit_score among its contacts (the
                                company's size, industry and country are
                                shared; the best-placed buyer counts)
      account_engagement_score  its contacts' engagement scores, strongest
                                first, the first counting fully and each
                                next one lead_scoring__account_contact_weight_ratio
                                of the one before, up to
                                lead_scoring__account_max_contacts contacts,
                                capped at 100: three contacts at 40 make
                                40 + 20 + 10 = 70 with the default 0.5, while
                                a crowd of barely engaged contacts stays cold
      account_score             fit_weight * fit + (1 - fit_weight) * engagement

    Grade and tier use the fit_grade and engagement_tier bands of
    score_thresholds. is_hot_only_together marks a hot account none of
    whose contacts is hot on their own.
#}
{%- set fit_weight = var('lead_scoring__fit_weight') | float -%}
{%- set ratio = var('lead_scoring__account_contact_weight_ratio') | float -%}
{%- set max_contacts = var('lead_scoring__account_max_contacts') | int -%}

with

leads_scored as (

    select * from {{ ref('int_leads_scored') }}

),

leads as (

    select * from {{ ref('int_leads_deduplicated') }}

),

score_thresholds as (

    select * from {{ ref('score_thresholds') }}

),

contacts as (

    select
        leads.account_domain,
        leads.company_name,
        leads_scored.lead_id,
        leads_scored.scored_as_of,
        leads_scored.scoring_version,
        leads_scored.fit_score,
        leads_scored.engagement_score,
        leads_scored.engagement_tier,
        leads_scored.is_sales_ready,
        row_number() over (
            partition by leads.account_domain
            order by
                leads_scored.engagement_score desc,
                leads_scored.lead_id asc
        ) as engagement_rank,
        row_number() over (
            partition by leads.account_domain
            order by
                leads_scored.fit_score desc,
                leads_scored.lead_id asc
        ) as fit_rank
    from leads_scored
    inner join leads
        on leads_scored.lead_id = leads.lead_id
    where leads_scored.is_current and leads.account_domain is not null

),

contacts_weighted as (

    select
        *,
        power({{ ratio }}, engagement_rank - 1) as contact_weight
    from contacts

),

accounts_summed as (

    select
        account_domain,
        max(case when fit_rank = 1 then company_name end) as company_name,
        max(scored_as_of) as scored_as_of,
        max(scoring_version) as scoring_version,
        count(*) as contact_count,
        sum(case when engagement_score > 0 then 1 else 0 end)
            as engaged_contact_count,
        sum(case when is_sales_ready then 1 else 0 end)
            as sales_ready_contact_count,
        sum(case when engagement_tier = 'hot' then 1 else 0 end)
            as hot_contact_count,
        max(fit_score) as account_fit_score,
        max(engagement_score) as strongest_engagement_score,
        sum(
            case
                when engagement_rank <= {{ max_contacts }}
                    then engagement_score * contact_weight
                else 0
            end
        ) as weighted_engagement
    from contacts_weighted
    group by 1

),

accounts_scored as (

    select
        *,
        {{ lead_scoring.round_to(
            'case when weighted_engagement > 100 then 100'
            ~ ' else weighted_engagement end', 1) }}
            as account_engagement_score
    from accounts_summed

),

account_score_computed as (

    select
        *,
        {{ lead_scoring.round_to(
            fit_weight ~ ' * account_fit_score + '
            ~ (1 - fit_weight) ~ ' * account_engagement_score', 1) }}
            as account_score
    from accounts_scored

),

account_grades as (

    {{ lead_scoring.bands_reached(
        'account_score_computed', ['account_domain'], 'account_fit_score',
        'fit_grade', 'score_thresholds') }}

),

account_tiers as (

    {{ lead_scoring.bands_reached(
        'account_score_computed', ['account_domain'],
        'account_engagement_score', 'engagement_tier', 'score_thresholds') }}

),

accounts_graded as (

    select
        account_score_computed.account_domain,
        account_score_computed.company_name,
        cast(account_score_computed.contact_count as {{ dbt.type_int() }})
            as contact_count,
        cast(
            account_score_computed.engaged_contact_count
            as {{ dbt.type_int() }}
        ) as engaged_contact_count,
        cast(
            account_score_computed.sales_ready_contact_count
            as {{ dbt.type_int() }}
        ) as sales_ready_contact_count,
        account_score_computed.account_fit_score,
        account_score_computed.strongest_engagement_score,
        account_score_computed.account_engagement_score,
        account_score_computed.account_score,
        account_grades.band as account_grade,
        account_tiers.band as account_tier,
        account_grades.band || cast(
            account_tiers.band_rank as {{ dbt.type_string() }}
        ) as account_priority,
        account_tiers.band = 'hot'
        and account_score_computed.hot_contact_count = 0
            as is_hot_only_together,
        account_score_computed.scored_as_of,
        account_score_computed.scoring_version
    from account_score_computed
    left join account_grades
        on
            account_score_computed.account_domain
            = account_grades.account_domain
            and account_grades.band_order = 1
    left join account_tiers
        on
            account_score_computed.account_domain
            = account_tiers.account_domain
            and account_tiers.band_order = 1

)

select * from accounts_graded
