/*
 * test_formats.c - the platform source formats against the real samples
 * in $SHARED/samples and the crafted cases in testdata/formats: event
 * counts and fields, stage de-duplication, impersonation, the state
 * before from the previous event, gzip, epoch units, JSON Pointers, the
 * document splitter's positions, and mapping errors.
 */
#include <dirent.h>
#include <errno.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check.h"
#include "trailscope/format_util.h"
#include "trailscope/formats.h"
#include "trailscope/jcs.h"
#include "trailscope/util.h"

/* A sink that keeps everything, and answers previous_state from what it
 * was given, like the importer does within one transaction. */
struct collect {
	struct event **ev;
	size_t n, alloc;
	char *bad[16];
	long bad_line[16], bad_index[16];
	int bad_col[16];
	size_t nbad;
	int stop_on_bad;
};

static int c_emit(void *ctx, struct event *ev)
{
	struct collect *c = ctx;

	ALLOC_GROW(c->ev, c->n + 1, c->alloc);
	c->ev[c->n++] = ev;
	return 0;
}

static int c_bad(void *ctx, long line, int col, long index, const char *why)
{
	struct collect *c = ctx;

	if (c->nbad < 16) {
		c->bad[c->nbad] = xstrdup(why);
		c->bad_line[c->nbad] = line;
		c->bad_col[c->nbad] = col;
		c->bad_index[c->nbad] = index;
	}
	c->nbad++;
	return c->stop_on_bad ? -1 : 0;
}

static json_t *c_prev(void *ctx, const char *kind, const char *key, const char *env)
{
	struct collect *c = ctx;

	for (size_t i = c->n; i-- > 0;)
		if (!strcmp(c->ev[i]->target_kind, kind) && !strcmp(c->ev[i]->target_key, key) &&
		    !strcmp(c->ev[i]->environment, env))
			return c->ev[i]->after ? json_incref(c->ev[i]->after) : NULL;
	return NULL;
}

static void collect_reset(struct collect *c)
{
	for (size_t i = 0; i < c->n; i++) {
		event_release(c->ev[i]);
		free(c->ev[i]);
	}
	free(c->ev);
	for (size_t i = 0; i < c->nbad && i < 16; i++)
		free(c->bad[i]);
	memset(c, 0, sizeof(*c));
}

/* Reads path with format name (NULL: detect) into c; returns read()'s result. */
static int run_file(const char *name, const char *path, int include_reads, const char *map,
		    struct collect *c)
{
	char head[65537];
	size_t hlen = 0;
	struct format_options opt = { .include_reads = include_reads, .map_file = map };
	struct record_sink sink = { c_emit, c_bad, c_prev, c, NULL };
	const struct format_ops *fmt;
	FILE *f = format_open(path, head, sizeof(head) - 1, &hlen);
	int rc;

	if (!f) {
		fprintf(stderr, "  cannot open %s\n", path);
		return -2;
	}
	fmt = name ? format_find(name) : format_detect(head, hlen);
	if (!fmt) {
		fclose(f);
		return -3;
	}
	rc = fmt->read(f, path, &opt, &sink);
	fclose(f);
	return rc;
}

static int run_text(const char *name, const char *text, struct collect *c)
{
	struct format_options opt = { .map_file = NULL };
	struct record_sink sink = { c_emit, c_bad, c_prev, c, NULL };
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc = format_find(name)->read(f, "mem", &opt, &sink);

	fclose(f);
	return rc;
}

/* A detection case: the head of a file and the format it is (or "(none)"). */
struct detect_case {
	const char *head, *want;
};

static void check_detection(const struct detect_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct format_ops *f = format_detect(cases[i].head, strlen(cases[i].head));

		CHECK_STR(f ? f->name : "(none)", cases[i].want);
	}
}

/* c saw exactly one bad record: why, at line and col (col 0: not
 * checked). at is the caller's line, named when a check fails. */
static void expect_one_bad(const struct collect *c, const char *why, long line, int col, int at)
{
	int failed = check_case_failed;

	check_case_failed = 0;
	CHECK_INT(c->nbad, 1);
	if (c->nbad) {
		CHECK_STR(c->bad[0], why);
		CHECK_INT(c->bad_line[0], line);
		if (col)
			CHECK_INT(c->bad_col[0], col);
	}
	if (check_case_failed)
		fprintf(stderr, "  (the bad record expected at %s:%d)\n", __FILE__, at);
	check_case_failed |= failed;
}

static char *sample(const char *rel)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s/samples/%s", shared_dir(), rel);
	return buf_detach(&b, NULL);
}

static const char *ctx_str(const struct event *ev, const char *name)
{
	return json_string_value(json_object_get(ev->context, name));
}

/* ---- Kubernetes ---- */

TEST(k8s_stages_dedup_and_states)
{
	struct collect c = { 0 };

	CHECK_INT(run_file("k8s", "testdata/formats/k8s-stages.jsonl", 0, NULL, &c), 0);
	CHECK_INT(c.nbad, 0);
	CHECK_INT(c.n, 6);   /* 10 lines: 3 extra stages, 1 get */
	if (c.n != 6)
		goto out;
	/* A: kept at ResponseComplete (line 3), created from nothing */
	CHECK_STR(c.ev[0]->event_id, "aaaaaaaa-0000-0000-0000-000000000001");
	CHECK_STR(ctx_str(c.ev[0], "stage"), "ResponseComplete");
	CHECK_INT(json_integer_value(json_object_get(c.ev[0]->source, "line")), 3);
	CHECK_STR(c.ev[0]->ts_source, "2026-03-01T10:00:00.123456Z");
	CHECK_INT(c.ev[0]->ts, 1772359200123456LL);
	CHECK_STR(c.ev[0]->target_kind, "configmaps");
	CHECK_STR(c.ev[0]->target_key, "shop/checkout");
	CHECK_STR(c.ev[0]->environment, "");
	CHECK_INT(c.ev[0]->before_known, 1);
	CHECK(c.ev[0]->before == NULL);
	CHECK_STR(ctx_str(c.ev[0], "user_agent"), "kubectl/v1.29.0");
	CHECK_STR(ctx_str(c.ev[0], "source_ip"), "10.0.0.5");
	CHECK_INT(json_array_size(json_object_get(c.ev[0]->context, "groups")), 2);
	/* the raw text is the line, verbatim */
	CHECK(c.ev[0]->raw_len > 100 && !strncmp(c.ev[0]->raw, "{\"kind\":\"Event\"", 15));
	/* D: update, state before from A */
	CHECK_STR(c.ev[1]->action, "update");
	CHECK_INT(c.ev[1]->before_known, 1);
	CHECK_STR(fmt_str_path(c.ev[1]->before, "data", "new_flow", (const char *)NULL), "off");
	CHECK_STR(fmt_str_path(c.ev[1]->after, "data", "new_flow", (const char *)NULL), "on");
	/* E: impersonation */
	CHECK_STR(c.ev[2]->actor_id, "ci-admin");
	CHECK_STR(c.ev[2]->actor_auth, "impersonation");
	CHECK_STR(c.ev[2]->actor_name, "ci-admin (as system:serviceaccount:shop:deployer)");
	CHECK_STR(fmt_str_path(c.ev[2]->context, "impersonated_user", "username", (const char *)NULL),
		  "system:serviceaccount:shop:deployer");
	CHECK_STR(fmt_str_path(c.ev[2]->before, "data", "new_flow", (const char *)NULL), "on");
	/* F: delete, before known, nothing after */
	CHECK_STR(c.ev[3]->action, "delete");
	CHECK_INT(c.ev[3]->before_known, 1);
	CHECK(c.ev[3]->before != NULL && c.ev[3]->after == NULL);
	/* G: a forbidden create is a failed attempt with no state invented */
	CHECK(json_is_true(json_object_get(c.ev[4]->context, "failed")));
	CHECK_INT(c.ev[4]->before_known, 0);
	CHECK(c.ev[4]->after == NULL);
	/* B: never completed; kept at its latest stage, at the end */
	CHECK_STR(c.ev[5]->event_id, "aaaaaaaa-0000-0000-0000-000000000002");
	CHECK_STR(ctx_str(c.ev[5], "stage"), "ResponseStarted");
	CHECK_STR(c.ev[5]->target_kind, "pods/exec");
	CHECK_INT(json_integer_value(json_object_get(c.ev[5]->source, "line")), 4);
out:
	collect_reset(&c);
	CHECK_INT(run_file("k8s", "testdata/formats/k8s-stages.jsonl", 1, NULL, &c), 0);
	CHECK_INT(c.n, 7);   /* with the get */
	collect_reset(&c);
}

TEST(k8s_eventlist_and_service_accounts)
{
	struct collect c = { 0 };

	CHECK_INT(run_file(NULL, "testdata/formats/k8s-eventlist.json", 0, NULL, &c), 0);
	CHECK_INT(c.n, 2);
	if (c.n == 2) {
		CHECK_STR(c.ev[0]->target_key, "payments");
		CHECK_INT(json_integer_value(json_object_get(c.ev[1]->source, "index")), 1);
		CHECK_INT(json_integer_value(json_object_get(c.ev[1]->source, "line")), 7);
		CHECK_STR(c.ev[1]->actor_type, "service");
		CHECK_STR(c.ev[0]->actor_type, "user");
		/* raw is the member's original bytes */
		CHECK(!strncmp(c.ev[1]->raw, "{\"kind\":\"Event\"", 15) &&
		      c.ev[1]->raw[c.ev[1]->raw_len - 1] == '}');
	}
	collect_reset(&c);
}

/* Kubernetes system: users: service accounts, nodes and control-plane
 * components are services; system:admin a user; other system: names and
 * system:anonymous unknown */
TEST(k8s_system_users)
{
	static const char *const users[][2] = {
		{ "system:serviceaccount:shop:deployer", "service" },
		{ "system:node:worker-1", "service" },
		{ "system:kube-controller-manager", "service" },
		{ "system:kube-scheduler", "service" },
		{ "system:apiserver", "service" },
		{ "system:admin", "user" },
		{ "system:anonymous", "unknown" },
		{ "system:volume-scheduler", "unknown" },
		{ "alice@example.com", "user" },
	};
	char path[] = "/tmp/tstest-k8s-users-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	struct collect c = { 0 };

	CHECK(f != NULL);
	if (!f)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(users); i++)
		fprintf(f, "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\","
			"\"auditID\":\"u-%zu\",\"stage\":\"ResponseComplete\",\"requestURI\":\"/api/v1/namespaces/a/configmaps/x\","
			"\"verb\":\"update\",\"user\":{\"username\":\"%s\"},\"objectRef\":{\"resource\":\"configmaps\","
			"\"namespace\":\"a\",\"name\":\"x\"},\"responseStatus\":{\"code\":200},"
			"\"requestReceivedTimestamp\":\"2026-03-01T10:00:0%zuZ\",\"stageTimestamp\":\"2026-03-01T10:00:0%zuZ\"}\n",
			i, users[i][0], i, i);
	fclose(f);
	CHECK_INT(run_file("k8s", path, 0, NULL, &c), 0);
	CHECK_INT(c.n, (int)ARRAY_SIZE(users));
	for (size_t i = 0; i < c.n && i < ARRAY_SIZE(users); i++) {
		CHECK_STR(c.ev[i]->actor_id, users[i][0]);
		CHECK_STR(c.ev[i]->actor_type, users[i][1]);
	}
	collect_reset(&c);
	unlink(path);
}

TEST(k8s_gzip)
{
	char path[] = "/tmp/tstest-k8s-XXXXXX";
	size_t len;
	char *text = read_file("testdata/formats/k8s-stages.jsonl", 1 << 20, &len);
	int fd = mkstemp(path);
	gzFile gz = fd >= 0 ? gzdopen(fd, "wb") : NULL;
	struct collect c = { 0 };

	CHECK(text && gz);
	if (!text || !gz)
		return;
	gzwrite(gz, text, (unsigned)len);
	gzclose(gz);
	CHECK_INT(run_file(NULL, path, 0, NULL, &c), 0);   /* detected through gzip */
	CHECK_INT(c.n, 6);
	collect_reset(&c);
	unlink(path);
	free(text);
}

/* Reads all of path through format_open into out; returns 0, or the
 * errno of a failed read (EBADMSG: bad gzip, message in last_error()). */
static int read_through(const char *path, struct buf *out)
{
	char head[65], chunk[4096];
	size_t hlen = 0, k;
	FILE *f = format_open(path, head, 64, &hlen);
	int rc = 0;

	if (!f)
		return errno ? errno : -1;
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(out, chunk, k);
	if (ferror(f))
		rc = errno;
	fclose(f);
	return rc;
}

static void write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f) {
		fwrite(data, 1, len, f);
		fclose(f);
	}
}

/* A gzip stream cut at any byte, with a bad trailer, or followed by other
 * bytes fails with the byte offset; what was read before is a prefix. */
TEST(gzip_damage)
{
	char path[] = "/tmp/tstest-gz-XXXXXX";
	size_t len, glen;
	char *text = read_file("testdata/formats/k8s-stages.jsonl", 1 << 20, &len);
	unsigned char *gz;
	z_stream zs = { 0 };
	struct buf out = BUF_INIT, want = BUF_INIT;
	int fd = mkstemp(path), bad = 0;

	CHECK(text && fd >= 0);
	if (!text || fd < 0)
		return;
	close(fd);
	gz = xmalloc(len + 1024);
	CHECK(deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
	zs.next_in = (unsigned char *)text;
	zs.avail_in = (uInt)len;
	zs.next_out = gz;
	zs.avail_out = (uInt)(len + 1024);
	CHECK(deflate(&zs, Z_FINISH) == Z_STREAM_END);
	glen = zs.total_out;
	deflateEnd(&zs);
	set_error_quiet(1);

	write_bytes(path, gz, glen);
	CHECK_INT(read_through(path, &out), 0);
	CHECK(out.len == len && !memcmp(out.buf, text, len));
	for (size_t n = 2; n < glen; n++) {
		int rc;

		buf_reset(&out);
		buf_reset(&want);
		buf_addf(&want, "byte offset %zu: truncated gzip stream", n);
		write_bytes(path, gz, n);
		rc = read_through(path, &out);
		if (rc != EBADMSG || !strstr(last_error(), want.buf) || out.len > len ||
		    memcmp(out.buf ? out.buf : "", text, out.len)) {
			if (!bad++)
				fprintf(stderr, "  cut at %zu: errno %d, \"%s\"\n", n, rc, last_error());
		}
	}
	CHECK_INT(bad, 0);
	/* a flipped bit in the CRC-32, then in the length */
	for (size_t at = 8; at >= 4; at -= 4) {
		gz[glen - at] ^= 1;
		write_bytes(path, gz, glen);
		buf_reset(&out);
		buf_reset(&want);
		buf_addf(&want, "byte offset %zu: bad gzip %s", glen - at, at == 8 ? "CRC-32" : "length");
		CHECK_INT(read_through(path, &out), EBADMSG);
		CHECK(strstr(last_error(), want.buf) != NULL);
		CHECK(out.len == len);       /* the data came before the trailer */
		gz[glen - at] ^= 1;
	}
	/* two members are one stream; anything else after the end is not */
	memcpy(gz + glen, gz, glen);
	write_bytes(path, gz, 2 * glen);
	buf_reset(&out);
	CHECK_INT(read_through(path, &out), 0);
	CHECK_INT(out.len, 2 * len);
	memcpy(gz + glen, "\n", 1);
	write_bytes(path, gz, glen + 1);
	buf_reset(&out);
	buf_reset(&want);
	buf_addf(&want, "byte offset %zu: data after the end of the gzip stream", glen);
	CHECK_INT(read_through(path, &out), EBADMSG);
	CHECK(strstr(last_error(), want.buf) != NULL);
	/* a directory */
	buf_reset(&out);
	CHECK_INT(read_through("/tmp", &out), EISDIR);
	set_error_quiet(0);
	unlink(path);
	free(gz);
	free(text);
	buf_release(&out);
	buf_release(&want);
}

TEST(k8s_samples)
{
	char *dir = sample("k8s-falco");
	DIR *d = opendir(dir);
	struct dirent *de;
	struct collect c = { 0 };
	size_t files = 0, bad_files = 0, events = 0;
	int found_sa = 0, found_v1beta1_create = 0;

	CHECK(d != NULL);
	if (!d) {
		free(dir);
		return;
	}
	while ((de = readdir(d))) {
		struct buf p = BUF_INIT;
		int rc;

		if (!strstr(de->d_name, ".json"))
			continue;
		buf_addf(&p, "%s/%s", dir, de->d_name);
		rc = run_file("k8s", p.buf, 0, NULL, &c);
		files++;
		if (!strcmp(de->d_name, "fal_01_003.json")) {
			CHECK_INT(c.nbad, 1);
			CHECK(c.nbad && strstr(c.bad[0], "\"kind\" is not \"Event\""));
			bad_files++;
		} else {
			CHECK_INT(rc, 0);
			if (c.nbad)
				fprintf(stderr, "  %s: %s\n", de->d_name, c.bad[0]);
			CHECK_INT(c.nbad, 0);
		}
		for (size_t i = 0; i < c.n; i++) {
			CHECK(c.ev[i]->event_id && *c.ev[i]->event_id && c.ev[i]->ts > 0);
			if (!strcmp(c.ev[i]->actor_id, "system:serviceaccount:kube-system:replicaset-controller")) {
				found_sa++;
				CHECK_STR(c.ev[i]->actor_type, "service");
				CHECK_STR(c.ev[i]->target_kind, "pods");
			}
			if (!strcmp(de->d_name, "anonymous_creates_namespace_foo.json")) {
				found_v1beta1_create = 1;
				CHECK_STR(c.ev[i]->actor_id, "system:anonymous");
				CHECK_STR(c.ev[i]->target_key, "foo");
				CHECK_STR(c.ev[i]->ts_source, "2018-10-25T13:58:49.730588Z");
				CHECK_STR(ctx_str(c.ev[i], "state_from"), "requestObject");
			}
			if (!strcmp(de->d_name, "create_nginx_pod_unsensitive_mount.json"))
				CHECK(!"a get was not skipped");
		}
		events += c.n;
		collect_reset(&c);
		buf_release(&p);
	}
	closedir(d);
	free(dir);
	CHECK_INT(files, 47);
	CHECK_INT(bad_files, 1);
	CHECK_INT(events, 50);   /* 51 records, one a read-only get */
	CHECK_INT(found_sa, 10);
	CHECK(found_v1beta1_create);
}

/* ---- CloudTrail ---- */

TEST(cloudtrail_samples)
{
	static const struct {
		const char *file;
		size_t events;
		const char *action, *kind, *key;
	} want[] = {
		{ "01-ec2-StartInstances.json", 1, "ec2.amazonaws.com:StartInstances", "AWS::EC2::Instance", "i-ebeaf9e2" },
		{ "02-ec2-StopInstances.json", 1, "ec2.amazonaws.com:StopInstances", "AWS::EC2::Instance", "i-ebeaf9e2" },
		{ "03-ec2-CreateKeyPair-console-backend.json", 1, "ec2.amazonaws.com:CreateKeyPair", "AWS::EC2::KeyPair", "mykeypair" },
		{ "04-iam-CreateUser.json", 1, "iam.amazonaws.com:CreateUser", "AWS::IAM::User", "Bob" },
		{ "05-iam-AddUserToGroup.json", 1, "iam.amazonaws.com:AddUserToGroup", "AWS::IAM::User", "Bob" },
		{ "07-cloudtrail-UpdateTrail-errorCode.json", 1, "cloudtrail.amazonaws.com:UpdateTrail", "cloudtrail", "myTrail2" },
		{ "08-insights-event-pair.json", 2, "insight:ApiCallRateInsight:Start", "api", "ssm.amazonaws.com:UpdateInstanceInformation" },
	};
	struct collect c = { 0 };

	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		struct buf rel = BUF_INIT;
		char *path;

		buf_addf(&rel, "cloudtrail/%s", want[i].file);
		path = sample(rel.buf);
		CHECK_INT(run_file(NULL, path, 0, NULL, &c), 0);
		CHECK_INT(c.nbad, 0);
		CHECK_INT(c.n, want[i].events);
		if (c.n) {
			const struct event *ev = c.ev[0];
			size_t len;
			char *text = read_file(path, 1 << 20, &len);

			CHECK_STR(ev->action, want[i].action);
			CHECK_STR(ev->target_kind, want[i].kind);
			CHECK_STR(ev->target_key, want[i].key);
			CHECK_INT(ev->before_known, 0);
			CHECK_INT(json_integer_value(json_object_get(ev->source, "index")), 0);
			/* raw is a verbatim slice of the file */
			CHECK(text && memmem(text, len, ev->raw, ev->raw_len) != NULL);
			CHECK(ev->raw[0] == '{' && ev->raw[ev->raw_len - 1] == '}');
			free(text);
		}
		collect_reset(&c);
		free(path);
		buf_release(&rel);
	}

	/* fields of 01 */
	{
		char *path = sample("cloudtrail/01-ec2-StartInstances.json");

		run_file("cloudtrail", path, 0, NULL, &c);
		if (c.n == 1) {
			const struct event *ev = c.ev[0];

			CHECK_STR(ev->actor_id, "arn:aws:iam::123456789012:user/Alice");
			CHECK_STR(ev->actor_name, "Alice");
			CHECK_STR(ev->actor_type, "user");
			CHECK_STR(ev->environment, "123456789012/us-east-2");
			CHECK_STR(ev->ts_source, "2014-03-06T21:22:54Z");
			CHECK_INT(ev->ts, 1394140974000000LL);
			CHECK(!strncmp(ev->event_id, "sha256:", 7));   /* no eventID in 2014 */
			CHECK(json_is_object(json_object_get(ev->context, "response_elements")));
			CHECK(json_is_object(ev->after));
		}
		collect_reset(&c);
		free(path);
	}
	/* 07: a failed attempt */
	{
		char *path = sample("cloudtrail/07-cloudtrail-UpdateTrail-errorCode.json");

		run_file("cloudtrail", path, 0, NULL, &c);
		if (c.n == 1) {
			CHECK(json_is_true(json_object_get(c.ev[0]->context, "failed")));
			CHECK_STR(ctx_str(c.ev[0], "error_code"), "TrailNotFoundException");
			CHECK_STR(ctx_str(c.ev[0], "correlation_id"), "5d40662a-49f7-11e6-97e4-d9cb6ff7d6a3");
			CHECK_STR(c.ev[0]->event_id, "b7d4398e-b2f0-4faa-9c76-e2d316a8d67f");
			CHECK(c.ev[0]->after == NULL);
		}
		collect_reset(&c);
		free(path);
	}
	/* 08: two Insights records, the second at index 1 */
	{
		char *path = sample("cloudtrail/08-insights-event-pair.json");

		run_file("cloudtrail", path, 0, NULL, &c);
		if (c.n == 2) {
			CHECK_STR(c.ev[1]->action, "insight:ApiCallRateInsight:End");
			CHECK_STR(c.ev[1]->actor_type, "service");
			CHECK_STR(c.ev[1]->environment, "123456789012/us-east-1");
			CHECK_INT(json_integer_value(json_object_get(c.ev[1]->source, "index")), 1);
			CHECK_INT(json_integer_value(json_object_get(c.ev[1]->source, "line")), 29);
			CHECK_STR(ctx_str(c.ev[1], "correlation_id"), "EXAMPLE2-1729-42f1-b735-5d8c0EXAMPLE");
		}
		collect_reset(&c);
		free(path);
	}
}

TEST(cloudtrail_invalid_sample)
{
	char *path = sample("cloudtrail/06-iam-CreateRole.INVALID-json-control-char.json");
	struct collect c = { 0 };

	c.stop_on_bad = 1;
	CHECK_INT(run_file(NULL, path, 0, NULL, &c), -1);
	CHECK_INT(c.n, 0);
	CHECK_INT(c.nbad, 1);
	if (c.nbad) {
		CHECK_INT(c.bad_line[0], 19);
		CHECK_INT(c.bad_col[0], 124);
		CHECK_INT(c.bad_index[0], 0);
		CHECK(strstr(c.bad[0], "newline") != NULL);
	}
	collect_reset(&c);
	free(path);
}

TEST(cloudtrail_lookup_events)
{
	struct collect c = { 0 };

	CHECK_INT(run_file(NULL, "testdata/formats/cloudtrail-lookup.jsonl", 0, NULL, &c), 0);
	CHECK_INT(c.n, 1);   /* the second is ReadOnly */
	if (c.n == 1) {
		const struct event *ev = c.ev[0];

		CHECK_STR(ev->event_id, "c0ffee00-0000-4000-8000-000000000001");
		CHECK_STR(ev->action, "s3.amazonaws.com:PutBucketPolicy");
		CHECK_STR(ev->target_kind, "AWS::S3::Bucket");
		CHECK_STR(ev->target_key, "arn:aws:s3:::audit-logs");
		CHECK_STR(ev->actor_type, "user");   /* an SSO session */
		CHECK_STR(ev->actor_auth, "mfa");
		CHECK_STR(ev->actor_name, "AWSReservedSSO_Admin_abc/jane@example.com");
		CHECK_STR(ctx_str(ev, "session_issuer"), "arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_abc");
		CHECK_STR(ev->environment, "111122223333/eu-west-1");
		CHECK(!strncmp(ev->raw, "{\"EventId\"", 10));   /* the line, verbatim */
	}
	collect_reset(&c);
	CHECK_INT(run_file("cloudtrail", "testdata/formats/cloudtrail-lookup.jsonl", 1, NULL, &c), 0);
	CHECK_INT(c.n, 2);
	collect_reset(&c);
}

/* ---- LaunchDarkly ---- */

TEST(launchdarkly_samples)
{
	static const char *const files[] = {
		"member/update.json", "environment/create.json", "environment/update.json",
		"environment/delete.json", "flag/update-all-environments.json", "flag/create.json",
		"flag/archive.json", "flag/targeting-rule-update.json", "flag/toggle.json",
		"flag/copy.json", "project/create.json", "project/update.json", "project/delete.json",
		"other/metric.create.json", "other/segment.create.json", "other/segment.update.json",
		"other/webhook.enable.json",
	};
	struct collect c = { 0 };

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		struct buf rel = BUF_INIT;
		char *path;

		buf_addf(&rel, "launchdarkly/%s", files[i]);
		path = sample(rel.buf);
		CHECK_INT(run_file(NULL, path, 0, NULL, &c), 0);
		CHECK_INT(c.n, 1);
		CHECK_INT(c.nbad, 0);
		if (c.n == 1) {
			const struct event *ev = c.ev[0];

			CHECK_STR(ev->actor_id, "testing@launchdarkly.com");
			CHECK_STR(ev->actor_type, "user");
			CHECK_STR(json_string_value(json_object_get(ev->source, "format")), "launchdarkly");
			if (!strcmp(files[i], "flag/toggle.json")) {
				CHECK_STR(ev->event_id, "5e38bf6706121d8aaf15392a");
				CHECK_STR(ev->action, "updateOn");
				CHECK_STR(ev->target_kind, "flag");
				CHECK_STR(ev->target_key, "demo-flag");
				CHECK_STR(ev->environment, "production");
				CHECK_STR(ev->actor_name, "Henrietta Powell");
				CHECK_STR(ctx_str(ev, "reason"), "Do it live!");
				CHECK_INT(ev->ts, 1580777319650000LL);
				CHECK_STR(ev->ts_source, "1580777319650");
			}
			if (!strcmp(files[i], "flag/create.json"))
				CHECK_STR(ev->environment, "");   /* "~": every environment */
			if (!strcmp(files[i], "other/segment.update.json")) {
				CHECK_STR(ev->target_kind, "segment");
				CHECK_STR(ev->target_key, "new-segment");
			}
			if (!strcmp(files[i], "member/update.json")) {
				CHECK_STR(ev->target_kind, "member");
				CHECK_STR(ev->target_key, "6241dc4740fba70b235672b5");
			}
			if (!strcmp(files[i], "other/metric.create.json"))
				CHECK_STR(ctx_str(ev, "time_conflict"), "2020-02-04T00:56:18Z");
			else
				CHECK(ctx_str(ev, "time_conflict") == NULL);
		}
		collect_reset(&c);
		free(path);
		buf_release(&rel);
	}
}

TEST(launchdarkly_rest_items)
{
	struct collect c = { 0 };

	CHECK_INT(run_file(NULL, "testdata/formats/ld-items.json", 0, NULL, &c), 0);
	CHECK_INT(c.n, 2);
	if (c.n == 2) {
		CHECK_STR(c.ev[0]->target_key, "new-checkout");
		CHECK_STR(c.ev[0]->environment, "production");
		CHECK_STR(c.ev[0]->action, "updateFallthrough");
		CHECK_STR(c.ev[0]->actor_name, "Ariel Flores");
		CHECK_STR(ctx_str(c.ev[0], "project"), "shop");
		CHECK_INT(c.ev[0]->before_known, 1);
		CHECK_INT(c.ev[0]->ts, 1772539200123000LL);
		CHECK_STR(c.ev[1]->actor_id, "token:t1");
		CHECK_STR(c.ev[1]->actor_type, "service");
		CHECK_STR(c.ev[1]->actor_auth, "token");
		CHECK(json_is_false(json_object_get(c.ev[1]->after, "on")));
		CHECK_INT(json_integer_value(json_object_get(c.ev[1]->source, "index")), 1);
	}
	collect_reset(&c);
}

/* ---- Unleash ---- */

TEST(unleash_export)
{
	struct collect c = { 0 };

	CHECK_INT(run_file(NULL, "testdata/formats/unleash-export.json", 0, NULL, &c), 0);
	CHECK_INT(c.n, 4);
	if (c.n == 4) {
		CHECK_STR(c.ev[0]->event_id, "unleash:101");
		CHECK_STR(c.ev[0]->action, "feature-created");
		CHECK_INT(c.ev[0]->before_known, 1);
		CHECK_STR(c.ev[1]->environment, "production");
		CHECK(json_is_true(json_object_get(c.ev[1]->after, "enabled")));
		CHECK_INT(c.ev[1]->before_known, 0);
		CHECK_STR(c.ev[2]->actor_type, "service");
		CHECK_STR(fmt_str_path(c.ev[2]->before, "parameters", "rollout", (const char *)NULL), "10");
		CHECK_STR(c.ev[2]->ts_source, "2026-03-04T08:10:00.500Z");
		CHECK_STR(c.ev[3]->target_kind, "segment");
		CHECK_STR(c.ev[3]->target_key, "beta-testers");
	}
	collect_reset(&c);
}

/* ---- mapped JSON ---- */

TEST(map_epoch_units)
{
	static const struct {
		const char *unit;
		long long ts0;
	} want[] = {
		{ "s", 1772611200000000LL }, { "ms", 1772611200123000LL },
		{ "us", 1772611200123456LL }, { "ns", 1772611200123457LL },
	};
	struct collect c = { 0 };

	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		struct buf map = BUF_INIT, data = BUF_INIT;

		buf_addf(&map, "testdata/formats/map-epoch-%s.json", want[i].unit);
		buf_addf(&data, "testdata/formats/epoch-%s.jsonl", want[i].unit);
		CHECK_INT(run_file("map", data.buf, 0, map.buf, &c), 0);
		CHECK(c.n >= 1);
		if (c.n >= 1)
			CHECK_INT(c.ev[0]->ts, want[i].ts0);
		if (c.n == 2)   /* nanoseconds as a number, exactly representable */
			CHECK_INT(c.ev[1]->ts, 1772611200123456LL);
		collect_reset(&c);
		buf_release(&map);
		buf_release(&data);
	}
}

TEST(map_fields_and_errors)
{
	struct collect c = { 0 };

	CHECK_INT(run_file("map", "testdata/formats/map-app.jsonl", 0, "testdata/formats/map-app.json", &c), 0);
	CHECK_INT(c.n, 2);
	if (c.n == 2) {
		CHECK_STR(c.ev[0]->event_id, "app-1");
		CHECK_STR(c.ev[0]->actor_name, "Kim");
		CHECK_STR(c.ev[0]->target_kind, "flag");
		CHECK_STR(c.ev[0]->target_key, "search-v2");
		CHECK_STR(c.ev[0]->environment, "staging");
		CHECK_STR(ctx_str(c.ev[0], "ticket"), "OPS-7");
		CHECK_STR(ctx_str(c.ev[0], "reason"), "QA sign-off");
		CHECK_INT(c.ev[0]->before_known, 1);
		CHECK_INT(c.ev[1]->before_known, 0);   /* /change/old absent */
		CHECK_STR(c.ev[1]->actor_type, "service");
	}
	collect_reset(&c);
	c.stop_on_bad = 1;
	CHECK_INT(run_file("map", "testdata/formats/map-missing-actor.jsonl", 0,
			   "testdata/formats/map-app.json", &c), -1);
	CHECK_INT(c.n, 1);
	expect_one_bad(&c, "nothing at \"/who/email\" (actor_id)", 2, 0, __LINE__);
	collect_reset(&c);
	set_error_quiet(1);
	CHECK_INT(run_file("map", "testdata/formats/map-app.jsonl", 0, "testdata/formats/map-bad-field.json", &c), -2);
	CHECK(strstr(last_error(), "unknown field \"actor\""));
	CHECK_INT(run_file("map", "testdata/formats/map-app.jsonl", 0, "testdata/formats/map-bad-pointer.json", &c), -2);
	CHECK(strstr(last_error(), "must be empty or start with '/'"));
	CHECK_INT(run_file("map", "testdata/formats/map-app.jsonl", 0, "testdata/formats/map-bad-json.json", &c), -2);
	CHECK(strstr(last_error(), "map-bad-json.json:2:"));
	CHECK_INT(run_file("map", "testdata/formats/map-app.jsonl", 0, "testdata/formats/map-bad-format.json", &c), -2);
	CHECK(strstr(last_error(), "timestamp_format"));
	CHECK_INT(run_file("map", "testdata/formats/map-app.jsonl", 0, NULL, &c), -2);
	set_error_quiet(0);
	CHECK_INT(c.n, 0);
	collect_reset(&c);
}

TEST(json_pointer)
{
	struct buf err = BUF_INIT;
	int l, col;
	static const char text[] = "{\"a/b\":{\"m~n\":[10,{\"x\":\"y\"}]},\"\":1}";
	json_t *v = json_parse_strict(text, strlen(text), &l, &col, &err);

	CHECK(v != NULL);
	CHECK(fmt_pointer_get(v, "") == v);
	CHECK_INT(json_number_value(fmt_pointer_get(v, "/a~1b/m~0n/0")), 10);
	CHECK_STR(json_string_value(fmt_pointer_get(v, "/a~1b/m~0n/1/x")), "y");
	CHECK_INT(json_number_value(fmt_pointer_get(v, "/")), 1);
	CHECK(fmt_pointer_get(v, "/a~1b/m~0n/01") == NULL);
	CHECK(fmt_pointer_get(v, "/a~1b/m~0n/2") == NULL);
	CHECK(fmt_pointer_get(v, "/nope") == NULL);
	CHECK_INT(fmt_pointer_check("/a/~2", &err), -1);
	CHECK_INT(fmt_pointer_check("a", &err), -1);
	CHECK_INT(fmt_pointer_check("/a~0/~1", &err), 0);
	json_decref(v);
	buf_release(&err);
}

/* ---- the document splitter ---- */

TEST(document_positions)
{
	struct collect c = { 0 };

	/* a bad member reported at its own position and index */
	CHECK_INT(run_text("unleash", "{\"events\": [\n"
			   " {\"id\":1,\"type\":\"x-created\",\"createdAt\":\"2026-01-01T00:00:00Z\"},\n"
			   " {\"id\":2,\"type\":\"x\",\"createdAt\":\"2026-01-01T00:00:00Z\" \"a\":1}\n]}\n", &c), 0);
	CHECK_INT(c.n, 1);
	CHECK_INT(c.nbad, 1);
	if (c.nbad) {
		CHECK_INT(c.bad_line[0], 3);
		CHECK_INT(c.bad_col[0], 56);
		CHECK_INT(c.bad_index[0], 1);
	}
	collect_reset(&c);
	/* duplicate top-level keys */
	CHECK_INT(run_text("unleash", "{\"events\": [],\n \"events\": []}", &c), 0);
	CHECK_INT(c.nbad, 1);
	if (c.nbad) {
		CHECK(strstr(c.bad[0], "duplicate"));
		CHECK_INT(c.bad_line[0], 2);
		CHECK_INT(c.bad_col[0], 2);
	}
	collect_reset(&c);
	/* text after the document */
	CHECK_INT(run_text("launchdarkly", "[]\n]", &c), 0);
	CHECK_INT(c.nbad, 1);
	if (c.nbad)
		CHECK_INT(c.bad_line[0], 2);
	collect_reset(&c);
	/* an empty array, and a bare array of records */
	CHECK_INT(run_text("unleash", "{\"events\":[]}", &c), 0);
	CHECK_INT(c.n + c.nbad, 0);
	collect_reset(&c);
	CHECK_INT(run_text("unleash", "[{\"id\":\"7\",\"type\":\"t\",\"createdAt\":\"2026-01-01T00:00:00Z\"}]", &c), 0);
	CHECK_INT(c.n, 1);
	if (c.n)
		CHECK_STR(c.ev[0]->event_id, "unleash:7");
	collect_reset(&c);
	/* unterminated document */
	CHECK_INT(run_text("cloudtrail", "{\"Records\": [{\"eventTime\":\"x\"", &c), 0);
	CHECK_INT(c.nbad, 1);
	collect_reset(&c);
	/* a mixed file: a record of another format */
	CHECK_INT(run_text("k8s", "{\"eventTime\":\"2026-01-01T00:00:00Z\",\"eventSource\":\"s3\"}\n", &c), 0);
	CHECK_INT(c.nbad, 1);
	if (c.nbad)
		CHECK(strstr(c.bad[0], "not a Kubernetes audit event"));
	collect_reset(&c);
}

/* Field errors and NUL characters inside a pretty-printed document are
 * reported at their own line and column, with the record's index. */
TEST(member_positions)
{
	struct collect c = { 0 };
	struct fmt_record rec = { .raw = "{\"a\": 1,\n  \"user\" :\t\"x\", \"o\": {\"k\": [1], \"n\": 2}}",
				  .line = 5, .col = 3, .index = -1 };

	rec.raw_len = strlen(rec.raw);
	{
		long line;
		int col;

		fmt_member_pos(&rec, "user", &line, &col);
		CHECK_INT(line, 6);
		CHECK_INT(col, 12);
		fmt_member_pos(&rec, "a", &line, &col);
		CHECK_INT(line, 5);
		CHECK_INT(col, 3 + 6);
		fmt_member_pos(&rec, "o.n", &line, &col);
		CHECK_INT(line, 6);
		CHECK_INT(col, 38);
		fmt_member_pos(&rec, "o.missing", &line, &col);   /* the record itself */
		CHECK_INT(line, 5);
		CHECK_INT(col, 3);
	}
	CHECK_INT(run_text("cloudtrail", "{\"Records\": [\n"
			   "  {\"eventTime\": \"2026-01-01T00:00:00Z\", \"eventSource\": \"s3.amazonaws.com\",\n"
			   "   \"eventName\": \"PutObject\",\n"
			   "   \"userIdentity\": \"alice\"}]}\n", &c), 0);
	CHECK_INT(c.nbad, 1);
	if (c.nbad) {
		CHECK_STR(c.bad[0], "expected object for \"userIdentity\"");
		CHECK_INT(c.bad_line[0], 4);
		CHECK_INT(c.bad_col[0], 20);
		CHECK_INT(c.bad_index[0], 0);
	}
	collect_reset(&c);
	CHECK_INT(run_text("unleash", "{\"events\": [\n"
			   " {\"id\":1,\"type\":\"x-created\",\"createdAt\":\"2026-01-01T00:00:00Z\"},\n"
			   " {\"id\":2,\"type\":\"x\",\n  \"createdAt\":\"2026-01-01T00:00:00Z\\u0000\"}\n]}\n", &c), 0);
	CHECK_INT(c.n, 1);
	CHECK_INT(c.nbad, 1);
	if (c.nbad) {
		CHECK(strstr(c.bad[0], "NUL character") != NULL);
		CHECK_INT(c.bad_line[0], 4);
		CHECK_INT(c.bad_col[0], 36);
		CHECK_INT(c.bad_index[0], 1);
	}
	collect_reset(&c);
	/* what is not a NUL: an escaped backslash followed by u0000 */
	CHECK(fmt_nul_at("{\"a\":\"\\\\u0000\"}", 14) == FMT_NO_NUL);
	CHECK_INT(fmt_nul_at("{\"a\":\"x\\u0000\"}", 14), 7);
	CHECK(fmt_nul_at("{\"a\\u0000\":1}", 13) == 3);   /* in a key: jansson refuses it anyway */
}

TEST(detection)
{
	static const struct detect_case cases[] = {
		{ "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"auditID\":\"x\"}", "k8s" },
		{ "{\"Records\": [{\"eventVersion\": \"1.0\"", "cloudtrail" },
		{ "{\"EventId\":\"x\",\"CloudTrailEvent\":\"{}\"}", "cloudtrail" },
		{ "{\n  \"_links\": {},\n  \"_id\": \"x\",\n  \"_accountId\": \"y\"", "launchdarkly" },
		{ "{\"items\":[{\"_id\":\"x\",\"date\":1}]}", "launchdarkly" },
		{ "{\"version\":1,\"events\":[{\"id\":1,\"type\":\"feature-created\",\"createdBy\":\"a\"", "unleash" },
		{ "{\"timestamp\":\"2026-01-01T00:00:00Z\",\"actor\":\"a\",\"flag_key\":\"f\"}", "jsonl" },
	};

	check_detection(cases, ARRAY_SIZE(cases));
	CHECK(format_find("map") != NULL);
}

/* ---- Microsoft 365 unified audit log ---- */

TEST(m365_activity_api)
{
	struct collect c = { 0 };

	CHECK_INT(run_file(NULL, "testdata/formats/m365/activity-api.json", 0, NULL, &c), 0);
	CHECK_INT(c.nbad, 0);
	CHECK_INT(c.n, 4);                       /* FileAccessed is a read */
	if (c.n == 4) {
		struct event *e = c.ev[0];

		CHECK_STR(e->event_id, "4f0c2d1e-8a51-4c3b-9e0d-6a1b2c3d4e01");
		CHECK_STR(e->ts_source, "2026-03-02T09:15:04");
		CHECK(e->ts == 1772442904LL * 1000000);   /* no zone: UTC */
		CHECK_STR(e->actor_id, "admin@contoso.onmicrosoft.com");
		CHECK_STR(e->actor_type, "user");
		CHECK_STR(e->action, "Set-Mailbox");
		CHECK_STR(e->target_kind, "ExchangeAdmin");
		CHECK_STR(e->target_key, "contoso.onmicrosoft.com/Users/dana");
		CHECK_STR(e->environment, "b7e1c0de-1111-4222-8333-944455556666");
		CHECK_INT(e->before_known, 0);
		CHECK_STR(fmt_str(e->after, "ForwardingSmtpAddress"), "smtp:dana.backup@example.net");
		CHECK_STR(ctx_str(e, "source_ip"), "203.0.113.24");
		CHECK_STR(ctx_str(e, "user_key"), "10037FFE8A2B1C3D");
		CHECK_STR(ctx_str(e, "workload"), "Exchange");
		CHECK_INT(e->outcome, OUTCOME_SUCCESS);
		CHECK_STR(json_string_value(json_object_get(e->source, "format")), "m365");

		e = c.ev[1];                     /* Azure AD: both sides, JSON text parsed */
		CHECK_STR(e->target_kind, "AzureActiveDirectory");
		CHECK_INT(e->before_known, 1);
		CHECK(json_is_true(json_array_get(json_object_get(e->before, "AccountEnabled"), 0)));
		CHECK(json_is_false(json_array_get(json_object_get(e->after, "AccountEnabled"), 0)));
		CHECK_STR(json_string_value(json_array_get(json_object_get(e->after, "Department"), 0)),
			  "Finance");

		e = c.ev[2];                     /* ResultStatus "False": failed */
		CHECK_STR(e->action, "New-InboxRule");
		CHECK_INT(e->outcome, OUTCOME_FAILURE);
		CHECK_STR(e->outcome_code, "False");
		CHECK(e->after == NULL);
		CHECK(json_is_array(json_object_get(e->context, "parameters")));

		e = c.ev[3];                     /* a service principal */
		CHECK_STR(e->actor_type, "service");
		CHECK_STR(e->ts_source, "2026-03-02T09:30:12.5");
		CHECK(e->ts == 1772443812LL * 1000000 + 500000);
		CHECK_INT(e->before_known, 1);
		CHECK_INT(json_array_size(json_object_get(e->before, "KeyDescription")), 0);
	}
	collect_reset(&c);
	CHECK_INT(run_file("m365", "testdata/formats/m365/activity-api.json", 1, NULL, &c), 0);
	CHECK_INT(c.n, 5);
	if (c.n == 5) {
		CHECK_STR(c.ev[2]->action, "FileAccessed");
		CHECK_STR(c.ev[2]->target_kind, "SharePointFileOperation");
		CHECK(json_is_true(json_object_get(c.ev[2]->context, "read_only")));
		CHECK_INT(json_integer_value(json_object_get(c.ev[2]->source, "index")), 2);
	}
	collect_reset(&c);
}

TEST(m365_jsonl_rules)
{
	struct collect c = { 0 };

	CHECK_INT(run_file(NULL, "testdata/formats/m365/activity-api.jsonl", 0, NULL, &c), 0);
	CHECK_INT(c.n, 2);                       /* MailItemsAccessed, SearchQueryPerformed: reads */
	if (c.n == 2) {
		CHECK_STR(c.ev[0]->actor_type, "service");   /* UserType 4, NT AUTHORITY */
		CHECK_STR(fmt_str(c.ev[0]->after, "UnifiedAuditLogIngestionEnabled"), "False");
		CHECK_STR(c.ev[1]->action, "SharingSet");
		CHECK_INT(c.ev[1]->outcome, OUTCOME_SUCCESS); /* PartiallySucceeded changed something */
		CHECK_STR(ctx_str(c.ev[1], "result_status"), "PartiallySucceeded");
		CHECK_STR(c.ev[1]->target_kind, "SharePointSharingOperation");
		CHECK(c.ev[1]->after == NULL);
		CHECK_INT(json_integer_value(json_object_get(c.ev[1]->source, "line")), 4);
	}
	collect_reset(&c);
	CHECK_INT(run_file("m365", "testdata/formats/m365/activity-api.jsonl", 1, NULL, &c), 0);
	CHECK_INT(c.n, 4);
	if (c.n == 4) {
		CHECK_STR(c.ev[1]->target_kind, "Exchange");  /* RecordType 50: not named, the Workload */
		CHECK_STR(c.ev[1]->target_key, "dana@contoso.com"); /* MailboxOwnerUPN */
		CHECK_STR(ctx_str(c.ev[1], "source_ip"), "192.0.2.55"); /* ClientIPAddress */
		CHECK_STR(c.ev[2]->target_key, "SharePoint");
	}
	collect_reset(&c);
}

TEST(m365_csv_export)
{
	struct collect c = { 0 };

	CHECK_INT(run_file(NULL, "testdata/formats/m365/portal-export.csv", 1, NULL, &c), 0);
	CHECK_INT(c.nbad, 0);
	CHECK_INT(c.n, 3);
	if (c.n == 3) {
		CHECK_STR(c.ev[0]->action, "Add member to role.");
		CHECK_INT(json_integer_value(json_object_get(c.ev[0]->source, "line")), 2);
		CHECK_INT(c.ev[0]->before_known, 1);
		CHECK_STR(fmt_str(c.ev[0]->after, "Role.DisplayName"), "Global Administrator");
		CHECK_STR(fmt_str(c.ev[0]->before, "Role.DisplayName"), "");
		/* the raw record is the AuditData JSON, its quotes undoubled */
		CHECK(!strncmp(c.ev[0]->raw, "{\"CreationTime\":\"2026-03-04T08:00:01\"", 37));
		CHECK_INT(json_integer_value(json_object_get(c.ev[1]->source, "line")), 3);
		CHECK(strstr(c.ev[1]->raw, "\n  \"Operation\": \"FileDownloaded\",\n") != NULL);
		CHECK_INT(json_integer_value(json_object_get(c.ev[2]->source, "line")), 16);
		CHECK_STR(c.ev[2]->target_key, "Block \"external\" forwarding");
	}
	collect_reset(&c);
	CHECK_INT(run_file("m365", "testdata/formats/m365/portal-export.csv", 0, NULL, &c), 0);
	CHECK_INT(c.n, 2);                       /* FileDownloaded is a read */
	collect_reset(&c);
}

TEST(m365_csv_errors)
{
	static const char header[] = "CreationDate,UserIds,Operations,AuditData\n";
	struct collect c = { 0 };
	struct buf t = BUF_INIT;

	/* a wrong type, at its place in the file (doubled quotes counted) */
	buf_addf(&t, "%sx,y,z,\"{\"\"Operation\"\":\"\"Set-Mailbox\"\",\"\"CreationTime\"\":5}\"\n", header);
	CHECK_INT(run_text("m365", t.buf, &c), 0);
	expect_one_bad(&c, "expected string for \"CreationTime\"", 2, 56, __LINE__);
	collect_reset(&c);
	/* a JSON syntax error on the AuditData's second line */
	buf_reset(&t);
	buf_addf(&t, "%sx,y,z,\"{\"\"Operation\"\":\"\"A\"\",\n \"\"CreationTime\"\" \"\"2026\"\"}\"\n"
		 "x,y,z,\"{\"\"Operation\"\":\"\"B\"\",\"\"CreationTime\"\":\"\"2026-01-01T00:00:00\"\"}\"\n",
		 header);
	CHECK_INT(run_text("m365", t.buf, &c), 0);
	CHECK_INT(c.n, 1);
	CHECK_INT(c.nbad, 1);
	if (c.nbad) {
		CHECK(!strncmp(c.bad[0], "in \"AuditData\": ", 16));
		CHECK_INT(c.bad_line[0], 3);
		CHECK_INT(c.bad_col[0], 19);
	}
	if (c.n)
		CHECK_INT(json_integer_value(json_object_get(c.ev[0]->source, "line")), 4);
	collect_reset(&c);
	/* quotes where CSV allows none, and a quoted field never closed */
	buf_reset(&t);
	buf_addf(&t, "%sx,y\"y,z,{}\nx,y,z,\"{\n", header);
	CHECK_INT(run_text("m365", t.buf, &c), 0);
	CHECK_INT(c.nbad, 2);
	if (c.nbad == 2) {
		CHECK_STR(c.bad[0], "quote inside an unquoted field");
		CHECK_INT(c.bad_line[0], 2);
		CHECK_INT(c.bad_col[0], 4);
		CHECK_STR(c.bad[1], "unterminated quoted field");
		CHECK_INT(c.bad_line[1], 3);
		CHECK_INT(c.bad_col[1], 7);
	}
	collect_reset(&c);
	/* too few fields; a header without AuditData stops the file */
	buf_reset(&t);
	buf_addf(&t, "%sx,y\n", header);
	CHECK_INT(run_text("m365", t.buf, &c), 0);
	CHECK_INT(c.nbad, 1);
	if (c.nbad)
		CHECK_STR(c.bad[0], "2 fields where the header has 4 (no AuditData)");
	collect_reset(&c);
	CHECK_INT(run_text("m365", "CreationDate,UserIds,Operations\nx,y,z\n", &c), -2);
	CHECK_INT(c.nbad, 1);
	collect_reset(&c);
	/* a quote never closed: the row grows past 8 MiB and stops the file */
	buf_reset(&t);
	buf_addf(&t, "%sx,y,z,\"{\n", header);
	for (int i = 0; i < 9 * 1024; i++) {
		for (int k = 0; k < 1023; k++)
			buf_addch(&t, 'a');
		buf_addch(&t, '\n');
	}
	CHECK_INT(run_text("m365", t.buf, &c), -2);
	CHECK_INT(c.nbad, 1);
	if (c.nbad) {
		CHECK(strstr(c.bad[0], "larger than 8 MiB") != NULL);
		CHECK_INT(c.bad_line[0], 2);
	}
	collect_reset(&c);
	/* JSON records: wrong types located; Parameters items are objects */
	CHECK_INT(run_text("m365", "{\"CreationTime\":\"2026-01-01T00:00:00\",\"Operation\":\"Set-X\","
			   "\"UserType\":true}\n"
			   "{\"CreationTime\":\"2026-01-01T00:00:00\",\"Operation\":\"Set-X\","
			   "\"Parameters\":[\"Identity\"]}\n"
			   "{\"CreationTime\":\"2026-13-01T00:00:00\",\"Operation\":\"Set-X\"}\n", &c), 0);
	CHECK_INT(c.nbad, 3);
	if (c.nbad == 3) {
		CHECK_STR(c.bad[0], "expected number for \"UserType\"");
		CHECK_INT(c.bad_col[0], 70);
		CHECK(strstr(c.bad[1], "\"Parameters\" (item 0)") != NULL);
		CHECK_INT(c.bad_line[1], 2);
		CHECK(!strncmp(c.bad[2], "\"CreationTime\": bad time", 24));
		CHECK_INT(c.bad_col[2], 17);
	}
	collect_reset(&c);
	buf_release(&t);
}

/* ---- GitHub audit log ---- */

TEST(github_export)
{
	struct collect c = { 0 };

	CHECK_INT(run_file(NULL, "testdata/formats/github/org-export.json", 0, NULL, &c), 0);
	CHECK_INT(c.nbad, 0);
	CHECK_INT(c.n, 5);                       /* repo.download_zip is an access */
	if (c.n == 5) {
		struct event *e = c.ev[0];

		CHECK_STR(e->event_id, "Gx1aQ2bS3cT4dU5eV6fW7g");
		CHECK(e->ts == 1772528400123000LL);
		CHECK_STR(e->ts_source, "1772528400123");
		CHECK_STR(e->actor_id, "mona");
		CHECK_STR(e->actor_type, "user");
		CHECK_STR(e->action, "repo.create");
		CHECK_STR(e->target_kind, "repo");
		CHECK_STR(e->target_key, "octo-corp/payments-api");
		CHECK_STR(e->environment, "octo-corp");
		CHECK_STR(ctx_str(e, "country_code"), "DE");
		CHECK_STR(ctx_str(e, "operation_type"), "create");
		CHECK_INT(e->before_known, 0);
		CHECK(e->before == NULL && e->after == NULL);
		CHECK_INT(e->outcome, OUTCOME_SUCCESS);

		e = c.ev[1];
		CHECK_STR(e->target_kind, "org");
		CHECK_STR(e->target_key, "octo-corp/hubert");
		CHECK_INT(e->before_known, 1);
		CHECK_STR(fmt_str(e->before, "permission"), "read");
		CHECK_STR(fmt_str(e->after, "permission"), "admin");

		e = c.ev[2];
		CHECK_STR(e->target_kind, "protected_branch");
		CHECK_STR(e->target_key, "octo-corp/payments-api:main");
		CHECK(json_number_value(json_object_get(e->before, "required_approving_review_count")) == 2);
		CHECK(json_is_number(json_object_get(e->after, "required_approving_review_count")) &&
		      json_number_value(json_object_get(e->after, "required_approving_review_count")) == 0);
		CHECK_STR(ctx_str(e, "programmatic_access_type"), "Fine-grained personal access token");
		CHECK_STR(ctx_str(e, "hashed_token"), "k3Jm9Qz0y8XcPq1Rt5UvWx7YzA2bC4dE6fG8hI0jK1=");
		CHECK_STR(ctx_str(e, "user_agent"), "curl/8.5.0");

		CHECK_STR(c.ev[3]->target_kind, "team");
		CHECK_STR(c.ev[3]->target_key, "octo-corp/release-managers");
		CHECK_STR(c.ev[4]->actor_type, "service");     /* dependabot[bot] */
	}
	collect_reset(&c);
	CHECK_INT(run_file("github", "testdata/formats/github/org-export.json", 1, NULL, &c), 0);
	CHECK_INT(c.n, 6);
	if (c.n == 6)
		CHECK(json_is_true(json_object_get(c.ev[4]->context, "read_only")));
	collect_reset(&c);
}

TEST(github_enterprise_changes)
{
	struct collect c = { 0 };

	CHECK_INT(run_file(NULL, "testdata/formats/github/enterprise.jsonl", 0, NULL, &c), 0);
	CHECK_INT(c.nbad, 0);
	CHECK_INT(c.n, 4);
	if (c.n == 4) {
		CHECK_STR(fmt_str(c.ev[0]->before, "name"), "octo-labs/ledger-old");
		CHECK_STR(fmt_str(c.ev[0]->after, "name"), "octo-labs/ledger");
		CHECK_STR(c.ev[1]->target_kind, "business");
		CHECK_STR(c.ev[1]->target_key, "octo-enterprise/omar");
		CHECK_STR(c.ev[1]->environment, "octo-enterprise");
		CHECK_STR(c.ev[2]->actor_type, "service");     /* github-actions */
		CHECK_STR(fmt_str_path(c.ev[2]->before, "config", "url", (const char *)NULL),
			  "https://hooks.example.org/old");
		CHECK_STR(c.ev[3]->ts_source, "2026-03-03T10:03:00Z");
		CHECK_STR(fmt_str(c.ev[3]->before, "privacy"), "secret");
		CHECK_STR(fmt_str(c.ev[3]->after, "privacy"), "closed");
		CHECK(c.ev[3]->event_id && !strncmp(c.ev[3]->event_id, "sha256:", 7));
	}
	collect_reset(&c);
	/* an old value whose new value the record lacks: kept in the context */
	CHECK_INT(run_text("github", "{\"@timestamp\":1,\"action\":\"repo.x\",\"actor\":\"a\","
			   "\"old_topic\":\"t\"}\n", &c), 0);
	CHECK_INT(c.n, 1);
	if (c.n) {
		CHECK(c.ev[0]->before == NULL);
		CHECK_STR(fmt_str_path(c.ev[0]->context, "old_values", "old_topic", (const char *)NULL), "t");
		CHECK_STR(c.ev[0]->target_key, "unknown");
		CHECK_STR(c.ev[0]->environment, "");
	}
	collect_reset(&c);
}

TEST(github_errors)
{
	struct collect c = { 0 };

	CHECK_INT(run_text("github", "[\n {\"@timestamp\": 1, \"action\": \"repo.create\", \"actor\": 42},\n"
			   " {\"action\": \"repo.create\", \"actor\": \"a\"},\n"
			   " {\"@timestamp\": \"yesterday\", \"action\": \"repo.create\"},\n"
			   " {\"@timestamp\": 1, \"actor\": \"a\"},\n"
			   " {\"@timestamp\": 1, \"action\": \"org.x\", \"actor_location\": {\"country_code\": 49}}\n]\n",
			   &c), 0);
	CHECK_INT(c.n, 0);
	CHECK_INT(c.nbad, 5);
	if (c.nbad == 5) {
		CHECK_STR(c.bad[0], "expected string for \"actor\"");
		CHECK_INT(c.bad_line[0], 2);
		CHECK_INT(c.bad_col[0], 54);
		CHECK_INT(c.bad_index[0], 0);
		CHECK(strstr(c.bad[1], "missing \"@timestamp\" or \"created_at\"") != NULL);
		CHECK(!strncmp(c.bad[2], "\"@timestamp\": bad time", 22));
		CHECK_INT(c.bad_col[2], 17);
		CHECK_STR(c.bad[3], "missing \"action\"");
		CHECK_STR(c.bad[4], "expected string for \"actor_location.country_code\"");
		CHECK_INT(c.bad_line[4], 6);
	}
	collect_reset(&c);
}

TEST(m365_github_detection)
{
	static const struct detect_case cases[] = {
		{ "[{\"CreationTime\":\"2026-01-01T00:00:00\",\"Id\":\"x\",\"Operation\":\"Set-Mailbox\","
		  "\"OrganizationId\":\"o\",\"RecordType\":1", "m365" },
		{ "CreationDate,UserIds,Operations,AuditData\r\n2026-01-01", "m365" },
		{ "\"RecordId\",\"CreationDate\",\"RecordType\",\"Operation\",\"UserId\",\"AuditData\"\n", "m365" },
		{ "[{\"@timestamp\":1,\"_document_id\":\"d\",\"action\":\"repo.create\"", "github" },
		{ "{\"@timestamp\":1,\"action\":\"repo.create\",\"actor\":\"a\"}", "github" },
		{ "{\"created_at\":1,\"action\":\"repo.create\",\"actor\":\"a\",\"operation_type\":\"create\"}",
		  "github" },
	};

	check_detection(cases, ARRAY_SIZE(cases));
	/* a CSV file that merely mentions AuditData later is not one */
	CHECK(format_detect("a,b\nAuditData,x\n", 16) == NULL ||
	      strcmp(format_detect("a,b\nAuditData,x\n", 16)->name, "m365"));
}

/* ---- OpenSearch / Elasticsearch exports, skip counts, descriptions ---- */

/* A collecting sink that also counts skips (c first: c_emit's ctx). */
struct skipcount {
	struct collect c;
	unsigned long n[SKIP_NREASONS];
};

static void sc_skip(void *ctx, enum skip_reason reason)
{
	((struct skipcount *)ctx)->n[reason]++;
}

static int run_counted(const char *name, const char *path, const char *map, struct skipcount *sc)
{
	struct format_options opt = { .map_file = map };
	struct record_sink sink = { c_emit, c_bad, c_prev, sc, sc_skip };
	FILE *f = format_open(path, NULL, 0, NULL);
	int rc;

	if (!f)
		return -3;
	rc = format_find(name)->read(f, path, &opt, &sink);
	fclose(f);
	return rc;
}

TEST(opensearch_shapes)
{
	const char *map = "testdata/formats/opensearch/map.json";
	struct collect c = { 0 };
	struct event *ev;

	CHECK_INT(run_file(NULL, "testdata/formats/opensearch/response.json", 0, map, &c), 0);
	CHECK_INT(c.n, 3);
	CHECK_INT(c.nbad, 0);
	if (c.n == 3) {
		ev = c.ev[0];
		CHECK_STR(ev->event_id, "audit-2026.03/Vb4kW44BmQ1");
		CHECK_STR(ev->actor_id, "ana@example.com");
		CHECK_STR(ev->actor_type, "user");
		CHECK_STR(ev->target_kind, "role");
		CHECK_STR(ev->target_key, "payments-admin");
		CHECK_STR(json_string_value(json_object_get(ev->source, "format")), "opensearch");
		CHECK_STR(json_string_value(json_object_get(ev->source, "_index")), "audit-2026.03");
		CHECK_STR(json_string_value(json_object_get(ev->source, "_id")), "Vb4kW44BmQ1");
		CHECK_INT(json_integer_value(json_object_get(ev->source, "line")), 17);
		CHECK_INT(json_integer_value(json_object_get(ev->source, "index")), 0);
		CHECK_STR(ctx_str(ev, "search_id"), "Vb4kW44BmQ1");
		CHECK(ev->raw && ev->raw[0] == '{' && ev->raw[ev->raw_len - 1] == '}');
		CHECK(ev->raw && strstr(ev->raw, "\"sort\"") != NULL);
		CHECK(ev->before_known);
		CHECK_INT(c.ev[1]->outcome, OUTCOME_FAILURE);
	}
	collect_reset(&c);
	/* elasticdump lines, detected */
	CHECK_INT(run_file(NULL, "testdata/formats/opensearch/hits.jsonl", 0, map, &c), 0);
	CHECK_INT(c.n, 2);
	if (c.n == 2)
		CHECK_STR(c.ev[1]->event_id, "audit-2026.04/e2");
	collect_reset(&c);
	/* no map: unusable (bad input) before any record */
	CHECK_INT(run_file("opensearch", "testdata/formats/opensearch/hits.jsonl", 0, NULL, &c), -2);
	CHECK_INT(c.n, 0);
	collect_reset(&c);
}

TEST(opensearch_positions)
{
	const char *text = "{\"took\":1,\n \"hits\":{\"hits\":[\n  {\"_index\":\"a\",\"_id\":\"1\",\"_source\":{\"x\":1}},\n"
			   "  {\"_index\":\"a\",\n   \"_id\":2}]}}\n";
	struct skipcount sc = { { 0 }, { 0 } };
	struct format_options opt = { .map_file = "testdata/formats/opensearch/map.json" };
	struct record_sink sink = { c_emit, c_bad, c_prev, &sc, sc_skip };
	FILE *f = fmemopen((void *)text, strlen(text), "r");

	CHECK_INT(format_find("opensearch")->read(f, "mem", &opt, &sink), 0);
	fclose(f);
	CHECK_INT(sc.c.n, 0);
	CHECK_INT(sc.c.nbad, 2);
	if (sc.c.nbad == 2) {
		/* the first hit maps nothing at /@timestamp: at its _source */
		CHECK(strstr(sc.c.bad[0], "nothing at \"/@timestamp\"") != NULL);
		CHECK_INT(sc.c.bad_line[0], 3);
		CHECK_INT(sc.c.bad_col[0], 37);
		CHECK_INT(sc.c.bad_index[0], 0);
		/* the second: _id is a number, at its value on its own line */
		CHECK_STR(sc.c.bad[1], "expected string for \"_id\"");
		CHECK_INT(sc.c.bad_line[1], 5);
		CHECK_INT(sc.c.bad_col[1], 10);
		CHECK_INT(sc.c.bad_index[1], 1);
	}
	collect_reset(&sc.c);
}

TEST(skip_counts)
{
	struct skipcount sc = { { 0 }, { 0 } };

	/* k8s-stages.jsonl: 10 lines, 6 events, one get, 3 earlier stages */
	CHECK_INT(run_counted("k8s", "testdata/formats/k8s-stages.jsonl", NULL, &sc), 0);
	CHECK_INT(sc.c.n, 6);
	CHECK_INT(sc.n[SKIP_READ], 1);
	CHECK_INT(sc.n[SKIP_STAGE], 3);
	CHECK_INT(sc.n[SKIP_NOT_EVENT], 0);
	collect_reset(&sc.c);
	memset(&sc, 0, sizeof(sc));
	CHECK_INT(run_counted("cloudtrail", "testdata/formats/cloudtrail-lookup.jsonl", NULL, &sc), 0);
	CHECK_INT(sc.c.n, 1);
	CHECK_INT(sc.n[SKIP_READ], 1);
	collect_reset(&sc.c);
	CHECK_STR(skip_reason_name(SKIP_STAGE, 1), "earlier stages");
	CHECK_STR(skip_reason_name(SKIP_READ, 0), "read");
}

TEST(describe_unrecognised)
{
	static const struct {
		const char *head, *want;
	} cases[] = {
		{ "{\"timestamp\":\"t\",\"level\":\"info\",\"msg\":\"m\"}\n",
		  "line 1 is a JSON object with members timestamp, level, msg" },
		{ "\n\n{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,\"i\":9}\n",
		  "line 3 is a JSON object with members a, b, c, d, e, f, g, h, …" },
		{ "[{\"x\":1},{\"y\":2}]", "the file is a JSON array of objects with members x" },
		{ "a,b,c\n1,2,3\n", "line 1 looks like CSV, not JSON (a,b,c)" },
		{ "hello \x1b[31mworld\n", "line 1 is text, not JSON (\"hello \\x1b[31mworld\")" },
		{ "{\"a\":\n", "line 1 starts a JSON object that is not a record on one line (or is cut short)" },
		{ " \n\t\n", "the file holds only blank lines" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct buf b = BUF_INIT;

		format_describe(cases[i].head, strlen(cases[i].head), &b);
		CHECK_STR(b.buf, cases[i].want);
		buf_release(&b);
	}
}

TEST(detection_opensearch_and_unrecognised)
{
	static const struct detect_case cases[] = {
		{ "{\"took\":3,\"timed_out\":false,\"hits\":{\"total\":{\"value\":1},\"hits\":[{\"_index\":\"a\",\"_id\":\"1\",\"_source\":{}}]}}\n",
		  "opensearch" },
		{ "{\"_index\":\"a\",\"_type\":\"_doc\",\"_id\":\"1\",\"_source\":{\"user\":\"x\"}}\n", "opensearch" },
		/* an application log: no format */
		{ "{\"timestamp\":\"2026-01-01T00:00:00Z\",\"level\":\"info\",\"msg\":\"x\"}\n", "(none)" },
		/* a generic record, even with a missing member */
		{ "{\"timestamp\":\"2026-01-01T00:00:00Z\",\"actor\":\"a\"}\n", "jsonl" },
		/* a first line that does not parse: jsonl, to locate its error */
		{ "{\"timestamp\": oops}\n", "jsonl" },
		{ "time,user\n", "(none)" },
	};

	check_detection(cases, ARRAY_SIZE(cases));
}

/* ---- Google Cloud and Azure ---- */

#define CHECK_JSON(v, want) check_json((v), (want), __LINE__)

static char *canon(const json_t *v)
{
	char *s = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	return s ? s : xstrdup("(null)");
}

static void check_json(const json_t *v, const char *want, int line)
{
	char *got = canon(v);

	if (strcmp(got, want)) {
		fprintf(stderr, "  line %d: expected %s, got %s\n", line, want, got);
		check_case_failed = 1;
	}
	free(got);
}

TEST(gcp_sink_export)
{
	struct collect c = { 0 };

	CHECK_INT(run_file(NULL, "testdata/formats/gcp/sink-export.jsonl", 0, NULL, &c), 0);
	CHECK_INT(c.nbad, 0);
	CHECK_INT(c.n, 5);
	if (c.n == 5) {
		struct event *iam = c.ev[0], *op = c.ev[1], *del = c.ev[2], *org = c.ev[3], *open = c.ev[4];

		CHECK_STR(iam->action, "SetIamPolicy");
		CHECK_STR(iam->actor_id, "alice@example.com");
		CHECK_STR(iam->actor_type, "user");
		CHECK_STR(iam->target_kind, "project");
		CHECK_STR(iam->target_key, "projects/acme-prod");
		CHECK_STR(iam->environment, "acme-prod");
		CHECK_STR(iam->event_id, "-f0a1b2c3d4e5");
		CHECK_STR(iam->ts_source, "2026-03-02T09:15:01.123456789Z");
		CHECK_INT(iam->before_known, 1);
		CHECK_JSON(iam->before, "{\"bindings\":{\"roles/editor\":[],\"roles/viewer\":[\"user:carol@example.com\"]}}");
		CHECK_JSON(iam->after, "{\"bindings\":{\"roles/editor\":[\"user:bob@example.com\"],\"roles/viewer\":[]}}");
		CHECK_STR(ctx_str(iam, "source_ip"), "203.0.113.7");
		CHECK_STR(ctx_str(iam, "log_type"), "activity");

		/* one long-running operation: the first's id and request, the last's time */
		CHECK_STR(op->event_id, "op1first");
		CHECK_STR(op->ts_source, "2026-03-02T09:20:41.5Z");
		CHECK_STR(op->actor_type, "service");
		CHECK_STR(op->actor_auth, "delegation");
		CHECK(json_is_array(json_object_get(op->context, "delegation")));
		CHECK(json_is_true(json_object_get(op->context, "operation_merged")));
		CHECK_STR(ctx_str(op, "correlation_id"), "operation-1772443200000-abc");
		CHECK_STR(ctx_str(op, "source_ip"), "10.8.0.4");
		CHECK_INT(op->outcome, OUTCOME_SUCCESS);
		CHECK_JSON(op->after, "{\"canIpForward\":false,\"machineType\":\"zones/europe-west1-b/machineTypes/e2-medium\",\"name\":\"web-1\"}");
		CHECK(op->raw && strstr(op->raw, "\"op1first\"") && strstr(op->raw, "\"op1last\"") &&
		      strchr(op->raw, '\n'));
		CHECK_INT(json_integer_value(json_object_get(op->source, "line")), 2);

		CHECK_INT(del->outcome, OUTCOME_FAILURE);
		CHECK_STR(del->outcome_code, "7");
		CHECK_STR(del->outcome_message, "PERMISSION_DENIED");
		CHECK(del->after == NULL);

		CHECK_STR(org->environment, "organizations/123456789012");
		CHECK_STR(org->target_kind, "organization");

		/* the operation whose last entry never came: alone, at the end */
		CHECK_STR(open->event_id, "op2first");
		CHECK(json_is_true(json_object_get(open->context, "operation_unfinished")));
		CHECK_JSON(open->after, "{\"body\":{\"settings\":{\"tier\":\"db-custom-4-16384\"}}}");
	}
	collect_reset(&c);
	/* --include-reads keeps the storage.objects.get, marked */
	CHECK_INT(run_file("gcp", "testdata/formats/gcp/sink-export.jsonl", 1, NULL, &c), 0);
	CHECK_INT(c.n, 6);
	if (c.n == 6) {
		CHECK_STR(c.ev[1]->action, "storage.objects.get");
		CHECK(json_is_true(json_object_get(c.ev[1]->context, "read_only")));
		CHECK_STR(ctx_str(c.ev[1], "log_type"), "data_access");
	}
	collect_reset(&c);
}

TEST(gcp_gcloud_array)
{
	struct collect c = { 0 };

	CHECK_INT(run_file(NULL, "testdata/formats/gcp/gcloud-read.json", 0, NULL, &c), 0);
	CHECK_INT(c.n, 1);
	if (c.n == 1) {
		struct event *ev = c.ev[0];

		CHECK_STR(ev->event_id, "gke-first");
		CHECK_STR(ev->ts_source, "2026-03-02T10:06:09.876Z");
		CHECK_INT(ev->outcome, OUTCOME_FAILURE);
		CHECK_STR(ev->outcome_code, "3");
		CHECK(strstr(ev->outcome_message, "Insufficient regional quota") != NULL);
		CHECK(json_is_object(json_object_get(ev->context, "request")));
		CHECK_STR(ctx_str(ev, "source_ip"), "203.0.113.9");
		CHECK_INT(json_integer_value(json_object_get(ev->source, "index")), 1);
		CHECK_STR(ev->environment, "acme-stage");
	}
	collect_reset(&c);
	CHECK_INT(run_file("gcp", "testdata/formats/gcp/gcloud-read.json", 1, NULL, &c), 0);
	CHECK_INT(c.n, 2);
	collect_reset(&c);
}

TEST(gcp_errors_and_operations)
{
	struct collect c = { 0 };

	CHECK_INT(run_file("gcp", "testdata/formats/gcp/bad-status.jsonl", 0, NULL, &c), 0);
	CHECK_INT(c.n, 1);
	expect_one_bad(&c, "expected integer for \"protoPayload.status.code\"", 2, 230, __LINE__);
	collect_reset(&c);
	CHECK_INT(run_text("gcp", "[1]", &c), 0);
	CHECK_INT(c.nbad, 1);
	if (c.nbad)
		CHECK_STR(c.bad[0], "expected a Cloud Logging LogEntry object");
	collect_reset(&c);
	CHECK_INT(run_text("gcp", "{\"insertId\":\"x\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"protoPayload\":"
			   "{\"@type\":\"type.googleapis.com/google.cloud.audit.AuditLog\"}}\n", &c), 0);
	CHECK_INT(c.nbad, 1);
	if (c.nbad)
		CHECK_STR(c.bad[0], "missing \"protoPayload.methodName\"");
	collect_reset(&c);
	CHECK_INT(run_text("gcp", "{\"foo\":1}\n", &c), 0);
	CHECK_INT(c.nbad, 1);
	collect_reset(&c);
	/* a middle entry stands in for a missing first; a service-account
	 * subject without an e-mail is a service; a project from logName */
#define GCP_OP(id, flags, t) "{\"insertId\":\"" id "\",\"timestamp\":\"" t "\"," \
	"\"logName\":\"projects/p1/logs/cloudaudit.googleapis.com%2Factivity\"," \
	"\"operation\":{\"id\":\"o1\",\"producer\":\"svc\"" flags "}," \
	"\"protoPayload\":{\"@type\":\"type.googleapis.com/google.cloud.audit.AuditLog\"," \
	"\"methodName\":\"m.Update\",\"authenticationInfo\":{\"principalSubject\":\"serviceAccount:x@p1.iam.gserviceaccount.com\"}}}\n"
	CHECK_INT(run_text("gcp", GCP_OP("mid", "", "2026-01-01T00:00:01Z")
			   GCP_OP("mid2", "", "2026-01-01T00:00:02Z")
			   GCP_OP("end", ",\"last\":true", "2026-01-01T00:00:03Z"), &c), 0);
	CHECK_INT(c.nbad, 0);
	CHECK_INT(c.n, 1);
	if (c.n == 1) {
		CHECK_STR(c.ev[0]->event_id, "mid");
		CHECK_STR(c.ev[0]->ts_source, "2026-01-01T00:00:03Z");
		CHECK_STR(c.ev[0]->actor_type, "service");
		CHECK_STR(c.ev[0]->environment, "p1");
		CHECK_STR(c.ev[0]->target_kind, "unknown");
	}
	collect_reset(&c);
}

TEST(azure_rest_value)
{
	struct collect c = { 0 };

	CHECK_INT(run_file(NULL, "testdata/formats/azure/rest-value.json", 0, NULL, &c), 0);
	CHECK_INT(c.nbad, 0);
	CHECK_INT(c.n, 3);
	if (c.n == 3) {
		struct event *vm = c.ev[0], *ra = c.ev[1], *del = c.ev[2];

		/* newest first: the final is read before its begin, which is dropped */
		CHECK_STR(vm->event_id, "e0000001-0000-4000-8000-000000000002");
		CHECK_STR(vm->action, "Microsoft.Compute/virtualMachines/write");
		CHECK_STR(vm->actor_id, "alice@contoso.com");
		CHECK_STR(vm->actor_name, "Alice Example");
		CHECK_STR(vm->actor_type, "user");
		CHECK_STR(vm->actor_auth, "mfa");
		CHECK_STR(vm->target_kind, "Microsoft.Compute/virtualMachines");
		CHECK_STR(vm->environment, "5f1c0a3e-7b2d-4c8e-9a61-2d4b8e0f6a11");
		CHECK_STR(ctx_str(vm, "status"), "Succeeded");
		CHECK_STR(ctx_str(vm, "operation_display"), "Create or Update Virtual Machine");
		CHECK_INT(vm->outcome, OUTCOME_SUCCESS);

		CHECK_STR(ra->actor_id, "3c1e2f44-5a6b-4c7d-8e9f-a0b1c2d3e4f5");
		CHECK_STR(ra->actor_type, "service");
		CHECK_STR(ra->target_kind, "Microsoft.Authorization/roleAssignments");
		CHECK_INT(ra->outcome, OUTCOME_FAILURE);
		CHECK_STR(ra->outcome_code, "Conflict");
		CHECK_STR(ra->outcome_message, "The role assignment already exists.");
		CHECK_STR(ctx_str(ra, "error_code"), "RoleAssignmentExists");

		/* only begun: one event with its status, at the end */
		CHECK_STR(del->target_kind, "Microsoft.Sql/servers/databases");
		CHECK_STR(ctx_str(del, "status"), "Accepted");
		CHECK_INT(del->outcome, OUTCOME_SUCCESS);
	}
	collect_reset(&c);
	CHECK_INT(run_file("azure", "testdata/formats/azure/rest-value.json", 1, NULL, &c), 0);
	CHECK_INT(c.n, 4);
	if (c.n == 4) {
		CHECK_STR(c.ev[2]->action, "Microsoft.KeyVault/vaults/read");
		CHECK(json_is_true(json_object_get(c.ev[2]->context, "read_only")));
	}
	collect_reset(&c);
}

TEST(azure_export_shapes)
{
	struct collect a = { 0 }, b = { 0 };

	CHECK_INT(run_file(NULL, "testdata/formats/azure/export-records.json", 0, NULL, &a), 0);
	CHECK_INT(run_file(NULL, "testdata/formats/azure/export-lines.jsonl", 0, NULL, &b), 0);
	CHECK_INT(a.nbad + b.nbad, 0);
	CHECK_INT(a.n, 2);
	CHECK_INT(b.n, 2);
	if (a.n == 2 && b.n == 2) {
		struct event *rule = a.ev[0], *del = a.ev[1];

		CHECK_STR(rule->event_id, b.ev[0]->event_id);
		CHECK_STR(del->event_id, b.ev[1]->event_id);
		CHECK_STR(rule->actor_id, "bob@contoso.com");
		CHECK_STR(rule->actor_name, "Bob Builder");
		CHECK_STR(rule->ts_source, "2026-03-02T10:00:04.2000000Z");
		CHECK_STR(ctx_str(rule, "begin_status"), "Start");
		CHECK(json_is_true(json_object_get(rule->context, "operation_merged")));
		CHECK_STR(rule->target_kind, "MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/SECURITYRULES");
		CHECK_STR(rule->environment, "5F1C0A3E-7B2D-4C8E-9A61-2D4B8E0F6A11");
		CHECK(rule->raw && strchr(rule->raw, '\n') != NULL);
		CHECK_INT(json_integer_value(json_object_get(rule->source, "line")), 1);
		CHECK_INT(json_integer_value(json_object_get(rule->source, "index")), 0);
		CHECK_INT(del->outcome, OUTCOME_FAILURE);
		CHECK_STR(del->outcome_code, "Failed.Forbidden");
		CHECK_STR(del->outcome_message, "The client does not have authorization to perform action.");
		CHECK_INT(json_integer_value(json_object_get(del->source, "line")), 2);
		CHECK_INT(json_integer_value(json_object_get(b.ev[1]->source, "line")), 3);
	}
	collect_reset(&a);
	collect_reset(&b);
}

TEST(azure_errors)
{
	struct collect c = { 0 };

	CHECK_INT(run_file("azure", "testdata/formats/azure/bad-properties.json", 0, NULL, &c), 0);
	CHECK_INT(c.nbad, 1);
	if (c.nbad) {
		CHECK_STR(c.bad[0], "expected object for \"properties\"");
		CHECK_INT(c.bad_line[0], 117);
		CHECK_INT(c.bad_col[0], 21);
		CHECK_INT(c.bad_index[0], 1);
	}
	collect_reset(&c);
	/* a bad record on the second {"records":[...]} line: that line, its column */
	CHECK_INT(run_text("azure", "{\"records\":[{\"time\":\"2026-01-01T00:00:00Z\",\"operationName\":\"A/B/WRITE\"}]}\n"
			   "{\"records\":[{\"time\":\"2026-01-01T00:00:00Z\",\"operationName\":\"A/B/WRITE\"},"
			   "{\"time\":\"2026-01-01T00:00:01Z\",\"operationName\":{\"value\":5}}]}\n", &c), 0);
	CHECK_INT(c.n, 2);
	CHECK_INT(c.nbad, 1);
	if (c.nbad) {
		CHECK_STR(c.bad[0], "expected string for \"operationName.value\"");
		CHECK_INT(c.bad_line[0], 2);
		CHECK_INT(c.bad_col[0], 129);
		CHECK_INT(c.bad_index[0], 1);
	}
	collect_reset(&c);
	CHECK_INT(run_text("azure", "{\"time\":\"2026-01-01T00:00:00Z\"}\n", &c), 0);
	CHECK_INT(c.nbad, 1);
	if (c.nbad)
		CHECK_STR(c.bad[0], "not an Activity Log record (missing \"operationName\")");
	collect_reset(&c);
	/* begin then final, oldest first: one event, the begin's status kept */
	CHECK_INT(run_text("azure",
			   "{\"caller\":\"a@x.com\",\"correlationId\":\"c1\",\"eventDataId\":\"b\",\"operationName\":\"X/y/delete\","
			   "\"status\":\"Started\",\"eventTimestamp\":\"2026-01-01T00:00:00Z\",\"resourceId\":\"/subscriptions/s1/resourceGroups/g\"}\n"
			   "{\"caller\":\"a@x.com\",\"correlationId\":\"c1\",\"eventDataId\":\"f\",\"operationName\":\"X/Y/DELETE\","
			   "\"status\":\"Failed\",\"subStatus\":\"NotFound\",\"eventTimestamp\":\"2026-01-01T00:00:09Z\",\"resourceId\":\"/subscriptions/s1/resourceGroups/g\"}\n",
			   &c), 0);
	CHECK_INT(c.n, 1);
	if (c.n == 1) {
		CHECK_STR(c.ev[0]->event_id, "f");
		CHECK_STR(ctx_str(c.ev[0], "begin_status"), "Started");
		CHECK_STR(c.ev[0]->outcome_code, "NotFound");
		CHECK_STR(c.ev[0]->target_kind, "resourceGroups");
		CHECK_STR(c.ev[0]->environment, "s1");
	}
	collect_reset(&c);
}

TEST(gcp_azure_detection)
{
	static const struct detect_case cases[] = {
		{ "{\"protoPayload\":{\"@type\":\"type.googleapis.com/google.cloud.audit.AuditLog\"}", "gcp" },
		{ "[\n  {\n    \"insertId\": \"x\",\n    \"protoPayload\": {", "gcp" },
		{ "{\"value\":[{\"caller\":\"a\",\"correlationId\":\"c\",\"operationName\":{\"value\":\"x\"}", "azure" },
		{ "{\"records\":[{\"time\":\"t\",\"resourceId\":\"/S\",\"operationName\":\"X\"", "azure" },
	};

	check_detection(cases, ARRAY_SIZE(cases));
	CHECK(format_find("gcp") == &format_gcp);
	CHECK(format_find("azure") == &format_azure);
}

int main(void)
{
	RUN(k8s_stages_dedup_and_states);
	RUN(k8s_eventlist_and_service_accounts);
	RUN(k8s_system_users);
	RUN(k8s_gzip);
	RUN(gzip_damage);
	RUN(k8s_samples);
	RUN(cloudtrail_samples);
	RUN(cloudtrail_invalid_sample);
	RUN(cloudtrail_lookup_events);
	RUN(launchdarkly_samples);
	RUN(launchdarkly_rest_items);
	RUN(unleash_export);
	RUN(map_epoch_units);
	RUN(map_fields_and_errors);
	RUN(json_pointer);
	RUN(document_positions);
	RUN(member_positions);
	RUN(detection);
	RUN(m365_activity_api);
	RUN(m365_jsonl_rules);
	RUN(m365_csv_export);
	RUN(m365_csv_errors);
	RUN(github_export);
	RUN(github_enterprise_changes);
	RUN(github_errors);
	RUN(m365_github_detection);
	RUN(opensearch_shapes);
	RUN(opensearch_positions);
	RUN(skip_counts);
	RUN(describe_unrecognised);
	RUN(detection_opensearch_and_unrecognised);
	RUN(gcp_sink_export);
	RUN(gcp_gcloud_array);
	RUN(gcp_errors_and_operations);
	RUN(azure_rest_value);
	RUN(azure_export_shapes);
	RUN(azure_errors);
	RUN(gcp_azure_detection);
	return CHECK_DONE();
}
