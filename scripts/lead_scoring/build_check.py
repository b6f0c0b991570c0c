"""What the last dbt build says about the sync model, before anything leaves.

The export sends sync_crm_lead_scores to a CRM only from a build that passed:
dbt's artifacts in the target folder (`manifest.json` and
`run_results.json`, written by every dbt command) must show that the last
command built the sync model and everything it is made from, with their
data tests, and that none of it failed or was skipped. The manifest also
says where that build read the sync state from (the schema of the
`crm_sync` source, `lead_scoring__crm_sync_schema`), so the export writes
the state where the model reads it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

SYNC_MODEL = "sync_crm_lead_scores"
STATE_SOURCE = "source.lead_scoring.crm_sync.crm_sync_state"
# A warn-level test reports without stopping a build; it does not stop an
# export either.
PASSED = {"success", "pass", "warn"}
# What a build must have run (unit tests check logic on mocked rows, not the
# data: a build may leave them out, but one that failed stops the export).
BUILT = ("model", "seed", "snapshot", "test")


@dataclass(frozen=True)
class BuildCheck:
    """The sync model's last build: where its sync state lives, the engine
    and target it ran on, and the schema-qualified names of the sync model
    and the mapping seed it built."""

    state_schema: str
    adapter_type: str = "duckdb"
    target: str | None = None
    sync_model: str = SYNC_MODEL
    mappings: str = "crm_field_mappings"


def relation_name(node: dict) -> str:
    """A manifest node's relation as `schema.alias` (the alias alone when
    the node names no schema)."""
    alias = node.get("alias") or node["name"]
    return f"{node['schema']}.{alias}" if node.get("schema") else alias


def _qualified(manifest: dict, resource_type: str, name: str) -> str:
    for node in manifest["nodes"].values():
        if node["resource_type"] == resource_type and node["name"] == name:
            return relation_name(node)
    return name


def _listed(names: list[str], shown: int = 10) -> str:
    """The first names, and how many more there are."""
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")


def _load(path: Path) -> dict:
    if not path.exists():
        raise SystemExit(
            f"{path} not found: run `dbt build` (or `make score`) before exporting."
        )
    return json.loads(path.read_text())


def check_last_build(target_dir: Path) -> BuildCheck:
    """Refuse (SystemExit, with the reason) unless the last dbt command built
    the sync model and its upstream, tests included, and all of it passed."""
    manifest = _load(target_dir / "manifest.json")
    run_results = _load(target_dir / "run_results.json")
    nodes = {**manifest["nodes"], **manifest.get("sources", {})}
    sync_id = next(
        (
            unique_id
            for unique_id, node in manifest["nodes"].items()
            if node["resource_type"] == "model" and node["name"] == SYNC_MODEL
        ),
        None,
    )
    if sync_id is None:
        raise SystemExit(f"{SYNC_MODEL} is not in {target_dir / 'manifest.json'}.")

    upstream: set[str] = set()
    todo = [sync_id]
    while todo:
        unique_id = todo.pop()
        if unique_id in upstream:
            continue
        upstream.add(unique_id)
        todo += manifest["parent_map"].get(unique_id, [])
    # The tests of what the sync is made from count as part of its build.
    checked = upstream | {
        test_id
        for test_id, parents in manifest["parent_map"].items()
        if test_id.split(".")[0] in ("test", "unit_test") and set(parents) <= upstream
    }
    results = {result["unique_id"]: result for result in run_results["results"]}
    command = run_results.get("args", {}).get("which", "?")
    if sync_id not in results:
        raise SystemExit(
            f"The last dbt command ({command}) did not build {SYNC_MODEL}: run "
            "`dbt build` (its tests included) before exporting."
        )
    failed = sorted(
        f"{unique_id.split('.')[-1]} ({results[unique_id]['status']})"
        for unique_id in checked
        if unique_id in results and results[unique_id]["status"] not in PASSED
    )
    not_run = sorted(
        unique_id.split(".")[-1]
        for unique_id in checked
        if unique_id not in results
        and unique_id.split(".")[0] in BUILT
        and nodes.get(unique_id, {}).get("config", {}).get("enabled", True)
    )
    if failed:
        raise SystemExit(
            f"The last dbt {command} did not pass for what {SYNC_MODEL} is made "
            f"from: {_listed(failed)}. Nothing was exported: fix the data or "
            "the seeds and build again."
        )
    if not_run:
        raise SystemExit(
            f"The last dbt {command} built {SYNC_MODEL} without checking all of "
            f"what it is made from (not run: {_listed(not_run)}). Run "
            "`dbt build` (tests included) before exporting."
        )
    schema = manifest.get("sources", {}).get(STATE_SOURCE, {}).get("schema")
    if not schema:
        raise SystemExit(f"{STATE_SOURCE} is not in the manifest.")
    return BuildCheck(
        state_schema=schema,
        adapter_type=manifest.get("metadata", {}).get("adapter_type", "duckdb"),
        target=run_results.get("args", {}).get("target"),
        sync_model=_qualified(manifest, "model", SYNC_MODEL),
        mappings=_qualified(manifest, "seed", "crm_field_mappings"),
    )
