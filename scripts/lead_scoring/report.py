"""The backtest as one self-contained HTML page: tables and inline SVG charts,
no scripts, fonts or images from elsewhere, so it opens offline and can be
mailed as it is."""

from __future__ import annotations

from html import escape
from itertools import pairwise
from typing import Any

COLOURS = {
    "rule_based": "#1f77b4",
    "rule_based_compared": "#17becf",
    "learned_points": "#ff7f0e",
    "predictive": "#2ca02c",
    "gradient_boosting": "#9467bd",
    "recency": "#7f7f7f",
}
WIDTH, HEIGHT = 460, 280
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 16, 44


def _number(value: Any, digits: int = 3) -> str:
    return "&ndash;" if value is None else f"{value:.{digits}f}"


def _percent(value: Any) -> str:
    return "&ndash;" if value is None else f"{100 * value:.1f}%"


def _frame(x_label: str, y_label: str, x_ticks, y_ticks, body: str) -> str:
    parts = [
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        'role="img" xmlns="http://www.w3.org/2000/svg" font-size="11" '
        'font-family="sans-serif">',
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" '
        f'y2="{HEIGHT - BOTTOM}" stroke="#333"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}" '
        'stroke="#333"/>',
    ]
    for x, text in x_ticks:
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 14}" '
            f'text-anchor="middle">{escape(text)}</text>'
        )
    for y, text in y_ticks:
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            'stroke="#eee"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(text)}</text>"
        )
    parts.append(
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 8}" '
        f'text-anchor="middle">{escape(x_label)}</text>'
    )
    parts.append(
        f'<text transform="translate(14 {(TOP + HEIGHT - BOTTOM) / 2}) rotate(-90)" '
        f'text-anchor="middle">{escape(y_label)}</text>'
    )
    parts.append(body)
    parts.append("</svg>")
    return "".join(parts)


def _scale(low: float, high: float, start: float, end: float):
    span = (high - low) or 1.0
    return lambda value: start + (value - low) / span * (end - start)


def _ticks(high: float, count: int = 5) -> list[float]:
    return [high * i / count for i in range(count + 1)]


def line_chart(
    series: list[tuple[str, list[float], list[float], str]],
    *,
    x_label: str,
    y_label: str,
    x_range: tuple[float, float],
    y_max: float,
    y_format=lambda v: f"{v:.1f}",
    x_format=lambda v: f"{v:g}",
    diagonal: bool = False,
    x_ticks: list[float] | None = None,
) -> str:
    x = _scale(*x_range, LEFT, WIDTH - RIGHT)
    y = _scale(0, y_max, HEIGHT - BOTTOM, TOP)
    body = []
    if diagonal:
        body.append(
            f'<line x1="{x(0):.1f}" y1="{y(0):.1f}" x2="{x(y_max):.1f}" '
            f'y2="{y(y_max):.1f}" stroke="#aaa" stroke-dasharray="4 3"/>'
        )
    for name, xs, ys, colour in series:
        points = " ".join(
            f"{x(a):.1f},{y(min(b, y_max)):.1f}"
            for a, b in zip(xs, ys, strict=True)
            if b is not None
        )
        body.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" '
            f'stroke-width="2"><title>{escape(name)}</title></polyline>'
        )
        for a, b in zip(xs, ys, strict=True):
            if b is not None:
                body.append(
                    f'<circle cx="{x(a):.1f}" cy="{y(min(b, y_max)):.1f}" r="2.5" '
                    f'fill="{colour}"/>'
                )
    ticks_x = x_ticks if x_ticks is not None else _ticks(x_range[1])
    return _frame(
        x_label,
        y_label,
        [(x(v), x_format(v)) for v in ticks_x],
        [(y(v), y_format(v)) for v in _ticks(y_max)],
        "".join(body),
    )


def bar_chart(
    categories: list[str],
    values: list[float],
    *,
    colour: str,
    x_label: str,
    y_label: str,
    y_format=lambda v: f"{100 * v:.0f}%",
    labels: list[str] | None = None,
) -> str:
    y_max = max([*values, 1e-9]) * 1.15
    y = _scale(0, y_max, HEIGHT - BOTTOM, TOP)
    slot = (WIDTH - LEFT - RIGHT) / max(len(categories), 1)
    body = []
    for index, value in enumerate(values):
        left = LEFT + slot * index + slot * 0.15
        body.append(
            f'<rect x="{left:.1f}" y="{y(value):.1f}" width="{slot * 0.7:.1f}" '
            f'height="{y(0) - y(value):.1f}" fill="{colour}"/>'
        )
        if labels:
            body.append(
                f'<text x="{left + slot * 0.35:.1f}" y="{y(value) - 4:.1f}" '
                f'text-anchor="middle">{escape(labels[index])}</text>'
            )
    return _frame(
        x_label,
        y_label,
        [(LEFT + slot * (i + 0.5), c) for i, c in enumerate(categories)],
        [(y(v), y_format(v)) for v in _ticks(y_max)],
        "".join(body),
    )


def distribution_chart(distribution: dict[str, Any], x_label: str) -> str:
    edges = distribution["edges"]
    centres = [(a + b) / 2 for a, b in pairwise(edges)]
    y_max = max(distribution["converted"] + distribution["not_converted"]) * 1.1
    low, high = edges[0], edges[-1]
    step = (high - low) / 5
    return line_chart(
        [
            ("converted", centres, distribution["converted"], "#2ca02c"),
            ("not converted", centres, distribution["not_converted"], "#d62728"),
        ],
        x_label=x_label,
        y_label="share of the group",
        x_range=(low, high),
        y_max=y_max or 1.0,
        y_format=lambda v: f"{100 * v:.0f}%",
        x_format=lambda v: f"{v:.2g}",
        x_ticks=[low + step * i for i in range(6)],
    )


def _legend(names: list[str], labels: dict[str, str]) -> str:
    return "".join(
        f'<span class="key" style="border-color:{COLOURS[name]}">'
        f"{escape(labels[name])}</span>"
        for name in names
    )


def _volume_note(summary: dict[str, Any]) -> str:
    if summary.get("flagged_volume_basis") == "top_10_percent":
        return (
            "when sales take the top tenth of leads by each model's score "
            f"({summary['sales_ready_leads']:,}): no lead reached the "
            "sales-ready thresholds."
        )
    return (
        "when sales take as many leads as the rule-based model flags "
        f"sales-ready ({summary['sales_ready_leads']:,}): the rule-based "
        "model's own flag, the others' highest scores."
    )


def _periods_section(summary: dict[str, Any]) -> str:
    """How the cut-offs were chosen, and each period's conversion."""
    how = "".join(
        f"<li>{escape(line)}</li>" for line in summary.get("cutoffs_chosen", [])
    )
    rows = []
    for role, periods in summary.get("periods", {}).items():
        for period in periods:
            rows.append(
                f"<tr><td>{escape(role)}</td><td>{escape(period['period'])}</td>"
                f"<td>{period['leads']:,}</td><td>{period['converted']:,}</td>"
                f"<td>{_percent(period['conversion_rate'])}</td>"
                f"<td>{period.get('converted_before', 0):,}</td></tr>"
            )
    age = summary.get("score_at_age_days")
    scored = (
        f"Each lead was scored once, {age} day(s) after it was created (at the "
        "next midnight), and belongs to the period of that moment."
        if age is not None
        else "Every lead that existed was scored at each cut-off."
    )
    return (
        f"<h2>Cut-offs and periods</h2><ul>{how}</ul><p>{escape(scored)}</p>"
        "<table><tr><th>role</th><th>period</th><th>leads</th><th>converted</th>"
        "<th>conversion</th><th>converted before</th></tr>"
        + "".join(rows)
        + '</table><p class="note">Converted before: leads that already had '
        "an opportunity at their scoring moment, left out of the examples.</p>"
    )


def _over_time_section(summary: dict[str, Any], labels: dict[str, str]) -> str:
    """Per test period: ROC AUC per model, conversion by grade and priority."""
    over_time = summary.get("over_time") or []
    if not over_time:
        return ""
    names = list(labels)
    header = "".join(f"<th>{escape(labels[n])}</th>" for n in names)
    auc_rows = "".join(
        f"<tr><td>{escape(row['period'])}</td><td>{row['leads']:,}</td>"
        f"<td>{_percent(row['conversion_rate'])}</td>"
        + "".join(f"<td>{_number(row['roc_auc'].get(n))}</td>" for n in names)
        + "</tr>"
        for row in over_time
    )
    tables = []
    for model, groups in over_time[0]["by_group"].items():
        for group in groups:
            levels = sorted(
                {g["group"] for row in over_time for g in row["by_group"][model][group]}
            )
            body = "".join(
                f"<tr><td>{escape(row['period'])}</td>"
                + "".join(
                    "<td>"
                    + next(
                        (
                            f"{_percent(g['conversion_rate'])} "
                            f"<small>(n={g['leads']})</small>"
                            for g in row["by_group"][model][group]
                            if g["group"] == level
                        ),
                        "&ndash;",
                    )
                    + "</td>"
                    for level in levels
                )
                + "</tr>"
                for row in over_time
            )
            tables.append(
                f"<h3>Conversion by {escape(group.replace('_', ' '))} "
                f"({escape(labels.get(model, model))})</h3>"
                "<table><tr><th>period</th>"
                + "".join(f"<th>{escape(level)}</th>" for level in levels)
                + f"</tr>{body}</table>"
            )
    return (
        "<h2>Over time</h2><p>Each test period on its own: does the ranking "
        "hold from one period to the next, and do the grades keep their "
        "order?</p><table><tr><th>period</th><th>leads</th><th>conversion</th>"
        f'{header}</tr>{auc_rows}</table><p class="note">ROC AUC per model; '
        "&ndash; where a period has only one outcome.</p>" + "".join(tables)
    )


def render(summary: dict[str, Any]) -> str:
    models: dict[str, Any] = summary["models"]
    labels = {name: result["label"] for name, result in models.items()}
    base_rate = summary["test"]["conversion_rate"]
    rows = []
    for name, result in models.items():
        ready = result["at_sales_ready_volume"]
        rows.append(
            "<tr>"
            f'<td><span class="dot" style="background:{COLOURS[name]}"></span>'
            f"{escape(result['label'])}</td>"
            f"<td>{_number(result['roc_auc'])}</td>"
            f"<td>{_number(result['pr_auc'])}</td>"
            f"<td>{_number(result['deciles'][0]['lift'], 2)}&times;</td>"
            f"<td>{_percent(result['deciles'][0]['conversion_rate'])}</td>"
            f"<td>{_percent(ready['precision'])}</td>"
            f"<td>{_percent(ready['recall'])}</td>"
            f"<td>{_number(result.get('brier'), 4)}</td>"
            "</tr>"
        )
    lift = line_chart(
        [
            (
                labels[name],
                [d["decile"] for d in result["deciles"]],
                [d["lift"] for d in result["deciles"]],
                COLOURS[name],
            )
            for name, result in models.items()
        ],
        x_label="decile of leads by score (1 = top tenth)",
        y_label="lift (conversion ÷ average)",
        x_range=(1, 10),
        y_max=max(max(d["lift"] or 0 for d in r["deciles"]) for r in models.values())
        * 1.1,
        x_ticks=list(range(1, 11)),
    )
    gains = line_chart(
        [
            (
                labels[name],
                [0] + [10 * d["decile"] for d in result["deciles"]],
                [0] + [d["cumulative_share_of_converters"] for d in result["deciles"]],
                COLOURS[name],
            )
            for name, result in models.items()
        ],
        x_label="% of leads called, best scores first",
        y_label="share of converters reached",
        x_range=(0, 100),
        y_max=1.0,
        y_format=lambda v: f"{100 * v:.0f}%",
        x_ticks=[0, 20, 40, 60, 80, 100],
    )
    calibrated = [n for n in models if models[n].get("calibration")]
    top = max(
        max(max(b["expected"], b["observed"]) for b in models[n]["calibration"])
        for n in calibrated
    )
    calibration = line_chart(
        [
            (
                labels[name],
                [b["expected"] for b in models[name]["calibration"]],
                [b["observed"] for b in models[name]["calibration"]],
                COLOURS[name],
            )
            for name in calibrated
        ],
        x_label="predicted probability (bin average)",
        y_label="observed conversion",
        x_range=(0, top * 1.05),
        y_max=top * 1.05,
        y_format=lambda v: f"{100 * v:.0f}%",
        x_format=lambda v: f"{100 * v:.0f}%",
        diagonal=True,
    )
    grade_charts = []
    for name in ("rule_based", "rule_based_compared", "predictive"):
        if name not in models:
            continue
        for group, values in models[name]["by_group"].items():
            grade_charts.append(
                "<figure>"
                + bar_chart(
                    [v["group"] for v in values],
                    [v["conversion_rate"] for v in values],
                    colour=COLOURS[name],
                    x_label=group.replace("_", " "),
                    y_label="conversion rate",
                    labels=[f"n={v['leads']}" for v in values],
                )
                + f"<figcaption>Conversion by {escape(group.replace('_', ' '))} "
                f"({escape(labels[name])})</figcaption></figure>"
            )
    distributions = [
        "<figure>"
        + distribution_chart(models[name]["distribution"], labels[name])
        + f"<figcaption>{escape(labels[name])}: scores of converters (green) and "
        "non-converters (red)</figcaption></figure>"
        for name in ("rule_based", "learned_points", "predictive")
    ]
    decile_rows = "".join(
        "<tr><td>"
        + str(index + 1)
        + "</td>"
        + "".join(
            f"<td>{_percent(models[n]['deciles'][index]['conversion_rate'])}</td>"
            for n in models
        )
        + "</tr>"
        for index in range(10)
    )
    periods = _periods_section(summary)
    over_time = _over_time_section(summary, labels)
    header_cells = "".join(f"<th>{escape(labels[n])}</th>" for n in models)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Lead scoring backtest</title>
<style>
body {{ font-family: sans-serif; max-width: 1000px; margin: 2em auto; color: #222;
       line-height: 1.45; padding: 0 1em; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: right; }}
td:first-child, th:first-child {{ text-align: left; }}
figure {{ display: inline-block; margin: 0.5em 1em 1em 0; vertical-align: top; }}
figcaption {{ font-size: 0.9em; color: #555; max-width: {WIDTH}px; }}
.dot {{ display: inline-block; width: 10px; height: 10px; margin-right: 6px;
        border-radius: 50%; }}
.key {{ border-left: 12px solid; padding: 0 10px 0 6px; margin-right: 8px;
        font-size: 0.9em; }}
.note {{ color: #555; font-size: 0.95em; }}
</style></head><body>
<h1>Do high-scoring leads convert more?</h1>
<p>Every lead was scored as it stood on the test cut-off
({escape(", ".join(summary["test_cutoffs"]))}), using only what was known
before that date, and then followed for {summary["horizon_days"]} days:
<b>{summary["test"]["leads"]:,}</b> leads that had not converted yet, of whom
<b>{_percent(base_rate)}</b> went on to convert
({escape(summary["conversion_event"].replace("_", " "))}). The learned points
and the predictive model were fitted on earlier cut-offs
({escape(", ".join(summary["train_cutoffs"]))}; {summary["train"]["leads"]:,}
examples) whose outcomes were all known before the test cut-off.</p>

<h2>Summary</h2>
<table>
<tr><th>model</th><th>ROC AUC</th><th>PR AUC</th><th>top-10% lift</th>
<th>top-10% conversion</th><th>precision*</th><th>recall*</th><th>Brier</th></tr>
{"".join(rows)}
</table>
<p class="note">ROC AUC: the chance that a lead who converted was scored above one
who did not (0.5 is a coin toss, 1 is perfect). PR AUC: average precision, to
compare with the base rate of {_percent(base_rate)}. Lift: how many times the
average conversion rate the top tenth of leads reached. *Precision and recall
{_volume_note(summary)} Brier: mean squared error of a probability (lower is
better; only for models that give one).</p>

<h2>Lift by decile</h2>
<p>{_legend(list(models), labels)}</p>
<figure>{lift}<figcaption>Lift per decile: a good score has a tall first
decile and falls steadily.</figcaption></figure>
<figure>{gains}<figcaption>Cumulative gains: the share of all converters
found by calling the best-scored leads first.</figcaption></figure>
<table><tr><th>decile</th>{header_cells}</tr>{decile_rows}</table>

<h2>Conversion by grade and tier</h2>
{"".join(grade_charts)}

<h2>Calibration</h2>
<p>When the model says 20%, do 20% convert? Points on the dashed line are
perfectly calibrated.</p>
<figure>{calibration}<figcaption>{_legend(calibrated, labels)}</figcaption></figure>

<h2>Score distributions</h2>
{"".join(distributions)}

{over_time}

{periods}
<p class="note">Generated {escape(summary["generated_at"])} from
{escape(summary["raw_dir"])}; SQL and Python probabilities differ by at most
{summary["sql_vs_python_probability_max_difference"]:.1e}. The numbers behind
this page are in metrics.json beside it.</p>
</body></html>
"""
