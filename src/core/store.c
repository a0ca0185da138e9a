/*
 * store.c - opening, creating (and upgrading) and reading the SQLite audit
 * store and its Merkle subtree cache. The schema is specified in
 * docs/STORE.md; keep the two in step. What appends to it (entries,
 * Merkle nodes, checkpoints, incidents) is store_append.c's.
 *
 * Cost: the Merkle source answers any perfect subtree with one indexed
 * range read of at most 2^STORE_NODE_STRIDE rows, so roots and proofs
 * cost O(log n) small reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "trailscope/query.h"
#include "trailscope/pg_store.h"
#include "trailscope/store.h"
#include "trailscope/util.h"

/* Added in schema version 2: what a /regex/ reads, kept narrow. From
 * version 6 raw is declared BLOB: the records appended are packed against
 * their leaves (raw_pack.h); rows an older version wrote stay TEXT. */
#define ENTRY_TEXT_SQL \
	"CREATE TABLE entry_text(\n" \
	"  seq INTEGER PRIMARY KEY,\n" \
	"  summary TEXT NOT NULL,\n" \
	"  raw BLOB NOT NULL);\n" \
	"CREATE TRIGGER entry_text_no_update BEFORE UPDATE ON entry_text\n" \
	"  BEGIN SELECT RAISE(ABORT, 'entry_text is append-only'); END;\n"

/* Added in schema version 5: entry_text.raw is evidence for version 3
 * leaves (their raw_sha256 commits to it), so its rows are never deleted
 * either. */
#define ENTRY_TEXT_NO_DELETE_SQL \
	"CREATE TRIGGER IF NOT EXISTS entry_text_no_delete BEFORE DELETE ON entry_text\n" \
	"  BEGIN SELECT RAISE(ABORT, 'entry_text is append-only'); END;\n"

/* Added in schema version 3: the outcome, an indexed copy of the leaf's
 * "outcome.status" ('unknown' for version 1 leaves). */
#define OUTCOME_INDEX_SQL "CREATE INDEX entries_outcome ON entries(outcome) WHERE outcome != 'success';\n"

/* Added in schema version 4: anchors beyond the log's key (anchors.h).
 * Both append-only; a checkpoint's note is never rewritten, so a token's
 * imprint over it stays valid when witnesses cosign it later. IF NOT
 * EXISTS: an upgrade from an older version never trips over tables a
 * later trailscope made and a downgrade left behind. */
#define ANCHORS_SQL \
	"CREATE TABLE IF NOT EXISTS checkpoint_timestamps(\n" \
	"  id INTEGER PRIMARY KEY,\n" \
	"  size INTEGER NOT NULL,\n" \
	"  token BLOB NOT NULL,\n" \
	"  nonce TEXT,\n" \
	"  tsa TEXT NOT NULL,\n" \
	"  added_at TEXT NOT NULL);\n" \
	"CREATE INDEX IF NOT EXISTS checkpoint_timestamps_size ON checkpoint_timestamps(size, id);\n" \
	"CREATE TABLE IF NOT EXISTS timestamp_requests(\n" \
	"  size INTEGER NOT NULL,\n" \
	"  nonce TEXT NOT NULL,\n" \
	"  request BLOB NOT NULL,\n" \
	"  created_at TEXT NOT NULL,\n" \
	"  PRIMARY KEY(size, nonce)) WITHOUT ROWID;\n" \
	"CREATE TABLE IF NOT EXISTS checkpoint_cosignatures(\n" \
	"  id INTEGER PRIMARY KEY,\n" \
	"  size INTEGER NOT NULL,\n" \
	"  line TEXT NOT NULL,\n" \
	"  added_at TEXT NOT NULL);\n" \
	"CREATE INDEX IF NOT EXISTS checkpoint_cosignatures_size ON checkpoint_cosignatures(size, id);\n" \
	"CREATE TRIGGER IF NOT EXISTS checkpoint_timestamps_no_update BEFORE UPDATE ON checkpoint_timestamps\n" \
	"  BEGIN SELECT RAISE(ABORT, 'checkpoint_timestamps are append-only'); END;\n" \
	"CREATE TRIGGER IF NOT EXISTS checkpoint_timestamps_no_delete BEFORE DELETE ON checkpoint_timestamps\n" \
	"  BEGIN SELECT RAISE(ABORT, 'checkpoint_timestamps are append-only'); END;\n" \
	"CREATE TRIGGER IF NOT EXISTS checkpoint_cosignatures_no_update BEFORE UPDATE ON checkpoint_cosignatures\n" \
	"  BEGIN SELECT RAISE(ABORT, 'checkpoint_cosignatures are append-only'); END;\n" \
	"CREATE TRIGGER IF NOT EXISTS checkpoint_cosignatures_no_delete BEFORE DELETE ON checkpoint_cosignatures\n" \
	"  BEGIN SELECT RAISE(ABORT, 'checkpoint_cosignatures are append-only'); END;\n"

/* Covering since schema version 2: value terms read before/after from it. */
#define CHANGES_PATH_SQL "CREATE INDEX changes_path ON changes(path, seq, after, before);\n"

/* The page size of a new store (docs/STORE.md "Page size"): a leaf row
 * (~1.8 kB) or an entry_text row (~1.4 kB) of generated data leaves up to
 * half of a 4 kB page unused, and much less of a 16 kB one. */
#define STORE_PAGE_SIZE 16384
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

static const char schema_sql[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
	"CREATE TABLE entries(\n"
	"  seq INTEGER PRIMARY KEY,\n"
	"  event_id TEXT NOT NULL,\n"
	"  ts TEXT NOT NULL,\n"
	"  actor TEXT NOT NULL,\n"
	"  actor_type TEXT NOT NULL,\n"
	"  action TEXT NOT NULL,\n"
	"  target TEXT NOT NULL,\n"
	"  target_kind TEXT NOT NULL,\n"
	"  environment TEXT NOT NULL,\n"
	"  summary TEXT NOT NULL,\n"
	"  nchanges INTEGER NOT NULL,\n"
	"  risk INTEGER NOT NULL DEFAULT 0,\n"
	"  source_file TEXT NOT NULL,\n"
	"  source_line INTEGER NOT NULL,\n"
	"  outcome TEXT NOT NULL DEFAULT 'unknown',\n"
	/* the big leaf last, so reading the small columns skips it */
	"  leaf_hash BLOB NOT NULL,\n"
	"  leaf BLOB NOT NULL);\n"
	"CREATE UNIQUE INDEX entries_event_id ON entries(event_id);\n"
	"CREATE INDEX entries_ts ON entries(ts, seq);\n"
	"CREATE INDEX entries_actor ON entries(actor, ts);\n"
	"CREATE INDEX entries_action ON entries(action, ts);\n"
	"CREATE INDEX entries_target ON entries(target, ts);\n"
	"CREATE INDEX entries_environment ON entries(environment, ts);\n"
	"CREATE INDEX entries_risk ON entries(risk) WHERE risk != 0;\n"
	OUTCOME_INDEX_SQL
	"CREATE TABLE incidents(\n"
	"  id TEXT PRIMARY KEY,\n"
	"  title TEXT NOT NULL,\n"
	"  severity TEXT NOT NULL,\n"
	"  services TEXT NOT NULL,\n"
	"  environment TEXT NOT NULL,\n"
	"  started_at TEXT NOT NULL,\n"
	"  detected_at TEXT,\n"
	"  resolved_at TEXT,\n"
	"  raw TEXT NOT NULL,\n"
	"  source_file TEXT NOT NULL,\n"
	"  source_line INTEGER NOT NULL);\n"
	"CREATE TABLE changes(\n"
	"  seq INTEGER NOT NULL,\n"
	"  idx INTEGER NOT NULL,\n"
	"  path TEXT NOT NULL,\n"
	"  kind TEXT NOT NULL,\n"
	"  before TEXT,\n"
	"  after TEXT,\n"
	"  before_unknown INTEGER NOT NULL DEFAULT 0,\n"
	"  PRIMARY KEY(seq, idx)) WITHOUT ROWID;\n"
	CHANGES_PATH_SQL
	"CREATE VIRTUAL TABLE entries_fts USING fts5(reason, target, actor, ticket,"
	" content='', tokenize='unicode61 remove_diacritics 2');\n"
	"CREATE TABLE merkle_nodes(\n"
	"  level INTEGER NOT NULL,\n"
	"  idx INTEGER NOT NULL,\n"
	"  hash BLOB NOT NULL,\n"
	"  PRIMARY KEY(level, idx)) WITHOUT ROWID;\n"
	"CREATE TABLE checkpoints(\n"
	"  size INTEGER PRIMARY KEY,\n"
	"  note TEXT NOT NULL,\n"
	"  added_at TEXT NOT NULL);\n"
	"CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries\n"
	"  BEGIN SELECT RAISE(ABORT, 'entries are append-only'); END;\n"
	"CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries\n"
	"  BEGIN SELECT RAISE(ABORT, 'entries are append-only'); END;\n"
	"CREATE TRIGGER changes_no_update BEFORE UPDATE ON changes\n"
	"  BEGIN SELECT RAISE(ABORT, 'changes are append-only'); END;\n"
	"CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints\n"
	"  BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;\n"
	ENTRY_TEXT_SQL
	ENTRY_TEXT_NO_DELETE_SQL
	ANCHORS_SQL;

void store_library_init(void)
{
	/* SQLite's allocation statistics take a global mutex around every
	 * malloc and free (a few percent of an import's writer); nothing
	 * here reads them. Only valid before SQLite's first use. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int store_error(struct store *s, const char *what)
{
	return error("%s: %s: %s", s->path ? s->path : "store", what, sqlite3_errmsg(s->db));
}

int store_exec(struct store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		error("%s: %s", s->path, msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int store_prepare(struct store *s, const char *sql, sqlite3_stmt **stmt)
{
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL) != SQLITE_OK)
		return store_error(s, "cannot prepare query");
	return 0;
}

static int pragma_int(struct store *s, const char *sql, int64_t *out)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int create_schema(struct store *s)
{
	char tsbuf[32];
	struct buf sql = BUF_INIT;
	int ret;

	time_format(time_now(), tsbuf);
	buf_addstr(&sql, "BEGIN IMMEDIATE;\n");
	buf_addstr(&sql, schema_sql);
	buf_addf(&sql, "INSERT INTO meta VALUES('created_at', '%s');\n", tsbuf);
	buf_addf(&sql, "INSERT INTO meta VALUES('schema', '%d');\n", STORE_SCHEMA_VERSION);
	buf_addf(&sql, "PRAGMA application_id = %d;\n", STORE_APPLICATION_ID);
	buf_addf(&sql, "PRAGMA user_version = %d;\n", STORE_SCHEMA_VERSION);
	buf_addstr(&sql, "COMMIT;");
	ret = store_exec(s, sql.buf);
	if (ret)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	buf_release(&sql);
	return ret;
}

/* Refuses files that are not ours: wrong application id, wrong version,
 * or missing tables. */
static int check_schema(struct store *s)
{
	int64_t version = 0, appid = 0, tables = 0;

	if (pragma_int(s, "PRAGMA user_version", &version) < 0) {
		int rc = sqlite3_extended_errcode(s->db), sys = sqlite3_system_errno(s->db);

		if ((rc & 0xff) == SQLITE_NOTADB)
			return error("%s: not a trailscope store (%s)", s->path, sqlite3_errmsg(s->db));
		return error("cannot read store '%s': %s%s%s%s", s->path, sqlite3_errmsg(s->db),
			     sys ? " (" : "", sys ? strerror(sys) : "", sys ? ")" : "");
	}
	if (pragma_int(s, "PRAGMA application_id", &appid) < 0)
		return store_error(s, "cannot read application id");
	if (version == 0 && appid == 0)
		return error("%s: not a trailscope store (an SQLite database without its schema)", s->path);
	if (appid != STORE_APPLICATION_ID)
		return error("%s: not a trailscope store (foreign SQLite application id 0x%08llx)",
			     s->path, (unsigned long long)appid);
	if (version > STORE_SCHEMA_VERSION)
		return error("%s: store schema version %lld is newer than this trailscope supports (%d)",
			     s->path, (long long)version, STORE_SCHEMA_VERSION);
	if (version < 1)
		return error("%s: unknown store schema version %lld", s->path, (long long)version);
	s->schema = (int)version;
	if (pragma_int(s, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
			  "('meta', 'entries', 'changes', 'merkle_nodes', 'checkpoints', 'incidents')",
		       &tables) < 0)
		return store_error(s, "cannot read schema");
	if (tables != 6)
		return error("%s: damaged trailscope store: %lld of 6 tables present",
			     s->path, (long long)tables);
	return 0;
}

/*
 * Brings an older store to the current version when it is opened for
 * writing, in one transaction. From version 1: adds entry_text and fills
 * it from the leaves (one pass), and rebuilds changes_path to cover before
 * and after. From version 1 or 2: adds entries.outcome, whose default
 * 'unknown' is what every row of such a store holds (their leaves are all
 * version 1, which records no outcome: no row is rewritten), and its
 * index. From version 1, 2 or 3: creates the (empty) anchor tables. From
 * version 1 to 4: adds the trigger that refuses DELETE on entry_text
 * (its raw records are evidence for the version 3 leaves appended from
 * now on). From version 1 to 5: nothing but the number; the raw records
 * appended from now on are packed (raw_pack.h), those stored stay TEXT.
 * No table's rows change. Read-only opens leave the file alone: the query
 * compiler then reads the leaves instead of entry_text,
 * store_outcome_sql gives 'unknown', and a store below version 4 reads
 * as one with no time-stamps and no cosignatures.
 */
static int upgrade_schema(struct store *s)
{
	struct buf sql = BUF_INIT;
	int ret = 0;

	if (s->schema >= STORE_SCHEMA_VERSION || (s->flags & STORE_READONLY))
		return 0;
	if (sqlfuncs_register(s->db) || store_exec(s, "BEGIN IMMEDIATE"))
		return -1;
	if (s->schema < 2)
		buf_addstr(&sql, ENTRY_TEXT_SQL
			   "DROP INDEX changes_path;" CHANGES_PATH_SQL
			   "INSERT INTO entry_text(seq, summary, raw)"
			   " SELECT seq, summary, coalesce(ts_leaf_raw(leaf), '') FROM entries ORDER BY seq;");
	if (s->schema < 3)
		buf_addstr(&sql, "ALTER TABLE entries ADD COLUMN outcome TEXT NOT NULL DEFAULT 'unknown';"
			   OUTCOME_INDEX_SQL);
	if (s->schema < 4)
		buf_addstr(&sql, ANCHORS_SQL);
	if (s->schema < 5)
		buf_addstr(&sql, ENTRY_TEXT_NO_DELETE_SQL);
	buf_addf(&sql, "UPDATE meta SET value = '%d' WHERE key = 'schema';"
		 "PRAGMA user_version = %d;", STORE_SCHEMA_VERSION, STORE_SCHEMA_VERSION);
	if (store_exec(s, sql.buf) || store_exec(s, "COMMIT")) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		ret = error("%s: cannot upgrade the store to schema version %d", s->path, STORE_SCHEMA_VERSION);
		goto out;
	}
	s->schema = STORE_SCHEMA_VERSION;
out:
	buf_release(&sql);
	return ret;
}

const char *store_outcome_sql(const struct store *s)
{
	return s->schema < 3 ? "'unknown'" : "outcome";
}

static int load_origin(struct store *s)
{
	struct buf v = BUF_INIT;
	int rc = store_get_meta(s, "origin", &v);

	if (rc < 0)
		return -1;
	free(s->origin);
	s->origin = rc ? buf_detach(&v, NULL) : xstrdup("");
	buf_release(&v);
	return 0;
}

/* A file: URI for path with query (SQLite decodes %XX in the path). */
static void uri_of(const char *path, const char *query, struct buf *out)
{
	buf_addstr(out, "file:");
	for (size_t i = 0; path[i]; i++) {
		unsigned char c = (unsigned char)path[i];

		/* "file://" would start an authority: keep a leading "//" a path */
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    (c && strchr("-._~", c)) || (c == '/' && !(i == 1 && path[0] == '/')))
			buf_addch(out, (char)c);
		else
			buf_addf(out, "%%%02X", c);
	}
	buf_addf(out, "?%s", query);
}

int store_sqlite_open_ro(const char *path, int immutable, sqlite3 **out)
{
	struct buf uri = BUF_INIT;
	int rc;

	*out = NULL;
	uri_of(path, immutable ? "immutable=1" : "mode=ro", &uri);
	rc = sqlite3_open_v2(uri.buf, out, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
	buf_release(&uri);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(*out, "PRAGMA query_only = 1", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_extended_result_codes(*out, 1);
	sqlite3_busy_timeout(*out, STORE_BUSY_TIMEOUT_MS);
	return SQLITE_OK;
}

static uint32_t get32(const unsigned char *p, int big)
{
	if (big)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* The WAL checksum (docs: sqlite.org/fileformat2.html#walcksm) of n
 * bytes (a multiple of 8), continuing from s[2]. */
static void wal_checksum(const unsigned char *p, size_t n, int big, uint32_t s[2])
{
	for (size_t i = 0; i + 8 <= n; i += 8) {
		s[0] += get32(p + i, big) + s[1];
		s[1] += get32(p + i + 4, big) + s[0];
	}
}

/*
 * Whether PATH-wal holds committed transactions, by the rules SQLite
 * itself reads it with: a valid header, then frames whose salts match it
 * and whose running checksums hold, a frame with a commit size ending a
 * transaction. Returns the number of valid frames up to the last commit
 * (0: none, the log is empty or stale and SQLite would ignore it), or -1
 * when the file exists but cannot be read (errno set).
 */
static int64_t wal_committed_frames(const char *path)
{
	struct buf wal = BUF_INIT;
	unsigned char h[32], fh[24], *page = NULL;
	uint32_t sum[2] = { 0, 0 }, magic, pgsz;
	int64_t frames = 0, committed = 0;
	int big, fd;

	buf_addf(&wal, "%s-wal", path);
	fd = open(wal.buf, O_RDONLY | O_CLOEXEC);
	buf_release(&wal);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (read(fd, h, sizeof(h)) != (ssize_t)sizeof(h))
		goto out;
	magic = get32(h, 1);
	pgsz = get32(h + 8, 1);
	if (pgsz == 1)
		pgsz = 65536;
	if ((magic & ~1u) != 0x377f0682 || get32(h + 4, 1) != 3007000 ||
	    pgsz < 512 || pgsz > 65536 || (pgsz & (pgsz - 1)))
		goto out;
	big = magic & 1;
	wal_checksum(h, 24, big, sum);
	if (sum[0] != get32(h + 24, 1) || sum[1] != get32(h + 28, 1))
		goto out;
	page = xmalloc(pgsz);
	while (read(fd, fh, sizeof(fh)) == (ssize_t)sizeof(fh) && read(fd, page, pgsz) == (ssize_t)pgsz) {
		if (memcmp(fh + 8, h + 16, 8) || get32(fh, 1) == 0)
			break;
		wal_checksum(fh, 8, big, sum);
		wal_checksum(page, pgsz, big, sum);
		if (sum[0] != get32(fh + 16, 1) || sum[1] != get32(fh + 20, 1))
			break;
		frames++;
		if (get32(fh + 4, 1))
			committed = frames;
	}
out:
	free(page);
	close(fd);
	return committed;
}

/* Whether PATH-journal is a rollback journal that is not empty. */
static int hot_journal(const char *path)
{
	struct buf j = BUF_INIT;
	struct stat st;
	int hot;

	buf_addf(&j, "%s-journal", path);
	hot = stat(j.buf, &st) == 0 && st.st_size > 0;
	buf_release(&j);
	return hot;
}

/* Why SQLite could not create PATH-shm/-wal beside path: the file system
 * is read-only, the directory is not writable, or the disk is full; else
 * the error SQLite met (err). */
static void side_file_reason(const char *path, int err, struct buf *why)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
	struct statvfs vfs;

	if (statvfs(dir, &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
		buf_addstr(why, "the file system is mounted read-only");
	else if (access(dir, W_OK))
		buf_addf(why, "its directory is not writable: %s", strerror(errno));
	else if (statvfs(dir, &vfs) == 0 && vfs.f_bavail == 0)
		buf_addstr(why, "the disk is full");
	else
		buf_addstr(why, strerror(err));
	free(dir);
}

/* Reads the schema table once, so that SQLite opens the WAL and its index
 * now rather than at the first query. Returns the SQLite result code. */
static int probe(sqlite3 *db)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_schema", -1, &st, NULL);

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc == SQLITE_ROW)
			return SQLITE_OK;
		return sqlite3_extended_errcode(db);
	}
	return sqlite3_extended_errcode(db);
}

/* Failures that mean "SQLite could not create or map its side files
 * (-shm, -wal) here", not "this file is damaged" nor "someone holds it". */
static int side_file_failure(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_PERM:
		return 1;
	}
	return 0;
}

/*
 * Opens s->path for reading. First as any reader does (mode=ro: shared
 * locks and the WAL index PATH-shm, created when missing). Where that
 * cannot work - read-only media, a read-only directory, a full disk: a
 * WAL store needs PATH-shm and PATH-wal to exist or be creatable - it
 * reopens with immutable=1, which reads the main file alone, without
 * locks. That is exact only when no committed transaction waits in
 * PATH-wal (and no rollback journal beside it needs rolling back), so
 * those cases are refused, saying why, instead of showing an older store.
 */
static int open_readonly(struct store *s)
{
	const char *path = s->path;
	struct buf why = BUF_INIT;
	int rc, sys, ret = -1;
	int64_t frames;

	rc = store_sqlite_open_ro(path, 0, &s->db);
	if (rc != SQLITE_OK) {
		sys = s->db ? sqlite3_system_errno(s->db) : 0;
		return error("cannot open store '%s': %s%s%s%s", path,
			     s->db ? sqlite3_errmsg(s->db) : "out of memory",
			     sys ? " (" : "", sys ? strerror(sys) : "", sys ? ")" : "");
	}
	rc = probe(s->db);
	if (rc == SQLITE_OK || !side_file_failure(rc))
		return 0; /* check_schema reports a file that is not ours */
	sys = sqlite3_system_errno(s->db);
	side_file_reason(path, sys ? sys : EIO, &why);
	if (hot_journal(path)) {
		error("cannot read store '%s' here: the rollback journal '%s-journal' of an interrupted "
		      "write is beside it and cannot be rolled back where nothing can be written (%s); "
		      "open the store once where it can be written", path, path, why.buf);
		goto out;
	}
	frames = wal_committed_frames(path);
	if (frames < 0) {
		error("cannot read store '%s': cannot read its write-ahead log '%s-wal': %s",
		      path, path, strerror(errno));
		goto out;
	}
	if (frames > 0) {
		error("cannot read store '%s' here: its write-ahead log '%s-wal' holds committed "
		      "transactions (%lld frames) that may not be in the store file yet, and SQLite "
		      "cannot read them without creating '%s-shm' (%s); the store file alone could be "
		      "an older store. Copy the store with its -wal to writable storage and open the copy",
		      path, path, (long long)frames, path, why.buf);
		goto out;
	}
	sqlite3_close_v2(s->db);
	s->db = NULL;
	rc = store_sqlite_open_ro(path, 1, &s->db);
	if (rc == SQLITE_OK)
		rc = probe(s->db);
	if (rc != SQLITE_OK) {
		error("cannot read store '%s': %s (%s)", path,
		      s->db ? sqlite3_errmsg(s->db) : "out of memory", why.buf);
		goto out;
	}
	s->immutable = 1;
	ret = 0;
out:
	buf_release(&why);
	return ret;
}

int store_open(struct store *s, const char *path, unsigned flags)
{
	struct stat st;
	int exists;

	if (pg_is_uri(path))
		return pg_store_open(s, path, flags);
	memset(s, 0, sizeof(*s));
	s->path = xstrdup(path);
	s->flags = flags;
	exists = stat(path, &st) == 0;
	if (!exists && !(flags & STORE_CREATE)) {
		error("cannot open store '%s': %s", path, strerror(errno));
		goto fail;
	}
	if (exists && !S_ISREG(st.st_mode)) {
		error("cannot open store '%s': not a regular file", path);
		goto fail;
	}
	if (flags & STORE_READONLY) {
		if (open_readonly(s))
			goto fail;
	} else {
		int64_t dummy;
		int oflags = SQLITE_OPEN_READWRITE | (flags & STORE_CREATE ? SQLITE_OPEN_CREATE : 0);

		if (sqlite3_open_v2(path, &s->db, oflags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
			error("cannot open store '%s': %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
			goto fail;
		}
		sqlite3_extended_result_codes(s->db, 1);
		sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
		if (!exists || st.st_size == 0) {
			/* before anything is written: WAL fixes the page size */
			if (store_exec(s, "PRAGMA page_size = " STRINGIFY(STORE_PAGE_SIZE)))
				goto fail;
			if (pragma_int(s, "PRAGMA journal_mode = WAL", &dummy) < 0) {
				store_error(s, "cannot enable WAL");
				goto fail;
			}
			if (create_schema(s))
				goto fail;
		}
		if (store_exec(s, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
				  "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY"))
			goto fail;
	}
	if (check_schema(s) || sqlfuncs_register(s->db) || upgrade_schema(s) || load_origin(s))
		goto fail;
	return 0;
fail:
	store_close(s);
	return -1;
}

void store_close(struct store *s)
{
	if (s->pg) {
		pg_store_close(s);
		return;
	}
	sqlite3_finalize(s->leaf_hash_stmt);
	sqlite3_finalize(s->leaf_range_stmt);
	sqlite3_finalize(s->node_stmt);
	sqlite3_finalize(s->node_range_stmt);
	if (s->db)
		sqlite3_close_v2(s->db);
	free(s->path);
	free(s->origin);
	memset(s, 0, sizeof(*s));
}

int store_get_meta(struct store *s, const char *key, struct buf *value)
{
	sqlite3_stmt *st;
	int rc, ret;

	if (s->pg)
		return pg_store_get_meta(s, key, value);
	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL) != SQLITE_OK)
		return store_error(s, "cannot read meta");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		buf_reset(value);
		buf_add(value, sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0));
		ret = 1;
	} else if (rc == SQLITE_DONE) {
		ret = 0;
	} else {
		ret = store_error(s, "cannot read meta");
	}
	sqlite3_finalize(st);
	return ret;
}

int store_set_meta(struct store *s, const char *key, const char *value)
{
	sqlite3_stmt *st;
	int ret = 0;

	if (s->pg)
		return pg_store_set_meta(s, key, value);
	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)",
			       -1, &st, NULL) != SQLITE_OK)
		return store_error(s, "cannot write meta");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		ret = store_error(s, "cannot write meta");
	sqlite3_finalize(st);
	return ret;
}

int store_set_origin(struct store *s, const char *origin)
{
	if (store_set_meta(s, "origin", origin))
		return -1;
	free(s->origin);
	s->origin = xstrdup(origin);
	return 0;
}

int64_t store_size(struct store *s)
{
	int64_t n = 0;

	if (s->pg)
		return pg_store_size(s);
	if (pragma_int(s, "SELECT coalesce(max(seq), 0) FROM entries", &n) < 0)
		return store_error(s, "cannot count entries");
	return n;
}

int64_t store_data_version(struct store *s)
{
	int64_t v = -1;

	if (s->pg)
		return pg_store_data_version(s);
	if (pragma_int(s, "PRAGMA data_version", &v) < 0)
		return -1;
	return v;
}

void store_set_progress(struct store *s, int (*fn)(void *ctx), void *ctx, int every)
{
	if (s->pg) {
		pg_store_set_progress(s, fn, ctx);
		return;
	}
	sqlite3_progress_handler(s->db, fn ? every : 0, fn, fn ? ctx : NULL);
}

int store_newest_checkpoint(struct store *s, int64_t *size)
{
	sqlite3_stmt *st;
	int rc, ret = 0;

	if (s->pg)
		return pg_store_newest_checkpoint(s, size);
	if (store_prepare(s, "SELECT max(size) FROM checkpoints", &st))
		return -1;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		ret = store_error(s, "cannot read checkpoints");
	else if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*size = sqlite3_column_int64(st, 0);
		ret = 1;
	}
	sqlite3_finalize(st);
	return ret;
}

static int copy_hash(sqlite3_stmt *st, int col, unsigned char out[HASH_LEN])
{
	if (sqlite3_column_bytes(st, col) != HASH_LEN)
		return -1;
	memcpy(out, sqlite3_column_blob(st, col), HASH_LEN);
	return 0;
}

/* Reads count consecutive hashes at level (0: leaves, else a cached level)
 * starting at idx, into out. Returns 0, or -1 when any is missing. */
static int read_hashes(struct store *s, unsigned level, uint64_t idx, uint64_t count,
		       unsigned char (*out)[HASH_LEN])
{
	sqlite3_stmt *st;
	uint64_t got = 0;
	int rc;

	if (s->pg)
		return pg_store_read_hashes(s, level, idx, count, out);
	if (level == 0) {
		if (!s->leaf_range_stmt && store_prepare(s,
		    "SELECT seq, leaf_hash FROM entries WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq",
		    &s->leaf_range_stmt))
			return -1;
		st = s->leaf_range_stmt;
		sqlite3_bind_int64(st, 1, (sqlite3_int64)idx + 1);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)(idx + count));
	} else {
		if (!s->node_range_stmt && store_prepare(s,
		    "SELECT idx, hash FROM merkle_nodes WHERE level = ?1 AND idx BETWEEN ?2 AND ?3 ORDER BY idx",
		    &s->node_range_stmt))
			return -1;
		st = s->node_range_stmt;
		sqlite3_bind_int(st, 1, (int)level);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)idx);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)(idx + count - 1));
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t at = (uint64_t)sqlite3_column_int64(st, 0) - (level == 0 ? 1 : 0);

		if (at != idx + got || copy_hash(st, 1, out[got]))
			break;
		got++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		store_error(s, "cannot read Merkle hashes");
	sqlite3_reset(st);
	return got == count ? 0 : -1;
}

static int subtree_hash(void *ctx, unsigned level, uint64_t idx, unsigned char out[HASH_LEN])
{
	struct store *s = ctx;
	unsigned base = level - level % STORE_NODE_STRIDE;
	uint64_t count = (uint64_t)1 << (level - base);
	unsigned char hashes[1 << STORE_NODE_STRIDE][HASH_LEN];

	if (level >= 63)
		return -1;
	if (count == 1 && level > 0 && read_hashes(s, level, idx, 1, hashes) == 0) {
		memcpy(out, hashes[0], HASH_LEN);
		return 0;
	}
	if (count == 1 && level > 0) {
		/* not cached (a store written by another program): compute */
		unsigned char l[HASH_LEN], r[HASH_LEN];

		if (subtree_hash(s, level - 1, idx * 2, l) || subtree_hash(s, level - 1, idx * 2 + 1, r))
			return -1;
		merkle_node_hash(l, r, out);
		return 0;
	}
	if (read_hashes(s, base, idx * count, count, hashes)) {
		if (base == 0)
			return error("%s: entries %llu-%llu are missing: cannot hash the Merkle tree",
				     s->path, (unsigned long long)(idx * count + 1),
				     (unsigned long long)((idx + 1) * count));
		for (uint64_t i = 0; i < count; i++)
			if (subtree_hash(s, base, idx * count + i, hashes[i]))
				return -1;
	}
	for (uint64_t n = count; n > 1; n /= 2)
		for (uint64_t i = 0; i < n / 2; i++)
			merkle_node_hash(hashes[2 * i], hashes[2 * i + 1], hashes[i]);
	memcpy(out, hashes[0], HASH_LEN);
	return 0;
}

void store_merkle_source(struct store *s, struct merkle_source *src)
{
	src->subtree = subtree_hash;
	src->ctx = s;
}

int store_root(struct store *s, uint64_t size, unsigned char out[HASH_LEN])
{
	struct merkle_source src;

	store_merkle_source(s, &src);
	if (merkle_root(&src, size, out))
		return error("%s: cannot compute the Merkle root at size %llu (entries missing?)",
			     s->path, (unsigned long long)size);
	return 0;
}

int store_begin(struct store *s)
{
	int rc;

	if (s->pg)
		return pg_store_begin(s);
	rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

	if (rc == SQLITE_OK)
		return 0;
	if ((rc & 0xff) == SQLITE_BUSY)
		return error("%s: store is busy: another process has held its write lock for %d s"
			     "; nothing was written, try again when it is done",
			     s->path, STORE_BUSY_TIMEOUT_MS / 1000);
	return store_error(s, "cannot start writing");
}

int store_commit(struct store *s)
{
	if (s->pg)
		return pg_store_commit(s);
	return store_exec(s, "COMMIT");
}

void store_rollback(struct store *s)
{
	if (s->pg) {
		pg_store_rollback(s);
		return;
	}
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}
