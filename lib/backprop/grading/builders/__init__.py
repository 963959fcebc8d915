"""The grader's cases: for every test of every notebook, inputs for the student's code and the true answers.

`build(rng)` of a test returns a `Built`: with rng None, the visible case shipped to students with the kit;
with a generator, a fresh case of the same kind (visible tests) or a hidden case of sizes drawn within the
strong setup. The truth comes from the reference library and central differences, in the grader's process.
"""
from dataclasses import dataclass, field
from importlib import import_module


@dataclass
class Built:
    """inputs: sent to the kernel; expected: the truth, one per case; context: what diagnoses need (Case, layer)."""
    inputs: dict
    expected: list
    context: list = field(default_factory=list)


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
