"""Character-level language model on Jane Austen (RNN, GRU or LSTM), and a bidirectional tagger.

A language model gives every next character a probability, P(x_t | x_1 .. x_{t-1}); its
perplexity exp(mean negative log-likelihood) is the number of characters it is, on average, as
unsure between as a uniform guess would be (the untrained model: the vocabulary size).  The
recurrent state summarises the past, so training uses *truncated backpropagation through time*:
the novel is read as 64 parallel streams, the state is carried from one batch of 64 steps into
the next but detached there, so gradients flow back at most 64 characters.  Gradient clipping
bounds the step when a long product of Jacobians explodes.

    python examples/char_rnn.py [--cell rnn|gru|lstm] [--layers N] [--hidden 256]
                                [--epochs N] [--num-steps 64] [--temperatures 0.5 1.0 1.5]
                                [--bidirectional] [--device cuda] [--fast] [--out DIR]

Data: Pride and Prejudice (684,768 characters, bundled), the first 90% to train on and the last
10% (contiguous) as the validation split.  Model: Embedding(V, 64) -> RNN/GRU/LSTM -> Linear(H, V)
over a vocabulary of the 75 characters of the novel plus the 4 reserved tokens (V = 79), with
H = 256.  Training: 6 epochs of 150 batches of 64 x 64 characters, Adam with a cosine decay to 0
from lr 1e-2 (GRU, LSTM) or 6e-3 (the plain RNN, which trains worse at 1e-2), the gradient norm
clipped to 1.  The validation
perplexity is measured over the whole validation split, the state carried across it; then the
model writes text after the prompt "It is a truth" at temperatures 0.5, 1.0 and 1.5 (the logits
divided by the temperature: lower is safer, higher is wilder).  Saves
``char_rnn_<cell>_perplexity.png`` (train and validation perplexity per epoch) into --out.

A bidirectional language model would read the very character it should predict, so
``--bidirectional`` switches to a task where looking ahead is allowed and helps: *restoring
capital letters*.  The input is the lower-cased text, the model tags every character "upper" or
"not upper".  Reading left to right, the model meets "mr. darcy" at "m" without knowing whether
"my", "me" or "mr." follows; the bidirectional model has already read the rest of the word.  The
same network is trained with ``bidirectional=True`` and ``False`` for the same number of steps
and compared with the majority baseline (never upper), on accuracy and on F1 of the rare "upper"
tag (defaults: H = 128, windows of 64 characters, 3 epochs).  Saves
``char_rnn_tagging_<cell>.png`` (validation accuracy per epoch) and
``char_rnn_tagging_<cell>_heatmap.png`` (P(upper) per character of a validation passage).

Measured with the default settings, one run each (seed 0), on a 2-core machine shared with
other training jobs: validation perplexity rnn 3.71 (1.5 min wall), gru 3.34 (3.8 min), lstm
3.35 (5.8 min); the untrained model's is ~79.  CPU time 0.8, 1.8 and 2.2 min, about the wall
time on an idle machine.  Tagging (``--bidirectional``, LSTM, 2.3 min wall / 1.2 min CPU):
accuracy bidirectional 0.9984, left-to-right 0.9917, majority 0.9799; F1 of "upper" 0.960
vs 0.755 (majority 0): the left-to-right model misses a third of the capitals (recall 0.64).
"""

from __future__ import annotations

import math
import re
import time

import numpy as np
from common import make_parser, output_dir, report, seed_everything

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.data import DataLoader, TensorDataset, load_austen
from minigrad.optim import Adam
from minigrad.optim.lr_scheduler import CosineAnnealingLR
from minigrad.text import LanguageModelLoader, Vocab, perplexity, tokenize
from minigrad.utils import Progress
from minigrad.utils.plot import save_curves, save_heatmap

RNN_CLASSES = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
LEARNING_RATES = {"rnn": 6e-3, "gru": 1e-2, "lstm": 1e-2}
VALIDATION_FRACTION = 0.1
FAST_BATCHES = 30
VALIDATION_STREAMS = 8
FAST_CHARACTERS = 20_000  # --fast: train on this many characters, validate on a tenth of them


# ---------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------

class CharLM(nn.Module):
    """Characters (B, T) int64 -> next-character logits (B, T, V), and the recurrent state.

    Embedding(V, E) -> ``cell`` (RNN, GRU or LSTM; ``num_layers`` deep, batch_first) ->
    Linear(H, V).  ``forward(tokens, state=None)`` returns ``(logits, state)``: pass the state
    back in to continue the text where the last call stopped."""

    def __init__(self, vocab_size: int, cell: str, hidden_size: int, num_layers: int = 1,
                 embed_size: int = 64, dropout: float = 0.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = RNN_CLASSES[cell](embed_size, hidden_size, num_layers=num_layers,
                                     batch_first=True, dropout=dropout)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, tokens: minigrad.Tensor, state=None):
        outputs, state = self.rnn(self.embedding(tokens), state)
        return self.head(outputs), state


class CharTagger(nn.Module):
    """Characters (B, T) int64 -> tag logits (B, T, num_tags): Embedding(V, E) -> ``cell``
    (optionally bidirectional, then 2H features per step) -> Linear(D * H, num_tags)."""

    def __init__(self, vocab_size: int, cell: str, hidden_size: int, num_layers: int = 1,
                 bidirectional: bool = False, embed_size: int = 64, num_tags: int = 2):
        super().__init__()
        directions = 2 if bidirectional else 1
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = RNN_CLASSES[cell](embed_size, hidden_size, num_layers=num_layers,
                                     batch_first=True, bidirectional=bidirectional)
        self.head = nn.Linear(directions * hidden_size, num_tags)

    def forward(self, tokens: minigrad.Tensor) -> minigrad.Tensor:
        outputs, _ = self.rnn(self.embedding(tokens))
        return self.head(outputs)


def detach_state(state):
    """The recurrent state (a Tensor, or LSTM's (h, c)) cut off from the graph that made it:
    the next batch starts from these values, but backpropagation stops here (truncated BPTT)."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(part.detach() for part in state)
    return state.detach()


def count_parameters(model: nn.Module) -> int:
    return sum(param.numel() for param in model.parameters())


# ---------------------------------------------------------------------------------------------
# Language model: training, validation perplexity, sampling
# ---------------------------------------------------------------------------------------------

def train_lm_epoch(model: CharLM, loader, optimizer, scheduler, clip: float, desc: str,
                   max_batches: int | None = None) -> float:
    """One pass over a sequential loader with truncated BPTT; returns the mean training loss
    (nats per character)."""
    model.train()
    total = len(loader) if max_batches is None else min(len(loader), max_batches)
    bar = Progress(total=total, desc=desc)
    state = None
    for index, (inputs, targets) in enumerate(loader):
        if index >= total:
            break
        state = detach_state(state)      # keep the values, drop the graph of the last batch
        logits, state = model(inputs, state)
        vocab_size = logits.shape[-1]
        loss = F.cross_entropy(logits.reshape(-1, vocab_size), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=clip)
        optimizer.step()
        scheduler.step()
        bar.update(1, loss=loss.item())
    bar.close()
    return bar.metrics["loss"]


def validation_nll(model: CharLM, ids: list[int], device: str,
                   streams: int = VALIDATION_STREAMS) -> tuple[float, int]:
    """Mean negative log-likelihood (nats per character) of the model over ``ids``, and the
    number of characters scored.  The text is cut into ``streams`` contiguous pieces read side
    by side in one batch, each from start to end with its state carried along, so every
    character but the first of each piece (and the fewer than ``streams`` left over at the end)
    is scored, after all of the context before it in its piece."""
    model.eval()
    streams = max(1, min(streams, (len(ids) - 1) // 2))
    loader = LanguageModelLoader(ids, streams, (len(ids) - 1) // streams,
                                 partition="sequential", device=device)
    total, count, state = 0.0, 0, None
    with minigrad.no_grad():
        for inputs, targets in loader:
            logits, state = model(inputs, state)
            vocab_size = logits.shape[-1]
            total += F.cross_entropy(logits.reshape(-1, vocab_size), targets.reshape(-1),
                                     reduction="sum").item()
            count += targets.numel()
    model.train()
    if count == 0:
        raise ValueError(f"char_rnn: no characters to score among {len(ids)}")
    return total / count, count


def sample(model: CharLM, vocab: Vocab, prompt: str, length: int, temperature: float,
           rng: np.random.Generator, device: str) -> str:
    """``length`` characters drawn one at a time after ``prompt``, each from
    softmax(logits / temperature) over the characters of the vocabulary (the reserved tokens,
    which never occur in the text, are left out)."""
    model.eval()
    reserved = [vocab.pad, vocab.unk, vocab.bos, vocab.eos]
    characters = []
    with minigrad.no_grad():
        tokens = minigrad.tensor([vocab.encode(tokenize(prompt, "char"))]).to(device)
        logits, state = model(tokens)              # read the whole prompt
        for _ in range(length):
            scores = np.array(logits[0, -1].tolist(), dtype=np.float64) / temperature
            scores[reserved] = -np.inf
            probabilities = np.exp(scores - scores.max())
            probabilities /= probabilities.sum()
            index = int(rng.choice(len(probabilities), p=probabilities))
            characters.append(vocab.itos[index])
            logits, state = model(minigrad.tensor([[index]]).to(device), state)
    model.train()
    return "".join(characters)


def split_text(text: str, fast: bool) -> tuple[str, str]:
    """The first 90% of ``text`` and the last 10% (contiguous); --fast: 20,000 characters."""
    if fast:
        text = text[:FAST_CHARACTERS]
    boundary = int(len(text) * (1 - VALIDATION_FRACTION))
    return text[:boundary], text[boundary:]


def run_language_model(args) -> dict:
    train_text, validation_text = split_text(load_austen(args.book), args.fast)
    vocab = Vocab(tokenize(train_text + validation_text, "char"))
    train_ids = vocab.encode(tokenize(train_text, "char"))
    validation_ids = vocab.encode(tokenize(validation_text, "char"))
    loader = LanguageModelLoader(train_ids, args.batch_size, args.num_steps,
                                 partition="sequential", device=args.device)
    model = CharLM(len(vocab), args.cell, args.hidden, args.layers,
                   dropout=args.dropout).to(args.device)
    print(f"char-level {args.cell.upper()} LM on {args.book}: {len(train_ids):,} train / "
          f"{len(validation_ids):,} validation characters, vocabulary {len(vocab)}, "
          f"{args.layers} layer(s) of {args.hidden}, {count_parameters(model):,} parameters, "
          f"{len(loader)} batches of {args.batch_size} x {args.num_steps} per epoch, "
          f"device {args.device}")

    epochs = 1 if args.fast else args.epochs
    max_batches = FAST_BATCHES if args.fast else None
    steps = epochs * (len(loader) if max_batches is None else min(len(loader), max_batches))
    optimizer = Adam(model.parameters(), lr=args.lr)
    scheduler = CosineAnnealingLR(optimizer, T_max=steps)

    def validation_perplexity() -> float:
        nll, _ = validation_nll(model, validation_ids, args.device)
        return perplexity(nll)

    initial = validation_perplexity()
    print(f"untrained: validation perplexity {initial:.2f} (uniform guess: {len(vocab)})")
    curves = {"train perplexity": [], "validation perplexity": []}
    start = time.perf_counter()
    for epoch in range(epochs):
        train_loss = train_lm_epoch(model, loader, optimizer, scheduler, args.clip,
                                    f"epoch {epoch + 1}/{epochs}", max_batches)
        curves["train perplexity"].append(perplexity(train_loss))
        curves["validation perplexity"].append(validation_perplexity())
        print(f"epoch {epoch + 1}: train perplexity {curves['train perplexity'][-1]:.3f}, "
              f"validation perplexity {curves['validation perplexity'][-1]:.3f}", flush=True)
    seconds = time.perf_counter() - start

    rng = np.random.default_rng(args.seed)
    samples = {}
    for temperature in args.temperatures:
        samples[temperature] = sample(model, vocab, args.prompt, args.sample_length,
                                      temperature, rng, args.device)
        print(f"\n--- temperature {temperature} ---\n{args.prompt}{samples[temperature]}")
    print()

    path = output_dir(args) / f"char_rnn_{args.cell}_perplexity.png"
    title = f"char-level {args.cell.upper()} on {args.book} ({args.layers} x {args.hidden})"
    if save_curves(path, curves, title=title, ylabel="perplexity (characters)"):
        print(f"saved {path}")
    return {"mode": "lm", "cell": args.cell, "layers": args.layers, "hidden": args.hidden,
            "vocab_size": len(vocab), "epochs": epochs,
            "initial_validation_perplexity": initial,
            "train_perplexity": curves["train perplexity"][-1],
            "validation_perplexity": curves["validation perplexity"][-1],
            "train_seconds": seconds, "samples": samples}


# ---------------------------------------------------------------------------------------------
# --bidirectional: restoring capital letters, a tagging task where the right context helps
# ---------------------------------------------------------------------------------------------

def capital_windows(text: str, vocab: Vocab, length: int) -> TensorDataset:
    """Non-overlapping windows of ``length`` characters: the lower-cased characters (N, length)
    int64 and their tags (N, length) int64, 1 where the original character is upper case."""
    count = len(text) // length
    text = text[:count * length]
    ids = np.array(vocab.encode(tokenize(text.lower(), "char")), dtype=np.int64)
    tags = np.array([character.isupper() for character in text], dtype=np.int64)
    return TensorDataset(minigrad.tensor(ids.reshape(count, length)),
                         minigrad.tensor(tags.reshape(count, length)))


def tagging_scores(model: CharTagger, loader) -> dict[str, float]:
    """Mean cross-entropy ('loss') and accuracy over every character, and precision, recall
    and F1 of the tag "upper"."""
    model.eval()
    loss = 0.0
    correct = total = true_positive = predicted_upper = actual_upper = 0
    with minigrad.no_grad():
        for inputs, tags in loader:
            logits = model(inputs)
            loss += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tags.reshape(-1),
                                    reduction="sum").item()
            predicted = logits.argmax(dim=-1)
            correct += int((predicted == tags).sum().item())
            total += tags.numel()
            true_positive += int((predicted * tags).sum().item())
            predicted_upper += int(predicted.sum().item())
            actual_upper += int(tags.sum().item())
    model.train()
    precision = true_positive / max(predicted_upper, 1)
    recall = true_positive / max(actual_upper, 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return {"loss": loss / total, "acc": correct / total, "precision": precision,
            "recall": recall, "f1": f1}


def train_tagger(model: CharTagger, train_loader, validation_loader, epochs: int, args,
                 label: str) -> list[dict[str, float]]:
    """Adam with cosine decay and gradient clipping; the validation scores after each epoch."""
    max_batches = FAST_BATCHES if args.fast else None
    per_epoch = len(train_loader) if max_batches is None else min(len(train_loader),
                                                                  max_batches)
    optimizer = Adam(model.parameters(), lr=args.lr)
    scheduler = CosineAnnealingLR(optimizer, T_max=epochs * per_epoch)
    history = []
    for epoch in range(epochs):
        model.train()
        bar = Progress(total=per_epoch, desc=f"{label} epoch {epoch + 1}/{epochs}")
        for index, (inputs, tags) in enumerate(train_loader):
            if index >= per_epoch:
                break
            logits = model(inputs)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tags.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=args.clip)
            optimizer.step()
            scheduler.step()
            bar.update(1, loss=loss.item())
        bar.close()
        history.append(tagging_scores(model, validation_loader))
        scores = history[-1]
        print(f"{label} epoch {epoch + 1}: validation accuracy {scores['acc']:.4f}, "
              f"F1 of 'upper' {scores['f1']:.3f}", flush=True)
    return history


def upper_probabilities(model: CharTagger, vocab: Vocab, passage: str,
                        device: str) -> np.ndarray:
    """P(upper) for every character of ``passage`` (read lower-cased), shape (len(passage),)."""
    model.eval()
    with minigrad.no_grad():
        tokens = minigrad.tensor([vocab.encode(tokenize(passage.lower(), "char"))]).to(device)
        probabilities = F.softmax(model(tokens)[0], dim=-1)[:, 1]
    model.train()
    return np.array(probabilities.tolist())


def heatmap_passage(text: str, width: int = 70) -> str:
    """The first line of ``text`` (at most ``width`` characters) with a title in mid-sentence,
    such as "... another Mr. Collins": a lower-case letter or a comma, then "Mr." or "Mrs."
    and a name.  Read left to right, the "M" cannot be told from the "m" of "my" before the
    "r." after it is read.  The first line of ``text`` when there is no such line."""
    match = re.search(r"[a-z,] Mrs?\. [A-Z]", text)
    start = text.rfind("\n", 0, match.start()) + 1 if match else 0
    end = text.find("\n", match.end() if match else 0)
    end = len(text) if end < 0 else end
    return text[start:min(end, start + width)]


def run_tagging(args) -> dict:
    train_text, validation_text = split_text(load_austen(args.book), args.fast)
    vocab = Vocab(tokenize((train_text + validation_text).lower(), "char"))
    train_data = capital_windows(train_text, vocab, args.num_steps)
    validation_data = capital_windows(validation_text, vocab, args.num_steps)
    if args.device != "cpu":
        train_data = TensorDataset(*(t.to(args.device) for t in train_data.tensors))
        validation_data = TensorDataset(*(t.to(args.device) for t in validation_data.tensors))
    train_loader = DataLoader(train_data, batch_size=args.batch_size, shuffle=True)
    validation_loader = DataLoader(validation_data, batch_size=256)
    epochs = 1 if args.fast else args.epochs
    validation_tags = validation_data.tensors[1]
    majority = 1.0 - float(validation_tags.float().mean().item())
    print(f"restoring capitals with a {args.cell.upper()} tagger on {args.book}: "
          f"{len(train_data)} train / {len(validation_data)} validation windows of "
          f"{args.num_steps} characters; {100 * (1 - majority):.2f}% of the validation "
          f"characters are upper case, so the majority tag 'not upper' scores {majority:.4f}")

    results, models, curves = {}, {}, {}
    for name, bidirectional in (("bidirectional", True), ("unidirectional", False)):
        seed_everything(args.seed)
        model = CharTagger(len(vocab), args.cell, args.hidden, args.layers,
                           bidirectional=bidirectional).to(args.device)
        initial = tagging_scores(model, validation_loader)
        print(f"{name}: {count_parameters(model):,} parameters, untrained validation loss "
              f"{initial['loss']:.4f}")
        history = train_tagger(model, train_loader, validation_loader, epochs, args, name)
        results[name], models[name] = history[-1], model
        results[name]["initial_loss"] = initial["loss"]
        curves[f"{name} accuracy"] = [scores["acc"] for scores in history]
    curves["majority baseline"] = [majority] * epochs

    for name, scores in results.items():
        print(f"{name:>15}: accuracy {scores['acc']:.4f}, 'upper' precision "
              f"{scores['precision']:.3f} recall {scores['recall']:.3f} F1 {scores['f1']:.3f}")
    print(f"{'majority':>15}: accuracy {majority:.4f}, 'upper' F1 0")

    folder = output_dir(args)
    path = folder / f"char_rnn_tagging_{args.cell}.png"
    if save_curves(path, curves, title=f"restoring capitals ({args.cell.upper()} tagger)",
                   ylabel="validation accuracy"):
        print(f"saved {path}")
    passage = heatmap_passage(validation_text)
    truth = np.array([float(character.isupper()) for character in passage])
    matrix = np.stack([truth] + [upper_probabilities(models[name], vocab, passage, args.device)
                                 for name in ("unidirectional", "bidirectional")])
    path = folder / f"char_rnn_tagging_{args.cell}_heatmap.png"
    if save_heatmap(path, matrix, row_labels=["truth", "left-to-right", "bidirectional"],
                    col_labels=list(passage.lower()),
                    title="P(upper case) per character, read lower-cased"):
        print(f"saved {path}")
    return {"mode": "tagging", "cell": args.cell, "epochs": epochs,
            "majority_acc": majority,
            "bidirectional_acc": results["bidirectional"]["acc"],
            "unidirectional_acc": results["unidirectional"]["acc"],
            "bidirectional_upper_f1": results["bidirectional"]["f1"],
            "unidirectional_upper_f1": results["unidirectional"]["f1"],
            "bidirectional_validation_loss": results["bidirectional"]["loss"],
            "unidirectional_validation_loss": results["unidirectional"]["loss"],
            "bidirectional_initial_validation_loss": results["bidirectional"]["initial_loss"],
            "unidirectional_initial_validation_loss": results["unidirectional"]["initial_loss"],
            "passage": passage, "upper_probabilities": matrix}


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------

def main(argv=None) -> dict:
    parser = make_parser(__doc__.splitlines()[0], epochs=None, batch_size=64, lr=None, data=False)
    parser.add_argument("--cell", choices=tuple(RNN_CLASSES), default="lstm")
    parser.add_argument("--layers", type=int, default=1, help="stacked recurrent layers")
    parser.add_argument("--hidden", type=int, default=None,
                        help="hidden size (default 256, or 128 with --bidirectional)")
    parser.add_argument("--dropout", type=float, default=0.0,
                        help="dropout between stacked layers (with --layers > 1)")
    parser.add_argument("--num-steps", type=int, default=64,
                        help="characters per batch row: the truncated-BPTT length (tagging: "
                             "the window length)")
    parser.add_argument("--clip", type=float, default=1.0, help="max gradient norm")
    parser.add_argument("--book", default="prideprejudice", help="which Austen novel")
    parser.add_argument("--prompt", default="It is a truth")
    parser.add_argument("--sample-length", type=int, default=300)
    parser.add_argument("--temperatures", type=float, nargs="+", default=[0.5, 1.0, 1.5])
    parser.add_argument("--bidirectional", action="store_true",
                        help="the capital-letter tagging demo instead of the language model")
    args = parser.parse_args(argv)
    if args.hidden is None:
        args.hidden = 128 if args.bidirectional else 256
    if args.lr is None:  # the plain RNN is unstable at the rate the gated cells like best
        args.lr = LEARNING_RATES[args.cell]
    if args.epochs is None:
        args.epochs = 3 if args.bidirectional else 6
    if args.fast:  # a tiny model on small batches: enough steps to learn a little, in seconds
        args.hidden, args.sample_length = 32, min(args.sample_length, 40)
        args.batch_size, args.num_steps = min(args.batch_size, 16), min(args.num_steps, 32)
    seed_everything(args.seed)
    start = time.perf_counter()
    result = run_tagging(args) if args.bidirectional else run_language_model(args)
    result["seconds"] = time.perf_counter() - start
    report("char_rnn", {key: value for key, value in result.items()
                        if isinstance(value, (int, float, str)) and key != "passage"
                        and not (isinstance(value, float) and math.isnan(value))})
    return result


if __name__ == "__main__":
    main()
