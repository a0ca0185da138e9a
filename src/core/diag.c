/*
 * diag.c - the one diagnostic path (diag.h): "trailscope: error: ..." and
 * located "FILE:LINE:COL: reason" messages, both terminal-safe, the last
 * one kept per thread for the TUI, and the class of the last failure.
 * Costs one formatting into a fixed buffer per message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/buf.h"
#include "trailscope/diag.h"
#include "trailscope/util.h"

static void (*die_hook)(void);
static int error_quiet;
/* per thread: the TUI reports from workers, import from its reader */
static _Thread_local char last_error_text[1024];
static _Thread_local enum err_class last_class;

#define ERR_CLASS_NAME(name, str) str,
static const char *const err_class_names[] = { ERR_CLASS_INFO(ERR_CLASS_NAME) };
#undef ERR_CLASS_NAME

void set_die_hook(void (*hook)(void)) { die_hook = hook; }
void set_error_quiet(int quiet) { error_quiet = quiet; }
const char *last_error(void) { return last_error_text; }
enum err_class error_class(void) { return last_class; }

const char *err_class_name(enum err_class c)
{
	return (unsigned)c < ARRAY_SIZE(err_class_names) ? err_class_names[c] : "";
}

int failed_as(enum err_class c)
{
	last_class = c;
	return -1;
}

/* Keeps text as the last message and prints it, after prefix, made safe. */
static void emit(const char *prefix, const char *text)
{
	struct buf safe = BUF_INIT;

	snprintf(last_error_text, sizeof(last_error_text), "%s", text);
	if (!error_quiet) {
		buf_add_term_safe(&safe, text, strlen(text));
		fprintf(stderr, "%s%s\n", prefix, safe.buf);
	}
	buf_release(&safe);
}

static void vreport(const char *prefix, const char *fmt, va_list ap)
{
	char text[sizeof(last_error_text)];

	vsnprintf(text, sizeof(text), fmt, ap);
	emit(prefix, text);
}

int error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("trailscope: error: ", fmt, ap);
	va_end(ap);
	return failed_as(ERR_IO);
}

int error_as(enum err_class c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("trailscope: error: ", fmt, ap);
	va_end(ap);
	return failed_as(c);
}

void warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("trailscope: warning: ", fmt, ap);
	va_end(ap);
}

/* Prints prefix and the message, made safe, without keeping it. */
static void vsay(const char *prefix, const char *fmt, va_list ap)
{
	struct buf msg = BUF_INIT, safe = BUF_INIT;

	if (error_quiet)
		return;
	buf_vaddf(&msg, fmt, ap);
	buf_add_term_safe(&safe, msg.buf, msg.len);
	fprintf(stderr, "%s%s\n", prefix, safe.buf);
	buf_release(&msg);
	buf_release(&safe);
}

void diag_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("trailscope: note: ", fmt, ap);
	va_end(ap);
}

void diag_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("trailscope: hint: ", fmt, ap);
	va_end(ap);
}

void diag_format(struct buf *out, const char *file, long line, int col, const char *msg)
{
	buf_add_term_safe(out, file, strlen(file));
	buf_addf(out, ":%ld:%d: ", line > 0 ? line : 1, col > 0 ? col : 1);
	buf_add_term_safe(out, msg, strlen(msg));
}

int diag_vat(const char *file, long line, int col, const char *fmt, va_list ap)
{
	struct buf msg = BUF_INIT, text = BUF_INIT;

	buf_vaddf(&msg, fmt, ap);
	diag_format(&text, file, line, col, msg.buf);
	snprintf(last_error_text, sizeof(last_error_text), "%s", text.buf);
	if (!error_quiet)
		fprintf(stderr, "%s\n", text.buf);
	buf_release(&msg);
	buf_release(&text);
	return failed_as(ERR_INPUT);
}

int diag_at(const char *file, long line, int col, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = diag_vat(file, line, col, fmt, ap);
	va_end(ap);
	return rc;
}

void die(const char *fmt, ...)
{
	va_list ap;

	if (die_hook) {
		void (*hook)(void) = die_hook;

		die_hook = NULL;
		hook();
	}
	/* no allocation here: die() may be reporting that allocation failed */
	va_start(ap, fmt);
	vsnprintf(last_error_text, sizeof(last_error_text), fmt, ap);
	va_end(ap);
	fprintf(stderr, "trailscope: fatal: %s\n", last_error_text);
	exit(EXIT_INTERNAL);
}
