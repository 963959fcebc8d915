"""Release: source/<assignment>/ -> release/<assignment>/ through nbgrader generate_assignment.
Takes: the course's source notebooks and course.toml's placeholders. Gives: the student versions,
refused (ReleaseError) when a solution, hidden test, marker, output or unfilled placeholder leaks; and release/kit/, the student kit's wheel with its Japanese install steps."""
from .generate import ReleaseError, release_assignment
from .kit_wheel import KitError, kit_wheel_differences, release_kit

__all__ = ["KitError", "ReleaseError", "kit_wheel_differences", "release_assignment", "release_kit"]
