"""The grader's side of the notebooks' tests (instructor only: never imported in a grading kernel).

The kernel only computes; the verdict is made here, in the grader's own process. A test cell calls the kit's
`run_test("id", f=f)`: at grading it asks the student's objects on the inputs of a cases file and publishes the
answers as plain data (backprop_kit.testing.records); this package builds those inputs, keeps the truth, and
judges what came out.

- `seeds`     the grading key of a submission (HMAC of the course secret, student, notebook and the submitted
              bytes) and the random generator of each test drawn from it: the same submission always gets the
              same cases, another student or last year's notebook other ones.
- `builders`  one module per notebook (nb_11_01, nb_11_02, nb_11_03, nb_report11): for every test id a
              `build(rng)` giving a `Built` (inputs for the kernel, the truth, what diagnoses need); rng None
              gives the visible case shipped with the kit.
- `cases`     strong-setup gradient cases (`make_case`, `strong_setup_problems`): networks of distinct widths,
              batch sizes unlike any width, seeded parameters and inputs.
- `reference` central differences of the losses (the truth of the gradient exercises) and their helpers.
- `terrain`   the true terrain behind report11's data: the training CSV and held-out points drawn afresh for
              every grading run (held-out targets never enter a kernel).
- `verdicts`  build_cases -> cases_file_text (inputs only, for the kernel) -> judge_notebook: a Verdict per
              test cell from the answer records in its outputs, compared by the kit's `compare`.
- `digit_training` 11_03's decision judged by the grader's own training of the published HYPERPARAMS on hidden
              splits (the reference MLP, the notebook's batching), memoised per (settings, split).
- `mistakes`  diagnosis of a wrong gradient against models of the catalogue's mistakes (Japanese hints).
- `visible`   `python -m backprop.grading.visible` writes the visible cases shipped in the kit.

The autograde worker (backprop_course.autograde.execute) calls `build_cases` and `judge_notebook`; finish
writes the verdicts as the test cells' outputs and scores.
"""
from .cases import Case, make_case, strong_setup_problems

__all__ = ["Case", "make_case", "strong_setup_problems"]
