"""Export sync_crm_lead_scores as files a CRM imports, and remember what went.

One export per CRM is a folder `<out>/<crm>/<export_id>/` holding the rows
in batches, one series per CRM object (`lead_batch_0001.csv`,
`contact_batch_0001.csv` ... or `.jsonl`: Salesforce updates Lead and
Contact records apart), and `manifest.json`. The
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
written; nothing else of the lead. A row without a value for any key field
the CRM maps (a HubSpot lead without an email) cannot be matched: it is
left out of the files and the state, and counted in the manifest and the
output, so it is sent once it gains a key.

The warehouse is DuckDB (a file) or Postgres (the dbt profile's target);
see `Warehouse`.
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
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

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
# The columns that identify a record in the CRM; each export maps one.
KEY_COLUMNS = ("crm_record_id", "crm_lead_id", "email")
# What crm_sync_state holds, per CRM and lead: what was last sent. The
# create_crm_sync_state macro (macros/crm_sync_state.sql) holds the same
# list; tests/pytest/test_crm_sync.py checks they agree.
STATE_COLUMNS = {
    "crm": "varchar",
    "crm_lead_id": "varchar",
    "email": "varchar",
    "change_hash": "varchar",
    "sync_action": "varchar",
    "export_id": "varchar",
    "exported_at": "timestamp",
    "crm_object": "varchar",
    "crm_record_id": "varchar",
    "lead_score": "integer",
    "fit_score": "integer",
    "engagement_score": "integer",
    "conversion_percent": "integer",
    "fit_grade": "varchar",
    "engagement_tier": "varchar",
    "priority": "varchar",
    "is_sales_ready": "boolean",
    "top_reasons": "varchar",
    "score_status": "varchar",
}
# The state columns that come from the sync model's row as sent.
SENT_COLUMNS = tuple(
    name for name in STATE_COLUMNS if name not in ("crm", "export_id", "exported_at")
)
EXPORT_COLUMNS = {
    "export_id": "varchar",
    "crm": "varchar",
    "file_format": "varchar",
    "row_count": "bigint",
    "upsert_count": "bigint",
    "clear_count": "bigint",
    "folder": "varchar",
    "committed_at": "timestamp",
    "scored_as_of": "timestamp",
}


class Warehouse:
    """The database the export reads the sync model from and writes the
    sync state to: a DuckDB connection, or a DB-API connection to Postgres
    (psycopg2). SQL is written with `?` placeholders."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.is_duckdb = isinstance(connection, duckdb.DuckDBPyConnection)
        if not self.is_duckdb:
            connection.autocommit = True

    def _sql(self, sql: str) -> str:
        return sql if self.is_duckdb else sql.replace("?", "%s")

    def cursor(self) -> Any:
        """Where statements run: a DuckDB cursor would be a connection of
        its own, outside the transaction, so DuckDB runs them on the
        connection itself."""
        return self.connection if self.is_duckdb else self.connection.cursor()

    def rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """A query's rows as dictionaries keyed by column name."""
        cursor = self.cursor()
        cursor.execute(self._sql(sql), list(parameters))
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> None:
        self.cursor().execute(self._sql(sql), list(parameters))

    def insert(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        """Insert many rows in one statement (an Arrow table on DuckDB,
        multi-row VALUES on Postgres)."""
        if not rows:
            return
        names = ", ".join(columns)
        if self.is_duckdb:
            import pyarrow as pa

            data = pa.table(
                {name: [row[i] for row in rows] for i, name in enumerate(columns)}
            )
            self.connection.register("export_rows", data)
            try:
                self.execute(
                    f"insert into {table} ({names}) select {names} from export_rows"
                )
            finally:
                self.connection.unregister("export_rows")
            return
        from psycopg2.extras import execute_values

        execute_values(
            self.cursor(),
            f"insert into {table} ({names}) values %s",
            rows,
            page_size=1000,
        )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.execute("begin")
        try:
            yield
        except BaseException:
            self.execute("rollback")
            raise
        self.execute("commit")


def as_warehouse(connection: Any) -> Warehouse:
    return connection if isinstance(connection, Warehouse) else Warehouse(connection)


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
    unmatched: int = 0


@dataclass(frozen=True)
class Relations:
    """Where the build put what the export reads (schema-qualified names
    from dbt's manifest; bare names find them in DuckDB's default schema)."""

    sync_model: str = SYNC_MODEL
    mappings: str = MAPPINGS_SEED


def mappings(
    warehouse: Warehouse, relations: Relations = Relations()
) -> dict[str, list[FieldMapping]]:
    """The crm_field_mappings seed, per CRM, in the model's column order."""
    model_columns = [
        name.lower() for name in _column_names(warehouse, relations.sync_model)
    ]
    result: dict[str, list[FieldMapping]] = {}
    for row in warehouse.rows(
        f"select crm, project_column, crm_field from {relations.mappings}"
    ):
        crm, project_column, crm_field = (
            row["crm"],
            row["project_column"],
            row["crm_field"],
        )
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
                f"{', '.join(KEY_COLUMNS)} to the CRM field that identifies a "
                "record (Salesforce Id, HubSpot Email). Nothing was exported."
            )
        fields.sort(key=lambda mapping: model_columns.index(mapping.project_column))
    return result


def _column_names(warehouse: Warehouse, relation: str) -> list[str]:
    """A relation's column names, also when it holds no row."""
    cursor = warehouse.cursor()
    cursor.execute(f"select * from {relation} where 1 = 0")
    return [column[0] for column in cursor.description]


def format_value(value: Any, crm: str, file_format: str) -> Any:
    """A value as the CRM's import expects it (JSON keeps native types).

    Salesforce (Bulk API 2.0 CSV): dateTime as ISO 8601 in UTC, `true` and
    `false`, `#N/A` to empty a field. HubSpot (import CSV): dates as
    YYYY-MM-DD (a date property holds the day), `true` and `false`, an
    empty cell for no value. Numbers in plain decimals (never 1e-05).
    """
    if isinstance(value, dt.datetime):
        value = (
            value.strftime("%Y-%m-%d")
            if crm == "hubspot"
            else value.strftime("%Y-%m-%dT%H:%M:%SZ")
        )
    if file_format == "jsonl":
        return value
    if value is None:
        return SALESFORCE_NULL if crm == "salesforce" else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(value, "f").rstrip("0").rstrip(".") or "0"
    return str(value)


def key_fields(fields: Sequence[FieldMapping]) -> list[FieldMapping]:
    return [mapping for mapping in fields if mapping.project_column in KEY_COLUMNS]


def matchable(row: dict[str, Any], fields: Sequence[FieldMapping]) -> bool:
    """Whether the row has a value for a key field the CRM maps."""
    return any(row.get(mapping.project_column) for mapping in key_fields(fields))


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
    warehouse: Warehouse, schema: str, crm: str, relations: Relations = Relations()
) -> None:
    """Stop when the scores to send were computed as of an earlier moment
    than those already sent (a build of a past date on the live warehouse)."""
    [scored] = warehouse.rows(
        f"select max(scored_as_of) as moment from {relations.sync_model} where crm = ?",
        [crm],
    )
    [last] = warehouse.rows(
        f"select max(scored_as_of) as moment from {schema}.crm_sync_exports "
        "where crm = ?",
        [crm],
    )
    scored, last = scored["moment"], last["moment"]
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


def ensure_state_tables(connection: Any, schema: str) -> None:
    """The sync-state tables, with every column (dbt creates crm_sync_state
    too, see the create_crm_sync_state macro); a table from an older release
    gets the columns added since."""
    warehouse = as_warehouse(connection)
    warehouse.execute(f"create schema if not exists {schema}")
    for table, columns in (
        ("crm_sync_state", STATE_COLUMNS),
        ("crm_sync_exports", EXPORT_COLUMNS),
    ):
        definitions = ", ".join(f"{name} {kind}" for name, kind in columns.items())
        warehouse.execute(
            f"create table if not exists {schema}.{table} ({definitions})"
        )
        for name, kind in columns.items():
            warehouse.execute(
                f"alter table {schema}.{table} add column if not exists {name} {kind}"
            )


def has_sent_scores(warehouse: Warehouse, schema: str) -> bool:
    """Whether the sync state records when the scores it sent were computed
    (no state yet, or one written before that was recorded: nothing to
    compare with)."""
    [row] = warehouse.rows(
        "select count(*) as found from information_schema.columns"
        " where table_schema = ? and table_name = 'crm_sync_exports'"
        " and column_name = 'scored_as_of'",
        [schema],
    )
    return row["found"] > 0


def committed_export_ids(warehouse: Warehouse, schema: str, crm: str) -> set[str]:
    return {
        row["export_id"]
        for row in warehouse.rows(
            f"select export_id from {schema}.crm_sync_exports where crm = ?", [crm]
        )
    }


def _commit_state(
    warehouse: Warehouse,
    schema: str,
    crm: str,
    export_id: str,
    file_format: str,
    rows: Sequence[dict[str, Any]],
    folder: Path,
) -> None:
    """Record an export's rows in the sync state, in one transaction: what
    each lead's CRM record now holds."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    actions = Counter(row["sync_action"] for row in rows)
    columns = ("crm", "export_id", "exported_at", *SENT_COLUMNS)
    state_rows = [
        (crm, export_id, now, *(row.get(name) for name in SENT_COLUMNS)) for row in rows
    ]
    with warehouse.transaction():
        warehouse.execute(
            f"create temporary table crm_sync_state_arrived as "
            f"select {', '.join(columns)} from {schema}.crm_sync_state where 1 = 0"
        )
        warehouse.insert("crm_sync_state_arrived", columns, state_rows)
        warehouse.execute(
            f"delete from {schema}.crm_sync_state where crm = ? and crm_lead_id in "
            "(select crm_lead_id from crm_sync_state_arrived)",
            [crm],
        )
        warehouse.execute(
            f"insert into {schema}.crm_sync_state ({', '.join(columns)}) "
            f"select {', '.join(columns)} from crm_sync_state_arrived"
        )
        warehouse.execute("drop table crm_sync_state_arrived")
        warehouse.insert(
            f"{schema}.crm_sync_exports",
            tuple(EXPORT_COLUMNS),
            [
                (
                    export_id,
                    crm,
                    file_format,
                    len(rows),
                    actions["upsert"],
                    actions["clear"],
                    str(folder),
                    now,
                    scored_as_of_of(rows),
                )
            ],
        )


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


def _write_folder(
    pending: Path,
    export_id: str,
    crm: str,
    rows: Sequence[dict[str, Any]],
    fields: Sequence[FieldMapping],
    file_format: str,
    batch_size: int,
    unmatched: int,
) -> None:
    """The export's batches, one series per CRM object, and its manifest."""
    pending.mkdir(parents=True)
    manifest_files = []
    for crm_object in sorted({row.get("crm_object") or "lead" for row in rows}):
        records = export_rows(
            [row for row in rows if (row.get("crm_object") or "lead") == crm_object],
            fields,
            crm,
            file_format,
        )
        for number, batch in enumerate(batches(records, batch_size), start=1):
            path = pending / f"{crm_object}_batch_{number:04d}.{file_format}"
            content = render_batch(batch, file_format)
            _write_batch(path, content)
            manifest_files.append(
                {
                    "file": path.name,
                    "object": crm_object,
                    "rows": len(batch),
                    "sha256": hashlib.sha256(content).hexdigest(),
                }
            )
    manifest = {
        "export_id": export_id,
        "crm": crm,
        "format": file_format,
        "rows": len(rows),
        "actions": dict(Counter(row["sync_action"] for row in rows)),
        "left_out_without_key": unmatched,
        "key_fields": [mapping.crm_field for mapping in key_fields(fields)],
        "files": manifest_files,
    }
    _write_batch(pending / "manifest.json", json.dumps(manifest, indent=2).encode())


def export_crm(
    connection: Any,
    crm: str,
    fields: Sequence[FieldMapping],
    out_dir: Path,
    *,
    file_format: str = "csv",
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    schema: str = DEFAULT_SYNC_SCHEMA,
    sample_size: int = 5,
    relations: Relations = Relations(),
) -> CrmExport:
    """Export one CRM's pending changes (see the module docstring)."""
    if file_format not in FORMATS:
        raise ValueError(f"file_format must be one of {FORMATS}, not {file_format!r}")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    warehouse = as_warehouse(connection)
    pending_rows = warehouse.rows(
        f"select * from {relations.sync_model} where crm = ? order by crm_lead_id",
        [crm],
    )
    rows = [row for row in pending_rows if matchable(row, fields)]
    unmatched = len(pending_rows) - len(rows)
    actions = dict(Counter(row["sync_action"] for row in rows))
    result = CrmExport(
        crm,
        None,
        len(rows),
        actions,
        sample=export_rows(rows[:sample_size], fields, crm, file_format),
        unmatched=unmatched,
    )
    if dry_run or not rows:
        return result

    crm_dir = inside(out_dir, out_dir / crm)
    committed = committed_export_ids(warehouse, schema, crm)
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
        _write_folder(
            pending, export_id, crm, rows, fields, file_format, batch_size, unmatched
        )
        os.rename(pending, final_dir)
    result.files = sorted(final_dir.glob(f"*batch_*.{file_format}"))
    _commit_state(warehouse, schema, crm, export_id, file_format, rows, final_dir)
    _write_batch(
        final_dir / COMMITTED_MARKER,
        json.dumps({"export_id": export_id, "schema": schema}).encode(),
    )
    result.committed = True
    return result


def export_all(
    connection: Any,
    out_dir: Path,
    *,
    crms: Sequence[str] | None = None,
    file_format: str = "csv",
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    schema: str = DEFAULT_SYNC_SCHEMA,
    allow_older_scores: bool = False,
    relations: Relations = Relations(),
) -> list[CrmExport]:
    """Export every CRM of the mapping seed (or those named in `crms`)."""
    warehouse = as_warehouse(connection)
    if not dry_run:
        ensure_state_tables(warehouse, schema)
    by_crm = mappings(warehouse, relations)
    unknown = sorted(set(crms or []) - set(by_crm))
    if unknown:
        raise SystemExit(
            f"No mapping for CRM(s) {', '.join(unknown)} in {MAPPINGS_SEED}; "
            f"it has: {', '.join(sorted(by_crm))}."
        )
    chosen = crms or sorted(by_crm)
    # Every CRM is checked before any is written.
    if not allow_older_scores and has_sent_scores(warehouse, schema):
        for crm in chosen:
            refuse_older_scores(warehouse, schema, crm, relations)
    return [
        export_crm(
            warehouse,
            crm,
            by_crm[crm],
            out_dir,
            file_format=file_format,
            batch_size=batch_size,
            dry_run=dry_run,
            schema=schema,
            relations=relations,
        )
        for crm in chosen
    ]


def describe(results: Sequence[CrmExport], dry_run: bool) -> str:
    """A readable account of an export run."""
    lines = []
    for result in results:
        actions = ", ".join(f"{n} {a}" for a, n in sorted(result.actions.items()))
        left_out = (
            f"; {result.unmatched} left out: no value for a key field "
            "(sent once they have one)"
            if result.unmatched
            else ""
        )
        if result.rows == 0:
            lines.append(
                f"{result.crm}: nothing changed since the last export{left_out}"
            )
            continue
        if dry_run:
            lines.append(
                f"{result.crm}: would export {result.rows} rows ({actions}){left_out}"
            )
            for record in result.sample:
                lines.append("  " + json.dumps(record, default=str, ensure_ascii=False))
            continue
        how = "already written, committed" if result.reused else "written"
        files = ", ".join(path.name for path in result.files)
        lines.append(
            f"{result.crm}: exported {result.rows} rows ({actions}){left_out}, {how}: "
            f"{result.files[0].parent if result.files else '-'} ({files})"
        )
    return "\n".join(lines)
