"""The grader's cases: for every test of every notebook, inputs for the student's code and the true answers.

`build(rng)` of a test returns a `Built`: with rng None, the visible case shipped to students with the kit;
with a generator, a fresh case of the same kind (visible tests) or a hidden case of sizes drawn within the
strong setup. The truth comes from the reference library and central differences, in the grader's process.
"""
from collections.abc import Sequence
from importlib import import_module


class Built:
    """inputs: sent to the kernel; expected: the truth, one per case; context: what diagnoses need (Case, layer).

    The truth may come as `truths` instead: per case, a function returning (expected, context) of that case,
    called the first time either is read. The kernel's inputs are drawn at once (always in the same order), but
    the truth of a case is computed only when a comparison reaches it: an unanswered test, or one whose first
    case already failed (NotImplementedError), never costs the grader the large network's truth. A truth
    function must not draw from the builder's generator (everything it needs is drawn before)."""

    def __init__(self, inputs, expected=None, context=None, truths=None):
        self.inputs = inputs
        self.truths = None if truths is None else CaseTruths(truths)
        self.expected = expected if truths is None else self.truths.part(0)
        self.context = list(context or []) if truths is None else self.truths.part(1)

    @property
    def settled(self):
        """True once every case's truth is computed (or was given at once)."""
        return self.truths is None or self.truths.settled

    def plain_expected(self):
        """expected as plain data (a list when given per case), every case's truth computed."""
        return self.expected if self.truths is None else list(self.expected)


class CaseTruths:
    """Per-case (expected, context) pairs, each computed on first use and kept."""

    def __init__(self, functions):
        self.functions, self.done = list(functions), {}

    def __len__(self):
        return len(self.functions)

    def pair(self, index):
        if index not in self.done:
            self.done[index] = self.functions[index]()
        return self.done[index]

    def part(self, which):
        return TruthPart(self, which)

    @property
    def settled(self):
        return len(self.done) == len(self.functions)


class TruthPart(Sequence):
    """The expected values (which=0) or the contexts (which=1) of CaseTruths, as a read-only list; iterating
    computes one case at a time, so a comparison that stops at a failed case computes no later truth."""

    def __init__(self, truths, which):
        self.truths, self.which = truths, which

    def __len__(self):
        return len(self.truths)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self.truths.pair(index)[self.which]


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
