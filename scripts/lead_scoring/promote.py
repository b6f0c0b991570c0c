"""Promote proposed point tables (scripts/fit.py's learned points) into seeds/.

The proposed activity_weights.csv and fit_rules.csv are checked first
against what the seed tests of seeds/_seeds.yml accept (columns, types,
values); if any is wrong nothing is copied. Then each seed they replace is
kept in `replaced_dir` under its own name (scripts/backtest.py
--compare-seeds reads that folder to show the promoted model beside the one
it replaced), and the proposed files are copied into the seeds folder.
"""

from __future__ import annotations

import csv
import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PROMOTED = ("activity_weights.csv", "fit_rules.csv")
MATCH_KINDS = ("equals", "in_list", "contains", "numeric_range", "is_missing")
TEXT_MATCH_KINDS = ("equals", "in_list", "contains")
MAX_POINTS = 100.0


@dataclass
class Problems:
    """What is wrong with the proposed files, one line each."""

    lines: list[str] = field(default_factory=list)

    def add(self, path: Path, row: int | None, text: str) -> None:
        where = f"{path}" if row is None else f"{path}, line {row}"
        self.lines.append(f"{where}: {text}")


def _number(
    problems: Problems, path: Path, line: int, column: str, text: str
) -> float | None:
    """The value as a number; None when empty; a problem when not a number."""
    if text.strip() == "":
        return None
    try:
        value = float(text)
    except ValueError:
        problems.add(path, line, f"{column} {text!r} is not a number")
        return None
    if not math.isfinite(value):
        problems.add(path, line, f"{column} {text!r} is not a finite number")
        return None
    return value


def _read(path: Path, columns: list[str], problems: Problems) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        if header != columns:
            problems.add(
                path,
                None,
                f"columns {header} are not the seed's columns {columns} "
                "(same names, same order)",
            )
            return []
        rows = list(reader)
    if not rows:
        problems.add(path, None, "no rows (the seed needs at least one)")
    return rows


def _points(problems: Problems, path: Path, line: int, text: str) -> None:
    value = _number(problems, path, line, "points", text)
    if text.strip() == "":
        problems.add(path, line, "points are empty")
    elif value is not None and abs(value) > MAX_POINTS:
        problems.add(path, line, f"points {text} are beyond 100 either way")


def check_activity_weights(path: Path, columns: list[str], problems: Problems) -> None:
    seen: set[str] = set()
    for line, row in enumerate(_read(path, columns, problems), start=2):
        activity_type = row["activity_type"] or ""
        if not activity_type.strip():
            problems.add(path, line, "activity_type is empty")
        elif activity_type != activity_type.strip().lower() or " " in activity_type:
            problems.add(
                path, line, f"activity_type {activity_type!r} is not snake_case"
            )
        elif activity_type in seen:
            problems.add(path, line, f"activity_type {activity_type} is listed twice")
        seen.add(activity_type)
        if not (row["activity_label"] or "").strip():
            problems.add(path, line, "activity_label is empty")
        _points(problems, path, line, row["points"] or "")
        half_life = _number(
            problems, path, line, "half_life_days", row["half_life_days"] or ""
        )
        if (row["half_life_days"] or "").strip() == "":
            problems.add(path, line, "half_life_days is empty")
        elif half_life is not None and half_life <= 0:
            problems.add(path, line, "half_life_days must be above 0")
        cap = _number(problems, path, line, "max_points", row["max_points"] or "")
        if cap is not None and cap < 0:
            problems.add(path, line, "max_points must be 0 or more (or empty)")


def check_fit_rules(path: Path, columns: list[str], problems: Problems) -> None:
    seen: set[str] = set()
    for line, row in enumerate(_read(path, columns, problems), start=2):
        rule_id = (row["rule_id"] or "").strip()
        if not rule_id:
            problems.add(path, line, "rule_id is empty")
        elif rule_id in seen:
            problems.add(path, line, f"rule_id {rule_id} is listed twice")
        seen.add(rule_id)
        if not (row["attribute"] or "").strip():
            problems.add(path, line, "attribute is empty")
        kind = row["match_kind"] or ""
        if kind not in MATCH_KINDS:
            problems.add(
                path,
                line,
                f"match_kind {kind!r} is not one of {', '.join(MATCH_KINDS)}",
            )
        if kind in TEXT_MATCH_KINDS and (row["match_value"] or "") == "":
            problems.add(path, line, f"match_value is empty for {kind}")
        low = _number(problems, path, line, "range_min", row["range_min"] or "")
        high = _number(problems, path, line, "range_max", row["range_max"] or "")
        if kind == "numeric_range":
            if low is None and high is None:
                problems.add(path, line, "numeric_range has neither bound")
            if low is not None and high is not None and not low < high:
                problems.add(path, line, "range_min must be below range_max")
        _points(problems, path, line, row["points"] or "")
        if not (row["reason"] or "").strip():
            problems.add(path, line, "reason is empty")


def _header(path: Path) -> list[str]:
    with path.open(newline="") as handle:
        return next(csv.reader(handle), [])


def promote(
    proposed_dir: Path,
    seeds_dir: Path,
    replaced_dir: Path,
    progress: Callable[[str], None] = print,
) -> list[str]:
    """Check the proposed files of `proposed_dir`, keep the seeds they
    replace in `replaced_dir`, copy them into `seeds_dir`. Returns the
    promoted file names; stops with every problem found, copying nothing."""
    present = [name for name in PROMOTED if (proposed_dir / name).is_file()]
    if not present:
        raise SystemExit(
            f"No proposed {' or '.join(PROMOTED)} in {proposed_dir}: run "
            "`make fit` (scripts/fit.py) first, or give --proposed DIR."
        )
    problems = Problems()
    checks = {
        "activity_weights.csv": check_activity_weights,
        "fit_rules.csv": check_fit_rules,
    }
    for name in present:
        live = seeds_dir / name
        if not live.is_file():
            raise SystemExit(f"{live} does not exist: is {seeds_dir} the seeds folder?")
        checks[name](proposed_dir / name, _header(live), problems)
    if problems.lines:
        raise SystemExit(
            "Not promoted: the proposed files would fail the seed tests.\n  "
            + "\n  ".join(problems.lines)
            + "\nFix them (or run scripts/fit.py again) and promote again; "
            "seeds/ is unchanged."
        )
    replaced_dir.mkdir(parents=True, exist_ok=True)
    for name in present:
        shutil.copy2(seeds_dir / name, replaced_dir / name)
    for name in present:
        shutil.copy2(proposed_dir / name, seeds_dir / name)
        progress(f"Promoted {proposed_dir / name} to {seeds_dir / name}")
    progress(
        f"The replaced seeds are in {replaced_dir} (copy them back to undo). "
        "Run `dbt build` to score with the promoted points."
    )
    return present
