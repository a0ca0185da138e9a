-- pg_schema.sql - the trailscope store (schema version 5) on PostgreSQL:
-- the same tables, columns and indexes as the SQLite store of
-- docs/STORE.md, with stricter append-only rules, specified in its
-- "PostgreSQL schema" section (keep the two, and src/core/store.c, in
-- step). It lives in sql/, not src/, because administrators load it with
-- psql; trailscope embeds this file, unchanged, for
-- `trailscope init URI` (the Makefile's PG_SCHEMA_C). Load it into an empty
-- UTF8 database as the role that is to own the store:
--     psql -v ON_ERROR_STOP=1 -1 -d DB -f sql/pg_schema.sql
-- It creates its objects in the current schema (normally public), one
-- store per database (or per schema through search_path). Then grant the
-- writer and reader roles with sql/pg_roles.sql.
--
-- Text columns are COLLATE "C" so that comparisons, ranges and ORDER BY
-- are bytewise over UTF-8, as SQLite's BINARY collation is. Nothing here
-- needs an extension; it runs on PostgreSQL 13 or later.

DO $$
BEGIN
	IF pg_encoding_to_char((SELECT encoding FROM pg_database
				WHERE datname = current_database())) <> 'UTF8' THEN
		RAISE EXCEPTION 'trailscope: database "%" is not UTF8 (create it with ENCODING ''UTF8'')',
			current_database();
	END IF;
END $$;

CREATE TABLE meta(
	key text COLLATE "C" PRIMARY KEY,
	value text COLLATE "C" NOT NULL);

-- the log: one row per leaf, seq 1-based and contiguous
CREATE TABLE entries(
	seq bigint PRIMARY KEY CHECK (seq >= 1),
	event_id text COLLATE "C" NOT NULL,
	ts text COLLATE "C" NOT NULL,
	actor text COLLATE "C" NOT NULL,
	actor_type text COLLATE "C" NOT NULL,
	action text COLLATE "C" NOT NULL,
	target text COLLATE "C" NOT NULL,
	target_kind text COLLATE "C" NOT NULL,
	environment text COLLATE "C" NOT NULL,
	summary text COLLATE "C" NOT NULL,
	nchanges integer NOT NULL,
	risk integer NOT NULL DEFAULT 0,
	source_file text COLLATE "C" NOT NULL,
	source_line bigint NOT NULL,
	outcome text COLLATE "C" NOT NULL DEFAULT 'unknown',
	leaf_hash bytea NOT NULL CHECK (octet_length(leaf_hash) = 32),
	leaf bytea NOT NULL);
CREATE UNIQUE INDEX entries_event_id ON entries(event_id);
CREATE INDEX entries_ts ON entries(ts, seq);
-- the field indexes end in seq, which SQLite's carry as the rowid: a count
-- or page that tests a set term's bitmap on seq reads the index alone
CREATE INDEX entries_actor ON entries(actor, ts, seq);
CREATE INDEX entries_action ON entries(action, ts, seq);
CREATE INDEX entries_target ON entries(target, ts, seq);
CREATE INDEX entries_environment ON entries(environment, ts, seq);
CREATE INDEX entries_risk ON entries(risk) WHERE risk <> 0;
CREATE INDEX entries_outcome ON entries(outcome) WHERE outcome <> 'success';

CREATE TABLE incidents(
	id text COLLATE "C" PRIMARY KEY,
	title text COLLATE "C" NOT NULL,
	severity text COLLATE "C" NOT NULL,
	services text COLLATE "C" NOT NULL,
	environment text COLLATE "C" NOT NULL,
	started_at text COLLATE "C" NOT NULL,
	detected_at text COLLATE "C",
	resolved_at text COLLATE "C",
	raw text COLLATE "C" NOT NULL,
	source_file text COLLATE "C" NOT NULL,
	source_line bigint NOT NULL);

CREATE TABLE changes(
	seq bigint NOT NULL,
	idx integer NOT NULL,
	path text COLLATE "C" NOT NULL,
	kind text COLLATE "C" NOT NULL,
	before text COLLATE "C",
	after text COLLATE "C",
	before_unknown integer NOT NULL DEFAULT 0 CHECK (before_unknown IN (0, 1)),
	PRIMARY KEY (seq, idx));
-- not covering, unlike SQLite's (path, seq, after, before): a B-tree
-- entry holds at most 2704 bytes, and a JSON value may be longer
CREATE INDEX changes_path ON changes(path, seq);

-- the free-text index: one tsvector per entry, whose lexemes the writer
-- makes with SQLite FTS5's unicode61 tokenizer rules (docs/STORE.md)
CREATE TABLE entries_fts(
	seq bigint PRIMARY KEY,
	doc tsvector NOT NULL);
CREATE INDEX entries_fts_doc ON entries_fts USING gin (doc);

CREATE TABLE merkle_nodes(
	level integer NOT NULL CHECK (level > 0 AND level % 4 = 0),
	idx bigint NOT NULL CHECK (idx >= 0),
	hash bytea NOT NULL CHECK (octet_length(hash) = 32),
	PRIMARY KEY (level, idx));

CREATE TABLE checkpoints(
	size bigint PRIMARY KEY,
	note text COLLATE "C" NOT NULL,
	added_at text COLLATE "C" NOT NULL);

CREATE TABLE entry_text(
	seq bigint PRIMARY KEY,
	summary text COLLATE "C" NOT NULL,
	raw text COLLATE "C" NOT NULL);

-- Anchors (schema version 4): RFC 3161 tokens over checkpoints, the
-- requests made for them, witness cosignatures. id is assigned by the
-- writer (max(id) + 1 under the append lock), as SQLite assigns its
-- INTEGER PRIMARY KEY.
CREATE TABLE checkpoint_timestamps(
	id bigint PRIMARY KEY,
	size bigint NOT NULL,
	token bytea NOT NULL,
	nonce text COLLATE "C",
	tsa text COLLATE "C" NOT NULL,
	added_at text COLLATE "C" NOT NULL);
CREATE INDEX checkpoint_timestamps_size ON checkpoint_timestamps(size, id);

CREATE TABLE timestamp_requests(
	size bigint NOT NULL,
	nonce text COLLATE "C" NOT NULL,
	request bytea NOT NULL,
	created_at text COLLATE "C" NOT NULL,
	PRIMARY KEY (size, nonce));

CREATE TABLE checkpoint_cosignatures(
	id bigint PRIMARY KEY,
	size bigint NOT NULL,
	line text COLLATE "C" NOT NULL,
	added_at text COLLATE "C" NOT NULL);
CREATE INDEX checkpoint_cosignatures_size ON checkpoint_cosignatures(size, id);

-- Append-only, enforced for every role, the owner included (only a
-- role that may alter the table can disable these triggers).
CREATE FUNCTION trailscope_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'trailscope: % is append-only: % refused', TG_TABLE_NAME, TG_OP
		USING ERRCODE = 'insufficient_privilege';
END $$;

DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['entries', 'changes', 'entries_fts', 'merkle_nodes',
				 'checkpoints', 'entry_text', 'checkpoint_timestamps',
				 'checkpoint_cosignatures'] LOOP
		EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I'
			       ' FOR EACH ROW EXECUTE FUNCTION trailscope_refuse_change()',
			       t || '_no_change', t);
		EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I'
			       ' FOR EACH STATEMENT EXECUTE FUNCTION trailscope_refuse_change()',
			       t || '_no_truncate', t);
	END LOOP;
END $$;

-- Each statement that inserts entries must continue the log exactly:
-- its seqs are the next ones after every seq it can see, without a gap.
-- Then it tells listeners that the log grew (one notification per
-- transaction, at commit; the payload is the store's schema name).
CREATE FUNCTION trailscope_entries_appended() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	lo bigint;
	hi bigint;
	n bigint;
	prev bigint;
BEGIN
	SELECT min(seq), max(seq), count(*) INTO lo, hi, n FROM appended;
	IF n = 0 THEN
		RETURN NULL;
	END IF;
	EXECUTE format('SELECT coalesce(max(seq), 0) FROM %I.entries WHERE seq < $1',
		       TG_TABLE_SCHEMA) INTO prev USING lo;
	IF hi - lo + 1 <> n OR prev <> lo - 1 THEN
		RAISE EXCEPTION 'trailscope: entries % to % do not continue the log at %', lo, hi, prev + 1
			USING ERRCODE = 'integrity_constraint_violation',
			      HINT = 'append under pg_advisory_xact_lock(1953657699, 1) in a READ COMMITTED transaction';
	END IF;
	PERFORM pg_notify('trailscope_append', TG_TABLE_SCHEMA);
	RETURN NULL;
END $$;
CREATE TRIGGER entries_appended AFTER INSERT ON entries
	REFERENCING NEW TABLE AS appended
	FOR EACH STATEMENT EXECUTE FUNCTION trailscope_entries_appended();

-- The views of `trailscope sql` (docs/QUERY.md), permanent here; the
-- leaf is UTF-8 JSON, so its members are read with json operators.
CREATE VIEW events AS SELECT seq, event_id, ts, actor, actor_type, action, target,
	target_kind, environment, summary, nchanges, risk, source_file, source_line,
	convert_from(leaf, 'UTF8')::json -> 'actor' ->> 'name' AS actor_name,
	convert_from(leaf, 'UTF8')::json -> 'context' ->> 'reason' AS reason,
	convert_from(leaf, 'UTF8')::json -> 'context' ->> 'ticket' AS ticket,
	convert_from(leaf, 'UTF8')::json -> 'context' ->> 'correlation_id' AS correlation_id,
	coalesce(convert_from(leaf, 'UTF8')::json -> 'outcome' ->> 'status', 'unknown') AS outcome,
	convert_from(leaf, 'UTF8')::json -> 'outcome' ->> 'code' AS outcome_code,
	convert_from(leaf, 'UTF8')::json -> 'outcome' ->> 'message' AS outcome_message,
	-- a version 1 or 2 leaf holds its raw record; a version 3 leaf commits
	-- to the entry_text row by raw_sha256 (schema version 5)
	coalesce(convert_from(leaf, 'UTF8')::json ->> 'raw',
		 (SELECT t.raw FROM entry_text AS t WHERE t.seq = entries.seq)) AS raw,
	convert_from(leaf, 'UTF8') AS leaf
	FROM entries;
CREATE VIEW event_changes AS SELECT c.seq, c.idx, e.ts, e.actor, e.action, e.target,
	e.environment, c.path, c.kind, c.before, c.after, c.before_unknown
	FROM changes AS c JOIN entries AS e ON e.seq = c.seq;

-- Granting (sql/pg_roles.sql calls these; so will `trailscope init`).
-- A reader may SELECT the tables and views; a writer may also INSERT
-- into the log and derived tables, INSERT into meta (the origin is set
-- once), and INSERT or UPDATE incidents (context, re-importable); no
-- role but the owner may UPDATE, DELETE or TRUNCATE anything.
CREATE FUNCTION trailscope_grant_reader(r regrole) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
	EXECUTE format('GRANT USAGE ON SCHEMA %I TO %s', current_schema(), r);
	EXECUTE format('GRANT SELECT ON meta, entries, incidents, changes, entries_fts,'
		       ' merkle_nodes, checkpoints, entry_text, checkpoint_timestamps,'
		       ' timestamp_requests, checkpoint_cosignatures, events, event_changes TO %s', r);
END $$;
CREATE FUNCTION trailscope_grant_writer(r regrole) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
	PERFORM trailscope_grant_reader(r);
	EXECUTE format('GRANT INSERT ON meta, entries, changes, entries_fts, merkle_nodes,'
		       ' checkpoints, entry_text, checkpoint_timestamps, timestamp_requests,'
		       ' checkpoint_cosignatures TO %s', r);
	EXECUTE format('GRANT INSERT, UPDATE ON incidents TO %s', r);
END $$;
REVOKE ALL ON FUNCTION trailscope_grant_reader(regrole), trailscope_grant_writer(regrole) FROM PUBLIC;

INSERT INTO meta VALUES
	('application_id', '1953657699'),
	('schema', '5'),
	('created_at', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'));
