import shutil

import pytest

from shelf_assets.settings import DataRoot

TINY_CHAIN_SEED = 11


@pytest.fixture(scope="session")
def tiny_chain_template(tmp_path_factory):
    """One store, one day, rendered once per test session; tests get their own copy."""
    from shelf_assets.simulation.chain import simulate_chain

    root = tmp_path_factory.mktemp("tiny_chain")
    simulate_chain(root, stores=1, days=1, seed=TINY_CHAIN_SEED)
    return root


@pytest.fixture
def tiny_chain(tiny_chain_template, tmp_path) -> DataRoot:
    root = tmp_path / "chain"
    shutil.copytree(tiny_chain_template, root)
    return DataRoot.at(root)


def store_day_of_chain(data: DataRoot) -> tuple[str, str]:
    [store_dir] = (data.root / "bucket").iterdir()
    [day_dir] = store_dir.iterdir()
    return store_dir.name, day_dir.name


def train_quick_model(data: DataRoot, instance):
    """Materialise `detector_model` with the smoke-test preset (seconds) on `instance`: a new model version."""
    from dagster import AssetKey

    from shelf_assets.definitions import build_definitions

    return build_definitions(data).resolve_implicit_global_asset_job_def().get_subset(
        asset_selection={AssetKey("detector_model")}).execute_in_process(
        instance=instance, run_config={"ops": {"detector_model": {"config": {"preset": "quick", "seed": 1}}}})
