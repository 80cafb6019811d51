"""One optimizer step on a model of 1,000,000 float32 parameters, for every optimizer, against
PyTorch's optimizers in the same run when PyTorch is importable.

    python benchmarks/optim_step.py [--write] [--quick]

The "model" is three parameters, (600, 1000) + (1000,) + (399, 1000) = 1,000,000 floats, with
fixed random gradients.  Each optimizer first takes 3 steps (creating its state), then:

    time      the median of the step's wall time over interleaved rounds (microseconds)
    minigrad  bytes allocated during one step: tracemalloc's peak minus the memory in use
              before the step (NumPy reports its array allocations to tracemalloc)
    torch     bytes allocated by the step's operators, summed (torch.profiler with
              profile_memory; PyTorch's allocator is invisible to tracemalloc)

Target: no per-step allocation proportional to the model beyond the optimizer's own state,
i.e. a few hundred bytes of Python objects, not megabytes.  NumPy's element-wise operations run
on one thread, so PyTorch gets one thread too (``--threads N`` to change it).
"""

from __future__ import annotations

import argparse
import tracemalloc

import numpy as np
from common import import_torch, machine_line, markdown_table, median_time, write_section

import minigrad

SHAPES = [(600, 1000), (1000,), (399, 1000)]

# name -> (minigrad/torch class name, keyword arguments): the same on both sides.
CASES = {
    "SGD": ("SGD", dict(lr=0.01)),
    "SGD momentum": ("SGD", dict(lr=0.01, momentum=0.9)),
    "SGD Nesterov + wd": ("SGD", dict(lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-4)),
    "Adagrad": ("Adagrad", dict(lr=0.01)),
    "Adadelta": ("Adadelta", dict()),
    "RMSprop": ("RMSprop", dict(lr=0.01)),
    "RMSprop centered + momentum": ("RMSprop", dict(lr=0.01, centered=True, momentum=0.9)),
    "Adam": ("Adam", dict(lr=1e-3)),
    "Adam amsgrad + wd": ("Adam", dict(lr=1e-3, amsgrad=True, weight_decay=1e-4)),
    "AdamW": ("AdamW", dict(lr=1e-3)),
}


def gradients() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.standard_normal(shape).astype(np.float32) for shape in SHAPES]


def minigrad_optimizer(class_name: str, options: dict):
    params = []
    for grad in gradients():
        param = minigrad.zeros(*grad.shape, requires_grad=True)
        param.grad = minigrad.tensor(grad)
        params.append(param)
    optimizer = getattr(minigrad.optim, class_name)(params, **options)
    for _ in range(3):
        optimizer.step()
    return optimizer


def torch_optimizer(torch, class_name: str, options: dict):
    params = []
    for grad in gradients():
        param = torch.zeros(grad.shape, requires_grad=True)
        param.grad = torch.from_numpy(grad)
        params.append(param)
    optimizer = getattr(torch.optim, class_name)(params, **options)
    for _ in range(3):
        optimizer.step()
    return optimizer


def minigrad_bytes(optimizer) -> int:
    """tracemalloc peak minus baseline during one step."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        baseline = tracemalloc.get_traced_memory()[0]
        optimizer.step()
        return tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()


def torch_bytes(torch, optimizer) -> int:
    """Bytes allocated by the operators of one step (the profiler's memory accounting)."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as profiler:
        optimizer.step()
    return sum(event.cpu_memory_usage for event in profiler.events()
               if event.cpu_memory_usage > 0)


def state_bytes(optimizer) -> int:
    return sum(value.data.nbytes for values in optimizer.state.values()
               for key, value in values.items() if key != "step")


def work_bytes(optimizer) -> int:
    """The reusable scratch arrays (each as large as the largest parameter), made once."""
    return sum(array.nbytes for array in optimizer._work.values())


def readable(count: int) -> str:
    if count >= 1 << 20:
        return f"{count / (1 << 20):.1f} MiB"
    if count >= 1 << 10:
        return f"{count / (1 << 10):.1f} KiB"
    return f"{count} B"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--threads", type=int, default=1, help="PyTorch's threads (default 1)")
    args = parser.parse_args()
    rounds = 5 if args.quick else 25

    torch = import_torch()
    threads = args.threads
    if torch is not None:
        torch.set_num_threads(threads)

    optimizers = {}
    for name, (class_name, options) in CASES.items():
        optimizers[("minigrad", name)] = minigrad_optimizer(class_name, options)
        if torch is not None:
            optimizers[("torch", name)] = torch_optimizer(torch, class_name, options)

    # Interleave the cases, round after round, so that a slow spell of the machine hits all.
    samples = {key: [] for key in optimizers}
    for _ in range(rounds):
        for key, optimizer in optimizers.items():
            samples[key].append(median_time(optimizer.step, repeat=3, warmup=1))
    times = {key: sorted(values)[len(values) // 2] for key, values in samples.items()}

    rows = []
    for name in CASES:
        ours = optimizers[("minigrad", name)]
        row = [name, f"{times[('minigrad', name)] * 1e6:,.0f}", readable(minigrad_bytes(ours)),
               readable(state_bytes(ours)), readable(work_bytes(ours))]
        if torch is not None:
            theirs = optimizers[("torch", name)]
            row += [f"{times[('torch', name)] * 1e6:,.0f}",
                    readable(torch_bytes(torch, theirs)),
                    f"{times[('minigrad', name)] / times[('torch', name)]:.2f}"]
        rows.append(row)
    header = ["optimizer", "minigrad µs/step", "minigrad bytes allocated/step", "state",
              "work arrays"]
    if torch is not None:
        header += [f"torch µs/step ({threads} thread(s))", "torch bytes allocated/step",
                   "minigrad / torch time"]
    table = markdown_table(header, rows)
    versions = f"NumPy {np.__version__}" + ("" if torch is None else
                                            f", PyTorch {torch.__version__}")
    body = (f"`python benchmarks/optim_step.py --write` -- {machine_line()}; {versions}.\n\n"
            f"One `optimizer.step()` on 1,000,000 float32 parameters (3 tensors: 600x1000, 1000, "
            f"399x1000), after 3 warm-up steps; median of {rounds} interleaved rounds.  "
            "minigrad bytes: tracemalloc peak minus baseline during the step; torch bytes: "
            "sum of the step's operator allocations (torch.profiler).  state: the optimizer's "
            "own buffers (3.8 MiB per model-sized buffer); work arrays: minigrad's scratch "
            "arrays for intermediate results, made at the first step and reused (each as large "
            "as the largest parameter, 2.3 MiB here).\n\n"
            f"{table}\n")
    print(body)
    if args.write:
        write_section("Optimizer step (1M parameters)", body)


if __name__ == "__main__":
    main()
