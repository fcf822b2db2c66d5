-- logs becomes a table partitioned by range on created_at, one partition a UTC day, so that
-- retention drops whole days (no row deletes, no bloat) and windowed queries read only the days
-- they ask about (partition pruning). Same 21 columns, enums, COMMENTs and indexes as before.
--
-- The one deviation from the seed: PostgreSQL requires the partition key in every unique index,
-- so the primary key is (id, created_at) instead of (id). id still comes from logs_id_seq.
--
-- This migration only swaps the structure (quick, whatever the size): the old heap becomes
-- logs_legacy, and `nlq db migrate` then moves its rows into the new table in batches, reporting
-- progress (nlq_platform/db/partitions.py, move_legacy_rows), and drops it when it is empty. An
-- empty old table (a fresh database) is dropped right here. Daily partitions are created by the
-- same code: at migrate time, and ahead of time by the Dagster asset log_partitions.
ALTER TABLE logs RENAME TO logs_legacy;
ALTER TABLE logs_legacy RENAME CONSTRAINT logs_pkey TO logs_legacy_pkey;
ALTER INDEX idx_service_level_time RENAME TO idx_legacy_service_level_time;
ALTER INDEX idx_error_time RENAME TO idx_legacy_error_time;
ALTER INDEX idx_user_time RENAME TO idx_legacy_user_time;
ALTER INDEX idx_trace RENAME TO idx_legacy_trace;
ALTER INDEX idx_time RENAME TO idx_legacy_time;
ALTER INDEX idx_level_time RENAME TO idx_legacy_level_time;
REVOKE ALL ON logs_legacy FROM nlq_reader, nlq_ingest;

CREATE TABLE logs (
    -- basic (4)
    id BIGINT NOT NULL DEFAULT nextval('logs_id_seq'),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    level log_level NOT NULL DEFAULT 'INFO',
    log_type source_type NOT NULL,

    -- service identity (3)
    service VARCHAR(100) NOT NULL,
    environment env_type NOT NULL DEFAULT 'development',
    service_version VARCHAR(50) NOT NULL DEFAULT 'v0.0.0-dev',

    -- distributed tracing (3)
    trace_id VARCHAR(32),
    user_id VARCHAR(255),
    session_id VARCHAR(100),

    -- error (3)
    error_type VARCHAR(200),
    message TEXT NOT NULL,
    stack_trace TEXT,

    -- location (3)
    path VARCHAR(500),
    method http_method,
    action_type VARCHAR(50),

    -- code location (2)
    function_name VARCHAR(300),
    file_path VARCHAR(1000),

    -- performance (1)
    duration_ms DECIMAL(10, 3),

    -- management (1)
    deleted BOOLEAN NOT NULL DEFAULT FALSE,

    -- extension (1)
    metadata JSONB,

    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);

ALTER SEQUENCE logs_id_seq OWNED BY logs.id;

-- A record with any timestamp is stored, never refused: days without a partition land here, and
-- partition maintenance moves them into their own day's partition when it creates it.
CREATE TABLE logs_default PARTITION OF logs DEFAULT;

COMMENT ON TABLE logs IS '통합 로그 테이블 (프론트엔드 + 백엔드)';
COMMENT ON COLUMN logs.id IS '로그 ID (자동 증가)';
COMMENT ON COLUMN logs.created_at IS '로그 발생 시각 (TIMESTAMPTZ, UTC)';
COMMENT ON COLUMN logs.level IS '로그 레벨: TRACE, DEBUG, INFO, WARN, ERROR, FATAL';
COMMENT ON COLUMN logs.log_type IS '로그 출처: BACKEND, FRONTEND, MOBILE, IOT, WORKER';
COMMENT ON COLUMN logs.service IS '서비스 이름 (예: payment-api, web-app)';
COMMENT ON COLUMN logs.environment IS '실행 환경: production, staging, development, test, local';
COMMENT ON COLUMN logs.service_version IS '서비스 버전 (배포 버전)';
COMMENT ON COLUMN logs.trace_id IS '분산 추적 ID (OpenTelemetry 표준, 프론트-백엔드 로그 연결)';
COMMENT ON COLUMN logs.user_id IS '사용자 ID';
COMMENT ON COLUMN logs.session_id IS '세션 ID';
COMMENT ON COLUMN logs.error_type IS '에러 유형 (예외 클래스명, 예: DatabaseConnectionError); ERROR/FATAL 로그에만 존재';
COMMENT ON COLUMN logs.message IS '로그 메시지';
COMMENT ON COLUMN logs.stack_trace IS '스택 트레이스 원문';
COMMENT ON COLUMN logs.path IS '경로: 백엔드는 API endpoint, 프론트엔드는 page path';
COMMENT ON COLUMN logs.method IS 'HTTP 메서드 (백엔드 전용)';
COMMENT ON COLUMN logs.action_type IS '사용자 행동 유형 (프론트엔드 전용): click, submit, navigate, view';
COMMENT ON COLUMN logs.function_name IS '함수명: stack trace에서 추출 (프론트/백 공통)';
COMMENT ON COLUMN logs.file_path IS '파일 경로: stack trace에서 추출 (프론트/백 공통)';
COMMENT ON COLUMN logs.duration_ms IS '처리 시간 (밀리초, 백엔드 요청 응답시간)';
COMMENT ON COLUMN logs.deleted IS 'Soft delete 플래그 (true = 삭제됨)';
COMMENT ON COLUMN logs.metadata IS '확장 데이터: 성능 메트릭, 브라우저 정보, 비즈니스 컨텍스트 등';

-- The seed's four partial indexes and the two time indexes (0003, 0006), now partitioned
-- indexes: every partition, present and future, gets its own copy.
CREATE INDEX idx_service_level_time ON logs (service, level, created_at DESC) WHERE deleted = FALSE;
CREATE INDEX idx_error_time ON logs (error_type, created_at DESC) WHERE error_type IS NOT NULL AND deleted = FALSE;
CREATE INDEX idx_user_time ON logs (user_id, created_at DESC) WHERE user_id IS NOT NULL AND deleted = FALSE;
CREATE INDEX idx_trace ON logs (trace_id) WHERE trace_id IS NOT NULL AND deleted = FALSE;
CREATE INDEX idx_time ON logs (created_at) WHERE deleted = FALSE;
CREATE INDEX idx_level_time ON logs (level, created_at) WHERE deleted = FALSE;

-- Privileges are checked on the parent: the roles reach the partitions only through logs.
GRANT SELECT ON logs TO nlq_reader;
GRANT INSERT ON logs TO nlq_ingest;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM logs_legacy) THEN
        DROP TABLE logs_legacy;
    END IF;
END
$$;
