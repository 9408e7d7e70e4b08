import pandas as pd
import pytest

from shelf_assets.atomic import atomic_path, write_parquet
from shelf_assets.warehouse import StageTable, read_stage, read_table, rejected_frame, write_stage


def test_failed_write_leaves_previous_file_and_no_temporary(tmp_path):
    target = tmp_path / "t" / "table.parquet"
    write_parquet(pd.DataFrame({"a": [1]}), target)
    with pytest.raises(RuntimeError):
        with atomic_path(target) as temporary:
            temporary.write_bytes(b"half")
            raise RuntimeError("crash mid-write")
    assert pd.read_parquet(target).a.tolist() == [1]
    assert [p.name for p in target.parent.iterdir()] == ["table.parquet"]


def test_stage_table_round_trip_and_rewrite_replaces_partition(tmp_path):
    rejected = rejected_frame([dict(uri="u", store_id="s1", date="2026-11-02", bay_id="b", run_id="r",
                                    stage="raw_photos", reason="bad")])
    write_stage(tmp_path, "raw_photos", "2026-11-02", "s1", StageTable(pd.DataFrame({"bay_id": ["a", "b"]}), rejected))
    loaded = read_stage(tmp_path, "raw_photos", "2026-11-02", "s1")
    assert loaded.rows.bay_id.tolist() == ["a", "b"] and loaded.rejected.reason.tolist() == ["bad"]

    write_stage(tmp_path, "raw_photos", "2026-11-02", "s1", StageTable(pd.DataFrame({"bay_id": ["c"]}), rejected_frame([])))
    again = read_stage(tmp_path, "raw_photos", "2026-11-02", "s1")
    assert again.rows.bay_id.tolist() == ["c"] and again.rejected.empty


def test_read_table_concatenates_store_days(tmp_path):
    write_stage(tmp_path, "scores", "2026-11-02", "s1", pd.DataFrame({"v": [1]}))
    write_stage(tmp_path, "scores", "2026-11-03", "s2", pd.DataFrame({"v": [2]}))
    assert sorted(read_table(tmp_path, "scores").v) == [1, 2]
    assert read_table(tmp_path, "missing").empty
