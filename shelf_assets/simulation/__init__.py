"""Synthetic retail chains in the DESIGN input layout, with truth beside the bucket. No Dagster here."""
