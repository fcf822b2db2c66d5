-- Least-privilege roles. Roles are cluster-wide, so they are created only when missing; their
-- passwords are set by `nlq db migrate` from the configuration, never stored in a migration.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'nlq_reader') THEN
        CREATE ROLE nlq_reader LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'nlq_ingest') THEN
        CREATE ROLE nlq_ingest LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
    END IF;
END
$$;

-- The query side reads logs and nothing else.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM nlq_reader;
GRANT USAGE ON SCHEMA public TO nlq_reader;
GRANT SELECT ON logs TO nlq_reader;

-- The ingest service only appends logs and records batch keys.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM nlq_ingest;
GRANT USAGE ON SCHEMA public TO nlq_ingest;
GRANT INSERT ON logs TO nlq_ingest;
GRANT USAGE ON SEQUENCE logs_id_seq TO nlq_ingest;
GRANT SELECT, INSERT ON ingest_batches TO nlq_ingest;
