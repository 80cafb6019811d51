"""One training step of a character-level LSTM language model, against PyTorch in the same run
when it is importable.

    python benchmarks/lstm.py [--write] [--quick] [--profile]

The model: Embedding(65 -> 64), LSTM(64 -> 256), Linear(256 -> 65); sequences of 35 characters,
batch 32, cross-entropy over all 35 x 32 predictions, backward, SGD update (lr 0.1).  float32.

Cases:
    minigrad fused       nn.LSTM (the default: fused gate op, one input matmul per sequence)
    minigrad composite   nn.LSTM(fused=False): the textbook cell from primitive ops
    torch nn.LSTM        PyTorch's own LSTM layer (one C++ call for the sequence)
    torch LSTMCell loop  PyTorch's nn.LSTMCell called in a Python loop over the 35 steps

Targets (minigrad fused / PyTorch): <= 1.5 against nn.LSTM, <= 0.8 against the LSTMCell loop.
Measured with the default number of BLAS threads (OPENBLAS_NUM_THREADS / OMP_NUM_THREADS, else
one per core) and again with one thread, each case in a process of its own (see ``measure``).
``--profile`` prints where the fused step spends its time (cProfile, top functions).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from common import import_torch, machine_line, markdown_table, median_time, write_section

import minigrad
import minigrad.nn.functional as F
from minigrad import nn

VOCAB, EMBED, HIDDEN, STEPS, BATCH = 65, 64, 256, 35, 32
TARGETS = {"torch nn.LSTM": 1.5, "torch LSTMCell loop": 0.8}


class CharModel(nn.Module):
    def __init__(self, fused: bool):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, EMBED)
        self.lstm = nn.LSTM(EMBED, HIDDEN, fused=fused)
        self.decoder = nn.Linear(HIDDEN, VOCAB)

    def forward(self, tokens):
        output, _ = self.lstm(self.embedding(tokens))  # (STEPS, BATCH, HIDDEN)
        return self.decoder(output.reshape(STEPS * BATCH, HIDDEN))


def minigrad_step(fused: bool):
    minigrad.manual_seed(0)
    model = CharModel(fused)
    optimizer = minigrad.optim.SGD(model.parameters(), lr=0.1)
    tokens = minigrad.randint(0, VOCAB, (STEPS, BATCH))
    targets = minigrad.randint(0, VOCAB, (STEPS * BATCH,))

    def step():
        optimizer.zero_grad()
        loss = F.cross_entropy(model(tokens), targets)
        loss.backward()
        optimizer.step()

    return step


def torch_steps(torch):
    torch.manual_seed(0)
    tokens = torch.randint(0, VOCAB, (STEPS, BATCH))
    targets = torch.randint(0, VOCAB, (STEPS * BATCH,))

    embedding = torch.nn.Embedding(VOCAB, EMBED)
    lstm = torch.nn.LSTM(EMBED, HIDDEN)
    decoder = torch.nn.Linear(HIDDEN, VOCAB)
    layer_params = [*embedding.parameters(), *lstm.parameters(), *decoder.parameters()]
    layer_optimizer = torch.optim.SGD(layer_params, lr=0.1)

    def layer_step():
        layer_optimizer.zero_grad()
        output, _ = lstm(embedding(tokens))
        logits = decoder(output.reshape(STEPS * BATCH, HIDDEN))
        torch.nn.functional.cross_entropy(logits, targets).backward()
        layer_optimizer.step()

    cell = torch.nn.LSTMCell(EMBED, HIDDEN)
    cell_params = [*embedding.parameters(), *cell.parameters(), *decoder.parameters()]
    cell_optimizer = torch.optim.SGD(cell_params, lr=0.1)

    def cell_step():
        cell_optimizer.zero_grad()
        inputs = embedding(tokens)
        h = torch.zeros(BATCH, HIDDEN)
        c = torch.zeros(BATCH, HIDDEN)
        outputs = []
        for t in range(STEPS):
            h, c = cell(inputs[t], (h, c))
            outputs.append(h)
        logits = decoder(torch.stack(outputs).reshape(STEPS * BATCH, HIDDEN))
        torch.nn.functional.cross_entropy(logits, targets).backward()
        cell_optimizer.step()

    return {"torch nn.LSTM": layer_step, "torch LSTMCell loop": cell_step}


def profile(step) -> None:
    import cProfile
    import pstats

    for _ in range(3):
        step()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(10):
        step()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def make_cases() -> dict:
    cases = {"minigrad fused": lambda: minigrad_step(fused=True),
             "minigrad composite": lambda: minigrad_step(fused=False)}
    torch = import_torch()
    if torch is not None:
        cases["torch nn.LSTM"] = lambda: torch_steps(torch)["torch nn.LSTM"]
        cases["torch LSTMCell loop"] = lambda: torch_steps(torch)["torch LSTMCell loop"]
    return cases


def measure_one(name: str, repeat: int, warmup: int) -> float:
    """Median seconds per step of one case, in this process."""
    torch = import_torch()
    if torch is not None:
        torch.set_num_threads(minigrad_threads())
    step = make_cases()[name]()
    return median_time(step, repeat=repeat, warmup=warmup)


def measure(repeat: int, warmup: int, threads: int, rounds: int) -> dict:
    """Median seconds per step of every case with ``threads`` BLAS threads.

    Each case runs in a process of its own: NumPy's OpenBLAS and PyTorch's OpenMP threads
    spin-wait for a while after each call, so in one process each library's idle threads slow
    the other down on a small machine.  The cases alternate, round after round, so that a slow
    spell of a shared machine hits them all alike; the result is the median over rounds.
    """
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    samples = {name: [] for name in make_cases()}
    for _ in range(rounds):
        for name in samples:
            command = [sys.executable, os.path.abspath(__file__), "--case", name,
                       "--repeat", str(repeat), "--warmup", str(warmup)]
            child = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
            samples[name].append(float(child.stdout.strip().splitlines()[-1]))
    return {name: sorted(values)[len(values) // 2] for name, values in samples.items()}


def phases(repeat: int) -> dict:
    """Where the fused step spends its time: median ms of forward, backward and SGD update."""
    minigrad.manual_seed(0)
    model = CharModel(fused=True)
    optimizer = minigrad.optim.SGD(model.parameters(), lr=0.1)
    tokens = minigrad.randint(0, VOCAB, (STEPS, BATCH))
    targets = minigrad.randint(0, VOCAB, (STEPS * BATCH,))
    samples = {"forward + loss": [], "backward": [], "zero_grad + SGD step": []}
    for _ in range(repeat + 3):
        start = time.perf_counter()
        loss = F.cross_entropy(model(tokens), targets)
        middle = time.perf_counter()
        loss.backward()
        end = time.perf_counter()
        optimizer.step()
        optimizer.zero_grad()
        samples["forward + loss"].append(middle - start)
        samples["backward"].append(end - middle)
        samples["zero_grad + SGD step"].append(time.perf_counter() - end)
    return {name: sorted(values[3:])[repeat // 2] for name, values in samples.items()}


def table_for(times: dict, threads: int) -> str:
    fused = times["minigrad fused"]
    rows = []
    for name, seconds in times.items():
        ratio = fused / seconds
        target = TARGETS.get(name)
        verdict = ""
        if target is not None:
            verdict = f" (target <= {target}: {'met' if ratio <= target else 'missed'})"
        rows.append([name, f"{seconds * 1e3:.1f} ms", f"{ratio:.2f}{verdict}"])
    return markdown_table([f"case, {threads} BLAS thread(s)", "median step",
                           "minigrad fused / case"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--profile", action="store_true", help="profile the fused step")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # child process: one case
    parser.add_argument("--repeat", type=int, default=15, help=argparse.SUPPRESS)
    parser.add_argument("--warmup", type=int, default=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(measure_one(args.case, args.repeat, args.warmup))
        return
    if args.profile:
        profile(minigrad_step(fused=True))
        return
    repeat, rounds = (5, 1) if args.quick else (15, 3)

    threads = minigrad_threads()
    tables = [table_for(measure(repeat, 5, threads, rounds), threads)]
    if threads != 1:
        tables.append(table_for(measure(repeat, 5, 1, rounds), 1))
    split = phases(repeat)
    breakdown = ", ".join(f"{name} {seconds * 1e3:.1f} ms" for name, seconds in split.items())
    body = (f"`python benchmarks/lstm.py --write` -- {machine_line()}.\n\n"
            f"Embedding {VOCAB}->{EMBED}, LSTM hidden {HIDDEN}, {STEPS} steps, batch {BATCH}, "
            f"linear to {VOCAB}, cross-entropy over all steps, backward, SGD; float32.  Each "
            f"case runs in its own process ({repeat} steps after 5 warm-up steps, median), the "
            f"cases alternating for {rounds} round(s), median over rounds; PyTorch gets as many "
            f"threads as NumPy's BLAS.\n\n"
            + "\n\n".join(tables)
            + f"\n\nminigrad fused, {threads} thread(s), medians: {breakdown}.\n")
    print(body)
    if args.write:
        write_section("LSTM language model step", body)


def minigrad_threads() -> int:
    """The BLAS threads NumPy uses (PyTorch gets as many, for a fair comparison): set with
    OPENBLAS_NUM_THREADS / OMP_NUM_THREADS, else one per core."""
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if os.environ.get(name):
            return int(os.environ[name])
    return os.cpu_count() or 1


if __name__ == "__main__":
    main()
