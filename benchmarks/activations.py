"""Activation functions: forward + backward time on a (256, 1024) float32 tensor, against PyTorch
in the same run when it is importable.

    python benchmarks/activations.py [--write] [--quick]

Each case is ``y = f(x); y.backward(g)`` with ``x`` requiring grad and ``g`` a fixed random
gradient, so it measures the elementwise work of both passes (262,144 elements: big enough that
the per-op overhead of the autograd core is a small part).
"""

from __future__ import annotations

import argparse

from common import import_torch, machine_line, markdown_table, median_time, write_section

import minigrad
import minigrad.nn.functional as F

SHAPE = (256, 1024)
NAMES = ["relu", "leaky_relu", "elu", "gelu", "silu", "sigmoid", "tanh", "softplus",
         "logsigmoid"]


def make_cases(lib, functional) -> dict:
    """One forward+backward closure per activation; ``lib`` is minigrad or torch (the same
    API), ``functional`` their ``nn.functional``."""
    lib.manual_seed(0)
    x = lib.randn(*SHAPE, requires_grad=True)
    upstream = lib.randn(*SHAPE)
    functions = {"relu": functional.relu, "leaky_relu": lambda t: functional.leaky_relu(t, 0.2),
                 "elu": functional.elu, "gelu": functional.gelu, "silu": functional.silu,
                 "sigmoid": lib.sigmoid, "tanh": lib.tanh, "softplus": functional.softplus,
                 "logsigmoid": functional.logsigmoid}

    def case(function):
        def run():
            x.grad = None
            function(x).backward(upstream)
        return run

    return {name: case(functions[name]) for name in NAMES}


def measure(cases: dict, quick: bool) -> dict:
    repeat = 10 if quick else 100
    return {name: median_time(run, repeat=repeat, warmup=5) for name, run in cases.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description="activation forward+backward benchmark")
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    parser.add_argument("--quick", action="store_true", help="fewer repeats (smoke test)")
    args = parser.parse_args()

    torch = import_torch()
    ours = measure(make_cases(minigrad, F), args.quick)
    theirs = measure(make_cases(torch, torch.nn.functional), args.quick) if torch else {}

    rows = []
    for name, seconds in ours.items():
        row = [name, f"{seconds * 1e6:.0f}"]
        if name in theirs:
            row += [f"{theirs[name] * 1e6:.0f}", f"{seconds / theirs[name]:.2f}"]
        else:
            row += ["-", "-"]
        rows.append(row)
    version = torch.__version__ if torch is not None else "not installed"
    table = markdown_table(["activation", "minigrad µs", "PyTorch µs", "ratio"], rows)
    body = (f"`python benchmarks/activations.py --write` -- {machine_line()}; forward + backward "
            f"on a {SHAPE[0]}x{SHAPE[1]} float32 tensor; PyTorch {version} (default threads "
            f"for both).\n\n{table}")
    print(body)
    if args.write:
        write_section("Activations (forward + backward)", body)


if __name__ == "__main__":
    main()
