"""Jobs: refresh master data (registers stores), and audit one store-day end to end."""

from dagster import AssetSelection, define_asset_job

master_data_job = define_asset_job(
    "load_master_data",
    selection=AssetSelection.groups("master_data"),
    description="Check the master-data CSVs and packshots, copy them to the warehouse and register the stores.",
)

audit_store_day_job = define_asset_job(
    "audit_store_day",
    selection=AssetSelection.groups("audit"),
    description="Audit one store-day: photos → normalised images → detections → placements → scores.",
)
