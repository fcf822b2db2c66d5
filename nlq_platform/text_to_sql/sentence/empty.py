"""No rows, said plainly: "지난 1시간 동안 조건에 맞는 로그가 없습니다." / "No matching logs in the
last 1 hour."
"""

from __future__ import annotations

from nlq_platform.text_to_sql.sentence.facts import Facts, capitalized
from nlq_platform.text_to_sql.sentence.josa import attach


def empty(f: Facts) -> str:
    noun = f.subject
    if f.ko:
        return f"{f.prefix()}조건에 맞는 {attach(noun.ko, '이/가')} 없습니다."
    return capitalized(f"no matching {noun.english()}{f.suffix()}.")
