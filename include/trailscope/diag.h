/*
 * diag.h - the one diagnostic path. Messages go to stderr with one of two
 * prefixes: "trailscope: error: ..." for a failure with no place in a file,
 * and "FILE:LINE:COL: reason" (diag_at) for bad input that has one: a
 * record being imported, a map file, an incident file, a query (file
 * "<query>", line 1). Both are made safe for a terminal and kept as
 * last_error() for the TUI.
 *
 * Return convention of the core: a function that fails reports, then
 * returns -1 and leaves the class of the failure (enum err_class) for
 * error_class(). The CLI turns the class into an exit status in one place
 * (cli_exit_status in src/cmd/cli.c); the core never picks an exit status.
 * The class is per thread, like last_error().
 */
#ifndef TRAILSCOPE_DIAG_H
#define TRAILSCOPE_DIAG_H

#include <stdarg.h>

struct buf;

/* What kind of failure a -1 was. _(NAME, "name") */
#define ERR_CLASS_INFO(_) \
	_(NONE, "none") \
	_(USAGE, "usage") \
	_(INPUT, "bad input") \
	_(IO, "I/O") \
	_(FAILED, "verification failed") \
	_(UNVERIFIABLE, "unverifiable") \
	_(INTERNAL, "internal")

#define ERR_CLASS_ENUM(name, str) ERR_##name,
enum err_class {
	ERR_CLASS_INFO(ERR_CLASS_ENUM)
	ERR_CLASS_COUNT
};
#undef ERR_CLASS_ENUM

/* "usage", "bad input", "I/O", ...; "" for a value out of range. */
const char *err_class_name(enum err_class c);

/* The class of this thread's last failure (ERR_NONE before any). */
enum err_class error_class(void);
/* Sets the class of a failure already reported and returns -1: for a
 * function that ends with "return failed_as(ERR_INPUT);". */
int failed_as(enum err_class c);

/* Prints "trailscope: error: ...", sets the class to ERR_IO (the
 * environment failed: a file, the store, the disk) and returns -1. */
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same with the class given. */
int error_as(enum err_class c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "trailscope: warning: ..."; changes no class. */
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Bad input at a place: prints "FILE:LINE:COL: reason" (file and reason
 * made terminal-safe; LINE and COL 1-based, COL in bytes of the line),
 * sets the class to ERR_INPUT and returns -1. A caller that goes on after
 * it (--skip-invalid) ignores the -1.
 */
int diag_at(const char *file, long line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int diag_vat(const char *file, long line, int col, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
/* Appends the text diag_at prints (without the newline) to out. */
void diag_format(struct buf *out, const char *file, long line, int col, const char *msg);

/* Prints "trailscope: fatal: ..." and exits with EXIT_INTERNAL. Before
 * exiting it calls the hook set by set_die_hook (the TUI restores the
 * terminal there). For broken invariants and allocation failure. */
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void set_die_hook(void (*hook)(void));
/* When set, messages are not printed, only kept for last_error() (the
 * TUI shows them itself). */
void set_error_quiet(int quiet);
/* This thread's last message, without its prefix. */
const char *last_error(void);

#endif
