"""The retailer's master data (DESIGN §2): loaded, checked and indexed for the pipeline.

Every problem found is reported with its file and row, all at once, so a retailer can fix a CSV in one pass
instead of discovering errors one run at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from shelf_assets.identifiers import is_identifier
from shelf_assets.scoring.types import PlannedSlot

FIXTURE_TYPES = ("gondola", "freezer", "endcap")
PACKSHOT_SUFFIXES = (".png", ".jpg", ".jpeg")

COLUMNS = {
    "stores.csv": ["store_id", "name", "format", "region"],
    "catalog.csv": ["sku_id", "name", "brand", "category", "width_mm", "height_mm"],
    "planograms.csv": ["planogram_id", "fixture_type", "shelf", "position", "sku_id", "facings"],
    "store_bays.csv": ["store_id", "bay_id", "planogram_id"],
}


class MasterDataError(ValueError):
    """Master data that breaks the input contract; the message lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = problems[:20]
        more = f"\n  … and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        super().__init__("master data is invalid:\n  " + "\n  ".join(shown) + more)


@dataclass(frozen=True)
class BayPlan:
    store_id: str
    bay_id: str
    planogram_id: str
    fixture_type: str


@dataclass(frozen=True)
class MasterData:
    root: Path
    stores: pd.DataFrame
    catalog: pd.DataFrame
    planograms: pd.DataFrame
    store_bays: pd.DataFrame

    @property
    def packshot_dir(self) -> Path:
        return self.root / "packshots"

    def bay_plan(self, store_id: str, bay_id: str) -> BayPlan | None:
        match = self.store_bays[(self.store_bays.store_id == store_id) & (self.store_bays.bay_id == bay_id)]
        if match.empty:
            return None
        planogram_id = match.planogram_id.iloc[0]
        fixture = self.planograms.loc[self.planograms.planogram_id == planogram_id, "fixture_type"].iloc[0]
        return BayPlan(store_id, bay_id, planogram_id, fixture)

    def planned_slots(self, planogram_id: str) -> list[PlannedSlot]:
        sizes = self.catalog.reindex(columns=["sku_id", "width_mm", "height_mm"])
        rows = self.planograms[self.planograms.planogram_id == planogram_id].merge(sizes, on="sku_id", how="left")
        rows = rows.sort_values(["shelf", "position"])
        return [
            PlannedSlot(int(r.shelf), int(r.position), str(r.sku_id), int(r.facings), float(r.width_mm),
                        float(r.height_mm))
            for r in rows.itertuples()
        ]

    def brands(self) -> pd.DataFrame:
        return self.catalog[["sku_id", "brand"]]


def load_master_data(root: Path) -> MasterData:
    root = Path(root)
    if not root.is_dir():
        raise MasterDataError([f"master data folder {root} does not exist"])
    problems: list[str] = []
    tables = {name: _read_csv(root / name, columns, problems) for name, columns in COLUMNS.items()}
    if problems:
        raise MasterDataError(problems)
    stores, catalog, planograms, store_bays = (tables[name] for name in COLUMNS)

    _check_ids(stores, "stores.csv", "store_id", problems, unique=True)
    _check_ids(catalog, "catalog.csv", "sku_id", problems, unique=True)
    for column in ("width_mm", "height_mm"):
        _check_positive(catalog, "catalog.csv", column, problems, integer=False)
    _check_ids(planograms, "planograms.csv", "planogram_id", problems)
    for column in ("shelf", "position", "facings"):
        _check_positive(planograms, "planograms.csv", column, problems, integer=True)
    for row, value in _rows(planograms, "fixture_type"):
        if value not in FIXTURE_TYPES:
            problems.append(f"planograms.csv row {row}: fixture_type {value!r} is not one of {', '.join(FIXTURE_TYPES)}")
    for row, value in _rows(planograms, "sku_id"):
        if value not in set(catalog.sku_id):
            problems.append(f"planograms.csv row {row}: sku_id {value!r} is not in catalog.csv")
    duplicated = planograms.duplicated(["planogram_id", "shelf", "position"], keep=False)
    for row in planograms.index[duplicated]:
        problems.append(f"planograms.csv row {row + 2}: slot (planogram, shelf, position) appears more than once")
    fixtures = planograms.groupby("planogram_id").fixture_type.nunique()
    for planogram_id in fixtures[fixtures > 1].index:
        problems.append(f"planograms.csv: planogram {planogram_id!r} has more than one fixture_type")

    _check_ids(store_bays, "store_bays.csv", "store_id", problems)
    _check_ids(store_bays, "store_bays.csv", "bay_id", problems)
    known_planograms = set(planograms.planogram_id)
    for row, value in _rows(store_bays, "planogram_id"):
        if value not in known_planograms:
            problems.append(f"store_bays.csv row {row}: planogram_id {value!r} is not in planograms.csv")
    for row in store_bays.index[store_bays.duplicated(["store_id", "bay_id"], keep=False)]:
        problems.append(f"store_bays.csv row {row + 2}: (store_id, bay_id) appears more than once")

    for sku_id in catalog.sku_id:
        if is_identifier(sku_id) and find_packshot(root / "packshots", sku_id) is None:
            problems.append(f"packshots/: no packshot for SKU {sku_id!r} (expected {sku_id}.png or .jpg)")
    if problems:
        raise MasterDataError(problems)

    catalog = catalog.astype({"width_mm": float, "height_mm": float})
    planograms = planograms.astype({"shelf": int, "position": int, "facings": int})
    return MasterData(root, stores, catalog, planograms, store_bays)


def find_packshot(packshot_dir: Path, sku_id: str) -> Path | None:
    for suffix in PACKSHOT_SUFFIXES:
        candidate = packshot_dir / f"{sku_id}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def _read_csv(path: Path, columns: list[str], problems: list[str]) -> pd.DataFrame:
    if not path.is_file():
        problems.append(f"{path.name}: file is missing (expected at {path})")
        return pd.DataFrame(columns=columns)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        problems.append(f"{path.name}: missing column(s) {', '.join(missing)}; found {', '.join(frame.columns)}")
        return pd.DataFrame(columns=columns)
    return frame[columns].apply(lambda column: column.str.strip())


def _rows(frame: pd.DataFrame, column: str):
    """(CSV line number, value) pairs; line 1 is the header."""
    return ((index + 2, value) for index, value in zip(frame.index, frame[column]))


def _check_ids(frame: pd.DataFrame, name: str, column: str, problems: list[str], unique: bool = False) -> None:
    for row, value in _rows(frame, column):
        if not is_identifier(value):
            problems.append(f"{name} row {row}: {column} {value!r} must be 1-32 characters of A-Z a-z 0-9 _ -")
    if unique:
        for row in frame.index[frame.duplicated(column, keep=False)]:
            problems.append(f"{name} row {row + 2}: {column} {frame.at[row, column]!r} appears more than once")


def _check_positive(frame: pd.DataFrame, name: str, column: str, problems: list[str], integer: bool) -> None:
    for row, value in _rows(frame, column):
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if not number > 0 or (integer and number != int(number)):
            kind = "a whole number ≥ 1" if integer else "a positive number"
            problems.append(f"{name} row {row}: {column} {value!r} must be {kind}")
