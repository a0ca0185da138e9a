/*
 * casefile.c - the investigator's case file (see casefile.h): one small
 * SQLite file with marks, notes and saved queries. Cost: one indexed
 * statement per call; the file is tiny next to the store.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trailscope/casefile.h"
#include "trailscope/pg_store.h"
#include "trailscope/util.h"
#include "store_row.h"

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS marks ("
	" seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL, marked_at TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS notes ("
	" id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, event_id TEXT NOT NULL,"
	" author TEXT NOT NULL, created_at TEXT NOT NULL, text TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS notes_seq ON notes (seq, id);"
	"CREATE TABLE IF NOT EXISTS queries ("
	" name TEXT PRIMARY KEY, query TEXT NOT NULL, saved_at TEXT NOT NULL);";

int casefile_default_path(const char *store_path, struct buf *out)
{
	if (pg_is_uri(store_path))
		return 1;
	buf_addf(out, "%s.case", store_path);
	return 0;
}

static int db_error(struct casefile *c, const char *what)
{
	return error("%s: %s: %s", c->path, what, c->db ? sqlite3_errmsg(c->db) : "not open");
}

static int exec(struct casefile *c, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		error("%s: %s", c->path, msg ? msg : sqlite3_errmsg(c->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int pragma_int(struct casefile *c, const char *sql, int *out)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_error(c, "not a case file");
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : db_error(c, "not a case file");
}

int casefile_open(struct casefile *c, const char *path, unsigned flags)
{
	int ro = (flags & CASEFILE_READONLY) != 0, appid, version, ntables = 0;
	struct buf sql = BUF_INIT;

	memset(c, 0, sizeof(*c));
	c->path = xstrdup(path);
	c->flags = flags;
	if (ro && access(path, F_OK) && errno == ENOENT)
		return 0;
	if (sqlite3_open_v2(path, &c->db, ro ? SQLITE_OPEN_READONLY :
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		db_error(c, "cannot open case file");
		casefile_close(c);
		return -1;
	}
	sqlite3_busy_timeout(c->db, 2000);
	if (pragma_int(c, "PRAGMA application_id", &appid) ||
	    pragma_int(c, "PRAGMA user_version", &version) ||
	    pragma_int(c, "SELECT count(*) FROM sqlite_master", &ntables))
		goto fail;
	if (appid == 0 && version == 0 && ntables == 0) {
		if (ro)
			return 0;
		buf_addf(&sql, "PRAGMA application_id = %d; PRAGMA user_version = %d; BEGIN; %s COMMIT;",
			 CASEFILE_APPLICATION_ID, CASEFILE_SCHEMA_VERSION, schema);
		if (exec(c, sql.buf))
			goto fail;
	} else if (appid != CASEFILE_APPLICATION_ID) {
		error("%s: not a trailscope case file (application id %#x)", path, (unsigned)appid);
		goto fail;
	} else if (version > CASEFILE_SCHEMA_VERSION) {
		error("%s: case file schema %d is newer than this trailscope (%d)", path, version,
		      CASEFILE_SCHEMA_VERSION);
		goto fail;
	}
	if (ro && exec(c, "PRAGMA query_only = 1"))
		goto fail;
	buf_release(&sql);
	return 0;
fail:
	buf_release(&sql);
	casefile_close(c);
	return -1;
}

void casefile_close(struct casefile *c)
{
	if (c->db)
		sqlite3_close(c->db);
	free(c->path);
	memset(c, 0, sizeof(*c));
}

/* Whether the case has tables to read (a read-only empty case has not). */
static int readable(struct casefile *c)
{
	sqlite3_stmt *st;
	int ok;

	if (!c->db)
		return 0;
	if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM sqlite_master WHERE name = 'marks'", -1, &st,
			       NULL) != SQLITE_OK)
		return 0;
	ok = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return ok;
}

static int writable(struct casefile *c)
{
	if (!c->db || (c->flags & CASEFILE_READONLY))
		return error("%s: case file opened read-only", c->path);
	return 0;
}

static void now_text(char out[32])
{
	time_format(time_now(), out);
}

/* Runs a one-shot write statement with bindings: 'i' int64, 's' text. */
static int run(struct casefile *c, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc;

	if (writable(c))
		return -1;
	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_error(c, "cannot write");
	va_start(ap, types);
	for (int i = 0; types[i]; i++) {
		if (types[i] == 'i')
			sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
		else
			sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
	}
	va_end(ap);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_error(c, "cannot write");
}

int casefile_mark(struct casefile *c, int64_t seq, const char *event_id)
{
	char now[32];

	now_text(now);
	return run(c, "INSERT OR IGNORE INTO marks (seq, event_id, marked_at) VALUES (?1, ?2, ?3)",
		   "iss", seq, event_id ? event_id : "", now);
}

int casefile_unmark(struct casefile *c, int64_t seq)
{
	return run(c, "DELETE FROM marks WHERE seq = ?1", "i", seq);
}

int casefile_is_marked(struct casefile *c, int64_t seq)
{
	sqlite3_stmt *st;
	int rc;

	if (!readable(c))
		return 0;
	if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM marks WHERE seq = ?1", -1, &st, NULL) != SQLITE_OK)
		return db_error(c, "cannot read marks");
	sqlite3_bind_int64(st, 1, seq);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : db_error(c, "cannot read marks");
}

int casefile_toggle_mark(struct casefile *c, int64_t seq, const char *event_id)
{
	int m = casefile_is_marked(c, seq);

	if (m < 0)
		return -1;
	if (m)
		return casefile_unmark(c, seq) ? -1 : 0;
	return casefile_mark(c, seq, event_id) ? -1 : 1;
}

int casefile_marks(struct casefile *c, struct case_marks *out)
{
	sqlite3_stmt *st;
	int rc;

	if (!readable(c))
		return 0;
	if (sqlite3_prepare_v2(c->db, "SELECT seq, event_id, marked_at FROM marks ORDER BY seq", -1, &st,
			       NULL) != SQLITE_OK)
		return db_error(c, "cannot read marks");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct case_mark *m;

		ALLOC_GROW(out->v, out->n + 1, out->alloc);
		m = &out->v[out->n++];
		m->seq = sqlite3_column_int64(st, 0);
		m->event_id = store_col_dup(st, 1);
		m->marked_at = store_col_dup(st, 2);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_error(c, "cannot read marks");
}

void case_marks_release(struct case_marks *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].event_id);
		free(m->v[i].marked_at);
	}
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* Non-empty, valid UTF-8, no control characters but tab and newline. */
static int note_text_ok(const char *s, const char **why)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);

	if (!len) {
		*why = "empty note";
		return 0;
	}
	if (len > CASEFILE_MAX_NOTE) {
		*why = "note too long";
		return 0;
	}
	for (size_t i = 0; i < len;) {
		unsigned c = p[i], n;

		if (c < 0x80) {
			if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
				*why = "control character in note";
				return 0;
			}
			i++;
			continue;
		}
		n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
		if (!n || i + n >= len) {
			*why = "invalid UTF-8 in note";
			return 0;
		}
		for (unsigned k = 1; k <= n; k++)
			if ((p[i + k] & 0xc0) != 0x80) {
				*why = "invalid UTF-8 in note";
				return 0;
			}
		i += n + 1;
	}
	return 1;
}

int64_t casefile_add_note(struct casefile *c, int64_t seq, const char *event_id,
			  const char *author, const char *text)
{
	const char *why;
	char now[32];

	if (!note_text_ok(text, &why))
		return error("%s", why);
	if (!author || !*author)
		author = getenv("USER");
	if (!author || !*author)
		author = "unknown";
	now_text(now);
	if (run(c, "INSERT INTO notes (seq, event_id, author, created_at, text) VALUES (?1, ?2, ?3, ?4, ?5)",
		"issss", seq, event_id ? event_id : "", author, now, text))
		return -1;
	return sqlite3_last_insert_rowid(c->db);
}

int casefile_delete_note(struct casefile *c, int64_t id)
{
	if (run(c, "DELETE FROM notes WHERE id = ?1", "i", id))
		return -1;
	if (!sqlite3_changes(c->db))
		return error("%s: no note %lld", c->path, (long long)id);
	return 0;
}

int casefile_notes(struct casefile *c, int64_t seq, struct case_notes *out)
{
	sqlite3_stmt *st;
	int rc;

	if (!readable(c))
		return 0;
	if (sqlite3_prepare_v2(c->db, "SELECT id, seq, event_id, author, created_at, text FROM notes "
			       "WHERE ?1 = 0 OR seq = ?1 ORDER BY seq, id", -1, &st, NULL) != SQLITE_OK)
		return db_error(c, "cannot read notes");
	sqlite3_bind_int64(st, 1, seq);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct case_note *n;

		ALLOC_GROW(out->v, out->n + 1, out->alloc);
		n = &out->v[out->n++];
		n->id = sqlite3_column_int64(st, 0);
		n->seq = sqlite3_column_int64(st, 1);
		n->event_id = store_col_dup(st, 2);
		n->author = store_col_dup(st, 3);
		n->created_at = store_col_dup(st, 4);
		n->text = store_col_dup(st, 5);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_error(c, "cannot read notes");
}

void case_notes_release(struct case_notes *n)
{
	for (size_t i = 0; i < n->n; i++) {
		free(n->v[i].event_id);
		free(n->v[i].author);
		free(n->v[i].created_at);
		free(n->v[i].text);
	}
	free(n->v);
	memset(n, 0, sizeof(*n));
}

int casefile_save_query(struct casefile *c, const char *name, const char *query)
{
	char now[32];

	if (!*name || !*query)
		return error("a saved query needs a name and a query");
	now_text(now);
	return run(c, "INSERT OR REPLACE INTO queries (name, query, saved_at) VALUES (?1, ?2, ?3)",
		   "sss", name, query, now);
}

int casefile_delete_query(struct casefile *c, const char *name)
{
	return run(c, "DELETE FROM queries WHERE name = ?1", "s", name);
}

int casefile_get_query(struct casefile *c, const char *name, struct buf *out)
{
	sqlite3_stmt *st;
	int rc;

	if (!readable(c))
		return 0;
	if (sqlite3_prepare_v2(c->db, "SELECT query FROM queries WHERE name = ?1", -1, &st, NULL) != SQLITE_OK)
		return db_error(c, "cannot read queries");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		buf_add(out, sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0));
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : db_error(c, "cannot read queries");
}

int casefile_each_query(struct casefile *c, int (*fn)(void *ctx, const char *name, const char *query),
			void *ctx)
{
	sqlite3_stmt *st;
	int rc;

	if (!readable(c))
		return 0;
	if (sqlite3_prepare_v2(c->db, "SELECT name, query FROM queries ORDER BY name", -1, &st, NULL) != SQLITE_OK)
		return db_error(c, "cannot read queries");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(ctx, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1)))
			break;
	sqlite3_finalize(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : db_error(c, "cannot read queries");
}
