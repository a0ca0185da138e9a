/*
 * display.c - short display names for the timeline's columns
 * (display.h): pure string functions over one field at a time, no I/O.
 */
#include <ctype.h>
#include <string.h>

#include "trailscope/display.h"

/* A DNS name: labels of [a-z0-9-] joined by dots, at least one dot. */
static int is_dns_name(const char *s, size_t len)
{
	int dots = 0;

	if (!len || s[0] == '.' || s[len - 1] == '.')
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (s[i - 1] == '.')
				return 0;
			dots++;
		} else if (!(islower(c) || isdigit(c) || c == '-')) {
			return 0;
		}
	}
	return dots > 0;
}

void display_action(const char *action, struct buf *out)
{
	const char *colon = strrchr(action, ':');

	if (colon && colon[1] && is_dns_name(action, (size_t)(colon - action))) {
		buf_add(out, action, strcspn(action, "."));
		buf_addstr(out, colon);
		return;
	}
	buf_addstr(out, action);
}

/* arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE -> the resource's tail:
 * "user/path/Alice" -> "Alice", "assumed-role/Role/session" ->
 * "Role/session", "root" -> "root". Returns 0, or -1 (nothing added)
 * when s is no ARN. */
static int arn_tail(const char *s, struct buf *out)
{
	const char *res = s, *slash;

	if (strncmp(s, "arn:", 4))
		return -1;
	for (int i = 0; i < 5; i++) {
		res = strchr(res, ':');
		if (!res)
			return -1;
		res++;
	}
	if (!*res)
		return -1;
	if (!strncmp(res, "assumed-role/", 13) && strchr(res + 13, '/')) {
		buf_addstr(out, res + 13);
		return 0;
	}
	slash = strrchr(res, '/');
	if (slash && slash[1]) {
		buf_addstr(out, slash + 1);
		return 0;
	}
	/* "type:name" resources (lambda function:NAME, s3 has none) */
	slash = strrchr(res, ':');
	buf_addstr(out, slash && slash[1] ? slash + 1 : res);
	return 0;
}

void display_actor(const char *actor, struct buf *out)
{
	static const char sa[] = "system:serviceaccount:";

	if (!arn_tail(actor, out))
		return;
	if (!strncmp(actor, sa, sizeof(sa) - 1) && strchr(actor + sizeof(sa) - 1, ':')) {
		const char *ns = actor + sizeof(sa) - 1, *colon = strchr(ns, ':');

		buf_add(out, ns, (size_t)(colon - ns));
		buf_addch(out, '/');
		buf_addstr(out, colon + 1);
		return;
	}
	buf_addstr(out, actor);
}

/* A Kubernetes resource name: a lower-case plural ("rolebindings"), with
 * an optional "/subresource"; its length without the subresource. */
static size_t k8s_resource(const char *kind)
{
	size_t n = 0;

	while (islower((unsigned char)kind[n]))
		n++;
	if (n < 3 || kind[n - 1] != 's' || (kind[n] && kind[n] != '/'))
		return 0;
	if (kind[n] == '/')
		for (const char *p = kind + n + 1; *p; p++)
			if (!islower((unsigned char)*p))
				return 0;
	return n;
}

static void add_singular(struct buf *out, const char *word, size_t n)
{
	if (n > 4 && !strncmp(word + n - 3, "ies", 3)) {
		buf_add(out, word, n - 3);
		buf_addch(out, 'y');
	} else if (n > 4 && (!strncmp(word + n - 4, "sses", 4) || !strncmp(word + n - 4, "ches", 4) ||
			     !strncmp(word + n - 4, "shes", 4) || !strncmp(word + n - 3, "xes", 3))) {
		buf_add(out, word, n - 2);
	} else {
		buf_add(out, word, n - 1);
	}
}

void display_target(const char *target_kind, const char *target, struct buf *out)
{
	size_t n = target_kind ? k8s_resource(target_kind) : 0;

	if (n) {
		add_singular(out, target_kind, n);
		buf_addstr(out, target_kind + n);
		buf_addch(out, ' ');
	}
	if (arn_tail(target, out))
		buf_addstr(out, target);
}

void display_env(const char *env, int short_form, struct buf *out)
{
	static const char *const names[][2] = {
		{ "production", "prod" }, { "staging", "stage" }, { "development", "dev" },
	};
	const char *slash = strchr(env, '/');
	size_t digits = strspn(env, "0123456789");

	if (!short_form) {
		buf_addstr(out, env);
		return;
	}
	/* account/region: the region tells environments apart at a glance */
	if (slash && digits == (size_t)(slash - env) && digits >= 6 && slash[1]) {
		buf_addstr(out, slash + 1);
		return;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(env, names[i][0])) {
			buf_addstr(out, names[i][1]);
			return;
		}
	}
	buf_addstr(out, env);
}
