"""Promoting learned points into seeds, and the fit's check that SQL gives
Python's probabilities: on small files and a stand-in workspace (no dbt)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from lead_scoring import evaluation, modeling, promote

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path, Path]:
    seeds, proposed = tmp_path / "seeds", tmp_path / "proposed"
    seeds.mkdir()
    proposed.mkdir()
    for name in promote.PROMOTED:
        shutil.copy2(REPO / "seeds" / name, seeds / name)
    return seeds, proposed, proposed / "replaced"


def write(path: Path, text: str) -> None:
    path.write_text(text.strip() + "\n")


WEIGHTS = """
activity_type,activity_label,points,half_life_days,max_points
page_view,Visited the website,2,14,10
webinar_attended,Webinar attended,9,30,45.0
"""
RULES = """
rule_id,attribute,match_kind,match_value,range_min,range_max,points,reason
learned_industry_software,industry,equals,software,,,12,Industry is software
learned_size,employee_count,numeric_range,,50,200,7,Company of 50-199 employees
"""


def test_promote_keeps_the_replaced_seeds_under_their_names(folders) -> None:
    seeds, proposed, replaced = folders
    before = {name: (seeds / name).read_text() for name in promote.PROMOTED}
    write(proposed / "activity_weights.csv", WEIGHTS)
    write(proposed / "fit_rules.csv", RULES)
    promoted = promote.promote(proposed, seeds, replaced, progress=lambda _: None)
    assert promoted == list(promote.PROMOTED)
    for name in promote.PROMOTED:
        assert (seeds / name).read_text() == (proposed / name).read_text()
        assert (replaced / name).read_text() == before[name]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("activity_weights.csv", WEIGHTS.replace(",2,14,", ",250,14,"), "beyond 100"),
        ("activity_weights.csv", WEIGHTS.replace(",14,", ",0,"), "above 0"),
        ("activity_weights.csv", WEIGHTS.replace("page_view", "Page View"), "snake"),
        ("activity_weights.csv", WEIGHTS.replace(",9,", ",nine,"), "not a number"),
        ("activity_weights.csv", WEIGHTS.replace(",10\n", ",-1\n"), "0 or more"),
        (
            "activity_weights.csv",
            WEIGHTS.replace("webinar_attended", "page_view"),
            "listed twice",
        ),
        (
            "activity_weights.csv",
            WEIGHTS.replace("half_life_days", "half_life"),
            "seed's columns",
        ),
        ("fit_rules.csv", RULES.replace("equals", "like"), "match_kind"),
        ("fit_rules.csv", RULES.replace(",50,200,", ",200,50,"), "below range_max"),
        ("fit_rules.csv", RULES.replace(",50,200,", ",,,"), "neither bound"),
        ("fit_rules.csv", RULES.replace("equals,software", "equals,"), "match_value"),
        (
            "fit_rules.csv",
            RULES.replace("learned_size", "learned_industry_software"),
            "listed twice",
        ),
        ("fit_rules.csv", RULES.replace(",Industry is software", ","), "reason"),
    ],
)
def test_a_file_the_seed_tests_would_fail_is_refused(
    folders, name: str, text: str, message: str
) -> None:
    seeds, proposed, replaced = folders
    before = {n: (seeds / n).read_text() for n in promote.PROMOTED}
    write(proposed / "activity_weights.csv", WEIGHTS)
    write(proposed / "fit_rules.csv", RULES)
    write(proposed / name, text)
    with pytest.raises(SystemExit, match=message) as refused:
        promote.promote(proposed, seeds, replaced, progress=lambda _: None)
    assert "seeds/ is unchanged" in str(refused.value)
    assert {n: (seeds / n).read_text() for n in promote.PROMOTED} == before
    assert not replaced.exists()


def test_nothing_to_promote_says_what_to_run(folders) -> None:
    seeds, proposed, replaced = folders
    with pytest.raises(SystemExit, match="make fit"):
        promote.promote(proposed, seeds, replaced)


def test_proposed_files_of_learned_points_pass_the_checks(folders) -> None:
    """What fit writes is what promote accepts (points clipped to 100)."""
    seeds, proposed, replaced = folders
    weights = modeling.read_csv(seeds / "activity_weights.csv")
    points = modeling.LearnedPoints(
        fit_points={"industry": {"software": 130, "retail": 0}},
        activity_points={"page_view": 3, "brand_new_type": 7},
        activity_caps={"page_view": 45.0, "brand_new_type": 35.0},
        points_to_double_odds=20,
    )
    modeling.write_csv(
        proposed / "activity_weights.csv",
        list(weights[0]),
        modeling.proposed_activity_weights(points, weights),
    )
    modeling.write_csv(
        proposed / "fit_rules.csv",
        modeling.FIT_RULE_COLUMNS,
        modeling.proposed_fit_rules(points),
    )
    # 130 is beyond what a seed accepts
    with pytest.raises(SystemExit, match="beyond 100"):
        promote.promote(proposed, seeds, replaced, progress=lambda _: None)
    points.fit_points["industry"]["software"] = 100
    modeling.write_csv(
        proposed / "fit_rules.csv",
        modeling.FIT_RULE_COLUMNS,
        modeling.proposed_fit_rules(points),
    )
    promote.promote(proposed, seeds, replaced, progress=lambda _: None)
    assert "brand_new_type" in (seeds / "activity_weights.csv").read_text()


# --- the fit's SQL-against-Python check --------------------------------------


class StandInWorkspace:
    """Seeds nothing and builds nothing: 'SQL' probabilities are the
    model's own plus `error`."""

    def __init__(self, tmp_path: Path, model, examples, error: float) -> None:
        self.work_dir = tmp_path
        self.seeds_dir = tmp_path / "seeds"
        self.seeds_dir.mkdir()
        self.model, self.source, self.error = model, examples, error
        self.seeded_rows = None

    def seed_coefficients(self, rows) -> None:
        self.seeded_rows = rows

    def rescored_examples(self, cutoffs) -> modeling.Examples:
        probability = self.model.probability(self.source) + self.error
        self.source.scores["conversion_probability"] = probability.tolist()
        return self.source


def small_model() -> tuple[modeling.LogisticModel, modeling.Examples]:
    rng = np.random.default_rng(0)
    examples = modeling.Examples(
        lead_id=[f"L{n}" for n in range(50)],
        cutoff=["2026-01-01"] * 50,
        label=(rng.random(50) < 0.3).astype(float),
        numeric=[{"x": float(v)} for v in rng.normal(size=50)],
        categorical=[{} for _ in range(50)],
    )
    return modeling.LogisticModel(-1.0, {"x": 0.5}, {}), examples


def test_sql_within_tolerance_passes(tmp_path) -> None:
    model, examples = small_model()
    workspace = StandInWorkspace(tmp_path, model, examples, error=1e-12)
    difference = evaluation.check_sql_matches_python(
        workspace, model, [{"feature": "x"}], ["2026-01-01"]
    )
    assert difference == pytest.approx(1e-12, rel=1e-3)
    assert workspace.seeded_rows == [{"feature": "x"}]


def test_sql_beyond_tolerance_fails_the_fit_with_the_reason(tmp_path) -> None:
    model, examples = small_model()
    workspace = StandInWorkspace(tmp_path, model, examples, error=1.7e-5)
    with pytest.raises(SystemExit, match=r"differ by up to 1\.7e-05") as failed:
        evaluation.check_sql_matches_python(
            workspace, model, [{"feature": "x"}], ["2026-01-01"]
        )
    assert "Nothing was written to the seed" in str(failed.value)
    assert (tmp_path / "rejected_predictive_coefficients.csv").is_file()
    # the scratch seed is the project's again, not the rejected one
    assert (workspace.seeds_dir / "predictive_coefficients.csv").read_text() == (
        REPO / "seeds" / "predictive_coefficients.csv"
    ).read_text()


def test_fit_attributes_become_categorical_features() -> None:
    settings = evaluation.Settings(
        raw_dir=Path("."),
        dbt_vars={
            "lead_scoring__feature_attributes": {
                "categorical": ["industry"],
                "numeric": ["score_x"],
            }
        },
        fit_attributes=["industry", "plan", "score_x"],
    )
    assert evaluation.feature_attributes(settings) == {
        "categorical": ["industry", "plan"],
        "numeric": ["score_x"],
    }
    default = evaluation.feature_attributes(
        evaluation.Settings(raw_dir=Path("."), fit_attributes=["plan"])
    )
    assert (
        default["categorical"][-1] == "plan" and "seniority" in default["categorical"]
    )
