/*
 * test_display.c - the timeline's display names (display.c), decided by
 * the shape of a field's value across formats, and the terms a search
 * highlights (query_terms.c).
 */
#include <string.h>

#include "check.h"
#include "trailscope/display.h"
#include "trailscope/query.h"

static const char *act(const char *s)
{
	static struct buf b = BUF_INIT;

	buf_reset(&b);
	display_action(s, &b);
	return b.buf;
}

static const char *actor(const char *s)
{
	static struct buf b = BUF_INIT;

	buf_reset(&b);
	display_actor(s, &b);
	return b.buf;
}

static const char *target(const char *kind, const char *s)
{
	static struct buf b = BUF_INIT;

	buf_reset(&b);
	display_target(kind, s, &b);
	return b.buf;
}

static const char *env(const char *s, int short_form)
{
	static struct buf b = BUF_INIT;

	buf_reset(&b);
	display_env(s, short_form, &b);
	return b.buf;
}

TEST(actions)
{
	/* CloudTrail: eventSource:eventName */
	CHECK_STR(act("ec2.amazonaws.com:TerminateInstances"), "ec2:TerminateInstances");
	CHECK_STR(act("iam.amazonaws.com:CreateUser"), "iam:CreateUser");
	CHECK_STR(act("cloudtrail.amazonaws.com:UpdateTrail"), "cloudtrail:UpdateTrail");
	/* a service name in another domain (Google Cloud's shape) */
	CHECK_STR(act("storage.googleapis.com:storage.buckets.create"), "storage:storage.buckets.create");
	/* no DNS name before the colon: unchanged */
	CHECK_STR(act("insight:ApiCallRateInsight"), "insight:ApiCallRateInsight");
	CHECK_STR(act("flag.update"), "flag.update");
	CHECK_STR(act("create"), "create");
	CHECK_STR(act("Microsoft.Authorization/roleAssignments/write"),
		  "Microsoft.Authorization/roleAssignments/write");
	CHECK_STR(act("a..b:X"), "a..b:X");
	CHECK_STR(act("ec2.amazonaws.com:"), "ec2.amazonaws.com:");
	CHECK_STR(act(""), "");
}

TEST(actors)
{
	CHECK_STR(actor("arn:aws:iam::123456789012:user/Alice"), "Alice");
	CHECK_STR(actor("arn:aws:iam::123456789012:user/division_abc/subdivision_xyz/Bob"), "Bob");
	CHECK_STR(actor("arn:aws:sts::123456789012:assumed-role/Admin/alice-session"), "Admin/alice-session");
	CHECK_STR(actor("arn:aws:iam::123456789012:root"), "root");
	CHECK_STR(actor("arn:aws:iam::123456789012:role/service-role/Deployer"), "Deployer");
	CHECK_STR(actor("arn:aws:lambda:us-east-1:123456789012:function:my-fn"), "my-fn");
	CHECK_STR(actor("arn:aws:iam::"), "arn:aws:iam::");
	CHECK_STR(actor("system:serviceaccount:kube-system:replicaset-controller"),
		  "kube-system/replicaset-controller");
	CHECK_STR(actor("system:serviceaccount:broken"), "system:serviceaccount:broken");
	CHECK_STR(actor("system:admin"), "system:admin");
	CHECK_STR(actor("alice@example.com"), "alice@example.com");
	CHECK_STR(actor(""), "");
}

TEST(targets)
{
	CHECK_STR(target("rolebindings", "default/x"), "rolebinding default/x");
	CHECK_STR(target("clusterroles", "some-reader"), "clusterrole some-reader");
	CHECK_STR(target("pods/exec", "default/nginx"), "pod/exec default/nginx");
	CHECK_STR(target("networkpolicies", "default/deny"), "networkpolicy default/deny");
	CHECK_STR(target("ingresses", "web/front"), "ingress web/front");
	CHECK_STR(target("configmaps", "default/my-config"), "configmap default/my-config");
	/* singular or foreign kinds: the target alone */
	CHECK_STR(target("flag", "payments_new_flow"), "payments_new_flow");
	CHECK_STR(target("segment", "beta"), "beta");
	CHECK_STR(target("AWS::EC2::Instance", "i-ebeaf9e2"), "i-ebeaf9e2");
	CHECK_STR(target("pods/Exec", "x"), "x");
	CHECK_STR(target(NULL, "x"), "x");
	CHECK_STR(target("", "arn:aws:s3:::my-bucket"), "my-bucket");
}

TEST(environments)
{
	CHECK_STR(env("123456789012/us-east-2", 0), "123456789012/us-east-2");
	CHECK_STR(env("123456789012/us-east-2", 1), "us-east-2");
	CHECK_STR(env("production", 1), "prod");
	CHECK_STR(env("staging", 1), "stage");
	CHECK_STR(env("team/prod", 1), "team/prod");
	CHECK_STR(env("1234/x", 1), "1234/x");
	CHECK_STR(env("", 1), "");
}

static int has(const struct query_strings *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return 1;
	return 0;
}

TEST(search_terms)
{
	struct query_terms t = QUERY_TERMS_INIT;

	CHECK_INT(query_terms("actor:alice* payments \"full rollout\" /roll+out/i NOT secret -x "
			      "since:2026-01-01 risk:after-hours target:*pay*flow", &t), 0);
	CHECK(has(&t.words, "alice"));
	CHECK(has(&t.words, "payments"));
	CHECK(has(&t.words, "full rollout"));
	CHECK(has(&t.words, "pay"));
	CHECK(has(&t.words, "flow"));
	CHECK(!has(&t.words, "secret"));
	CHECK(!has(&t.words, "x"));
	CHECK_INT(t.regexes.n, 1);
	CHECK_INT(t.regex_flags.n, 1);
	if (t.regexes.n && t.regex_flags.n) {
		CHECK_STR(t.regexes.v[0], "roll+out");
		CHECK_STR(t.regex_flags.v[0], "i");
	}
	query_terms_release(&t);
	/* a query that does not parse gives nothing */
	memset(&t, 0, sizeof(t));
	CHECK_INT(query_terms("(actor:alice", &t), -1);
	CHECK_INT(t.words.n, 0);
	query_terms_release(&t);
	CHECK_INT(query_terms("after.rollout_pct:100 outcome:failure", &t), 0);
	CHECK(has(&t.words, "100"));
	CHECK_INT((long long)t.words.n, 1);
	query_terms_release(&t);
}

int main(void)
{
	RUN(actions);
	RUN(actors);
	RUN(targets);
	RUN(environments);
	RUN(search_terms);
	return CHECK_DONE();
}
