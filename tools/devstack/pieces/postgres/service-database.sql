-- One service's login role and one database it owns, closed to every other role.
-- Idempotent: safe to run on every start. Run by tools/devstack/pieces/postgres.mjs
-- (ensureDatabases) through psql, which sets these variables first:
--   role      login role of the service, e.g. orders_service
--   password  its password (development default, or the *_DB_PASSWORD override)
--   db        database the role owns, e.g. orderflow_orders
-- The variables are set over psql's stdin, so passwords never show in `ps`.

-- The role: created once (no superuser, no CREATEDB/CREATEROLE, no replication),
-- its password brought in line with the configured one on every run.
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN PASSWORD :'password';

-- Existing-server mode with a non-superuser admin (CREATEROLE + CREATEDB): it must be a
-- member of the role to create a database owned by it. A superuser needs nothing.
SELECT format('GRANT %I TO %I', :'role', current_user)
 WHERE NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
   AND NOT pg_has_role(current_user, :'role', 'MEMBER') \gexec

-- The database, owned by the role.
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
ALTER DATABASE :"db" OWNER TO :"role";

-- Nobody but the owner (and superusers) may connect or create temporary tables:
-- each service reaches only its own data.
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
