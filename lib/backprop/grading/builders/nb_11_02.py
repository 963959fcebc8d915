"""Cases of 11_02 (誤差逆伝播法). Truth: central differences of the case's loss (`reference`), and for the one
network too large for central differences in the student's kernel, the reference backward (checked against
central differences by the project's own tests)."""
from ..cases import generated_case
from ..reference import numerical_delta, numerical_layer_gradients, numerical_param_gradients
from . import Built
from .strong import strong_case

# A network on which backward takes milliseconds and central differences (2 forward passes per parameter,
# 16,960 parameters, N = 1,500) take minutes: an answer by numerical differentiation cannot pass in time.
# It travels as a recipe (backprop_kit.testing.networks); the kernel computes hs with the notebook's forward.
LARGE = ((120, 90, 60, 10), 1500)


def large_case(rng):
    """(kernel inputs, Case) of the large network, drawn from rng."""
    recipe = {"sizes": list(LARGE[0]), "n_samples": LARGE[1], "seed": int(rng.integers(2**31)),
              "targets": "one-hot", "arguments": ["params", "hs", "t"]}
    return {"generated": recipe}, generated_case(recipe)


def _context(name, case, layer, inputs):
    return {"exercise": name, "case": case, "layer": layer, "inputs": inputs}


def build_output_delta(cases):
    inputs, expected, context = [], [], []
    for case in cases:
        given = {"h_L": case.hs[-1], "t": case.t}
        inputs.append(given)
        expected.append(numerical_delta(case, case.depth))
        context.append(_context("output_delta", case, case.depth, given))
    return Built({"cases": inputs}, expected, context)


def build_hidden_delta(cases_and_layers):
    inputs, expected, context = [], [], []
    for case, layer in cases_and_layers:
        given = {"delta_next": numerical_delta(case, layer + 1), "W_next": case.params[2 * layer], "h": case.hs[layer]}
        inputs.append(given)
        expected.append(numerical_delta(case, layer))
        context.append(_context("hidden_delta", case, layer, given))
    return Built({"cases": inputs}, expected, context)


def build_param_gradients(cases_and_layers):
    inputs, expected, context = [], [], []
    for case, layer in cases_and_layers:
        given = {"delta": numerical_delta(case, layer), "h_prev": case.hs[layer - 1]}
        inputs.append(given)
        expected.append(list(numerical_layer_gradients(case, layer)))
        context.append(_context("param_gradients", case, layer, given))
    return Built({"cases": inputs}, expected, context)


def build_backward(cases, truth=numerical_param_gradients):
    inputs, expected, context = [], [], []
    for case in cases:
        given = {"params": list(case.params), "hs": list(case.hs), "t": case.t}
        inputs.append(given)
        expected.append(list(truth(case)))
        context.append(_context("backward", case, None, given))
    return Built({"cases": inputs}, expected, context)


def reference_gradients(case):
    """The reference backward pass on the case (for networks too large for central differences)."""
    return case.network().backward(list(case.hs), case.t)


def output_delta_visible(rng):
    return build_output_delta([strong_case(rng, 2, fixed=((2, 4, 3), 5, 101))])


def output_delta_hidden(rng):
    return build_output_delta([strong_case(rng, 2), strong_case(rng, 3)])


def hidden_delta_visible(rng):
    case = strong_case(rng, 2, fixed=((2, 4, 3), 5, 102))
    return build_hidden_delta([(case, 1)])


def hidden_delta_hidden(rng):
    cases = [strong_case(rng, 3), strong_case(rng, 4)]
    return build_hidden_delta([(case, int(rng.integers(1, case.depth))) for case in cases])


def param_gradients_visible(rng):
    case = strong_case(rng, 2, fixed=((2, 4, 3), 5, 103))
    return build_param_gradients([(case, 2)])


def param_gradients_hidden(rng):
    cases = [strong_case(rng, 3) for _ in range(3)]
    return build_param_gradients([(case, int(rng.integers(1, case.depth + 1))) for case in cases])


def backward_visible(rng):
    return build_backward([strong_case(rng, 2, fixed=((2, 3, 4), 5, 104)),
                           strong_case(rng, 3, fixed=((3, 5, 2, 4), 6, 105))])


def backward_hidden_deep(rng):
    return build_backward([strong_case(rng, 4)])


def backward_hidden_deeper(rng):
    small = build_backward([strong_case(rng, 5)])
    given, case = large_case(rng)
    return Built({"cases": small.inputs["cases"] + [given]}, small.expected + [reference_gradients(case)],
                 small.context + [_context("backward", case, None, given)])


BUILDERS = {
    "test_output_delta_visible": output_delta_visible,
    "test_output_delta_hidden": output_delta_hidden,
    "test_hidden_delta_visible": hidden_delta_visible,
    "test_hidden_delta_hidden": hidden_delta_hidden,
    "test_param_gradients_visible": param_gradients_visible,
    "test_param_gradients_hidden": param_gradients_hidden,
    "test_backward_visible": backward_visible,
    "test_backward_hidden_deep": backward_hidden_deep,
    "test_backward_hidden_deeper": backward_hidden_deeper,
    "test_backward_hidden_shapes": lambda rng: build_backward([strong_case(rng, 4)]),
    "test_backward_hidden_unchanged": lambda rng: build_backward([strong_case(rng, 4)]),
}
