"""A translation task with real structure: English number words -> French number words.

Holds:
    english(n)              "seventy-one thousand two hundred"   (0 <= n <= 999,999)
    french(n)               "soixante et onze mille deux cents"
    tokenize(text)          words, with each hyphen as a token of its own
    detokenize(tokens)      the inverse: "quatre - vingt - un" -> "quatre-vingt-un"
    split_numbers(train_size, test_size, seed)
                            disjoint (train, test) lists of numbers, drawn from the seed
    make_pairs(numbers)     [(English tokens, French tokens), ...]
    load_translation(train_size, test_size, seed)
                            everything an example needs: pairs, numbers, both vocabularies
    batches(pairs, src_vocab, tgt_vocab, batch_size, rng, device)
                            padded teacher-forcing batches (src, src_lengths, tgt_in, tgt_out)
    sequence_loss(logits, tgt_out, pad_index, label_smoothing)
                            cross-entropy per target token, padding ignored
    train_epoch(model, pairs, src_vocab, tgt_vocab, optimizer, ...)
                            one pass of teacher-forced training with a progress bar
    mean_loss(model, pairs, src_vocab, tgt_vocab)
                            the teacher-forced test loss per token
    score_translations(model, pairs, src_vocab, tgt_vocab, beam_size, max_length)
                            corpus BLEU and exact match of greedy and beam-search translations
    print_scores(metrics, beam_size, seconds)
                            print those scores on one line
    show_translations(numbers, greedy, beamed)
                            print a few translations and the mistakes
    showcase_numbers(test_numbers)
                            two test numbers worth an attention heat-map

The models of seq2seq.py and transformer.py share one interface: ``model(src, src_lengths,
tgt_in) -> logits (B, T, V)`` (teacher forcing), ``model.start(src, src_lengths) -> state`` and
``model.step(tokens (k,), state) -> (log-probabilities (k, V), state)`` (decoding).

Why this task.  No real parallel corpus can be bundled (licences), but counting in French is a
small language of its own.  Below 100 it is partly vigesimal (70 = soixante-dix, "sixty-ten";
99 = quatre-vingt-dix-neuf, "four-twenty-ten-nine"), so one English token ("ninety") becomes
several French ones and "seventy - one" becomes "soixante et onze": the decoder must look ahead
at the unit before it writes the tens.  Agreement rules depend on what comes later in the
sentence: "cent" and "vingt" take a plural -s when they are multiplied and end the number
("deux cents", "quatre-vingts") but not when a number follows ("deux cent un") or "mille" does
("deux cent mille"), and 1,000 is "mille", never "un mille".

Spelling: the traditional (pre-1990) orthography.  Hyphens join the parts of a compound under
100 (dix-sept, quatre-vingt-deux) except where "et" joins them (vingt et un, soixante et onze);
no hyphens around "cent" and "mille"; "et" only in 21, 31, 41, 51, 61 and 71 (81 is
quatre-vingt-un, 91 quatre-vingt-onze).  English is written the American way, without "and"
("one hundred one"), hyphens in 21..99.

Tokens: words, and each hyphen is a token of its own ("quatre - vingt - dix").  So the
vocabulary stays small (32 French and 35 English tokens, with the four reserved ones) and
compositional: "vingt" is one token whether it stands alone or inside quatre-vingt-dix, and the
model must learn where the hyphens go -- the orthography rule above -- instead of memorising
100 whole words.
``detokenize`` turns the tokens back into the exact spelling.

The split: the numbers of each length (1 to 6 digits) are shuffled with the seed and a tenth of
them (at least one) is set aside for testing.  Each set is then drawn without repetition from its
side, the length uniform over 1..6 digits (a length whose numbers have run out is skipped), so
training sees every short number on its side and a sample of the long ones.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.text import Vocab, beam_search, corpus_bleu, greedy_decode, pad_batch
from minigrad.utils import Progress

__all__ = ["english", "french", "tokenize", "detokenize", "split_numbers", "make_pairs",
           "load_translation", "batches", "sequence_loss", "train_epoch", "mean_loss",
           "score_translations", "show_translations", "showcase_numbers", "MAX_NUMBER"]

MAX_NUMBER = 999_999

# ---------------------------------------------------------------------------------------------
# English
# ---------------------------------------------------------------------------------------------

ENGLISH_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                 "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
                 "seventeen", "eighteen", "nineteen"]
ENGLISH_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
                "ninety"]


def _check_number(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"number words: expected an int, got {type(n).__name__}")
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"number words: expected 0 <= n <= {MAX_NUMBER:,}, got {n:,}")


def _english_below_100(n: int) -> str:
    """1 <= n <= 99: "seven", "seventeen", "seventy", "seventy-one"."""
    if n < 20:
        return ENGLISH_UNITS[n]
    tens, unit = divmod(n, 10)
    if unit == 0:
        return ENGLISH_TENS[tens]
    return f"{ENGLISH_TENS[tens]}-{ENGLISH_UNITS[unit]}"


def _english_below_1000(n: int) -> str:
    """1 <= n <= 999: "two hundred", "two hundred seventy-one"."""
    hundreds, rest = divmod(n, 100)
    words = []
    if hundreds:
        words.append(f"{ENGLISH_UNITS[hundreds]} hundred")
    if rest:
        words.append(_english_below_100(rest))
    return " ".join(words)


def english(n: int) -> str:
    """The English words for ``0 <= n <= 999,999`` (American style, no "and").

    >>> english(71200)
    'seventy-one thousand two hundred'
    >>> english(101)
    'one hundred one'
    """
    _check_number(n)
    n = int(n)
    if n == 0:
        return "zero"
    thousands, rest = divmod(n, 1000)
    words = []
    if thousands:
        words.append(f"{_english_below_1000(thousands)} thousand")
    if rest:
        words.append(_english_below_1000(rest))
    return " ".join(words)


# ---------------------------------------------------------------------------------------------
# French (traditional orthography)
# ---------------------------------------------------------------------------------------------

FRENCH_UNITS = ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf",
                "dix", "onze", "douze", "treize", "quatorze", "quinze", "seize"]
FRENCH_TENS = ["", "dix", "vingt", "trente", "quarante", "cinquante", "soixante"]


def _french_below_100(n: int, ends_number: bool) -> str:
    """1 <= n <= 99.  ``ends_number``: nothing follows (not even "mille"), so 80 takes its -s."""
    if n <= 16:
        return FRENCH_UNITS[n]
    if n < 20:
        return f"dix-{FRENCH_UNITS[n - 10]}"                      # dix-sept, dix-huit, dix-neuf
    tens, unit = divmod(n, 10)
    if tens == 7:                                                 # 60 + 10..19
        if unit == 1:
            return "soixante et onze"
        return f"soixante-{_french_below_100(10 + unit, ends_number)}"
    if tens == 8:                                                 # 4 * 20 + 0..9
        if unit == 0:
            return "quatre-vingts" if ends_number else "quatre-vingt"
        return f"quatre-vingt-{FRENCH_UNITS[unit]}"               # 81: quatre-vingt-un, no "et"
    if tens == 9:                                                 # 4 * 20 + 10..19
        return f"quatre-vingt-{_french_below_100(10 + unit, ends_number)}"
    if unit == 0:
        return FRENCH_TENS[tens]
    if unit == 1:
        return f"{FRENCH_TENS[tens]} et un"                       # 21, 31, 41, 51, 61
    return f"{FRENCH_TENS[tens]}-{FRENCH_UNITS[unit]}"


def _french_below_1000(n: int, ends_number: bool) -> str:
    """1 <= n <= 999: "cent", "deux cents", "deux cent un", "deux cent quatre-vingts"."""
    hundreds, rest = divmod(n, 100)
    if hundreds == 0:
        return _french_below_100(rest, ends_number)
    head = "cent" if hundreds == 1 else f"{FRENCH_UNITS[hundreds]} cent"
    if rest == 0:
        plural = hundreds > 1 and ends_number                     # deux cents, deux cent mille
        return head + ("s" if plural else "")
    return f"{head} {_french_below_100(rest, ends_number)}"


def french(n: int) -> str:
    """The French words for ``0 <= n <= 999,999`` in the traditional (pre-1990) spelling.

    >>> french(71200)
    'soixante et onze mille deux cents'
    >>> french(280080)
    'deux cent quatre-vingt mille quatre-vingts'
    """
    _check_number(n)
    n = int(n)
    if n == 0:
        return "zéro"
    thousands, rest = divmod(n, 1000)
    words = []
    if thousands == 1:
        words.append("mille")                                     # never "un mille"
    elif thousands:
        # "mille" follows: cent and vingt stay singular (deux cent mille, quatre-vingt mille)
        words.append(f"{_french_below_1000(thousands, ends_number=False)} mille")
    if rest:
        words.append(_french_below_1000(rest, ends_number=True))
    return " ".join(words)


# ---------------------------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------------------------

def tokenize(text: str) -> list[str]:
    """Split at spaces, with every hyphen a token of its own.

    >>> tokenize("soixante et onze mille quatre-vingt-dix")
    ['soixante', 'et', 'onze', 'mille', 'quatre', '-', 'vingt', '-', 'dix']
    """
    return text.replace("-", " - ").split()


def detokenize(tokens: list[str]) -> str:
    """Join tokens back into text: the inverse of ``tokenize``.

    >>> detokenize(['quatre', '-', 'vingt', '-', 'un', 'mille'])
    'quatre-vingt-un mille'
    """
    return " ".join(tokens).replace(" - ", "-")


# ---------------------------------------------------------------------------------------------
# The data set
# ---------------------------------------------------------------------------------------------

def _draw(pools: list[np.ndarray], count: int, rng: np.random.Generator,
          side: str) -> list[int]:
    """``count`` numbers without repetition: each draw picks a length uniformly among the pools
    that are not used up, then the next number of that (already shuffled) pool."""
    total = sum(len(pool) for pool in pools)
    if count > total:
        raise ValueError(f"split_numbers: asked for {count} {side} numbers, but only {total} "
                         f"are on the {side} side")
    taken = [0] * len(pools)
    numbers = []
    while len(numbers) < count:
        open_pools = [i for i, pool in enumerate(pools) if taken[i] < len(pool)]
        pool = open_pools[int(rng.integers(len(open_pools)))]
        numbers.append(int(pools[pool][taken[pool]]))
        taken[pool] += 1
    return numbers


def split_numbers(train_size: int, test_size: int, seed: int = 0,
                  test_fraction: float = 0.1) -> tuple[list[int], list[int]]:
    """Disjoint lists of training and test numbers in 0..999,999, the same for the same seed.

    The numbers of each length d = 1..6 digits are shuffled and their first ``test_fraction``
    (at least one) goes to the test side; each set is then drawn from its side without
    repetition, the length uniform over the lengths not yet used up.

    >>> train, test = split_numbers(100, 20, seed=0)
    >>> len(train), len(test), len(set(train) & set(test))
    (100, 20, 0)
    """
    if train_size < 0 or test_size < 0:
        raise ValueError(f"split_numbers: sizes must be >= 0, got train_size={train_size} and "
                         f"test_size={test_size}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"split_numbers: test_fraction must be in (0, 1), got {test_fraction}")
    rng = np.random.default_rng(seed)
    train_pools, test_pools = [], []
    for digits in range(1, 7):
        low = 0 if digits == 1 else 10 ** (digits - 1)
        numbers = rng.permutation(np.arange(low, 10 ** digits))
        cut = max(1, round(len(numbers) * test_fraction))
        test_pools.append(numbers[:cut])
        train_pools.append(numbers[cut:])
    test = _draw(test_pools, test_size, rng, "test")
    train = _draw(train_pools, train_size, rng, "train")
    return train, test


def make_pairs(numbers: list[int]) -> list[tuple[list[str], list[str]]]:
    """(English tokens, French tokens) for every number.

    >>> make_pairs([81])
    [(['eighty', '-', 'one'], ['quatre', '-', 'vingt', '-', 'un'])]
    """
    return [(tokenize(english(n)), tokenize(french(n))) for n in numbers]


def load_translation(train_size: int = 12000, test_size: int = 500, seed: int = 0) -> dict:
    """The translation data set: a dict with

        train_numbers, test_numbers   the numbers (disjoint lists of ints)
        train_pairs, test_pairs       [(English tokens, French tokens), ...]
        src_vocab, tgt_vocab          ``minigrad.text.Vocab`` of the training tokens (English,
                                      French), reserved tokens <pad> <unk> <bos> <eos> first
    """
    train_numbers, test_numbers = split_numbers(train_size, test_size, seed)
    train_pairs, test_pairs = make_pairs(train_numbers), make_pairs(test_numbers)
    src_vocab = Vocab([source for source, _ in train_pairs])
    tgt_vocab = Vocab([target for _, target in train_pairs])
    return {"train_numbers": train_numbers, "test_numbers": test_numbers,
            "train_pairs": train_pairs, "test_pairs": test_pairs,
            "src_vocab": src_vocab, "tgt_vocab": tgt_vocab}


# ---------------------------------------------------------------------------------------------
# Batches and scores (shared by seq2seq.py and transformer.py)
# ---------------------------------------------------------------------------------------------

def batches(pairs: list, src_vocab: Vocab, tgt_vocab: Vocab, batch_size: int,
            rng: np.random.Generator | None = None,
            device: str | None = None) -> Iterator[tuple[minigrad.Tensor, ...]]:
    """Teacher-forcing batches ``(src, src_lengths, tgt_in, tgt_out)`` of int64 Tensors:

        src      (B, S)  English indices, padded with <pad> to the longest in the batch
        src_lengths (B,) the unpadded lengths
        tgt_in   (B, T)  <bos> y_1 ... y_n   -- what the decoder reads
        tgt_out  (B, T)  y_1 ... y_n <eos>   -- what it must predict, padded with <pad>

    The pairs are taken in order, or shuffled by ``rng`` when it is given.
    """
    order = np.arange(len(pairs))
    if rng is not None:
        rng.shuffle(order)
    for start in range(0, len(pairs), batch_size):
        chosen = [pairs[i] for i in order[start:start + batch_size]]
        sources = [src_vocab.encode(source) for source, _ in chosen]
        targets = [tgt_vocab.encode(target) for _, target in chosen]
        src, src_lengths = pad_batch(sources, src_vocab.pad)
        tgt_in, _ = pad_batch([[tgt_vocab.bos] + target for target in targets], tgt_vocab.pad)
        tgt_out, _ = pad_batch([target + [tgt_vocab.eos] for target in targets], tgt_vocab.pad)
        batch = (src, src_lengths, tgt_in, tgt_out)
        if device is not None:
            batch = tuple(tensor.to(device) for tensor in batch)
        yield batch


def sequence_loss(logits: minigrad.Tensor, tgt_out: minigrad.Tensor, pad_index: int,
                  label_smoothing: float = 0.0) -> minigrad.Tensor:
    """Mean cross-entropy over the real target tokens: logits (B, T, V), tgt_out (B, T); the
    padding positions are left out by ``ignore_index``."""
    vocab_size = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, vocab_size), tgt_out.reshape(-1),
                           ignore_index=pad_index, label_smoothing=label_smoothing)


def train_epoch(model: nn.Module, pairs: list, src_vocab: Vocab, tgt_vocab: Vocab, optimizer,
                batch_size: int, rng: np.random.Generator, max_batches: int | None = None,
                label_smoothing: float = 0.0, max_norm: float = 1.0, scheduler=None,
                device: str | None = None, desc: str = "train") -> list[float]:
    """One pass over the shuffled ``pairs`` (at most ``max_batches`` batches): teacher-forced
    loss, backward, gradient norm clipped to ``max_norm``, optimizer step, and
    ``scheduler.step()`` after every batch when a scheduler is given.  Returns the batch
    losses."""
    model.train()
    total = -(-len(pairs) // batch_size)
    if max_batches is not None:
        total = min(total, max_batches)
    bar = Progress(total=total, desc=desc)
    losses = []
    for src, src_lengths, tgt_in, tgt_out in batches(pairs, src_vocab, tgt_vocab, batch_size,
                                                     rng=rng, device=device):
        if len(losses) == total:
            break
        logits = model(src, src_lengths, tgt_in)
        loss = sequence_loss(logits, tgt_out, tgt_vocab.pad, label_smoothing)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=max_norm)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        losses.append(loss.item())
        bar.update(1, loss=losses[-1])
    bar.close()
    return losses


def mean_loss(model: nn.Module, pairs: list, src_vocab: Vocab, tgt_vocab: Vocab,
              batch_size: int = 500, device: str | None = None) -> float:
    """The teacher-forced cross-entropy per target token over ``pairs`` (without label
    smoothing), in eval mode and without building a graph."""
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    with minigrad.no_grad():
        for src, src_lengths, tgt_in, tgt_out in batches(pairs, src_vocab, tgt_vocab,
                                                         batch_size, device=device):
            tokens = int((tgt_out != tgt_vocab.pad).sum().item())
            loss = sequence_loss(model(src, src_lengths, tgt_in), tgt_out, tgt_vocab.pad)
            total += loss.item() * tokens
            count += tokens
    model.train(was_training)
    return total / max(count, 1)


def score_translations(model, pairs: list, src_vocab: Vocab, tgt_vocab: Vocab,
                       beam_size: int = 4, max_length: int = 30, device: str | None = None,
                       desc: str = "translate") -> tuple[dict, list, list]:
    """Translate every English sentence of ``pairs`` twice, greedily and with beam search, and
    score both against the French references.

    ``model`` provides ``start(src (1, S), src_lengths (1,)) -> state`` and ``step(tokens (k,),
    state) -> (log_probs (k, V), state)`` (the interface of ``minigrad.text.beam_search``).
    Returns ``(metrics, greedy, beamed)``: metrics ``bleu_greedy``, ``exact_greedy``,
    ``bleu_beam{k}``, ``exact_beam{k}`` (corpus BLEU-4 and the fraction of sentences translated
    exactly), and the two lists of translated token lists.
    """
    was_training = model.training
    model.eval()
    greedy, beamed, references = [], [], []
    with minigrad.no_grad():
        for source, target in Progress(pairs, desc=desc):
            src, src_lengths = pad_batch([src_vocab.encode(source)], src_vocab.pad)
            if device is not None:
                src, src_lengths = src.to(device), src_lengths.to(device)
            state = model.start(src, src_lengths)
            tokens, _ = greedy_decode(model.step, state, tgt_vocab.bos, tgt_vocab.eos,
                                      max_length)
            hypotheses = beam_search(model.step, state, tgt_vocab.bos, tgt_vocab.eos,
                                     beam_size, max_length)
            greedy.append(tgt_vocab.decode(tokens))
            beamed.append(tgt_vocab.decode(hypotheses[0][0]))
            references.append(target)
    model.train(was_training)
    count = max(len(pairs), 1)
    metrics = {
        "bleu_greedy": corpus_bleu(greedy, references),
        "exact_greedy": sum(g == r for g, r in zip(greedy, references)) / count,
        f"bleu_beam{beam_size}": corpus_bleu(beamed, references),
        f"exact_beam{beam_size}": sum(b == r for b, r in zip(beamed, references)) / count,
    }
    return metrics, greedy, beamed


def print_scores(metrics: dict, beam_size: int, seconds: float) -> None:
    """One line: BLEU and exact-match rate of greedy decoding and of beam search (the
    ``metrics`` of score_translations), and the run's time so far."""
    print(f"BLEU greedy {metrics['bleu_greedy']:.4f}, beam {beam_size} "
          f"{metrics[f'bleu_beam{beam_size}']:.4f}; exact match greedy "
          f"{metrics['exact_greedy']:.4f}, beam {metrics[f'exact_beam{beam_size}']:.4f} "
          f"({seconds:.1f} s)")


def show_translations(numbers: list[int], greedy: list, beamed: list, examples: int = 4,
                      mistakes: int = 8) -> None:
    """Print the greedy translations of the first ``examples`` numbers, then (at most
    ``mistakes`` of) the numbers that greedy decoding or beam search got wrong."""
    print("test translations (greedy):")
    for n, output in list(zip(numbers, greedy))[:examples]:
        print(f"  {n:>7,}  {english(n)}  ->  {detokenize(output)}")
    wrong = [(n, g, b) for n, g, b in zip(numbers, greedy, beamed)
             if detokenize(g) != french(n) or detokenize(b) != french(n)]
    print(f"{len(wrong)} of {len(numbers)} test numbers translated wrongly by greedy decoding "
          f"or beam search{':' if wrong else ''}")
    for n, g, b in wrong[:mistakes]:
        print(f"  {n:>7,}  {english(n)}\n           is      {french(n)}\n"
              f"           greedy  {detokenize(g)}\n           beam    {detokenize(b)}")


def showcase_numbers(test_numbers: list[int], count: int = 2) -> list[int]:
    """``count`` test numbers worth a heat-map: first those of 5 or 6 digits whose French is
    vigesimal (60-99: the words reorder and merge), then any."""
    def interesting(n: int) -> bool:
        words = french(n)
        return n >= 10000 and ("soixante" in words or "quatre-vingt" in words)

    preferred = [n for n in test_numbers if interesting(n)]
    others = [n for n in test_numbers if not interesting(n)]
    return (preferred + others)[:count]
