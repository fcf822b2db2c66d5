"""The analyst's app: ask the logs in Korean or English, see the SQL, the rows, a chart and the answer.

Run with ``uv run streamlit run app/streamlit_app.py``. Configuration is the platform's ``NLQ_*``
environment (README, "Configuration"). The UI is thin: everything it computes lives in
:mod:`nlq_platform.app_support` (tested without a browser).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from nlq_platform.app_support import bridge, services
from nlq_platform.app_support.cache_status import CacheStatus, cache_status
from nlq_platform.app_support.charts import choose_chart, to_frame
from nlq_platform.app_support.errors import explain
from nlq_platform.app_support.feedback import FeedbackError, feedback_dsn, insert_feedback, make_feedback
from nlq_platform.config import Settings, SettingsError, load_settings
from nlq_platform.logging import configure_logging
from nlq_platform.text_to_sql.answer import fmt
from nlq_platform.text_to_sql.conversation import Conversation
from nlq_platform.text_to_sql.service import Answer

MAX_EXAMPLES = 12

st.set_page_config(page_title="로그 분석 / Log analyst", page_icon="🔎", layout="wide")


def current_settings() -> Settings:
    """Read on every run and callback (not the process-wide ``get_settings`` cache): a callback
    runs with the globals of the *previous* run, so it must not use a module-level copy.
    A bad ``NLQ_*`` value stops the page with the one line naming it."""
    try:
        return load_settings()
    except SettingsError as exc:
        st.error(f"설정 오류 / Configuration error: {exc}")
        st.stop()
        raise


settings = current_settings()
configure_logging(settings)  # idempotent: each rerun replaces its own handler
state = st.session_state
state.setdefault("messages", [])
state.setdefault("conversation", Conversation())  # follow-ups refer to this browser session's turns


# --- actions (widget callbacks: they run before the script reruns) --------------------------------


def queue_question(question: str) -> None:
    state["queued"] = question


def clear_chat() -> None:
    state["messages"] = []
    state["conversation"] = Conversation()
    for key in [k for k in state if str(k).startswith(("sql_edit_", "note_"))]:
        del state[key]


def rerun_sql(index: int, engine: str) -> None:
    message = state["messages"][index]
    sql = state.get(f"sql_edit_{index}", "") or ""
    if not sql.strip():
        message["notice"] = "SQL이 비어 있습니다 / The SQL is empty."
        return
    message["answer"] = services.run_sql(current_settings(), engine, sql, question=message["question"])
    message.update(edited=True, feedback=None, awaiting_note=False, notice=None)


def send_feedback(index: int, verdict: str) -> None:
    message = state["messages"][index]
    answer: Answer = message["answer"]
    note = state.get(f"note_{index}") if verdict == "down" else None
    try:
        entry = make_feedback(
            message["question"],
            answer.sql,
            verdict,
            note,
            answer.engine,
            answer.reading,
            answer.error,  # type: ignore[arg-type]
        )
        bridge.run(insert_feedback(feedback_dsn(current_settings()), entry), timeout=30)
    except (FeedbackError, ValueError) as exc:
        message["notice"] = f"피드백을 저장하지 못했습니다 / Feedback not saved: {exc}"
        return
    except TimeoutError:
        message["notice"] = "피드백을 저장하지 못했습니다 / Feedback not saved: the database did not answer."
        return
    message.update(feedback=verdict, awaiting_note=False, notice=None)


def ask_for_note(index: int) -> None:
    state["messages"][index]["awaiting_note"] = True


# --- sidebar ----------------------------------------------------------------------------------------


def render_cache(status: CacheStatus) -> None:
    st.subheader("메타데이터 캐시 / Metadata cache")
    if status.state == "fresh":
        st.success(
            f"최신 — {status.age_text()} 전 생성 / fresh — generated {status.age_text()} ago", icon="✅"
        )
    elif status.state == "stale":
        st.warning(
            f"오래됨 / stale — {status.age_text() or '?'} (> {status.max_age_hours:g} h); "
            "Dagster가 곧 갱신합니다 / Dagster will refresh it",
            icon="⚠️",
        )
    elif status.state == "missing":
        st.info("캐시 없음 — 데이터베이스의 스키마를 직접 사용합니다 / No cache yet — using the live schema")
    else:
        st.error(f"캐시를 읽을 수 없습니다 / Cache unreadable: {status.error}")
    if status.exists and not status.error:
        generated = status.generated_at.strftime("%Y-%m-%d %H:%M UTC") if status.generated_at else "?"
        st.caption(
            f"생성 / generated: {generated}  \n"
            f"테이블 / tables: {', '.join(status.tables) or '—'}  \n"
            f"예시 / examples: {status.examples_count}"
        )
    st.caption(f"`{status.uri}`")


def render_sidebar() -> str:
    with st.sidebar:
        st.header("🔎 NLQ")
        engines = list(services.ENGINES)
        default = engines.index(settings.engine) if settings.engine in engines else 0
        engine = st.radio(
            "엔진 / Engine",
            engines,
            index=default,
            key="engine",
            horizontal=True,
            help="auto: ANTHROPIC_API_KEY가 있으면 Claude, 없으면 offline / Claude when a key is set, else offline",
        )
        status = cache_status(settings)
        render_cache(status)
        st.subheader("예시 질문 / Example questions")
        if not status.examples:
            st.caption("캐시에 예시가 없습니다 / No examples in the cache yet.")
        for i, example in enumerate(status.examples[:MAX_EXAMPLES]):
            st.button(
                example.question,
                key=f"example_{i}",
                on_click=queue_question,
                args=(example.question,),
                width="stretch",
            )
        st.divider()
        st.button("새 대화 / New conversation", on_click=clear_chat, key="clear_chat")
    return str(engine)


# --- one answer ------------------------------------------------------------------------------------


def render_answer(index: int, message: dict[str, Any], engine: str) -> None:
    answer: Answer = message["answer"]
    if answer.error:
        problem = explain(answer.error)
        st.error(f"**{problem.title}**  \n{problem.reason}", icon="🚫")
        if problem.hint:
            st.caption(problem.hint)
        if answer.suggestions:
            st.caption("대신 이렇게 물어보시겠어요? / Questions I can answer, close to yours:")
            for n, suggestion in enumerate(answer.suggestions):
                st.button(suggestion, key=f"suggest_{index}_{n}", on_click=queue_question, args=(suggestion,))
    else:
        st.markdown(f"**{answer.answer}**")
        if answer.columns:
            chart = choose_chart(answer.columns, answer.rows)
            if chart is not None:
                st.altair_chart(chart, width="stretch")
            frame = to_frame(answer.columns, answer.rows)
            st.dataframe(frame, hide_index=True)
            if len(answer.rows) == 1 and len(answer.columns) == 1:
                st.caption(f"{answer.columns[0]} = {fmt(answer.rows[0][0])}")

    if answer.reading:
        # how the question was understood, every condition and default named, above the SQL
        st.info(f"**이해한 질문 / Reading:** {answer.reading}", icon="🧭")
    if answer.sql:
        edited = " (수정됨 / edited)" if message.get("edited") else ""
        with st.expander(f"SQL{edited}", expanded=bool(answer.error)):
            st.code(answer.sql, language="sql")
            st.text_area(
                "SQL 수정 후 다시 실행 / Edit the SQL and run it again (same guard, read-only)",
                value=answer.sql,
                key=f"sql_edit_{index}",
                height=160,
            )
            st.button("▶ 실행 / Run", key=f"run_sql_{index}", on_click=rerun_sql, args=(index, engine))

    st.caption(f"엔진 / engine: `{answer.engine}` · {answer.elapsed_ms:,.0f} ms")

    if message.get("notice"):
        st.warning(message["notice"])
    render_feedback(index, message)


def render_feedback(index: int, message: dict[str, Any]) -> None:
    """👍 keeps an answer as an example; 👎 (with a note) on a wrong or refused answer records
    the reading and the refusal, so the team sees which words users need."""
    answer: Answer = message["answer"]
    if not answer.sql and not answer.error:
        return
    verdict = message.get("feedback")
    if verdict == "up":
        st.caption("👍 고맙습니다 — 예시로 저장했습니다 / Thanks — saved as an accepted example.")
        return
    if verdict == "down":
        st.caption("👎 고맙습니다 — 의견을 저장했습니다 / Thanks — your feedback was saved.")
        return
    if message.get("awaiting_note"):
        st.text_input(
            "무엇이 잘못되었나요? (선택) / What was wrong? (optional)", key=f"note_{index}", max_chars=2000
        )
        st.button("👎 보내기 / Send", key=f"send_down_{index}", on_click=send_feedback, args=(index, "down"))
        return
    up, down, _ = st.columns([1, 1, 8])
    with up:
        st.button(
            "👍",
            key=f"up_{index}",
            on_click=send_feedback,
            args=(index, "up"),
            disabled=answer.error is not None,
            help="좋은 답 — 예시로 저장 / Good answer — keep it as an example",
        )
    with down:
        st.button(
            "👎", key=f"down_{index}", on_click=ask_for_note, args=(index,), help="잘못된 답 / Wrong answer"
        )


# --- the page ----------------------------------------------------------------------------------------

engine = render_sidebar()
st.title("로그에게 물어보세요 / Ask your logs")
st.caption(
    "예: 지난 1시간 동안 발생한 에러가 몇 건이야? · Which services had the most errors today?  "
    "— 답과 함께 SQL, 결과, 차트를 보여줍니다 / every answer shows its SQL, rows and a chart."
)

for i, message in enumerate(state["messages"]):
    with st.chat_message("user"):
        st.markdown(message["question"])
    with st.chat_message("assistant"):
        render_answer(i, message, engine)

prompt = st.chat_input("질문을 입력하세요 (한국어 / English) / Ask a question")
question = (prompt or state.pop("queued", None) or "").strip()
if question:
    with st.chat_message("user"):
        st.markdown(question)
    with st.chat_message("assistant"):
        with st.spinner("생각 중… / Thinking…"):
            answer = services.ask(settings, engine, question, state["conversation"])
        message = {"question": question, "answer": answer, "engine": engine, "feedback": None}
        state["messages"].append(message)
        render_answer(len(state["messages"]) - 1, message, engine)
