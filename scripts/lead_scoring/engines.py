"""Running the project on engines other than DuckDB: Postgres and Spark.

DuckDB reads the raw files where they lie; a warehouse or Spark reads raw
tables from a `raw` schema. This module gives the tests (and anybody trying
the project out) what those engines need on one machine:

- `PostgresServer`: a throwaway PostgreSQL server from Debian's packages,
  its data folder in a temporary directory, listening on 127.0.0.1 only.
- `load_raw_into_postgres`: the raw files copied into `raw.<table>`, with
  the column types the files have (as a loader like Fivetran would).
- `spark_raw_tables_sql`: the statements that register the raw files as
  tables of a Spark session (parquet read where it lies, CSV as text).
- `compare_relations`: two result sets compared row for row by key, floats
  within a tolerance, for the "same marts as DuckDB" checks.
"""

from __future__ import annotations

import contextlib
import glob
import math
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from lead_scoring.contract import RAW_TABLES

# Debian puts each major version's server programs here.
POSTGRES_BIN_GLOB = "/usr/lib/postgresql/*/bin"
# The unprivileged account a server runs as when we are root (initdb and
# postgres refuse to run as root). Debian's package creates it.
POSTGRES_OS_USER = "postgres"

# DuckDB column types of a raw file, as Postgres types. Anything else is text.
_POSTGRES_TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "bigint",
    "SMALLINT": "bigint",
    "DOUBLE": "double precision",
    "FLOAT": "double precision",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}


def postgres_bin_dir() -> Path:
    """The folder of the newest installed PostgreSQL server's programs."""
    found = sorted(glob.glob(POSTGRES_BIN_GLOB), key=lambda p: int(Path(p).parent.name))
    found = [path for path in found if (Path(path) / "pg_ctl").exists()]
    if not found:
        raise RuntimeError(
            "PostgreSQL server programs not found under /usr/lib/postgresql: "
            "run `make engines` (apt-get install postgresql) first."
        )
    return Path(found[-1])


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class PostgresServer:
    """A PostgreSQL server of its own, for one test session or one try-out.

    `with PostgresServer() as server:` runs initdb into a temporary folder,
    starts the server on a free port of 127.0.0.1 (trust authentication for
    the `postgres` role, UTC, no fsync: nothing here needs to survive a
    crash), creates `database`, and stops the server and removes the folder
    at the end. As root, the server runs as the `postgres` account.
    """

    database: str = "lead_scoring"
    port: int = field(default_factory=free_port)
    host: str = "127.0.0.1"
    user: str = "postgres"
    data_dir: Path | None = None
    _tmp: Path | None = None

    @property
    def env(self) -> dict[str, str]:
        """The environment variables profiles.yml's postgres target reads."""
        return {
            "LEAD_SCORING_TARGET": "postgres",
            "LEAD_SCORING_PG_HOST": self.host,
            "LEAD_SCORING_PG_PORT": str(self.port),
            "LEAD_SCORING_PG_USER": self.user,
            "LEAD_SCORING_PG_PASSWORD": "",
            "LEAD_SCORING_PG_DATABASE": self.database,
        }

    def dsn(self, database: str | None = None) -> str:
        return (
            f"host={self.host} port={self.port} user={self.user} "
            f"dbname={database or self.database}"
        )

    def _as_server_user(self, argv: list[str]) -> list[str]:
        if os.geteuid() != 0:
            return argv
        return ["runuser", "-u", POSTGRES_OS_USER, "--", *argv]

    def start(self) -> PostgresServer:
        bin_dir = postgres_bin_dir()
        self._tmp = Path(tempfile.mkdtemp(prefix="lead-scoring-pg-"))
        self.data_dir = self._tmp / "data"
        if os.geteuid() == 0:
            account = pwd.getpwnam(POSTGRES_OS_USER)
            os.chown(self._tmp, account.pw_uid, account.pw_gid)
        subprocess.run(
            self._as_server_user(
                [
                    str(bin_dir / "initdb"),
                    "--pgdata",
                    str(self.data_dir),
                    "--username",
                    self.user,
                    "--auth",
                    "trust",
                    "--encoding",
                    "UTF8",
                    # Byte order like DuckDB; lower() knows non-ASCII letters.
                    "--locale",
                    "C.UTF-8",
                ]
            ),
            check=True,
            capture_output=True,
            text=True,
        )
        options = " ".join(
            [
                f"-p {self.port}",
                f"-c listen_addresses={self.host}",
                f"-c unix_socket_directories={self._tmp}",
                "-c timezone=UTC",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
            ]
        )
        subprocess.run(
            self._as_server_user(
                [
                    str(bin_dir / "pg_ctl"),
                    "--pgdata",
                    str(self.data_dir),
                    "--log",
                    str(self._tmp / "server.log"),
                    "--options",
                    options,
                    "--wait",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
            text=True,
        )
        connection = self.connect("postgres")
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(f'create database "{self.database}"')
        finally:
            connection.close()
        return self

    def stop(self) -> None:
        if self.data_dir is not None and self.data_dir.exists():
            subprocess.run(
                self._as_server_user(
                    [
                        str(postgres_bin_dir() / "pg_ctl"),
                        "--pgdata",
                        str(self.data_dir),
                        "--mode",
                        "immediate",
                        "--wait",
                        "stop",
                    ]
                ),
                check=False,
                capture_output=True,
            )
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> PostgresServer:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *_: object) -> None:
        self.stop()

    def connect(self, database: str | None = None):
        import psycopg2

        deadline = time.monotonic() + 30
        while True:
            try:
                return psycopg2.connect(self.dsn(database))
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)


def raw_file(raw_dir: Path, table: str) -> Path | None:
    """The file holding one raw table (`.parquet` or `.csv`), if any."""
    for suffix in (".parquet", ".csv"):
        path = raw_dir / f"{table}{suffix}"
        if path.exists():
            return path
    return None


def _reader(path: Path) -> str:
    quoted = str(path).replace("'", "''")
    if path.suffix == ".csv":
        return (
            f"read_csv('{quoted}', header = true, all_varchar = true, "
            "delim = ',', quote = '\"', escape = '\"', parallel = false)"
        )
    return f"read_parquet('{quoted}')"


def load_raw_into_postgres(
    raw_dir: Path, connection: Any, schema: str = "raw"
) -> dict[str, int]:
    """Copy every raw file of `raw_dir` into `<schema>.<table>`; row counts.

    Columns keep the file's types (text for CSV, as DuckDB reads it); a
    table whose file is missing is not created (sales_feedback is optional
    on DuckDB; on Postgres create it empty yourself if you have none).
    """
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="lead-scoring-load-") as tmp:
        with connection.cursor() as cursor:
            cursor.execute(f'drop schema if exists "{schema}" cascade')
            cursor.execute(f'create schema "{schema}"')
        for table in RAW_TABLES:
            path = raw_file(raw_dir, table)
            if path is None:
                continue
            staged = Path(tmp) / f"{table}.csv"
            with duckdb.connect() as local:
                local.execute("set TimeZone = 'UTC'")
                columns = local.execute(
                    f"describe select * from {_reader(path)}"
                ).fetchall()
                local.execute(
                    f"copy (select * from {_reader(path)}) to "
                    f"'{staged}' (header false, format csv)"
                )
            definitions = ", ".join(
                f'"{name}" {_POSTGRES_TYPES.get(kind, "text")}'
                for name, kind, *_ in columns
            )
            with connection.cursor() as cursor:
                cursor.execute(f'create table "{schema}"."{table}" ({definitions})')
                with staged.open() as handle:
                    cursor.copy_expert(
                        f'copy "{schema}"."{table}" from stdin with (format csv)',
                        handle,
                    )
                cursor.execute(f'select count(*) from "{schema}"."{table}"')
                counts[table] = cursor.fetchone()[0]
        connection.commit()
    return counts


def spark_raw_tables_sql(raw_dir: Path, schema: str = "raw") -> list[str]:
    """Statements that make the raw files tables of a Spark session.

    Parquet is read where it lies (an external table, no copy); CSV is read
    as text with the same fixed dialect as on DuckDB.
    """
    statements = [f"create database if not exists {schema}"]
    for table in RAW_TABLES:
        path = raw_file(raw_dir, table)
        if path is None:
            continue
        location = path.resolve().as_uri()
        statements.append(f"drop table if exists {schema}.{table}")
        if path.suffix == ".csv":
            statements.append(
                f"create table {schema}.{table} using csv options ("
                f"path '{location}', header 'true', quote '\"', escape '\"', "
                "multiLine 'true')"
            )
        else:
            statements.append(
                f"create table {schema}.{table} using parquet "
                f"options (path '{location}')"
            )
    return statements


def spark_dir() -> Path:
    """Where the Spark target keeps its metastore and warehouse: the folder
    LEAD_SCORING_SPARK_DIR names (profiles.yml reads the same variable)."""
    return Path(os.environ.get("LEAD_SCORING_SPARK_DIR", "spark")).resolve()


def spark_session(directory: Path | None = None, memory: str = "2g") -> Any:
    """A local Spark session on the same metastore and warehouse as the
    `spark` target of profiles.yml (keep the two in step)."""
    from pyspark.sql import SparkSession

    directory = (directory or spark_dir()).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    return (
        SparkSession.builder.enableHiveSupport()
        .config("spark.master", "local[2]")
        .config("spark.app.name", "lead_scoring")
        .config("spark.driver.memory", memory)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.warehouse.dir", f"{directory}/warehouse")
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={directory}/metastore_db;create=true",
        )
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={directory}")
        .getOrCreate()
    )


def register_spark_raw_tables(
    raw_dir: Path, directory: Path | None = None, schema: str = "raw"
) -> dict[str, int]:
    """Register the raw files as tables of the Spark metastore; row counts.

    Runs its own Spark session and stops it, so dbt can open the (single
    user) Derby metastore afterwards.
    """
    session = spark_session(directory)
    try:
        for statement in spark_raw_tables_sql(raw_dir, schema):
            session.sql(statement)
        return {
            table: session.table(f"{schema}.{table}").count()
            for table in RAW_TABLES
            if raw_file(raw_dir, table) is not None
        }
    finally:
        session.stop()


def _normalised(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return value


def _equal(left: Any, right: Any, tolerance: float) -> bool:
    left, right = _normalised(left), _normalised(right)
    if isinstance(left, bool) or isinstance(right, bool):
        return left == right
    if isinstance(left, int | float) and isinstance(right, int | float):
        if math.isnan(float(left)) or math.isnan(float(right)):
            return math.isnan(float(left)) and math.isnan(float(right))
        return math.isclose(left, right, rel_tol=tolerance, abs_tol=tolerance)
    return left == right


@dataclass(frozen=True)
class Comparison:
    """Differences between two result sets keyed by their first column."""

    only_left: list[Any]
    only_right: list[Any]
    differing: list[tuple[Any, str, Any, Any]]
    rows: int

    @property
    def equal(self) -> bool:
        return not (self.only_left or self.only_right or self.differing)

    def describe(self, left: str = "duckdb", right: str = "other") -> str:
        lines = [f"{self.rows} rows compared"]
        if self.only_left:
            lines.append(f"only in {left}: {self.only_left[:10]}")
        if self.only_right:
            lines.append(f"only in {right}: {self.only_right[:10]}")
        for key, column, a, b in self.differing[:20]:
            lines.append(f"{key} {column}: {left}={a!r} {right}={b!r}")
        if len(self.differing) > 20:
            lines.append(f"... {len(self.differing) - 20} more differences")
        return "\n".join(lines)


def compare_rows(
    columns: Sequence[str],
    left: Sequence[Sequence[Any]],
    right: Sequence[Sequence[Any]],
    tolerance: float = 1e-9,
) -> Comparison:
    """Compare rows keyed by their first value, column by column."""
    left_by_key = {row[0]: row for row in left}
    right_by_key = {row[0]: row for row in right}
    differing = []
    for key in sorted(left_by_key.keys() & right_by_key.keys(), key=str):
        for column, a, b in zip(
            columns, left_by_key[key], right_by_key[key], strict=True
        ):
            if not _equal(a, b, tolerance):
                differing.append((key, column, a, b))
    return Comparison(
        only_left=sorted(left_by_key.keys() - right_by_key.keys(), key=str),
        only_right=sorted(right_by_key.keys() - left_by_key.keys(), key=str),
        differing=differing,
        rows=len(left_by_key),
    )


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of a block."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
