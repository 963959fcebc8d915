"""Random expressions for the autodiff tests of 11_02: recipes (backprop_kit.testing.expressions) of sin, * and +
over a few inputs, with shared sub-expressions, drawn until they are strong: every input matters, the values
stay moderate, and every modelled mistake of a backward pass (backprop.grading.mistakes.autodiff_models)
gives a clearly wrong gradient."""
import numpy as np

from ..autodiff import central_differences, recipe_gradients
from .mistakes import autodiff_models

STRONG_GAP = 1e-2        # relative error every modelled mistake must reach on every drawn expression


def _draw(rng, n_inputs, n_steps):
    inputs = [round(float(rng.choice([-1.0, 1.0]) * rng.uniform(0.3, 1.8)), 3) for _ in range(n_inputs)]
    steps, uses = [], [0] * n_inputs
    for _ in range(n_steps):
        n = len(uses)
        weights = np.array([1.0 + 2.0 * (u == 0) for u in uses])
        weights /= weights.sum()
        op = str(rng.choice(["sin", "mul", "add"], p=[0.3, 0.4, 0.3]))
        operands = [int(i) for i in rng.choice(n, size=1 if op == "sin" else 2, p=weights)]
        for i in operands:
            uses[i] += 1
        steps.append([op] + operands)
        uses.append(0)
    sinks = [i for i, u in enumerate(uses) if u == 0]
    node = sinks[0]
    for other in sinks[1:]:                           # everything computed flows into the output
        steps.append(["add", node, other])
        uses[node] += 1
        uses[other] += 1
        uses.append(0)
        node = len(uses) - 1
    return {"inputs": inputs, "steps": steps}, uses


def strength_problems(recipe, uses=None):
    """Why a recipe would be a weak test (English reasons), empty when strong."""
    from backprop_kit.testing.expressions import build
    from backprop_kit.autodiff import topological_order
    problems = []
    output, _ = build(recipe)
    values = [node.value for node in topological_order(output)]
    if max(abs(v) for v in values) > 20:
        problems.append("values too large")
    truth = np.array(recipe_gradients(recipe))
    if not np.all(np.isfinite(truth)) or np.min(np.abs(truth)) < 0.05 or np.max(np.abs(truth)) > 200:
        problems.append("an input's gradient is tiny or huge")
        return problems
    numeric = np.array(central_differences(recipe))
    if np.max(np.abs(numeric - truth)) > 1e-6 * np.max(np.abs(truth)):
        problems.append("reverse mode and central differences disagree")
    n_inputs = len(recipe["inputs"])
    if uses is not None and not any(u >= 2 for u in uses[n_inputs:]):
        problems.append("no shared sub-expression")
    scale = np.max(np.abs(truth))
    for key, grads in autodiff_models(recipe).items():
        if np.max(np.abs(np.array(grads) - truth)) < STRONG_GAP * scale:
            problems.append(f"the mistake {key} passes")
    return problems


def random_recipe(rng, n_inputs, n_steps):
    """A strong random recipe with n_inputs inputs and about n_steps steps (plus the additions that join them)."""
    for _ in range(1000):
        recipe, uses = _draw(rng, n_inputs, n_steps)
        if not strength_problems(recipe, uses):
            return recipe
    raise RuntimeError("no strong expression found")
