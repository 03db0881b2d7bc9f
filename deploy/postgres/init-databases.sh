#!/bin/bash
# Runs once, when the PostgreSQL volume is first initialised. Every service gets its own role, none of them a
# superuser (the superuser "postgres" is for the operator only):
# - herald_owner owns the database herald and its schema: notes-service's Flyway migrations log in as it;
# - herald_app is what notes-service runs as: read and write the tables, nothing else (no DDL);
# - keycloak owns the database keycloak and nothing else.
# Passwords go in as psql variables (:'name' quotes them), never spliced into the SQL text.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
     -v owner_password="$HERALD_DB_OWNER_PASSWORD" -v app_password="$HERALD_DB_APP_PASSWORD" \
     -v keycloak_password="$KEYCLOAK_DB_PASSWORD" <<'SQL'
CREATE ROLE herald_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE herald_app LOGIN PASSWORD :'app_password';
CREATE ROLE keycloak LOGIN PASSWORD :'keycloak_password';
CREATE DATABASE herald OWNER herald_owner;
CREATE DATABASE keycloak OWNER keycloak;
REVOKE ALL ON DATABASE herald FROM PUBLIC;
REVOKE ALL ON DATABASE keycloak FROM PUBLIC;
GRANT CONNECT ON DATABASE herald TO herald_app;
\connect herald
-- the schema belongs to the owner; the application may use what the owner's migrations create in it
ALTER SCHEMA public OWNER TO herald_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO herald_app;
ALTER DEFAULT PRIVILEGES FOR ROLE herald_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO herald_app;
ALTER DEFAULT PRIVILEGES FOR ROLE herald_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO herald_app;
SQL
