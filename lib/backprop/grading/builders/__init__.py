"""The grader's cases: for every test of every notebook, inputs for the student's code and the true answers.

`build(rng)` of a test returns a `Built`: with rng None, the visible case shipped to students with the kit;
with a generator, a fresh case of the same kind (visible tests) or a hidden case of sizes drawn within the
strong setup. The truth comes from the reference library and central differences, in the grader's process.
"""
from importlib import import_module


class Built:
    """inputs: sent to the kernel; expected: the truth, one per case; context: what diagnoses need (Case, layer).

    The truth may come as `later`, a function returning (expected, context) that is called the first time
    either is read: the kernel's inputs are drawn at once (and always in the same order), but a test that
    publishes no answer (an unanswered exercise) never costs the grader its truth. `later` must not draw from
    the builder's generator (everything it needs is drawn before)."""

    def __init__(self, inputs, expected=None, context=None, later=None):
        self.inputs = inputs
        self._expected, self._context, self._later = expected, list(context or []), later

    def _settle(self):
        if self._later is not None:
            later, self._later = self._later, None
            self._expected, context = later()
            self._context = list(context)

    @property
    def expected(self):
        self._settle()
        return self._expected

    @property
    def context(self):
        self._settle()
        return self._context

    @property
    def settled(self):
        """True once the truth is computed (or was given at once)."""
        return self._later is None


MODULES = {
    "11_01_neural_network": "nb_11_01",
    "11_02_neural_network2": "nb_11_02",
    "11_03_digit_classification": "nb_11_03",
    "report11": "nb_report11",
}


def builders_of(notebook):
    """{test id: build(rng) -> Built} of a notebook, or {} for a notebook without builders."""
    if notebook not in MODULES:
        return {}
    try:
        module = import_module(f"{__name__}.{MODULES[notebook]}")
    except ModuleNotFoundError:
        return {}
    return module.BUILDERS
