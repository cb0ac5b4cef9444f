"""The results table: one row per number, its runs, its budget; printed, and written as
Markdown and JSON."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.editor import SERVER_PYTHON

RATIO = "\N{MULTIPLICATION SIGN}"
"""The unit of a ratio."""


@dataclass
class Row:
    """One measured number: a value per run, summarised as median, min and max.

    ``budget`` is an upper bound on the median (``None``: reported, not budgeted).
    """

    bench: str
    metric: str
    unit: str
    runs: list[float] = field(default_factory=list)
    budget: float | None = None
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.runs) if self.runs else float("nan")

    @property
    def status(self) -> str:
        if self.budget is None or not self.runs:
            return ""
        return "met" if self.median <= self.budget else "MISSED"

    def to_json(self) -> dict[str, Any]:
        return {
            "bench": self.bench,
            "metric": self.metric,
            "unit": self.unit,
            "median": self.median if self.runs else None,
            "min": min(self.runs) if self.runs else None,
            "max": max(self.runs) if self.runs else None,
            "runs": self.runs,
            "budget": self.budget,
            "status": self.status,
            "note": self.note,
        }


SERVER_PACKAGES = ("pygls", "lsprotocol", "fastapi-poe", "fastapi", "httpx", "pydantic", "rich")
"""The packages whose versions move the server's numbers (rich: loaded by httpx if present)."""


def server_packages(python: str) -> dict[str, str]:
    """The versions of :data:`SERVER_PACKAGES` in the servers' interpreter ``python``
    (``"-"`` for one that is not installed)."""
    script = (
        "import importlib.metadata as m, json, sys\n"
        "def v(n):\n"
        "    try:\n"
        "        return m.version(n)\n"
        "    except m.PackageNotFoundError:\n"
        "        return '-'\n"
        "print(json.dumps({n: v(n) for n in sys.argv[1:]}))"
    )
    found = subprocess.run(
        [python, "-c", script, *SERVER_PACKAGES], capture_output=True, text=True, check=True
    )
    versions: dict[str, str] = json.loads(found.stdout)
    return versions


def machine() -> dict[str, Any]:
    """Where the numbers were taken: CPUs, CPU model, Python, load at the start."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": model,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "server_python": SERVER_PYTHON,
        "server_packages": server_packages(SERVER_PYTHON),
    }


def _fmt(value: float | None, unit: str) -> str:
    if value is None or value != value:
        return "-"
    if unit == RATIO:
        return f"{value:.3f}"
    if unit in ("edits", "requests", "jobs"):
        return f"{value:.0f}"
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _cells(row: Row) -> list[str]:
    budget = f"≤ {_fmt(row.budget, row.unit)}" if row.budget is not None else ""
    return [
        row.bench,
        row.metric,
        _fmt(row.median, row.unit),
        _fmt(min(row.runs) if row.runs else None, row.unit),
        _fmt(max(row.runs) if row.runs else None, row.unit),
        row.unit,
        budget,
        row.status,
        str(len(row.runs)),
    ]


HEADER = ["#", "metric", "median", "min", "max", "unit", "budget", "status", "runs"]


def text_table(rows: list[Row]) -> str:
    """The table for a terminal."""
    lines = [HEADER, *(_cells(r) for r in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in lines
    )


def markdown_table(rows: list[Row]) -> str:
    """The table in Markdown, notes below it."""
    out = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    out += ["| " + " | ".join(_cells(r)) + " |" for r in rows]
    notes = [f"- {r.bench} {r.metric}: {r.note}" for r in rows if r.note]
    return "\n".join(out + (["", *notes] if notes else []))


def write(rows: list[Row], out: Path, mode: str, info: dict[str, Any]) -> tuple[Path, Path]:
    """Write ``<out>/<mode>.md`` and ``<out>/<mode>.json``; return both paths."""
    out.mkdir(parents=True, exist_ok=True)
    md, js = out / f"{mode}.md", out / f"{mode}.json"
    m = info["machine"]
    head = (
        f"# poe-lsp benchmarks ({mode})\n\n"
        f"{m['date']}; {m['nproc']} CPUs ({m['cpu']}), Python {m['python']}, {m['system']}; "
        f"load average at start {m['load_average']}; took {info['seconds']:.0f} s.\n"
        f"Servers run by `{m['server_python']}`, with "
        + ", ".join(f"{name} {version}" for name, version in m["server_packages"].items())
        + ".\n"
        "Median of the runs, with min and max; reproduce with `python -m bench"
        f"{' --quick' if mode == 'quick' else ''}`.\n\n"
    )
    md.write_text(head + markdown_table(rows) + "\n")
    js.write_text(json.dumps({**info, "mode": mode, "rows": [r.to_json() for r in rows]}, indent=1))
    return md, js
