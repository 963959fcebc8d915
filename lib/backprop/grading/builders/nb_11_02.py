"""Cases of 11_02 (誤差逆伝播法). Truth: central differences of the case's loss (`reference`), and for the one
network too large for central differences in the student's kernel, the reference backward (checked against
central differences by the project's own tests)."""
import numpy as np

from backprop_kit.testing.expressions import lecture_recipe
from backprop_kit.testing.sketch import sketch_matrices, sketch_value

from ...autodiff import recipe_gradients
from ..cases import generated_case
from ..expressions import random_recipe
from ..reference import numerical_delta, numerical_layer_gradients, numerical_param_gradients
from . import Built
from ..mistakes import shrink_factor_models
from .strong import strong_case

# A network on which backward takes a fraction of a second and numerical differentiation cannot finish in a cell,
# even by the cheapest route: each layer's delta by central differences of the per-sample losses, one unit for all
# samples at once (2 n_l passes per layer through the layers after it), then dW = delta^T h. That route costs
# about sum_l 2 n_l (forward of layers l+1..L), the backward about 3 forward passes: the ratio grows with the
# widths times the depth, not with N, so the network is deep (20 sigmoid layers) and wide, and N small.
# Measured at OPENBLAS_NUM_THREADS=1 on the 2-core course machine, load ~5 (2026-11-29): kit build 0.19 s,
# forward 0.06 s, reference backward 0.10 s; the attack of tests/integrity (samplewise_numeric_backward) ~310 s,
# the same with the next layer updated by a rank-1 product ~305 s (5 cell limits; a forward-mode derivative, one
# pass per unit, half of that). A whole 11_02 notebook: grader truth 0.5 s -> 2.4-3.2 s, the honest test calls in
# the kernel 0.4-0.9 s -> 2.1-2.6 s. (The old (200, 150, 100, 10) x 2000: the attack took ~4 s.)
# It travels as a recipe (backprop_kit.testing.networks); the kernel computes hs with the notebook's forward and
# publishes a sketch of the gradients (backprop_kit.testing.sketch: dW^l P^l with P^l on the input side, db^l in
# full): its 2.4 M gradient entries are too many for an answer record.
LARGE = ((200, *range(440, 249, -10), 10), 296)       # 20 hidden layers 440, 430, ..., 250; N no width
SKETCH_COLUMNS = 4


def large_recipe(rng, activation=None):
    """The kernel's inputs for the large network (sigmoid hidden layers): a recipe drawn from rng; with activation,
    the inputs of backward_activation."""
    recipe = {"sizes": list(LARGE[0]), "n_samples": LARGE[1], "seed": int(rng.integers(2**31)),
              "targets": "one-hot", "arguments": ["params", "hs", "t"],
              "sketch": {"seed": int(rng.integers(2**31)), "columns": SKETCH_COLUMNS}}
    if activation is not None:
        recipe["constants"] = {"activation": activation}
        recipe["arguments"].append("activation")
    return {"generated": recipe}


def large_truth(given, exercise, output="softmax"):
    """(the sketch of the reference backward on the recipe's network, its context: the sketch matrices, so no
    diagnosis on it: the catalogue's models are full gradients; the small cases, judged first, name the mistake).
    output: the network's output layer (report11's networks: identity)."""
    recipe = given["generated"]
    case, matrices = generated_case(recipe, output=output), sketch_matrices(recipe["sizes"], recipe["sketch"])
    truth = sketch_value(list(reference_gradients(case)), recipe["sizes"], matrices)
    return truth, {**_context(exercise, case, None, given), "sketch": matrices}


def with_large_case(small: Built, rng, exercise="backward") -> Built:
    """small's cases and the large network, judged against the sketch of the reference backward: every graded
    backward test holds one, so an answer by numerical differentiation fails them all (the kernel builds it from
    the recipe, its caches hs with the notebook's own forward). Its truth is computed when a comparison reaches
    it (builders.Built), that is, after every small case passed."""
    if rng is None:
        return small
    given = large_recipe(rng, "sigmoid" if exercise == "backward_activation" else None)
    return Built({"cases": small.inputs["cases"] + [given]},
                 truths=small.truths.functions + [lambda: large_truth(given, exercise)])


def _context(name, case, layer, inputs):
    return {"exercise": name, "case": case, "layer": layer, "inputs": inputs}


def deferred(exercise, pairs, inputs, truth):
    """A Built of these inputs whose truth, truth(case, layer) for the (case, layer) of each case, is computed
    when first read; contexts name the exercise."""
    def case_truth(case, layer, given):
        return lambda: (truth(case, layer), _context(exercise, case, layer, given))
    return Built({"cases": inputs}, truths=[case_truth(case, layer, given) for (case, layer), given in zip(pairs, inputs)])


def build_output_delta(cases):
    pairs = [(case, case.depth) for case in cases]
    inputs = [{"h_L": case.hs[-1], "t": case.t} for case in cases]
    return deferred("output_delta", pairs, inputs, numerical_delta)


def build_hidden_delta(cases_and_layers):
    inputs = [{"delta_next": numerical_delta(case, layer + 1), "W_next": case.params[2 * layer], "h": case.hs[layer]}
              for case, layer in cases_and_layers]
    return deferred("hidden_delta", cases_and_layers, inputs, numerical_delta)


def build_param_gradients(cases_and_layers):
    inputs = [{"delta": numerical_delta(case, layer), "h_prev": case.hs[layer - 1]} for case, layer in cases_and_layers]
    return deferred("param_gradients", cases_and_layers, inputs,
                    lambda case, layer: list(numerical_layer_gradients(case, layer)))


def build_backward(cases, truth=numerical_param_gradients):
    inputs = [{"params": list(case.params), "hs": list(case.hs), "t": case.t} for case in cases]
    return deferred("backward", [(case, None) for case in cases], inputs, lambda case, _: list(truth(case)))


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
    return with_large_case(build_backward([strong_case(rng, 2, fixed=((2, 3, 4), 5, 104)),
                                           strong_case(rng, 3, fixed=((3, 5, 2, 4), 6, 105))]), rng)


def backward_hidden_deep(rng):
    return with_large_case(build_backward([strong_case(rng, 4)]), rng)


def backward_hidden_deeper(rng):
    return with_large_case(build_backward([strong_case(rng, 5)]), rng)


# -- 勾配消失問題: a backward pass for sigmoid or ReLU hidden layers, and the per-layer shrink factor -------------
def relu_case(rng, depth, fixed=None):
    """A strong ReLU case in which every hidden layer has inactive (h = 0) and active entries, so that a missing
    ReLU derivative or a sigmoid derivative in its place changes the gradients."""
    while True:
        case = strong_case(rng, depth, fixed=fixed, hidden="relu")
        if rng is None or all(np.any(h == 0) and np.any(h > 0) for h in case.hs[1:-1]):
            return case


def build_backward_activation(cases):
    """Truth: the reference MLP's backward with the case's hidden activation (tests/test_grading.py checks it
    against central differences on these setups)."""
    inputs = [{"params": list(case.params), "hs": list(case.hs), "t": case.t, "activation": case.hidden}
              for case in cases]
    return deferred("backward_activation", [(case, None) for case in cases], inputs,
                    lambda case, _: list(reference_gradients(case)))


def backward_activation_visible(rng):
    return with_large_case(build_backward_activation([relu_case(rng, 3, fixed=((3, 5, 4, 2), 6, 106)),
                                                      strong_case(rng, 2, fixed=((2, 4, 3), 5, 107))]),
                           rng, "backward_activation")


def backward_activation_hidden(rng):
    small = build_backward_activation([relu_case(rng, 4), relu_case(rng, 5), strong_case(rng, 4, hidden="sigmoid")])
    return with_large_case(small, rng, "backward_activation")


def shrink_factor_truth(norms):
    """The geometric mean of norms[l] / norms[l + 1] (layer 1 first): how much smaller a layer's gradient is than
    the next layer's, per layer."""
    norms = np.asarray(norms, dtype=np.float64)
    return float(np.exp(np.mean(np.log(norms[:-1] / norms[1:]))))


def random_norms(rng):
    """Per-layer norms (layer 1 first) whose successive ratios scatter around a drawn factor, so that the
    arithmetic and geometric means differ; redrawn until every modelled mistake is clearly wrong."""
    while True:
        m = int(rng.integers(4, 13))
        log_ratios = rng.normal(np.log(rng.uniform(0.1, 1.3)), 0.6, size=m - 1)
        norms = 10.0 ** rng.uniform(-3, 0) * np.exp(np.concatenate([np.cumsum(log_ratios[::-1])[::-1], [0.0]]))
        truth = shrink_factor_truth(norms)
        if all(abs(v - truth) > 1e-2 * truth for v in shrink_factor_models(norms).values()):
            return norms


def build_shrink_factor(norms_list):
    inputs = [{"norms": np.asarray(norms, dtype=np.float64)} for norms in norms_list]
    context = [{"exercise": "shrink_factor", "case": given["norms"], "layer": None, "inputs": given} for given in inputs]
    return Built({"cases": inputs}, [shrink_factor_truth(given["norms"]) for given in inputs], context)


def shrink_factor_visible(rng):
    """The notebook's example; at grading also drawn norms (the shipped answer alone must not pass)."""
    return build_shrink_factor([[0.001, 0.004, 0.01, 0.05, 0.1]] + ([] if rng is None else [random_norms(rng)]))


def shrink_factor_hidden(rng):
    return build_shrink_factor([random_norms(rng) for _ in range(3)])


# -- 自動微分: the backward rule of the scalar autodiff, on the lecture's expression and on drawn ones ---------------
def build_autodiff(recipes):
    context = [{"exercise": "autodiff", "case": recipe, "layer": None, "inputs": recipe} for recipe in recipes]
    return Built({"cases": list(recipes)}, [recipe_gradients(recipe) for recipe in recipes], context)


def autodiff_visible(rng):
    """The lecture's expression at two points; at grading also at a drawn point and one drawn expression (the
    shipped answers alone must not pass)."""
    recipes = [lecture_recipe(1.5), lecture_recipe(-2.3)]
    if rng is not None:
        x = round(float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 3.0)), 3)
        recipes += [lecture_recipe(x), random_recipe(rng, 2, 6)]
    return build_autodiff(recipes)


def autodiff_hidden(rng):
    x = round(float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 3.0)), 3)
    return build_autodiff([lecture_recipe(x), random_recipe(rng, 2, 6), random_recipe(rng, 2, 8),
                           random_recipe(rng, 3, 8), random_recipe(rng, 3, 10)])


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
    "test_backward_hidden_shapes": lambda rng: with_large_case(build_backward([strong_case(rng, 4)]), rng),
    "test_backward_hidden_unchanged": lambda rng: with_large_case(build_backward([strong_case(rng, 4)]), rng),
    "test_backward_activation_visible": backward_activation_visible,
    "test_backward_activation_hidden": backward_activation_hidden,
    "test_shrink_factor_visible": shrink_factor_visible,
    "test_shrink_factor_hidden": shrink_factor_hidden,
    "test_autodiff_visible": autodiff_visible,
    "test_autodiff_hidden": autodiff_hidden,
}
