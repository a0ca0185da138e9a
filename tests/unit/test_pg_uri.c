/*
 * test_pg_uri.c - recognising a PostgreSQL store operand and printing a
 * libpq URI or conninfo without its password (pg_conn.c).
 */
#include "check.h"
#include "trailscope/buf.h"
#include "trailscope/pg_store.h"

static char shown[512];

static const char *display(const char *uri)
{
	struct buf b = BUF_INIT;

	pg_uri_display(uri, &b);
	snprintf(shown, sizeof(shown), "%s", b.buf);
	buf_release(&b);
	return shown;
}

TEST(recognises_uris)
{
	CHECK(pg_is_uri("postgresql://h/db"));
	CHECK(pg_is_uri("postgres:///db?host=/tmp"));
	CHECK(!pg_is_uri("postgresql:/h/db"));
	CHECK(!pg_is_uri("audit.db"));
	CHECK(!pg_is_uri("./postgresql://x"));
	CHECK(!pg_is_uri("host=h dbname=db"));
}

TEST(drops_the_userinfo_password)
{
	CHECK_STR(display("postgresql://alice:s3cret@db.example:5433/audit"), "postgresql://alice@db.example:5433/audit");
	CHECK_STR(display("postgres://alice:p%40ss:word@h/db"), "postgres://alice@h/db");
	CHECK_STR(display("postgresql://alice:@h/db"), "postgresql://alice@h/db");
	CHECK_STR(display("postgresql://alice@h/db"), "postgresql://alice@h/db");
	CHECK_STR(display("postgresql://h1:5432,h2:5433/db?target_session_attrs=read-write"),
		  "postgresql://h1:5432,h2:5433/db?target_session_attrs=read-write");
	CHECK_STR(display("postgresql://[::1]:5432/db"), "postgresql://[::1]:5432/db");
}

TEST(drops_password_parameters)
{
	CHECK_STR(display("postgresql:///db?host=/run/pg&password=s3cret&sslmode=require"),
		  "postgresql:///db?host=/run/pg&sslmode=require");
	CHECK_STR(display("postgresql:///db?password=s3cret"), "postgresql:///db");
	CHECK_STR(display("postgresql:///db?%70assword=s3cret&application_name=x"),
		  "postgresql:///db?application_name=x");
	CHECK_STR(display("postgresql://u:a@h/db?password=b"), "postgresql://u@h/db");
	/* an '@' in the query is not userinfo */
	CHECK_STR(display("postgresql://h/db?application_name=a:b@c"), "postgresql://h/db?application_name=a:b@c");
}

TEST(conninfo_without_password)
{
	CHECK_STR(display("host=h dbname=audit password=s3cret user=alice"),
		  "user='alice' dbname='audit' host='h'");
	CHECK_STR(display("host='bad"), "(a connection string that does not parse)");
}

TEST(libpq_reads_userinfo_to_the_first_at)
{
	/* an unencoded '@' in a password: everything up to the last '@' goes */
	CHECK_STR(display("postgresql://u:p@ss@h/db"), "postgresql://u@h/db");
}

int main(void)
{
	RUN(recognises_uris);
	RUN(drops_the_userinfo_password);
	RUN(drops_password_parameters);
	RUN(conninfo_without_password);
	RUN(libpq_reads_userinfo_to_the_first_at);
	return CHECK_DONE();
}
