"""The raw data contract: the tables and columns the dbt sources read.

Declared once, in the sources YAML under models/staging/: every source whose
`meta` has `raw_contract: true` contributes its tables, each with the columns
its YAML lists (a table whose `meta` has `optional: true` may be absent). The
dbt side reads the same YAML (macro `raw_contract`); this module reads it for
the scripts.
"""

from __future__ import annotations

from pathlib import Path

import yaml

STAGING_DIR = Path(__file__).resolve().parents[2] / "models" / "staging"


def _contract_tables() -> list[dict]:
    tables = []
    for path in sorted(STAGING_DIR.glob("*/_*__sources.yml")):
        document = yaml.safe_load(path.read_text()) or {}
        for source in document.get("sources", []):
            if (source.get("meta") or {}).get("raw_contract"):
                tables += source.get("tables", [])
    if not tables:
        raise RuntimeError(f"No source with meta raw_contract under {STAGING_DIR}")
    return tables


_TABLES = _contract_tables()

RAW_TABLES: dict[str, tuple[str, ...]] = {
    table["name"]: tuple(column["name"] for column in table.get("columns", []))
    for table in _TABLES
}

OPTIONAL_TABLES = frozenset(
    table["name"] for table in _TABLES if (table.get("meta") or {}).get("optional")
)

# A file the generator leaves in every folder it writes, so it never
# overwrites raw files that somebody else put there.
GENERATED_MARKER = ".generated-sample-data"
