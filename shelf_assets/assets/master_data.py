"""The retailer's master data, checked and copied into the warehouse; `stores` also registers store partitions."""

import pandas as pd
from dagster import AssetExecutionContext, Output, asset

from resources.master_data import MasterDataResource
from shelf_assets.assets.metadata import preview
from shelf_assets.partitions import register_stores

GROUP = "master_data"


@asset(group_name=GROUP, kinds={"csv"})
def stores(context: AssetExecutionContext, master_data: MasterDataResource) -> Output[pd.DataFrame]:
    """The chain's stores; each one becomes a `store` partition so its days can be audited and backfilled."""
    frame = master_data.load().stores
    new = register_stores(context.instance, frame.store_id)
    if new:
        context.log.info(f"registered {len(new)} new store partition(s): {', '.join(new)}")
    return Output(frame, metadata={"stores": len(frame), "newly_registered": len(new), "preview": preview(frame)})


@asset(group_name=GROUP, kinds={"csv"})
def sku_catalog(master_data: MasterDataResource) -> Output[pd.DataFrame]:
    """SKUs with their sizes; identity is matched against their packshots, so a new SKU needs no retraining."""
    frame = master_data.load().catalog
    return Output(frame, metadata={
        "skus": len(frame), "brands": frame.brand.nunique(), "categories": frame.category.nunique(),
        "preview": preview(frame),
    })


@asset(group_name=GROUP, kinds={"csv"})
def planograms(master_data: MasterDataResource) -> Output[pd.DataFrame]:
    frame = master_data.load().planograms
    return Output(frame, metadata={
        "planograms": frame.planogram_id.nunique(), "slots": len(frame),
        "planned_facings": int(frame.facings.sum()),
        "by_fixture_type": preview(frame.groupby("fixture_type").planogram_id.nunique().reset_index(name="planograms")),
    })


@asset(group_name=GROUP, kinds={"csv"}, deps=[stores, planograms])
def store_bays(master_data: MasterDataResource) -> Output[pd.DataFrame]:
    frame = master_data.load().store_bays
    return Output(frame, metadata={"bays": len(frame), "stores": frame.store_id.nunique(), "preview": preview(frame)})
