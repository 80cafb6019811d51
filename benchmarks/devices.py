"""Training-step time of five models on every device at hand, and the bandwidth of the CUDA
kernels.

    python benchmarks/devices.py [--write] [--quick]

Columns: minigrad on the CPU (NumPy), minigrad on CUDA (CuPy + kernels/), and PyTorch on the
CPU and on CUDA when it is importable (it is never a dependency).  A column whose device is
missing says so instead of a number.  Models (float32, one step = forward + cross-entropy +
zero_grad + backward + SGD with momentum 0.9; the same code builds the minigrad and the PyTorch
model, since the APIs match):

    MLP           batch 128 of 784: linear 784->256 - relu - linear 256->256 - relu - linear ->10
    LeNet         batch 64 of 1x28x28, the d2l LeNet-5 (sigmoid, average pooling)
    conv block    batch 32 and 128 of 64x32x32: two conv3x3(64->64) + relu, global average pool,
                  linear 64->10
    ResNet-18     batch 32 of 3x32x32: the ResNet-18 layout (conv3x3 stem, four stages of two
                  basic blocks with batch norm, widths 32-64-128-256), global average pool
    LSTM LM       batch 20, 35 steps, vocabulary 1000: embedding 128 - LSTM 256 - linear ->1000

Timing: ``warmup`` untimed steps, then the median of ``repeat`` steps, each ending with a device
synchronisation (a GPU step is only over when its kernels are).  ``--quick`` runs two timed steps
of each model: a smoke test, not a measurement.

With CUDA, the script also times each hand-written kernel (minigrad.cuda_kernels) on a
representative size and reports its achieved bandwidth (bytes read + written per second) next
to that of a device-to-device copy of the same number of bytes, the practical ceiling.

``--write`` puts the tables into the section "## Devices" of benchmarks/RESULTS.md (device names
and date included) and, when matplotlib is installed, a bar chart into benchmarks/devices.png.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
from common import HERE, import_torch, machine_line, markdown_table, write_section

import minigrad
from minigrad import backend, cuda_kernels
from minigrad.ops import conv, pool

# ---------------------------------------------------------------------------------------------
# Models, written once for both frameworks (``nn`` is minigrad.nn or torch.nn)
# ---------------------------------------------------------------------------------------------


def mlp(nn):
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                         nn.Linear(256, 10))


def lenet(nn):
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.Sigmoid(), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5), nn.Sigmoid(), nn.AvgPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10))


def conv_block(nn):
    return nn.Sequential(nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(),
                         nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def resnet18(nn):
    class BasicBlock(nn.Module):
        def __init__(self, channels_in, channels_out, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(channels_in, channels_out, 3, stride=stride, padding=1,
                                   bias=False)
            self.bn1 = nn.BatchNorm2d(channels_out)
            self.conv2 = nn.Conv2d(channels_out, channels_out, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(channels_out)
            self.relu = nn.ReLU()
            self.shortcut = nn.Sequential()
            if stride != 1 or channels_in != channels_out:
                self.shortcut = nn.Sequential(
                    nn.Conv2d(channels_in, channels_out, 1, stride=stride, bias=False),
                    nn.BatchNorm2d(channels_out))

        def forward(self, x):
            y = self.relu(self.bn1(self.conv1(x)))
            y = self.bn2(self.conv2(y))
            return self.relu(y + self.shortcut(x))

    layers = [nn.Conv2d(3, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU()]
    channels = 32
    for width, stride in ((32, 1), (64, 2), (128, 2), (256, 2)):
        layers += [BasicBlock(channels, width, stride), BasicBlock(width, width, 1)]
        channels = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, 10)]
    return nn.Sequential(*layers)


def lstm_lm(nn):
    class LanguageModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(1000, 128)
            self.lstm = nn.LSTM(128, 256)
            self.head = nn.Linear(256, 1000)

        def forward(self, tokens):
            out, _ = self.lstm(self.embedding(tokens))
            return self.head(out).reshape(-1, 1000)

    return LanguageModel()


# name, builder, input shape (None: tokens), number of classes
MODELS = [
    ("MLP (batch 128)", mlp, (128, 784), 10),
    ("LeNet (batch 64)", lenet, (64, 1, 28, 28), 10),
    ("conv block (batch 32)", conv_block, (32, 64, 32, 32), 10),
    ("conv block (batch 128)", conv_block, (128, 64, 32, 32), 10),
    ("ResNet-18 3x32x32 (batch 32)", resnet18, (32, 3, 32, 32), 10),
    ("LSTM LM (35 x 20, vocab 1000)", lstm_lm, None, 1000),
]
TOKENS = (35, 20)


# ---------------------------------------------------------------------------------------------
# One training step per framework and device
# ---------------------------------------------------------------------------------------------


def _inputs(shape, classes, seed=0):
    rng = np.random.default_rng(seed)
    if shape is None:
        x = rng.integers(0, classes, size=TOKENS)
        rows = TOKENS[0] * TOKENS[1]
    else:
        x = rng.standard_normal(shape).astype(np.float32)
        rows = shape[0]
    return x, rng.integers(0, classes, size=rows)


def minigrad_step(builder, shape, classes, device):
    """A function running one training step of the minigrad model on ``device``."""
    minigrad.manual_seed(0)
    model = builder(minigrad.nn).to(device)
    optimizer = minigrad.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = _inputs(shape, classes)
    x, y = minigrad.tensor(x, device=device), minigrad.tensor(y, device=device)

    def step():
        loss = minigrad.nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if device == "cuda":
            minigrad.cuda.synchronize()

    return step


def torch_step(torch, builder, shape, classes, device):
    """The same step in PyTorch."""
    torch.manual_seed(0)
    model = builder(torch.nn).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = _inputs(shape, classes)
    x, y = torch.as_tensor(x).to(device), torch.as_tensor(y).to(device)

    def step():
        loss = torch.nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if device == "cuda":
            torch.cuda.synchronize()

    return step


def median_ms(step, warmup: int, repeat: int) -> float:
    for _ in range(warmup):
        step()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        samples.append(time.perf_counter() - start)
    return 1000 * statistics.median(samples)


def columns(torch) -> list[tuple[str, object]]:
    """(column name, factory(builder, shape, classes) -> step, or a reason it is missing)."""
    cuda = minigrad.cuda.is_available()
    found = [("minigrad cpu", lambda *m: minigrad_step(*m, "cpu")),
             ("minigrad cuda", (lambda *m: minigrad_step(*m, "cuda")) if cuda else
              "CUDA unavailable")]
    if torch is None:
        found += [("PyTorch cpu", "PyTorch not installed"),
                  ("PyTorch cuda", "PyTorch not installed")]
    else:
        found += [("PyTorch cpu", lambda *m: torch_step(torch, *m, "cpu")),
                  ("PyTorch cuda", (lambda *m: torch_step(torch, *m, "cuda"))
                   if torch.cuda.is_available() else "CUDA unavailable")]
    return found


def step_table(quick: bool):
    torch = import_torch()
    warmup, repeat = (1, 2) if quick else (3, 15)
    cols = columns(torch)
    rows, chart = [], {}
    for name, builder, shape, classes in MODELS:
        row = [name]
        for column, factory in cols:
            if isinstance(factory, str):
                row.append("n/a")
                continue
            milliseconds = median_ms(factory(builder, shape, classes), warmup, repeat)
            row.append(f"{milliseconds:.1f}")
            chart.setdefault(column, []).append(milliseconds)
        rows.append(row)
        print(" | ".join(row), flush=True)
    notes = [f"{column}: {factory}" for column, factory in cols if isinstance(factory, str)]
    return markdown_table(["model (ms per training step)"] + [c for c, _ in cols], rows), \
        notes, chart


# ---------------------------------------------------------------------------------------------
# Kernel bandwidth (CUDA only)
# ---------------------------------------------------------------------------------------------


def _gpu_ms(function, repeat: int) -> float:
    cupy = backend.cupy_module()
    function()
    cupy.cuda.Device().synchronize()
    start, stop = cupy.cuda.Event(), cupy.cuda.Event()
    start.record()
    for _ in range(repeat):
        function()
    stop.record()
    stop.synchronize()
    return cupy.cuda.get_elapsed_time(start, stop) / repeat


def kernel_cases(cupy):
    """(kernel, function, bytes read + written) on representative float32 sizes."""
    f32 = np.float32
    x = cupy.random.standard_normal((128, 64, 32, 32), dtype=f32)
    geometry = conv.ConvGeometry((1, 1), (1, 1, 1, 1), (1, 1))
    cols = cuda_kernels.im2col(x, (3, 3), geometry, (32, 32))
    setup = pool._PoolSetup("max_pool2d", (32, 32), 2, 2, 0, 1, False)
    y, indices = cuda_kernels.max_pool2d_forward(x, (2, 2), (2, 2), (1, 1), (0, 0), (16, 16))
    act = cupy.random.standard_normal((128, 4 * 1024), dtype=f32)
    c = cupy.random.standard_normal((128, 1024), dtype=f32)
    h, c_new, k, m, f = cuda_kernels.lstm_cell_forward(act, c, True)
    logits = cupy.random.standard_normal((4096, 1000), dtype=f32)
    target = cupy.random.randint(0, 1000, size=4096)
    _, probs, _ = cuda_kernels.softmax_cross_entropy_forward(logits, target, None, -100, 0.0)
    param = cupy.random.standard_normal(4_000_000, dtype=f32)
    grad = cupy.random.standard_normal(4_000_000, dtype=f32)
    m1, v1, b1 = cupy.zeros_like(param), cupy.zeros_like(param), cupy.zeros_like(param)
    table = cupy.zeros((1000, 512), dtype=f32)
    positions = cupy.random.randint(0, 1000, size=8192)
    rows = cupy.random.standard_normal((8192, 512), dtype=f32)
    uniform = cupy.random.random(x.size, dtype=f32)
    n = x.nbytes
    return [
        ("im2col", lambda: cuda_kernels.im2col(x, (3, 3), geometry, (32, 32)), n + cols.nbytes),
        ("col2im", lambda: cuda_kernels.col2im(cols, (32, 32), geometry), cols.nbytes + n),
        ("max_pool2d forward", lambda: cuda_kernels.max_pool2d_forward(
            x, (2, 2), (2, 2), (1, 1), (0, 0), setup.out_size), n + y.nbytes + indices.nbytes),
        ("max_pool2d backward", lambda: cuda_kernels.max_pool2d_backward(y, indices, (32, 32)),
         y.nbytes + indices.nbytes + 2 * n),
        ("avg_pool2d forward", lambda: cuda_kernels.avg_pool2d_forward(
            x, (2, 2), (2, 2), (0, 0), (16, 16), 4), n + y.nbytes),
        ("lstm_cell forward", lambda: cuda_kernels.lstm_cell_forward(act, c, True),
         2 * act.nbytes + 5 * c.nbytes),
        ("lstm_cell backward", lambda: cuda_kernels.lstm_cell_backward(h, c_new, k, m, f),
         2 * m.nbytes + 5 * c.nbytes),
        ("softmax_cross_entropy forward", lambda: cuda_kernels.softmax_cross_entropy_forward(
            logits, target, None, -100, 0.0), 2 * logits.nbytes),
        ("softmax_cross_entropy backward", lambda: cuda_kernels.softmax_cross_entropy_backward(
            probs, target, None, -100, 0.0, 1.0), 2 * probs.nbytes),
        ("embedding_backward", lambda: cuda_kernels.embedding_backward(table, positions, rows),
         2 * rows.nbytes),
        ("dropout_mask", lambda: cuda_kernels.dropout_mask(uniform, 0.5, f32), 2 * n),
        ("sgd_step (momentum)", lambda: cuda_kernels.sgd_step(
            param, grad, b1, 0.01, 0.9, 0, 0, False, False, False), 5 * param.nbytes),
        ("adam_step", lambda: cuda_kernels.adam_step(
            param, grad, m1, v1, None, 10, 1e-3, (0.9, 0.999), 1e-8, 0, False, False, False),
         7 * param.nbytes),
    ]


def bandwidth_table(quick: bool) -> str:
    cupy = backend.cupy_module()
    repeat = 3 if quick else 50
    rows = []
    for name, function, moved in kernel_cases(cupy):
        milliseconds = _gpu_ms(function, repeat)
        source = cupy.empty(moved // 2, dtype=np.uint8)
        target = cupy.empty_like(source)
        copy_ms = _gpu_ms(lambda target=target, source=source: cupy.copyto(target, source),
                          repeat)
        achieved = moved / milliseconds / 1e6
        copy = 2 * source.nbytes / copy_ms / 1e6
        rows.append([name, f"{milliseconds:.3f}", f"{achieved:.0f}", f"{copy:.0f}",
                     f"{100 * achieved / copy:.0f}%"])
        print(" | ".join(rows[-1]), flush=True)
    return markdown_table(["kernel", "ms", "GB/s", "copy GB/s (same bytes)", "of copy"], rows)


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


def device_names(torch) -> str:
    names = [f"CPU: {machine_line()}"]
    cupy = backend.cupy_module()
    if cupy is not None:
        properties = cupy.cuda.runtime.getDeviceProperties(0)
        names.append(f"GPU: {properties['name'].decode()} (CuPy {cupy.__version__})")
    else:
        names.append("GPU: CUDA unavailable (no CuPy or no GPU): the cuda columns are n/a")
    if torch is not None:
        names.append(f"PyTorch {torch.__version__}")
    return "; ".join(names)


def bar_chart(chart: dict, path: str) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    names = [name for name, *_ in MODELS]
    figure, axes = plt.subplots(figsize=(10, 4.5))
    width = 0.8 / max(1, len(chart))
    for index, (column, values) in enumerate(chart.items()):
        positions = [i + index * width for i in range(len(values))]
        axes.bar(positions, values, width, label=column)
    axes.set_xticks([i + 0.4 - width / 2 for i in range(len(names))])
    axes.set_xticklabels(names, rotation=20, ha="right", fontsize=8)
    axes.set_yscale("log")
    axes.set_ylabel("ms per training step (log scale)")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write into RESULTS.md")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 timed steps")
    args = parser.parse_args()
    torch = import_torch()
    names = device_names(torch)
    print(names)
    table, notes, chart = step_table(args.quick)
    body = [f"`python benchmarks/devices.py{' --quick' if args.quick else ''}` -- {names}.",
            "", table]
    if notes:
        body += ["", "Missing columns: " + "; ".join(notes) + "."]
    if minigrad.cuda.is_available():
        body += ["", "Hand-written kernels (float32), achieved bandwidth against a "
                 "device-to-device copy of as many bytes:", "", bandwidth_table(args.quick)]
    else:
        print("CUDA unavailable: no kernel bandwidth measured")
    text = "\n".join(body)
    print(text)
    if args.write:
        write_section("Devices", text)
        if bar_chart(chart, os.path.join(HERE, "devices.png")):
            print("wrote benchmarks/devices.png")


if __name__ == "__main__":
    main()
