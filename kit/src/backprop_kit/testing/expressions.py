"""Expressions of the autodiff tests, sent as recipes and built into graphs the same way on both sides.

A recipe is plain data: {"inputs": [x_1, ..., x_k], "steps": [[op, i] or [op, i, j], ...]}. Nodes are numbered
in order: 0..k-1 are the inputs, and step s makes node k + s from earlier nodes i (and j): ["sin", i],
["add", i, j], ["mul", i, j] (i may equal j: b * b). The last node is the output. A node used by several
steps is a shared sub-expression. Only graphs and values are made here, never a derivative.
"""
from ..autodiff import Node, sin

# (sin(x) x)^2 + x as the lecture writes it, with the square as c = b * b: a = sin(x), b = a x, c = b b, y = c + x
LECTURE_STEPS = [["sin", 0], ["mul", 1, 0], ["mul", 2, 2], ["add", 3, 0]]


def lecture_recipe(x):
    """The recipe of (sin(x) x)^2 + x at x."""
    return {"inputs": [float(x)], "steps": [list(step) for step in LECTURE_STEPS]}


def build(recipe):
    """(output node, [input nodes]) of a recipe; every node has grad 0.0."""
    inputs = [Node(value) for value in recipe["inputs"]]
    nodes = list(inputs)
    for op, *operands in recipe["steps"]:
        args = [nodes[int(i)] for i in operands]
        if op == "sin":
            nodes.append(sin(args[0]))
        elif op == "add":
            nodes.append(args[0] + args[1])
        elif op == "mul":
            nodes.append(args[0] * args[1])
        else:
            raise ValueError(f"unknown step {op!r}")
    return nodes[-1], inputs


def formula(recipe):
    """The recipe as a readable formula in x_1, ..., x_k (one line per node: v_i = ...)."""
    k = len(recipe["inputs"])
    names = [f"x_{i + 1}" for i in range(k)]
    lines = []
    for s, (op, *operands) in enumerate(recipe["steps"]):
        a = [names[int(i)] for i in operands]
        names.append(f"v_{s + 1}")
        text = {"sin": lambda: f"sin({a[0]})", "add": lambda: f"{a[0]} + {a[1]}", "mul": lambda: f"{a[0]} * {a[1]}"}[op]()
        lines.append(f"{names[-1]} = {text}")
    return "\n".join(lines)
