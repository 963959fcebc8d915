"""The hostile and broken submissions, each with the status and score it must get.

The course has one notebook, `toy`: the toy course's notebook (6 points) followed by the `guarded`
cells below (2 points): naive asserts inside the kernel, which a patched numpy fools (the toy course
has no grader of its own; the course's real notebooks are judged outside the kernel, see
tests/integrity). This corpus is about containment: time, memory, processes, files, network. Answer cells: sigmoid, sigmoid_grad, guarded_sigmoid (which redefines
sigmoid). A kernel that dies in the sigmoid_grad cell keeps the 4 points of the sigmoid tests.

Every case is a function of the reference notebook returning the student's folder {file name:
notebook or bytes}. Attacks that try to read or reach something print LEAK if they succeed; no
executed notebook may contain it.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Callable

import nbformat

from backprop_course.simulation.edits import with_appended, with_source, without_cell
from backprop_course.simulation.toy_course import answer, test

GRADED, PROBLEMS, NOT_GRADABLE = "graded", "graded_with_problems", "not_gradable"
# Cases whose right outcome the workflow does not give yet: case -> (what it gives now, why).
# The suite checks that each still behaves exactly so, and fails when it is fixed (then delete the entry).
KNOWN_GAPS = {}
FULL = (GRADED, 8)
WRONG_SIGMOID = "def sigmoid(g):\n    return 0.5 + 0 * g"


def guarded_cells():
    """The cells appended to the toy notebook (source version, with solution and hidden test)."""
    return [
        answer("guarded_sigmoid", "import numpy as np\n\ndef sigmoid(g):\n    ### BEGIN SOLUTION\n"
                                  "    return 1.0 / (1.0 + np.exp(-g))\n    ### END SOLUTION"),
        test("naive_allclose", "assert np.allclose(sigmoid(np.array([0.0, 2.0])), [0.5, 0.8807970779778823])", 1),
        test("naive_testing", "np.testing.assert_allclose(sigmoid(np.array([-2.0])), [0.11920292202211755])", 1),
    ]


def _try(code: str) -> str:
    """Student code that prints LEAK when `code` succeeds and stays quiet when it is blocked."""
    body = "\n".join("    " + line for line in code.splitlines())
    return f"\ntry:\n{body}\n    print('LEAK')\nexcept Exception:\n    pass"


@dataclass
class Case:
    name: str
    what: str
    build: Callable[[dict], dict]
    expected: tuple = FULL  # (state, score or None) of the notebook


def toy_with(change: Callable) -> Callable:
    return lambda reference: {"toy.ipynb": change(reference)}


def appended(cell_id: str, code: str) -> Callable:
    """The reference with `code` added at the end of the cell `cell_id`."""
    return toy_with(lambda nb: with_appended(nb, cell_id, code))


def toy_bytes(data: bytes) -> Callable:
    return lambda reference: {"toy.ipynb": data}


def retyped(nb, cell_id):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == cell_id:
            cell.cell_type = "markdown"
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
    return nb


def duplicated(nb, cell_id):
    nb = copy.deepcopy(nb)
    index = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == cell_id)
    twin = copy.deepcopy(nb.cells[index])
    twin.pop("id", None)
    nb.cells.insert(index + 1, twin)
    return nb


def renamed_kernel(nb):
    nb = copy.deepcopy(nb)
    nb.metadata.kernelspec = {"name": "python2", "display_name": "Python 2", "language": "python"}
    return nb


def with_wrong_grad(nb):
    """The reference with a derivative that is always 0 (fails test_sigmoid_grad, 2 points)."""
    return with_source(nb, "sigmoid_grad", "def sigmoid_grad(h):\n    return 0 * h")


def wrong_and_patched(patch: str) -> Callable:
    """A wrong sigmoid in the guarded cell, followed by a patch meant to make the tests pass anyway."""
    return toy_with(lambda nb: with_source(nb, "guarded_sigmoid", f"import numpy as np\n{WRONG_SIGMOID}\n{patch}"))


# Children sleep before spinning, so that the parent is done forking (and in its own loop) when interrupted.
FORK_BOMB = ("import os, time\nwhile True:\n    try:\n        pid = os.fork()\n    except OSError:\n        break\n"
             "    if pid == 0:\n        time.sleep(2)\n        while True:\n            pass\nwhile True:\n    pass")


# Every host path a first cell might write to, then every in-memory folder filled (the disk budget ends the kernel).
FILL_EVERYWHERE = (_try("import glob\nfolder = glob.glob('/tmp/backprop-kernel-*/ipc')[0]\nopen(folder + '/filler', 'wb')")
                   + _try("open(glob.glob('/tmp/backprop-kernel-*/ipc/kernel.json')[0], 'ab').write(b'x' * 2**20)")
                   + "\nimport os\nfor _ in range(64):\n    os.write(2, b'x' * 2**20)  # the kernel's own stderr: a pipe\n"
                   "for folder in ('/dev/shm', '/home/student', '/tmp'):\n    try:\n        for i in range(1000):\n"
                   "            with open(f'{folder}/fill{i}', 'wb') as f:\n                f.write(b'x' * 2**20)\n"
                   "    except OSError:\n        pass\nimport time\ntime.sleep(5)")
# Children that exit at once, never reaped: faster than any sampling, the count stays at the limit as zombies.
FAST_FORKS = ("import os\nwhile True:\n    try:\n        if os.fork() == 0:\n            os._exit(0)\n"
              "    except OSError:\n        break\nimport time\ntime.sleep(5)")
# Ignores SIGINT (the interrupt) and SIGTERM, as does a child in its own session.
DEAF_KERNEL = ("import os, signal, time\nfor sig in (signal.SIGINT, signal.SIGTERM):\n    signal.signal(sig, signal.SIG_IGN)\n"
               "if os.fork() == 0:\n    os.setsid()\n    while True:\n        time.sleep(1)\nwhile True:\n    time.sleep(1)")
# Ten children holding 250 MB each: each far below its own address space limit, together over the tree's 2 GB.
MEMORY_CHILDREN = ("import os, time\nfor i in range(10):\n    if os.fork() == 0:\n        try:\n"
                   "            hold = b'x' * (250 * 2**20)\n            time.sleep(60)\n        finally:\n"
                   "            os._exit(0)\ntime.sleep(30)")
# 200 error messages of about 500 kB each (50 traceback lines of 10,000 characters).
ERROR_FLOOD = "for _ in range(200):\n    get_ipython()._showtraceback(ValueError, 'v' * 10**4, ['t' * 10**4] * 50)"


def with_cells_before(cell_id: str, sources: list[str]) -> Callable:
    """The reference with plain code cells inserted before the cell `cell_id`."""
    def change(nb):
        nb = copy.deepcopy(nb)
        index = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == cell_id)
        nb.cells[index:index] = [nbformat.v4.new_code_cell(source) for source in sources]
        return nb
    return toy_with(change)


# Every later cell displays 1e9 (a pre_run_cell hook): nbgrader reads it as a test cell's score, above the
# cell's points, and SaveAutoGrades raises ValueError in the grader's own process (issue 13).
POINTS_ABOVE_MAXIMUM = "get_ipython().events.register('pre_run_cell', lambda *a: get_ipython().displayhook(1e9))"


def cases(course_root: str) -> list[Case]:
    """Every case; `course_root` is the absolute path attacks try to reach."""
    gradebook, source = f"{course_root}/gradebook.db", f"{course_root}/source/toy/toy.ipynb"
    neighbour = f"{course_root}/submitted/good_1/toy/toy.ipynb"
    return [
        Case("infinite_loop", "while True in an answer cell", appended("sigmoid", "while True:\n    pass"), (PROBLEMS, 8)),
        Case("sleep_past_timeout", "time.sleep(60) in an answer cell",
             appended("sigmoid_grad", "import time\ntime.sleep(60)"), (PROBLEMS, 8)),
        Case("memory_bomb", "allocates 64 GiB: MemoryError in the cell", appended("sigmoid", "hog = bytearray(64 * 2**30)")),
        Case("fork_bomb", "forks children (that spin) until refused, then loops: the process limit of the kernel's "
                          "tree ends that kernel in the first answer cell", appended("sigmoid", FORK_BOMB), (PROBLEMS, 0)),
        Case("fast_forks", "forks children that exit at once, faster than the watchdog samples: the process limit "
                           "refuses forks at the limit and the unreaped children end the kernel",
             appended("sigmoid_grad", FAST_FORKS), (PROBLEMS, 4)),
        Case("memory_children", "ten children hold 250 MB each: the memory limit of the tree (2 GB) ends the kernel",
             appended("sigmoid_grad", MEMORY_CHILDREN), (PROBLEMS, 4)),
        Case("fill_tmp_every_path", "writes to the host socket folder, the connection file and its own stderr, then "
                                    "fills /dev/shm, the home and /tmp: the disk budget ends the kernel",
             appended("sigmoid_grad", FILL_EVERYWHERE), (PROBLEMS, 4)),
        Case("ignores_sigterm", "ignores SIGINT and SIGTERM, with a child in its own session: two timeouts, the rest "
                                "not run, the whole sandbox killed", appended("sigmoid_grad", DEAF_KERNEL), (PROBLEMS, 4)),
        Case("many_short_cells", "fourteen 5-second cells, each under the cell timeout: the notebook's time limit "
                                 "(60 s) stops the run", with_cells_before("sigmoid_grad", ["import time\ntime.sleep(5)"] * 14),
             (PROBLEMS, 4)),
        Case("error_flood", "200 error messages of 500 kB: errors spend the output budget too",
             appended("sigmoid", ERROR_FLOOD), (PROBLEMS, 8)),
        Case("cpu_in_c", "an uninterruptible C loop: the CPU limit ends the kernel (on a busy machine, two "
                         "timeouts may come first and the rest is not run)",
             appended("sigmoid_grad", "sum(range(10**13))"), (PROBLEMS, 4)),
        Case("os_exit", "os._exit(1) in the second answer cell", appended("sigmoid_grad", "import os\nos._exit(1)"),
             (PROBLEMS, 4)),
        Case("segfault", "reads address 0 with ctypes", appended("sigmoid_grad", "import ctypes\nctypes.string_at(0)"),
             (PROBLEMS, 4)),
        Case("huge_output", "prints 50 MB: the rest dropped past the output budget", appended("sigmoid", "print('x' * 50_000_000)"),
             (PROBLEMS, 8)),
        Case("write_gradebook", "overwrites the gradebook by absolute and relative path",
             appended("sigmoid", _try(f"open({gradebook!r}, 'wb').write(b'0')")
                      + _try("open('../../../gradebook.db', 'wb').write(b'0')"))),
        Case("read_source", "reads the instructor's source notebook", appended("sigmoid", _try(f"open({source!r}).read()"))),
        Case("read_other_students", "reads another student's submission",
             appended("sigmoid", _try(f"open({neighbour!r}).read()") + _try("open('../../good_1/toy/toy.ipynb').read()"))),
        Case("network", "opens a TCP connection and a DNS lookup",
             appended("sigmoid", _try("import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=2)")
                      + _try("import socket\nsocket.getaddrinfo('example.com', 80)"))),
        Case("patched_allclose", "wrong sigmoid, np.allclose always True: the naive in-kernel test is "
                                 "fooled (why the real notebooks are judged outside the kernel)",
             wrong_and_patched("np.allclose = lambda *a, **k: True"), (GRADED, 7)),
        Case("patched_testing", "wrong sigmoid, np.testing.assert_allclose does nothing",
             wrong_and_patched("np.testing.assert_allclose = lambda *a, **k: None"), (GRADED, 7)),
        Case("edited_test_cell", "wrong derivative and its test replaced by pass: restored, fails",
             toy_with(lambda nb: with_source(with_wrong_grad(nb), "test_sigmoid_grad", "pass")), (PROBLEMS, 6)),
        Case("deleted_test_cell", "wrong derivative and its test deleted: restored, fails",
             toy_with(lambda nb: without_cell(with_wrong_grad(nb), "test_sigmoid_grad")), (PROBLEMS, 6)),
        Case("duplicated_test_cell", "a test cell pasted twice: the copy is ignored, and noted",
             toy_with(lambda nb: duplicated(nb, "test_sigmoid_zero")), (PROBLEMS, 8)),
        Case("retyped_test_cell", "wrong derivative and its test cell turned into markdown: restored, fails",
             toy_with(lambda nb: retyped(with_wrong_grad(nb), "test_sigmoid_grad")), (PROBLEMS, 6)),
        Case("invalid_json", "toy.ipynb is not JSON", toy_bytes(b'{"cells": [ oops'), (NOT_GRADABLE, None)),
        Case("empty_file", "toy.ipynb has 0 bytes", toy_bytes(b""), (NOT_GRADABLE, None)),
        Case("points_above_maximum", "a hook displays 1e9 in every cell: nbgrader's SaveAutoGrades raises "
                                     "ValueError; that notebook's status, the run goes on",
             appended("sigmoid", POINTS_ABOVE_MAXIMUM), (NOT_GRADABLE, None)),
        Case("wrong_kernel_name", "kernelspec python2: the course's Python kernel is used", toy_with(renamed_kernel)),
        Case("renamed_notebook", "toy.ipynb saved as 'toy (1).ipynb' (collect would rename it; autograde alone "
                                 "reports it missing)",
             lambda reference: {"toy (1).ipynb": reference}, (NOT_GRADABLE, None)),
    ]
