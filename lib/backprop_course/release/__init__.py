"""Release: source/<assignment>/ -> release/<assignment>/ through nbgrader generate_assignment.
Takes: the course's source notebooks and course.toml's placeholders. Gives: the student versions,
refused (ReleaseError) when a solution, hidden test, marker, output or unfilled placeholder leaks."""
from .generate import ReleaseError, release_assignment

__all__ = ["ReleaseError", "release_assignment"]
