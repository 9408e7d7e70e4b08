"""The real Dagster webserver, on 127.0.0.1, serving the asset graph and a store-day's scores after an audit."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from shelf_assets.cli import main

pytestmark = pytest.mark.slow
REPOSITORY = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["data"]


@pytest.fixture
def webserver(tiny_chain, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert main(["audit", "--data", str(tiny_chain.root)]) == 0
    port = free_port()
    environment = dict(os.environ, DAGSTER_HOME=str(tiny_chain.dagster_home), SHELF_AUDIT_DATA=str(tiny_chain.root))
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("dagster-webserver")), "-w", "workspace.yaml", "-h", "127.0.0.1",
         "-p", str(port)],
        cwd=REPOSITORY, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                graphql(port, "{ version }")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"webserver did not start:\n{server.stdout.read().decode()[-3000:]}")
                time.sleep(1)
        yield port
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_webserver_shows_the_asset_graph_and_the_scores_metadata(webserver, tiny_chain):
    nodes = graphql(webserver, "{ assetNodes { assetKey { path } dependencyKeys { path } } }")["assetNodes"]
    graph = {node["assetKey"]["path"][-1]: {d["path"][-1] for d in node["dependencyKeys"]} for node in nodes}
    assert graph["normalized_images"] == {"raw_photos"}
    assert graph["detections"] >= {"normalized_images", "sku_catalog"}
    assert {"sku_placements", "slot_status", "dead_letter"} <= graph["compliance_scores"]

    materializations = graphql(webserver, """{ assetOrError(assetKey: {path: ["compliance_scores"]}) {
        ... on Asset { assetMaterializations(limit: 5) { partition metadataEntries { label
            ... on FloatMetadataEntry { floatValue } ... on IntMetadataEntry { intValue } } } } } }""")
    [materialization] = materializations["assetOrError"]["assetMaterializations"]
    [store_dir] = (tiny_chain.root / "bucket").iterdir()
    [day_dir] = store_dir.iterdir()
    assert materialization["partition"] == f"{day_dir.name}|{store_dir.name}"
    metadata = {entry["label"]: entry.get("floatValue", entry.get("intValue")) for entry in materialization["metadataEntries"]}
    assert 0 <= metadata["facing_compliance"] <= 1
    assert metadata["photos_received"] == len(list(day_dir.iterdir()))
