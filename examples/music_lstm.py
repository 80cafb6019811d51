"""LSTM composer: learn Bach's chorale melodies note by note, then write a new one as MIDI.

A melody is a sequence of events -- a note or a rest, with a duration -- and, like a sentence,
it can be modelled one step at a time: P(event_t | event_1 .. event_t-1).  An LSTM reads the
melody so far and its state carries what matters from further back (the key, where the phrase
is going); a softmax over the next pitch and another over the next duration give the
probabilities.  Sampling from them, one event at a time and feeding each back in, composes a
new melody: the temperature divides the logits (below 1: safer, above 1: wilder).

    python examples/music_lstm.py [--epochs 20] [--hidden 256] [--layers 1] [--augment 1]
                                  [--temperature 0.9] [--device cuda] [--fast] [--out DIR]

Data: the soprano lines of 401 Bach chorales (``minigrad.data.chorales``, bundled), split by
tune into 336 train and 65 test melodies, so no test melody is another harmonisation of a tune
seen in training.  Every melody is transposed to C major / A minor first (``Chorale.in_c()``):
the model learns scale degrees, not 12 copies of each pattern.  ``--augment 1`` (the default)
also trains on copies a semitone higher and lower -- more intervals and rhythms to learn from,
against over-fitting 336 melodies.

Tokens: each event is (pitch, duration, fermata), and the model has one embedding and one
output head for each -- a separate softmax per field instead of one over all (pitch, duration)
pairs, which would be 48 x 10 = 480 classes, most too rare to learn.  Pitch: one of 48 MIDI
notes (C3..B6), a rest, or END (the melody is over).  Duration: one of ten values from a
semiquaver to two bars (0.25 .. 8 quarter notes; 0.2% of the events, such as long rests while
instruments play, are rounded to the nearest).  Fermata: the phrase ends here, or not.  The
input at each step also says where in the bar the *next* event starts (on a sixteenth-note
grid): a composer writing note by note knows that from the durations so far, and it is where
cadences fall (on a validation split of the training tunes the loss was 2.34 without it,
2.17 with it).  The loss is the sum
of the three cross-entropies.  The composition starts on the first note of a training melody
(so in C major or A minor) on a one-beat upbeat, the most common opening.

Measured with the default settings (20 epochs, one LSTM layer of 256; one run on a 2-core
machine shared with other training jobs: 2 min 56 s wall, 67 s of CPU time): next-pitch
accuracy on the 3,772 events of the test chorales 0.511, against 0.134 for always the most
frequent pitch, 0.160 for repeating the last pitch and 0.393 for the bigram rule (the most
frequent next pitch after the current one, counted on the training melodies); next duration
0.798 (most frequent 0.678, bigram 0.734); pitch and duration both right 0.404.  The test loss
is lowest around epoch 12 (2.30; 2.34 at the end) while the train loss keeps falling: 336
melodies are few.  Writes ``music_lstm_generated.mid`` (the composed melody, church organ, 80
bpm), ``music_lstm_bach.mid`` (a test chorale, in C, to compare), ``music_lstm_pianoroll.png``
(both as piano rolls: composed on top), ``music_lstm_predictions.png`` (the model's next-pitch
probabilities along that chorale) and ``music_lstm_loss.png`` (with matplotlib) into --out.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from common import make_parser, output_dir, report, seed_everything
from midi import REST, melody_notes, read_midi, write_midi

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.data.chorales import Chorale, load_chorales
from minigrad.optim import Adam
from minigrad.optim.lr_scheduler import CosineAnnealingLR
from minigrad.utils import Progress
from minigrad.utils.plot import save_curves, save_heatmap
from minigrad.utils.png import write_png

# Pitch tokens: START (input only), END (output only), REST, then MIDI notes C3 (48) .. B6 (95).
START, END, REST_TOKEN = 0, 1, 2
LOWEST, HIGHEST = 48, 95
PITCH_TOKENS = 3 + HIGHEST - LOWEST + 1
# Duration tokens: the ten values, then START_DURATION for the first input step.
DURATIONS = np.array([0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0])
START_DURATION = len(DURATIONS)
POSITIONS = 24          # sixteenth-note slots in a bar of up to six quarter notes
IGNORE = -100           # targets that are not scored (padding; duration and fermata of END)
NOTE_NAMES = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B"]
FAST_CHORALES = 24


# ---------------------------------------------------------------------------------------------
# Melodies as token sequences
# ---------------------------------------------------------------------------------------------

def pitch_token(pitch: int) -> int:
    if pitch == REST:
        return REST_TOKEN
    if not LOWEST <= pitch <= HIGHEST:
        raise ValueError(f"music_lstm: pitch {pitch} is outside MIDI {LOWEST}..{HIGHEST}")
    return 3 + pitch - LOWEST


def token_pitch(token: int) -> int:
    """The MIDI pitch (or REST) of a pitch token other than START and END."""
    return REST if token == REST_TOKEN else token - 3 + LOWEST


def duration_token(duration: float) -> int:
    """The nearest of DURATIONS, measured in octaves (a log scale): 5 -> 6, 0.125 -> 0.25."""
    return int(np.argmin(np.abs(np.log2(DURATIONS) - math.log2(duration))))


def position_slot(position: float) -> int:
    return min(int(round(position * 4)), POSITIONS - 1)


def note_name(pitch: int) -> str:
    return "rest" if pitch == REST else f"{NOTE_NAMES[pitch % 12]}{pitch // 12 - 1}"


@dataclass
class Encoded:
    """One melody of n events as n + 1 steps: the input at step t is event t - 1 (START at
    t = 0) and where event t begins; the targets are event t (END at t = n)."""

    pitch_in: np.ndarray
    duration_in: np.ndarray
    fermata_in: np.ndarray
    position_in: np.ndarray
    pitch_out: np.ndarray
    duration_out: np.ndarray
    fermata_out: np.ndarray


def encode(chorale: Chorale) -> Encoded:
    pitches = [pitch_token(int(pitch)) for pitch in chorale.pitches]
    durations = [duration_token(float(duration)) for duration in chorale.durations]
    fermatas = chorale.fermatas.astype(np.int64).tolist()
    bar_length = 4.0 * chorale.time_signature[0] / chorale.time_signature[1]
    end_position = (chorale.bar_positions[-1] + chorale.durations[-1]) % bar_length
    positions = [position_slot(p) for p in chorale.bar_positions] + [position_slot(end_position)]
    return Encoded(
        pitch_in=np.array([START] + pitches), duration_in=np.array([START_DURATION] + durations),
        fermata_in=np.array([0] + fermatas), position_in=np.array(positions),
        pitch_out=np.array(pitches + [END]), duration_out=np.array(durations + [IGNORE]),
        fermata_out=np.array(fermatas + [IGNORE]))


FIELDS = ("pitch_in", "duration_in", "fermata_in", "position_in", "pitch_out", "duration_out",
          "fermata_out")


def batches(encoded: list[Encoded], batch_size: int, rng: np.random.Generator | None,
            device: str) -> list[dict[str, minigrad.Tensor]]:
    """Minibatches of melodies of similar length (sorted by length, cut into groups, the
    groups shuffled when ``rng`` is given), each field padded to the longest melody of its
    group: inputs with 0, targets with IGNORE so the padding is never scored."""
    order = sorted(range(len(encoded)), key=lambda index: len(encoded[index].pitch_in))
    groups = [order[start:start + batch_size] for start in range(0, len(order), batch_size)]
    if rng is not None:
        rng.shuffle(groups)
    result = []
    for group in groups:
        length = max(len(encoded[index].pitch_in) for index in group)
        batch = {}
        for name in FIELDS:
            fill = IGNORE if name.endswith("_out") else 0
            array = np.full((len(group), length), fill, dtype=np.int64)
            for row, index in enumerate(group):
                values = getattr(encoded[index], name)
                array[row, :len(values)] = values
            batch[name] = minigrad.tensor(array).to(device)
        result.append(batch)
    return result


# ---------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------

class MelodyLSTM(nn.Module):
    """Event fields (B, T) int64 -> logits for the next pitch (B, T, PITCH_TOKENS), duration
    (B, T, 10) and fermata (B, T, 2), and the LSTM state.

    The four input fields are embedded separately and concatenated, read by an LSTM (``layers``
    deep), and three linear heads read its output.  ``forward(batch, state=None)`` takes a dict
    with the ``*_in`` fields; pass ``state`` back in to continue a melody step by step."""

    def __init__(self, hidden_size: int, num_layers: int = 1, dropout: float = 0.0):
        super().__init__()
        self.pitch_embedding = nn.Embedding(PITCH_TOKENS, 32)
        self.duration_embedding = nn.Embedding(len(DURATIONS) + 1, 16)
        self.fermata_embedding = nn.Embedding(2, 4)
        self.position_embedding = nn.Embedding(POSITIONS, 12)
        self.lstm = nn.LSTM(32 + 16 + 4 + 12, hidden_size, num_layers=num_layers,
                            batch_first=True, dropout=dropout if num_layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.pitch_head = nn.Linear(hidden_size, PITCH_TOKENS)
        self.duration_head = nn.Linear(hidden_size, len(DURATIONS))
        self.fermata_head = nn.Linear(hidden_size, 2)

    def forward(self, batch: dict[str, minigrad.Tensor], state=None):
        inputs = minigrad.cat([self.pitch_embedding(batch["pitch_in"]),
                               self.duration_embedding(batch["duration_in"]),
                               self.fermata_embedding(batch["fermata_in"]),
                               self.position_embedding(batch["position_in"])], dim=-1)
        outputs, state = self.lstm(inputs, state)
        outputs = self.dropout(outputs)
        logits = {"pitch": self.pitch_head(outputs), "duration": self.duration_head(outputs),
                  "fermata": self.fermata_head(outputs)}
        return logits, state


def flat_loss(logits: minigrad.Tensor, targets: minigrad.Tensor,
              reduction: str = "mean") -> minigrad.Tensor:
    """Cross-entropy of (B, T, C) logits against (B, T) targets, IGNORE entries left out."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                           ignore_index=IGNORE, reduction=reduction)


def total_loss(logits: dict, batch: dict) -> minigrad.Tensor:
    return (flat_loss(logits["pitch"], batch["pitch_out"])
            + flat_loss(logits["duration"], batch["duration_out"])
            + flat_loss(logits["fermata"], batch["fermata_out"]))


# ---------------------------------------------------------------------------------------------
# Scores: the model and the baselines, on the same events
# ---------------------------------------------------------------------------------------------

def evaluate(model: MelodyLSTM, data: list[dict]) -> dict[str, float]:
    """Over every event of the melodies (END excluded): accuracy of the most likely pitch, of
    the most likely duration, of both at once, and the mean loss per step (END included)."""
    model.eval()
    counts = {"pitch": 0, "duration": 0, "both": 0, "events": 0}
    loss_sum, steps = 0.0, 0
    with minigrad.no_grad():
        for batch in data:
            logits, _ = model(batch)
            pitch_out = batch["pitch_out"].cpu().numpy()
            duration_out = batch["duration_out"].cpu().numpy()
            events = duration_out != IGNORE          # real events: not END, not padding
            best_pitch = logits["pitch"].argmax(dim=-1).cpu().numpy()
            best_duration = logits["duration"].argmax(dim=-1).cpu().numpy()
            pitch_right = (best_pitch == pitch_out) & events
            duration_right = (best_duration == duration_out) & events
            counts["pitch"] += int(pitch_right.sum())
            counts["duration"] += int(duration_right.sum())
            counts["both"] += int((pitch_right & duration_right).sum())
            counts["events"] += int(events.sum())
            scored = int((pitch_out != IGNORE).sum())
            loss_sum += total_loss(logits, batch).item() * scored
            steps += scored
    model.train()
    events = max(counts["events"], 1)
    return {"pitch_acc": counts["pitch"] / events, "duration_acc": counts["duration"] / events,
            "note_acc": counts["both"] / events, "loss": loss_sum / max(steps, 1)}


def baselines(train: list[Encoded], test: list[Encoded]) -> dict[str, float]:
    """Next-pitch and next-duration accuracy on ``test`` of rules counted on ``train``: always
    the most frequent value; repeat the last pitch; the bigram rule (the most frequent next
    value after the current one; the most frequent overall after START or an unseen value)."""
    pitch_counts = np.zeros((PITCH_TOKENS, PITCH_TOKENS))
    duration_counts = np.zeros((len(DURATIONS) + 1, len(DURATIONS)))
    for melody in train:
        events = melody.duration_out != IGNORE
        np.add.at(pitch_counts, (melody.pitch_in[events], melody.pitch_out[events]), 1)
        np.add.at(duration_counts, (melody.duration_in[events], melody.duration_out[events]), 1)
    top_pitch = int(pitch_counts.sum(axis=0).argmax())
    top_duration = int(duration_counts.sum(axis=0).argmax())
    next_pitch = np.where(pitch_counts.sum(axis=1) > 0, pitch_counts.argmax(axis=1), top_pitch)
    next_duration = np.where(duration_counts.sum(axis=1) > 0, duration_counts.argmax(axis=1),
                             top_duration)
    right = {"most_frequent_pitch": 0, "repeat_last_pitch": 0, "bigram_pitch": 0,
             "most_frequent_duration": 0, "bigram_duration": 0}
    total = 0
    for melody in test:
        events = melody.duration_out != IGNORE
        current, target = melody.pitch_in[events], melody.pitch_out[events]
        repeat = np.where(current == START, top_pitch, current)
        right["most_frequent_pitch"] += int((target == top_pitch).sum())
        right["repeat_last_pitch"] += int((target == repeat).sum())
        right["bigram_pitch"] += int((target == next_pitch[current]).sum())
        current, target = melody.duration_in[events], melody.duration_out[events]
        right["most_frequent_duration"] += int((target == top_duration).sum())
        right["bigram_duration"] += int((target == next_duration[current]).sum())
        total += int(events.sum())
    return {name: count / max(total, 1) for name, count in right.items()}


# ---------------------------------------------------------------------------------------------
# Composing
# ---------------------------------------------------------------------------------------------

def sample_index(logits: np.ndarray, temperature: float, rng: np.random.Generator,
                 banned: tuple[int, ...] = ()) -> int:
    """An index drawn from softmax(logits / temperature), never one of ``banned``."""
    scores = logits.astype(np.float64) / temperature
    scores[list(banned)] = -np.inf
    probabilities = np.exp(scores - scores.max())
    probabilities /= probabilities.sum()
    return int(rng.choice(len(probabilities), p=probabilities))


def compose(model: MelodyLSTM, first_pitch: int, first_position: float, temperature: float,
            max_events: int, rng: np.random.Generator, device: str,
            bar_length: float = 4.0) -> tuple[list[int], list[float], list[bool]]:
    """A new melody: pitches (MIDI or REST), durations (quarter notes) and fermatas, drawn
    one event at a time until the model chooses END (or after ``max_events``).  The first
    note is ``first_pitch`` (its duration drawn by the model) and starts at ``first_position``
    in the bar; each next event starts where the last one ends."""
    model.eval()
    pitches, durations, fermatas = [], [], []
    step = {"pitch_in": START, "duration_in": START_DURATION, "fermata_in": 0,
            "position_in": position_slot(first_position)}
    position, state = first_position, None
    with minigrad.no_grad():
        for _ in range(max_events):
            batch = {name: minigrad.tensor([[value]]).to(device) for name, value in step.items()}
            logits, state = model(batch, state)
            last = {name: values[0, -1].cpu().numpy() for name, values in logits.items()}
            if pitches:
                pitch = sample_index(last["pitch"], temperature, rng, banned=(START,))
            else:
                pitch = pitch_token(first_pitch)
            if pitch == END:
                break
            duration = sample_index(last["duration"], temperature, rng)
            fermata = sample_index(last["fermata"], temperature, rng)
            pitches.append(token_pitch(pitch))
            durations.append(float(DURATIONS[duration]))
            fermatas.append(bool(fermata))
            position = (position + DURATIONS[duration]) % bar_length
            step = {"pitch_in": pitch, "duration_in": duration, "fermata_in": fermata,
                    "position_in": position_slot(position)}
    model.train()
    return pitches, durations, fermatas


def next_pitch_probabilities(model: MelodyLSTM, encoded: Encoded, device: str) -> np.ndarray:
    """P(next pitch token) at every step of one melody, shape (steps, PITCH_TOKENS)."""
    model.eval()
    with minigrad.no_grad():
        batch = {name: minigrad.tensor(getattr(encoded, name)[None]).to(device)
                 for name in FIELDS if name.endswith("_in")}
        logits, _ = model(batch)
        probabilities = F.softmax(logits["pitch"][0], dim=-1).cpu().numpy()
    model.train()
    return probabilities


# ---------------------------------------------------------------------------------------------
# Pictures
# ---------------------------------------------------------------------------------------------

def piano_roll(melodies: list[tuple[list[int], list[float], float]], bar_length: float = 4.0,
               column_pixels: int = 4, row_pixels: int = 6) -> np.ndarray:
    """RGB pixels (H, W, 3) of melodies drawn one above the other as piano rolls: time runs
    right (``column_pixels`` per sixteenth note), pitch up (``row_pixels`` per semitone); a
    note is a bar with a dark first column (so repeated notes stay apart), grey lines mark the
    bars, rows of C are tinted.  Each melody is (pitches, durations, first bar position)."""
    sounding = [pitch for pitches, _, _ in melodies for pitch in pitches if pitch != REST]
    low, high = min(sounding) - 2, max(sounding) + 2
    rows = high - low + 1
    width = max(int(round(4 * (start + sum(durations)))) for _, durations, start in melodies)
    panels = []
    for pitches, durations, start in melodies:
        panel = np.full((rows * row_pixels, (width + 1) * column_pixels, 3), 255, np.uint8)
        for pitch in range(low, high + 1):
            if pitch % 12 == 0:
                row = (high - pitch) * row_pixels
                panel[row:row + row_pixels] = (235, 235, 245)
        for bar in np.arange(0.0, start + sum(durations) + bar_length, bar_length):
            column = int(round(4 * bar)) * column_pixels
            panel[:, column:column + 1] = (160, 160, 160)
        time = start
        for pitch, duration in zip(pitches, durations):
            if pitch != REST:
                row = (high - pitch) * row_pixels
                left = int(round(4 * time)) * column_pixels
                right = int(round(4 * (time + duration))) * column_pixels
                panel[row + 1:row + row_pixels - 1, left:right - 1] = (46, 110, 190)
                panel[row + 1:row + row_pixels - 1, left:left + 1] = (20, 40, 90)
            time += duration
        panels.append(panel)
        panels.append(np.zeros((4, panel.shape[1], 3), np.uint8))
    return np.concatenate(panels[:-1])


# ---------------------------------------------------------------------------------------------
# Training and the whole run
# ---------------------------------------------------------------------------------------------

def train(model: MelodyLSTM, train_encoded: list[Encoded], test_batches: list[dict], args,
          rng: np.random.Generator) -> dict[str, list[float]]:
    """Adam with a cosine learning-rate decay and gradient clipping; the curves per epoch."""
    steps_per_epoch = math.ceil(len(train_encoded) / args.batch_size)
    epochs = args.epochs
    optimizer = Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    scheduler = CosineAnnealingLR(optimizer, T_max=epochs * steps_per_epoch)
    curves = {"train loss": [], "test loss": [], "test pitch accuracy": []}
    for epoch in range(epochs):
        bar = Progress(batches(train_encoded, args.batch_size, rng, args.device),
                       total=steps_per_epoch, desc=f"epoch {epoch + 1}/{epochs}")
        for batch in bar:
            logits, _ = model(batch)
            loss = total_loss(logits, batch)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=args.clip)
            optimizer.step()
            scheduler.step()
            bar.log(1, loss=loss.item())
        scores = evaluate(model, test_batches)
        curves["train loss"].append(bar.metrics["loss"])
        curves["test loss"].append(scores["loss"])
        curves["test pitch accuracy"].append(scores["pitch_acc"])
        print(f"epoch {epoch + 1}: train loss {bar.metrics['loss']:.4f}, test loss "
              f"{scores['loss']:.4f}, test accuracy: pitch {scores['pitch_acc']:.4f}, "
              f"duration {scores['duration_acc']:.4f}", flush=True)
    return curves


def transpositions(chorales: list[Chorale], semitones: int) -> list[Chorale]:
    """Each melody (already in C) and its copies moved by -semitones .. +semitones."""
    return [chorale.transposed(shift) for chorale in chorales
            for shift in range(-semitones, semitones + 1)]


def main(argv=None) -> dict:
    parser = make_parser(__doc__.splitlines()[0], epochs=20, batch_size=16, lr=3e-3, data=False)
    parser.add_argument("--hidden", type=int, default=256, help="LSTM hidden size")
    parser.add_argument("--layers", type=int, default=1, help="stacked LSTM layers")
    parser.add_argument("--dropout", type=float, default=0.3)
    parser.add_argument("--weight-decay", type=float, default=0.0)
    parser.add_argument("--clip", type=float, default=1.0, help="max gradient norm")
    parser.add_argument("--augment", type=int, default=1,
                        help="also train on copies transposed by up to this many semitones")
    parser.add_argument("--temperature", type=float, default=0.9)
    parser.add_argument("--max-events", type=int, default=120,
                        help="the longest melody to compose")
    args = parser.parse_args(argv)
    if args.fast:  # a tiny model on a few melodies: the pipeline end to end in seconds
        args.epochs, args.hidden, args.layers = 2, 32, 1
    seed_everything(args.seed)
    rng = np.random.default_rng(args.seed)
    start_time = time.perf_counter()

    train_chorales = [chorale.in_c() for chorale in load_chorales("train")]
    test_chorales = [chorale.in_c() for chorale in load_chorales("test")]
    if args.fast:
        train_chorales = train_chorales[:FAST_CHORALES]
        test_chorales = test_chorales[:FAST_CHORALES // 3]
    train_encoded = [encode(chorale) for chorale in transpositions(train_chorales,
                                                                   args.augment)]
    test_encoded = [encode(chorale) for chorale in test_chorales]
    # the baselines count the melodies in C, not the transposed copies
    rules = baselines([encode(chorale) for chorale in train_chorales], test_encoded)
    test_batches = batches(test_encoded, 64, None, args.device)
    model = MelodyLSTM(args.hidden, args.layers, args.dropout).to(args.device)
    print(f"LSTM composer: {len(train_chorales)} train / {len(test_chorales)} test chorale "
          f"melodies ({sum(len(c) for c in train_chorales):,} / "
          f"{sum(len(c) for c in test_chorales):,} events), all in C major / A minor"
          f"{f', x{2 * args.augment + 1} by transposition' if args.augment else ''}; "
          f"{args.layers} x {args.hidden} LSTM, "
          f"{sum(p.numel() for p in model.parameters()):,} parameters, device {args.device}")

    untrained = evaluate(model, test_batches)
    print(f"untrained: test loss {untrained['loss']:.4f}, pitch accuracy "
          f"{untrained['pitch_acc']:.4f}")
    curves = train(model, train_encoded, test_batches, args, rng)
    final = evaluate(model, test_batches)
    print(f"next-pitch accuracy on the test chorales: LSTM {final['pitch_acc']:.4f} | most "
          f"frequent pitch {rules['most_frequent_pitch']:.4f} | repeat the last pitch "
          f"{rules['repeat_last_pitch']:.4f} | bigram {rules['bigram_pitch']:.4f}")
    print(f"next-duration accuracy: LSTM {final['duration_acc']:.4f} | most frequent "
          f"{rules['most_frequent_duration']:.4f} | bigram {rules['bigram_duration']:.4f}; "
          f"pitch and duration both right: {final['note_acc']:.4f}")

    # Compose in 4/4, starting where most training melodies start (a one-beat upbeat), on
    # the first note of a training melody drawn at random (so in C major or A minor).
    openings = [chorale for chorale in train_chorales if chorale.time_signature == (4, 4)]
    values, counts = np.unique([c.bar_positions[0] for c in openings], return_counts=True)
    first_position = float(values[counts.argmax()])
    first_pitch = int(openings[rng.integers(len(openings))].pitches[0])
    pitches, durations, fermatas = compose(model, first_pitch, first_position,
                                           args.temperature, args.max_events, rng, args.device)
    print(f"composed {len(pitches)} events ({sum(fermatas)} fermatas) at temperature "
          f"{args.temperature}: " + " ".join(f"{note_name(p)}/{d:g}"
                                              for p, d in zip(pitches[:24], durations[:24]))
          + (" ..." if len(pitches) > 24 else ""))

    folder = output_dir(args)
    generated_path = folder / "music_lstm_generated.mid"
    # The first note starts at its place in the bar, so the MIDI file's bar lines fall right.
    notes = melody_notes(pitches, durations, start=first_position)
    write_midi(generated_path, notes, bpm=80, program=19, name="LSTM chorale melody")
    bach = test_chorales[0]
    bach_notes = melody_notes(bach.pitches, bach.durations, start=float(bach.bar_positions[0]))
    write_midi(folder / "music_lstm_bach.mid", bach_notes, bpm=80, program=19,
               time_signature=bach.time_signature, name=f"Bach {bach.name} (in C)")
    print(f"saved {generated_path} and {folder / 'music_lstm_bach.mid'}")
    roll_path = folder / "music_lstm_pianoroll.png"
    sounding = [p for p in pitches if p != REST]
    melodies = ([(pitches, durations, first_position)] if sounding else []) + [
        (bach.pitches.tolist(), bach.durations.tolist(), float(bach.bar_positions[0]))]
    write_png(roll_path, piano_roll(melodies))
    print(f"saved {roll_path} (top: composed; bottom: Bach {bach.name}, in C)")

    shown = min(len(bach), 32)
    probabilities = next_pitch_probabilities(model, test_encoded[0], args.device)[:shown]
    heard = [p for p in bach.pitches[:shown].tolist() if p != REST]
    low, high = min(heard) - 2, max(heard) + 2
    rows = [pitch_token(pitch) for pitch in range(high, low - 1, -1)]
    path = folder / "music_lstm_predictions.png"
    if save_heatmap(path, probabilities[:, rows].T,
                    row_labels=[note_name(pitch) for pitch in range(high, low - 1, -1)],
                    col_labels=[note_name(p) for p in bach.pitches[:shown].tolist()],
                    title=f"P(next pitch) along Bach {bach.name} (in C); columns: the notes"):
        print(f"saved {path}")
    if save_curves(folder / "music_lstm_loss.png",
                   {"train loss": curves["train loss"], "test loss": curves["test loss"]},
                   title="LSTM composer", ylabel="loss (pitch + duration + fermata)"):
        print(f"saved {folder / 'music_lstm_loss.png'}")

    written = read_midi(generated_path).notes()
    metrics = {"epochs": args.epochs, "hidden": args.hidden,
               "untrained_test_loss": untrained["loss"], "test_loss": final["loss"],
               "test_pitch_acc": final["pitch_acc"], "test_duration_acc": final["duration_acc"],
               "test_note_acc": final["note_acc"],
               **{f"baseline_{name}": value for name, value in rules.items()},
               "composed_events": len(pitches), "midi_notes": len(written),
               "seconds": time.perf_counter() - start_time}
    details = {"pitches": pitches, "durations": durations, "fermatas": fermatas,
               "first_position": first_position, "curves": curves}
    report("music_lstm", metrics)
    return {**metrics, **details}


if __name__ == "__main__":
    main()
