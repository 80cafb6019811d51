"""to_dot: the DOT text is parsed back into nodes and edges and compared with a graph whose
shape is known by construction."""

import re

import numpy as np
import pytest

import minigrad
from minigrad.autograd import Function
from minigrad.utils import to_dot

NODE = re.compile(r'^  (\w+) \[label="((?:[^"\\]|\\.)*)"(.*)\];$')
EDGE = re.compile(r"^  (\w+) -> (\w+);$")


def parse(text):
    """DOT text -> ({node: (label, attributes)}, [(source, target), ...]).  Fails on any line
    that is neither a node, an edge nor the graph's frame."""
    lines = text.split("\n")
    assert re.match(r"^digraph \w+ \{$", lines[0]), lines[0]
    assert lines[-1] == "}"
    nodes, edges = {}, []
    for line in lines[1:-1]:
        if line == '  node [fontname="Helvetica"];':
            continue
        node = NODE.match(line)
        edge = EDGE.match(line)
        assert node or edge, f"not a node or an edge: {line!r}"
        if node:
            assert node.group(1) not in nodes, f"node {node.group(1)} declared twice"
            nodes[node.group(1)] = (node.group(2).replace("\\n", "\n"), node.group(3))
        else:
            edges.append((edge.group(1), edge.group(2)))
    for source, target in edges:
        assert source in nodes and target in nodes, (source, target)
    return nodes, edges


def ops(nodes):
    return {name: label for name, (label, attributes) in nodes.items() if "shape=box" in
            attributes}


def tensors(nodes):
    return {name: label for name, (label, attributes) in nodes.items() if "shape=box" not in
            attributes}


def by_label(nodes, text):
    found = [name for name, (label, _) in nodes.items() if label.split("\n")[0] == text]
    assert len(found) == 1, (text, found)
    return found[0]


def _known_graph():
    # loss = sum(x * w + c): ops Mul, Add, Sum; tensors x, w, c, x*w, x*w+c, loss
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    w = minigrad.tensor([3.0, 4.0], requires_grad=True)
    c = minigrad.tensor([0.5, 0.5])
    x.name, w.name, c.name = "x", "w", "c"
    product = x * w
    product.name = "product"
    total = product + c
    total.name = "total"
    loss = total.sum()
    loss.name = "loss"
    return loss


def test_known_graph_has_the_right_nodes_and_edges():
    nodes, edges = parse(to_dot(_known_graph()))
    assert sorted(ops(nodes).values()) == ["Add", "Mul", "Sum"]
    assert len(tensors(nodes)) == 6
    assert len(edges) == 8
    name = {text: by_label(nodes, text) for text in
            ["x", "w", "c", "product", "total", "loss", "Mul", "Add", "Sum"]}
    expected = {
        (name["x"], name["Mul"]), (name["w"], name["Mul"]), (name["Mul"], name["product"]),
        (name["product"], name["Add"]), (name["c"], name["Add"]), (name["Add"], name["total"]),
        (name["total"], name["Sum"]), (name["Sum"], name["loss"]),
    }
    assert set(edges) == expected, "edges must follow the data flow: input -> op -> output"


def test_tensor_labels_show_name_shape_dtype_and_flags():
    nodes, _ = parse(to_dot(_known_graph()))
    label = {text: nodes[by_label(nodes, text)][0] for text in ["x", "c", "total", "loss"]}
    assert label["x"] == "x\n(2,) float32\nleaf, requires_grad"
    assert label["c"] == "c\n(2,) float32\nleaf"
    assert label["total"] == "total\n(2,) float32\nrequires_grad"
    assert label["loss"] == "loss\n() float32\nrequires_grad"
    unnamed = minigrad.zeros(2, 3, dtype=minigrad.float64, requires_grad=True) * 2.0
    nodes, _ = parse(to_dot(unnamed))
    assert "(2, 3) float64\nrequires_grad" in tensors(nodes).values()


def test_leaves_that_get_grad_and_the_root_are_highlighted():
    nodes, _ = parse(to_dot(_known_graph()))
    assert "fillcolor" in nodes[by_label(nodes, "x")][1]
    assert "fillcolor" not in nodes[by_label(nodes, "c")][1]
    assert "penwidth" in nodes[by_label(nodes, "loss")][1]
    assert "penwidth" not in nodes[by_label(nodes, "total")][1]


def test_a_tensor_used_twice_in_one_op_has_two_edges():
    x = minigrad.tensor([1.0], requires_grad=True)
    nodes, edges = parse(to_dot(x * x))
    assert len(ops(nodes)) == 1 and len(tensors(nodes)) == 2
    assert len(edges) == 3
    assert len(set(edges)) == 2


def test_diamond_shares_nodes():
    # a = 2x and b = x + 1 both read x; y = a * b: x appears once, with two outgoing edges
    x = minigrad.tensor([1.0], requires_grad=True)
    x.name = "x"
    y = (x * 2.0) * (x + 1.0)
    nodes, edges = parse(to_dot(y))
    assert sorted(ops(nodes).values()) == ["Add", "Mul", "Mul"]
    # tensors: y, 2x, x + 1, x, and the constants 2.0 and 1.0
    assert len(tensors(nodes)) == 6
    assert sum(1 for source, _ in edges if source == by_label(nodes, "x")) == 2
    assert len(edges) == 3 + 3 + 3


class _TwoOutputs(Function):
    def forward(self, x):
        return x * 2.0, x * 3.0

    # d/dx (2x, 3x) = (2, 3)
    def backward(self, grad_first, grad_second):
        return grad_first * 2.0 + grad_second * 3.0


def test_multi_output_op_is_one_node_with_two_output_edges():
    x = minigrad.tensor([1.0], requires_grad=True)
    first, second = _TwoOutputs()(x)
    nodes, edges = parse(to_dot(first + second))
    assert sorted(ops(nodes).values()) == ["Add", "_TwoOutputs"]
    op = [name for name, label in ops(nodes).items() if label == "_TwoOutputs"][0]
    assert sum(1 for source, _ in edges if source == op) == 2


def test_several_roots():
    x = minigrad.tensor([1.0], requires_grad=True)
    y = x * 2.0
    z = y * 3.0
    nodes, edges = parse(to_dot([y, z]))
    assert len(ops(nodes)) == 2
    assert len(tensors(nodes)) == 5  # y, z, x, and the constants 2.0 and 3.0
    assert len(edges) == 6


def test_a_leaf_alone():
    nodes, edges = parse(to_dot(minigrad.ones(2)))
    assert list(tensors(nodes).values()) == ["(2,) float32\nleaf"]
    assert edges == []


def test_output_is_deterministic():
    first = to_dot(_known_graph())
    again = to_dot(_known_graph())
    assert first == again


def test_deep_graph_without_recursion():
    x = minigrad.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y + 1.0
    nodes, edges = parse(to_dot(y))
    assert len(ops(nodes)) == 10_000
    assert len(tensors(nodes)) == 1 + 10_000 + 10_000  # x, each result, each constant 1.0
    assert len(edges) == 3 * 10_000


def test_freed_graph_is_still_drawn():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * 3.0).sum()
    loss.backward()
    nodes, edges = parse(to_dot(loss))
    assert list(ops(nodes).values()) == ["Sum (freed)"]
    assert len(edges) == 1


def test_labels_are_escaped():
    x = minigrad.tensor([1.0], requires_grad=True)
    x.name = 'say "hi" \\ bye'
    nodes, _ = parse(to_dot(x * 2.0))
    assert 'say \\"hi\\" \\\\ bye' in [label.split("\n")[0] for label, _ in nodes.values()]


def test_bad_argument():
    with pytest.raises(TypeError, match="Tensor"):
        to_dot(np.ones(2))
