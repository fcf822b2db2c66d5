"""Pure helpers behind the Streamlit app (``app/streamlit_app.py``), testable without a browser.

* :mod:`.bridge` — one event loop in a daemon thread; Streamlit's script thread submits coroutines;
* :mod:`.services` — one :class:`~nlq_platform.text_to_sql.service.TextToSQL` per configuration;
* :mod:`.charts` — a chart that fits a result (time buckets → line, per category → bar), or None;
* :mod:`.feedback` — 👍/👎 rows in ``nlq_feedback``;
* :mod:`.cache_status` — the metadata cache's status and its example questions;
* :mod:`.errors` — an answer's error as a sentence the analyst understands.
"""
