"""The Dagster assets of the audit, one family per module.

Several store-days share a run through backfill policies, which Dagster still flags as beta; that notice would
otherwise print on every command and every step, so it is silenced here, where the policies are used.
"""

import warnings

from dagster import BetaWarning

warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=BetaWarning)
