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


@pytest.mark.parametrize("command", ["simulate --out", "demo --data"])
def test_simulating_over_a_retailers_data_refuses_with_a_message(tmp_path, capsys, command):
    (tmp_path / "master").mkdir()
    (tmp_path / "master" / "catalog.csv").write_text("sku_id\n")
    assert main([*command.split(), str(tmp_path)]) == 2
    assert "refusing to replace them" in capsys.readouterr().err
    assert (tmp_path / "master" / "catalog.csv").read_text() == "sku_id\n"


@pytest.mark.parametrize("command", ["simulate --stores 0 --out", "evaluate --days 0 --out"])
def test_a_chain_of_no_stores_or_days_is_refused_with_a_message(tmp_path, capsys, command):
    assert main([*command.split(), str(tmp_path / "chain")]) == 2
    assert "must be" in capsys.readouterr().err


def test_evaluating_a_chain_not_yet_audited_says_to_audit_it(tiny_chain, capsys):
    assert main(["evaluate", "--data", str(tiny_chain.root)]) == 2
    assert "has been audited: run `shelf-audit audit --data" in capsys.readouterr().err


def test_evaluating_a_malformed_truth_file_names_it(tiny_chain, capsys):
    next((tiny_chain.root / "truth").rglob("*.json")).write_text("{not json")
    assert main(["evaluate", "--data", str(tiny_chain.root)]) == 2
    assert ".json" in capsys.readouterr().err


def test_dagster_definitions_validate():
    dagster = __import__("pathlib").Path(sys.executable).with_name("dagster")
    completed = subprocess.run([str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "passed validation" in completed.stderr + completed.stdout


@pytest.mark.slow
def test_evaluate_renders_a_fresh_chain_and_prints_both_paths_side_by_side(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    out = tmp_path / "evaluation"
    assert main(["evaluate", "--seed", "4242", "--stores", "1", "--difficulty", "easy", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "seed 4242" in printed
    header = next(line for line in printed.splitlines() if "easy learned" in line)
    assert "easy classical" in header
    for label in ("detection AP50", "SKU top-1", "unknown-product recall", "out-of-stock precision",
                  "out-of-stock recall", "out-of-stock F1", "out-of-stock F1, slots in sight",
                  "out-of-stock F1 if right on every slot in sight", "facing-compliance MAE"):
        assert any(line.startswith(label) for line in printed.splitlines()), label
    learned = read_table(out / "easy" / "learned" / "warehouse", "detections")
    classical = read_table(out / "easy" / "classical" / "warehouse", "detections")
    assert set(classical.detector) == {"classical"} and set(classical.model_version) == {"classical-1"}
    assert learned.model_version.str.startswith("learned-").all()
    truth_catalog = pd.read_csv(out / "easy" / "learned" / "master" / "catalog.csv")
    assert len(truth_catalog) > 0


def test_train_refuses_an_unknown_preset_cleanly(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["train", "--preset", "huge", "--out", str(tmp_path)])
    assert main(["train", "--seed", "5000", "--out", str(tmp_path / "m"), "--cache", str(tmp_path / "c")]) == 2
    assert "seed must be between" in capsys.readouterr().err
