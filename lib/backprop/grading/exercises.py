"""Entry points for hidden tests: build a case, run the student's function, take plain values, judge.

Each check raises AssertionError (a `GradingError` for wrong values) with a Japanese message, or returns
None. Returning nothing matters: nbgrader reads a number displayed by a test cell's last line as that cell's
partial score, so a check that returned, say, a relative error of 1e-9 would award 1e-9 points.

The signatures follow notebook 11_02 (誤差逆伝播法):

    output_delta(h_L, t) -> delta^L                      (N, K)
    hidden_delta(delta_next, W_next, h) -> delta^l        (N, n_l)
    param_gradients(delta, h_prev) -> (dW^l, db^l)        (n_l, n_{l-1}), (n_l,)
    backward(params, hs, t) -> [dW^1, db^1, ..., dW^L, db^L]

`check_backward` and `check_inputs_unchanged` take any gradient function: pass `hidden`/`output` for other
networks (e.g. output='identity' for regression) and `arguments` for other signatures.
"""
from .canary import guarded_check
from .cases import make_case
from .judge import GradingError, judge_arrays
from .mistakes import HINTS, Diagnosis
from backprop_kit.testing.plain import plain_array, plain_arrays
from .reference import numerical_delta, numerical_layer_gradients, numerical_param_gradients
from .run import call_student


def default_arguments(case):
    """The arguments of backward(params, hs, t) for a case."""
    return {"params": case.params, "hs": case.hs, "t": case.t}


def _check_layer(case, layer, highest):
    """ValueError (for the instructor) unless 1 <= layer <= highest."""
    if isinstance(layer, bool) or not isinstance(layer, int) or not 1 <= layer <= highest:
        raise ValueError(f"layer must be an integer from 1 to {highest} for a network of depth {case.depth}; got {layer!r}")


def _judge_delta(function, function_name, case, layer, inputs, expected_shape):
    """Run a function that returns delta^layer and judge it against central differences."""
    outcome = call_student(function, inputs, function_name)
    delta = plain_array(outcome.value, f"{function_name} の戻り値 δ", case.hs[layer].shape, expected_shape)
    judge_arrays([delta], [numerical_delta(case, layer)], ["δ"], function_name, case, layer, inputs, outcome.changed)


@guarded_check
def check_output_delta(output_delta, sizes, n_samples, seed=0):
    """delta^L = dL/dg^L of a softmax + cross-entropy network, judged against central differences."""
    case = make_case(sizes, n_samples, seed=seed)
    inputs = {"h_L": case.hs[-1], "t": case.t}
    _judge_delta(output_delta, "output_delta", case, case.depth, inputs, "h^L と同じ形 (N, K)")


@guarded_check
def check_hidden_delta(hidden_delta, sizes, n_samples, layer, seed=0):
    """delta^layer from the true delta^(layer+1), W^(layer+1) and h^layer of a sigmoid network."""
    case = make_case(sizes, n_samples, seed=seed)
    _check_layer(case, layer, case.depth - 1)
    inputs = {"delta_next": numerical_delta(case, layer + 1), "W_next": case.params[2 * layer],
              "h": case.hs[layer]}
    _judge_delta(hidden_delta, "hidden_delta", case, layer, inputs, "h と同じ形 (N, n_l)")


@guarded_check
def check_param_gradients(param_gradients, sizes, n_samples, layer, seed=0):
    """(dW^layer, db^layer) from the true delta^layer and h^(layer-1)."""
    case = make_case(sizes, n_samples, seed=seed)
    _check_layer(case, layer, case.depth)
    inputs = {"delta": numerical_delta(case, layer), "h_prev": case.hs[layer - 1]}
    outcome = call_student(param_gradients, inputs, "param_gradients")
    names = ["dW", "db"]
    shapes = [case.params[2 * layer - 2].shape, case.params[2 * layer - 1].shape]
    student = plain_arrays(outcome.value, names, shapes, ["W と同じ形 (n_l, n_{l-1})", "b と同じ形 (n_l,)"])
    judge_arrays(student, numerical_layer_gradients(case, layer), names, "param_gradients", case, layer, inputs,
                 outcome.changed)


def run_gradient_function(function, case, function_name, arguments):
    """Call a gradient function on the case; (Outcome, plain float64 gradients in params order)."""
    outcome = call_student(function, arguments(case), function_name)
    shapes = [p.shape for p in case.params]
    grads = plain_arrays(outcome.value, case.param_names(), shapes, case.param_shape_labels())
    return outcome, grads


@guarded_check
def check_backward(backward, sizes, n_samples, seed=0, hidden="sigmoid", output="softmax",
                   function_name="backward", arguments=default_arguments):
    """Every gradient array of a whole backward pass, judged against central differences of the loss."""
    case = make_case(sizes, n_samples, hidden=hidden, output=output, seed=seed)
    outcome, grads = run_gradient_function(backward, case, function_name, arguments)
    judge_arrays(grads, numerical_param_gradients(case), case.param_names(), "backward", case,
                 inputs=arguments(case), changed=outcome.changed)


@guarded_check
def check_backward_shapes(backward, sizes, n_samples, seed=0, hidden="sigmoid", output="softmax",
                          function_name="backward", arguments=default_arguments):
    """Only the structure: a list of 2L arrays in params order, each of its parameter's shape."""
    case = make_case(sizes, n_samples, hidden=hidden, output=output, seed=seed)
    run_gradient_function(backward, case, function_name, arguments)


@guarded_check
def check_inputs_unchanged(backward, sizes, n_samples, seed=0, hidden="sigmoid", output="softmax",
                           function_name="backward", arguments=default_arguments):
    """Computing gradients must leave every argument (parameters, caches, targets) exactly as it was."""
    case = make_case(sizes, n_samples, hidden=hidden, output=output, seed=seed)
    outcome, _ = run_gradient_function(backward, case, function_name, arguments)
    if outcome.changed:
        changed = "、".join(outcome.changed)
        raise GradingError(f"{function_name} を呼ぶと引数 {changed} の中身が変わります。\nヒント: "
                           + HINTS["inputs_changed"], [Diagnosis("inputs_changed", HINTS["inputs_changed"])])
