/*
 * format_cloudtrail.c - AWS CloudTrail: S3 delivery files
 * ({"Records":[...]}), LookupEvents output (JSON lines, or {"Events":[...]},
 * whose CloudTrailEvent member is the record as a JSON string), and JSON
 * lines of plain records. Actor from userIdentity, action
 * eventSource:eventName, target from resources or a request parameter,
 * environment ACCOUNT/REGION. CloudTrail does not record states: the
 * request parameters are the state after, the state before is unknown.
 * readOnly events are skipped unless --include-reads; errorCode marks a
 * failed attempt (context.failed, no state after).
 *
 * Cost: one strict parse per record (two for LookupEvents entries).
 */
#include <stdlib.h>
#include <string.h>

#include "trailscope/format_util.h"
#include "trailscope/jcs.h"
#include "trailscope/util.h"

/* Request parameters that name the target, most specific first. */
static const struct {
	const char *param, *kind;
} target_params[] = {
	{ "bucketName", "AWS::S3::Bucket" },
	{ "instanceId", "AWS::EC2::Instance" },
	{ "userName", "AWS::IAM::User" },
	{ "roleName", "AWS::IAM::Role" },
	{ "groupName", "AWS::IAM::Group" },
	{ "policyArn", "AWS::IAM::Policy" },
	{ "functionName", "AWS::Lambda::Function" },
	{ "keyName", "AWS::EC2::KeyPair" },
	{ "tableName", "AWS::DynamoDB::Table" },
	{ "dBInstanceIdentifier", "AWS::RDS::DBInstance" },
	{ "stackName", "AWS::CloudFormation::Stack" },
	{ "topicArn", "AWS::SNS::Topic" },
	{ "queueUrl", "AWS::SQS::Queue" },
	{ "keyId", "AWS::KMS::Key" },
	{ "secretId", "AWS::SecretsManager::Secret" },
	{ "repositoryName", "AWS::ECR::Repository" },
	{ "groupId", "AWS::EC2::SecurityGroup" },
	{ "vpcId", "AWS::EC2::VPC" },
	{ "trailName", "AWS::CloudTrail::Trail" },
	{ "name", NULL },         /* kind: the service */
	{ "resourceArn", NULL },
};

/* The service's short name: "ec2" for "ec2.amazonaws.com". */
static char *service_of(const char *source)
{
	const char *dot = strchr(source, '.');

	return dot ? xstrndup(source, (size_t)(dot - source)) : xstrdup(source);
}

static void read_target(const json_t *rec, const char *source, struct event *ev)
{
	json_t *res = json_object_get(rec, "resources"), *params = json_object_get(rec, "requestParameters");
	json_t *first = json_array_get(res, 0);
	const char *arn = fmt_str(first, "ARN");

	if (!arn)
		arn = fmt_str(first, "arn");
	if (arn && *arn) {
		const char *type = fmt_str(first, "type");

		ev->target_kind = type && *type ? xstrdup(type) : service_of(source);
		ev->target_key = xstrdup(arn);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(target_params); i++) {
		const char *v = fmt_str(params, target_params[i].param);

		if (!v && !strcmp(target_params[i].param, "instanceId")) {
			json_t *items = json_object_get(json_object_get(params, "instancesSet"), "items");

			v = fmt_str(json_array_get(items, 0), "instanceId");
		}
		if (v && *v) {
			ev->target_kind = target_params[i].kind ? xstrdup(target_params[i].kind)
								: service_of(source);
			ev->target_key = xstrdup(v);
			return;
		}
	}
	ev->target_kind = service_of(source);
	ev->target_key = xstrdup(source);
}

static void read_actor(const json_t *rec, struct event *ev)
{
	json_t *ui = json_object_get(rec, "userIdentity");
	json_t *sc = json_object_get(ui, "sessionContext");
	const char *type = fmt_str(ui, "type"), *arn = fmt_str(ui, "arn");
	const char *issuer = fmt_str_path(sc, "sessionIssuer", "userName", (const char *)NULL);
	const char *id, *mfa = fmt_str_path(sc, "attributes", "mfaAuthenticated", (const char *)NULL);

	if (!(id = arn) && !(id = fmt_str(ui, "principalId")) && !(id = fmt_str(ui, "invokedBy")) &&
	    !(id = fmt_str(ui, "accountId")))
		id = "unknown";
	ev->actor_id = xstrdup(*id ? id : "unknown");
	if (fmt_str(ui, "userName"))
		ev->actor_name = xstrdup(fmt_str(ui, "userName"));
	else if (arn && strstr(arn, ":assumed-role/"))
		ev->actor_name = xstrdup(strstr(arn, ":assumed-role/") + 14);
	else if (fmt_str(ui, "invokedBy"))
		ev->actor_name = xstrdup(fmt_str(ui, "invokedBy"));
	if (!type)
		ev->actor_type = xstrdup("unknown");
	else if (!strcmp(type, "IAMUser") || !strcmp(type, "Root") || !strcmp(type, "SAMLUser") ||
		 !strcmp(type, "WebIdentityUser") || !strcmp(type, "FederatedUser") ||
		 !strcmp(type, "IdentityCenterUser"))
		ev->actor_type = xstrdup("user");
	else if (!strcmp(type, "AWSService") || !strcmp(type, "AWSAccount"))
		ev->actor_type = xstrdup("service");
	else if (!strcmp(type, "AssumedRole") && issuer && !strncmp(issuer, "AWSReservedSSO_", 15))
		ev->actor_type = xstrdup("user");
	else
		ev->actor_type = xstrdup("unknown");
	if (mfa && !strcmp(mfa, "true"))
		ev->actor_auth = xstrdup("mfa");
	else if (fmt_str(ui, "accessKeyId"))
		ev->actor_auth = xstrdup("access-key");
	fmt_ctx_str(ev->context, "identity_type", type);
	fmt_ctx_str(ev->context, "user_arn", arn);
	fmt_ctx_str(ev->context, "session_issuer",
		    fmt_str_path(sc, "sessionIssuer", "arn", (const char *)NULL));
}

/* The members a record is read from have their types when present: a
 * wrong one is an error at its value (inside a LookupEvents
 * CloudTrailEvent string, at the entry), never a silent fallback.
 * Returns 1, or what fmt_bad answered. */
static int check_members(struct fmt_reader *r, const struct fmt_record *where, const json_t *rec)
{
	static const struct {
		const char *name;
		json_type type;
	} members[] = {
		{ "eventTime", JSON_STRING }, { "eventSource", JSON_STRING }, { "eventName", JSON_STRING },
		{ "eventID", JSON_STRING }, { "awsRegion", JSON_STRING }, { "recipientAccountId", JSON_STRING },
		{ "userIdentity", JSON_OBJECT }, { "requestParameters", JSON_OBJECT },
		{ "resources", JSON_ARRAY }, { "errorCode", JSON_STRING },
	};
	static const char *const names[] = { "string", "object", "array" };

	for (size_t i = 0; i < ARRAY_SIZE(members); i++) {
		json_t *v = json_object_get(rec, members[i].name);
		const char *want = names[members[i].type == JSON_STRING ? 0 : members[i].type == JSON_OBJECT ? 1 : 2];

		if (!v || json_is_null(v) || json_typeof(v) == members[i].type)
			continue;
		if (rec != where->json)
			return fmt_bad(r, where, "in \"CloudTrailEvent\": expected %s for \"%s\"", want,
				       members[i].name);
		return fmt_bad_at(r, where, members[i].name, "expected %s for \"%s\"", want, members[i].name);
	}
	return 1;
}

/* One CloudTrail record (rec may be the parsed CloudTrailEvent string). */
static int ct_event(struct fmt_reader *r, const struct fmt_record *where, const json_t *rec,
		    const char *outer_id)
{
	json_t *ro = json_object_get(rec, "readOnly"), *params = json_object_get(rec, "requestParameters");
	json_t *insight = json_object_get(rec, "insightDetails");
	const char *time = fmt_str(rec, "eventTime"), *source = fmt_str(rec, "eventSource");
	const char *name = fmt_str(rec, "eventName"), *acct, *region, *code;
	struct buf b = BUF_INIT, err = BUF_INIT;
	struct event *ev;
	int rc;

	if (!json_is_object(rec))
		return fmt_bad(r, where, "expected a CloudTrail record object");
	if ((rc = check_members(r, where, rec)) <= 0)
		return rc;
	if (!time)
		return fmt_bad(r, where, "not a CloudTrail record (missing \"eventTime\")");
	if (!json_is_object(insight) && (!source || !*source || !name || !*name))
		return fmt_bad(r, where, "missing \"eventSource\" or \"eventName\"");
	if (json_is_true(ro) && !r->opt->include_reads) {
		fmt_skip(r, SKIP_READ);
		return 0;
	}
	ev = fmt_event_new();
	if (fmt_time_iso(ev, time, &err)) {
		/* at its value, unless inside a CloudTrailEvent string */
		return fmt_event_abandon(ev, &err, fmt_bad_at(r, where, rec == where->json ? "eventTime" : "",
							      "\"eventTime\": %s", err.buf));
	}
	ev->event_id = fmt_dup(fmt_str(rec, "eventID"));
	if (!ev->event_id)
		ev->event_id = fmt_dup(outer_id);
	ev->context = json_object();
	if (json_is_object(insight)) {
		const char *isrc = fmt_str(insight, "eventSource"), *iname = fmt_str(insight, "eventName");

		ev->actor_id = xstrdup("aws:cloudtrail-insights");
		ev->actor_name = xstrdup("CloudTrail Insights");
		ev->actor_type = xstrdup("service");
		buf_addf(&b, "insight:%s:%s", fmt_str(insight, "insightType") ? fmt_str(insight, "insightType") : "",
			 fmt_str(insight, "state") ? fmt_str(insight, "state") : "");
		ev->action = buf_detach(&b, NULL);
		ev->target_kind = xstrdup("api");
		buf_addf(&b, "%s:%s", isrc ? isrc : "", iname ? iname : "");
		ev->target_key = buf_detach(&b, NULL);
		fmt_ctx_str(ev->context, "correlation_id", fmt_str(rec, "sharedEventID"));
	} else {
		read_actor(rec, ev);
		buf_addf(&b, "%s:%s", source, name);
		ev->action = buf_detach(&b, NULL);
		read_target(rec, source, ev);
		fmt_ctx_str(ev->context, "correlation_id", fmt_str(rec, "requestID"));
	}
	if (!(acct = fmt_str(rec, "recipientAccountId")) &&
	    !(acct = fmt_str_path(rec, "userIdentity", "accountId", (const char *)NULL)))
		acct = "";
	region = fmt_str(rec, "awsRegion");
	buf_addf(&b, "%s/%s", acct, region ? region : "");
	ev->environment = buf_detach(&b, NULL);

	fmt_ctx_str(ev->context, "source_ip", fmt_str(rec, "sourceIPAddress"));
	fmt_ctx_str(ev->context, "user_agent", fmt_str(rec, "userAgent"));
	fmt_ctx_str(ev->context, "event_type", fmt_str(rec, "eventType"));
	fmt_ctx_str(ev->context, "event_category", fmt_str(rec, "eventCategory"));
	fmt_ctx_json(ev->context, "request_parameters", params);
	fmt_ctx_json(ev->context, "response_elements", json_object_get(rec, "responseElements"));
	fmt_ctx_json(ev->context, "resources", json_object_get(rec, "resources"));
	if (json_is_true(ro))
		json_object_set_new(ev->context, "read_only", json_true());
	code = fmt_str(rec, "errorCode");
	if (code && *code) {
		json_object_set_new(ev->context, "failed", json_true());
		fmt_ctx_str(ev->context, "error_code", code);
		fmt_ctx_str(ev->context, "error_message", fmt_str(rec, "errorMessage"));
		event_set_failure(ev, code, fmt_str(rec, "errorMessage"));
	} else if (json_is_object(params)) {
		ev->after = json_incref(params);
	}
	ev->before_known = 0;
	buf_release(&b);
	buf_release(&err);
	return fmt_emit(r, where, ev);
}

static int ct_record(struct fmt_reader *r, const struct fmt_record *rec)
{
	json_t *inner = json_object_get(rec->json, "CloudTrailEvent"), *parsed;
	struct buf err = BUF_INIT;
	size_t nul;
	int l, c, rc;

	if (!inner)
		return ct_event(r, rec, rec->json, NULL);
	/* LookupEvents: the record is a JSON string */
	if (!json_is_string(inner))
		return fmt_bad(r, rec, "expected string for \"CloudTrailEvent\"");
	if (!r->opt->include_reads && fmt_str(rec->json, "ReadOnly") &&
	    !strcmp(fmt_str(rec->json, "ReadOnly"), "true")) {
		fmt_skip(r, SKIP_READ);
		return 0;
	}
	parsed = json_parse_strict(json_string_value(inner), json_string_length(inner), &l, &c, &err);
	if (!parsed) {
		rc = fmt_bad(r, rec, "in \"CloudTrailEvent\" at %d:%d: %s", l, c, err.buf);
		buf_release(&err);
		return rc;
	}
	buf_release(&err);
	if ((nul = fmt_nul_at(json_string_value(inner), json_string_length(inner))) != FMT_NO_NUL) {
		const char *t = json_string_value(inner);

		/* where in the embedded record, as for its syntax errors */
		l = c = 1;
		for (size_t i = 0; i < nul; i++, c++)
			if (t[i] == '\n') {
				l++;
				c = 0;
			}
		json_decref(parsed);
		return fmt_bad(r, rec, "in \"CloudTrailEvent\" at %d:%d: " FMT_NUL_MESSAGE, l, c);
	}
	rc = ct_event(r, rec, parsed, fmt_str(rec->json, "EventId"));
	json_decref(parsed);
	return rc;
}

static int ct_detect(const char *head, size_t len)
{
	(void)len;
	if (fmt_head_has_key(head, "CloudTrailEvent"))
		return 90;
	if (fmt_head_has_key(head, "Records") &&
	    (fmt_head_has_key(head, "eventVersion") || fmt_head_has_key(head, "eventTime") ||
	     fmt_head_has_key(head, "eventSource")))
		return 90;
	if (fmt_head_has_key(head, "eventSource") && fmt_head_has_key(head, "eventName") &&
	    fmt_head_has_key(head, "eventTime"))
		return 80;
	return 0;
}

static int ct_read(FILE *f, const char *file, const struct format_options *opt,
		   struct record_sink *sink)
{
	static const char *const wrappers[] = { "Records", "Events", NULL };
	struct fmt_reader r = {
		.format = "cloudtrail", .file = file, .opt = opt, .sink = sink,
		.wrappers = wrappers, .record = ct_record,
	};

	return fmt_read(&r, f);
}

const struct format_ops format_cloudtrail = { "cloudtrail", ct_detect, ct_read, FORMAT_PARALLEL, NULL, NULL };
