"""Real Dagster servers for the tests: started on 127.0.0.1 in their own process group, always stopped."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from shelf_assets.runner import INSTANCE_CONFIG

REPOSITORY = Path(__file__).resolve().parents[1]


def instance_home(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "dagster.yaml").write_text(INSTANCE_CONFIG)
    return path


def dagster_environment(home: Path, data_root: Path, **extra: str) -> dict:
    return dict(os.environ, DAGSTER_HOME=str(home), SHELF_AUDIT_DATA=str(data_root), **extra)


@contextlib.contextmanager
def dagster_process(command: str, arguments: list[str], environment: dict, log_path: Path):
    """Run `dagster-daemon`, `dagster-webserver`, … from this environment on the project's workspace."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name(command)), *arguments, "-w", "workspace.yaml"],
            cwd=REPOSITORY, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            yield process
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def graphql(port: int, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        body = json.loads(response.read())
    if body.get("errors"):
        raise RuntimeError(f"GraphQL errors: {body['errors']}")
    return body["data"]


def wait_for(condition, timeout: float, what: str, *processes: subprocess.Popen, interval: float = 2.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except OSError:
            pass
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"a Dagster process exited while waiting for {what}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        time.sleep(interval)


def webserver_ready(port: int) -> bool:
    graphql(port, "{ version }")
    return True
