"""Confined grading kernels (lib/backprop_course/sandbox): what a kernel can and cannot do.

One probe notebook runs in one sandboxed kernel (session fixture) and reports, cell by cell, what it
could reach; the other tests start their own kernels only for limits that end a kernel. CI runs as
root with bubblewrap installed (.ci/run), so nothing here is skipped.
"""
import os
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from backprop_course import sandbox
from backprop_course.sandbox import command, mounts
from backprop_course.sandbox.mounts import MountError, check_no_instructor_code
from hostile.kernels import REPO, printed, run_confined, run_confined_ending


PROBES = {
    "who": "import os, getpass, json; print(json.dumps([os.getuid(), os.getgid(), getpass.getuser(), os.getcwd(), sorted(os.listdir('.'))]))",
    "limits": "import resource as r; print(json.dumps([r.getrlimit(x)[0] for x in (r.RLIMIT_CPU, r.RLIMIT_AS, r.RLIMIT_NPROC, r.RLIMIT_FSIZE)]))",
    "course": f"print(json.dumps([sorted(os.listdir({str(REPO)!r}))] + [os.path.exists(p) for p in ({str(REPO / 'nbgrader_config.py')!r}, {str(REPO / 'source')!r}, {str(REPO / 'gradebook.db')!r}, '/root/.bashrc')]))",
    "network": "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 53), timeout=2); print(json.dumps('connected'))\n"
               "except OSError as e:\n    print(json.dumps(e.errno))",
    "write_original": "open('/srv/submission/planted.txt', 'w')",
    "write_copy": "open('answer.txt', 'w').write('ok'); print(json.dumps(sorted(os.listdir('.'))))",
    "big_file": "open('big.bin', 'wb').write(b'x' * (3 * 2**20))",
    "memory": "block = bytearray(3 * 2**30)",
    "numpy": "import numpy as np; print(json.dumps(float(np.linalg.norm(np.ones(4)))))",
    "semaphore": "import multiprocessing; multiprocessing.Lock(); print(json.dumps('ok'))",
    # The first thing student code does: try every host file and folder it could write to.
    "socket_dir": "import glob\nfolder = glob.glob('/tmp/backprop-kernel-*/ipc')[0]\nerrors = []\n"
                  "for path, mode in [(folder + '/filler', 'w'), (folder + '/kernel.json', 'a')]:\n"
                  "    try:\n        open(path, mode); errors.append('written')\n"
                  "    except OSError as e:\n        errors.append(e.errno)\nprint(json.dumps(errors))",
    "env": "print(json.dumps(sorted(os.environ)))",
    "imports": "import importlib.util as u\nprint(json.dumps({m: u.find_spec(m) is not None for m in "
               "('backprop_kit', 'backprop_kit.testing', 'backprop', 'backprop_course', 'nbgrader')}))",
    "answering": "import importlib\nfound = {}\nfor m in ('sklearn.neural_network._multilayer_perceptron', 'autograd.numpy', "
                 "'sklearn.linear_model', 'scipy.special'):\n    try:\n        importlib.import_module(m); found[m] = True\n"
                 "    except ImportError:\n        found[m] = False\nprint(json.dumps(found))",
}


@pytest.fixture(scope="session")
def probe(tmp_path_factory):
    student = tmp_path_factory.mktemp("alice") / "toy"
    student.mkdir()
    (student / "data.txt").write_text("given")
    policy = sandbox.Policy(cpu_seconds=20, memory_mb=2048, max_processes=64, max_file_mb=2)
    nb, died = run_confined(list(PROBES.values()), student, policy)
    assert died is None
    return {name: printed(cell) for name, cell in zip(PROBES, nb.cells)}, student


def test_kernel_runs_as_its_own_unprivileged_account_in_a_copy_of_the_student_folder(probe):
    results, _ = probe
    uid, gid, user, cwd, files = results["who"]
    assert uid >= sandbox.Policy().uid_base and gid == uid and user == "student"
    assert cwd == "/home/student/toy" and files == ["data.txt"]


def test_the_kernel_imports_the_student_kit_and_nothing_of_the_instructor(probe):
    found, _ = probe
    assert found["imports"] == {"backprop_kit": True, "backprop_kit.testing": True, "backprop": False,
                                "backprop_course": False, "nbgrader": True}


def test_libraries_that_would_answer_an_exercise_are_not_there(probe):
    found, _ = probe
    assert found["answering"]["sklearn.neural_network._multilayer_perceptron"] is False
    assert found["answering"]["sklearn.linear_model"] is True and found["answering"]["scipy.special"] is True
    assert found["answering"]["autograd.numpy"] is False      # installed with the test extras, hidden all the same


def test_mount_guard_refuses_a_folder_holding_the_grader(tmp_path):
    (tmp_path / "lib" / "python3.11" / "site-packages" / "backprop").mkdir(parents=True)
    with pytest.raises(MountError, match="must not import"):
        check_no_instructor_code([tmp_path])
    check_no_instructor_code([tmp_path / "lib"])          # a folder without them is fine


def test_limits_are_those_of_the_policy(probe):
    assert probe[0]["limits"] == [20, 2048 * 2**20, 64, 2 * 2**20]


def test_course_root_and_host_home_are_invisible(probe):
    # Only the Python environment and the library inside the course root are mounted (read-only).
    assert probe[0]["course"] == [sorted({".venv", "kit"} & set(os.listdir(REPO))), False, False, False, False]


def test_no_network(probe):
    assert probe[0]["network"] in (101, 99, 113)  # ENETUNREACH, EADDRNOTAVAIL, EHOSTUNREACH


def test_student_original_is_read_only_and_the_copy_is_private(probe):
    results, student = probe
    assert results["write_original"] == {"error": "PermissionError"} or results["write_original"] == {"error": "OSError"}
    assert results["write_copy"] == ["answer.txt", "data.txt"]
    assert sorted(p.name for p in student.iterdir()) == ["data.txt"]


def test_file_size_memory_and_process_limits_fail_inside_the_kernel(probe):
    results, _ = probe
    assert results["big_file"] == {"error": "OSError"}
    assert results["memory"] == {"error": "MemoryError"}
    assert results["numpy"] == 2.0
    assert results["semaphore"] == "ok"  # joblib/scikit-learn need /dev/shm, else a warning on stderr
    # EACCES: the socket folder is taken back before any cell runs; the connection file is root's
    assert results["socket_dir"] == [13, 13]


def test_environment_is_rebuilt_not_inherited(probe, monkeypatch):
    names = probe[0]["env"]
    assert "HOME" in names and "OPENBLAS_NUM_THREADS" in names
    assert not [n for n in names if n.startswith(("SSH", "AWS", "GITHUB", "VIRTUAL_ENV"))]


def test_cpu_limit_ends_a_kernel_stuck_in_c_code(tmp_path):
    nb, died, ending = run_confined_ending(["x = 1", "sum(range(10**12))", "print('never')"], tmp_path,
                                           sandbox.Policy(cpu_seconds=2), timeout=30)
    assert isinstance(died, DeadKernelError)
    assert "CPU time limit (2 s)" in ending


def test_os_exit_and_segfault_are_reported_with_their_cause(tmp_path):
    _, died, ending = run_confined_ending(["import os; os._exit(7)"], tmp_path)
    assert died is not None and "status 7" in ending
    _, died, ending = run_confined_ending(["import ctypes; ctypes.string_at(0)"], tmp_path)
    assert died is not None and "segmentation fault" in ending


def test_timeout_interrupts_by_message_and_the_kernel_goes_on(tmp_path):
    nb, died = run_confined(["while True: pass", "import json; print(json.dumps('after'))"], tmp_path, timeout=2)
    assert died is None
    assert printed(nb.cells[0]) == {"error": "KeyboardInterrupt"} and printed(nb.cells[1]) == "after"


def test_no_kernel_leaves_its_folder_behind(tmp_path, monkeypatch):
    import tempfile
    # A short folder (pytest's tmp_path can be too long for the kernel's unix sockets; see the next test).
    scratch = Path(tempfile.mkdtemp(prefix="s-", dir="/tmp"))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where the kernel manager makes its jail folder
    student = tmp_path / "student"
    student.mkdir()
    try:
        run_confined(["print(1)"], student)
        _, died = run_confined(["import os; os._exit(3)"], student)
        assert died is not None and list(scratch.iterdir()) == []
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def test_a_long_temporary_folder_still_leaves_room_for_the_kernel_sockets(tmp_path, monkeypatch):
    import tempfile
    from backprop_course.sandbox.kernel_manager import jail_parent
    long_folder = tmp_path / ("x" * 80)
    long_folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(long_folder))
    assert jail_parent() == "/tmp"
    nb, died = run_confined(["import json; print(json.dumps({'answer': 42}))"], tmp_path)
    assert died is None and printed(nb.cells[0]) == {"answer": 42}


def test_refuses_without_root_or_tools_unless_unconfined_is_allowed(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(sandbox.SandboxUnavailable, match="needs root"):
        sandbox.confinement(REPO)
    loose = sandbox.confinement(REPO, sandbox.Policy(allow_unconfined=True))
    assert not loose.confined and "UNCONFINED" in loose.warning and "root" in loose.warning
    assert "kernel_manager_class" not in str(loose.config())
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(shutil, "which", lambda tool: None if tool == "bwrap" else "/usr/bin/" + tool)
    with pytest.raises(sandbox.SandboxUnavailable, match="bwrap"):
        sandbox.confinement(REPO)


def test_confined_config_selects_the_sandboxed_kernel_manager():
    jail = sandbox.confinement(REPO, sandbox.Policy(cpu_seconds=5))
    config = jail.config()
    assert jail.confined and jail.warning is None
    assert config.Execute.kernel_manager_class.endswith("SandboxedKernelManager")
    assert config.SandboxedKernelManager.limits["cpu_seconds"] == 5


def test_mount_guard_rejects_anything_exposing_the_course(tmp_path):
    course = tmp_path / "course"
    (course / "source").mkdir(parents=True)
    for exposed in (tmp_path, course, course / "source", course / "gradebook.db", course / "submitted" / "bob"):
        with pytest.raises(mounts.MountError):
            mounts.check_outside_course([exposed], course)
    mounts.check_outside_course([course / "lib", course / ".venv", Path("/usr")], course)


def test_policy_from_course_toml_names_bad_settings():
    assert sandbox.Policy.from_settings({"grading": {"sandbox": {"cpu_seconds": 9}}}).cpu_seconds == 9
    assert sandbox.Policy.from_settings({}) == sandbox.Policy()
    with pytest.raises(sandbox.PolicyError, match="cpu_secs"):
        sandbox.Policy.from_settings({"grading": {"sandbox": {"cpu_secs": 9}}})
    with pytest.raises(sandbox.PolicyError, match="memory_mb"):
        sandbox.Policy(memory_mb=-1)
    with pytest.raises(sandbox.PolicyError, match="allow_unconfined"):
        sandbox.Policy(allow_unconfined="yes")


def test_command_line_uses_the_standard_tools_in_order(tmp_path):
    jail = command.KernelJail(tmp_path, tmp_path, tmp_path, 62010, sandbox.Policy(cpu_seconds=3))
    argv = jail.argv(["python", "-m", "ipykernel_launcher"])
    tools = [argv.index(t) for t in ("bwrap", "prlimit", "setpriv")]
    assert tools == sorted(tools) and "--unshare-net" in argv and "--cpu=3:4" in argv
    assert "--reuid=62010" in argv and "--no-new-privs" in argv and argv[-3:] == ["python", "-m", "ipykernel_launcher"]


def test_a_timed_out_cell_leaves_no_process_behind(tmp_path):
    fork_and_spin = ("import os\nfor _ in range(20):\n    if os.fork() == 0:\n        while True:\n            pass\n"
                     "while True:\n    pass")
    # Processes still running (killed children stay zombies until the kernel exits; they use no CPU).
    count = ("import json, os\nstates = [open(f'/proc/{p}/stat').read().rsplit(')', 1)[1].split()[0]\n"
             "          for p in os.listdir('/proc') if p.isdigit()]\nprint(json.dumps(sum(s != 'Z' for s in states)))")
    nb, died = run_confined([fork_and_spin, count], tmp_path, timeout=3)
    assert died is None
    assert printed(nb.cells[1]) == 2  # the sandbox's init and the kernel


def test_nbgrader_execute_preprocessor_runs_confined_with_the_config(tmp_path):
    """For plain `nbgrader autograde`: the same config in nbgrader_config.py confines its kernels."""
    from nbgrader.preprocessors import Execute
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import json, os; print(json.dumps(os.getuid()))")])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    config = sandbox.confinement(REPO).config()
    nb, _ = Execute(config=config).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    assert printed(nb.cells[0]) >= sandbox.Policy().uid_base


def test_output_beyond_the_budget_arrives_emptied_but_errors_stay_errors_and_stderr_stays(tmp_path):
    cells = ["print('x' * (3 * 2**20))", "import sys; print('late', file=sys.stderr)", "raise ValueError('v' * 10**6)", "7"]
    nb, died = run_confined(cells, tmp_path, sandbox.Policy(max_output_mb=2))
    assert died is None
    first, late, error, result = (cell.outputs for cell in nb.cells)
    assert "出力が多すぎる" in first[0].text and len(first[0].text) < 200
    assert (late[0].name, late[0].text) == ("stderr", "")
    assert error[0].ename == "ValueError" and len(error[0].evalue) == 200  # past the budget: an error, shortened
    assert result[0].data == {"text/plain": "7"}


def test_a_clean_run_ended_at_once_by_the_grader_reports_no_ending(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    client = NotebookClient(nb, shutdown_kernel="immediate", resources={"metadata": {"path": str(tmp_path)}},
                            **sandbox.confinement(REPO).client_options())
    manager = client.create_kernel_manager()
    client.execute()
    assert manager.ending is None


# Limits of the whole process tree: each ends the kernel and says which, with cgroups and with the watchdog alone.
TREE = {"cgroup": True, "watchdog": False}
MEMORY_CHILDREN = ("import os, time\nfor i in range(8):\n    if os.fork() == 0:\n        hold = b'x' * (200 * 2**20)\n"
                   "        time.sleep(60)\n        os._exit(0)\ntime.sleep(30)")
FORK_UNTIL_REFUSED = ("import os, time\nwhile True:\n    try:\n        if os.fork() == 0:\n            time.sleep(30)\n"
                      "            os._exit(0)\n    except OSError:\n        time.sleep(30)")


def tree_policy(mode, **limits):
    return sandbox.Policy(cpu_seconds=60, memory_mb=1024, max_processes=32, use_cgroups=TREE[mode], **limits)


def test_cgroups_can_be_made_here_or_the_watchdog_says_why(capsys):
    from backprop_course.sandbox.limits import cgroup_problem
    with capsys.disabled():
        print(f"\nwhole-tree limits here: {cgroup_problem() or 'cgroup v1 memory and pids groups'}")


STUBBORN_CHILD = ("import json, os, signal, time\nif os.fork() == 0:\n    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):\n"
                  "        signal.signal(s, signal.SIG_IGN)\n    os.setsid()\n    time.sleep(60)\n    os._exit(0)\n"
                  "print(json.dumps(os.getuid()))")


@pytest.mark.parametrize("mode", TREE)
def test_nothing_of_a_kernel_is_left_once_the_grader_has_ended_it(tmp_path, mode):
    # The uid slot is free again when run_cells returns: no process of that account, no group of that kernel.
    from backprop_course.notebooks.running import run_cells
    from backprop_course.sandbox.limits import CGROUP_ROOT, CONTROLLERS, GROUP, uid_tasks
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(STUBBORN_CHILD)])
    jail = sandbox.confinement(REPO, tree_policy(mode, start_ahead=False))  # no next kernel on that uid
    events, _ = run_cells(nb, str(tmp_path), 10, client_options=jail.client_options())
    uid = printed(nb.cells[0])
    assert events == [] and uid >= sandbox.Policy().uid_base
    assert uid_tasks(uid) == {}
    assert [g for c in CONTROLLERS for g in (CGROUP_ROOT / c / GROUP).glob(f"kernel-{uid}-{os.getpid()}-*")] == []


# Kernels started ahead (running.py, Policy.start_ahead): what a cell of the next notebook sees.
NEXT_KERNEL_SEES = ("import json, os\nup = float(open('/proc/uptime').read().split()[0])\n"
                    "ticks = int(open('/proc/self/stat').read().rsplit(')', 1)[1].split()[19])\n"
                    "print(json.dumps([up - ticks / os.sysconf('SC_CLK_TCK'), sorted(os.listdir('.')), open('data.txt').read(),\n"
                    "                  os.path.exists('/tmp/planted'), 'secret' in dir(), os.environ.get('PYTHONHASHSEED'),\n"
                    "                  oct(os.stat('data.txt').st_mode & 0o777), os.stat('data.txt').st_uid == os.getuid()]))")
PLANT = "import os\nsecret = 1\nopen('planted.txt', 'w').write('x')\nopen('/tmp/planted', 'w').write('x')"


@pytest.fixture
def two_students(tmp_path):
    from backprop_course.notebooks import running
    folders = []
    for name in ("alice", "bob"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "data.txt").write_text(name)
        folders.append(str(tmp_path / name))
    yield folders
    running._discard_held()  # the kernel started after the last notebook


def test_the_next_kernel_is_started_ahead_fresh_and_given_only_its_own_folder(two_students, monkeypatch):
    from backprop_course.notebooks.running import run_cells
    monkeypatch.setenv("PYTHONHASHSEED", "7")
    options = sandbox.confinement(REPO).client_options()
    first = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PLANT)])
    assert run_cells(first, two_students[0], 10, client_options=options)[0] == []
    called = float(Path("/proc/uptime").read_text().split()[0])
    second = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(NEXT_KERNEL_SEES)])
    assert run_cells(second, two_students[1], 10, client_options=options)[0] == []
    age, listed, data, planted, secret, seed, mode, owned = printed(second.cells[0])
    assert called - age < float(Path("/proc/uptime").read_text().split()[0]) - age  # (the kernel's start)
    assert age > 0 and listed == ["data.txt"] and data == "bob" and not planted and not secret
    assert (seed, mode, owned) == ("7", "0o644", True) and second.cells[0].execution_count == 1


def test_a_kernel_started_ahead_for_other_jail_variables_is_not_used(two_students, monkeypatch):
    from backprop_course.notebooks.running import run_cells
    options = sandbox.confinement(REPO).client_options()
    monkeypatch.setenv("PYTHONHASHSEED", "7")
    run_cells(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]), two_students[0], 10, client_options=options)
    monkeypatch.setenv("PYTHONHASHSEED", "8")
    second = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(NEXT_KERNEL_SEES)])
    run_cells(second, two_students[1], 10, client_options=options)
    assert printed(second.cells[0])[5] == "8"


def test_no_kernel_is_started_ahead_while_every_uid_slot_is_busy(monkeypatch):
    # A worker never waits for a slot (up to 30 s) just to have a kernel ahead; its next kernel starts on demand.
    from backprop_course.sandbox import uids
    real, waits = uids.acquire, []
    monkeypatch.setattr(uids, "acquire", lambda base, slots, wait=30.0: waits.append(wait) or real(base, slots, wait))
    policy = sandbox.Policy(uid_base=63000, uid_slots=1)
    held = real(policy.uid_base, policy.uid_slots)
    try:
        manager = sandbox.SandboxedKernelManager(config=sandbox.confinement(REPO, policy).config())
        with pytest.raises(uids.NoFreeAccount):
            manager.start_ahead()
        manager.discard()
    finally:
        held.release()
    assert waits == [0.0]


def test_a_grading_worker_leaves_no_kernel_started_ahead_behind_when_it_ends(tmp_path):
    # Its kernel started ahead shows as that worker's cgroups (named after its pid); gone once it has ended.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from backprop_course.autograde.execute import ExecutionJob, execute_submission
    from backprop_course.sandbox.limits import CGROUP_ROOT, CONTROLLERS, GROUP, cgroup_problem
    if cgroup_problem():
        pytest.skip(f"no cgroups to see the kernel by: {cgroup_problem()}")
    source = tmp_path / "in.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]), source)
    job = ExecutionJob(str(source), str(tmp_path / "out.ipynb"), client_options=sandbox.confinement(REPO).client_options())
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("forkserver")) as pool:
        assert pool.submit(execute_submission, job).result().crashed is None
        worker = next(iter(pool._processes))
        groups = lambda: [g for c in CONTROLLERS for g in (CGROUP_ROOT / c / GROUP).glob(f"kernel-*-{worker}-*")]
        assert len(groups()) == len(CONTROLLERS)  # the kernel started ahead, waiting for a next notebook
    assert groups() == []


@pytest.mark.parametrize("mode", TREE)
def test_children_holding_memory_together_end_the_kernel(tmp_path, mode):
    # Each child holds 200 MB (far below its own 1 GB address space); eight of them are over the tree's 1 GB.
    nb, died, ending = run_confined_ending([MEMORY_CHILDREN, "print(1)"], tmp_path, tree_policy(mode), timeout=40)
    assert died is not None and "more than 1024 MB" in ending


@pytest.mark.parametrize("mode", TREE)
def test_reaching_the_process_limit_ends_the_kernel(tmp_path, mode):
    from backprop_course.sandbox.limits import INTERVAL
    started = __import__("time").monotonic()
    _, died, ending = run_confined_ending([FORK_UNTIL_REFUSED], tmp_path, tree_policy(mode), timeout=40)
    assert died is not None and "32 processes" in ending
    assert __import__("time").monotonic() - started < 20 + INTERVAL


FILL = ("import errno\ntry:\n    for i in range(100):\n        open(f'{folder}/fill{i}', 'wb').write(b'x' * 2**20)\n"
        "except OSError as e:\n    print(errno.errorcode[e.errno], flush=True)\nimport time\ntime.sleep(5)")


@pytest.mark.parametrize("mode", TREE)
@pytest.mark.parametrize("folder", ["/tmp", "/home/student"])
def test_a_full_in_memory_folder_ends_the_kernel(tmp_path, mode, folder):
    # /tmp holds 64 MB; the home scratch_mb, 16 MB here. Files of 1 MB each, below the file size limit.
    nb, died, ending = run_confined_ending([FILL.replace("{folder}", folder)], tmp_path,
                                           tree_policy(mode, scratch_mb=16), timeout=10)
    assert died is not None and f"{folder} is full" in ending
    assert "ENOSPC" in nb.cells[0].outputs[0].text


def test_the_notebook_time_limit_stops_many_short_cells(tmp_path):
    from backprop_course.notebooks.running import run_cells
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import time; time.sleep(2)") for _ in range(8)])
    jail = sandbox.confinement(REPO, sandbox.Policy(notebook_seconds=5))
    events, _ = run_cells(nb, str(tmp_path), 10, client_options=jail.client_options())
    assert [kind for _, kind, _ in events] == ["time_limit"]
    assert events[0][0] in (1, 2) and nb.cells[-1].outputs[0].ename == "CellNotRun"


def test_the_watchdog_ends_a_sandbox_past_the_hard_deadline(tmp_path, monkeypatch):
    from backprop_course.sandbox import limits
    monkeypatch.setattr(limits, "HARD_DEADLINE_GRACE", 1)
    _, died, ending = run_confined_ending(["import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                           "signal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(60)"],
                                          tmp_path, sandbox.Policy(notebook_seconds=3), timeout=30)
    assert died is not None and "3 s time limit" in ending


def test_errors_spend_the_output_budget(tmp_path):
    spam = ("from IPython.core.interactiveshell import InteractiveShell\nshell = get_ipython()\n"
            "for i in range(200):\n    try:\n        raise ValueError('e' * 10**5)\n    except ValueError:\n"
            "        shell.showtraceback()")
    nb, died = run_confined([spam, "1 / 0"], tmp_path, sandbox.Policy(max_output_mb=2))
    assert died is None
    size = len(nbformat.writes(nb))
    assert size < 3 * 2**20 and nb.cells[1].outputs[0].ename == "ZeroDivisionError"
