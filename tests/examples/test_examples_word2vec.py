"""Tests of examples/word2vec.py: the Huffman tree, the hierarchical softmax (its probabilities
over the vocabulary sum to 1), negative sampling, the example builders (checked against plain
nested loops), the similarity scores, and a --fast smoke test of every (model, loss) pair.
"""

from __future__ import annotations

import importlib
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad.text import Vocab
from minigrad.utils.gradcheck import gradcheck, gradgradcheck
from minigrad.utils.plot import plotting_available

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
if str(EXAMPLES_DIR) not in sys.path:
    sys.path.insert(0, str(EXAMPLES_DIR))

w2v = importlib.import_module("word2vec")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def huffman_cost(counts) -> int:
    """The total weighted path length of a Huffman code, computed the plain way: the sum of
    every merged weight while merging the two smallest weights of a sorted list."""
    weights = sorted(int(c) for c in counts)
    cost = 0
    while len(weights) > 1:
        merged = weights[0] + weights[1]
        cost += merged
        weights = sorted(weights[2:] + [merged])
    return cost


def path_probability(tree, word: int, hidden: np.ndarray, node_weight: np.ndarray) -> float:
    """p(word | hidden) by walking the word's path one node at a time."""
    probability = 1.0
    for step in range(tree.lengths[word]):
        score = node_weight[tree.nodes[word, step]] @ hidden
        probability *= sigmoid(tree.signs[word, step] * score)
    return probability


# ---------------------------------------------------------------------------------------------
# Huffman tree
# ---------------------------------------------------------------------------------------------

def test_huffman_tree_of_the_textbook_example():
    # Cormen et al., "Introduction to Algorithms", Fig. 16.4: frequencies a:45 b:13 c:12 d:16
    # e:9 f:5 give codewords of lengths 1, 3, 3, 3, 4, 4 (224 bits per 100 characters)
    tree = w2v.build_huffman_tree([45, 13, 12, 16, 9, 5])
    assert tree.lengths.tolist() == [1, 3, 3, 3, 4, 4]
    assert tree.num_inner_nodes == 5
    assert int((np.array([45, 13, 12, 16, 9, 5]) * tree.lengths).sum()) == 224
    assert (tree.nodes[:, 0] == 4).all()  # every path starts at the root, the last merge


@given(st.lists(st.integers(0, 1000), min_size=2, max_size=40))
def test_huffman_codes_are_prefix_free_complete_and_optimal(counts):
    tree = w2v.build_huffman_tree(counts)
    vocab_size = len(counts)
    codes = [tuple(zip(tree.nodes[w, :tree.lengths[w]].tolist(),
                       tree.signs[w, :tree.lengths[w]].tolist())) for w in range(vocab_size)]
    for a in range(vocab_size):
        for b in range(vocab_size):
            if a != b:
                assert codes[b][:len(codes[a])] != codes[a], (a, b)
    # a full binary tree: Kraft's sum is exactly 1, and all V-1 inner nodes are used
    assert sum(2.0 ** -length for length in tree.lengths) == pytest.approx(1.0, abs=1e-12)
    used = {node for code in codes for node, _ in code}
    assert used == set(range(vocab_size - 1))
    assert set(np.unique(tree.signs[tree.signs != 0]).tolist()) <= {-1.0, 1.0}
    assert (tree.signs[np.arange(tree.nodes.shape[1]) >= tree.lengths[:, None]] == 0).all()
    assert int((np.array(counts) * tree.lengths).sum()) == huffman_cost(counts)


# ---------------------------------------------------------------------------------------------
# Hierarchical softmax
# ---------------------------------------------------------------------------------------------

def test_hierarchical_softmax_probabilities_sum_to_one():
    rng = np.random.default_rng(0)
    counts = rng.integers(1, 500, size=50)
    tree = w2v.build_huffman_tree(counts)
    hidden = minigrad.tensor(rng.normal(size=(4, 8)), dtype=minigrad.float64)
    node_weight = minigrad.tensor(rng.normal(size=(49, 8)), dtype=minigrad.float64)
    log_p = w2v.hierarchical_log_probabilities(hidden, node_weight, minigrad.tensor(tree.nodes),
                                               minigrad.tensor(tree.signs))
    assert log_p.shape == (4, 50) and log_p.dtype == minigrad.float64
    np.testing.assert_allclose(np.exp(log_p.numpy()).sum(axis=1), np.ones(4), rtol=0,
                               atol=1e-12)
    # and each entry is the product along the path, walked one node at a time
    for row in range(4):
        for word in (0, 17, 49):
            expected = path_probability(tree, word, hidden.numpy()[row], node_weight.numpy())
            assert math.exp(log_p.numpy()[row, word]) == pytest.approx(expected, rel=1e-12)


@given(st.integers(2, 30), st.integers(1, 6), st.integers(0, 2**31 - 1))
def test_hierarchical_softmax_sums_to_one_for_any_tree(vocab_size, dim, seed):
    rng = np.random.default_rng(seed)
    tree = w2v.build_huffman_tree(rng.integers(0, 100, size=vocab_size))
    hidden = minigrad.tensor(rng.normal(scale=2.0, size=(3, dim)))
    node_weight = minigrad.tensor(rng.normal(scale=2.0, size=(vocab_size - 1, dim)))
    log_p = w2v.hierarchical_log_probabilities(hidden.double(), node_weight.double(),
                                               minigrad.tensor(tree.nodes),
                                               minigrad.tensor(tree.signs))
    np.testing.assert_allclose(np.exp(log_p.numpy()).sum(axis=1), np.ones(3), rtol=0,
                               atol=1e-12)


def test_hierarchical_loss_is_minus_log_probability_of_the_target():
    rng = np.random.default_rng(1)
    tree = w2v.build_huffman_tree(rng.integers(1, 50, size=12))
    hidden = rng.normal(size=(5, 3))
    node_weight = rng.normal(size=(11, 3))
    targets = np.array([0, 3, 3, 7, 11])
    loss = w2v.hierarchical_softmax_loss(
        minigrad.tensor(hidden), minigrad.tensor(node_weight), minigrad.tensor(targets),
        minigrad.tensor(tree.nodes), minigrad.tensor(tree.signs))
    expected = [-math.log(path_probability(tree, t, hidden[i], node_weight))
                for i, t in enumerate(targets)]
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-12)


def test_hierarchical_loss_gradients():
    rng = np.random.default_rng(2)
    tree = w2v.build_huffman_tree([7, 1, 3, 3, 9, 2])
    nodes, signs = minigrad.tensor(tree.nodes), minigrad.tensor(tree.signs)
    hidden = minigrad.tensor(rng.normal(size=(4, 3)), requires_grad=True)
    node_weight = minigrad.tensor(rng.normal(size=(5, 3)), requires_grad=True)
    targets = minigrad.tensor([0, 4, 5, 4])

    def loss(h, u):
        return w2v.hierarchical_softmax_loss(h, u, targets, nodes, signs)

    assert gradcheck(loss, (hidden, node_weight))
    assert gradgradcheck(loss, (hidden, node_weight))


# ---------------------------------------------------------------------------------------------
# Negative sampling
# ---------------------------------------------------------------------------------------------

def test_negative_sampling_loss_matches_numpy():
    rng = np.random.default_rng(3)
    hidden = rng.normal(size=(4, 5))
    output_weight = rng.normal(size=(9, 5))
    targets = np.array([1, 8, 0, 1])
    negatives = rng.integers(0, 9, size=(4, 3))
    loss = w2v.negative_sampling_loss(minigrad.tensor(hidden), minigrad.tensor(output_weight),
                                      minigrad.tensor(targets), minigrad.tensor(negatives))
    expected = []
    for i in range(4):
        value = -math.log(sigmoid(output_weight[targets[i]] @ hidden[i]))
        for k in negatives[i]:
            value -= math.log(sigmoid(-(output_weight[k] @ hidden[i])))
        expected.append(value)
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-12)


def test_negative_sampling_loss_gradients():
    rng = np.random.default_rng(4)
    hidden = minigrad.tensor(rng.normal(size=(3, 2)), requires_grad=True)
    output_weight = minigrad.tensor(rng.normal(size=(6, 2)), requires_grad=True)
    targets = minigrad.tensor([5, 0, 5])
    negatives = minigrad.tensor([[1, 2], [5, 5], [0, 3]])

    def loss(h, u):
        return w2v.negative_sampling_loss(h, u, targets, negatives)

    assert gradcheck(loss, (hidden, output_weight))
    assert gradgradcheck(loss, (hidden, output_weight))


def test_untrained_model_loss_is_log2_per_term():
    # output vectors start at zero, so every score is 0 and every term is -log s(0) = log 2
    model = w2v.Word2Vec(10, 4, "skipgram", "negative")
    loss = model(minigrad.tensor([4, 5]), minigrad.tensor([6, 7]),
                 minigrad.tensor([[1, 2, 3], [4, 5, 6]]))
    np.testing.assert_allclose(loss.detach().numpy(), [4 * math.log(2)] * 2, rtol=1e-6)
    tree = w2v.build_huffman_tree([0, 0, 5, 1, 1, 2])
    model = w2v.Word2Vec(6, 4, "skipgram", "hierarchical", tree)
    loss = model(minigrad.tensor([2, 3]), minigrad.tensor([2, 4]))
    np.testing.assert_allclose(loss.detach().numpy(), tree.lengths[[2, 4]] * math.log(2),
                               rtol=1e-6)


def test_cbow_hidden_is_the_mean_of_the_context_vectors_without_padding():
    model = w2v.Word2Vec(7, 3, "cbow", "negative", pad=0)
    weight = model.input_vectors.weight.detach().numpy()
    assert (weight[0] == 0).all()
    contexts = np.array([[1, 2, 0, 3], [0, 0, 6, 0]])
    hidden = model.hidden(minigrad.tensor(contexts)).detach().numpy()
    np.testing.assert_allclose(hidden[0], (weight[1] + weight[2] + weight[3]) / 3, rtol=1e-6)
    np.testing.assert_allclose(hidden[1], weight[6], rtol=1e-6)


# ---------------------------------------------------------------------------------------------
# The corpus side: subsampling, noise, skip-gram pairs, CBOW windows
# ---------------------------------------------------------------------------------------------

def test_keep_probabilities_and_noise_distribution():
    counts = np.array([0, 1000, 10, 990])  # total 2000: f = 0, 0.5, 0.005, 0.495
    keep = w2v.keep_probabilities(counts, t=0.01)
    np.testing.assert_allclose(keep, [1.0, math.sqrt(0.01 / 0.5), 1.0, math.sqrt(0.01 / 0.495)])
    noise = w2v.noise_distribution(np.array([0, 16, 81]))  # 16^0.75 = 8, 81^0.75 = 27
    np.testing.assert_allclose(noise, [0.0, 8 / 35, 27 / 35])


def test_subsample_keeps_each_word_with_its_probability():
    rng = np.random.default_rng(5)
    corpus = np.repeat(np.array([1, 2]), 40_000)
    keep = np.array([1.0, 0.25, 1.0])
    kept = w2v.subsample(corpus, keep, rng)
    assert (kept == 2).sum() == 40_000
    # binomial(40,000, 0.25): mean 10,000, standard deviation ~87
    assert abs((kept == 1).sum() - 10_000) < 5 * 87


@given(st.lists(st.integers(0, 9), max_size=25), st.integers(1, 4), st.integers(0, 2**31 - 1))
def test_skipgram_pairs_match_nested_loops(words, window, seed):
    corpus = np.array(words, dtype=np.int64)
    sizes = np.random.default_rng(seed).integers(1, window + 1, size=len(corpus))
    centres, contexts = w2v.skipgram_pairs(corpus, sizes)
    expected = []
    for i in range(len(corpus)):
        for j in range(len(corpus)):
            if j != i and abs(j - i) <= sizes[i]:
                expected.append((int(corpus[i]), int(corpus[j])))
    assert sorted(zip(centres.tolist(), contexts.tolist())) == sorted(expected)


@given(st.lists(st.integers(1, 9), max_size=25), st.integers(1, 4), st.integers(0, 2**31 - 1))
def test_cbow_windows_match_nested_loops(words, window, seed):
    pad = 0
    corpus = np.array(words, dtype=np.int64)
    sizes = np.random.default_rng(seed).integers(1, window + 1, size=len(corpus))
    contexts, centres = w2v.cbow_windows(corpus, sizes, window, pad)
    expected_rows, expected_centres = [], []
    for i in range(len(corpus)):
        row = []
        for shift in list(range(-window, 0)) + list(range(1, window + 1)):
            j = i + shift
            inside = abs(shift) <= sizes[i] and 0 <= j < len(corpus)
            row.append(int(corpus[j]) if inside else pad)
        if any(value != pad for value in row):
            expected_rows.append(row)
            expected_centres.append(int(corpus[i]))
    assert contexts.shape == (len(expected_rows), 2 * window)
    assert contexts.tolist() == expected_rows
    assert centres.tolist() == expected_centres


# ---------------------------------------------------------------------------------------------
# Similarity scores
# ---------------------------------------------------------------------------------------------

def test_neighbours_and_pair_scores_on_hand_made_vectors():
    vocab = Vocab(["a", "b", "c", "d", "e"])
    vectors = np.zeros((len(vocab), 2))
    rows = {"a": (1.0, 0.0), "b": (2.0, 0.2), "c": (0.0, 3.0), "d": (-1.0, 0.0),
            "e": (1.0, 1.0)}
    for word, vector in rows.items():
        vectors[vocab[word]] = vector
    unit = w2v.unit_vectors(minigrad.tensor(vectors))
    valid = np.array([word in rows for word in vocab.itos])
    neighbours = w2v.nearest_neighbours(unit, vocab, "a", valid, k=4)
    assert [word for word, _ in neighbours] == ["b", "e", "c", "d"]
    assert neighbours[1][1] == pytest.approx(math.sqrt(0.5))
    scores = w2v.pair_scores(unit, vocab, valid, [("a", "b"), ("a", "c"), ("x", "a")],
                             np.random.default_rng(0), num_random=50)
    # b is a's nearest word (rank 1), c its third (after b and e); ("x", "a") is skipped
    assert scores["pairs"] == 2
    assert scores["median_rank"] == 2.0
    assert scores["top10"] == 1.0
    assert scores["pair_cosine"] == pytest.approx((math.cos(math.atan(0.1)) + 0.0) / 2)
    assert -1.0 <= scores["random_cosine"] <= 1.0


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------

def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="Word2Vec: model must be 'skipgram' or 'cbow', got "
                                         "'glove'"):
        w2v.Word2Vec(10, 4, model="glove")
    with pytest.raises(ValueError, match="Word2Vec: loss must be 'negative' or 'hierarchical'"):
        w2v.Word2Vec(10, 4, loss="softmax")
    with pytest.raises(ValueError, match="needs a Huffman tree over the 10 words"):
        w2v.Word2Vec(10, 4, loss="hierarchical")
    with pytest.raises(ValueError, match="needs a Huffman tree over the 10 words"):
        w2v.Word2Vec(10, 4, loss="hierarchical", tree=w2v.build_huffman_tree([1, 2, 3]))
    with pytest.raises(ValueError, match="build_huffman_tree: need counts for at least 2 "
                                         "words, got 1"):
        w2v.build_huffman_tree([5])


# ---------------------------------------------------------------------------------------------
# The example, --fast
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("model", ["skipgram", "cbow"])
@pytest.mark.parametrize("loss", ["negative", "hierarchical"])
def test_word2vec_fast_learns(model, loss, tmp_path):
    result = w2v.main(["--fast", "--model", model, "--loss", loss, "--out", str(tmp_path)])
    assert result["final_loss"] < result["initial_loss"]
    if loss == "negative":  # zero output vectors: 1 + 5 terms of log 2 each
        assert result["initial_loss"] == pytest.approx(6 * math.log(2), rel=1e-5)
    assert result["pairs"] == len(w2v.RELATED_PAIRS)
    assert -1.0 <= result["random_cosine"] <= 1.0 and -1.0 <= result["pair_cosine"] <= 1.0
    assert 1.0 <= result["median_rank"] < result["vocab"]
    assert 0.0 <= result["top10"] <= 1.0
    # the heatmap is written with or without matplotlib, and is a real PNG
    assert (tmp_path / "word2vec_similarity.png").read_bytes()[:8] == PNG_SIGNATURE
    if plotting_available():
        assert (tmp_path / "word2vec_loss.png").read_bytes()[:8] == PNG_SIGNATURE
