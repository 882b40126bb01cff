"""A Spark standalone cluster on this machine for tests: a master and workers, each its own process, started with
pyspark's bundled `spark-class` and the machine's Java.

    cluster = SparkCluster(tmp_dir, workers=2).start()   # returns at once: the JVMs start while the test works
    ...
    cluster.wait_ready()                                  # every worker registered with the master
    settings.ANALYTICS_SPARK_MASTER = cluster.url
    ...
    cluster.stop()                                        # the master, the workers and their executors, by pid

The processes die with the process that started them (PR_SET_PDEATHSIG), so an interrupted test run leaves no
JVM behind.
"""

import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

# Each JVM's own heap: the master and workers only keep the books (Spark's default is 1 GiB each).
DAEMON_MEMORY = "256m"


class ClusterError(RuntimeError):
    pass


def java_missing() -> str | None:
    """Why the cluster cannot start on this machine, or None."""
    java = shutil.which("java", path=os.pathsep.join(filter(None, [
        os.path.join(os.environ["JAVA_HOME"], "bin") if os.environ.get("JAVA_HOME") else "", os.environ.get("PATH")])))
    if java is None:
        return ("Java is not installed: the Spark cluster test needs a Java 17 runtime (`make setup` installs "
                "Debian's default-jre-headless).")
    return None


def spark_class() -> Path:
    """pyspark's bundled launcher (the same jars the driver uses)."""
    import pyspark

    path = Path(pyspark.__file__).parent / "bin" / "spark-class"
    if not path.exists():
        raise ClusterError(f"pyspark has no {path}: install fupin[spark].")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _children(pid: int) -> list[int]:
    """The child processes of `pid` (a worker's executors), read from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
    return found


class SparkCluster:
    def __init__(self, directory: Path, *, workers: int = 2, cores: int = 1, memory: str = "1g"):
        self.directory = Path(directory)
        self.workers = workers
        self.cores = cores
        self.memory = memory
        self.port = free_port()
        self.webui_port = free_port()
        self.url = f"spark://127.0.0.1:{self.port}"
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.started_at = None
        self.ready_seconds = None

    def _environment(self) -> dict:
        env = dict(os.environ)
        env.update({
            "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_DAEMON_MEMORY": DAEMON_MEMORY,
            # Short-lived JVMs on a busy machine: the quick JIT only, and the serial collector.
            "SPARK_DAEMON_JAVA_OPTS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
            "SPARK_LOG_DIR": str(self.directory / "logs"),
            "SPARK_PID_DIR": str(self.directory),
            "SPARK_NO_DAEMONIZE": "1",
            # Executors run Python only for Python functions; if ever, it is this interpreter (the fupin venv).
            "PYSPARK_PYTHON": sys.executable,
        })
        env.pop("SPARK_HOME", None)  # the launcher finds pyspark's own
        return env

    def _launch(self, name: str, *arguments: str) -> None:
        log = (self.directory / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [str(spark_class()), *arguments], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            cwd=self.directory, env=self._environment(), preexec_fn=_die_with_parent)
        log.close()
        self.processes.append((name, process))

    def start(self) -> "SparkCluster":
        """Launch the master and the workers at once (a worker retries until the master listens); returns without
        waiting for them."""
        reason = java_missing()
        if reason:
            raise ClusterError(reason)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.started_at = time.monotonic()
        self._launch("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                     "--port", str(self.port), "--webui-port", str(self.webui_port))
        for number in range(1, self.workers + 1):
            work = self.directory / f"worker{number}"
            work.mkdir(exist_ok=True)
            self._launch(f"worker{number}", "org.apache.spark.deploy.worker.Worker", self.url,
                         "--host", "127.0.0.1", "--cores", str(self.cores), "--memory", self.memory,
                         "--webui-port", str(free_port()), "--work-dir", str(work))
        return self

    def state(self) -> dict | None:
        """The master's own account of the cluster (its web UI's JSON), or None while it is not answering."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.webui_port}/json/", timeout=5) as response:
                return json.load(response)
        except (OSError, ValueError):
            return None

    def alive_workers(self) -> int:
        state = self.state() or {}
        return sum(1 for worker in state.get("workers", []) if worker.get("state") == "ALIVE")

    def wait_ready(self, timeout: float = 240) -> float:
        """Wait until every worker has registered with the master; returns the seconds since start()."""
        deadline = self.started_at + timeout
        while time.monotonic() < deadline:
            for name, process in self.processes:
                if process.poll() is not None:
                    raise ClusterError(f"the Spark {name} exited with {process.returncode}:\n{self.log_tail(name)}")
            if self.alive_workers() == self.workers:
                self.ready_seconds = time.monotonic() - self.started_at
                return self.ready_seconds
            time.sleep(0.5)
        raise ClusterError(f"{self.alive_workers()} of {self.workers} Spark workers registered within {timeout} s:\n"
                           + "\n".join(self.log_tail(name) for name, _ in self.processes))

    def log_tail(self, name: str, lines: int = 15) -> str:
        path = self.directory / f"{name}.log"
        text = path.read_text(errors="replace").splitlines()[-lines:] if path.exists() else []
        return f"--- {name} ({path})\n" + "\n".join(text)

    def pids(self) -> list[int]:
        """The master's and workers' pids and those of the workers' executors still running."""
        pids = []
        for _, process in self.processes:
            if process.poll() is None:
                pids.append(process.pid)
                pids += _children(process.pid)
        return pids

    def stop(self, timeout: float = 20) -> None:
        """Stop the workers (they stop their executors), then the master; what has not exited by `timeout` is
        killed. Only the processes this cluster started are signalled, each by its pid."""
        executors = [child for _, process in self.processes if process.poll() is None
                     for child in _children(process.pid)]
        for _, process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + timeout
        for _, process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(max(deadline - time.monotonic(), 0.1))
            if process.poll() is None:
                process.kill()
                process.wait()
        for pid in executors:  # normally gone with their worker; checked to be still ours before it is killed
            with contextlib.suppress(OSError):
                if Path(f"/proc/{pid}/cwd").resolve().is_relative_to(self.directory.resolve()):
                    os.kill(pid, signal.SIGKILL)
