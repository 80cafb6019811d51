"""Training steps of two small convolutional networks, against PyTorch (CPU) in the same run when
it is importable.

    python benchmarks/conv.py [--write] [--quick] [--threads N ...] [--profile]

Models (float32, forward + cross-entropy + backward + a hand-written SGD update, lr 0.01):
    LeNet-5      batch 64 of 1x28x28: conv5x5(1->6, pad 2) - sigmoid - avgpool2 - conv5x5(6->16)
                 - sigmoid - avgpool2 - linear 400->120 - sigmoid - linear 120->84 - sigmoid -
                 linear 84->10 (the d2l LeNet)
    conv block   batch 32 of 64x32x32: conv3x3(64->64, pad 1) - relu - conv3x3(64->64, pad 1) -
                 relu - global average pool - linear 64->10

Step time: the median over interleaved rounds (a round of minigrad steps, then a round of PyTorch
steps, repeated), so that load from other processes hits both alike.  Each thread count
(``--threads``, default: the libraries' own default, then 1) runs in a fresh process whose BLAS
(OpenBLAS/MKL/OpenMP) and PyTorch use that many threads.  Peak memory: the growth of the
process's resident-set high-water mark during the steps, each framework measured in a fresh
subprocess, plus minigrad's traced NumPy peak (``tracemalloc``).

Targets (minigrad / PyTorch step time): LeNet <= 1.5, conv block <= 1.3.
``--profile`` prints where the minigrad conv-block step spends its time (cProfile).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc

import numpy
from common import import_torch, machine_line, markdown_table, write_section

import minigrad
import minigrad.nn.functional as F

LR = 0.01
TARGETS = {"LeNet-5": 1.5, "conv block": 1.3}
SHAPES = {"LeNet-5": (64, 1, 28, 28), "conv block": (32, 64, 32, 32)}


# ---------------------------------------------------------------------------------------------
# The models, in both frameworks (the same layer sequence)
# ---------------------------------------------------------------------------------------------


def lenet(library):
    return library.nn.Sequential(
        library.nn.Conv2d(1, 6, 5, padding=2), library.nn.Sigmoid(), library.nn.AvgPool2d(2),
        library.nn.Conv2d(6, 16, 5), library.nn.Sigmoid(), library.nn.AvgPool2d(2),
        library.nn.Flatten(),
        library.nn.Linear(400, 120), library.nn.Sigmoid(),
        library.nn.Linear(120, 84), library.nn.Sigmoid(),
        library.nn.Linear(84, 10))


def conv_block(library):
    return library.nn.Sequential(
        library.nn.Conv2d(64, 64, 3, padding=1), library.nn.ReLU(),
        library.nn.Conv2d(64, 64, 3, padding=1), library.nn.ReLU(),
        library.nn.AdaptiveAvgPool2d(1), library.nn.Flatten(),
        library.nn.Linear(64, 10))


MODELS = {"LeNet-5": lenet, "conv block": conv_block}


def minigrad_step(name: str):
    minigrad.manual_seed(0)
    model = MODELS[name](minigrad)
    params = list(model.parameters())
    x = minigrad.randn(*SHAPES[name])
    targets = minigrad.randint(0, 10, (SHAPES[name][0],))

    def step():
        for p in params:
            p.grad = None
        loss = F.cross_entropy(model(x), targets)
        loss.backward()
        with minigrad.no_grad():
            for p in params:
                p.sub_(p.grad, alpha=LR)  # hand-written SGD: p <- p - lr * grad

    return step


def torch_step(torch, name: str):
    torch.manual_seed(0)
    model = MODELS[name](torch)
    params = list(model.parameters())
    x = torch.randn(*SHAPES[name])
    targets = torch.randint(0, 10, (SHAPES[name][0],))

    def step():
        for p in params:
            p.grad = None
        loss = torch.nn.functional.cross_entropy(model(x), targets)
        loss.backward()
        with torch.no_grad():
            for p in params:
                p.sub_(p.grad, alpha=LR)

    return step


# ---------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------


def interleaved_medians(steps: dict, rounds: int, per_round: int, warmup: int) -> dict:
    """Median seconds per step of each callable, timing them round by round in turn."""
    for step in steps.values():
        for _ in range(warmup):
            step()
    samples = {label: [] for label in steps}
    for _ in range(rounds):
        for label, step in steps.items():
            for _ in range(per_round):
                start = time.perf_counter()
                step()
                samples[label].append(time.perf_counter() - start)
    return {label: statistics.median(values) for label, values in samples.items()}


def _max_rss_mib() -> float:
    """The resident-set high-water mark of this process.  /proc's VmHWM where it exists:
    ``ru_maxrss`` survives exec, so a child would inherit its parent's peak."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child_memory(framework: str, name: str) -> dict:
    """Run in a fresh process: resident-memory growth over 3 steps (and, for minigrad, the peak
    of NumPy allocations traced during one step)."""
    if framework == "torch":
        step = torch_step(import_torch(), name)
    else:
        step = minigrad_step(name)
    before = _max_rss_mib()
    for _ in range(3):
        step()
    result = {"rss_growth_mib": _max_rss_mib() - before}
    if framework == "minigrad":
        tracemalloc.start()
        step()
        result["traced_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2 ** 20
        tracemalloc.stop()
    return result


def measure_memory(framework: str, name: str) -> dict:
    command = [sys.executable, os.path.abspath(__file__), "--child-memory", framework, name]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def child_times(name: str, threads: int, quick: bool) -> dict:
    """Run in a fresh process: median step times of minigrad and (if present) PyTorch."""
    torch = import_torch()
    steps = {"minigrad": minigrad_step(name)}
    if torch is not None:
        if threads:
            torch.set_num_threads(threads)
        steps["torch"] = torch_step(torch, name)
    rounds, warmup = (2, 1) if quick else (15, 3)
    per_round = {"LeNet-5": 10, "conv block": 2}[name]
    medians = interleaved_medians(steps, rounds, per_round, warmup)
    medians["torch_threads"] = torch.get_num_threads() if torch is not None else None
    return medians


def measure_times(name: str, threads: int, quick: bool) -> dict:
    """child_times in a process whose thread pools have ``threads`` threads (0: default)."""
    environment = dict(os.environ)
    if threads:
        for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            environment[variable] = str(threads)
    command = [sys.executable, os.path.abspath(__file__), "--child-time", name, str(threads)]
    if quick:
        command.append("--quick")
    output = subprocess.run(command, check=True, capture_output=True, text=True,
                            env=environment).stdout
    return json.loads(output.strip().splitlines()[-1])


def profile(name: str) -> None:
    import cProfile
    import pstats

    step = minigrad_step(name)
    for _ in range(3):
        step()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(10):
        step()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


def table_for(threads: int, quick: bool, has_torch: bool) -> tuple[str, object]:
    rows, torch_threads = [], None
    for name in MODELS:
        medians = measure_times(name, threads, quick)
        torch_threads = medians.pop("torch_threads")
        memory = {framework: measure_memory(framework, name) for framework in medians}
        mine = medians["minigrad"]
        row = [name, f"{mine * 1e3:.2f}",
               f"{memory['minigrad']['rss_growth_mib']:.0f} "
               f"({memory['minigrad']['traced_peak_mib']:.0f} traced)"]
        if has_torch:
            ratio = mine / medians["torch"]
            verdict = "meets" if ratio <= TARGETS[name] else "misses"
            row += [f"{medians['torch'] * 1e3:.2f}", f"{memory['torch']['rss_growth_mib']:.0f}",
                    f"{ratio:.2f}", f"<= {TARGETS[name]} ({verdict})"]
        else:
            row += ["-", "-", "-", f"<= {TARGETS[name]}"]
        rows.append(row)
        print(" | ".join(row), flush=True)
    header = ["model", "minigrad ms/step", "minigrad peak MiB", "torch ms/step",
              "torch peak MiB", "ratio", "target"]
    return markdown_table(header, rows), torch_threads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke test)")
    parser.add_argument("--threads", type=int, nargs="+", default=[0, 1],
                        help="thread counts to measure (0: the libraries' default)")
    parser.add_argument("--profile", action="store_true", help="cProfile the conv-block step")
    parser.add_argument("--child-memory", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--child-time", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_memory:
        print(json.dumps(child_memory(*args.child_memory)))
        return
    if args.child_time:
        name, threads = args.child_time
        print(json.dumps(child_times(name, int(threads), args.quick)))
        return
    if args.profile:
        profile("conv block")
        return
    torch = import_torch()
    sections = []
    for threads in args.threads:
        table, torch_threads = table_for(threads, args.quick, torch is not None)
        label = "default threads" if threads == 0 else f"{threads} thread(s)"
        sections.append(f"{label} (PyTorch: {torch_threads} threads):\n\n{table}")
        print(sections[-1], flush=True)
    if args.write:
        version = torch.__version__ if torch is not None else "not installed"
        notes = (f"Machine: {machine_line()}; PyTorch {version}, NumPy {numpy.__version__}. "
                 f"Load average while measuring: {os.getloadavg()[0]:.1f}.\n\n"
                 "Step = forward + cross-entropy + backward + hand-written SGD update, float32; "
                 "median of interleaved rounds. Peak MiB: growth of the resident high-water mark "
                 "over 3 steps in a fresh process (minigrad: and the traced NumPy peak of one "
                 "step). Reproduce: `python benchmarks/conv.py --write`.\n\n"
                 "Where the gap comes from (`--profile`): every minigrad conv is im2col (one "
                 "strided copy, kh*kw times the input) plus one OpenBLAS GEMM, and keeps the "
                 "columns for the weight gradient (hence the memory); PyTorch runs oneDNN's "
                 "direct convolution with no such copy. The copies and the first-touch page "
                 "faults of these large temporaries, not Python overhead, make most of the "
                 "difference; in LeNet the Sigmoid op (ops/unary.py) is also a large share.")
        write_section("Convolution (LeNet-5, conv block)", "\n\n".join(sections + [notes]))


if __name__ == "__main__":
    main()
