"""`backprop-course export-html NOTEBOOK`: the kit's export-html (backprop_kit.student.export_html) with the
course's MathJax choice (course.toml) and the assignment's notebook name when a course folder is near."""
from __future__ import annotations

from pathlib import Path

from backprop_kit.student import export_html as kit
from backprop_kit.student.notebook import StudentError as KitStudentError

from ..course.folder import Course, CourseError, find_course_root, mathjax_url_from
from .notebook import StudentError, identify

STUDENT_ID = kit.STUDENT_ID


def _default_mathjax(notebook_path: Path) -> str:
    try:
        return Course.at(find_course_root(notebook_path.parent)).mathjax_url
    except CourseError:
        return mathjax_url_from({})


def export_html(notebook_path: Path | str, out_dir: Path | str, student_id: str | None = None,
                mathjax_url: str | None = None) -> Path:
    """Write the hand-in HTML of `notebook_path` into `out_dir` and return its path (StudentError, in
    Japanese, for an unusable notebook or student id)."""
    notebook_path = Path(notebook_path)
    try:
        return kit.export_html(notebook_path, out_dir, student_id=student_id,
                               mathjax_url=mathjax_url or _default_mathjax(notebook_path),
                               identify=lambda nb, path: identify(nb, path)[1])
    except KitStudentError as err:
        raise err if isinstance(err, StudentError) else StudentError(str(err)) from None
