"""A tiny computation graph on scalars, for the lecture's 自動微分 (automatic differentiation).

Arithmetic on `Node`s builds the graph: every node remembers what it computed (`op`), from which nodes
(`inputs`) and its `value`, and has a `grad` field (0.0 here) that a backward pass fills in with
d(output)/d(node). Writing that backward pass (the reverse-mode rule) is the exercise of notebook 11_02, so it
is not in the kit. Three operations are enough for the lecture's example: +, * and sin (a square is b * b).

    x = Node(1.5)
    a = sin(x)
    b = a * x
    c = b * b
    y = c + x            # y = (sin(x) x)^2 + x; x is used three times, b twice by the same node
    topological_order(y) # [x, a, b, c, y]: every node after all of its inputs
"""
import math

OPS = ("input", "add", "mul", "sin")    # "input": a leaf (an input variable or a constant number)


class Node:
    """One scalar of a computation.

    value: float; op: one of OPS; inputs: the nodes it was computed from (two for add and mul, in the order
    written, the same node twice for b * b; one for sin; none for a leaf); grad: float, 0.0 until a backward
    pass stores d(output)/d(this node) in it.
    """

    __slots__ = ("value", "op", "inputs", "grad")

    def __init__(self, value, op="input", inputs=()):
        if isinstance(value, Node):
            raise TypeError("Node(value) needs a number, not another Node")
        if op not in OPS:
            raise ValueError(f"op must be one of {OPS}; got {op!r}")
        self.value = float(value)
        self.op = op
        self.inputs = tuple(inputs)
        self.grad = 0.0

    def __repr__(self):
        return f"Node(op={self.op!r}, value={self.value:.6g}, grad={self.grad:.6g})"

    def __add__(self, other):
        other = as_node(other)
        return Node(self.value + other.value, "add", (self, other))

    def __mul__(self, other):
        other = as_node(other)
        return Node(self.value * other.value, "mul", (self, other))

    def __radd__(self, other):      # 3 + x
        return as_node(other) + self

    def __rmul__(self, other):      # 3 * x
        return as_node(other) * self


def as_node(value):
    """value as a Node: Nodes pass through, numbers become constants (leaf nodes)."""
    return value if isinstance(value, Node) else Node(value)


def sin(x):
    """sin of a Node (a new node with op "sin") or of a plain number."""
    if not isinstance(x, Node):
        return math.sin(x)
    return Node(math.sin(x.value), "sin", (x,))


def topological_order(output):
    """All nodes that `output` depends on, each once and after all of its inputs (output last).

    Depth-first search without recursion, so long chains do not hit Python's recursion limit.
    """
    order, seen = [], set()
    stack = [(output, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((parent, False) for parent in reversed(node.inputs) if id(parent) not in seen)
    return order
