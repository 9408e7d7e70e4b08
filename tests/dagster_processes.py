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


AUDIT_ASSETS = ["raw_photos", "normalized_images", "detections", "sku_placements", "slot_status", "dead_letter",
                "bay_scores", "compliance_scores", "share_of_shelf"]
LAUNCH_BACKFILL = """mutation($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
    __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } } }"""
BACKFILL_STATUS = """query($id: String!) { partitionBackfillOrError(backfillId: $id) {
    ... on PartitionBackfill { status } } }"""
BACKFILL_DONE = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}


def run_ui_backfill(home: Path, data_root: Path, partition_keys: list[str], logs: Path, timeout: float):
    """Launch a backfill of the audit assets through the webserver, as the UI does, and wait for the daemon to
    finish it. Returns (backfill id, final status, seconds from launch to end).

    The daemon starts once the backfill is launched: its backfill loop wakes every 30 s, and its first pass then
    takes the backfill up at once instead of up to half a minute later."""
    port = free_port()
    environment = dagster_environment(home, data_root)
    with dagster_process("dagster-webserver", ["-h", "127.0.0.1", "-p", str(port)], environment,
                         logs / "webserver.log") as webserver:
        wait_for(lambda: webserver_ready(port), 120, "the webserver", webserver)
        started = time.perf_counter()
        launched = graphql(port, LAUNCH_BACKFILL, {"params": {
            "partitionNames": partition_keys, "assetSelection": [{"path": [name]} for name in AUDIT_ASSETS],
        }})["launchPartitionBackfill"]
        if launched["__typename"] != "LaunchBackfillSuccess":
            raise RuntimeError(f"backfill not launched: {launched}")
        backfill_id = launched["backfillId"]

        def status() -> str:
            return graphql(port, BACKFILL_STATUS, {"id": backfill_id})["partitionBackfillOrError"]["status"]

        with dagster_process("dagster-daemon", ["run"], environment, logs / "daemon.log") as daemon:
            wait_for(lambda: status() in BACKFILL_DONE, timeout, "the backfill to finish", daemon, webserver,
                     interval=5)
            return backfill_id, status(), time.perf_counter() - started
