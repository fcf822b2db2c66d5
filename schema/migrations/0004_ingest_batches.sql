-- Exactly-once batches: a batch's Idempotency-Key is recorded in the same transaction as its COPY,
-- so a retried batch stores nothing again and is answered with the original count.
CREATE TABLE ingest_batches (
    idempotency_key VARCHAR(200) PRIMARY KEY,
    received_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    accepted INTEGER NOT NULL,
    rejected INTEGER NOT NULL DEFAULT 0
);

COMMENT ON TABLE ingest_batches IS 'Idempotency keys of ingested batches (exactly-once delivery)';
