"""The scalar autodiff: the kit builds graphs and values only; the reference reverse-mode rule
(backprop.autodiff) agrees with the closed form and with central differences, and the graphs where
overwriting gradients or visiting nodes in the wrong order gives a wrong answer."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop.autodiff import backward, central_differences, evaluate, local_derivatives, recipe_gradients
from backprop_kit.autodiff import Node, as_node, sin, topological_order
from backprop_kit.testing.expressions import build, formula, lecture_recipe

POINTS = np.linspace(-6.0, 6.0, 49)


def lecture_function(x):
    """(sin(x) x)^2 + x with the square written as b * b; works on Nodes and on floats (x is used three times)."""
    b = sin(x) * x
    return b * b + x


def lecture_derivative(x):
    return 2 * x * math.sin(x) * (math.sin(x) + x * math.cos(x)) + 1


def grad_at(f, value):
    x = Node(value)
    backward(f(x))
    return x.grad


def central_difference(f, value, eps=1e-6):
    return (f(value + eps) - f(value - eps)) / (2 * eps)


def test_the_kit_has_no_backward_pass():
    import backprop_kit.autodiff as kit
    assert not hasattr(Node, "backward") and not hasattr(Node, "__pow__")
    assert not any(name in vars(kit) for name in ("backward", "local_derivatives", "cos"))
    with pytest.raises(TypeError):
        Node(2.0) ** 2


@pytest.mark.parametrize("value", POINTS)
def test_lecture_example_matches_closed_form(value):
    x = Node(value)
    y = lecture_function(x)
    backward(y)
    assert y.value == pytest.approx(lecture_function(float(value)), rel=1e-12, abs=1e-12)
    assert x.grad == pytest.approx(lecture_derivative(value), rel=1e-10, abs=1e-10)


@pytest.mark.parametrize("value", [-2.3, 0.4, 1.5])
def test_lecture_recipe_builds_the_lecture_graph(value):
    output, (x,) = build(lecture_recipe(value))
    assert [node.op for node in topological_order(output)] == ["input", "sin", "mul", "mul", "add"]
    c = output.inputs[0]
    assert c.op == "mul" and c.inputs[0] is c.inputs[1]                 # c = b * b: b used twice by one node
    assert recipe_gradients(lecture_recipe(value))[0] == pytest.approx(lecture_derivative(value), rel=1e-12)
    assert "v_3 = v_2 * v_2" in formula(lecture_recipe(value))


@settings(max_examples=60, deadline=None)
@given(st.floats(-5, 5), st.floats(-3, 3), st.integers(1, 4))
def test_composite_functions_match_central_differences(a, b, p):
    """f(x) = a x^p sin(x) + sin(b + x x) + 2 (x^p as a product): every operation, x several times."""
    def f(x):
        power = x
        for _ in range(p - 1):
            power = power * x
        return a * power * sin(x) + sin(b + x * x) + 2

    for value in (-1.3, 0.4, 2.2):
        assert grad_at(f, value) == pytest.approx(central_difference(f, value), rel=1e-6, abs=1e-6)


def test_recipe_gradients_match_central_differences():
    recipe = {"inputs": [0.7, -1.2, 1.9],
              "steps": [["mul", 0, 1], ["sin", 3], ["add", 4, 2], ["mul", 5, 3], ["mul", 6, 0], ["add", 7, 4]]}
    assert evaluate(recipe, recipe["inputs"]) == pytest.approx(build(recipe)[0].value, rel=1e-15)
    assert recipe_gradients(recipe) == pytest.approx(central_differences(recipe), rel=1e-7)


def test_two_inputs_get_partial_derivatives():
    x, y = Node(0.7), Node(-1.9)
    z = x * y + sin(x * y) + y * y * y
    backward(z)
    xy = 0.7 * -1.9
    assert x.grad == pytest.approx(-1.9 * (1 + math.cos(xy)))
    assert y.grad == pytest.approx(0.7 * (1 + math.cos(xy)) + 3 * 1.9**2)


def test_constants_on_either_side():
    x = Node(2.0)
    y = 3 * x + x * 4 + 5 + x + 1.5
    backward(y)
    assert y.value == pytest.approx(3 * 2 + 2 * 4 + 5 + 2 + 1.5)
    assert x.grad == pytest.approx(8.0)


def test_nodes_remember_op_and_inputs():
    x = Node(0.5)
    a, b = sin(x), x * x
    assert (a.op, a.inputs) == ("sin", (x,)) and (b.op, b.inputs) == ("mul", (x, x))
    assert local_derivatives(b) == [(x, 0.5), (x, 0.5)] and local_derivatives(x) == []
    assert x.grad == 0.0 and x.op == "input" and x.inputs == ()


def test_node_of_node_and_unknown_op_are_refused():
    with pytest.raises(TypeError):
        Node(Node(1.0))
    with pytest.raises(ValueError):
        Node(1.0, "pow")


# -- the cases that catch the two classic mistakes ------------------------------------------------------------
def shared_node_graph():
    """x -> a = sin(x); b = a * x; c = b + a. The node a is used by c directly and, one level deeper, by b:
    d c/d a = 1 + x must be complete before a passes it on to x."""
    x = Node(0.9)
    a = sin(x)
    b = a * x
    c = b + a
    return x, c


def test_shared_node_graph_is_right():
    x, c = shared_node_graph()
    backward(c)
    expected = math.cos(0.9) * (1 + 0.9) + math.sin(0.9)   # d/dx (x sin x + sin x)
    assert x.grad == pytest.approx(expected, rel=1e-12)


def backward_with(output, order, accumulate):
    """The reference rule with a chosen node order and update rule, to show what the tests catch."""
    output.grad = 1.0
    for node in order:
        for parent, local in local_derivatives(node):
            parent.grad = parent.grad + local * node.grad if accumulate else local * node.grad


def breadth_first(output):
    order, queue = [], [output]
    while queue:
        node = queue.pop(0)
        order.append(node)
        queue.extend(node.inputs)
    return order


def test_overwriting_gradients_would_fail_the_lecture_example():
    x = Node(1.2)
    y = lecture_function(x)
    backward_with(y, list(reversed(topological_order(y))), accumulate=False)
    assert x.grad != pytest.approx(lecture_derivative(1.2), rel=1e-3)


def test_breadth_first_order_would_fail_the_shared_node_graph():
    x, c = shared_node_graph()
    backward_with(c, breadth_first(c), accumulate=True)
    assert x.grad != pytest.approx(math.cos(0.9) * 1.9 + math.sin(0.9), rel=1e-3)


def test_topological_order_puts_every_input_before_its_users():
    x = Node(0.3)
    y = lecture_function(x) * sin(x) + x * x
    order = topological_order(y)
    position = {id(node): i for i, node in enumerate(order)}
    assert order[-1] is y and len(position) == len(order)
    for node in order:
        for parent in node.inputs:
            assert position[id(parent)] < position[id(node)]


def test_long_chain_needs_no_recursion():
    x = Node(1.0)
    y = x
    for _ in range(5000):
        y = y * 1.0001 + 0.0
    backward(y)
    assert x.grad == pytest.approx(1.0001**5000, rel=1e-9)


def test_as_node_keeps_nodes_and_wraps_numbers():
    x = Node(1.0)
    assert as_node(x) is x
    assert as_node(2).value == 2.0 and as_node(2).inputs == ()
    assert sin(0.5) == pytest.approx(math.sin(0.5))
