-- pg_partition.sql - lays out an EMPTY trailscope store on PostgreSQL
-- (sql/pg_schema.sql, e.g. made by `trailscope init URI`) with the log
-- tables range-partitioned by seq, for billions of events (docs/STORE.md,
-- "Past one server"). Run it once, as the store's owner, in one
-- transaction, before anything is imported:
--     psql -v ON_ERROR_STOP=1 -1 -d DB -v part_rows=100000000 -v parts=4 -f sql/pg_partition.sql
-- part_rows is the number of seqs per partition, parts how many to create
-- now (seqs 1 to part_rows * parts); later, the owner adds the next ones
-- before the log reaches them:
--     SELECT trailscope_add_partitions(2);
-- An append past the last partition fails (no partition of relation
-- "entries" found for row): nothing is written, the import can be re-run.
--
-- What changes, and what stays (tests/cli/pg_partition.sh checks it):
-- - entries, changes, entry_text and entries_fts become partitioned tables
--   with the same columns, types, collations, checks, primary keys and
--   indexes, partitioned on the same seq ranges (partition T_pN of table
--   T holds seqs (N-1) * part_rows + 1 to N * part_rows); merkle_nodes
--   and the small tables stay whole.
-- - entries_event_id can no longer be UNIQUE: a unique index of a
--   partitioned table must contain the partition key. It stays as a plain
--   index on each partition (the writer's look-up by event id), and
--   uniqueness moves to the table event_ids(event_id PRIMARY KEY, seq),
--   filled by the trigger entries_event_ids from each statement's new rows
--   (the function is SECURITY DEFINER: writers need no privilege on
--   event_ids); a duplicate event id fails the statement, 23505, as the
--   unique index did. Readers may SELECT it.
-- - The triggers: the row triggers T_no_change sit on the parent and are
--   cloned to every partition; the statement triggers T_no_truncate are
--   created on the parent and on each partition (TRUNCATE of a partition
--   fires only its own); entries_appended (the contiguity check) and
--   entries_event_ids sit on the parent and see every statement's rows.
-- - Grants and the views events and event_changes are recreated as they
--   were (same definitions, same grantees).
-- Never detach or drop a partition: that removes log entries, and verify
-- reports it; only the owner can.

SELECT set_config('trailscope.part_rows', :'part_rows', true),
       set_config('trailscope.parts', :'parts', true);

-- Refuses a store that holds entries, or is laid out this way already.
DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = 'entries'::regclass) THEN
		RAISE EXCEPTION 'trailscope: entries is partitioned already';
	END IF;
	IF EXISTS (SELECT 1 FROM entries) OR EXISTS (SELECT 1 FROM checkpoints) THEN
		RAISE EXCEPTION 'trailscope: pg_partition.sql lays out an empty store; this one holds entries';
	END IF;
END $$;

-- Adds n partitions after the last one to each partitioned log table.
CREATE FUNCTION trailscope_add_partitions(n integer) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
	step bigint := (SELECT value::bigint FROM meta WHERE key = 'partition_rows');
	t text;
	k integer;
	last integer;
BEGIN
	FOREACH t IN ARRAY ARRAY['entries', 'changes', 'entry_text', 'entries_fts'] LOOP
		SELECT count(*) INTO last FROM pg_inherits WHERE inhparent = t::regclass;
		FOR k IN last + 1 .. last + n LOOP
			EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%s) TO (%s)',
				       t || '_p' || k, t, (k - 1) * step + 1, k * step + 1);
			EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I'
				       ' FOR EACH STATEMENT EXECUTE FUNCTION trailscope_refuse_change()',
				       t || '_p' || k || '_no_truncate', t || '_p' || k);
		END LOOP;
	END LOOP;
END $$;
REVOKE ALL ON FUNCTION trailscope_add_partitions(integer) FROM PUBLIC;

-- Event ids, unique across partitions.
CREATE TABLE event_ids(
	event_id text COLLATE "C" PRIMARY KEY,
	seq bigint NOT NULL);
CREATE TRIGGER event_ids_no_change BEFORE UPDATE OR DELETE ON event_ids
	FOR EACH ROW EXECUTE FUNCTION trailscope_refuse_change();
CREATE TRIGGER event_ids_no_truncate BEFORE TRUNCATE ON event_ids
	FOR EACH STATEMENT EXECUTE FUNCTION trailscope_refuse_change();

CREATE FUNCTION trailscope_entries_event_ids() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
	INSERT INTO event_ids(event_id, seq) SELECT event_id, seq FROM appended;
	RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION trailscope_entries_event_ids() FROM PUBLIC;

DO $$
DECLARE
	step bigint := current_setting('trailscope.part_rows')::bigint;
	parts integer := current_setting('trailscope.parts')::integer;
	t text;
	r record;
	views text[] := ARRAY['events', 'event_changes'];
	viewdef text[] := ARRAY[]::text[];
	idx text[];
	acl text[] := ARRAY[]::text[];
BEGIN
	IF step IS NULL OR step < 16 OR parts IS NULL OR parts < 1 THEN
		RAISE EXCEPTION 'trailscope: give part_rows (at least 16) and parts (at least 1) with psql -v';
	END IF;
	-- the grants of the tables and views replaced, and the views
	FOR r IN SELECT c.relname, a.grantee::regrole::text AS grantee, a.privilege_type
		 FROM pg_class c, aclexplode(c.relacl) a
		 WHERE c.relnamespace = current_schema()::regnamespace
		   AND c.relname IN ('entries', 'changes', 'entry_text', 'entries_fts', 'events', 'event_changes')
		   AND a.grantee <> c.relowner LOOP
		acl := acl || format('GRANT %s ON %I TO %s', r.privilege_type, r.relname, r.grantee);
		IF r.relname = 'entries' AND r.privilege_type = 'SELECT' THEN
			acl := acl || format('GRANT SELECT ON event_ids TO %s', r.grantee);
		END IF;
	END LOOP;
	FOR k IN 1 .. array_length(views, 1) LOOP
		viewdef := viewdef || pg_get_viewdef(views[k]::regclass);
		EXECUTE format('DROP VIEW %I', views[k]);
	END LOOP;

	FOREACH t IN ARRAY ARRAY['entries', 'changes', 'entry_text', 'entries_fts'] LOOP
		-- the indexes but the primary key, as created on the parent
		SELECT array_agg(pg_get_indexdef(i.indexrelid)) INTO idx
		FROM pg_index i WHERE i.indrelid = t::regclass AND NOT i.indisprimary;
		EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS'
			       ' INCLUDING STORAGE INCLUDING COMPRESSION) PARTITION BY RANGE (seq)',
			       t || '_partitioned', t);
		EXECUTE format('DROP TABLE %I', t);
		EXECUTE format('ALTER TABLE %I RENAME TO %I', t || '_partitioned', t);
		EXECUTE format('ALTER TABLE %I ADD PRIMARY KEY (%s)', t,
			       CASE t WHEN 'changes' THEN 'seq, idx' ELSE 'seq' END);
		FOR k IN 1 .. coalesce(array_length(idx, 1), 0) LOOP
			-- unique across partitions only through event_ids (above)
			EXECUTE replace(idx[k], 'CREATE UNIQUE INDEX entries_event_id ', 'CREATE INDEX entries_event_id ');
		END LOOP;
		EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I'
			       ' FOR EACH ROW EXECUTE FUNCTION trailscope_refuse_change()', t || '_no_change', t);
		EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I'
			       ' FOR EACH STATEMENT EXECUTE FUNCTION trailscope_refuse_change()', t || '_no_truncate', t);
	END LOOP;
	CREATE TRIGGER entries_appended AFTER INSERT ON entries
		REFERENCING NEW TABLE AS appended
		FOR EACH STATEMENT EXECUTE FUNCTION trailscope_entries_appended();
	CREATE TRIGGER entries_event_ids AFTER INSERT ON entries
		REFERENCING NEW TABLE AS appended
		FOR EACH STATEMENT EXECUTE FUNCTION trailscope_entries_event_ids();
	FOR k IN 1 .. array_length(views, 1) LOOP
		EXECUTE format('CREATE VIEW %I AS %s', views[k], viewdef[k]);
	END LOOP;
	FOR k IN 1 .. coalesce(array_length(acl, 1), 0) LOOP
		EXECUTE acl[k];
	END LOOP;
	INSERT INTO meta VALUES ('partition_rows', step::text);
	PERFORM trailscope_add_partitions(parts);
END $$;
