"""Which host folders a grading kernel sees (all read-only), and the guard that keeps the course out.

The kernel needs the system libraries (/usr), the Python installation and virtual environment that
run the grader, and folders that .pth files add to sys.path (an editable install of this project).
Nothing else of the host is visible: not the course root, so neither source/, nor the gradebook,
nor other students' folders.
"""
from __future__ import annotations

import os
import site
from functools import lru_cache
import sys
from pathlib import Path

# Folders and files of a course root that must never be visible inside a grading kernel.
COURSE_SECRETS = ("source", "submitted", "autograded", "feedback", "release", "exchange", "gradebook.db",
                  ".grading_secret")

# Files of /etc the dynamic loader, locale and fonts need; nothing about users or hosts.
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "fonts", "mime.types")


class MountError(RuntimeError):
    """A folder that would be mounted into the sandbox exposes part of the course."""


def _pth_folders(site_dir: Path) -> list[Path]:
    """Existing folders named by plain path lines of the .pth files in one site-packages folder."""
    found = []
    for pth in sorted(site_dir.glob("*.pth")):
        for line in pth.read_text(errors="replace").splitlines():
            line = line.strip()
            if line and not line.startswith(("#", "import ")) and Path(line).is_dir():
                found.append(Path(line).resolve())
    return found


# The instructor's packages: the reference implementation and grader, and the course tool. A kernel sees the
# student kit (backprop_kit) and nothing of these.
INSTRUCTOR_PACKAGES = ("backprop", "backprop_course")


def instructor_packages_in(folder: Path) -> list[Path]:
    """Instructor packages found directly in folder or in a site-packages folder below it."""
    places = [folder] + list(folder.glob("lib/python3*/site-packages"))
    return [place / name for place in places for name in INSTRUCTOR_PACKAGES if (place / name).is_dir()]


def python_folders() -> list[Path]:
    """Folders the grader's own Python needs: the installation, the venv and the .pth-added folders that hold
    no instructor package (the editable install's lib/ is left out, the student kit's folder is kept)."""
    folders = [Path(sys.base_prefix), Path(sys.prefix), Path(os.path.realpath(sys.executable)).parent.parent]
    for site_dir in site.getsitepackages():
        if Path(site_dir).is_dir():
            folders.extend(f for f in _pth_folders(Path(site_dir)) if not instructor_packages_in(f))
    return minimal_roots(p.resolve() for p in folders)


# Libraries whose code would answer a graded exercise (backpropagation, automatic differentiation): their folders
# are covered by an empty read-only folder in the kernel. scipy and numpy stay (the notebooks rely on them).
ANSWERING_PACKAGES = ("sklearn.neural_network", "autograd", "torch", "jax", "tensorflow")


def answering_package_folders() -> list[Path]:
    """The installed folders of ANSWERING_PACKAGES, as this Python finds them (none when not installed)."""
    from importlib.util import find_spec
    found = []
    for name in ANSWERING_PACKAGES:
        try:
            spec = find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is not None and spec.submodule_search_locations:
            found.extend(Path(p).resolve() for p in spec.submodule_search_locations)
    return found


def check_no_instructor_code(paths) -> None:
    """Raise MountError if a folder to be mounted holds the reference implementation, the grader or the tool
    (a non-editable install puts them in site-packages: install the project with `pip install -e .`)."""
    for path in paths:
        found = instructor_packages_in(Path(path))
        if found:
            raise MountError(f"refusing to mount {path}: it holds {found[0]}, which grading kernels must not import "
                             "(install the course tool editable: make install)")


def system_folders() -> list[Path]:
    """/usr plus the /etc files in ETC_FILES that exist."""
    return [Path("/usr")] + [Path("/etc") / name for name in ETC_FILES if (Path("/etc") / name).exists()]


def minimal_roots(paths) -> list[Path]:
    """The given paths without duplicates and without those lying inside another one, sorted."""
    roots: list[Path] = []
    for path in sorted(set(paths), key=lambda p: len(p.parts)):
        if not any(path == root or root in path.parents for root in roots):
            roots.append(path)
    return sorted(roots)


def check_outside_course(paths, course_root: Path | None) -> None:
    """Raise MountError if a path would show the course root itself or one of its secret folders."""
    if course_root is None:
        return
    course_root = Path(course_root).resolve()
    secrets = [course_root / name for name in COURSE_SECRETS]
    for path in paths:
        path = Path(path).resolve()
        if path == course_root or path in course_root.parents:
            raise MountError(f"refusing to mount {path}: it contains the course root {course_root}")
        for secret in secrets:
            if path == secret or secret in path.parents or path in secret.parents:
                raise MountError(f"refusing to mount {path}: it exposes {secret}")


@lru_cache(maxsize=1)
def matplotlib_font_cache() -> Path | None:
    """The grader's matplotlib font list (built now if missing), or None without matplotlib.

    Shared read-only with every kernel: without it, each fresh kernel home would rebuild the list by
    scanning the system fonts, seconds per kernel with CJK fonts installed.
    """
    try:
        import matplotlib
        from matplotlib import font_manager  # noqa: F401 (importing writes the cache when missing)
    except ImportError:
        return None
    found = sorted(Path(matplotlib.get_cachedir()).glob("fontlist-v*.json"))
    return found[-1] if found else None


def sys_prefix_bin() -> str:
    """The bin folder of the grader's Python environment (first on the kernel's PATH)."""
    return str(Path(sys.prefix) / "bin")
