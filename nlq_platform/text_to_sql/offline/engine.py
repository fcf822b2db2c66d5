"""The offline engine: deterministic, no network — parse to a plan, compile with sqlglot."""

from __future__ import annotations

from dataclasses import asdict

from nlq_platform.text_to_sql.context import Context
from nlq_platform.text_to_sql.engine import Generation, Validator
from nlq_platform.text_to_sql.offline.compiler import compile_plan
from nlq_platform.text_to_sql.offline.parser import parse


class OfflineEngine:
    name = "offline"

    def generate(self, question: str, context: Context, validate: Validator | None = None) -> Generation:
        plan = parse(question, context.catalog)
        if context.schema.tables:
            plan.table = context.schema.tables[0].table_id
        # No validate() call: the offline engine cannot repair, and the guard runs at execution.
        sql = compile_plan(plan, context.schema.dialect)
        return Generation(sql=sql, engine=self.name, details={"plan": asdict(plan)})
