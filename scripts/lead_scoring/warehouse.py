"""Reading the contracted marts from the project's warehouse.

Scripts read `lead_scores` and the other public marts, never intermediate
models. The DuckDB file is the one profiles.yml points at:
LEAD_SCORING_DUCKDB_PATH, default `lead_scoring.duckdb` in the project
folder. The CRM export also reaches a Postgres target through the same
profile (`profile_output`, `connect_postgres`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

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


def profile_output(target: str | None = None) -> dict:
    """The dbt profile's output for `target` (default: the profile's own
    target), rendered as dbt renders it: profiles.yml from DBT_PROFILES_DIR,
    else the project folder, else ~/.dbt, with env_var() and as_number."""
    import jinja2
    import yaml

    folders = [os.environ.get("DBT_PROFILES_DIR"), PROJECT_DIR, Path.home() / ".dbt"]
    path = next(
        (
            Path(folder) / "profiles.yml"
            for folder in folders
            if folder and (Path(folder) / "profiles.yml").exists()
        ),
        None,
    )
    if path is None:
        raise SystemExit("No profiles.yml found (DBT_PROFILES_DIR, project, ~/.dbt).")
    missing = object()

    def env_var(name: str, default: Any = missing) -> str:
        if name in os.environ:
            return os.environ[name]
        if default is missing:
            raise SystemExit(f"{path}: environment variable {name} is not set.")
        return default

    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    environment.globals["env_var"] = env_var
    environment.filters["as_number"] = lambda value: value
    environment.filters["as_text"] = lambda value: value

    def render(value: Any) -> Any:
        if isinstance(value, str):
            return environment.from_string(value).render()
        if isinstance(value, dict):
            return {key: render(item) for key, item in value.items()}
        if isinstance(value, list):
            return [render(item) for item in value]
        return value

    profile = yaml.safe_load(path.read_text())["lead_scoring"]
    name = target or render(profile["target"])
    if name not in profile["outputs"]:
        raise SystemExit(f"{path}: profile lead_scoring has no target {name!r}.")
    return render(profile["outputs"][name])


def connect_postgres(target: str | None = None) -> Any:
    """A psycopg2 connection to the profile's Postgres target."""
    import psycopg2

    output = profile_output(target)
    if output.get("type") != "postgres":
        raise SystemExit(f"Target {target!r} of the profile is not a Postgres target.")
    return psycopg2.connect(
        host=output["host"],
        port=int(output["port"]),
        user=output["user"],
        password=output.get("password") or output.get("pass") or None,
        dbname=output.get("dbname") or output.get("database"),
    )
