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
``--profile`` prints where the fused step spends its time (cProfile, top functions).
"""

from __future__ import annotations

import argparse

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--profile", action="store_true", help="profile the fused step")
    args = parser.parse_args()
    if args.profile:
        profile(minigrad_step(fused=True))
        return
    repeat, warmup = (5, 2) if args.quick else (30, 5)

    cases = {"minigrad fused": minigrad_step(fused=True),
             "minigrad composite": minigrad_step(fused=False)}
    torch = import_torch()
    if torch is not None:
        torch.set_num_threads(minigrad_threads())
        cases.update(torch_steps(torch))
    # Interleave the cases, round after round, so that a slow spell of the machine hits all.
    samples = {name: [] for name in cases}
    for _ in range(repeat):
        for name, step in cases.items():
            samples[name].append(median_time(step, repeat=1, warmup=warmup))
        warmup = 0
    times = {name: sorted(values)[len(values) // 2] for name, values in samples.items()}

    fused = times["minigrad fused"]
    rows = []
    for name, seconds in times.items():
        ratio = fused / times[name]
        target = TARGETS.get(name)
        verdict = "" if target is None else (" (target <= %.1f: %s)" %
                                              (target, "met" if ratio <= target else "missed"))
        rows.append([name, f"{seconds * 1e3:.1f} ms", f"{ratio:.2f}{verdict}"])
    table = markdown_table(["case", "median step", "minigrad fused / case"], rows)
    body = (f"`python benchmarks/lstm.py --write` -- {machine_line()}.\n\n"
            f"Embedding {VOCAB}->{EMBED}, LSTM hidden {HIDDEN}, {STEPS} steps, batch {BATCH}, "
            f"linear to {VOCAB}, cross-entropy over all steps, backward, SGD; float32, median of "
            f"{repeat} interleaved rounds.\n\n{table}\n")
    print(body)
    if args.write:
        write_section("LSTM language model step", body)


def minigrad_threads() -> int:
    """The BLAS threads NumPy uses (PyTorch gets as many, for a fair comparison)."""
    import os

    return int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 1))


if __name__ == "__main__":
    main()
