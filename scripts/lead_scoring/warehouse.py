"""Reading the contracted marts from the project's DuckDB file.

Scripts read `lead_scores` and the other public marts, never intermediate
models. The file is the one profiles.yml points at: LEAD_SCORING_DUCKDB_PATH,
default `lead_scoring.duckdb` in the project folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parents[2]


def duckdb_path() -> Path:
    """The DuckDB file dbt builds into, resolved like profiles.yml does."""
    path = Path(os.environ.get("LEAD_SCORING_DUCKDB_PATH", "lead_scoring.duckdb"))
    return path if path.is_absolute() else Path.cwd() / path


def connect(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection, with a clear error when nothing is built yet."""
    path = path or duckdb_path()
    if not path.exists():
        raise SystemExit(
            f"{path} does not exist: run `make demo` (sample data) or "
            "`make score` (your files in LEAD_SCORING_RAW_DIR) first."
        )
    return duckdb.connect(str(path), read_only=True)


def fetch_dicts(
    connection: duckdb.DuckDBPyConnection, sql: str, parameters: list | None = None
) -> list[dict]:
    """Rows of a query as dictionaries keyed by column name."""
    cursor = connection.execute(sql, parameters or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
