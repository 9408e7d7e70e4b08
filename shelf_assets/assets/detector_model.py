"""The learned detector and embedder, trained from a seed on simulated chains and published to the model store.

Materialising it is training (about 2 hours on a 2-core CPU with the `full` preset; `quick` is a smoke test);
its data version is the bundle's digest, so detections made with an older model show as stale in the UI.
Without a materialisation the bundle committed with the code is used.
"""

from dagster import AssetExecutionContext, Config, DataVersion, MaterializeResult, MetadataValue, asset

from resources.model_store import ModelStore
from shelf_assets.learning.recipe import recipe_named, train_models

GROUP = "models"


class TrainingConfig(Config):
    seed: int = 0
    """Picks the training and validation catalogs, the initial weights and the sample order."""
    preset: str = "full"
    """`full` (the committed model's recipe) or `quick` (seconds; for checking the wiring, not for use)."""
    workers: int = 2


@asset(group_name=GROUP, kinds={"torch"})
def detector_model(context: AssetExecutionContext, config: TrainingConfig, model_store: ModelStore) -> MaterializeResult:
    """Shelf detector and product embedder weights (safetensors) with their model card."""
    recipe = recipe_named(config.preset, config.seed)
    staging = model_store.staging_folder()
    outcome = train_models(recipe, model_store.training_cache(), staging, config.workers, progress=context.log.info)
    version = model_store.publish(staging)
    card = outcome.card
    detector_metrics = card["validation"]["detector"]
    return MaterializeResult(
        data_version=DataVersion(version),
        metadata={
            "version": version,
            "seed": config.seed,
            "preset": config.preset,
            "training_minutes": card["training_minutes"],
            "validation_sku_top1": card["validation"]["embedder"]["sku_top1"],
            "validation_unknown_recall": card["validation"]["embedder"]["unknown_recall"],
            **{f"validation_ap50_{fixture}": metrics["ap50"] for fixture, metrics in detector_metrics.items()},
            "model_card": MetadataValue.md((model_store.current_folder() / "MODEL_CARD.md").read_text("utf-8")),
        },
    )
