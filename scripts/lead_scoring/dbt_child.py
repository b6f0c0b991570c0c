"""Running dbt in a child process.

`python -c RUNNER <dbt arguments>` invokes dbt through dbtRunner, prints
the exception dbt raised (if any) on stderr and exits 0 on success, 1
otherwise. A child process keeps each run's memory and dbt's global state
apart from the caller's.
"""

RUNNER = """
import sys
from dbt.cli.main import dbtRunner
result = dbtRunner().invoke(sys.argv[1:])
if result.exception is not None:
    print(f"dbtRunner exception: {result.exception}", file=sys.stderr)
sys.exit(0 if result.success else 1)
"""
