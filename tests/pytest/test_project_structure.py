"""The project's structure, checked from manifest.json.

`dbt parse` (no database, no raw data: parsing runs no hooks and no queries)
writes the manifest; each rule below is a pure function of it,
`violations(rule, manifest) -> list[str]`, one line per offence naming the
model and the fix. The rules are dbt-project-evaluator's and the house
style's:

  layers         a model reads models of its own or an earlier layer only:
                 staging < intermediate < marts; utilities are read by
                 anyone and read nothing
  sources        source() only in staging
  parents        at most MAX_PARENTS direct parents
  primary_key    unique + not_null on one column, a unique_combination_of_
                 columns test, or a primary_key constraint (enforced contract)
  descriptions   a description on the model and on every column in its YAML,
                 and at least one column there
  contracts      access: public means an enforced contract, data types given
  naming         the name its folder asks for (see the naming rule)
  dev_history    no timings, measurements or commit hashes in descriptions
                 (they go to docs/ and CHANGELOG.md)
  read_back      no model or macro reads a mart's table by name (the
                 manifest cannot see such a read, so neither can the layer
                 rule)

The project is parsed twice, at the same time: as configured, and with the
CRM connectors (hubspot, salesforce, marketo) enabled, so the models that are
off by default are checked too. Allowed exceptions live in EXCEPTIONS; one
that is no longer needed fails test_every_exception_is_still_needed.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT, start_dbt

Manifest = dict[str, Any]
Exceptions = dict[tuple[str, str], str]
# (the name EXCEPTIONS uses, what is wrong and how to fix it)
Problem = tuple[str, str]

# The allowed exceptions, {(rule, model name): why}. Keep the list short: an
# entry is a decision somebody can defend, not a to-do. An entry that is no
# longer needed (the model passes, or is gone) fails the suite, so delete it.
EXCEPTIONS: Exceptions = {
    # The scoring version fingerprints every scoring seed, so that an edit to
    # any weight, rule, threshold or coefficient shows in the scores: one
    # parent per seed (8), and splitting the union would only move it.
    ("parents", "int_scoring_version"): (
        "hashes all 8 scoring seeds into the scoring version"
    ),
    # The one documented read-back: int_scoring_dates reads lead_score_
    # history's table by name (adapter.get_relation) to score only the
    # history dates it does not hold yet. A ref would be a cycle (the history
    # is built from int_scoring_dates), so the manifest cannot see this read.
    ("read_back", "int_scoring_dates"): (
        "reads lead_score_history by name for the dates it holds; a ref would"
        " be a cycle"
    ),
    # Raw rows in the contract's shape, before copies are ranked: repeats and
    # rows without an id are expected here, and the base_ models rank and
    # quarantine them (the connectors' union exists only when one is enabled).
    **{
        ("primary_key", name): "raw rows: repeats are ranked downstream"
        for name in (
            "base_marketing__activities_typed",
            "stg_connectors__activities",
            "stg_connectors__leads",
            "stg_connectors__opportunities",
            "stg_connectors__sales_feedback",
            "stg_salesforce__sales_feedback",
        )
    },
    # Views over every activity (times every scoring date, for the last two)
    # whose key follows from keys tested upstream: a test would scan the whole
    # activity stream again on every build. Each model's YAML says which keys.
    **{
        ("primary_key", name): "key follows from tested keys upstream"
        for name in (
            "stg_marketing__activities",
            "int_activities_enriched",
            "int_activities_scoped",
            "int_activities_decayed",
        )
    },
    # Marts that publish one intermediate table unchanged, as a view: the key
    # is tested on the table, where a failure stops the scoring that reads it.
    **{
        ("primary_key", name): f"a view of {table}, whose key is tested"
        for name, table in (
            ("dim_leads", "int_leads_deduplicated"),
            ("dim_lead_merges", "int_leads_merged"),
            ("fct_lead_activities", "int_activities_deduplicated"),
            ("fct_lead_features", "int_leads_featurized"),
        )
    },
}

LAYERS = {"staging": 0, "intermediate": 1, "marts": 2}
# Folders outside the layer order: read by any model, reading nothing.
UNLAYERED = {"utilities"}
MAX_PARENTS = 7
PARENT_TYPES = {"model", "seed", "source", "snapshot"}
# Names dbt (or a tool on top of it) looks for, in models/utilities/.
UTILITY_MODELS = {"metricflow_time_spine": "MetricFlow's time spine"}

SNAKE = r"[a-z0-9]+(?:_[a-z0-9]+)*"
DEV_HISTORY_PATTERNS = {
    "a measurement": re.compile(r"\bmeasured\b", re.IGNORECASE),
    "a duration": re.compile(r"\b\d+(?:\.\d+)?\s?(?:s|ms|seconds|minutes)\b"),
    # 7 to 40 hex digits, at least one a digit and one a letter; not after a
    # "+": the scoring version's own format is `<release>+<seeds hash>`.
    "a commit hash": re.compile(
        r"(?<!\+)\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b"
    ),
}

PARSES: dict[str, dict[str, Any]] = {
    "default": {},
    "connectors enabled": {
        "hubspot_enabled": True,
        "salesforce_enabled": True,
        "marketo_enabled": True,
    },
}
PARSE_TIMEOUT = 300


# -- the manifest ------------------------------------------------------------


def project_name(manifest: Manifest) -> str:
    return manifest["metadata"]["project_name"]


def project_models(manifest: Manifest) -> dict[str, dict[str, Any]]:
    """This project's enabled models (not those of installed packages)."""
    project = project_name(manifest)
    return {
        unique_id: node
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["package_name"] == project
    }


def folders(node: dict[str, Any]) -> list[str]:
    """The folders of a model under its model path: staging/crm/base."""
    return list(node["fqn"][1:-1])


def layer_of(node: dict[str, Any]) -> str:
    return next(iter(folders(node)), "")


def parents(node: dict[str, Any]) -> list[str]:
    """Direct parents: models, seeds, sources and snapshots."""
    return sorted(
        {
            parent
            for parent in node["depends_on"]["nodes"]
            if parent.split(".", 1)[0] in PARENT_TYPES
        }
    )


def display(manifest: Manifest, unique_id: str) -> str:
    """A parent's short name: `stg_crm__leads`, `source crm.leads`."""
    source = manifest["sources"].get(unique_id)
    if source is not None:
        return f"source {source['source_name']}.{source['name']}"
    return unique_id.rsplit(".", 1)[-1]


# -- the rules ---------------------------------------------------------------


def _layer_problems(manifest: Manifest) -> Iterator[Problem]:
    models = project_models(manifest)
    for node in models.values():
        name, layer = node["name"], layer_of(node)
        if layer in UNLAYERED:
            if node_parents := parents(node):
                read = ", ".join(display(manifest, p) for p in node_parents)
                message = (
                    f"{layer} model reads {read}; {layer} models read nothing."
                    f" Fix: move it to the layer of what it reads."
                )
                yield name, message
            continue
        if layer not in LAYERS:
            message = (
                f"{node['original_file_path']} is in no layer folder. Fix: move"
                f" it under models/staging, intermediate, marts or utilities."
            )
            yield name, message
            continue
        for parent_id in parents(node):
            parent = models.get(parent_id)
            parent_layer = layer_of(parent) if parent else ""
            if LAYERS.get(parent_layer, -1) > LAYERS[layer]:
                message = (
                    f"({layer}) reads {parent['name']} ({parent_layer}), a later"
                    f" layer. Fix: move what both need into a model of {layer}"
                    f" (or an earlier layer), or move {name} to {parent_layer}."
                )
                yield name, message


def _source_problems(manifest: Manifest) -> Iterator[Problem]:
    for node in project_models(manifest).values():
        if layer_of(node) == "staging":
            continue
        read = [display(manifest, p) for p in parents(node) if p.startswith("source.")]
        if read:
            message = (
                f"({layer_of(node)}) reads {', '.join(read)}; source() belongs"
                f" in staging. Fix: ref the source's stg_ model (add one under"
                f" models/staging/<source>/ if there is none)."
            )
            yield node["name"], message


def _parent_problems(manifest: Manifest) -> Iterator[Problem]:
    for node in project_models(manifest).values():
        node_parents = parents(node)
        if len(node_parents) > MAX_PARENTS:
            read = ", ".join(display(manifest, p) for p in node_parents)
            message = (
                f"{len(node_parents)} direct parents (at most {MAX_PARENTS}):"
                f" {read}. Fix: join some of them in an intermediate model"
                f" first."
            )
            yield node["name"], message


def _normalise(column: str | None) -> str:
    return (column or "").strip().strip('"`').lower()


def _key_tests(manifest: Manifest) -> dict[str, dict[str, set[str]]]:
    """Per model: columns with `unique`, columns with `not_null`, and
    `combination` when it has a unique_combination_of_columns test. Tests
    with a `where` cover part of the table, not its key, and do not count."""
    keys: dict[str, dict[str, set[str]]] = {}
    for node in manifest["nodes"].values():
        metadata = node.get("test_metadata") or {}
        attached = node.get("attached_node")
        if node["resource_type"] != "test" or not attached:
            continue
        if (node.get("config") or {}).get("where"):
            continue
        kwargs = metadata.get("kwargs") or {}
        column = _normalise(node.get("column_name") or kwargs.get("column_name"))
        found = keys.setdefault(attached, {"unique": set(), "not_null": set()})
        if metadata.get("name") in ("unique", "not_null") and column:
            found[metadata["name"]].add(column)
        elif metadata.get("name") == "unique_combination_of_columns":
            found["combination"] = set(kwargs.get("combination_of_columns") or [])
    return keys


def _has_primary_key_constraint(node: dict[str, Any]) -> bool:
    """A primary_key constraint dbt applies: constraints need an enforced
    contract."""
    if not node["contract"]["enforced"]:
        return False
    constraints = list(node.get("constraints") or [])
    for column in node["columns"].values():
        constraints += column.get("constraints") or []
    return any(c.get("type") == "primary_key" for c in constraints)


def _primary_key_problems(manifest: Manifest) -> Iterator[Problem]:
    keys = _key_tests(manifest)
    for unique_id, node in project_models(manifest).items():
        found = keys.get(unique_id, {"unique": set(), "not_null": set()})
        if (
            found["unique"] & found["not_null"]
            or "combination" in found
            or _has_primary_key_constraint(node)
        ):
            continue
        hint = ""
        if found["unique"]:
            columns = ", ".join(sorted(found["unique"]))
            hint = f" (unique on {columns}, without not_null)"
        message = (
            f"no primary-key test{hint}. Fix: give the key column"
            f" `data_tests: [unique, not_null]` in its YAML, or the model a"
            f" unique_combination_of_columns test, or a primary_key constraint"
            f" under an enforced contract."
        )
        yield node["name"], message


def _description_problems(manifest: Manifest) -> Iterator[Problem]:
    for node in project_models(manifest).values():
        name = node["name"]
        if not (node.get("description") or "").strip():
            yield name, "no description. Fix: add `description:` in its YAML."
        if not node["columns"]:
            yield name, "no columns in its YAML. Fix: list them, each described."
        bare = [
            column
            for column, spec in node["columns"].items()
            if not (spec.get("description") or "").strip()
        ]
        if bare:
            message = (
                f"columns without a description: {', '.join(bare)}. Fix: describe"
                f" them (reuse shared text with {{{{ doc() }}}})."
            )
            yield name, message


def _contract_problems(manifest: Manifest) -> Iterator[Problem]:
    for node in project_models(manifest).values():
        if node.get("access") != "public":
            continue
        if not node["contract"]["enforced"]:
            message = (
                "access: public without an enforced contract. Fix: add"
                " `contract: {enforced: true}` and a data_type per column."
            )
            yield node["name"], message
            continue
        untyped = [
            c for c, spec in node["columns"].items() if not spec.get("data_type")
        ]
        if untyped:
            message = (
                f"contracted columns without a data_type: {', '.join(untyped)}."
                f" Fix: give each one."
            )
            yield node["name"], message


def _expected_name(node: dict[str, Any]) -> tuple[str, str] | None:
    """(regular expression, what it means) for a model's folder; None for a
    model outside the layer folders (the layer rule reports it)."""
    parts = folders(node)
    layer = layer_of(node)
    if layer == "staging":
        if len(parts) == 2:
            return rf"stg_{parts[1]}__{SNAKE}", f"stg_{parts[1]}__<entities>"
        if len(parts) == 3 and parts[2] == "base":
            return rf"base_{parts[1]}__{SNAKE}", f"base_{parts[1]}__<entities>"
        return r"(?!)", "a model in staging/<source>/ or staging/<source>/base/"
    if layer == "intermediate":
        return rf"int_{SNAKE}", "int_<entities>_<verb>s"
    if layer == "marts":
        area = parts[1] if len(parts) > 1 else ""
        if area == "sync":
            return rf"sync_{SNAKE}", "sync_<target>_<entities> (in marts/sync/)"
        if area == "scoring":
            return (
                rf"{SNAKE}_(?:scores|score_history)",
                "<entity>_scores or <entity>_score_history (in marts/scoring/)",
            )
        return (
            rf"(?:fct|dim)_{SNAKE}",
            "fct_<events> or dim_<entities> (sync_ only in marts/sync/,"
            " <entity>_scores only in marts/scoring/)",
        )
    if layer in UNLAYERED:
        names = "|".join(map(re.escape, UTILITY_MODELS))
        return rf"(?:{names})", "one of " + ", ".join(UTILITY_MODELS)
    return None


def _naming_problems(manifest: Manifest) -> Iterator[Problem]:
    for node in project_models(manifest).values():
        expected = _expected_name(node)
        if expected is None or re.fullmatch(expected[0], node["name"]):
            continue
        folder = "/".join(folders(node))
        message = (
            f"in models/{folder}/, where models are named {expected[1]}. Fix:"
            f" rename it, or move it to the folder its name belongs to."
        )
        yield node["name"], message


def _described(manifest: Manifest) -> Iterator[tuple[str, str, str]]:
    """(name, what, text) of every description this project owns, unit
    tests' aside: a test case's durations are its inputs, not history."""
    project = project_name(manifest)
    sections = ("nodes", "sources", "macros", "exposures", "metrics")
    sections += ("semantic_models", "saved_queries")
    for section in sections:
        for item in (manifest.get(section) or {}).values():
            if item.get("package_name") != project:
                continue
            name = item["name"]
            if section == "sources":
                name = f"{item['source_name']}.{item['name']}"
            kind = item.get("resource_type", section)
            yield name, f"{kind} description", item.get("description") or ""
            for column, spec in (item.get("columns") or {}).items():
                yield name, f"column {column}", spec.get("description") or ""
            for argument in item.get("arguments") or []:
                what = f"argument {argument['name']}"
                yield name, what, argument.get("description") or ""


def _dev_history_problems(manifest: Manifest) -> Iterator[Problem]:
    for name, what, text in _described(manifest):
        for kind, pattern in DEV_HISTORY_PATTERNS.items():
            for match in pattern.finditer(text):
                start, end = max(match.start() - 30, 0), match.end() + 30
                context = " ".join(text[start:end].split())
                message = (
                    f"{what} holds {kind}, '{match.group()}': ...{context}..."
                    f" Fix: say what it does; timings and history go to docs/"
                    f" or CHANGELOG.md."
                )
                yield name, message


JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
REF_CALL = re.compile(r"\bref\s*\([^)]*\)")


def _reads_by_name(code: str, names: Iterable[str]) -> set[str]:
    """The names in `names` that `code` spells as a relation outside ref():
    a quoted name ('lead_scores': identifier=, get_relation, load_relation)
    or one after a Jinja expression ({{ target.schema }}.lead_scores)."""
    code = REF_CALL.sub("", JINJA_COMMENT.sub("", code))
    found = set()
    for name in names:
        quoted = rf"(['\"]){re.escape(name)}\1"
        qualified = rf"\}}\}}\s*\.\s*{re.escape(name)}\b"
        if re.search(quoted, code) or re.search(qualified, code):
            found.add(name)
    return found


def _read_back_problems(manifest: Manifest) -> Iterator[Problem]:
    models = project_models(manifest)
    marts = {n["name"] for n in models.values() if layer_of(n) == "marts"}
    readers = [(n["name"], "model", n.get("raw_code") or "") for n in models.values()]
    readers += [
        (macro["name"], "macro", macro.get("macro_sql") or "")
        for macro in manifest.get("macros", {}).values()
        if macro.get("package_name") == project_name(manifest)
    ]
    for name, kind, code in readers:
        for mart in sorted(_reads_by_name(code, marts - {name})):
            message = (
                f"{kind} reads the mart {mart} by name, not by ref(): a"
                f" dependency the manifest, the layer rule and dbt's run order"
                f" cannot see. Fix: ref() it (from a model of the same or a"
                f" later layer), or document it in EXCEPTIONS."
            )
            yield name, message


RULES: dict[str, Callable[[Manifest], Iterator[Problem]]] = {
    "layers": _layer_problems,
    "sources": _source_problems,
    "parents": _parent_problems,
    "primary_key": _primary_key_problems,
    "descriptions": _description_problems,
    "contracts": _contract_problems,
    "naming": _naming_problems,
    "dev_history": _dev_history_problems,
    "read_back": _read_back_problems,
}


def violations(
    rule: str, manifest: Manifest, exceptions: Exceptions = EXCEPTIONS
) -> list[str]:
    """What `rule` (a key of RULES) finds in `manifest`, less the exceptions:
    one line per offence, naming the model, what is wrong and the fix."""
    return sorted(
        {
            f"{name}: {text}"
            for name, text in RULES[rule](manifest)
            if (rule, name) not in exceptions
        }
    )


def stale_exceptions(
    manifests: Iterable[Manifest], exceptions: Exceptions = EXCEPTIONS
) -> list[str]:
    """Exceptions no manifest needs: an unknown rule, a model that is gone
    or one that passes the rule anyway."""
    manifests = list(manifests)
    stale = []
    for rule, name in exceptions:
        if rule not in RULES:
            stale.append(f"({rule!r}, {name!r}): no such rule ({', '.join(RULES)})")
        elif not any(
            problem_name == name
            for manifest in manifests
            for problem_name, _ in RULES[rule](manifest)
        ):
            stale.append(
                f"({rule!r}, {name!r}): {name} breaks no {rule} rule (or is"
                f" gone). Fix: delete the exception."
            )
    return stale


# -- the project -------------------------------------------------------------


@pytest.fixture(scope="module")
def parse_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """`dbt parse` of the repository, once per entry of PARSES, at the same
    time, each into its own folder (target/ holds manifest.json). The raw
    folder does not exist and the DuckDB file is never opened."""
    root = tmp_path_factory.mktemp("structure")
    started = {}
    for label, dbt_vars in PARSES.items():
        work_dir = root / label.replace(" ", "_")
        work_dir.mkdir()
        started[label] = start_dbt(
            ["parse"],
            work_dir=work_dir,
            raw_dir=work_dir / "no_raw_data",
            db_path=work_dir / "never_opened.duckdb",
            dbt_vars=dbt_vars,
        )
    for run in started.values():
        try:
            run.process.wait(timeout=PARSE_TIMEOUT)
        except subprocess.TimeoutExpired:
            run.process.kill()
            run.process.wait()
    failed = [
        f"dbt parse ({label}) exited {run.process.returncode}:\n"
        + (run.target_path.parent / "console.txt").read_text(errors="replace")[-4000:]
        for label, run in started.items()
        if run.process.returncode != 0
    ]
    if failed:
        pytest.fail("\n".join(failed), pytrace=False)
    return {label: run.target_path.parent for label, run in started.items()}


@pytest.fixture(scope="module")
def manifests(parse_dirs: dict[str, Path]) -> dict[str, Manifest]:
    return {
        label: json.loads((work_dir / "target" / "manifest.json").read_text())
        for label, work_dir in parse_dirs.items()
    }


def assert_no_violations(
    rule: str, manifests: dict[str, Manifest], promise: str
) -> None:
    """Fail with every violation of `rule` in any manifest, each once, saying
    which parse found it when not all did."""
    found: dict[str, list[str]] = {}
    for label, manifest in manifests.items():
        for violation in violations(rule, manifest):
            found.setdefault(violation, []).append(label)
    lines = [
        violation
        if len(labels) == len(manifests)
        else f"{violation} [only with {', '.join(labels)}]"
        for violation, labels in sorted(found.items())
    ]
    if lines:
        pytest.fail(
            f"{promise} ({len(lines)}):\n"
            + "\n".join(f"  - {line}" for line in lines)
            + "\nAn exception that can be defended goes in EXCEPTIONS at the top"
            " of tests/pytest/test_project_structure.py, with the reason.",
            pytrace=False,
        )


def test_parse_needs_no_database_or_raw_data(parse_dirs, manifests):
    for label, work_dir in parse_dirs.items():
        assert not (work_dir / "never_opened.duckdb").exists(), label
        assert project_models(manifests[label]), f"no models parsed ({label})"
    # The second parse checks models the first does not have: the connectors'.
    default, connected = manifests["default"], manifests["connectors enabled"]
    assert set(project_models(connected)) - set(project_models(default))


def test_models_read_their_own_or_earlier_layers(manifests):
    assert_no_violations(
        "layers",
        manifests,
        "A model reads models of its own or an earlier layer only"
        " (staging < intermediate < marts; utilities read nothing)",
    )


def test_only_staging_reads_sources(manifests):
    assert_no_violations(
        "sources", manifests, "source() appears in staging models only"
    )


def test_models_have_at_most_seven_parents(manifests):
    assert_no_violations(
        "parents",
        manifests,
        f"A model has at most {MAX_PARENTS} direct parents",
    )


def test_models_have_a_primary_key_test(manifests):
    assert_no_violations(
        "primary_key", manifests, "Every model has its primary key tested"
    )


def test_models_and_their_columns_are_described(manifests):
    assert_no_violations(
        "descriptions",
        manifests,
        "Every model, and every column in its YAML, has a description",
    )


def test_public_models_have_contracts(manifests):
    assert_no_violations("contracts", manifests, "Public models enforce a contract")


def test_models_are_named_by_their_folder(manifests):
    assert_no_violations("naming", manifests, "A model's name follows its folder")


def test_descriptions_hold_no_timings_or_history(manifests):
    assert_no_violations(
        "dev_history",
        manifests,
        "Descriptions say what a thing is, without timings, measurements or"
        " commit hashes",
    )


def test_no_model_reads_a_mart_by_name(manifests):
    assert_no_violations(
        "read_back",
        manifests,
        "Marts are read through ref() only (a read by name hides a dependency)",
    )


def test_every_exception_is_still_needed(manifests):
    stale = stale_exceptions(manifests.values())
    assert not stale, "Stale exceptions in EXCEPTIONS:\n" + "\n".join(
        f"  - {line}" for line in stale
    )


# -- the checkers themselves, on a manifest made up here ---------------------


def _model(
    name: str,
    folder: str,
    *,
    reads: Iterable[str] = (),
    description: str = "A model.",
    columns: dict[str, str] | None = None,
    access: str = "protected",
    contract: bool = False,
    raw_code: str = "select 1 as id",
) -> tuple[str, dict[str, Any]]:
    unique_id = f"model.demo.{name}"
    columns = {"id": "The key."} if columns is None else columns
    return unique_id, {
        "unique_id": unique_id,
        "resource_type": "model",
        "package_name": "demo",
        "name": name,
        "original_file_path": f"models/{folder}/{name}.sql",
        "fqn": ["demo", *folder.split("/"), name],
        "depends_on": {"nodes": list(reads), "macros": []},
        "description": description,
        "columns": {
            column: {"name": column, "description": text, "data_type": None}
            for column, text in columns.items()
        },
        "access": access,
        "contract": {"enforced": contract},
        "constraints": [],
        "raw_code": raw_code,
    }


def _key_test(model_id: str, test: str, column: str) -> tuple[str, dict[str, Any]]:
    name = f"{test}_{model_id.rsplit('.', 1)[-1]}_{column}"
    return f"test.demo.{name}", {
        "resource_type": "test",
        "package_name": "demo",
        "name": name,
        "attached_node": model_id,
        "column_name": column,
        "test_metadata": {"name": test, "kwargs": {"column_name": column}},
        "config": {"where": None},
        "depends_on": {"nodes": [model_id], "macros": []},
    }


def synthetic_manifest() -> Manifest:
    """Three models that follow every rule (stg_crm__leads, fct_leads,
    metricflow_time_spine) and, one per rule or more, models that break one."""
    seeds = [f"seed.demo.weights_{n}" for n in range(8)]
    models = dict(
        [
            _model("stg_crm__leads", "staging/crm", reads=["source.demo.crm.leads"]),
            _model(
                "fct_leads",
                "marts/leads",
                reads=["model.demo.stg_crm__leads"],
                # A scoring version is no commit hash; hours are no timing.
                description="Leads, version 1.0+6ecb1807, seen within 24 hours.",
            ),
            _model("metricflow_time_spine", "utilities"),
            # Utilities read nothing, and have names dbt knows.
            _model("date_helpers", "utilities", reads=["model.demo.stg_crm__leads"]),
            _model("leads_misc", "misc"),
            # Reads a mart, and a source, from intermediate.
            _model(
                "int_leads_from_mart",
                "intermediate/leads",
                reads=["model.demo.fct_leads", "source.demo.crm.leads"],
            ),
            # Badly named, public without a contract, 8 parents, undescribed.
            _model(
                "leads_wide",
                "marts/leads",
                reads=seeds,
                description="",
                columns={},
                access="public",
            ),
            # A description with a timing and a commit; a column undescribed.
            _model(
                "int_leads_timed",
                "intermediate/leads",
                description="Measured at 12 s per run since a1b2c3d.",
                columns={"id": "The key.", "score": ""},
            ),
            # Reads a mart's table by name (and another by ref, which is fine
            # for the read-back rule).
            _model(
                "dim_leads_hidden",
                "marts/leads",
                raw_code="{% set t = adapter.get_relation(database=this.database,"
                " schema=this.schema, identifier='fct_leads') %}"
                " select * from {{ ref('stg_crm__leads') }}",
            ),
            _model("stg_crm__leads_badly", "staging/marketing"),
            _model("crm_lead_scores", "marts/leads"),
            _model("fct_sync", "marts/sync"),
        ]
    )
    tests = dict(
        _key_test(model_id, test, "id")
        for model_id in models
        if not model_id.endswith("leads_wide")
        for test in ("unique", "not_null")
    )
    return {
        "metadata": {"project_name": "demo"},
        "nodes": {**models, **tests},
        "sources": {
            "source.demo.crm.leads": {
                "resource_type": "source",
                "package_name": "demo",
                "source_name": "crm",
                "name": "leads",
                "description": "Leads.",
                "columns": {},
            }
        },
        # A macro that builds a mart's name itself.
        "macros": {
            "macro.demo.scores_relation": {
                "package_name": "demo",
                "name": "scores_relation",
                "macro_sql": "{% macro scores_relation() %}"
                "{{ target.schema }}.fct_leads{% endmacro %}",
            }
        },
    }


def names_in(violations: list[str]) -> set[str]:
    return {violation.split(":", 1)[0] for violation in violations}


@pytest.mark.parametrize(
    ("rule", "offenders"),
    [
        ("layers", {"int_leads_from_mart", "date_helpers", "leads_misc"}),
        ("sources", {"int_leads_from_mart"}),
        ("parents", {"leads_wide"}),
        ("primary_key", {"leads_wide"}),
        ("descriptions", {"leads_wide", "int_leads_timed"}),
        ("contracts", {"leads_wide"}),
        (
            "naming",
            {
                "leads_wide",
                "stg_crm__leads_badly",
                "crm_lead_scores",
                "fct_sync",
                "date_helpers",
            },
        ),
        ("dev_history", {"int_leads_timed"}),
        ("read_back", {"dim_leads_hidden", "scores_relation"}),
    ],
)
def test_checkers_report_exactly_the_offenders(rule, offenders):
    assert names_in(violations(rule, synthetic_manifest(), exceptions={})) == offenders


def test_dev_history_finds_each_kind():
    found = violations("dev_history", synthetic_manifest(), exceptions={})
    for kind in ("a measurement, 'Measured'", "a duration, '12 s'", "'a1b2c3d'"):
        assert any(kind in line for line in found), (kind, found)


def test_exceptions_silence_a_rule_and_stale_ones_are_found():
    manifest = synthetic_manifest()
    exceptions = {
        ("parents", "leads_wide"): "needed",
        ("parents", "fct_leads"): "passes anyway",
        ("parents", "gone_model"): "does not exist",
        ("no_such_rule", "leads_wide"): "unknown rule",
    }
    assert violations("parents", manifest, exceptions) == []
    stale = stale_exceptions([manifest], exceptions)
    assert [line.split(":", 1)[0] for line in stale] == [
        "('parents', 'fct_leads')",
        "('parents', 'gone_model')",
        "('no_such_rule', 'leads_wide')",
    ]


def test_readme_lists_the_raw_contract() -> None:
    """The raw contract is declared once, in the sources YAML (read by the
    macro raw_contract and by scripts/lead_scoring/contract.py); the README's
    table documents it for users and must say the same, table by table."""
    from lead_scoring.contract import OPTIONAL_TABLES, RAW_TABLES

    readme = (REPO_ROOT / "README.md").read_text()
    section = readme.split("\n## Bring your own data\n", 1)[1].split("\n#", 1)[0]
    row = re.compile(r"^\| `(\w+)`( \(optional\))? \| ([^|]+) \|", re.M)
    documented: dict[str, tuple[str, ...]] = {}
    for match in row.finditer(section):
        table, optional, columns = match.groups()
        documented[table] = tuple(re.findall(r"`(\w+)`", columns))
        assert bool(optional) == (table in OPTIONAL_TABLES), match[0]
    assert documented == RAW_TABLES
