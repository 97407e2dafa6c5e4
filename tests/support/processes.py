"""Real peers for integration tests: an HTTP server for the app, RQ workers, localstripe."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


class LiveServer:
    """The Flask app served over real HTTP in a thread of the test process."""

    def __init__(self, app):
        self.port = free_port()
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        self.thread.start()
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        self.server.shutdown()


class GunicornServer:
    """The app under gunicorn (production serving, gunicorn.conf.py) in a real subprocess: a process a test may kill."""

    def __init__(self, env: dict, *, workers: int = 1):
        self.port = free_port()
        self.env = {**os.environ, **env, "BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": str(workers)}
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> GunicornServer:
        self.process = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn"))], cwd=ROOT, env=self.env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wait_for_port(self.port, timeout=30)
        return self

    def stop(self) -> str:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                _, errors = self.process.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                _, errors = self.process.communicate()
            return errors
        return ""


class WorkerProcess:
    """`flask --app app worker` in a real subprocess, against the test database and Redis."""

    def __init__(self, env: dict, *, burst: bool = False):
        self.env = {**os.environ, **env}
        self.burst = burst
        self.process: subprocess.Popen | None = None

    def start(self) -> WorkerProcess:
        args = [sys.executable, "-m", "flask", "--app", "app", "worker"] + (["--burst"] if self.burst else [])
        self.process = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        return self

    def wait(self, timeout: float = 60) -> str:
        output, _ = self.process.communicate(timeout=timeout)
        return output

    def stop(self) -> str:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                output, _ = self.process.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                output, _ = self.process.communicate()
            return output
        return ""


class RedisServer:
    """A Redis of the test's own on a free port, keeping nothing on disk: `restart()` brings it back empty."""

    def __init__(self, workdir: str):
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.workdir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def restart(self) -> None:
        """As after a crash or a restart without persistence: everything it held is gone."""
        self.stop()
        self.start()


class Localstripe:
    """localstripe on a free port. It keeps its state in one fixed temp file, so run one at a time."""

    def __init__(self):
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Localstripe:
        executable = Path(sys.executable).with_name("localstripe")
        command = [str(executable)] if executable.exists() else [sys.executable, "-m", "localstripe"]
        # localstripe saves its state to <tempdir>/localstripe.pickle: a private TMPDIR keeps two
        # instances (two test runs on one machine) from overwriting each other.
        self.tmpdir = tempfile.mkdtemp(prefix="localstripe-")
        self.process = subprocess.Popen(command + ["--port", str(self.port), "--from-scratch"],
                                        env={**os.environ, "TMPDIR": self.tmpdir},
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)
        shutil.rmtree(self.tmpdir, ignore_errors=True)
