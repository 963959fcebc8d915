"""Reverse-mode automatic differentiation of the kit's scalar graphs (backprop_kit.autodiff): the reference
answer of 11_02's 自動微分 exercise, and the grader's truth for expressions sent as recipes.

The rule: the output's grad is 1; then, visiting nodes in reverse topological order (a node only after every
node that uses it has passed its share on), each node adds grad times its local derivative to each input:
add -> 1 and 1, mul a * b -> b and a (for b * b both shares go to b), sin(a) -> cos(a). Contributions that
arrive along different paths are added (+=), the multivariable chain rule.
"""
import math

from backprop_kit.autodiff import topological_order
from backprop_kit.testing.expressions import build


def local_derivatives(node):
    """[(input node, d node / d input)] of one node, one entry per operand (b * b gives b twice)."""
    if node.op == "add":
        return [(node.inputs[0], 1.0), (node.inputs[1], 1.0)]
    if node.op == "mul":
        a, b = node.inputs
        return [(a, b.value), (b, a.value)]
    if node.op == "sin":
        return [(node.inputs[0], math.cos(node.inputs[0].value))]
    return []


def backward(output):
    """Fill in `grad` of every node `output` depends on with d(output)/d(node). Grads are added to what the
    nodes hold, so run it once on a freshly built graph."""
    output.grad += 1.0
    for node in reversed(topological_order(output)):
        for parent, local in local_derivatives(node):
            parent.grad += local * node.grad


def recipe_gradients(recipe):
    """[d(output)/d(x_i)] of a recipe (backprop_kit.testing.expressions), by `backward`."""
    output, inputs = build(recipe)
    backward(output)
    return [x.grad for x in inputs]


def evaluate(recipe, values):
    """The output of a recipe at the input values, on plain floats (no graph)."""
    nodes = [float(v) for v in values]
    for op, *operands in recipe["steps"]:
        a = [nodes[int(i)] for i in operands]
        nodes.append(math.sin(a[0]) if op == "sin" else a[0] + a[1] if op == "add" else a[0] * a[1])
    return nodes[-1]


def central_differences(recipe, eps=1e-6):
    """[d(output)/d(x_i)] of a recipe by central differences (x_i +- eps)."""
    values = [float(v) for v in recipe["inputs"]]
    grads = []
    for i in range(len(values)):
        up, down = list(values), list(values)
        up[i] += eps
        down[i] -= eps
        grads.append((evaluate(recipe, up) - evaluate(recipe, down)) / (2 * eps))
    return grads
