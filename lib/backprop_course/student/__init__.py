"""The student's side, which never grades: `check` (the visible tests, explained in Japanese) and `export-html`.
Takes: one notebook file (and the course folder when one is near). Gives: a Japanese report and exit
status, or the HTML file to hand in. Uses no sandbox and changes nothing in nbgrader."""
