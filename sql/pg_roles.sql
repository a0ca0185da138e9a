-- pg_roles.sql - grants existing roles access to a trailscope store on
-- PostgreSQL loaded with sql/pg_schema.sql (docs/STORE.md, "Roles"). Run
-- it as the store's owner, naming a writer, a reader, or both:
--     psql -v ON_ERROR_STOP=1 -d DB -v writer=collector -v reader=analyst -f sql/pg_roles.sql
-- A writer may SELECT and INSERT into the log (entries and the tables
-- derived from it, checkpoints, meta) and INSERT or UPDATE incidents; a
-- reader may only SELECT. Neither may UPDATE, DELETE or TRUNCATE the log,
-- and the append-only triggers refuse those to the owner too. The roles
-- must exist (CREATE ROLE collector LOGIN) and need CONNECT on the
-- database (PUBLIC has it unless revoked).
\if :{?writer}
SELECT trailscope_grant_writer(:'writer');
\endif
\if :{?reader}
SELECT trailscope_grant_reader(:'reader');
\endif
