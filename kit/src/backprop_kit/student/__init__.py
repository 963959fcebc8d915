"""The student's own commands, where only the kit is installed: `check` (the notebook's visible tests run in a
plain local kernel, explained in Japanese) and `export-html` (the page to hand in, with the notebook inside).

    python -m backprop_kit check report11.ipynb
    python -m backprop_kit export-html report11.ipynb --student-id s1234567

The same code serves the course tool's `backprop-course check/export-html`, which adds what it knows of the
course (the assignment a notebook belongs to, its kernel loop, nbgrader's checksums). Nothing here grades.
"""
