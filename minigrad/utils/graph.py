"""Graph export: the computation graph behind a tensor as Graphviz DOT text.

Holds: to_dot(tensor).

Render the text with Graphviz (``dot -Tsvg graph.dot -o graph.svg``) or paste it into any DOT
viewer.  Boxes are ops (the Function that ran), ellipses are tensors; arrows follow the data,
from the inputs of an op to the op and from the op to its output.
"""

from __future__ import annotations

from collections import deque

from ..tensor import Tensor

__all__ = ["to_dot"]


def _quote(text: str) -> str:
    """A DOT string literal: backslashes and quotes escaped, line breaks as DOT's \\n."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\n", "\\n") + '"'


def _tensor_label(tensor: Tensor) -> str:
    lines = [] if tensor.name is None else [str(tensor.name)]
    lines.append(f"{tuple(tensor.shape)} {tensor.dtype.name}")
    if tensor.device.type != "cpu":
        lines.append(str(tensor.device))
    flags = []
    if tensor.is_leaf:
        flags.append("leaf")
    if tensor.requires_grad:
        flags.append("requires_grad")
    if flags:
        lines.append(", ".join(flags))
    return "\n".join(lines)


def _tensor_style(tensor: Tensor, is_root: bool) -> str:
    """Tensors keep DOT's default shape, an ellipse.  Leaves that backward gives a .grad are
    filled; the tensor the graph is drawn from has a thick outline."""
    style = ""
    if tensor.is_leaf and tensor.requires_grad:
        style += ", style=filled, fillcolor=lightblue"
    if is_root:
        style += ", penwidth=2"
    return style


def to_dot(tensor: Tensor | list | tuple, graph_name: str = "minigrad") -> str:
    """The graph that computed ``tensor`` (or each tensor of a list), in Graphviz DOT.

    One box per op, labelled with its Function's name (``Mul``, ``Sum``, ...; ``(freed)`` once
    backward has released it), and one ellipse per tensor, labelled with its name if set, shape,
    dtype, and whether it is a leaf and requires grad.  Edges go in the data-flow direction:
    input tensor -> op -> output tensor (a tensor used twice by one op has two edges).  The
    graph is walked without recursion, so deep graphs work, and nodes are numbered in the order
    they are found, so the same graph always gives the same text.

    >>> import minigrad
    >>> x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    >>> x.name = "x"
    >>> print(to_dot((x * x).sum()))
    digraph minigrad {
      node [fontname="Helvetica"];
      t0 [label="() float32\\nrequires_grad", penwidth=2];
      f0 [label="Sum", shape=box];
      t1 [label="(2,) float32\\nrequires_grad"];
      f1 [label="Mul", shape=box];
      t2 [label="x\\n(2,) float32\\nleaf, requires_grad", style=filled, fillcolor=lightblue];
      f0 -> t0;
      t1 -> f0;
      f1 -> t1;
      t2 -> f1;
      t2 -> f1;
    }
    """
    roots = [tensor] if isinstance(tensor, Tensor) else list(tensor)
    for root in roots:
        if not isinstance(root, Tensor):
            raise TypeError(f"to_dot expects a Tensor or a list of Tensors, got "
                            f"{type(root).__name__}")

    node_lines = []
    edge_lines = []
    tensor_ids = {}  # id(Tensor) -> DOT node name
    function_ids = {}  # id(Function) -> DOT node name
    keep_alive = []  # the objects whose id() is a key above stay alive during the walk
    pending = deque()  # tensors whose producing op has not been looked at yet

    def tensor_node(t: Tensor) -> str:
        node = tensor_ids.get(id(t))
        if node is None:
            node = f"t{len(tensor_ids)}"
            tensor_ids[id(t)] = node
            keep_alive.append(t)
            is_root = any(t is root for root in roots)
            node_lines.append(f"  {node} [label={_quote(_tensor_label(t))}"
                              f"{_tensor_style(t, is_root)}];")
            pending.append(t)
        return node

    for root in roots:
        tensor_node(root)
    while pending:
        current = pending.popleft()
        function = current.creator
        if function is None:
            continue
        op = function_ids.get(id(function))
        if op is not None:  # another output of an op already drawn
            edge_lines.append(f"  {op} -> {tensor_ids[id(current)]};")
            continue
        op = f"f{len(function_ids)}"
        function_ids[id(function)] = op
        keep_alive.append(function)
        label = function.name + (" (freed)" if function.released else "")
        node_lines.append(f"  {op} [label={_quote(label)}, shape=box];")
        edge_lines.append(f"  {op} -> {tensor_ids[id(current)]};")
        for source in function.inputs or ():  # a released op no longer knows its inputs
            edge_lines.append(f"  {tensor_node(source)} -> {op};")

    lines = [f"digraph {graph_name} {{", '  node [fontname="Helvetica"];']
    return "\n".join(lines + node_lines + edge_lines + ["}"])
