"""The scalar reverse-mode autodiff against the closed form, against central differences, and on graphs
where overwriting gradients or visiting nodes in the wrong order gives a wrong answer."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_kit.autodiff import Node, as_node, sin, topological_order

POINTS = np.linspace(-6.0, 6.0, 49)


def lecture_function(x):
    """(sin(x) x)^2 + x; works on Nodes and on floats (x is used three times)."""
    return (sin(x) * x) ** 2 + x


def lecture_derivative(x):
    return 2 * x * math.sin(x) * (math.sin(x) + x * math.cos(x)) + 1


def grad_at(f, value):
    x = Node(value)
    f(x).backward()
    return x.grad


def central_difference(f, value, eps=1e-6):
    return (f(value + eps) - f(value - eps)) / (2 * eps)


@pytest.mark.parametrize("value", POINTS)
def test_lecture_example_matches_closed_form(value):
    x = Node(value)
    y = lecture_function(x)
    y.backward()
    assert y.value == pytest.approx(lecture_function(float(value)), rel=1e-12, abs=1e-12)
    assert x.grad == pytest.approx(lecture_derivative(value), rel=1e-10, abs=1e-10)


@settings(max_examples=60, deadline=None)
@given(st.floats(-5, 5), st.floats(-3, 3), st.integers(1, 4))
def test_composite_functions_match_central_differences(a, b, p):
    """f(x) = a x^p sin(x) + sin(b + x x) + 2: uses every operation, x several times."""
    def f(x):
        return a * (x ** p) * sin(x) + sin(b + x * x) + 2

    for value in (-1.3, 0.4, 2.2):
        assert grad_at(f, value) == pytest.approx(central_difference(f, value), rel=1e-6, abs=1e-6)


def test_two_inputs_get_partial_derivatives():
    x, y = Node(0.7), Node(-1.9)
    z = x * y + sin(x * y) + y ** 3
    z.backward()
    xy = 0.7 * -1.9
    assert x.grad == pytest.approx(-1.9 * (1 + math.cos(xy)))
    assert y.grad == pytest.approx(0.7 * (1 + math.cos(xy)) + 3 * 1.9**2)


def test_constants_on_either_side():
    x = Node(2.0)
    y = 3 * x + x * 4 + 5 + x + 1.5
    y.backward()
    assert y.value == pytest.approx(3 * 2 + 2 * 4 + 5 + 2 + 1.5)
    assert x.grad == pytest.approx(8.0)


def test_power_by_a_fractional_constant():
    x = Node(2.5)
    (x ** 0.5).backward()
    assert x.grad == pytest.approx(0.5 / math.sqrt(2.5))


def test_power_by_a_node_is_refused_clearly():
    with pytest.raises(TypeError, match="constant"):
        Node(2.0) ** Node(3.0)


def test_node_of_node_is_refused():
    with pytest.raises(TypeError):
        Node(Node(1.0))


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
    c.backward()
    expected = math.cos(0.9) * (1 + 0.9) + math.sin(0.9)   # d/dx (x sin x + sin x)
    assert x.grad == pytest.approx(expected, rel=1e-12)


def backward_with(output, order, accumulate):
    """A reference backward pass with a chosen node order and update rule, to show what the tests catch."""
    output.grad = 1.0
    for node in order:
        for parent, local in node.parents:
            parent.grad = parent.grad + local * node.grad if accumulate else local * node.grad


def breadth_first(output):
    order, queue = [], [output]
    while queue:
        node = queue.pop(0)
        order.append(node)
        queue.extend(parent for parent, _ in node.parents)
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
    y = lecture_function(x) * sin(x) + x ** 2
    order = topological_order(y)
    position = {id(node): i for i, node in enumerate(order)}
    assert order[-1] is y and len(position) == len(order)
    for node in order:
        for parent, _ in node.parents:
            assert position[id(parent)] < position[id(node)]


def test_long_chain_needs_no_recursion():
    x = Node(1.0)
    y = x
    for _ in range(5000):
        y = y * 1.0001 + 0.0
    y.backward()
    assert x.grad == pytest.approx(1.0001**5000, rel=1e-9)


def test_as_node_keeps_nodes_and_wraps_numbers():
    x = Node(1.0)
    assert as_node(x) is x
    assert as_node(2).value == 2.0 and as_node(2).parents == ()
    assert sin(0.5) == pytest.approx(math.sin(0.5))
