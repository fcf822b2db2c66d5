"""Tomorrow's partition must exist before tomorrow: otherwise its rows pile up in the default one."""

import asyncio
from datetime import timedelta

import dagster as dg

from nlq_platform.db import partitions
from nlq_platform.defs.partitions.assets import log_partitions
from nlq_platform.defs.resources import NlqDatabase, connect


@dg.asset_check(asset=log_partitions, blocking=True, description="Tomorrow's (UTC) partition of logs exists.")
def tomorrow_partition_exists(nlq_db: NlqDatabase) -> dg.AssetCheckResult:
    name = partitions.partition_name(partitions.utc_today() + timedelta(days=1))

    async def go() -> bool:
        conn = await connect(nlq_db.dsns().owner)
        try:
            return await conn.fetchval("SELECT to_regclass($1)", name) is not None
        finally:
            await conn.close()

    return dg.AssetCheckResult(passed=asyncio.run(go()), metadata={"partition": name})
