"""One plain-Python function per pipeline stage, applied to one store-day; the Dagster assets wrap these."""
