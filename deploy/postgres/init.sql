-- Runs once, when the compose stack's PostgreSQL volume is created. The gateway (user tollgate)
-- creates its tables through Flyway at start; Grafana reads them as a user that can only SELECT.
CREATE ROLE grafana LOGIN PASSWORD 'grafana';
GRANT CONNECT ON DATABASE tollgate TO grafana;
GRANT USAGE ON SCHEMA public TO grafana;
ALTER DEFAULT PRIVILEGES FOR ROLE tollgate IN SCHEMA public GRANT SELECT ON TABLES TO grafana;
