/*
 * theme.c - maps semantic roles to colours. A theme file (themes/README
 * documents the format) has one line per role: ROLE FG BG [ATTR...],
 * colours as 256-colour values with an 8-colour fallback ("114/green").
 * The default theme is compiled in, and so is the monochrome one used
 * when NO_COLOR is set or the terminal has no colours. Roles a file does
 * not mention keep the default theme's values.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trailscope/util.h"
#include "draw.h"

#define THEME_MAX_FILE (64 * 1024)

#define ROLE_NAME(name, str, help) str,
const char *const role_names[] = { ROLE_INFO(ROLE_NAME) };
#undef ROLE_NAME

struct role_style {
	short fg, bg;    /* 256-colour values, -1 default */
	short fg8, bg8;  /* 8-colour fallback, -1 default */
	attr_t attrs;
};

static const char builtin_default[] =
	"# dark: the default theme (compiled in)\n"
	"default        252/white    default\n"
	"header         231/white    24/blue      bold\n"
	"columns        250/white    236/black    bold\n"
	"status         252/white    236/black\n"
	"chain-ok       16/black     71/green     bold\n"
	"chain-failed   231/white    160/red      bold\n"
	"chain-warn     16/black     214/yellow   bold\n"
	"selection      231/white    25/blue      bold\n"
	"time           110/cyan     default\n"
	"actor          252/white    default\n"
	"actor-service  176/magenta  default\n"
	"action         180/yellow   default\n"
	"target         117/cyan     default      bold\n"
	"env            245/white    default\n"
	"env-prod       209/red      default      bold\n"
	"summary        250/white    default\n"
	"risk           231/white    160/red      bold\n"
	"risk-low       16/black     180/yellow\n"
	"failed         203/red      default      bold\n"
	"diff-added     114/green    default\n"
	"diff-removed   203/red      default\n"
	"diff-changed   221/yellow   default      bold\n"
	"diff-unknown   244/white    default      dim\n"
	"label          244/white    default\n"
	"section        75/blue      default      bold underline\n"
	"muted          242/white    default      dim\n"
	"density        67/blue      default\n"
	"density-cursor 231/white    166/yellow   bold\n"
	"density-incident 231/white  88/red\n"
	"mark           16/black     178/yellow   bold\n"
	"search-match   16/black     220/yellow   bold\n"
	"score          209/red      default      bold\n"
	"key            221/yellow   default      bold\n"
	"prompt         231/white    24/blue      bold\n"
	"error          231/white    160/red      bold\n";

static const char builtin_monochrome[] =
	"# monochrome: attributes only (used for NO_COLOR)\n"
	"default        default default\n"
	"header         default default reverse bold\n"
	"columns        default default bold underline\n"
	"status         default default reverse\n"
	"chain-ok       default default reverse bold\n"
	"chain-failed   default default reverse bold underline\n"
	"chain-warn     default default reverse\n"
	"selection      default default reverse\n"
	"time           default default\n"
	"actor          default default\n"
	"actor-service  default default underline\n"
	"action         default default\n"
	"target         default default bold\n"
	"env            default default\n"
	"env-prod       default default bold\n"
	"summary        default default\n"
	"risk           default default reverse bold\n"
	"risk-low       default default underline\n"
	"failed         default default bold\n"
	"diff-added     default default bold\n"
	"diff-removed   default default underline\n"
	"diff-changed   default default bold\n"
	"diff-unknown   default default dim\n"
	"label          default default dim\n"
	"section        default default bold underline\n"
	"muted          default default dim\n"
	"density        default default\n"
	"density-cursor default default reverse\n"
	"density-incident default default underline bold\n"
	"mark           default default reverse bold\n"
	"search-match   default default reverse underline\n"
	"score          default default bold\n"
	"key            default default bold\n"
	"prompt         default default reverse bold\n"
	"error          default default reverse bold\n";

static attr_t attrs[ROLE__COUNT];
static char current[128] = "default";

static const char *const color_names[] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};

static int parse_color1(const char *s, short *out)
{
	int64_t v;

	if (!strcmp(s, "default") || !strcmp(s, "-1")) {
		*out = -1;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(color_names); i++) {
		if (!strcmp(s, color_names[i])) {
			*out = (short)i;
			return 0;
		}
	}
	if (parse_int64(s, 0, 255, &v) == 0) {
		*out = (short)v;
		return 0;
	}
	return -1;
}

/* "114/green", "green", "114", "default" */
static int parse_color(const char *tok, short *c256, short *c8)
{
	char a[32];
	const char *slash = strchr(tok, '/');

	if (strlen(tok) >= sizeof(a))
		return -1;
	if (slash) {
		memcpy(a, tok, (size_t)(slash - tok));
		a[slash - tok] = 0;
		if (parse_color1(a, c256) || parse_color1(slash + 1, c8) || *c8 > 7)
			return -1;
		return 0;
	}
	if (parse_color1(tok, c256))
		return -1;
	*c8 = *c256 < 8 ? *c256 : *c256 < 16 ? (short)(*c256 - 8) : -1;
	return 0;
}

static int parse_attr(const char *tok, attr_t *a)
{
	static const struct { const char *name; attr_t attr; } names[] = {
		{ "bold", A_BOLD }, { "dim", A_DIM }, { "underline", A_UNDERLINE },
		{ "reverse", A_REVERSE }, { "standout", A_STANDOUT }, { "italic", A_ITALIC },
		{ "blink", A_BLINK }, { "normal", A_NORMAL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(tok, names[i].name)) {
			*a |= names[i].attr;
			return 0;
		}
	}
	return -1;
}

static void add_safe_token(struct buf *err, const char *tok)
{
	tui_safe(err, tok, strnlen(tok, 40));
}

/* Parses text into st (which holds defaults). Returns 0, or -1 with
 * "name:line: reason" in err. */
static int theme_parse(const char *text, size_t len, const char *name, struct role_style *st,
		       struct buf *err)
{
	size_t pos = 0;
	int lineno = 0;

	if (memchr(text, 0, len)) {
		buf_addf(err, "%s: not a text file", name);
		return -1;
	}
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char line[512], *tok[16], *save = NULL, *p;
		int ntok = 0, role = -1;
		struct role_style rs;

		lineno++;
		if (ll >= sizeof(line)) {
			buf_addf(err, "%s:%d: line too long", name, lineno);
			return -1;
		}
		memcpy(line, text + pos, ll);
		line[ll] = 0;
		pos += ll + 1;
		if ((p = strchr(line, '#')))
			*p = 0;
		for (p = strtok_r(line, " \t\r", &save); p && ntok < (int)ARRAY_SIZE(tok);
		     p = strtok_r(NULL, " \t\r", &save))
			tok[ntok++] = p;
		if (!ntok)
			continue;
		for (int i = 0; i < ROLE__COUNT; i++)
			if (!strcmp(tok[0], role_names[i]))
				role = i;
		if (role < 0) {
			buf_addf(err, "%s:%d: unknown role '", name, lineno);
			add_safe_token(err, tok[0]);
			buf_addstr(err, "'");
			return -1;
		}
		if (ntok < 3) {
			buf_addf(err, "%s:%d: expected ROLE FG BG [ATTR...]", name, lineno);
			return -1;
		}
		memset(&rs, 0, sizeof(rs));
		for (int i = 1; i <= 2; i++) {
			if (parse_color(tok[i], i == 1 ? &rs.fg : &rs.bg, i == 1 ? &rs.fg8 : &rs.bg8)) {
				buf_addf(err, "%s:%d: bad colour '", name, lineno);
				add_safe_token(err, tok[i]);
				buf_addstr(err, "' (use 0-255, a name like green, N/name, or default)");
				return -1;
			}
		}
		for (int i = 3; i < ntok; i++) {
			if (parse_attr(tok[i], &rs.attrs)) {
				buf_addf(err, "%s:%d: unknown attribute '", name, lineno);
				add_safe_token(err, tok[i]);
				buf_addstr(err, "'");
				return -1;
			}
		}
		st[role] = rs;
	}
	return 0;
}

static int colours_wanted(void)
{
	const char *nc = getenv("NO_COLOR");

	return !(nc && *nc) && has_colors();
}

static void apply(const struct role_style *st)
{
	int colour = colours_wanted(), c256 = colour && COLORS >= 256;

	if (colour) {
		start_color();
		use_default_colors();
	}
	for (int i = 0; i < ROLE__COUNT; i++) {
		attrs[i] = st[i].attrs;
		if (colour && i + 1 < COLOR_PAIRS) {
			short fg = c256 ? st[i].fg : st[i].fg8, bg = c256 ? st[i].bg : st[i].bg8;

			init_pair((short)(i + 1), fg, bg);
			attrs[i] |= COLOR_PAIR(i + 1);
		}
	}
}

attr_t role_attr(enum role r)
{
	return (unsigned)r < ROLE__COUNT ? attrs[r] : A_NORMAL;
}

const char *theme_current(void)
{
	return current;
}

/* Directories searched for NAME.theme, in order. */
static void theme_dirs(char dirs[][PATH_MAX], int *n)
{
	const char *env = getenv("TRAILSCOPE_THEME_DIR"), *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	char exe[PATH_MAX];
	ssize_t len;

	*n = 0;
	if (env && *env)
		snprintf(dirs[(*n)++], PATH_MAX, "%s", env);
	if (xdg && *xdg)
		snprintf(dirs[(*n)++], PATH_MAX, "%s/trailscope/themes", xdg);
	else if (home && *home)
		snprintf(dirs[(*n)++], PATH_MAX, "%s/.config/trailscope/themes", home);
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		char *slash;

		exe[len] = 0;
		if ((slash = strrchr(exe, '/')))
			*slash = 0;
		snprintf(dirs[(*n)++], PATH_MAX, "%.*s/themes", PATH_MAX - 16, exe);
		snprintf(dirs[(*n)++], PATH_MAX, "%.*s/../themes", PATH_MAX - 16, exe);
		snprintf(dirs[(*n)++], PATH_MAX, "%.*s/../share/trailscope/themes", PATH_MAX - 32, exe);
	}
}

static int valid_name(const char *name)
{
	if (!*name || strlen(name) > 64)
		return 0;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return 0;
	return 1;
}

static int load_into(const char *name, struct role_style *st, struct buf *err)
{
	char dirs[6][PATH_MAX], path[PATH_MAX + 80];
	int ndirs;
	size_t len;
	char *text;

	if (!strcmp(name, "default") || !strcmp(name, "dark"))
		return theme_parse(builtin_default, sizeof(builtin_default) - 1, "default", st, err);
	if (!strcmp(name, "monochrome"))
		return theme_parse(builtin_monochrome, sizeof(builtin_monochrome) - 1, "monochrome", st, err);
	if (strchr(name, '/')) {
		snprintf(path, sizeof(path), "%s", name);
	} else if (!valid_name(name)) {
		buf_addstr(err, "bad theme name '");
		add_safe_token(err, name);
		buf_addstr(err, "'");
		return -1;
	} else {
		theme_dirs(dirs, &ndirs);
		path[0] = 0;
		for (int i = 0; i < ndirs; i++) {
			snprintf(path, sizeof(path), "%.*s/%.64s.theme", PATH_MAX - 1, dirs[i], name);
			if (access(path, R_OK) == 0)
				break;
			path[0] = 0;
		}
		if (!path[0]) {
			buf_addstr(err, "no theme named '");
			add_safe_token(err, name);
			buf_addstr(err, "'");
			return -1;
		}
	}
	text = read_file(path, THEME_MAX_FILE, &len);
	if (!text) {
		buf_addstr(err, "cannot read theme '");
		tui_safe(err, path, strlen(path));
		buf_addf(err, "': %s", errno == EFBIG ? "too large" : strerror(errno));
		return -1;
	}
	{
		struct buf safe_path = BUF_INIT;
		int ret;

		tui_safe(&safe_path, path, strlen(path));
		ret = theme_parse(text, len, safe_path.buf, st, err);
		buf_release(&safe_path);
		free(text);
		return ret;
	}
}

int theme_use(const char *name, struct buf *err)
{
	struct role_style st[ROLE__COUNT];
	struct buf e = BUF_INIT;
	int ret = 0;

	memset(st, 0, sizeof(st));
	theme_parse(builtin_default, sizeof(builtin_default) - 1, "default", st, &e);
	if (!colours_wanted() && strcmp(name, "monochrome")) {
		/* NO_COLOR or no colours: attributes only */
		theme_parse(builtin_monochrome, sizeof(builtin_monochrome) - 1, "monochrome", st, &e);
		if (strcmp(name, "default"))
			ret = load_into(name, st, err) ? -1 : 0;
		if (ret) {
			memset(st, 0, sizeof(st));
			theme_parse(builtin_monochrome, sizeof(builtin_monochrome) - 1, "monochrome", st, &e);
		}
		snprintf(current, sizeof(current), "%s", ret ? "monochrome" : name);
	} else if (load_into(name, st, err)) {
		memset(st, 0, sizeof(st));
		theme_parse(builtin_default, sizeof(builtin_default) - 1, "default", st, &e);
		snprintf(current, sizeof(current), "default");
		ret = -1;
	} else {
		snprintf(current, sizeof(current), "%s", strchr(name, '/') ? strrchr(name, '/') + 1 : name);
	}
	buf_release(&e);
	apply(st);
	return ret;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void theme_next(struct buf *name)
{
	char dirs[6][PATH_MAX];
	char **names = NULL;
	size_t n = 0, alloc = 0, pick = 0;
	int ndirs;

	ALLOC_GROW(names, n + 2, alloc);
	names[n++] = xstrdup("default");
	names[n++] = xstrdup("monochrome");
	theme_dirs(dirs, &ndirs);
	for (int i = 0; i < ndirs; i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *de;

		if (!d)
			continue;
		while ((de = readdir(d))) {
			size_t l = strlen(de->d_name);
			char stem[80];
			int dup = 0;

			if (l <= 6 || l - 6 >= sizeof(stem) || strcmp(de->d_name + l - 6, ".theme"))
				continue;
			memcpy(stem, de->d_name, l - 6);
			stem[l - 6] = 0;
			if (!valid_name(stem))
				continue;
			for (size_t k = 0; k < n; k++)
				dup |= !strcmp(names[k], stem);
			if (dup)
				continue;
			ALLOC_GROW(names, n + 1, alloc);
			names[n++] = xstrdup(stem);
		}
		closedir(d);
	}
	qsort(names + 1, n - 1, sizeof(*names), cmp_str);
	for (size_t k = 0; k < n; k++)
		if (!strcmp(names[k], current))
			pick = (k + 1) % n;
	buf_reset(name);
	buf_addstr(name, names[pick]);
	for (size_t k = 0; k < n; k++)
		free(names[k]);
	free(names);
}
