"""Planogram alignment, compliance metrics and evaluation against truth. No Dagster here."""
