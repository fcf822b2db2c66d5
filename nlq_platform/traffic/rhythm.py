"""How busy the shop is: a daily rhythm, and the incidents the backfill replays.

Demo data should answer "hourly trends" and "what went wrong around 3 hours ago" questions, so
rates follow the hour of day (Korea time: quiet before dawn, busiest in the evening) and a few
incidents sit at fixed offsets before the end of the backfilled window.
"""

from __future__ import annotations

from nlq_platform.traffic import vocabulary as v
from nlq_platform.traffic.backend import Episode

TZ_OFFSET_S = 9 * 3600  # Asia/Seoul
#: relative activity by local hour (0 = midnight); mean 0.7
HOURLY = (
    0.7, 0.5, 0.35, 0.25, 0.2, 0.2, 0.25, 0.35, 0.5, 0.65, 0.75, 0.8,
    0.85, 0.8, 0.8, 0.8, 0.8, 0.85, 0.9, 0.95, 1.0, 1.0, 0.95, 0.85,
)  # fmt: skip
MEAN = sum(HOURLY) / len(HOURLY)
#: log records one web session produces on average, all services together (measured:
#: tests/test_demo_traffic.py checks the realised rate against it)
RECORDS_PER_SESSION = 14.0
#: a worker job (every 3 minutes in production, 15 in staging) writes about 2.6 records
WORKER_INTERVALS = {"production": 180.0, "staging": 900.0}


def activity(t: float) -> float:
    """The rhythm at epoch second ``t``, relative to the daily mean (0.29 … 1.43)."""
    hour = int(((t + TZ_OFFSET_S) % 86400) // 3600)
    return HOURLY[hour] / MEAN


def sessions_per_second(rate: float, t: float) -> float:
    """New web sessions per second at ``t`` for an average of ``rate`` records per second."""
    return max(0.0, rate) * activity(t) / RECORDS_PER_SESSION


def incidents(end: float) -> tuple[Episode, ...]:
    """The incidents of a backfill ending at ``end``: one in the last hour, others earlier."""
    h, m = 3600.0, 60.0
    return (
        # the last hour: payment-api's DB pool runs dry for a quarter of an hour
        Episode("payment-db-pool", end - 45 * m, end - 20 * m, v.PAYMENT_API, {v.DBC: 60.0}, 1.5),
        # three hours ago: the payment gateway is slow and times out
        Episode(
            "gateway-timeouts", end - 3 * h - 20 * m, end - 2 * h - 50 * m, v.PAYMENT_API, {v.TMO: 20.0}, 2.2
        ),
        # a search cluster degradation in the morning
        Episode("search-slow", end - 9 * h, end - 8 * h, v.SEARCH_API, {v.TMO: 8.0}, 4.0),
        # order-api loses its database for twenty minutes
        Episode("orders-db", end - 15 * h - 20 * m, end - 15 * h, v.ORDER_API, {v.DBC: 30.0}, 1.3),
    )
