-- The unified logs table (seed §3): frontend and backend logs in 21 columns.
CREATE TABLE logs (
    -- basic (4)
    id BIGSERIAL PRIMARY KEY,
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
    metadata JSONB
);

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
