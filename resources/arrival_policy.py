"""When the chain's uploads count as arrived: its time zone, how long a store-day must stay unchanged, how far back to look."""

import datetime
from zoneinfo import ZoneInfo

from dagster import ConfigurableResource


class ArrivalPolicy(ConfigurableResource):
    timezone: str = "UTC"
    settle_seconds: int = 120
    lookback_days: int = 2

    def today(self) -> datetime.date:
        return datetime.datetime.now(ZoneInfo(self.timezone)).date()
