"""Shared by the benchmark scripts: timing by median, optional PyTorch, writing RESULTS.md.

Run the benchmarks from the repository root, e.g. ``python benchmarks/overhead.py --write``.
"""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "RESULTS.md")
sys.path.insert(0, os.path.dirname(HERE))  # run from a checkout without installing


def median_time(function, repeat: int = 200, number: int = 1, warmup: int = 20) -> float:
    """Median over ``repeat`` runs of the time of ``number`` calls, in seconds per call."""
    for _ in range(warmup):
        function()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            function()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


def import_torch():
    """PyTorch if it is importable (it is never a dependency), else None."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def machine_line() -> str:
    cores = os.cpu_count()
    return (f"{platform.processor() or platform.machine()}, {cores} cores, Python "
            f"{platform.python_version()}, {datetime.date.today().isoformat()}")


def write_section(title: str, body: str) -> None:
    """Replace the section ``## title`` of RESULTS.md with ``body`` (or append it)."""
    header = f"## {title}"
    text = open(RESULTS, encoding="utf-8").read() if os.path.exists(RESULTS) else \
        "# Benchmark results\n\nNumbers measured by the scripts in this folder; each section " \
        "says how to reproduce it.\n"
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == header), None)
    block = [header, "", *body.strip().splitlines(), ""]
    if start is None:
        lines = lines + [""] + block
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
                   len(lines))
        lines = lines[:start] + block + lines[end:]
    with open(RESULTS, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines).rstrip() + "\n")


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(out)
