"""Each detected facing placed on its shelf and slot, and what every planned slot actually holds."""

from dagster import AssetExecutionContext, AssetOut, MetadataValue, Output, multi_asset

from resources.master_data import MasterDataResource
from shelf_assets.assets.master_data import planograms
from shelf_assets.assets.metadata import preview
from shelf_assets.audit.preview import as_markdown_image, bay_preview_jpeg
from shelf_assets.audit.place import place_store_day, processed_photos
from shelf_assets.partitions import store_day_partitions
from shelf_assets.retries import COMPUTE_RETRY
from shelf_assets.warehouse import StageTable

GROUP = "audit"


@multi_asset(
    outs={
        "sku_placements": AssetOut(description="Detections with the shelf, slot position and misplaced flag they align to."),
        "slot_status": AssetOut(description="Per planned slot: facings planned and present; present = 0 is a gap to restock."),
    },
    partitions_def=store_day_partitions,
    deps=[planograms],
    retry_policy=COMPUTE_RETRY,
    group_name=GROUP,
)
def sku_placements(
    context: AssetExecutionContext,
    normalized_images: StageTable,
    detections: StageTable,
    master_data: MasterDataResource,
):
    processed = processed_photos(normalized_images.rows, detections.rejected)
    placed, slots = place_store_day(detections.rows, processed, master_data.load())
    gaps = slots[slots.present == 0]
    context.log.info(f"{len(processed)} bay(s) aligned: {len(placed)} facings placed, {len(gaps)} slot(s) out of stock")
    yield Output(placed, output_name="sku_placements", metadata={
        "facings": len(placed),
        "misplaced": int(placed.misplaced.sum()) if len(placed) else 0,
        "unplaced": int(placed.shelf.isna().sum()) if len(placed) else 0,
        "preview": preview(placed[["bay_id", "sku_id", "shelf", "position", "misplaced"]]),
        "worst_bay": _worst_bay_picture(processed, placed, slots),
    })
    yield Output(slots, output_name="slot_status", metadata={
        "slots": len(slots), "out_of_stock": len(gaps),
        "gaps_to_restock": preview(gaps[["bay_id", "shelf", "position", "sku_id", "facings"]], rows=25),
    })


def _worst_bay_picture(processed, placed, slots) -> MetadataValue:
    """The bay with the most gaps, annotated: the one a category manager would want to see first."""
    if processed.empty:
        return MetadataValue.md("_(no bay processed)_")
    gaps = (slots.present == 0).groupby(slots.bay_id).sum()
    worst = processed.loc[processed.bay_id.map(gaps).fillna(0).idxmax()]
    picture = bay_preview_jpeg(worst.working_path, float(worst.scale), placed[placed.bay_id == worst.bay_id])
    caption = f"{worst.bay_id}: {int(gaps.get(worst.bay_id, 0))} gap(s)"
    return MetadataValue.md(
        f"**{caption}** — green: in its slot, orange: misplaced, red: not in the catalog\n\n"
        + as_markdown_image(picture, caption)
    )
