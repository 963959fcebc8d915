"""nbgrader configuration for 情報管理 第11回 (誤差逆伝播法).

Paths are relative to this folder (the course root): run nbgrader and backprop-course from here.
"""
import os

from backprop_kit.limits import CELL_SECONDS

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

COURSE_ROOT = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "joho-kanri-11"
c.CourseDirectory.root = COURSE_ROOT
# A writable exchange inside the course folder (the default /usr/local/share/nbgrader/exchange is not).
c.Exchange.root = os.path.join(COURSE_ROOT, "exchange")

# Seconds per cell when autograding; only Execute.timeout is honoured by nbgrader 0.9. The number is the student
# kit's (backprop_kit.limits.CELL_SECONDS), which the students' `check` uses and the notebooks state.
c.Execute.timeout = CELL_SECONDS

# What students see in place of a solution region.
c.ClearSolutions.code_stub = {"python": "# ここにコードを書いてください\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "ここに解答を書いてください。"

# Any stderr output in a test cell scores it 0 (nbgrader.utils.determine_grade), and Python prints warnings
# (numpy's RuntimeWarning, matplotlib's UserWarning, DeprecationWarning, ...) to stderr as
# "<file>:<line>: <Category>: <message>". Remove such stderr chunks before grading. Failed checks are error
# outputs, never stderr, so this cannot turn a failing test cell into a passing one.
c.IgnorePattern.enabled = True  # nbgrader 0.9.6 ships it disabled
c.IgnorePattern.pattern = r":\d+: \w*Warning: "
