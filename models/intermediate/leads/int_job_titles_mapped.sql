{{ config(materialized='table') }}
{#
    Each distinct job title mapped to a seniority and a department through
    the job_title_seniority seed: a keyword matches as a whole word (or
    phrase) anywhere in the title, case and punctuation ignored. A keyword
    found only inside a longer matching keyword does not count ("president"
    in "Vice President, Sales"). Of the rest, the lowest match_priority
    wins, separately for seniority and department. A title with no
    seniority keyword is an individual contributor.
    A table: four data tests read it, and each would redo the keyword
    matching.
#}
with

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

job_title_seniority as (

    select * from {{ ref('job_title_seniority') }}

),

job_title_keywords as (

    select
        keyword,
        seniority,
        department,
        match_priority,
        {{ lead_scoring.normalise_words('keyword') }} as keyword_words
    from job_title_seniority

),

job_titles as (

    select distinct
        job_title,
        {{ lead_scoring.normalise_words('job_title') }} as job_title_words
    from leads
    where job_title is not null

),

keywords_found as (

    select
        job_titles.job_title,
        job_title_keywords.keyword,
        job_title_keywords.keyword_words,
        job_title_keywords.seniority,
        job_title_keywords.department,
        job_title_keywords.match_priority
    from job_titles
    inner join job_title_keywords
        on {{ dbt.position(
            'job_title_keywords.keyword_words',
            'job_titles.job_title_words') }} > 0

),

keyword_matches as (

    select found.*
    from keywords_found as found
    left join keywords_found as longer
        on
            found.job_title = longer.job_title
            and found.keyword_words != longer.keyword_words
            and {{ dbt.position('found.keyword_words',
                'longer.keyword_words') }} > 0
    where longer.job_title is null

),

seniority_ranked as (

    select
        job_title,
        lower(trim(seniority)) as seniority,
        row_number() over (
            partition by job_title order by match_priority asc, keyword asc
        ) as match_rank
    from keyword_matches
    where seniority is not null

),

department_ranked as (

    select
        job_title,
        lower(trim(department)) as department,
        row_number() over (
            partition by job_title order by match_priority asc, keyword asc
        ) as match_rank
    from keyword_matches
    where department is not null

),

titles_mapped as (

    select
        job_titles.job_title,
        department_ranked.department,
        coalesce(seniority_ranked.seniority, 'individual_contributor')
            as seniority
    from job_titles
    left join seniority_ranked
        on
            job_titles.job_title = seniority_ranked.job_title
            and seniority_ranked.match_rank = 1
    left join department_ranked
        on
            job_titles.job_title = department_ranked.job_title
            and department_ranked.match_rank = 1

)

select * from titles_mapped
