-- The seed's four partial indexes: every query filters on deleted = FALSE, so the indexes skip
-- soft-deleted rows.
CREATE INDEX idx_service_level_time
ON logs (service, level, created_at DESC)
WHERE deleted = FALSE;

CREATE INDEX idx_error_time
ON logs (error_type, created_at DESC)
WHERE error_type IS NOT NULL AND deleted = FALSE;

CREATE INDEX idx_user_time
ON logs (user_id, created_at DESC)
WHERE user_id IS NOT NULL AND deleted = FALSE;

CREATE INDEX idx_trace
ON logs (trace_id)
WHERE trace_id IS NOT NULL AND deleted = FALSE;
