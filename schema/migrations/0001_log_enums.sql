-- The four enum types of the logs table (seed §3): small on disk, and a closed vocabulary the
-- Text-to-SQL engine can read from pg_enum.
CREATE TYPE log_level AS ENUM ('TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL');
CREATE TYPE source_type AS ENUM ('BACKEND', 'FRONTEND', 'MOBILE', 'IOT', 'WORKER');
CREATE TYPE env_type AS ENUM ('production', 'staging', 'development', 'test', 'local');
CREATE TYPE http_method AS ENUM ('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS');
