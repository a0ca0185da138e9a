/*
 * cli.c - helpers shared by the subcommands (see cli.h).
 */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "trailscope/incident.h"
#include "trailscope/jcs.h"
#include "trailscope/keys.h"
#include "trailscope/util.h"

static const char *const format_names[] = { "text", "table", "json", "jsonl", "csv" };

int cli_parse_format(const char *cmd, const char *value, unsigned allowed, enum out_format *out)
{
	struct buf list = BUF_INIT;

	for (unsigned i = 0; i < ARRAY_SIZE(format_names); i++) {
		if ((allowed & (1u << i)) && !strcmp(value, format_names[i])) {
			*out = (enum out_format)i;
			return 0;
		}
	}
	for (unsigned i = 0; i < ARRAY_SIZE(format_names); i++)
		if (allowed & (1u << i))
			buf_addf(&list, "%s%s", list.len ? ", " : "", format_names[i]);
	fprintf(stderr, "trailscope %s: unknown format '", cmd);
	cli_put_safe(stderr, value);
	fprintf(stderr, "' (use %s)\n", list.buf);
	buf_release(&list);
	return -1;
}

int cli_exit_status(int rc)
{
	if (rc >= 0)
		return EXIT_OK;
	switch (error_class()) {
	case ERR_USAGE: return EXIT_USAGE;
	case ERR_INPUT: return EXIT_BADINPUT;
	case ERR_IO: return EXIT_IO;
	case ERR_FAILED: return EXIT_FAILED;
	case ERR_UNVERIFIABLE: return EXIT_UNVERIFIABLE;
	case ERR_NONE:     /* a failure nobody classified is a bug */
	case ERR_INTERNAL:
	case ERR_CLASS_COUNT:
		break;
	}
	return EXIT_INTERNAL;
}

int cli_common_option(const struct cmd_ctx *cx, int c)
{
	return c == 'h' ? cmd_help(cx->cmd) : EXIT_USAGE;
}

int cli_trust_option(struct trust *t, const char *pubfile, int pin)
{
	return trust_add_file(t, pubfile, pin) ? EXIT_BADINPUT : EXIT_OK;
}

int cli_incident_load(struct store *s, const char *id, struct incident *in)
{
	int rc = incident_load(s, id, in);

	if (rc > 0)
		return EXIT_OK;
	if (rc == 0)
		error_as(ERR_INPUT, "no incident '%s' in the store (trailscope incident import STORE FILE)", id);
	return cli_exit_status(-1);
}

int cli_usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;
	struct buf b = BUF_INIT;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	fputs("trailscope: ", stderr);
	cli_put_safe(stderr, b.buf);
	fprintf(stderr, "\nusage: trailscope %s\n", usage);
	buf_release(&b);
	return EXIT_USAGE;
}

void cli_put_safe(FILE *f, const char *s)
{
	struct buf b = BUF_INIT;

	buf_add_term_safe(&b, s, strlen(s));
	fwrite(b.buf, 1, b.len, f);
	buf_release(&b);
}

/* The option getopt_long just refused, as the user typed it: "--name"
 * (without any "=value") for a long option, "-c" for a short one.
 * Returns 1 when it was a long option given "=value". */
static int refused_option(char **argv, const struct option *opts, struct buf *out)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	int is_long = !strncmp(arg, "--", 2) && arg[2];

	if (is_long && optopt) {
		/* a short option in a cluster leaves optind on an earlier word:
		 * only name that word if it is the long form of optopt */
		size_t n = strcspn(arg + 2, "=");

		is_long = 0;
		for (const struct option *o = opts; o && o->name; o++)
			if (!o->flag && o->val == optopt && !strncmp(o->name, arg + 2, n))
				is_long = 1;
	}
	if (is_long)
		buf_add(out, arg, 2 + strcspn(arg + 2, "="));
	else if (optopt)
		buf_addf(out, "-%c", optopt);
	else
		buf_addstr(out, arg);
	return is_long && strchr(arg, '=') != NULL;
}

int cli_getopt(int argc, char **argv, const char *optstring, const struct option *opts,
	       const char *cmd, const char *usage)
{
	struct buf spec = BUF_INIT, name = BUF_INIT;
	int c;

	buf_addch(&spec, ':'); /* report ':' for a missing value, print nothing */
	buf_addstr(&spec, optstring);
	opterr = 0;
	c = getopt_long(argc, argv, spec.buf, opts, NULL);
	if (c == ':' || c == '?') {
		int had_value = refused_option(argv, opts, &name);

		if (c == ':')
			cli_usage_error(usage, "%s: option %s needs a value", cmd, name.buf);
		else if (optopt && had_value)
			cli_usage_error(usage, "%s: option %s takes no value", cmd, name.buf);
		else if (optopt)
			cli_usage_error(usage, "%s: unknown option '%s' (an operand starting with '-' goes after --)",
					cmd, name.buf);
		else
			cli_usage_error(usage, "%s: unknown option '%s'", cmd, name.buf);
		c = '?';
	}
	buf_release(&spec);
	buf_release(&name);
	return c;
}

int cli_signer_key_check(const char *opt, const char *path)
{
	if (!path || !keyfile_is_verifier(path))
		return 0;
	fprintf(stderr, "trailscope: error: %s wants the private key; ", opt);
	cli_put_safe(stderr, path);
	fputs(" is a public key: use --trust\n", stderr);
	return -1;
}

size_t cli_edit_distance(const char *a, const char *b)
{
	return str_edit_distance(a, b);
}

/* A JSON string, ASCII only: the escapes jansson's JSON_ENSURE_ASCII
 * writes (\uXXXX, surrogate pairs above U+FFFF). s is valid UTF-8. */
static void json_put_string(struct buf *out, const char *s, size_t len)
{
	buf_addch(out, '"');
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		int n;

		if (c < 0x80) {
			i++;
			switch (c) {
			case '"': buf_addstr(out, "\\\""); break;
			case '\\': buf_addstr(out, "\\\\"); break;
			case '\b': buf_addstr(out, "\\b"); break;
			case '\f': buf_addstr(out, "\\f"); break;
			case '\n': buf_addstr(out, "\\n"); break;
			case '\r': buf_addstr(out, "\\r"); break;
			case '\t': buf_addstr(out, "\\t"); break;
			default:
				if (c < 0x20 || c == 0x7f)
					buf_addf(out, "\\u%04X", c);
				else
					buf_addch(out, (char)c);
			}
			continue;
		}
		n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
		cp = c & (0x3f >> n);
		for (int k = 1; k <= n && i + (size_t)k < len; k++)
			cp = cp << 6 | ((unsigned char)s[i + (size_t)k] & 0x3f);
		i += (size_t)n + 1;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			buf_addf(out, "\\u%04X\\u%04X", 0xd800 | (cp >> 10), 0xdc00 | (cp & 0x3ff));
		} else {
			buf_addf(out, "\\u%04X", cp);
		}
	}
	buf_addch(out, '"');
}

static void json_put(struct buf *out, const json_t *v, int depth)
{
	const char *key;
	json_t *member;
	size_t i = 0;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (!json_object_size(v)) {
			buf_addstr(out, "{}");
			break;
		}
		buf_addch(out, '{');
		json_object_foreach((json_t *)v, key, member) {
			buf_addf(out, "%s\n%*s", i++ ? "," : "", 2 * (depth + 1), "");
			json_put_string(out, key, strlen(key));
			buf_addstr(out, ": ");
			json_put(out, member, depth + 1);
		}
		buf_addf(out, "\n%*s}", 2 * depth, "");
		break;
	case JSON_ARRAY:
		if (!json_array_size(v)) {
			buf_addstr(out, "[]");
			break;
		}
		buf_addch(out, '[');
		for (i = 0; i < json_array_size(v); i++) {
			buf_addf(out, "%s\n%*s", i ? "," : "", 2 * (depth + 1), "");
			json_put(out, json_array_get(v, i), depth + 1);
		}
		buf_addf(out, "\n%*s]", 2 * depth, "");
		break;
	case JSON_STRING:
		json_put_string(out, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		buf_addf(out, "%" PRId64, (int64_t)json_integer_value(v));
		break;
	case JSON_REAL:
		if (isfinite(json_real_value(v)))
			jcs_format_number(json_real_value(v), out);
		else
			buf_addstr(out, "null");
		break;
	case JSON_TRUE: buf_addstr(out, "true"); break;
	case JSON_FALSE: buf_addstr(out, "false"); break;
	case JSON_NULL: buf_addstr(out, "null"); break;
	}
}

void cli_json_print(FILE *f, const json_t *v)
{
	struct buf b = BUF_INIT;

	json_put(&b, v, 0);
	buf_addch(&b, '\n');
	fwrite(b.buf, 1, b.len, f);
	buf_release(&b);
}
