"""Image side of the audit: loading, lighting, detection and SKU matching. No Dagster here."""
