import pytest
from PIL import Image

from shelf_assets.master import MasterDataError, load_master_data


def write_master(root, planogram_rows=None, catalog_rows=None, packshots=("S1", "S2")):
    root.mkdir(parents=True, exist_ok=True)
    (root / "stores.csv").write_text("store_id,name,format,region\nstore-1,One,super,north\n")
    catalog_rows = catalog_rows or ["S1,Cola,Fizz,drinks,66,120", "S2,Lemon,Fizz,drinks,66,120"]
    (root / "catalog.csv").write_text("sku_id,name,brand,category,width_mm,height_mm\n" + "\n".join(catalog_rows) + "\n")
    planogram_rows = planogram_rows or ["P1,gondola,1,1,S1,2", "P1,gondola,1,2,S2,1", "P1,gondola,2,1,S2,3"]
    (root / "planograms.csv").write_text(
        "planogram_id,fixture_type,shelf,position,sku_id,facings\n" + "\n".join(planogram_rows) + "\n")
    (root / "store_bays.csv").write_text("store_id,bay_id,planogram_id\nstore-1,bay-01,P1\n")
    (root / "packshots").mkdir(exist_ok=True)
    for sku in packshots:
        Image.new("RGB", (60, 120), "red").save(root / "packshots" / f"{sku}.png")
    return root


def test_valid_master_data_is_indexed(tmp_path):
    master = load_master_data(write_master(tmp_path / "master"))
    plan = master.bay_plan("store-1", "bay-01")
    assert (plan.planogram_id, plan.fixture_type) == ("P1", "gondola")
    assert master.bay_plan("store-1", "bay-99") is None
    slots = master.planned_slots("P1")
    assert [(s.shelf, s.position, s.sku_id, s.facings, s.width_mm, s.height_mm) for s in slots] == [
        (1, 1, "S1", 2, 66.0, 120.0), (1, 2, "S2", 1, 66.0, 120.0), (2, 1, "S2", 3, 66.0, 120.0)]


def test_every_problem_is_reported_with_file_and_row(tmp_path):
    root = write_master(
        tmp_path / "master",
        planogram_rows=["P1,shelfie,1,1,S1,0", "P1,gondola,1,1,S9,2"],
        packshots=("S1",),
    )
    with pytest.raises(MasterDataError) as raised:
        load_master_data(root)
    message = str(raised.value)
    assert "planograms.csv row 2: facings '0' must be a whole number ≥ 1" in message
    assert "planograms.csv row 2: fixture_type 'shelfie' is not one of gondola, freezer, endcap" in message
    assert "planograms.csv row 3: sku_id 'S9' is not in catalog.csv" in message
    assert "no packshot for SKU 'S2'" in message
    assert "appears more than once" in message


def test_missing_file_and_column_are_named(tmp_path):
    root = write_master(tmp_path / "master")
    (root / "store_bays.csv").unlink()
    (root / "catalog.csv").write_text("sku_id,name\nS1,Cola\n")
    with pytest.raises(MasterDataError) as raised:
        load_master_data(root)
    assert "store_bays.csv: file is missing" in str(raised.value)
    assert "catalog.csv: missing column(s) brand, category, width_mm, height_mm" in str(raised.value)
