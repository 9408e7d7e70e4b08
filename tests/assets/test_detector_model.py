"""The learned path inside the pipeline: model versions on rows, staleness after retraining, routing."""

import dataclasses

import pandas as pd
import pytest
from dagster import AssetKey
from dagster._core.definitions.data_version import CachingStaleStatusResolver, StaleStatus
from dagster._core.loader import LoadingContextForTest
from dagster._core.test_utils import instance_for_test

from resources.model_store import CLASSICAL_VERSION, ModelStore
from shelf_assets.audit.detect import build_detectors, detect_store_day
from shelf_assets.definitions import build_definitions
from shelf_assets.master import load_master_data
from shelf_assets.partitions import store_day_key
from shelf_assets.vision.model_files import PACKAGED_BUNDLE, bundle_version, load_bundle
from tests.assets.test_audit_store_day import audit, table
from tests.conftest import store_day_of_chain, train_quick_model

pytestmark = pytest.mark.slow


def _status(instance, defs, asset: str, partition: str | None = None) -> StaleStatus:
    resolver = CachingStaleStatusResolver(instance, defs.resolve_asset_graph(), LoadingContextForTest(instance))
    return resolver.get_status(AssetKey(asset), partition)


def test_a_newly_trained_model_makes_detections_stale_and_is_used_by_the_next_audit(tiny_chain):
    store_id, date = store_day_of_chain(tiny_chain)
    partition = str(store_day_key(date, store_id))
    defs = build_definitions(tiny_chain)
    with instance_for_test() as instance:
        audit(tiny_chain, store_id, date, instance)
        detections = table(tiny_chain, "detections", store_id, date)
        assert set(detections.model_version) == {bundle_version(PACKAGED_BUNDLE)}
        assert _status(instance, defs, "detections", partition) == StaleStatus.FRESH

        trained = train_quick_model(tiny_chain, instance)
        assert trained.success
        new_version = (tiny_chain.models / "CURRENT").read_text().strip()
        [event] = trained.get_asset_materialization_events()
        assert event.materialization.tags["dagster/data_version"] == new_version
        assert new_version != bundle_version(PACKAGED_BUNDLE)
        assert _status(instance, defs, "detections", partition) == StaleStatus.STALE

        audit(tiny_chain, store_id, date, instance)
    assert set(table(tiny_chain, "detections", store_id, date).model_version) == {new_version}
    scores = table(tiny_chain, "bay_scores", store_id, date)
    assert set(scores.model_version) == {new_version}


def test_each_photo_records_its_path_and_the_classical_detector_takes_over_where_the_model_is_unsure(tiny_chain):
    store_id, date = store_day_of_chain(tiny_chain)
    with instance_for_test() as instance:
        audit(tiny_chain, store_id, date, instance)
    normalized = table(tiny_chain, "normalized_images", store_id, date)
    master = load_master_data(tiny_chain.master)
    sku_ids = tuple(master.catalog.sku_id)

    bundle = load_bundle()
    unsure = dataclasses.replace(bundle, settings={
        fixture: dataclasses.replace(settings, min_mean_confidence=1.01) for fixture, settings in bundle.settings.items()})
    refused = detect_store_day(normalized, build_detectors(unsure, bundle.version, master.packshot_dir, sku_ids), "run")
    assert set(refused.rows.detector) == {"classical"}
    assert (refused.rows.route_reason != "").all()
    assert set(refused.rows.model_version) == {bundle.version}

    classical = detect_store_day(normalized, build_detectors(None, CLASSICAL_VERSION, master.packshot_dir, sku_ids), "run")
    assert set(classical.rows.detector) == {"classical"} and (classical.rows.route_reason == "").all()
    assert set(classical.rows.model_version) == {CLASSICAL_VERSION}
    assert len(refused.rows) == len(classical.rows)


def test_the_classical_route_does_not_load_the_model(tmp_path):
    store = ModelStore(folder=str(tmp_path), route="classical")
    assert store.load() is None and store.version() == CLASSICAL_VERSION
    assert ModelStore(folder=str(tmp_path)).current_folder() == PACKAGED_BUNDLE
    with pytest.raises(ValueError, match="unknown detector route"):
        ModelStore(folder=str(tmp_path), route="magic").version()


def test_an_unreadable_working_copy_is_dead_lettered_alone(tiny_chain):
    store_id, date = store_day_of_chain(tiny_chain)
    with instance_for_test() as instance:
        audit(tiny_chain, store_id, date, instance)
    normalized = table(tiny_chain, "normalized_images", store_id, date)
    broken = normalized.iloc[0].working_path
    with open(broken, "wb") as handle:
        handle.write(b"not a jpeg")
    master = load_master_data(tiny_chain.master)
    bundle = load_bundle()
    found = detect_store_day(normalized, build_detectors(bundle, bundle.version, master.packshot_dir,
                                                         tuple(master.catalog.sku_id)), "run")
    assert list(found.rejected.bay_id) == [normalized.iloc[0].bay_id]
    assert "working copy unreadable" in found.rejected.reason.iloc[0]
    assert set(found.rows.bay_id) <= set(normalized.bay_id[1:]) and len(found.rows) > 0
    assert isinstance(found.rows, pd.DataFrame)
