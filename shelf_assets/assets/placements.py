"""Each detected facing placed on its shelf and slot, and what every planned slot actually holds."""

import pandas as pd
from dagster import AssetExecutionContext, AssetOut, MetadataValue, Output, multi_asset

from resources.master_data import MasterDataResource
from shelf_assets.assets.master_data import planograms
from shelf_assets.assets.metadata import preview
from shelf_assets.assets.store_days import AUDIT_BACKFILL_POLICY, all_rows, store_days_of
from shelf_assets.audit.place import place_store_day, processed_photos
from shelf_assets.audit.preview import as_markdown_image, bay_preview_jpeg
from shelf_assets.partitions import store_day_partitions
from shelf_assets.retries import COMPUTE_RETRY
from shelf_assets.warehouse import StageTable

GROUP = "audit"


@multi_asset(
    outs={
        "sku_placements": AssetOut(description="Detections with the shelf, slot position and misplaced flag they align to."),
        "slot_status": AssetOut(description="Per planned slot: facings planned, present and hidden from the camera; "
                                            "out_of_stock (seen mostly empty) is a gap to restock."),
    },
    partitions_def=store_day_partitions,
    backfill_policy=AUDIT_BACKFILL_POLICY,
    deps=[planograms],
    retry_policy=COMPUTE_RETRY,
    group_name=GROUP,
)
def sku_placements(
    context: AssetExecutionContext,
    normalized_images: dict[str, StageTable],
    detections: dict[str, StageTable],
    master_data: MasterDataResource,
):
    master = master_data.load()
    placed: dict[str, pd.DataFrame] = {}
    slots: dict[str, pd.DataFrame] = {}
    processed: dict[str, pd.DataFrame] = {}
    for day in store_days_of(context):
        processed[day.key] = processed_photos(normalized_images[day.key].rows, detections[day.key].rejected)
        placed[day.key], slots[day.key] = place_store_day(detections[day.key].rows, processed[day.key], master)
    all_placed, all_slots = all_rows(placed), all_rows(slots)
    gaps = all_slots[all_slots.out_of_stock] if len(all_slots) else all_slots
    hidden = int(all_slots.hidden.sum()) if len(all_slots) else 0
    context.log.info(f"{len(all_placed)} facings placed, {len(gaps)} slot(s) out of stock, "
                     f"{hidden} facing(s) hidden from the camera")
    yield Output(placed, output_name="sku_placements", metadata={
        "facings": len(all_placed),
        "misplaced": int(all_placed.misplaced.sum()) if len(all_placed) else 0,
        "hidden": int(all_placed.hidden.sum()) if len(all_placed) else 0,
        "unplaced": int(all_placed.shelf.isna().sum()) if len(all_placed) else 0,
        "settled_by_planogram": int((all_placed.sku_id != all_placed.seen_sku_id).sum()) if len(all_placed) else 0,
        "preview": preview(all_placed, ["store_id", "date", "bay_id", "sku_id", "seen_sku_id", "shelf", "position",
                                        "misplaced", "hidden"]),
        "worst_bay": _worst_bay_picture(all_rows(processed), all_placed, all_slots),
    })
    yield Output(slots, output_name="slot_status", metadata={
        "slots": len(all_slots), "out_of_stock": len(gaps), "hidden_facings": hidden,
        "gaps_to_restock": preview(gaps, ["store_id", "date", "bay_id", "shelf", "position", "sku_id", "facings"], rows=25),
    })


def _worst_bay_picture(processed: pd.DataFrame, placed: pd.DataFrame, slots: pd.DataFrame) -> MetadataValue:
    """The bay with the most gaps, annotated: the one a category manager would want to see first."""
    if processed.empty:
        return MetadataValue.md("_(no bay processed)_")
    bay_of = ["store_id", "date", "bay_id"]
    gaps = slots.groupby(bay_of).out_of_stock.sum().rename("gaps").reset_index()
    worst = processed.merge(gaps, on=bay_of, how="left").fillna({"gaps": 0}).sort_values("gaps", ascending=False).iloc[0]
    facings = placed[(placed.store_id == worst.store_id) & (placed.date == worst.date) & (placed.bay_id == worst.bay_id)] \
        if len(placed) else placed
    picture = bay_preview_jpeg(worst.working_path, float(worst.scale), facings)
    caption = f"{worst.store_id} {worst.date} {worst.bay_id}: {int(worst.gaps)} gap(s)"
    return MetadataValue.md(
        f"**{caption}** — green: in its slot, orange: misplaced, red: not in the catalog, "
        "grey: too hidden to tell\n\n"
        + as_markdown_image(picture, caption)
    )
