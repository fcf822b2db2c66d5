-- Time-window indexes beyond the seed's four. Most questions filter on created_at alone (or on
-- level and created_at); without these, every such query reads all of idx_service_level_time.
-- Measured with `nlq bench queries` at 10M rows (README, "Measured figures"): every scenario's
-- gold SQL went from overall p95 667–910 ms (13–14 of 38 under 50 ms) to ≈ 12.5 ms (38 of 38).
CREATE INDEX idx_time
ON logs (created_at)
WHERE deleted = FALSE;

CREATE INDEX idx_level_time
ON logs (level, created_at)
WHERE deleted = FALSE;
