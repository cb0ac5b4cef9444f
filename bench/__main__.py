"""``python -m bench [--quick] [--runs N] [--only NAME ...] [--out DIR]``: run the benchmarks,
print the table, write it as Markdown and JSON (``bench/results/full.*`` or ``quick.*``)."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import report
from bench.bot import Bot
from bench.context import FULL, QUICK, Config, Context
from bench.report import Row

BENCHMARKS = {
    "stream": "bench.stream",
    "startup": "bench.startup",
    "memory": "bench.memory",
    "large": "bench.large_files",
    "cancel": "bench.cancel",
    "concurrency": "bench.concurrency",
    "context": "bench.gather",
    "path": "bench.path",
}
"""Name -> module with ``async def run(ctx) -> list[Row]``, in the order of the table."""
RESULTS = Path(__file__).resolve().parent / "results"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one run (as CI does)")
    parser.add_argument("--runs", type=int, help="runs per measurement (default 7; quick 1)")
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS), help="run only these")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the table")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    return parser.parse_args(argv)


async def run_all(config: Config, names: list[str], quiet: bool = False) -> list[Row]:
    """Run the benchmarks ``names`` against one fake bot process; return their rows."""
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="poe-lsp-bench-") as root:
        async with Bot() as bot:
            ctx = Context(config, bot, Path(root), quiet)
            ctx.log("warm-up: one server start (fills the bytecode cache on a first run)")
            async with ctx.editor():
                pass
            for name in names:
                module = importlib.import_module(BENCHMARKS[name])
                rows += await module.run(ctx)
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run, print, write; return the exit code (0 unless a benchmark could not run)."""
    args = parse_args(argv)
    config = (QUICK if args.quick else FULL).with_runs(args.runs)
    names = args.only or list(BENCHMARKS)
    info: dict[str, Any] = {"machine": report.machine(), "config": config.__dict__}
    started = time.monotonic()
    rows = asyncio.run(run_all(config, names, args.quiet))
    info["seconds"] = time.monotonic() - started
    if args.quick:  # tiny sizes: the budgets do not apply
        for row in rows:
            row.budget = None
    print(report.text_table(rows))
    md, js = report.write(rows, args.out, "quick" if args.quick else "full", info)
    print(f"\nwritten: {md} and {js} ({info['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
