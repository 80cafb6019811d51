"""word2vec on Jane Austen's novels: skip-gram and CBOW, negative sampling and hierarchical softmax.

Word vectors trained with negative sampling or with a hierarchical softmax over a Huffman tree.

    python examples/word2vec.py [--model skipgram|cbow] [--loss negative|hierarchical]
                                [--books all] [--dim 100] [--window 5] [--negatives 5]
                                [--epochs N] [--batch-size B] [--lr LR] [--device cuda]
                                [--fast] [--out DIR]

The idea (Mikolov et al., 2013): a word is known by the company it keeps.  Every word w gets two
vectors, v_w when it is the input and u_w when it is the output.  Skip-gram lets the centre word c
predict each word o of its context, p(o | c) = softmax_o(u_o . v_c); CBOW lets the mean h of the
context words' vectors predict the centre word.  The full softmax costs O(V) per example, so the
course replaces it by one of two cheap losses, and autograd differentiates them for us:

    negative sampling     -log s(u_o . h) - sum_k log s(-u_k . h), s the sigmoid, with K "noise"
                          words k drawn from the unigram distribution raised to the power 3/4:
                          tell the true word apart from K random ones.
    hierarchical softmax  the words are the leaves of a Huffman tree (frequent words near the
                          root); p(o | h) = product over the inner nodes n on the path to o of
                          s(+-u_n . h), + where the path turns left at n, - where it turns right.
                          As s(x) + s(-x) = 1, the probabilities of all leaves sum to 1 exactly,
                          and an example costs ~log2(V) dot products instead of V.

Frequent words ("the", "of", "her") are subsampled: each occurrence of a word w with relative
frequency f(w) is kept with probability min(1, sqrt(t / f(w))) -- the paper's rule, discarding
with probability 1 - sqrt(t / f(w)) -- drawn afresh every epoch.  The paper's t = 1e-5 suits
billion-word corpora; for these ~700,000 words we use t = 1e-3 (word2vec's and gensim's default):
"the" is kept 16 % of the time and every word rarer than 1 in 1,000 always.  (On two novels with
otherwise equal settings, the median rank below was 67 with t = 1e-4 and 9 with t = 1e-3: too
little text was left.)  Each centre word's window is drawn uniformly from 1..--window words per
side, so near words count more often.

Training uses minibatches and Adam (the linearly decaying learning rate of word2vec on top); a
skip-gram example is one (centre, context) pair, a CBOW example one whole window, hence the
different batch sizes.  Defaults per model and loss are in DEFAULTS and DEFAULT_EPOCHS, chosen
so that a run takes about 2-3 minutes on an idle 2-core CPU.

After training we print the nearest neighbours by cosine similarity of a few words, and a
quality score on pairs of related words chosen before training (RELATED_PAIRS): their mean cosine
similarity against that of random pairs, and the rank of the partner among the other 5,934
words (1 = the nearest).

Measured with the defaults of each pair (all six novels: 707,097 words, 5,935 distinct kept;
about 440,000 words an epoch after subsampling), on a shared 2-core CPU with other training jobs
running (wall time; the CPU seconds it used are about what an idle machine needs):

    --model --loss         epochs  loss per example  cosine: pairs / random  rank  top 10  wall
    skipgram negative (*)      5    4.159 -> 2.418          0.56 / 0.10        2    13/16  2:01
    skipgram hierarchical      2    7.392 -> 6.986          0.55 / 0.06        2    14/16  2:38
    cbow negative             10    4.159 -> 1.787          0.51 / 0.05        1    13/16  3:55
    cbow hierarchical          4    7.405 -> 6.255          0.53 / 0.02        2.5  13/16  1:23

("rank": the partner's median rank.  CPU time used: 121, 115, 142 and 82 s.  The default run
was repeated when the machine was nearly idle: same numbers, 2:01 wall at 99 % of a core,
against 2:55 at 73 % while shared.)

(*) the default; its nearest neighbours:
    elizabeth  bingley, bennet, darcy, wickham, collins, lydia, jane, bingley's
    sister     brother, mother, cousin, husband, her, him, knees, elder
    happy      happier, glad, sweet, comfortable, ready, smiles, gay, delightful
    house      front, neighbourhood, door, rooms, walk, garden, timber, parsonage
    letter     written, note, letters, finished, contents, unfolded, wrote, read
    morning    day, next, evening, breakfast, night, quarter, christmas, awoke

Prints progress bars and a final line ``RESULT word2vec ...``; writes word2vec_loss.png (training
loss per epoch) and word2vec_similarity.png (cosine similarities of 16 words) into --out.
"""

from __future__ import annotations

import heapq
import math
import sys
import time
from dataclasses import dataclass

import numpy as np
from common import limit, make_parser, output_dir, report, seed_everything

import minigrad
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.data import AUSTEN_BOOKS, load_austen
from minigrad.optim.lr_scheduler import LambdaLR
from minigrad.text import Vocab, tokenize
from minigrad.utils import Progress
from minigrad.utils.plot import save_curves, save_heatmap

# Pairs of related words, fixed before training; the quality score is measured on them.
RELATED_PAIRS = [
    ("elizabeth", "jane"), ("mr", "mrs"), ("sister", "brother"), ("happy", "glad"),
    ("house", "room"), ("father", "mother"), ("husband", "wife"), ("son", "daughter"),
    ("uncle", "aunt"), ("lady", "gentleman"), ("morning", "evening"), ("letter", "note"),
    ("he", "she"), ("his", "her"), ("week", "month"), ("two", "three"),
]
# Words whose nearest neighbours are printed, and the words of the similarity heatmap.
QUERY_WORDS = ["elizabeth", "sister", "happy", "house", "letter", "morning"]
HEATMAP_WORDS = ["father", "mother", "sister", "brother", "happy", "glad", "sorry", "afraid",
                 "morning", "evening", "week", "month", "house", "room", "letter", "note"]

SUBSAMPLE_T = 1e-3     # subsampling threshold t (see the module docstring)
NOISE_POWER = 0.75     # noise distribution of negative sampling: count^(3/4)
DEFAULTS = {"skipgram": {"batch_size": 4096, "lr": 0.02},
            "cbow": {"batch_size": 512, "lr": 0.01}}
DEFAULT_EPOCHS = {("skipgram", "negative"): 5, ("skipgram", "hierarchical"): 2,
                  ("cbow", "negative"): 10, ("cbow", "hierarchical"): 4}
FAST_TOKENS = 30_000   # --fast: the first 30,000 words of Pride and Prejudice ...
FAST_BATCHES = 20      # ... and at most 20 batches
EVAL_EXAMPLES = 20_000  # size of the fixed sample the loss is measured on


# ---------------------------------------------------------------------------------------------
# The corpus: words, vocabulary, subsampling, training examples
# ---------------------------------------------------------------------------------------------

def load_corpus(books: list[str], min_freq: int,
                max_tokens: int | None = None) -> tuple[np.ndarray, Vocab, np.ndarray]:
    """The novels as one array of word indices, their Vocab, and the count of every index.

    Punctuation is dropped, and so are words seen fewer than ``min_freq`` times (removed, not
    turned into <unk>, as word2vec does); the Vocab's reserved tokens never occur (count 0)."""
    words: list[str] = []
    for book in books:
        tokens = tokenize(load_austen(book), level="word")
        words += [token for token in tokens if token[0].isalnum()]
    if max_tokens is not None:
        words = words[:max_tokens]
    vocab = Vocab(words, min_freq=min_freq)
    indices = np.array(vocab.encode(words), dtype=np.int64)
    corpus = indices[indices != vocab.unk]
    counts = np.bincount(corpus, minlength=len(vocab))
    return corpus, vocab, counts


def keep_probabilities(counts: np.ndarray, t: float = SUBSAMPLE_T) -> np.ndarray:
    """P(keep one occurrence of w) = min(1, sqrt(t / f(w))), f(w) = count(w) / total count.
    Words that never occur get 1 (they are never asked about)."""
    frequencies = counts / counts.sum()
    keep = np.ones(len(counts))
    seen = frequencies > 0
    keep[seen] = np.minimum(1.0, np.sqrt(t / frequencies[seen]))
    return keep


def subsample(corpus: np.ndarray, keep: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The corpus with each word dropped independently with probability 1 - keep[word]."""
    return corpus[rng.random(len(corpus)) < keep[corpus]]


def skipgram_pairs(corpus: np.ndarray,
                   window_sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (centre, context) pair: position i is paired with each word at i - b .. i + b
    except itself, b = window_sizes[i].  One vectorised step per offset, no loop over words.
    Returns (centres, contexts): two int64 arrays of the same length."""
    n = len(corpus)
    positions = np.arange(n)
    centres, contexts = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for offset in range(1, int(window_sizes.max(initial=0)) + 1):
        for shift in (-offset, offset):
            source = positions + shift
            valid = (window_sizes >= offset) & (source >= 0) & (source < n)
            centres.append(corpus[positions[valid]])
            contexts.append(corpus[source[valid]])
    return np.concatenate(centres), np.concatenate(contexts)


def cbow_windows(corpus: np.ndarray, window_sizes: np.ndarray, max_window: int,
                 pad: int) -> tuple[np.ndarray, np.ndarray]:
    """CBOW examples: row i holds the words at offsets -max_window .. -1, 1 .. max_window from
    position i, with ``pad`` where the offset exceeds window_sizes[i] or leaves the corpus; the
    target is corpus[i].  Returns (contexts (n, 2 max_window), centres (n,)), leaving out the
    rows without any context word."""
    n = len(corpus)
    positions = np.arange(n)
    columns = []
    for shift in [*range(-max_window, 0), *range(1, max_window + 1)]:
        source = positions + shift
        valid = (window_sizes >= abs(shift)) & (source >= 0) & (source < n)
        column = np.full(n, pad, dtype=np.int64)
        column[valid] = corpus[source[valid]]
        columns.append(column)
    contexts = np.stack(columns, axis=1)
    has_context = (contexts != pad).any(axis=1)
    return contexts[has_context], corpus[has_context]


def noise_distribution(counts: np.ndarray, power: float = NOISE_POWER) -> np.ndarray:
    """P_noise(w) proportional to count(w)^(3/4): flatter than the word frequencies, so rarer
    words are drawn as negatives more often than their frequency alone would give."""
    weights = counts.astype(np.float64) ** power
    return weights / weights.sum()


def make_examples(corpus: np.ndarray, keep: np.ndarray, model: str, window: int, pad: int,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One epoch of shuffled examples (inputs, targets): subsample, draw each position's window
    size, then make skip-gram pairs (inputs: centres (N,), targets: contexts (N,)) or CBOW
    windows (inputs: contexts (N, 2 window), targets: centres (N,))."""
    kept = subsample(corpus, keep, rng)
    window_sizes = rng.integers(1, window + 1, size=len(kept))
    if model == "skipgram":
        inputs, targets = skipgram_pairs(kept, window_sizes)
    else:
        inputs, targets = cbow_windows(kept, window_sizes, window, pad)
    order = rng.permutation(len(targets))
    return inputs[order], targets[order]


# ---------------------------------------------------------------------------------------------
# The Huffman tree of the hierarchical softmax
# ---------------------------------------------------------------------------------------------

@dataclass
class HuffmanTree:
    """Every word's path from the root to its leaf, padded to the longest path L.

    nodes (V, L) int64     the inner nodes on the path, numbered 0 .. V-2 (the root is V-2)
    signs (V, L) float64   +1 where the path turns left at that node, -1 where it turns right,
                           0 past the end of the path
    lengths (V,) int64     how many inner nodes each path has (the length of the word's code)
    """

    nodes: np.ndarray
    signs: np.ndarray
    lengths: np.ndarray

    @property
    def num_inner_nodes(self) -> int:
        return len(self.lengths) - 1


def build_huffman_tree(counts) -> HuffmanTree:
    """The Huffman tree of ``counts`` (one count per word, at least 2 words): merge the two
    least frequent subtrees until one is left.  Frequent words get short paths, and the mean
    path length sum_w count(w) len(w) / total is the smallest a binary tree can have.

    Leaves are numbered 0 .. V-1 (the words), merged nodes V .. 2V-2 in the order they are
    made; ties go to the smaller number, so the tree is the same on every run."""
    counts = [int(count) for count in counts]
    vocab_size = len(counts)
    if vocab_size < 2:
        raise ValueError(f"build_huffman_tree: need counts for at least 2 words, got "
                         f"{vocab_size}")
    heap = [(count, word) for word, count in enumerate(counts)]
    heapq.heapify(heap)
    parent = [0] * (2 * vocab_size - 1)
    is_right_child = [False] * (2 * vocab_size - 1)
    next_node = vocab_size
    while len(heap) > 1:
        left_count, left = heapq.heappop(heap)
        right_count, right = heapq.heappop(heap)
        parent[left] = parent[right] = next_node
        is_right_child[right] = True
        heapq.heappush(heap, (left_count + right_count, next_node))
        next_node += 1
    root = 2 * vocab_size - 2

    paths, turns = [], []
    for word in range(vocab_size):
        path, signs = [], []
        node = word
        while node != root:  # climb from the leaf to the root; the path is read backwards
            path.append(parent[node] - vocab_size)
            signs.append(-1.0 if is_right_child[node] else 1.0)
            node = parent[node]
        paths.append(path[::-1])
        turns.append(signs[::-1])
    lengths = np.array([len(path) for path in paths], dtype=np.int64)
    nodes = np.zeros((vocab_size, lengths.max()), dtype=np.int64)
    signs = np.zeros((vocab_size, lengths.max()), dtype=np.float64)
    for word in range(vocab_size):
        nodes[word, :lengths[word]] = paths[word]
        signs[word, :lengths[word]] = turns[word]
    return HuffmanTree(nodes, signs, lengths)


# ---------------------------------------------------------------------------------------------
# The two losses and the model
# ---------------------------------------------------------------------------------------------

def negative_sampling_loss(hidden: minigrad.Tensor, output_weight: minigrad.Tensor,
                           targets: minigrad.Tensor,
                           negatives: minigrad.Tensor) -> minigrad.Tensor:
    """Per-example loss -log s(u_o . h) - sum_k log s(-u_k . h), using -log s(x) = softplus(-x).

    Shapes: hidden h (B, D), output_weight u (V, D), targets o (B,), negatives k (B, K)
    -> (B,)."""
    positive = (F.embedding(targets, output_weight) * hidden).sum(dim=1)  # u_o . h  (B,)
    noise = F.embedding(negatives, output_weight)                         # u_k      (B, K, D)
    negative = minigrad.bmm(noise, hidden.unsqueeze(2)).squeeze(2)        # u_k . h  (B, K)
    return F.softplus(-positive) + F.softplus(negative).sum(dim=1)


def hierarchical_softmax_loss(hidden: minigrad.Tensor, node_weight: minigrad.Tensor,
                              targets: minigrad.Tensor, nodes: minigrad.Tensor,
                              signs: minigrad.Tensor) -> minigrad.Tensor:
    """Per-example loss -log p(o | h) = sum over the inner nodes n on o's path of
    softplus(-sign_n u_n . h)  (= -log s(sign_n u_n . h)).

    Shapes: hidden h (B, D), node_weight u (V-1, D), targets o (B,), the tree's nodes and
    signs (V, L) -> (B,)."""
    path = nodes[targets]                 # (B, L) inner nodes on each target's path
    path_signs = signs[targets]           # (B, L) +1 left, -1 right, 0 past the end
    on_path = path_signs * path_signs     # (B, L) 1 on the path, 0 in the padding
    node_vectors = F.embedding(path, node_weight)                             # (B, L, D)
    scores = minigrad.bmm(node_vectors, hidden.unsqueeze(2)).squeeze(2)       # u_n . h
    return (F.softplus(-path_signs * scores) * on_path).sum(dim=1)


def hierarchical_log_probabilities(hidden: minigrad.Tensor, node_weight: minigrad.Tensor,
                                   nodes: minigrad.Tensor,
                                   signs: minigrad.Tensor) -> minigrad.Tensor:
    """log p(w | h) for every word w: sum over w's path of log s(sign_n u_n . h).

    Shapes: hidden (B, D), node_weight (V-1, D), nodes and signs (V, L) -> (B, V).  Each row
    of exp(result) sums to 1: every inner node splits its probability between its children."""
    scores = hidden @ node_weight.T       # (B, V-1): u_n . h for every inner node
    path_scores = scores[:, nodes]        # (B, V, L)
    on_path = signs * signs
    return -(F.softplus(-signs * path_scores) * on_path).sum(dim=2)


class Word2Vec(nn.Module):
    """Input vectors v (V, D) and output vectors u: one per word (negative sampling) or one per
    inner node of the Huffman tree (hierarchical softmax).

    forward(inputs, targets, negatives=None) -> per-example loss (B,).  inputs: centre words
    (B,) for skip-gram, context windows (B, 2W) padded with ``pad`` for CBOW; targets (B,);
    negatives (B, K) for negative sampling."""

    def __init__(self, vocab_size: int, dim: int, model: str = "skipgram",
                 loss: str = "negative", tree: HuffmanTree | None = None, pad: int = 0):
        super().__init__()
        if model not in ("skipgram", "cbow"):
            raise ValueError(f"Word2Vec: model must be 'skipgram' or 'cbow', got {model!r}")
        if loss not in ("negative", "hierarchical"):
            raise ValueError(f"Word2Vec: loss must be 'negative' or 'hierarchical', got "
                             f"{loss!r}")
        if loss == "hierarchical" and (tree is None or len(tree.lengths) != vocab_size):
            raise ValueError(f"Word2Vec: loss='hierarchical' needs a Huffman tree over the "
                             f"{vocab_size} words")
        self.model = model
        self.loss = loss
        self.input_vectors = nn.Embedding(vocab_size, dim, padding_idx=pad)
        output_rows = vocab_size if loss == "negative" else tree.num_inner_nodes
        self.output_vectors = nn.Embedding(output_rows, dim)
        # word2vec's start: small random input vectors, output vectors at zero
        nn.init.uniform_(self.input_vectors.weight, -0.5 / dim, 0.5 / dim)
        nn.init.zeros_(self.output_vectors.weight)
        with minigrad.no_grad():
            self.input_vectors.weight.data[pad] = 0
        if tree is not None:
            self.register_buffer("nodes", minigrad.tensor(tree.nodes))
            self.register_buffer("signs", minigrad.tensor(tree.signs,
                                                          dtype=self.input_vectors.weight.dtype))

    def hidden(self, inputs: minigrad.Tensor) -> minigrad.Tensor:
        """h (B, D): the centre word's vector (skip-gram) or the mean of the context words'
        vectors (CBOW; padding has a zero vector and is not counted)."""
        if self.model == "skipgram":
            return self.input_vectors(inputs)
        weight = self.input_vectors.weight
        counts = (inputs != self.input_vectors.padding_idx).sum(dim=1, keepdim=True)
        return self.input_vectors(inputs).sum(dim=1) / counts.to(weight.dtype)

    def forward(self, inputs: minigrad.Tensor, targets: minigrad.Tensor,
                negatives: minigrad.Tensor | None = None) -> minigrad.Tensor:
        hidden = self.hidden(inputs)
        if self.loss == "negative":
            return negative_sampling_loss(hidden, self.output_vectors.weight, targets,
                                          negatives)
        return hierarchical_softmax_loss(hidden, self.output_vectors.weight, targets,
                                         self.nodes, self.signs)


# ---------------------------------------------------------------------------------------------
# Training helpers
# ---------------------------------------------------------------------------------------------

def batches(inputs: np.ndarray, targets: np.ndarray, batch_size: int, num_negatives: int,
            noise: np.ndarray | None, rng: np.random.Generator, device: str):
    """Yield (inputs, targets, negatives) Tensors of ``batch_size`` examples each; negatives
    (B, K) are drawn from the ``noise`` distribution (None for the hierarchical softmax)."""
    for start in range(0, len(targets), batch_size):
        batch_targets = targets[start:start + batch_size]
        negatives = None
        if noise is not None:
            drawn = rng.choice(len(noise), size=(len(batch_targets), num_negatives), p=noise)
            negatives = minigrad.tensor(drawn, device=device)
        yield (minigrad.tensor(inputs[start:start + batch_size], device=device),
               minigrad.tensor(batch_targets, device=device), negatives)


def evaluate_loss(model: Word2Vec, sample: list) -> float:
    """Mean per-example loss over a fixed list of batches, without building a graph."""
    total, count = 0.0, 0
    with minigrad.no_grad():
        for inputs, targets, negatives in sample:
            total += float(model(inputs, targets, negatives).sum().item())
            count += len(targets)
    return total / count


# ---------------------------------------------------------------------------------------------
# What the vectors learned: neighbours, related pairs
# ---------------------------------------------------------------------------------------------

def unit_vectors(weight: minigrad.Tensor) -> np.ndarray:
    """The rows of ``weight`` scaled to length 1, on the host: cosine similarity is then a dot
    product."""
    vectors = weight.detach().cpu().numpy().astype(np.float64)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def nearest_neighbours(unit: np.ndarray, vocab: Vocab, word: str, valid: np.ndarray,
                       k: int = 8) -> list[tuple[str, float]]:
    """The ``k`` words most similar to ``word`` by cosine similarity (itself left out), among
    the words where ``valid`` is True, most similar first."""
    similarity = unit @ unit[vocab[word]]
    similarity[~valid] = -np.inf
    similarity[vocab[word]] = -np.inf
    best = np.argsort(-similarity, kind="stable")[:k]
    return [(vocab.itos[index], float(similarity[index])) for index in best]


def pair_scores(unit: np.ndarray, vocab: Vocab, valid: np.ndarray, pairs,
                rng: np.random.Generator, num_random: int = 2000) -> dict[str, float]:
    """Scores of the related ``pairs`` (a, b) whose words are both valid: their mean cosine
    similarity ('pair_cosine'), the median rank of b among the words closest to a ('median_rank',
    1 = nearest; about V/2 by chance), the fraction with b in a's top 10 ('top10'); and the
    mean cosine of ``num_random`` random pairs of valid words ('random_cosine')."""
    words = np.flatnonzero(valid)
    present = [(a, b) for a, b in pairs
               if a in vocab and b in vocab and valid[vocab[a]] and valid[vocab[b]]]
    cosines, ranks = [], []
    for a, b in present:
        similarity = unit[words] @ unit[vocab[a]]
        similarity[words == vocab[a]] = -np.inf   # a itself does not count
        partner = similarity[words == vocab[b]][0]
        cosines.append(partner)
        ranks.append(1 + int((similarity > partner).sum()))  # 1 + words closer to a than b
    first = rng.choice(words, size=num_random)
    second = rng.choice(words, size=num_random)
    distinct = first != second
    random_cosines = (unit[first[distinct]] * unit[second[distinct]]).sum(axis=1)
    missing = float("nan")
    return {"pairs": len(present),
            "pair_cosine": float(np.mean(cosines)) if present else missing,
            "random_cosine": float(random_cosines.mean()),
            "median_rank": float(np.median(ranks)) if present else missing,
            "top10": float(np.mean(np.array(ranks) <= 10)) if present else missing}


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

def main(argv=None) -> dict:
    parser = make_parser(__doc__.splitlines()[0], epochs=None, batch_size=None, lr=None, data=False)
    parser.add_argument("--model", choices=("skipgram", "cbow"), default="skipgram")
    parser.add_argument("--loss", choices=("negative", "hierarchical"), default="negative")
    parser.add_argument("--books", default="all",
                        help="'all' (default) or a comma-separated list of: "
                             + ", ".join(AUSTEN_BOOKS))
    parser.add_argument("--dim", type=int, default=100, help="vector size, default 100")
    parser.add_argument("--window", type=int, default=5,
                        help="largest window (words on each side), default 5")
    parser.add_argument("--negatives", type=int, default=5,
                        help="noise words per example (negative sampling), default 5")
    parser.add_argument("--min-freq", type=int, default=5,
                        help="drop words seen fewer times, default 5 (2 with --fast)")
    args = parser.parse_args(argv)
    epochs = args.epochs or DEFAULT_EPOCHS[args.model, args.loss]
    batch_size = args.batch_size or DEFAULTS[args.model]["batch_size"]
    lr = args.lr or DEFAULTS[args.model]["lr"]
    seed_everything(args.seed)
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()

    books = list(AUSTEN_BOOKS) if args.books == "all" else args.books.split(",")
    min_freq, max_tokens, max_batches = args.min_freq, None, None
    if args.fast:
        books, min_freq, max_tokens, max_batches = ["prideprejudice"], 2, FAST_TOKENS, \
            FAST_BATCHES
        epochs = 1
    corpus, vocab, counts = load_corpus(books, min_freq, max_tokens)
    keep = keep_probabilities(counts)
    print(f"word2vec --model {args.model} --loss {args.loss}: {len(corpus):,} words of "
          f"{', '.join(books)}; vocabulary of {len(vocab):,} (min_freq {min_freq}); "
          f"~{int(keep[corpus].sum()):,} words kept per epoch after subsampling; "
          f"epochs {epochs}, batches of {batch_size}, Adam lr {lr}; device {args.device}")

    tree, noise = None, None
    if args.loss == "hierarchical":
        tree = build_huffman_tree(counts)
        mean_path = float((counts * tree.lengths).sum() / counts.sum())
        print(f"Huffman tree: {tree.num_inner_nodes:,} inner nodes, paths of "
              f"{tree.lengths.min()} to {tree.lengths.max()} nodes, {mean_path:.1f} on average "
              f"over the words of the text (log2 V = {math.log2(len(vocab)):.1f})")
    else:
        noise = noise_distribution(counts)
    model = Word2Vec(len(vocab), args.dim, args.model, args.loss, tree, vocab.pad)
    model = model.to(args.device)
    optimizer = optim.Adam(model.parameters(), lr=lr)

    # a fixed sample of examples (negatives drawn once) to measure the loss on
    sample_inputs, sample_targets = make_examples(corpus, keep, args.model, args.window,
                                                  vocab.pad, rng)
    size = EVAL_EXAMPLES // 10 if args.fast else EVAL_EXAMPLES
    eval_sample = list(batches(sample_inputs[:size], sample_targets[:size], batch_size,
                               args.negatives, noise, rng, args.device))
    initial_loss = evaluate_loss(model, eval_sample)
    print(f"untrained model: loss {initial_loss:.4f} per example")

    # the learning rate falls linearly to 1e-4 of its start over the run, as in word2vec; the
    # sample drawn above (one epoch's worth) tells how many batches an epoch has
    steps_per_epoch = math.ceil(len(sample_targets) / batch_size)
    if max_batches is not None:
        steps_per_epoch = min(steps_per_epoch, max_batches)
    total_steps = epochs * steps_per_epoch
    scheduler = LambdaLR(optimizer, lambda step: max(1e-4, 1.0 - step / total_steps))
    curve = []
    for epoch in range(epochs):
        inputs, targets = make_examples(corpus, keep, args.model, args.window, vocab.pad, rng)
        steps = math.ceil(len(targets) / batch_size)
        bar = Progress(limit(batches(inputs, targets, batch_size, args.negatives, noise, rng,
                                     args.device), max_batches),
                       total=min(steps, max_batches or steps),
                       desc=f"epoch {epoch + 1}/{epochs}")
        for x, y, negatives in bar:
            loss = model(x, y, negatives).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            bar.log(len(y), loss=loss.item())
        curve.append(bar.metrics["loss"])
        print(f"epoch {epoch + 1}: training loss {curve[-1]:.4f} per example "
              f"({len(targets):,} examples)", flush=True)
    final_loss = evaluate_loss(model, eval_sample)
    print(f"trained model: loss {final_loss:.4f} per example (untrained {initial_loss:.4f})")

    unit = unit_vectors(model.input_vectors.weight)
    valid = counts > 0
    print("nearest neighbours by cosine similarity:")
    for word in QUERY_WORDS:
        if word in vocab and valid[vocab[word]]:
            neighbours = nearest_neighbours(unit, vocab, word, valid)
            print(f"  {word:>10}: " + ", ".join(f"{other} {cosine:.2f}"
                                                for other, cosine in neighbours))
    scores = pair_scores(unit, vocab, valid, RELATED_PAIRS, rng)
    print(f"{scores['pairs']} related pairs: mean cosine {scores['pair_cosine']:.3f} (random "
          f"pairs {scores['random_cosine']:.3f}); the partner's median rank "
          f"{scores['median_rank']:.1f} of {int(valid.sum()) - 1} words, in the top 10 for "
          f"{scores['top10']:.0%} of the pairs")

    folder = output_dir(args)
    path = folder / "word2vec_loss.png"
    if save_curves(path, {"training loss": curve}, title=f"word2vec, {args.model} + {args.loss}",
                   ylabel="loss per example"):
        print(f"saved {path}")
    shown = [word for word in HEATMAP_WORDS if word in vocab and valid[vocab[word]]]
    if shown:
        rows = unit[[vocab[word] for word in shown]]
        path = folder / "word2vec_similarity.png"
        if save_heatmap(path, rows @ rows.T, row_labels=shown, col_labels=shown,
                        title=f"cosine similarity ({args.model} + {args.loss})"):
            print(f"saved {path}")

    result = {"model": args.model, "loss": args.loss, "words": len(corpus),
              "vocab": len(vocab), "epochs": epochs, "initial_loss": initial_loss,
              "final_loss": final_loss, **scores, "seconds": time.perf_counter() - start}
    report("word2vec", result)
    return result


if __name__ == "__main__":
    main()
    sys.exit(0)
