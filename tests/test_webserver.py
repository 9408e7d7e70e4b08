"""The real Dagster webserver, on 127.0.0.1, serving the asset graph and a store-day's scores after an audit."""

import pytest

from shelf_assets.cli import main
from tests.conftest import store_day_of_chain
from tests.dagster_processes import dagster_environment, dagster_process, free_port, graphql, wait_for, webserver_ready

pytestmark = pytest.mark.slow


@pytest.fixture
def webserver(tiny_chain, monkeypatch, tmp_path):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert main(["audit", "--data", str(tiny_chain.root)]) == 0
    port = free_port()
    environment = dagster_environment(tiny_chain.dagster_home, tiny_chain.root)
    with dagster_process("dagster-webserver", ["-h", "127.0.0.1", "-p", str(port)], environment,
                         tmp_path / "webserver.log") as server:
        wait_for(lambda: webserver_ready(port), 120, "the webserver", server)
        yield port


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
    store_id, date = store_day_of_chain(tiny_chain)
    assert materialization["partition"] == f"{date}|{store_id}"
    metadata = {entry["label"]: entry.get("floatValue", entry.get("intValue")) for entry in materialization["metadataEntries"]}
    assert 0 <= metadata["facing_compliance"] <= 1
    assert metadata["photos_received"] == len(list((tiny_chain.root / "bucket" / store_id / date).iterdir()))
