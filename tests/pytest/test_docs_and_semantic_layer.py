"""Docs, persist_docs and the MetricFlow semantic layer, on the default build.

`dbt docs generate` runs in a copy of the project whose target folder is the
project's own `target/` (where `mf` looks for the semantic manifest), on a
copy of the default build's database.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT, Build, DbtRun, copy_project, query, run_dbt

pytestmark = pytest.mark.slow

MF = Path(sys.executable).with_name("mf")


@pytest.fixture(scope="module")
def docs_project(
    tmp_path_factory: pytest.TempPathFactory,
    default_build: Build,
    default_raw_dir: Path,
) -> tuple[Path, Path, DbtRun]:
    """(project copy, database copy, the `dbt docs generate` run)."""
    default_build.require_success()
    project = copy_project(tmp_path_factory.mktemp("docs") / "project")
    db_path = project.parent / "lead_scoring.duckdb"
    shutil.copy(default_build.db_path, db_path)
    run = run_dbt(
        ["docs", "generate"],
        work_dir=project,
        raw_dir=default_raw_dir,
        db_path=db_path,
        project_dir=project,
    )
    assert run.success, run.describe()
    return project, db_path, run


def test_docs_generate_writes_a_catalog(docs_project):
    project, _, _ = docs_project
    for name in ("manifest.json", "catalog.json", "index.html"):
        assert (project / "target" / name).stat().st_size > 0, name


def undocumented(manifest: dict[str, Any], catalog: dict[str, Any]) -> list[str]:
    """Every model, seed, snapshot, source, macro, exposure, metric and
    column of this project without a description."""
    missing = []
    nodes = {**manifest["nodes"], **manifest["sources"]}
    for unique_id, node in nodes.items():
        if node["package_name"] != "lead_scoring" or node["resource_type"] not in {
            "model",
            "seed",
            "snapshot",
            "source",
        }:
            continue
        if not node.get("description", "").strip():
            missing.append(unique_id)
        columns = {name.lower() for name, c in node["columns"].items()}
        for name, column in node["columns"].items():
            if not column.get("description", "").strip():
                missing.append(f"{unique_id}.{name}")
        # Columns the built relation has that the YAML does not list.
        built = {**catalog["nodes"], **catalog["sources"]}.get(unique_id)
        for name in (built or {}).get("columns", {}):
            if name.lower() not in columns:
                missing.append(f"{unique_id}.{name} (not in YAML)")
    # Models switched off by default (the CRM connectors) are documented
    # as well.
    for unique_id, versions in manifest.get("disabled", {}).items():
        for node in versions:
            if node["package_name"] != "lead_scoring" or node["resource_type"] not in {
                "model",
                "source",
            }:
                continue
            if not node.get("description", "").strip():
                missing.append(f"{unique_id} (disabled)")
            for name, column in node.get("columns", {}).items():
                if not column.get("description", "").strip():
                    missing.append(f"{unique_id}.{name} (disabled)")
    for unique_id, macro in manifest["macros"].items():
        if macro["package_name"] == "lead_scoring" and not macro["description"].strip():
            missing.append(unique_id)
    for kind in ("exposures", "metrics", "semantic_models"):
        for unique_id, item in manifest[kind].items():
            if not (item.get("description") or "").strip():
                missing.append(unique_id)
    return missing


def test_every_model_column_seed_and_macro_is_documented(docs_project):
    _, _, run = docs_project
    catalog = (run.target_path / "catalog.json").read_text()

    assert undocumented(run.manifest, json.loads(catalog)) == []


def test_persist_docs_writes_descriptions_to_the_warehouse(docs_project):
    """BI tools read the descriptions from the warehouse's own comments."""
    _, db_path, run = docs_project
    mart = run.manifest["nodes"]["model.lead_scoring.lead_scores"]
    [(table_comment,)] = query(
        db_path, "select comment from duckdb_tables() where table_name = 'lead_scores'"
    )
    assert table_comment == mart["description"]
    comments = dict(
        query(
            db_path,
            "select column_name, comment from duckdb_columns() "
            "where table_name = 'lead_scores'",
        )
    )
    for name, column in mart["columns"].items():
        assert comments[name] == column["description"], name


def mf(project: Path, db_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(REPO_ROOT),
        "DBT_PROJECT_DIR": str(project),
        "LEAD_SCORING_TARGET": "duckdb",
        "LEAD_SCORING_DUCKDB_PATH": str(db_path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    return subprocess.run(
        [str(MF), *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_mf_validate_configs_passes(docs_project):
    project, db_path, _ = docs_project
    result = mf(project, db_path, "validate-configs")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "ERRORS: 0" in output and "Successfully validated" in output, output
    assert "ERRORS: 1" not in output


def test_mf_conversion_rate_by_grade_matches_lead_scores(docs_project, tmp_path):
    project, db_path, _ = docs_project
    out = tmp_path / "by_grade.csv"
    result = mf(
        project,
        db_path,
        "query",
        "--metrics",
        "conversion_rate,mql_rate,leads",
        "--group-by",
        "lead__fit_grade",
        "--csv",
        str(out),
    )
    assert result.returncode == 0, result.stdout + result.stderr

    with out.open(newline="") as handle:
        answered = {row["lead__fit_grade"]: row for row in csv.DictReader(handle)}
    expected = query(
        db_path,
        "select fit_grade, count(*), avg(case when has_opportunity then 1 else 0 end),"
        " avg(case when is_sales_ready then 1 else 0 end) from lead_scores group by 1",
    )
    assert set(answered) == {grade for grade, *_ in expected} == {"A", "B", "C", "D"}
    for grade, leads, conversion_rate, mql_rate in expected:
        row = answered[grade]
        assert int(row["leads"]) == leads
        assert float(row["conversion_rate"]) == pytest.approx(conversion_rate)
        assert float(row["mql_rate"]) == pytest.approx(mql_rate)
