"""Export sync_crm_lead_scores as files a CRM imports, and remember what went.

One export per CRM is a folder `<out>/<crm>/<export_id>/` holding the rows
in batches (`batch_0001.csv` ... or `.jsonl`) and `manifest.json`. The
export id is a hash of the rows it carries, so a retry of the same changes
makes the same export; rows that an earlier, committed export already
carried (a change reverted and made again) get a new id, so a run with
something to send always writes a new export. A CRM's name must be a plain
identifier (it becomes a folder name), and every path written or removed
stays inside `<out>/<crm>/`.

Order of work, so a failure at any point can be retried without a lead
reaching the CRM twice:

1. the batches are written into a hidden folder `<out>/<crm>/.pending-<id>`,
   which is renamed to `<out>/<crm>/<id>` when complete (one rename: the
   folder is there whole or not at all);
2. only then is the sync state committed in the warehouse, in one
   transaction (`crm_sync.crm_sync_state`: the change hash each lead last
   carried; `crm_sync.crm_sync_exports`: one row per committed export);
3. then the folder gets a `committed.json`, so it is never removed, even by
   an export from a warehouse whose sync state is gone.

A retry after a failure in 1 finds the state unchanged, so the model holds
the same rows: it removes the pending folder and writes the export again.
A retry after a failure between 1 and 2 finds the finished folder of the
same id and commits it without writing anything. A finished folder whose
export was never committed and whose id no longer matches (the scores
changed in between) is removed: the new export carries its leads. Nothing
else is ever removed: not a committed export, and not a folder whose name
is not an export id.

Only the matching key and the fields the crm_field_mappings seed maps are
written; nothing else of the lead.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

SYNC_MODEL = "sync_crm_lead_scores"
MAPPINGS_SEED = "crm_field_mappings"
DEFAULT_SYNC_SCHEMA = "crm_sync"
DEFAULT_BATCH_SIZE = 10_000
FORMATS = ("csv", "jsonl")

# Salesforce Bulk API: `#N/A` empties a field; HubSpot imports skip empty
# cells, so a clear there also sets score_status to `cleared`.
SALESFORCE_NULL = "#N/A"

# A CRM's name in the mapping seed: it names the export's folder.
CRM_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
# The columns that identify a lead in the CRM; each export maps one or both.
KEY_COLUMNS = ("crm_lead_id", "email")
EXPORT_ID = re.compile(r"[0-9a-f]{16}")
COMMITTED_MARKER = "committed.json"


@dataclass(frozen=True)
class FieldMapping:
    """One synced value: its column in the model and its name in the CRM."""

    project_column: str
    crm_field: str


@dataclass
class CrmExport:
    """What one CRM's export did (or, in a dry run, would do)."""

    crm: str
    export_id: str | None
    rows: int
    actions: dict[str, int]
    files: list[Path] = field(default_factory=list)
    sample: list[dict[str, str]] = field(default_factory=list)
    reused: bool = False
    committed: bool = False


def mappings(connection: duckdb.DuckDBPyConnection) -> dict[str, list[FieldMapping]]:
    """The crm_field_mappings seed, per CRM, in the model's column order."""
    model_columns = [
        row[0]
        for row in connection.execute(
            "select column_name from information_schema.columns "
            "where table_name = ? order by ordinal_position",
            [SYNC_MODEL],
        ).fetchall()
    ]
    result: dict[str, list[FieldMapping]] = {}
    for crm, project_column, crm_field in connection.execute(
        f"select crm, project_column, crm_field from {MAPPINGS_SEED}"
    ).fetchall():
        if not CRM_NAME.fullmatch(crm or ""):
            raise SystemExit(
                f"{MAPPINGS_SEED}: row ({crm}, {project_column}, {crm_field}): "
                f"the CRM name {crm!r} is not a plain identifier (lowercase "
                "letters, digits and underscores, starting with a letter); it "
                "names the export's folder. Fix the seed; nothing was exported."
            )
        if project_column not in model_columns:
            raise SystemExit(
                f"{MAPPINGS_SEED}: {crm} maps '{project_column}', which "
                f"{SYNC_MODEL} does not have. Fix the seed and run dbt build."
            )
        result.setdefault(crm, []).append(FieldMapping(project_column, crm_field))
    for crm, fields in result.items():
        if not any(mapping.project_column in KEY_COLUMNS for mapping in fields):
            raise SystemExit(
                f"{MAPPINGS_SEED}: {crm} maps no key field: add a row mapping "
                f"{' or '.join(KEY_COLUMNS)} to the CRM field that identifies a "
                "lead (Salesforce Id, HubSpot email). Nothing was exported."
            )
        fields.sort(key=lambda mapping: model_columns.index(mapping.project_column))
    return result


def format_value(value: Any, crm: str, file_format: str) -> Any:
    """A value as the CRM's import expects it (JSON keeps native types)."""
    if isinstance(value, dt.datetime):
        value = value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if file_format == "jsonl":
        return value
    if value is None:
        return SALESFORCE_NULL if crm == "salesforce" else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def export_rows(
    rows: Sequence[dict[str, Any]],
    fields: Sequence[FieldMapping],
    crm: str,
    file_format: str,
) -> list[dict[str, Any]]:
    """Model rows as CRM records: mapped fields only, under the CRM's names.

    JSON Lines records also carry `_sync_action` and `_change_hash`, for a
    loader that applies them itself.
    """
    records = []
    for row in rows:
        record = {
            mapping.crm_field: format_value(
                row[mapping.project_column], crm, file_format
            )
            for mapping in fields
        }
        if file_format == "jsonl":
            record["_sync_action"] = row["sync_action"]
            record["_change_hash"] = row["change_hash"]
        records.append(record)
    return records


def render_batch(records: Sequence[dict[str, Any]], file_format: str) -> bytes:
    """One batch file's bytes: RFC 4180 CSV with a header row (LF line ends,
    UTF-8, as the Salesforce Bulk API and HubSpot imports read), or one JSON
    object a line."""
    if file_format == "jsonl":
        return "".join(
            json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n"
            for record in records
        ).encode()
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer,
        fieldnames=list(records[0]),
        lineterminator="\n",
        quoting=csv.QUOTE_MINIMAL,
    )
    writer.writeheader()
    writer.writerows(records)
    return buffer.getvalue().encode()


def batches(records: Sequence[dict[str, Any]], size: int) -> Iterable[Sequence[dict]]:
    for start in range(0, len(records), size):
        yield records[start : start + size]


def export_id_of(
    crm: str, file_format: str, rows: Sequence[dict[str, Any]], attempt: int = 0
) -> str:
    """A hash of what an export carries: same changes, same id (`attempt`
    counts the committed exports that already carried the same rows)."""
    digest = hashlib.sha256(f"{crm}|{file_format}".encode())
    for row in rows:
        digest.update(f"\n{row['crm_lead_id']}|{row['change_hash']}".encode())
    if attempt:
        digest.update(f"\nagain {attempt}".encode())
    return digest.hexdigest()[:16]


def scored_as_of_of(rows: Sequence[dict[str, Any]]) -> dt.datetime | None:
    """The scoring moment of an export's scores (clears carry none)."""
    return max(
        (row["scored_as_of"] for row in rows if row.get("scored_as_of")), default=None
    )


def refuse_older_scores(
    connection: duckdb.DuckDBPyConnection, schema: str, crm: str
) -> None:
    """Stop when the scores to send were computed as of an earlier moment
    than those already sent (a build of a past date on the live warehouse)."""
    [(scored,)] = connection.execute(
        f"select max(scored_as_of) from {SYNC_MODEL} where crm = ?", [crm]
    ).fetchall()
    [(last,)] = connection.execute(
        f"select max(scored_as_of) from {schema}.crm_sync_exports where crm = ?",
        [crm],
    ).fetchall()
    if scored is not None and last is not None and scored < last:
        raise SystemExit(
            f"{crm}: these scores are as of {scored:%Y-%m-%d %H:%M}, older than "
            f"those already sent ({last:%Y-%m-%d %H:%M}): a build of a past date? "
            "Nothing was exported. Build as of now, or pass --allow-older-scores "
            "to send them anyway."
        )


def is_committed(folder: Path, committed: set[str]) -> bool:
    """An export the sync state, or the folder itself, records as committed."""
    return folder.name in committed or (folder / COMMITTED_MARKER).exists()


def inside(out_dir: Path, path: Path) -> Path:
    """`path`, refused unless it lies inside `out_dir`."""
    if not path.resolve().is_relative_to(out_dir.resolve()):
        raise SystemExit(f"Refusing to write or remove {path}: outside {out_dir}.")
    return path


def _write_batch(path: Path, content: bytes) -> None:
    """Write one batch file (a separate function so tests can make it fail)."""
    with path.open("wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())


def ensure_state_tables(connection: duckdb.DuckDBPyConnection, schema: str) -> None:
    """The sync-state tables (dbt creates crm_sync_state too, see the
    create_crm_sync_state macro; the definitions agree)."""
    connection.execute(f"create schema if not exists {schema}")
    connection.execute(
        f"create table if not exists {schema}.crm_sync_state ("
        "crm varchar, crm_lead_id varchar, email varchar, change_hash varchar, "
        "sync_action varchar, export_id varchar, exported_at timestamp)"
    )
    connection.execute(
        f"create table if not exists {schema}.crm_sync_exports ("
        "export_id varchar, crm varchar, file_format varchar, row_count bigint, "
        "upsert_count bigint, clear_count bigint, folder varchar, "
        "committed_at timestamp, scored_as_of timestamp)"
    )
    # Added after the first release: the scoring moment an export carried.
    connection.execute(
        f"alter table {schema}.crm_sync_exports "
        "add column if not exists scored_as_of timestamp"
    )


def has_sent_scores(connection: duckdb.DuckDBPyConnection, schema: str) -> bool:
    """Whether the sync state records when the scores it sent were computed
    (no state yet, or one written before that was recorded: nothing to
    compare with)."""
    [(count,)] = connection.execute(
        "select count(*) from information_schema.columns where table_schema = ?"
        " and table_name = 'crm_sync_exports' and column_name = 'scored_as_of'",
        [schema],
    ).fetchall()
    return count > 0


def committed_export_ids(
    connection: duckdb.DuckDBPyConnection, schema: str, crm: str
) -> set[str]:
    return {
        row[0]
        for row in connection.execute(
            f"select export_id from {schema}.crm_sync_exports where crm = ?", [crm]
        ).fetchall()
    }


def _commit_state(
    connection: duckdb.DuckDBPyConnection,
    schema: str,
    crm: str,
    export_id: str,
    file_format: str,
    rows: Sequence[dict[str, Any]],
    folder: Path,
) -> None:
    """Record an export's rows in the sync state, in one transaction."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    exported = pa.table(
        {
            "crm_lead_id": [row["crm_lead_id"] for row in rows],
            "email": [row["email"] for row in rows],
            "change_hash": [row["change_hash"] for row in rows],
            "sync_action": [row["sync_action"] for row in rows],
        }
    )
    actions = Counter(row["sync_action"] for row in rows)
    scored_as_of = scored_as_of_of(rows)
    connection.register("exported_rows", exported)
    try:
        connection.execute("begin transaction")
        connection.execute(
            f"delete from {schema}.crm_sync_state where crm = ? and crm_lead_id in "
            "(select crm_lead_id from exported_rows)",
            [crm],
        )
        connection.execute(
            f"insert into {schema}.crm_sync_state select ?, crm_lead_id, email, "
            "change_hash, sync_action, ?, ? from exported_rows",
            [crm, export_id, now],
        )
        connection.execute(
            f"insert into {schema}.crm_sync_exports values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                export_id,
                crm,
                file_format,
                len(rows),
                actions["upsert"],
                actions["clear"],
                str(folder),
                now,
                scored_as_of,
            ],
        )
        connection.execute("commit")
    except BaseException:
        connection.execute("rollback")
        raise
    finally:
        connection.unregister("exported_rows")


def _remove_stale_folders(crm_dir: Path, export_id: str, committed: set[str]) -> None:
    """Remove pending folders, and finished ones never committed that the
    current export supersedes (their leads are in it). Only export folders:
    a folder whose name is not an export id is left alone."""
    if not crm_dir.exists():
        return
    for path in crm_dir.iterdir():
        if not path.is_dir() or path.is_symlink():
            continue
        pending = path.name.startswith(".pending-") and EXPORT_ID.fullmatch(
            path.name.removeprefix(".pending-")
        )
        superseded = (
            EXPORT_ID.fullmatch(path.name)
            and path.name != export_id
            and not is_committed(path, committed)
        )
        if pending or superseded:
            shutil.rmtree(path)


def export_crm(
    connection: duckdb.DuckDBPyConnection,
    crm: str,
    fields: Sequence[FieldMapping],
    out_dir: Path,
    *,
    file_format: str = "csv",
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    schema: str = DEFAULT_SYNC_SCHEMA,
    sample_size: int = 5,
) -> CrmExport:
    """Export one CRM's pending changes (see the module docstring)."""
    if file_format not in FORMATS:
        raise ValueError(f"file_format must be one of {FORMATS}, not {file_format!r}")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    cursor = connection.execute(
        f"select * from {SYNC_MODEL} where crm = ? order by crm_lead_id", [crm]
    )
    names = [column[0] for column in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    actions = dict(Counter(row["sync_action"] for row in rows))
    records = export_rows(rows, fields, crm, file_format)
    result = CrmExport(crm, None, len(rows), actions, sample=records[:sample_size])
    if dry_run or not rows:
        return result

    crm_dir = inside(out_dir, out_dir / crm)
    committed = committed_export_ids(connection, schema, crm)
    attempt = 0
    export_id = export_id_of(crm, file_format, rows)
    while is_committed(crm_dir / export_id, committed):
        attempt += 1
        export_id = export_id_of(crm, file_format, rows, attempt)
    result.export_id = export_id
    final_dir = inside(out_dir, crm_dir / export_id)
    _remove_stale_folders(crm_dir, export_id, committed)
    if final_dir.exists():
        result.reused = True
    else:
        pending = crm_dir / f".pending-{export_id}"
        pending.mkdir(parents=True)
        manifest_files = []
        for number, batch in enumerate(batches(records, batch_size), start=1):
            path = pending / f"batch_{number:04d}.{file_format}"
            content = render_batch(batch, file_format)
            _write_batch(path, content)
            manifest_files.append(
                {
                    "file": path.name,
                    "rows": len(batch),
                    "sha256": hashlib.sha256(content).hexdigest(),
                }
            )
        manifest = {
            "export_id": export_id,
            "crm": crm,
            "format": file_format,
            "rows": len(rows),
            "actions": actions,
            "key_fields": [
                m.crm_field
                for m in fields
                if m.project_column in ("crm_lead_id", "email")
            ],
            "files": manifest_files,
        }
        _write_batch(pending / "manifest.json", json.dumps(manifest, indent=2).encode())
        os.rename(pending, final_dir)
    result.files = sorted(final_dir.glob(f"batch_*.{file_format}"))
    _commit_state(connection, schema, crm, export_id, file_format, rows, final_dir)
    _write_batch(
        final_dir / COMMITTED_MARKER,
        json.dumps({"export_id": export_id, "schema": schema}).encode(),
    )
    result.committed = True
    return result


def export_all(
    connection: duckdb.DuckDBPyConnection,
    out_dir: Path,
    *,
    crms: Sequence[str] | None = None,
    file_format: str = "csv",
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    schema: str = DEFAULT_SYNC_SCHEMA,
    allow_older_scores: bool = False,
) -> list[CrmExport]:
    """Export every CRM of the mapping seed (or those named in `crms`)."""
    if not dry_run:
        ensure_state_tables(connection, schema)
    by_crm = mappings(connection)
    unknown = sorted(set(crms or []) - set(by_crm))
    if unknown:
        raise SystemExit(
            f"No mapping for CRM(s) {', '.join(unknown)} in {MAPPINGS_SEED}; "
            f"it has: {', '.join(sorted(by_crm))}."
        )
    chosen = crms or sorted(by_crm)
    # Every CRM is checked before any is written.
    if not allow_older_scores and has_sent_scores(connection, schema):
        for crm in chosen:
            refuse_older_scores(connection, schema, crm)
    return [
        export_crm(
            connection,
            crm,
            by_crm[crm],
            out_dir,
            file_format=file_format,
            batch_size=batch_size,
            dry_run=dry_run,
            schema=schema,
        )
        for crm in chosen
    ]


def describe(results: Sequence[CrmExport], dry_run: bool) -> str:
    """A readable account of an export run."""
    lines = []
    for result in results:
        actions = ", ".join(f"{n} {a}" for a, n in sorted(result.actions.items()))
        if result.rows == 0:
            lines.append(f"{result.crm}: nothing changed since the last export")
            continue
        if dry_run:
            lines.append(f"{result.crm}: would export {result.rows} rows ({actions})")
            for record in result.sample:
                lines.append("  " + json.dumps(record, default=str, ensure_ascii=False))
            continue
        how = "already written, committed" if result.reused else "written"
        lines.append(
            f"{result.crm}: exported {result.rows} rows ({actions}) in "
            f"{len(result.files)} file(s), {how}: "
            f"{result.files[0].parent if result.files else '-'}"
        )
    return "\n".join(lines)
