"""Retry policies per kind of stage.

Per-photo problems never raise (they are dead-lettered), so a stage that fails hit something transient —
storage, a killed process — and is retried with exponential backoff and jitter so that many store-days
failing together do not retry in lockstep. Pure computation over files already written is retried once.
"""

from dagster import Backoff, Jitter, RetryPolicy

IO_RETRY = RetryPolicy(max_retries=3, delay=2, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)
COMPUTE_RETRY = RetryPolicy(max_retries=1, delay=5, backoff=Backoff.EXPONENTIAL, jitter=Jitter.FULL)
