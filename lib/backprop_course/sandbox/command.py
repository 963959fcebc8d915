"""The command line that starts one confined grading kernel, built from well-kept Linux tools.

    bwrap   new mount, pid, network, ipc and uts namespaces; only read-only system and Python
            folders, the student's copy and the kernel's socket folder are visible; dies with the grader
    prlimit CPU time, address space, processes, file size, no core dumps (inherited by every child)
    setpriv switch to the kernel's own unprivileged uid/gid, drop every capability, no_new_privs
    sh      copy the student's read-only folder into a private in-memory home, then exec the kernel

Inside, the kernel sees: /usr, the Python folders (but empty folders where libraries that would answer
a graded exercise are installed: mounts.ANSWERING_PACKAGES), HOME=/home/student (tmpfs of `scratch_mb`), its
work folder /home/student/<assignment> (a copy of the student's folder), a private /tmp and
/dev/shm, and the folder holding its connection file and ipc sockets (at the same path as on the
host; the kernel manager takes it back once the sockets exist). Writable space is in-memory and
size-capped; nothing of the host is writable.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from backprop_kit.limits import blas_thread_environment

from ..notebooks.running import FIGURE_BACKEND
from .mounts import answering_package_folders, matplotlib_font_cache, python_folders, sys_prefix_bin, system_folders
from .policy import MB, Policy

HOME = PurePosixPath("/home/student")
SUBMISSION = PurePosixPath("/srv/submission")
TOOLS = ("bwrap", "prlimit", "setpriv")
# Grader environment variables a notebook may legitimately look at; everything else is cleared.
PASSTHROUGH_ENV = ("NBGRADER_EXECUTION", "PYTHONHASHSEED", "BACKPROP_KIT_CASES")
# Debian's merged /usr: these are symlinks on the host and become symlinks inside.
USR_LINKS = {"/bin": "usr/bin", "/sbin": "usr/sbin", "/lib": "usr/lib", "/lib64": "usr/lib64"}


def missing_tools() -> list[str]:
    """The confinement tools that are not on PATH."""
    return [tool for tool in TOOLS if shutil.which(tool) is None]


@dataclass
class KernelJail:
    """Where one kernel's sandbox lives on the host and whom it runs as."""

    submission: Path      # a snapshot of the student's folder (read-only inside, copied into the work folder)
    socket_dir: Path      # host folder for the connection file and ipc sockets, owned by `uid` at start
    passwd_dir: Path      # host folder holding the generated passwd and group files
    uid: int
    policy: Policy
    extra_env: dict = field(default_factory=dict)  # values for PASSTHROUGH_ENV names

    @property
    def work_dir(self) -> PurePosixPath:
        return HOME / (self.submission.name or "work")

    def environment(self) -> dict[str, str]:
        """The kernel's whole environment (nothing is inherited from the grader)."""
        env = {
            "HOME": str(HOME), "USER": "student", "LOGNAME": "student",
            "PATH": f"{sys_prefix_bin()}:/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8", "TMPDIR": "/tmp", "MPLCONFIGDIR": str(HOME / ".config" / "matplotlib"),
            **blas_thread_environment(),  # the threads students' check gives its kernels (backprop_kit.limits)
            "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            "MPLBACKEND": FIGURE_BACKEND,  # figures become PNG outputs (within the output budget)
        }
        env.update({k: v for k, v in self.extra_env.items() if k in PASSTHROUGH_ENV})
        return env

    def argv(self, kernel_argv: list[str]) -> list[str]:
        """bwrap ... -- prlimit ... -- setpriv ... -- sh -c <copy and exec> kernel_argv..."""
        return self._bwrap() + self._prlimit() + self._setpriv() + self._launcher() + list(kernel_argv)

    def _bwrap(self) -> list[str]:
        args = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                "--unshare-cgroup-try", "--hostname", "grader", "--die-with-parent", "--new-session",
                "--dev", "/dev", "--proc", "/proc",
                "--perms", "1777", "--size", str(64 * MB), "--tmpfs", "/tmp",
                # POSIX semaphores (multiprocessing, joblib via scikit-learn) live in /dev/shm.
                "--perms", "1777", "--size", str(64 * MB), "--tmpfs", "/dev/shm"]
        made: set[str] = {"/", "/dev", "/dev/shm", "/proc", "/tmp"}

        def parents_of(dest: PurePosixPath) -> list[str]:
            out = []
            for parent in reversed(dest.parents):
                if str(parent) not in made:
                    made.add(str(parent))
                    out += ["--perms", "0755", "--dir", str(parent)]
            return out

        for link, target in USR_LINKS.items():
            if Path(link).is_symlink():
                args += ["--symlink", target, link]
                made.add(link)
        for folder in system_folders() + python_folders():
            dest = PurePosixPath(folder)
            args += parents_of(dest) + ["--ro-bind", str(folder), str(dest)]
            made.add(str(dest))
        for folder in answering_package_folders():     # an empty, read-only folder in their place
            args += ["--tmpfs", str(folder), "--remount-ro", str(folder)]
        args += parents_of(HOME) + ["--perms", "0777", "--size", str(self.policy.scratch_mb * MB), "--tmpfs", str(HOME)]
        made.add(str(HOME))
        font_cache = matplotlib_font_cache()
        if font_cache is not None:
            mpl_dir = HOME / ".config" / "matplotlib"
            args += ["--perms", "0777", "--dir", str(mpl_dir.parent), "--perms", "0777", "--dir", str(mpl_dir),
                     "--ro-bind", str(font_cache), str(mpl_dir / font_cache.name)]
        args += parents_of(SUBMISSION) + ["--ro-bind", str(self.submission), str(SUBMISSION)]
        socket_dest = PurePosixPath(self.socket_dir)
        args += parents_of(socket_dest) + ["--bind", str(self.socket_dir), str(socket_dest)]
        for name in ("passwd", "group"):
            args += ["--ro-bind", str(self.passwd_dir / name), f"/etc/{name}"]
        args += ["--chdir", str(HOME), "--clearenv"]
        for key, value in self.environment().items():
            args += ["--setenv", key, value]
        # Root keeps just enough to let setpriv switch to the kernel's account, then drops it.
        return args + ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--"]

    def _prlimit(self) -> list[str]:
        limits = self.policy.rlimits()
        args = ["prlimit"]
        for name, soft in limits.items():
            hard = soft + 1 if name == "cpu" else soft
            args.append(f"--{name}={soft}:{hard}")
        return args + ["--"]

    def _setpriv(self) -> list[str]:
        return ["setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]

    def _launcher(self) -> list[str]:
        script = 'mkdir -p "$0"; cp -R /srv/submission/. "$0"; cd "$0" && exec "$@"'
        return ["/bin/sh", "-c", script, str(self.work_dir)]

    def write_account_files(self) -> None:
        """passwd and group naming the kernel's account `student`, so getpass/pwd lookups work."""
        uid = self.uid
        (self.passwd_dir / "passwd").write_text(
            f"root:x:0:0:root:/root:/usr/sbin/nologin\nstudent:x:{uid}:{uid}:student:{HOME}:/bin/sh\n")
        (self.passwd_dir / "group").write_text(f"root:x:0:\nstudent:x:{uid}:\n")
