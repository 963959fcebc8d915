"""backprop_course: the course workflow on top of nbgrader (`backprop-course` console script).

Design
------
The tool keeps nbgrader's folders (source/ release/ submitted/ autograded/ feedback/), its cell
metadata and its gradebook.db, so formgrader keeps working for the written answers. It replaces
only the parts of nbgrader's command line that hide failures or are slow.

- course.py      Course: the root folder, nbgrader_config.py (loaded with traitlets), course.toml.
                 alembic_head.py lets nbgrader stamp new gradebooks without an `alembic` subprocess.
- release.py     nbgrader GenerateAssignment -> release/; {{placeholders}} filled from course.toml;
                 leaks.py then refuses a release containing solutions, hidden tests or outputs.
- collect.py     LMS downloads (folders, zips, `s1234567_report11.ipynb`, `report11 (1).ipynb`)
                 -> submitted/<student>/<assignment>/<notebook>.ipynb; names.py parses file names.
- autograde.py   Three stages per notebook. (1) prepare, in the main process: validate the JSON,
                 run nbgrader's sanitising preprocessors (ClearOutput, DeduplicateIds,
                 OverwriteKernelspec, OverwriteCells with missing cells restored, CheckCellMetadata)
                 against the gradebook. (2) execute, in a pool of N worker processes:
                 execution.execute_submission, the ONE function through which student code runs
                 (sandbox/ confines the kernels via job.client_options); one pool serves every
                 assignment and the main process prepares the next students meanwhile. A timeout
                 interrupts that cell only; a dead kernel keeps the cells before it. (3) finish, in
                 the main process again: stderr in test cells is relabelled (a warning never zeroes
                 a test), nbgrader's SaveAutoGrades writes the scores. Only the main process writes the gradebook, so parallel workers
                 cannot corrupt it. Every notebook ends with a status (status.py): graded / graded
                 with problems (timeout, dead kernel, restored test cells...) / not gradable (invalid
                 or missing notebook), saved as grading_status/<assignment>.json. A not-gradable
                 notebook gets no automatic 0 in the gradebook: its cells are flagged for manual
                 grading. Re-running regrades from submitted/ and overwrites, so it is idempotent.
- outcomes.py    Reads an executed notebook's test cells: pass/fail, points, and a short message
                 (exception type and message only; never tracebacks, which quote hidden tests).
- feedback.py    Japanese per-student HTML: a summary table per test, then the student's notebook
                 with hidden tests and test tracebacks removed; rendered by htmlpage.py (nbconvert,
                 embedded images, MathJax 2 from course.toml or the local Debian copy).
- grades.py      grades CSV (a failed grading shows as a status with an empty score, never 0);
  report.py      class report HTML with PNG plots (matplotlib_fontja for Japanese labels).
- check.py       student side: run the visible tests, explain failures in Japanese, exit non-zero.
- export.py      student side: the HTML to hand in (`<ID>_<assignment>.html`).
- simulate.py    notebook edits for simulated students (reference answer, replaced/deleted cells,
                 regex mutations); classroom.py builds a class for the real course (8 realistic
                 backprop mistakes, a loop, os._exit, invalid JSON, a renamed download) used by
  demo.py        `demo` (throwaway course under build/course_demo) and bench/grading_speed.py;
  toycourse.py   a tiny two-notebook course for the tests.
- cli.py         the argparse front end.
"""
