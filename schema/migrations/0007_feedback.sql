-- Analysts' verdicts on the app's answers. A 👍 row is an accepted question/SQL pair: the
-- few_shot_examples asset merges those (verdict = 'up') into the metadata cache's examples
-- (nlq_platform/metadata/examples.py, load_accepted_feedback). A 👎 row may carry a note.
CREATE TABLE nlq_feedback (
    id BIGSERIAL PRIMARY KEY,
    question TEXT NOT NULL,
    sql TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('up', 'down')),
    note TEXT CHECK (char_length(note) <= 2000),
    engine TEXT,
    table_id TEXT DEFAULT 'logs',
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE INDEX idx_feedback_accepted ON nlq_feedback (created_at DESC) WHERE verdict = 'up';

COMMENT ON TABLE nlq_feedback IS 'Analyst feedback from the app; verdict = ''up'' rows become few-shot examples';
COMMENT ON COLUMN nlq_feedback.verdict IS 'up (answered well: an accepted example) or down';
COMMENT ON COLUMN nlq_feedback.table_id IS 'The table the SQL reads (few-shot examples are per table; NULL means logs)';

-- The app's role records feedback and reads it back; nothing else. Roles are cluster-wide, so it
-- is created only when missing; like 0005, its password is never stored in a migration.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'nlq_app') THEN
        CREATE ROLE nlq_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO nlq_app;
GRANT SELECT, INSERT ON nlq_feedback TO nlq_app;
GRANT USAGE ON SEQUENCE nlq_feedback_id_seq TO nlq_app;

-- The few_shot_examples asset reads accepted feedback as nlq_reader. (Analyst SQL still cannot
-- reach this table: the guard only admits the tables of the metadata context.)
GRANT SELECT ON nlq_feedback TO nlq_reader;
