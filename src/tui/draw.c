/*
 * draw.c - the only way text reaches the screen: data is made safe
 * (buf_add_term_safe, then anything without a display width escaped),
 * measured with wcwidth so wide characters keep columns aligned, and
 * clipped to the space given. Also styled lines and the generic pager
 * the event, verify and help views scroll with, and the display formats
 * of times and counts. While a search is active, its terms (query_terms)
 * are drawn in role search-match wherever a view turns highlighting on.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "trailscope/query.h"
#include "trailscope/risk.h"
#include "draw.h"
#include "keys.h"

/* Decodes one UTF-8 sequence of already-valid text; returns its length. */
static size_t utf8_next(const unsigned char *p, size_t len, unsigned *cp)
{
	unsigned c = p[0];
	size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;

	if (n > len || c < 0x80) {
		*cp = c;
		return 1;
	}
	*cp = c & (n == 2 ? 0x1f : n == 3 ? 0x0f : 0x07);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*cp = '?';
			return i;
		}
		*cp = (*cp << 6) | (p[i] & 0x3f);
	}
	return n;
}

static int cp_width(unsigned cp)
{
	if (cp < 0x80)
		return cp >= 0x20 && cp < 0x7f ? 1 : -1;
	return wcwidth((wchar_t)cp);
}

void tui_safe(struct buf *out, const char *s, size_t len)
{
	struct buf tmp = BUF_INIT;
	const unsigned char *p;

	buf_add_term_safe(&tmp, s, len);
	p = (const unsigned char *)tmp.buf;
	for (size_t i = 0; i < tmp.len;) {
		unsigned cp;
		size_t n = utf8_next(p + i, tmp.len - i, &cp);
		int w = cp_width(cp);

		if (w <= 0 || w > 2)
			buf_addf(out, cp < 0x100 ? "\\x%02x" : "\\u%04x", cp);
		else
			buf_add(out, p + i, n);
		i += n;
	}
	buf_release(&tmp);
}

void tui_safe_typed(struct buf *out, const char *s, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '\\')
			continue;
		tui_safe(out, s + start, i - start);
		if (i < len)
			buf_addch(out, '\\');
		start = i + 1;
	}
}

int text_cols(const char *s, size_t len)
{
	int used;

	text_fit(s, len, 1 << 30, &used);
	return used;
}

size_t text_fit(const char *s, size_t len, int cols, int *used)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	int w = 0;

	while (i < len) {
		unsigned cp;
		size_t n = utf8_next(p + i, len - i, &cp);
		int cw = cp_width(cp);

		if (cw <= 0)
			cw = 1;
		if (w + cw > cols)
			break;
		w += cw;
		i += n;
	}
	*used = w;
	return i;
}

static int draw_plain(int y, int x, int xmax, enum role r, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	wchar_t wb[256];
	int n = 0, startx = x;
	size_t i = 0;

	if (x >= xmax)
		return x;
	attrset(role_attr(r));
	while (i < len) {
		unsigned cp;
		size_t k = utf8_next(p + i, len - i, &cp);
		int cw = cp_width(cp);

		if (cw <= 0 || cw > 2) {
			cp = '?';
			cw = 1;
		}
		if (x + cw > xmax) {
			if (x < xmax) {
				wb[n++] = L' ';
				x++;
			}
			break;
		}
		wb[n++] = (wchar_t)cp;
		x += cw;
		i += k;
		if (n == (int)ARRAY_SIZE(wb) - 1) {
			mvaddnwstr(y, startx, wb, n);
			startx = x;
			n = 0;
		}
	}
	if (n)
		mvaddnwstr(y, startx, wb, n);
	return x;
}

/* ---- search highlighting ---- */

#define HL_MAX 32
static pcre2_code *hl_code[HL_MAX];
static size_t hl_n;
static int hl_on;
static pcre2_match_data *hl_md;

void highlight_set(const char *search)
{
	struct query_terms terms = QUERY_TERMS_INIT;

	highlight_clear();
	if (!search || !*search || query_terms(search, &terms))
		return;
	for (size_t i = 0; i < terms.words.n + terms.regexes.n && hl_n < HL_MAX; i++) {
		int lit = i < terms.words.n;
		const char *pat = lit ? terms.words.v[i] : terms.regexes.v[i - terms.words.n];
		const char *fl = lit ? "" : terms.regex_flags.v[i - terms.words.n];
		uint32_t o = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | (lit ? PCRE2_LITERAL | PCRE2_CASELESS : 0);
		int code;
		PCRE2_SIZE off;

		for (; *fl; fl++)
			o |= *fl == 'i' ? PCRE2_CASELESS : *fl == 'm' ? PCRE2_MULTILINE :
			     *fl == 's' ? PCRE2_DOTALL : *fl == 'x' ? PCRE2_EXTENDED : 0;
		if ((hl_code[hl_n] = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, o, &code, &off, NULL)))
			hl_n++;
	}
	query_terms_release(&terms);
	if (hl_n && !hl_md)
		hl_md = pcre2_match_data_create(4, NULL);
}

void highlight_clear(void)
{
	for (size_t i = 0; i < hl_n; i++)
		pcre2_code_free(hl_code[i]);
	hl_n = 0;
	hl_on = 0;
	pcre2_match_data_free(hl_md);
	hl_md = NULL;
}

int highlight_begin(void)
{
	int was = hl_on;

	hl_on = hl_n > 0;
	return was;
}

void highlight_end(int was)
{
	hl_on = was;
}

/* Roles that carry data (highlighted); chrome and labels are not. */
static int hl_role(enum role r)
{
	switch (r) {
	case ROLE_DEFAULT: case ROLE_SELECTION: case ROLE_ACTOR: case ROLE_ACTOR_SERVICE:
	case ROLE_ACTION: case ROLE_TARGET: case ROLE_ENV: case ROLE_ENV_PROD: case ROLE_SUMMARY:
	case ROLE_DIFF_ADDED: case ROLE_DIFF_REMOVED: case ROLE_DIFF_CHANGED: case ROLE_FAILED:
		return 1;
	default:
		return 0;
	}
}

/* The first match of any term in s[from, len): 1 and [*a, *b), or 0. */
static int hl_find(const char *s, size_t len, size_t from, size_t *a, size_t *b)
{
	int found = 0;

	for (size_t i = 0; i < hl_n; i++) {
		PCRE2_SIZE *ov;

		if (pcre2_match(hl_code[i], (PCRE2_SPTR)s, len, from, 0, hl_md, NULL) < 0)
			continue;
		ov = pcre2_get_ovector_pointer(hl_md);
		if (ov[1] <= ov[0])
			continue;
		if (!found || ov[0] < *a || (ov[0] == *a && ov[1] > *b)) {
			*a = ov[0];
			*b = ov[1];
			found = 1;
		}
	}
	return found;
}

int draw_text(int y, int x, int xmax, enum role r, const char *s, size_t len)
{
	size_t at = 0, a = 0, b = 0;

	if (!hl_on || !hl_role(r))
		return draw_plain(y, x, xmax, r, s, len);
	while (at < len && x < xmax && hl_find(s, len, at, &a, &b)) {
		x = draw_plain(y, x, xmax, r, s + at, a - at);
		x = draw_plain(y, x, xmax, ROLE_SEARCH, s + a, b - a);
		at = b;
	}
	return draw_plain(y, x, xmax, r, s + at, len - at);
}

void draw_fill(int y, int x, int xmax, enum role r)
{
	if (x >= xmax)
		return;
	attrset(role_attr(r));
	mvhline(y, x, ' ', xmax - x);
}

static const char *ellipsis(void)
{
	return wcwidth(0x2026) == 1 ? "\xe2\x80\xa6" : "~";
}

int draw_field(int y, int x, int width, enum role r, const char *data)
{
	struct buf safe = BUF_INIT;

	tui_safe(&safe, data, strlen(data));
	x = draw_field_safe(y, x, width, r, safe.buf, safe.len);
	buf_release(&safe);
	return x;
}

int draw_field_safe(int y, int x, int width, enum role r, const char *s, size_t len)
{
	struct buf safe = { (char *)s, len, 0 };
	int used;

	if (width <= 0)
		return x;
	if (text_cols(safe.buf, safe.len) <= width) {
		int nx = draw_text(y, x, x + width, r, safe.buf, safe.len);

		draw_fill(y, nx, x + width, r);
	} else {
		size_t n = text_fit(safe.buf, safe.len, width - 1, &used);
		int nx = draw_text(y, x, x + width, r, safe.buf, n);

		nx = draw_str(y, nx, x + width, r, ellipsis());
		draw_fill(y, nx, x + width, r);
	}
	return x + width;
}

struct line *lines_add(struct lines *L)
{
	struct line *l;

	ALLOC_GROW(L->v, L->n + 1, L->alloc);
	l = &L->v[L->n++];
	memset(l, 0, sizeof(*l));
	buf_init(&l->text);
	return l;
}

void lines_clear(struct lines *L)
{
	for (size_t i = 0; i < L->n; i++) {
		buf_release(&L->v[i].text);
		free(L->v[i].spans);
	}
	L->n = 0;
}

void lines_release(struct lines *L)
{
	lines_clear(L);
	free(L->v);
	memset(L, 0, sizeof(*L));
}

void line_add(struct line *l, enum role r, const char *safe, size_t len)
{
	if (!len)
		return;
	if (l->nspans && l->spans[l->nspans - 1].role == r &&
	    l->spans[l->nspans - 1].off + l->spans[l->nspans - 1].len == l->text.len) {
		l->spans[l->nspans - 1].len += len;
	} else {
		ALLOC_GROW(l->spans, l->nspans + 1, l->alloc);
		l->spans[l->nspans].role = r;
		l->spans[l->nspans].off = l->text.len;
		l->spans[l->nspans].len = len;
		l->nspans++;
	}
	buf_add(&l->text, safe, len);
}

void line_addstr(struct line *l, enum role r, const char *safe)
{
	line_add(l, r, safe, strlen(safe));
}

void line_add_data(struct line *l, enum role r, const char *data)
{
	struct buf safe = BUF_INIT;

	tui_safe(&safe, data, strlen(data));
	line_add(l, r, safe.buf, safe.len);
	buf_release(&safe);
}

static void add_spaces(struct line *l, enum role r, int n)
{
	for (int i = 0; i < n; i++)
		line_add(l, r, " ", 1);
}

/* Bytes of safe[0, n) to put on a line: n when the text ends there or a
 * space follows; else up to the last space inside, so words stay whole
 * (a word longer than the line is cut). */
static size_t word_cut(const char *safe, size_t len, size_t n)
{
	size_t k = n;

	if (n >= len || safe[n] == ' ')
		return n;
	while (k > 0 && safe[k - 1] != ' ')
		k--;
	return k > 0 ? k : n;
}

static void wrap_one(struct lines *L, enum role prefix_role, const char *prefix, enum role r,
		     const char *safe, size_t len, int width, int indent, int first)
{
	int pw = text_cols(prefix, strlen(prefix));
	size_t off = 0;

	do {
		struct line *l = lines_add(L);
		int avail, used;
		size_t n;

		if (first) {
			line_addstr(l, prefix_role, prefix);
			avail = width - pw;
		} else {
			add_spaces(l, r, indent);
			avail = width - indent;
			while (off < len && safe[off] == ' ' && off)
				off++; /* a wrapped line does not start with the space it broke at */
		}
		if (avail < 1)
			avail = 1;
		n = text_fit(safe + off, len - off, avail, &used);
		if (!n && off < len)
			n = 1;
		n = word_cut(safe + off, len - off, n);
		line_add(l, r, safe + off, n);
		off += n;
		first = 0;
	} while (off < len);
}

void lines_add_wrapped_safe(struct lines *L, enum role prefix_role, const char *prefix,
			    enum role r, const char *safe, size_t len, int width, int indent)
{
	if (indent >= width - 8)
		indent = width > 16 ? 8 : 0;
	wrap_one(L, prefix_role, prefix, r, safe, len, width, indent, 1);
}

void lines_add_wrapped(struct lines *L, enum role prefix_role, const char *prefix,
		       enum role r, const char *data, int width, int indent)
{
	size_t len = strlen(data), start = 0;
	int first = 1;

	if (indent >= width - 8)
		indent = width > 16 ? 8 : 0;
	/* multi-line text is shown as lines (each made safe on its own) */
	for (size_t i = 0; i <= len; i++) {
		struct buf safe = BUF_INIT;
		size_t end = i;

		if (i < len && data[i] != '\n')
			continue;
		if (end > start && data[end - 1] == '\r')
			end--;
		tui_safe(&safe, data + start, end - start);
		wrap_one(L, prefix_role, prefix, r, safe.buf, safe.len, width, indent, first);
		buf_release(&safe);
		first = 0;
		start = i + 1;
	}
}

void draw_line(int y, int x, int xmax, const struct line *l, int selected)
{
	draw_line_from(y, x, xmax, l, 0, selected);
}

void draw_line_from(int y, int x, int xmax, const struct line *l, int skip, int selected)
{
	for (size_t i = 0; i < l->nspans && x < xmax; i++) {
		const struct span *sp = &l->spans[i];
		const char *t = l->text.buf + sp->off;
		size_t n = sp->len;

		if (skip > 0) {
			int used, w = text_cols(t, n);
			size_t k;

			if (w <= skip) {
				skip -= w;
				continue;
			}
			k = text_fit(t, n, skip, &used);
			t += k;
			n -= k;
			skip = 0;
		}
		x = draw_text(y, x, xmax, selected ? ROLE_SELECTION : sp->role, t, n);
	}
	draw_fill(y, x, xmax, selected ? ROLE_SELECTION : ROLE_DEFAULT);
}

int line_cols(const struct line *l)
{
	return text_cols(l->text.buf, l->text.len);
}

static long next_selectable(struct pager *p, long from, int dir)
{
	for (long i = from; i >= 0 && i < (long)p->L.n; i += dir)
		if (p->L.v[i].selectable)
			return i;
	return -1;
}

static void pager_clamp(struct pager *p)
{
	long maxtop = (long)p->L.n - p->h;

	if (maxtop < 0)
		maxtop = 0;
	if (p->cur >= 0) {
		if (p->cur < p->top)
			p->top = p->cur;
		if (p->cur >= p->top + p->h)
			p->top = p->cur - p->h + 1;
	}
	if (p->top > maxtop)
		p->top = maxtop;
	if (p->top < 0)
		p->top = 0;
}

/* Moves the cursor (or the view, without one) by n lines. */
static void pager_move(struct pager *p, long n)
{
	if (p->cur < 0 || next_selectable(p, 0, 1) < 0) {
		p->top += n;
		pager_clamp(p);
		return;
	}
	long target = p->cur + n, i;

	if (target < 0)
		target = 0;
	if (target >= (long)p->L.n)
		target = (long)p->L.n - 1;
	i = next_selectable(p, target, n > 0 ? 1 : -1);
	if (i < 0)
		i = next_selectable(p, target, n > 0 ? -1 : 1);
	if (i == p->cur) {
		/* nothing selectable further: scroll the text instead */
		p->top += n;
		pager_clamp(p);
		if (p->cur < p->top || p->cur >= p->top + p->h) {
			long j = next_selectable(p, n > 0 ? p->top : p->top + p->h - 1, n > 0 ? 1 : -1);

			if (j >= p->top && j < p->top + p->h)
				p->cur = j;
		}
		pager_clamp(p);
		return;
	}
	if (i >= 0)
		p->cur = i;
	if (n > 1 || n < -1) {
		p->top += n;
		if (p->top < 0)
			p->top = 0;
	}
	pager_clamp(p);
}

int pager_request(struct pager *p, enum request req)
{
	long h = p->h > 1 ? p->h : 1;

	switch (req) {
	case REQ_MOVE_DOWN: pager_move(p, 1); return 1;
	case REQ_MOVE_UP: pager_move(p, -1); return 1;
	case REQ_PAGE_DOWN: pager_move(p, h); return 1;
	case REQ_PAGE_UP: pager_move(p, -h); return 1;
	case REQ_HALF_DOWN: pager_move(p, h / 2 ? h / 2 : 1); return 1;
	case REQ_HALF_UP: pager_move(p, -(h / 2 ? h / 2 : 1)); return 1;
	case REQ_FIRST:
		p->top = 0;
		if (p->cur >= 0 && next_selectable(p, 0, 1) >= 0)
			p->cur = next_selectable(p, 0, 1);
		pager_clamp(p);
		return 1;
	case REQ_SCROLL_RIGHT: {
		int step = p->w / 4 > 8 ? p->w / 4 : 8;

		if (p->widest <= p->w)
			return 0; /* nothing wider than the screen */
		p->skip = p->skip + step > p->widest - p->w ? p->widest - p->w : p->skip + step;
		return 1;
	}
	case REQ_SCROLL_LEFT: {
		int step = p->w / 4 > 8 ? p->w / 4 : 8;

		if (p->skip <= 0)
			return 0; /* at the left edge: the view closes */
		p->skip = p->skip > step ? p->skip - step : 0;
		return 1;
	}
	case REQ_LAST:
		p->top = (long)p->L.n;
		if (p->cur >= 0 && next_selectable(p, (long)p->L.n - 1, -1) >= 0)
			p->cur = next_selectable(p, (long)p->L.n - 1, -1);
		pager_clamp(p);
		return 1;
	default:
		return 0;
	}
}

void pager_draw(struct pager *p, int y, int h, int w)
{
	p->h = h;
	p->w = w;
	p->widest = 0;
	for (size_t i = 0; i < p->L.n; i++) {
		int lw = line_cols(&p->L.v[i]);

		if (lw > p->widest)
			p->widest = lw;
	}
	if (p->skip > p->widest - w)
		p->skip = p->widest - w > 0 ? p->widest - w : 0;
	pager_clamp(p);
	for (int i = 0; i < h; i++) {
		long k = p->top + i;

		if (k < (long)p->L.n)
			draw_line_from(y + i, 0, w, &p->L.v[k], p->skip, k == p->cur);
		else
			draw_fill(y + i, 0, w, ROLE_DEFAULT);
	}
}

int pager_mouse(struct pager *p, MEVENT *m, int y0)
{
	if (m->bstate & BUTTON4_PRESSED) {
		pager_move(p, -3);
		return 1;
	}
#ifdef BUTTON5_PRESSED
	if (m->bstate & BUTTON5_PRESSED) {
		pager_move(p, 3);
		return 1;
	}
#endif
	if (m->bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_RELEASED)) {
		long k = p->top + (m->y - y0);

		if (k >= 0 && k < (long)p->L.n && p->L.v[k].selectable) {
			int again = k == p->cur;

			p->cur = k;
			return again ? 2 : 1;
		}
		return 1;
	}
	return 0;
}

/* Appends code point cp as UTF-8 (a lone surrogate becomes U+FFFD). */
static void add_utf8(struct buf *out, unsigned cp)
{
	if (cp >= 0xd800 && cp < 0xe000)
		cp = 0xfffd;
	if (cp < 0x80) {
		buf_addch(out, (int)cp);
	} else if (cp < 0x800) {
		buf_addch(out, (int)(0xc0 | cp >> 6));
		buf_addch(out, (int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_addch(out, (int)(0xe0 | cp >> 12));
		buf_addch(out, (int)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addch(out, (int)(0x80 | (cp & 0x3f)));
	} else {
		buf_addch(out, (int)(0xf0 | cp >> 18));
		buf_addch(out, (int)(0x80 | ((cp >> 12) & 0x3f)));
		buf_addch(out, (int)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addch(out, (int)(0x80 | (cp & 0x3f)));
	}
}

static int hex4(const char *s, size_t len, unsigned *out)
{
	unsigned v = 0;

	if (len < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int c = s[i], d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
				  c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (d < 0)
			return -1;
		v = v << 4 | (unsigned)d;
	}
	*out = v;
	return 0;
}

/*
 * Summaries hold values as canonical JSON, so a control character in a
 * string value is stored as "\u001b": made safe as it is, that would
 * show as "\\u001b". Inside double-quoted strings the JSON escapes are
 * decoded first, then everything is made safe like any other data: the
 * escape shows once, as "\x1b". A string cut by "…" is decoded as far as
 * it goes; an escape cut short is kept as written.
 */
void summary_display(struct buf *out, const char *summary)
{
	struct buf raw = BUF_INIT;
	size_t len = strlen(summary);
	int in_str = 0;

	for (size_t i = 0; i < len; i++) {
		char c = summary[i];
		unsigned cp, lo;

		if (!in_str || c != '\\' || i + 1 >= len) {
			if (c == '"')
				in_str = !in_str;
			buf_addch(&raw, c);
			continue;
		}
		c = summary[++i];
		switch (c) {
		case 'n': buf_addch(&raw, '\n'); break;
		case 't': buf_addch(&raw, '\t'); break;
		case 'r': buf_addch(&raw, '\r'); break;
		case 'b': buf_addch(&raw, '\b'); break;
		case 'f': buf_addch(&raw, '\f'); break;
		case '"': case '\\': case '/': buf_addch(&raw, c); break;
		case 'u':
			if (hex4(summary + i + 1, len - i - 1, &cp)) {
				buf_add(&raw, "\\u", 2);
				break;
			}
			i += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && i + 6 < len && summary[i + 1] == '\\' &&
			    summary[i + 2] == 'u' && !hex4(summary + i + 3, len - i - 3, &lo) &&
			    lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 6;
			}
			if (!cp)
				buf_add(&raw, "\\u0000", 6); /* a NUL would end the text */
			else
				add_utf8(&raw, cp);
			break;
		default:
			buf_addch(&raw, '\\');
			buf_addch(&raw, c);
		}
	}
	tui_safe(out, raw.buf, raw.len);
	buf_release(&raw);
}

void risk_badges(struct line *l, unsigned risk, unsigned slots)
{
	static const struct { unsigned flag; const char *letter; enum role role; } badges[] = {
		{ RISK_NO_APPROVAL, "A", ROLE_RISK },
		{ RISK_MASS_ROLLOUT, "R", ROLE_RISK },
		{ RISK_RAPID_TOGGLE, "T", ROLE_RISK },
		{ RISK_AFTER_HOURS, "H", ROLE_RISK_LOW },
		{ RISK_SERVICE_ACCOUNT, "S", ROLE_RISK_LOW },
		{ RISK_PRODUCTION, "P", ROLE_ENV_PROD },
	};

	int first = 1;

	for (size_t i = 0; i < ARRAY_SIZE(badges); i++) {
		if (slots && !(slots & badges[i].flag))
			continue;
		if (slots && !first)
			line_add(l, ROLE_DEFAULT, " ", 1);
		first = 0;
		if (risk & badges[i].flag)
			line_addstr(l, badges[i].role, badges[i].letter);
		else if (slots)
			line_add(l, ROLE_DEFAULT, " ", 1);
	}
}

void ts_display(const char *ts, int with_date, struct buf *out)
{
	/* stored: 2026-03-05T14:02:07.123456Z */
	if (strlen(ts) < 19 || ts[10] != 'T') {
		tui_safe(out, ts, strlen(ts));
		return;
	}
	if (with_date) {
		buf_add(out, ts, 10);
		buf_addch(out, ' ');
	} else {
		buf_add(out, ts + 5, 5);
		buf_addch(out, ' ');
	}
	buf_add(out, ts + 11, 8);
}
