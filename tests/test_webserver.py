"""The real Dagster webserver, on 127.0.0.1, serving the asset graph and a store-day's scores after an audit, and
what a person sees of them in a real browser, before and after the model is retrained."""

import shutil
import urllib.parse

import pytest
from dagster import DagsterInstance

from shelf_assets.cli import main
from shelf_assets.settings import DataRoot
from shelf_assets.vision.model_files import PACKAGED_BUNDLE, bundle_version
from tests.browser import headless_chromium, page_text
from tests.conftest import store_day_of_chain, train_quick_model
from tests.dagster_processes import dagster_environment, dagster_process, free_port, graphql, wait_for, webserver_ready

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module; where there is none, the UI test is skipped."""
    with headless_chromium() as driver:
        yield driver


@pytest.fixture(scope="module")
def audited_chain(tiny_chain_template, tmp_path_factory):
    """One audited chain for the module: the audit and the webserver's start are what these tests cost most."""
    chain = DataRoot.at(shutil.copytree(tiny_chain_template, tmp_path_factory.mktemp("webserver") / "chain"))
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("DAGSTER_HOME", raising=False)
        assert main(["audit", "--data", str(chain.root)]) == 0
    return chain


@pytest.fixture(scope="module")
def webserver(audited_chain, tmp_path_factory):
    port = free_port()
    environment = dagster_environment(audited_chain.dagster_home, audited_chain.root)
    with dagster_process("dagster-webserver", ["-h", "127.0.0.1", "-p", str(port)], environment,
                         tmp_path_factory.mktemp("webserver-log") / "webserver.log") as server:
        wait_for(lambda: webserver_ready(port), 120, "the webserver", server)
        yield port


def test_webserver_shows_the_asset_graph_and_the_scores_metadata(webserver, audited_chain):
    nodes = graphql(webserver, "{ assetNodes { assetKey { path } dependencyKeys { path } } }")["assetNodes"]
    graph = {node["assetKey"]["path"][-1]: {d["path"][-1] for d in node["dependencyKeys"]} for node in nodes}
    assert graph["normalized_images"] == {"raw_photos"}
    assert graph["detections"] >= {"normalized_images", "sku_catalog"}
    assert {"sku_placements", "slot_status", "dead_letter"} <= graph["compliance_scores"]

    materializations = graphql(webserver, """{ assetOrError(assetKey: {path: ["compliance_scores"]}) {
        ... on Asset { assetMaterializations(limit: 5) { partition metadataEntries { label
            ... on FloatMetadataEntry { floatValue } ... on IntMetadataEntry { intValue } } } } } }""")
    [materialization] = materializations["assetOrError"]["assetMaterializations"]
    store_id, date = store_day_of_chain(audited_chain)
    assert materialization["partition"] == f"{date}|{store_id}"
    metadata = {entry["label"]: entry.get("floatValue", entry.get("intValue")) for entry in materialization["metadataEntries"]}
    assert 0 <= metadata["facing_compliance"] <= 1
    assert metadata["photos_received"] == len(list((audited_chain.root / "bucket" / store_id / date).iterdir()))


def test_the_ui_shows_a_store_days_scores_and_marks_its_detections_unsynced_once_the_model_is_retrained(
        browser, webserver, audited_chain, tmp_path):
    store_id, date = store_day_of_chain(audited_chain)
    partition = f"{date}|{store_id}"

    def partition_page(asset: str) -> str:
        return (f"http://127.0.0.1:{webserver}/assets/{asset}?view=partitions"
                f"&partition={urllib.parse.quote(partition)}")

    packaged = bundle_version(PACKAGED_BUNDLE)
    scores = page_text(browser, partition_page("compliance_scores"), partition, "facing_compliance",
                       "photos_received", screenshot=tmp_path / "compliance_scores.png")
    assert "Unsynced" not in scores
    detections = page_text(browser, partition_page("detections"), "Materialized", "model_version", packaged,
                           screenshot=tmp_path / "detections_before.png")
    assert "Unsynced" not in detections

    with DagsterInstance.from_config(str(audited_chain.dagster_home)) as instance:
        assert train_quick_model(audited_chain, instance).success

    page_text(browser, partition_page("detections"), "Unsynced", packaged,
              screenshot=tmp_path / "detections_after.png")
