"""A throwaway JupyterLab server for the smoke test: 127.0.0.1, a free port, a token.

It runs in its own process group with its own config, runtime and settings folders, the
announcements plugin disabled (its news toast would cover the page) and the application
object exposed as ``window.jupyterapp`` so the test can use JupyterLab's own commands.
"""
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

START_TIMEOUT = 60  # seconds; JupyterLab answers after ~2 s here
STOP_TIMEOUT = 15
DISABLED_PLUGINS = ["@jupyterlab/apputils-extension:announcements"]


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LabServer:
    """``with LabServer(root_dir, work_dir) as lab:`` serves root_dir at ``lab.url``."""

    def __init__(self, root_dir, work_dir):
        self.root_dir = Path(root_dir)
        self.work_dir = Path(work_dir)
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.process = None
        self.log_path = self.work_dir / "jupyterlab.log"

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def workspace_url(self, workspace):
        """The lab page on a named workspace, logged in by the token."""
        return f"{self.base_url}/lab/workspaces/{workspace}?token={self.token}"

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def _environ(self):
        config_dir = self.work_dir / "config"
        (config_dir / "labconfig").mkdir(parents=True, exist_ok=True)
        page_config = {"disabledExtensions": {name: True for name in DISABLED_PLUGINS}}
        (config_dir / "labconfig" / "page_config.json").write_text(json.dumps(page_config))
        return dict(
            os.environ,
            JUPYTER_CONFIG_DIR=str(config_dir),
            JUPYTER_RUNTIME_DIR=str(self.work_dir / "runtime"),
            # One BLAS thread per kernel: the machine has two cores and the browser needs one.
            OPENBLAS_NUM_THREADS="1",
        )

    def start(self):
        command = [
            sys.executable, "-m", "jupyterlab",
            "--no-browser",
            "--ServerApp.allow_root=True",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}",
            f"--LabApp.user_settings_dir={self.work_dir / 'user-settings'}",
            f"--LabApp.workspaces_dir={self.work_dir / 'workspaces'}",
            "--LabApp.expose_app_in_browser=True",
        ]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command, cwd=self.root_dir, env=self._environ(), stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_until_up()

    def _wait_until_up(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"JupyterLab exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                self.api("GET", "/api/status")
                return
            except OSError:  # refused, reset or timed out: not up yet
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"JupyterLab did not answer within {START_TIMEOUT} s:\n{self.log_tail()}")

    def api(self, method, path):
        """One authenticated REST call; returns the decoded JSON (None for an empty body)."""
        request = urllib.request.Request(
            self.base_url + path, method=method, headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def log_tail(self, lines=40):
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self):
        """Shut the kernels down, then the server's process group (TERM, then KILL if it lingers)."""
        if self.process is None or self.process.poll() is not None:
            return
        self._shutdown_kernels()
        group = os.getpgid(self.process.pid)
        os.killpg(group, signal.SIGTERM)
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGKILL)
            self.process.wait(STOP_TIMEOUT)

    def _shutdown_kernels(self):
        # Kernels run in process groups of their own, so killing the server's group would orphan them.
        try:
            for kernel in self.api("GET", "/api/kernels"):
                self.api("DELETE", f"/api/kernels/{kernel['id']}")
        except OSError:  # the server is already gone: nothing left to ask
            pass
