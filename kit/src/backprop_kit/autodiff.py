"""A tiny reverse-mode automatic differentiation on scalars (the lecture's 自動微分).

Every arithmetic step builds a `Node` that remembers its inputs and the local derivative with respect to
each of them. `backward()` then applies the chain rule from the output back to the inputs, exactly like
backpropagation: a node passes on d(out)/d(node) only after ALL of its users have sent theirs, so nodes are
visited in reverse topological order, and contributions arriving along different paths are ADDED.

    x = Node(1.5)
    y = (sin(x) * x) ** 2 + x     # x is used three times
    y.backward()
    x.grad                        # = 2x sin x (sin x + x cos x) + 1
"""
import math


class Node:
    """A scalar value in a computation, with the gradient d(output)/d(this value) filled in by `backward`.

    value: float; grad: float (0 until a backward pass reaches this node);
    parents: tuple of (input Node, local derivative d(this)/d(input)).
    """

    __slots__ = ("value", "grad", "parents")

    def __init__(self, value, parents=()):
        if isinstance(value, Node):
            raise TypeError("Node(value) needs a number, not another Node")
        self.value = float(value)
        self.grad = 0.0
        self.parents = tuple(parents)

    def __repr__(self):
        return f"Node(value={self.value:.6g}, grad={self.grad:.6g})"

    def __add__(self, other):
        other = as_node(other)
        return Node(self.value + other.value, [(self, 1.0), (other, 1.0)])

    def __mul__(self, other):
        other = as_node(other)
        return Node(self.value * other.value, [(self, other.value), (other, self.value)])

    def __pow__(self, exponent):
        """self ** c for a constant number c: derivative c * self^(c-1)."""
        if isinstance(exponent, Node):
            raise TypeError("only powers by a constant number are supported (x ** 2, not x ** y)")
        c = float(exponent)
        return Node(self.value**c, [(self, c * self.value ** (c - 1))])

    __radd__ = __add__      # 3 + x
    __rmul__ = __mul__      # 3 * x

    def backward(self):
        """Fill in `grad` of every node this one depends on with d(self)/d(node).

        Gradients are accumulated (+=) into whatever `grad` holds, so run it once on freshly built nodes.
        """
        self.grad += 1.0
        for node in reversed(topological_order(self)):
            for parent, local in node.parents:
                parent.grad += local * node.grad


def as_node(value):
    """value as a Node: Nodes pass through, numbers become constants (leaf nodes)."""
    return value if isinstance(value, Node) else Node(value)


def sin(x):
    """sin of a Node (derivative cos x) or of a plain number."""
    if not isinstance(x, Node):
        return math.sin(x)
    return Node(math.sin(x.value), [(x, math.cos(x.value))])


def topological_order(output):
    """All nodes that `output` depends on, each listed after all of its inputs (output last).

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
        stack.extend((parent, False) for parent, _ in node.parents if id(parent) not in seen)
    return order
