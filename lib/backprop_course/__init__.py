"""backprop_course: the course workflow on top of nbgrader (`backprop-course` console script).

The tool keeps nbgrader's folders (source/ release/ submitted/ autograded/ feedback/), its cell
metadata and its gradebook.db, so formgrader keeps working for the written answers. It replaces
only the parts of nbgrader's command line that hide failures or are slow.

One folder per workflow step (ARCHITECTURE.md at the repository root has the whole map):

- notebooks/   reading and running one notebook: cells, test outcomes, the kernel loop, hints, HTML.
- course/      the course folder and settings, nbgrader's set-up (called by the CLI at start-up),
               grading statuses and the typed problems with their one table.
- sandbox/     confined grading kernels and why each one ended.
- release/     nbgrader generate_assignment -> release/, placeholders filled, leaks refused.
- collect/     LMS downloads -> submitted/<student>/<assignment>/<notebook>.ipynb.
- autograde/   prepare (main process) -> execute (worker pool, confined kernels) -> finish (main
               process, the only gradebook writer); an honest status for every notebook: a timeout
               interrupts that cell only, a dead kernel keeps the cells before it, a not-gradable
               notebook gets no automatic 0 but is flagged for manual grading.
- results/     Japanese feedback pages, the grades CSV, the class report.
- student/     `check` and `export-html`: the student's side, without sandbox or nbgrader patches.
- simulation/  the one catalogue of mistakes, simulated students, the toy course, the `demo` run.
- cli.py       the argparse front end; with simulation/course_demo.py the only place steps meet.

Steps import the base rooms (course/, notebooks/) and, for autograde, sandbox/; never each other.
"""
