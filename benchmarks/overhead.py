"""Per-op overhead of the autograd core, against PyTorch in the same run when it is importable.

    python benchmarks/overhead.py [--write] [--quick]

Cases (float32):
    add        forward ``a + b`` on 4x4 tensors
    mul-sum    ``(a * b).sum().backward()`` on 4x4, gradients cleared each time
    chain-50   ``y = a``; 50 times ``y = y * b``; ``y.sum().backward()`` on 4x4
    mlp-step   MLP 784-256-256-10 (ReLU), batch 128, cross-entropy, backward, hand-written SGD

Targets (ratio minigrad / PyTorch): add <= 1.0, mul-sum <= 0.4, chain-50 <= 1.0, mlp-step <= 1.1.
"""

from __future__ import annotations

import argparse

from common import import_torch, machine_line, markdown_table, median_time, write_section

import minigrad
import minigrad.nn.functional as F

TARGETS = {"add": 1.0, "mul-sum": 0.4, "chain-50": 1.0, "mlp-step": 1.1}


def make_cases(lib, functional):
    """The four cases, written once: ``lib`` is minigrad or torch (the same API), ``functional``
    their ``nn.functional``."""
    lib.manual_seed(0)
    a = lib.randn(4, 4, requires_grad=True)
    b = lib.randn(4, 4, requires_grad=True)
    a_plain, b_plain = lib.randn(4, 4), lib.randn(4, 4)

    def add():
        return a_plain + b_plain

    def mul_sum():
        a.grad = None
        b.grad = None
        (a * b).sum().backward()

    def chain():
        a.grad = None
        b.grad = None
        y = a
        for _ in range(50):
            y = y * b
        y.sum().backward()

    sizes = [784, 256, 256, 10]
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params.append((lib.randn(fan_in, fan_out) * (2.0 / fan_in) ** 0.5).requires_grad_())
        params.append(lib.zeros(fan_out, requires_grad=True))
    x = lib.randn(128, 784)
    target = lib.randint(0, 10, (128,))

    def mlp_step():
        h = x
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i < len(params) - 2:
                h = h.relu()
        loss = functional.cross_entropy(h, target)
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= 0.01 * p.grad
                p.grad = None

    return {"add": add, "mul-sum": mul_sum, "chain-50": chain, "mlp-step": mlp_step}


def measure(cases, quick: bool) -> dict:
    repeats = {"add": (300, 100), "mul-sum": (300, 10), "chain-50": (100, 2), "mlp-step": (50, 1)}
    results = {}
    for name, function in cases.items():
        repeat, number = repeats[name]
        if quick:
            repeat = max(5, repeat // 10)
        results[name] = median_time(function, repeat=repeat, number=number, warmup=5)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="per-op overhead benchmark")
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    parser.add_argument("--quick", action="store_true", help="fewer repeats (smoke test)")
    args = parser.parse_args()

    torch = import_torch()
    ours = measure(make_cases(minigrad, F), args.quick)
    theirs = measure(make_cases(torch, torch.nn.functional), args.quick) if torch else {}

    rows = []
    for name, seconds in ours.items():
        row = [name, f"{seconds * 1e6:.1f}"]
        if name in theirs:
            ratio = seconds / theirs[name]
            verdict = "yes" if ratio <= TARGETS[name] else "no"
            row += [f"{theirs[name] * 1e6:.1f}", f"{ratio:.2f}", f"<= {TARGETS[name]}", verdict]
        else:
            row += ["-", "-", f"<= {TARGETS[name]}", "-"]
        rows.append(row)
    version = torch.__version__ if torch is not None else "not installed"
    table = markdown_table(["case", "minigrad µs", "PyTorch µs", "ratio", "target", "met"], rows)
    body = (f"`python benchmarks/overhead.py --write` -- {machine_line()}; PyTorch {version} "
            f"(default threads for both).\n\n{table}")
    print(body)
    if args.write:
        write_section("Per-op overhead", body)


if __name__ == "__main__":
    main()
