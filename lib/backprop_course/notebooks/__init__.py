"""Reading and running one notebook, below every step: nbgrader cells, test outcomes, the kernel loop.
Takes: an nbformat notebook (and a kernel to run it in). Gives: cell kinds and regions, TestOutcomes,
run_cells events (timeout, dead kernel, not run), Japanese hints per error, HTML pages."""
