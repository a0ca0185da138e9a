/*
 * cli.c - helpers shared by the subcommands (see cli.h).
 */
#include <stdarg.h>
#include <string.h>

#include "trailscope/cli.h"
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

int cli_usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;
	struct buf b = BUF_INIT;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	fputs("trailscope: ", stderr);
	cli_put_safe(stderr, b.buf);
	fprintf(stderr, "\nusage: %s\n", usage);
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

void cli_csv_field(struct buf *out, const char *s, size_t len)
{
	struct buf safe = BUF_INIT;

	buf_add_term_safe(&safe, s, len);
	int quote = safe.len && strchr("=+-@", safe.buf[0]);

	for (size_t i = 0; i < safe.len && !quote; i++)
		if (safe.buf[i] == '"' || safe.buf[i] == ',' || safe.buf[i] == ' ')
			quote = 1;
	if (!quote) {
		buf_add(out, safe.buf, safe.len);
	} else {
		buf_addch(out, '"');
		if (safe.len && strchr("=+-@", safe.buf[0]))
			buf_addch(out, '\'');
		for (size_t i = 0; i < safe.len; i++) {
			if (safe.buf[i] == '"')
				buf_addch(out, '"');
			buf_addch(out, safe.buf[i]);
		}
		buf_addch(out, '"');
	}
	buf_release(&safe);
}

const char *cli_thousands(unsigned long long n, char out[32])
{
	char tmp[32];
	int len = snprintf(tmp, sizeof(tmp), "%llu", n), o = 0;

	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = tmp[i];
	}
	out[o] = '\0';
	return out;
}
