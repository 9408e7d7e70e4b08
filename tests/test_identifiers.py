import pytest

from shelf_assets.identifiers import InvalidIdentifier, check_date, check_identifier


@pytest.mark.parametrize("value", ["store-001", "A_b-9", "x" * 32])
def test_valid_identifiers_pass_through(value):
    assert check_identifier(value, "store id") == value


@pytest.mark.parametrize("value", ["", "x" * 33, "../etc", "a/b", "a|b", "store 1", "été"])
def test_identifiers_that_could_escape_a_path_or_partition_are_refused(value):
    with pytest.raises(InvalidIdentifier, match="invalid store id"):
        check_identifier(value, "store id")


@pytest.mark.parametrize("value", ["2026-13-01", "2026-1-02", "20261102", "yesterday"])
def test_dates_must_be_iso_calendar_days(value):
    with pytest.raises(InvalidIdentifier, match="invalid date"):
        check_date(value)
    assert check_date("2026-11-02") == "2026-11-02"
