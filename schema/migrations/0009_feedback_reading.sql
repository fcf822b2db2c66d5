-- A 👎 on a refused answer is feedback too: it says which words users need. Such a row has no
-- SQL, so sql may be NULL for verdict 'down' (an accepted 👍 example still needs its SQL), and
-- every row keeps how the engine read the question and why it refused, if it did.
ALTER TABLE nlq_feedback ALTER COLUMN sql DROP NOT NULL;
ALTER TABLE nlq_feedback ADD CONSTRAINT nlq_feedback_up_has_sql CHECK (verdict = 'down' OR sql IS NOT NULL);
ALTER TABLE nlq_feedback ADD COLUMN reading TEXT;
ALTER TABLE nlq_feedback ADD COLUMN error TEXT;

COMMENT ON COLUMN nlq_feedback.reading IS 'How the engine read the question (the answer''s reading)';
COMMENT ON COLUMN nlq_feedback.error IS 'Why the answer was refused (e.g. question not understood: "CPU"); NULL when it was answered';
