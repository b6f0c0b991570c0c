"""Running dbt in a child process.

`python -c RUNNER <dbt arguments>` invokes dbt through dbtRunner, prints
the exception dbt raised (if any) on stderr and exits 0 on success, 1
otherwise. A child process keeps each run's memory and dbt's global state
apart from the caller's.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

RUNNER = """
import sys
from dbt.cli.main import dbtRunner
result = dbtRunner().invoke(sys.argv[1:])
if result.exception is not None:
    print(f"dbtRunner exception: {result.exception}", file=sys.stderr)
sys.exit(0 if result.success else 1)
"""


def scored_build(
    project_dir: Path,
    target_path: Path,
    log_path: Path,
    scored_as_of: str,
    *extra: str,
) -> list[str]:
    """The command of a scheduled run in a child process: `dbt build`
    without the YAML unit tests (they mock their inputs), scored as of
    `scored_as_of`, with its own target and log folders."""
    return [
        sys.executable,
        "-c",
        RUNNER,
        "build",
        "--exclude-resource-type",
        "unit_test",
        "--project-dir",
        str(project_dir),
        "--target-path",
        str(target_path),
        "--log-path",
        str(log_path),
        *extra,
        "--vars",
        json.dumps({"lead_scoring__as_of_date": scored_as_of}),
    ]
