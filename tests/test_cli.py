import subprocess
import sys

import pandas as pd
import pytest

from shelf_assets.cli import main
from shelf_assets.warehouse import read_table


@pytest.mark.slow
def test_audit_command_writes_every_output_table_and_records_runs(tiny_chain, capsys, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert main(["audit", "--data", str(tiny_chain.root)]) == 0
    out = capsys.readouterr().out
    assert "facing_compliance" in out and "1 store-day(s) audited" in out
    for name in ("detections", "bay_scores", "slot_status", "compliance_scores", "share_of_shelf", "dead_letter"):
        assert list((tiny_chain.warehouse / name).glob("*/*.parquet")), name
    scores = read_table(tiny_chain.warehouse, "compliance_scores")
    assert len(scores) == 1 and 0 <= scores.facing_compliance.iloc[0] <= 1
    assert (tiny_chain.dagster_home / "history").is_dir()

    assert main(["evaluate", "--data", str(tiny_chain.root)]) == 0
    assert "ap50" in capsys.readouterr().out.lower()


def test_audit_of_broken_master_data_says_what_is_wrong(tiny_chain, capsys):
    catalog = tiny_chain.master / "catalog.csv"
    frame = pd.read_csv(catalog)
    frame.loc[0, "width_mm"] = -5
    frame.to_csv(catalog, index=False)
    assert main(["audit", "--data", str(tiny_chain.root)]) == 2
    assert "catalog.csv row 2: width_mm '-5" in capsys.readouterr().err


def test_audit_without_a_bucket_is_a_clear_error(tiny_chain, capsys):
    import shutil

    shutil.rmtree(tiny_chain.root / "bucket")
    assert main(["audit", "--data", str(tiny_chain.root)]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_audit_of_an_empty_bucket_is_a_clear_error(tiny_chain, capsys):
    import shutil

    shutil.rmtree(tiny_chain.root / "bucket")
    (tiny_chain.root / "bucket").mkdir()
    assert main(["audit", "--data", str(tiny_chain.root)]) == 2
    assert "no store-day folders" in capsys.readouterr().err


def test_dagster_definitions_validate():
    dagster = __import__("pathlib").Path(sys.executable).with_name("dagster")
    completed = subprocess.run([str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "passed validation" in completed.stderr + completed.stdout
