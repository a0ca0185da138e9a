/*
 * gen.c - the deterministic test-data generator (see gen.h): audit events
 * with realistic per-target histories (each event's previous_state is the
 * new_state of the last event for the same target and environment), and
 * incidents, each with a planted cause and distractors injected into the
 * same stream, for judging incident correlation.
 *
 * Cost: O(events) time, about a microsecond per event, output written as
 * JSON text directly (no JSON library). Memory is constant in the number
 * of background events (their times are drawn twice from a cloned PRNG,
 * once to learn the span and once to emit), plus one small record per
 * planted event and the current state of each of ~200 target and
 * environment pairs. All randomness is xoshiro256** seeded by splitmix64,
 * floating point is limited to IEEE basic operations (and the exact
 * frexp), and nothing reads the clock or the locale: the same options give
 * the same bytes.
 *
 * Incidents: o->incidents, else events / 2000 (at least one when they are
 * written), at most events / 6. They are planted whether or not they are
 * written, so asking for the incident file leaves the events unchanged
 * (except when that raises the count from none to one). Each plants 4-5
 * events: the cause, a same-service staging change, another service's
 * production change, a small same-service production change and, in ~70%,
 * a revert; bursts of 3-4 toggles are planted the same way. Timestamps
 * past year 9999 are not handled: the CLI bounds --events and --start.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/buf.h"
#include "trailscope/gen.h"
#include "trailscope/util.h"

#define USEC ((usec_t)1000000)
#define MINUTE (60 * USEC)
#define HOUR (60 * MINUTE)
#define DAY (24 * HOUR)
#define FLUSH_AT ((size_t)1 << 20)

/* Background pacing: a mean gap of ~94 s in business hours and eight
 * times that outside them gives ~260 s overall, 10,000 events a month. */
#define BUSINESS_GAP_USEC 93500000.0
#define OFF_HOURS_FACTOR 8.0

/* ---- the world: services, people, targets ---------------------------- */

enum { ENV_PROD, ENV_STAGING, ENV_DEV, NENV };
static const char *const env_names[NENV] = { "production", "staging", "development" };

enum {
	SVC_CHECKOUT, SVC_PAYMENTS, SVC_SEARCH, SVC_AUTH, SVC_INVENTORY,
	SVC_NOTIFICATIONS, SVC_RECS, SVC_SHIPPING, NSVC
};
static const char *const svc_names[NSVC] = {
	"checkout", "payments", "search", "auth", "inventory",
	"notifications", "recommendations", "shipping",
};

struct actor_def {
	const char *id, *name, *auth;
};

#define NPEOPLE 20
static const struct actor_def actors[] = {
	{ "alice@example.com", "Alice Moreau", "oidc" },
	{ "bob@example.com", "Bob Okafor", "oidc" },
	{ "carol@example.com", "Carol Chen", "saml" },
	{ "dmitri@example.com", "Dmitri Volkov", "oidc" },
	{ "elena@example.com", "Elena Garc\xc3\xad" "a", "oidc" },
	{ "farid@example.com", "Farid Haddad", "saml" },
	{ "grace@example.com", "Grace Kim", "oidc" },
	{ "hiro@example.com", "Hiro Tanaka (\xe7\x94\xb0\xe4\xb8\xad \xe5\xa4\xa7\xe7\xbf\x94)", "oidc" },
	{ "ines@example.com", "In\xc3\xaas Duarte", "saml" },
	{ "jamal@example.com", "Jamal Wright", "oidc" },
	{ "katja@example.com", "Katja Nowak", "oidc" },
	{ "liam@example.com", "Liam O'Brien", "saml" },
	{ "maria@example.com", "Maria Rossi", "oidc" },
	{ "noah@example.com", "Noah Schmidt", "oidc" },
	{ "olga@example.com", "Olga Petrova", "saml" },
	{ "priya@example.com", "Priya Raman", "oidc" },
	{ "quentin@example.com", "Quentin Laurent", "oidc" },
	{ "rosa@example.com", "Rosa \xc3\x81lvarez", "saml" },
	{ "sam@example.com", "Sam Taylor", "oidc" },
	{ "zoe@example.com", "Zo\xc3\xab \xc3\x85ngstr\xc3\xb6m", "oidc" },
	/* service accounts, in the order of enum bot */
	{ "deploy-bot", "Deploy Bot", "token" },
	{ "terraform-ci", "Terraform CI", "token" },
	{ "release-train", "Release Train", "token" },
	{ "flag-sync", "Flag Sync", "token" },
	{ "ops-automation", "Ops Automation", "token" },
};
enum bot { BOT_DEPLOY, BOT_TERRAFORM, BOT_RELEASE, BOT_SYNC, BOT_OPS, NBOTS };
static const char *const bot_corr_prefix[NBOTS] = { "deploy", "tf", "release", "sync", "auto" };

struct flag_def {
	unsigned char svc;
	const char *feature; /* the key is "<service>-<feature>" */
};
static const struct flag_def flag_defs[] = {
	{ SVC_CHECKOUT, "express-pay" }, { SVC_CHECKOUT, "one-page" },
	{ SVC_CHECKOUT, "address-autocomplete" }, { SVC_CHECKOUT, "gift-cards" },
	{ SVC_CHECKOUT, "guest-checkout" }, { SVC_CHECKOUT, "upsell-banner" },
	{ SVC_CHECKOUT, "saved-carts" }, { SVC_CHECKOUT, "split-payments" },
	{ SVC_PAYMENTS, "retry-v2" }, { SVC_PAYMENTS, "3ds-challenge" },
	{ SVC_PAYMENTS, "apple-pay" }, { SVC_PAYMENTS, "new-flow" },
	{ SVC_PAYMENTS, "fraud-scoring" }, { SVC_PAYMENTS, "wallet-refunds" },
	{ SVC_PAYMENTS, "currency-rounding" }, { SVC_PAYMENTS, "payout-batching" },
	{ SVC_SEARCH, "semantic-ranking" }, { SVC_SEARCH, "typo-tolerance" },
	{ SVC_SEARCH, "facet-redesign" }, { SVC_SEARCH, "autocomplete-v3" },
	{ SVC_SEARCH, "personalized-results" }, { SVC_SEARCH, "synonyms-v2" },
	{ SVC_SEARCH, "zero-results-fallback" }, { SVC_SEARCH, "query-rewrite" },
	{ SVC_AUTH, "passkeys" }, { SVC_AUTH, "mfa-enforce" },
	{ SVC_AUTH, "session-extend" }, { SVC_AUTH, "sso-okta" },
	{ SVC_AUTH, "magic-links" }, { SVC_AUTH, "risk-based-login" },
	{ SVC_AUTH, "device-trust" },
	{ SVC_INVENTORY, "realtime-sync" }, { SVC_INVENTORY, "reservation-holds" },
	{ SVC_INVENTORY, "backorder-display" }, { SVC_INVENTORY, "warehouse-routing" },
	{ SVC_INVENTORY, "low-stock-alerts" }, { SVC_INVENTORY, "bulk-import-v2" },
	{ SVC_INVENTORY, "safety-stock" },
	{ SVC_NOTIFICATIONS, "push-batching" }, { SVC_NOTIFICATIONS, "email-digest" },
	{ SVC_NOTIFICATIONS, "sms-fallback" }, { SVC_NOTIFICATIONS, "quiet-hours" },
	{ SVC_NOTIFICATIONS, "template-v2" }, { SVC_NOTIFICATIONS, "inapp-inbox" },
	{ SVC_NOTIFICATIONS, "webhook-retries" },
	{ SVC_RECS, "similar-items" }, { SVC_RECS, "bought-together" },
	{ SVC_RECS, "ml-ranker-v4" }, { SVC_RECS, "trending-now" },
	{ SVC_RECS, "recently-viewed" }, { SVC_RECS, "cold-start-boost" },
	{ SVC_RECS, "cross-sell-cart" },
	{ SVC_SHIPPING, "carrier-fallback" }, { SVC_SHIPPING, "eta-predictions" },
	{ SVC_SHIPPING, "free-shipping-threshold" }, { SVC_SHIPPING, "label-printing-v2" },
	{ SVC_SHIPPING, "split-shipments" }, { SVC_SHIPPING, "locker-pickup" },
	{ SVC_SHIPPING, "returns-portal" }, { SVC_SHIPPING, "dynamic-rates" },
};
#define NFLAGS ((int)ARRAY_SIZE(flag_defs))
static const char *const flag_tags[] = {
	"experiment", "release", "ops", "kill-switch", "ui", "backend", "permission",
};
static const char *const flag_desc_suffix[] = {
	"", " (owner: team {s})", " - see runbook", " - remove after GA", " - beta",
};

enum { ATTR_PLAN, ATTR_COUNTRY, ATTR_PLATFORM, ATTR_APP_VERSION, ATTR_EMAIL, ATTR_REGION, NATTR };
struct attr_def {
	const char *name, *op, *label;
	int single;              /* exactly one value (a version floor) */
	const char *values[8];   /* NULL-terminated when shorter */
};
static const struct attr_def attrs[NATTR] = {
	{ "plan", "in", "Paid plans", 0, { "enterprise", "pro", "team", "free" } },
	{ "country", "in", "Launch countries", 0, { "US", "CA", "GB", "DE", "FR", "JP", "BR", "IN" } },
	{ "platform", "in", "Mobile and web apps", 0, { "ios", "android", "web" } },
	{ "app_version", "semver_gte", "Recent app versions", 1, { "5.2.0", "5.4.0", "6.0.0", "6.1.0" } },
	{ "email", "ends_with", "Staff and partners", 0,
	  { "@example.com", "@example.org", "@partner.example.net" } },
	{ "region", "in", "Regional rollout", 0, { "us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2" } },
};

struct segment_def {
	const char *key, *name, *description;
	int attr;
};
static const struct segment_def segment_defs[] = {
	{ "beta-users", "Beta users", "Customers who opted into beta features", ATTR_PLAN },
	{ "internal-staff", "Internal staff", "Employees and contractors", ATTR_EMAIL },
	{ "enterprise-accounts", "Enterprise accounts", "Contracted enterprise tenants", ATTR_PLAN },
	{ "eu-customers", "EU customers", "Customers billed in the EU", ATTR_COUNTRY },
	{ "mobile-early-access", "Mobile early access", "Testers of pre-release apps", ATTR_APP_VERSION },
};
#define NSEGS ((int)ARRAY_SIZE(segment_defs))

struct config_def {
	const char *key;
	int svc;
	const char *params[4]; /* NULL-terminated when shorter */
	int base[4];
};
static const struct config_def config_defs[] = {
	{ "search-ranking-weights", SVC_SEARCH,
	  { "title_boost", "description_boost", "popularity_boost", "recency_boost" }, { 100, 40, 25, 10 } },
	{ "checkout-timeouts", SVC_CHECKOUT,
	  { "payment_timeout_ms", "cart_lock_ms", "address_lookup_ms" }, { 3000, 900000, 800 } },
	{ "payments-retry-policy", SVC_PAYMENTS,
	  { "max_attempts", "backoff_ms", "jitter_ms" }, { 3, 250, 50 } },
	{ "notifications-rate-limits", SVC_NOTIFICATIONS,
	  { "email_per_hour", "push_per_minute", "sms_per_hour" }, { 5000, 1200, 300 } },
	{ "inventory-sync-interval", SVC_INVENTORY,
	  { "interval_s", "batch_size" }, { 300, 500 } },
	{ "shipping-carrier-priority", SVC_SHIPPING,
	  { "ups_weight", "dhl_weight", "fedex_weight" }, { 60, 30, 10 } },
};
#define NCFGS ((int)ARRAY_SIZE(config_defs))

/* Targets are numbered flags first, then segments, then configs. */
enum { KIND_FLAG, KIND_SEGMENT, KIND_CONFIG };
#define NTARGETS (NFLAGS + NSEGS + NCFGS)

static const char *const incident_titles[NSVC][2] = {
	{ "Checkout error rate above 5%", "Orders stuck in pending payment" },
	{ "Payment authorisation failures spiking", "Duplicate charges reported by customers" },
	{ "Search returning empty results", "Search latency p99 above 2s" },
	{ "Login failures above 10%", "SSO sign-in loop for enterprise tenants" },
	{ "Stock levels out of sync", "Inventory reservations timing out" },
	{ "Notification queue backlog above 1M", "Duplicate push notifications sent" },
	{ "Recommendation service 5xx spike", "Empty recommendation carousels on home page" },
	{ "Shipping rates unavailable at checkout", "Label printing failures at warehouse" },
};

/* Valid JSON once escaped, hostile on a terminal or in a table. */
static const char *const hostile_reasons[] = {
	"Hotfix \x1b[31mURGENT\x1b[0m pricing change",
	"Enable for \xe2\x80\xae" "sresu atad\xe2\x80\xac cohort",
	"Tab\tseparated\treason",
	"\xe8\xa8\xad\xe5\xae\x9a\xe5\xa4\x89\xe6\x9b\xb4: \xe6\xb1\xba\xe6\xb8\x88\xe3\x83\x95"
	"\xe3\x83\xad\xe3\x83\xbc\xe3\x82\x92\xe6\x9c\x89\xe5\x8a\xb9\xe5\x8c\x96",
	"Ship it \xf0\x9f\x9a\x80\xf0\x9f\x94\xa5 (\xe5\xa4\x89\xe6\x9b\xb4)",
	"Multi-line reason\nsecond line\r\nthird line",
	"Quote \" and backslash \\ in reason",
	"Clear screen \x1b[2J\x1b[H and CSI \xc2\x9b" "1m",
};

/* ---- PRNG ------------------------------------------------------------ */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** */
static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform in [0, n); n > 0. The modulo bias is below 2^-40 for our n. */
static uint64_t below(struct rng *r, uint64_t n)
{
	return rng_next(r) % n;
}

/* Uniform in [lo, hi]. */
static int64_t range(struct rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)below(r, (uint64_t)(hi - lo) + 1);
}

static int chance(struct rng *r, unsigned per_mille)
{
	return below(r, 1000) < per_mille;
}

/* Natural log of x in (0, 1] with basic IEEE operations only, so the
 * result does not depend on the C library's log(). */
static double det_log(double x)
{
	int e;
	double m = frexp(x, &e), z, z2, term, sum = 0;

	if (m < 0.70710678118654752) {
		m *= 2;
		e--;
	}
	z = (m - 1) / (m + 1);
	z2 = z * z;
	term = z;
	for (int k = 1; k <= 23; k += 2) {
		sum += term / k;
		term *= z2;
	}
	return 2 * sum + e * 0.69314718055994531;
}

/* Exponentially distributed with the given mean. */
static double expo(struct rng *r, double mean)
{
	double u = (double)(rng_next(r) >> 11) * 0x1p-53; /* [0, 1) */

	return -mean * det_log(1.0 - u);
}

/* ---- time ------------------------------------------------------------ */

static int64_t floor_div(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static int off_hours(usec_t t)
{
	int64_t day = floor_div(t, DAY);
	int64_t hour = floor_div(t - day * DAY, HOUR);
	int dow = (int)(((day + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday; 0 = Sunday */

	return dow == 0 || dow == 6 || hour < 9 || hour >= 18;
}

static usec_t next_gap(struct rng *r, usec_t t)
{
	double mean = BUSINESS_GAP_USEC * (off_hours(t) ? OFF_HOURS_FACTOR : 1.0);

	return (usec_t)expo(r, mean);
}

/* ---- the generator --------------------------------------------------- */

#define MAX_RULES 4
#define MAX_INCLUDED 8

struct cond {
	int attr;
	unsigned mask; /* chosen values of attrs[attr] */
};

struct rule {
	int id;        /* "rule-<id>", unique within the target */
	int nconds;
	struct cond conds[2];
	int serve_on;
};

/* The current state of one target in one environment. One struct for all
 * kinds; each kind reads only its own fields. */
struct state {
	int exists;
	int version;
	int next_rule;                 /* next rule id */
	/* flag */
	int enabled, rollout, desc_rev;
	int nrules;
	struct rule rules[MAX_RULES];
	unsigned targets;              /* bit i: segment_defs[i] */
	/* segment (one rule) */
	int nincluded;
	int included[MAX_INCLUDED];    /* user numbers */
	/* config */
	int values[4];
};

enum planned_kind {
	P_INC_SMALL, P_INC_OTHER, P_INC_STAGING, P_INC_CAUSE, P_INC_REVERT, P_BURST,
};

struct planned {
	usec_t t;
	uint32_t order;  /* tie-break, so sorting is deterministic */
	uint32_t idx;    /* incident or burst */
	unsigned char kind;    /* enum planned_kind */
};

enum cause_type { CAUSE_TOGGLE_ON, CAUSE_JUMP, CAUSE_WIDEN, CAUSE_BROAD_RULE, CAUSE_CREATE, NCAUSE };

struct incident {
	usec_t started, detected, resolved;
	int svc, svc2;         /* svc2: a second affected service, or -1 */
	int severity, title;
	int revert;            /* a revert is planned */
	int actor, missing_approval, preferred;
	/* settled when the incident's first event is written */
	int chosen, cause_flag, cause_type;
	struct state saved;    /* the cause's previous state */
	const char *cause_action;
	uint64_t cause_seq;    /* its event number */
};

struct burst {
	usec_t until;          /* time of the last toggle */
	int steps, env;
	int chosen, flag, actor;
};

enum approval { AP_NOT_REQUIRED, AP_APPROVED, AP_MISSING };

struct ev {
	usec_t t;
	int actor, target, env;
	const char *action;
	int had_prev;          /* previous_state is written */
	enum approval approval;
	int approver;
	usec_t approved_at;
};

struct gen {
	const struct gen_options *o;
	FILE *out;
	struct rng rt, rp, rc; /* times, plans, content */
	char *keys[NTARGETS];
	struct state st[NTARGETS][NENV];
	struct buf cache[NTARGETS][NENV]; /* serialised current state */
	usec_t locked[NTARGETS][NENV];    /* reserved for planned events until */
	struct buf out_buf, tmp, reason, corr, ticket, pr, build;
	uint64_t seq;                     /* last event number written */
	unsigned corr_counter;
	int64_t cached_day;
	char day_text[32];                /* "YYYY-MM-DDT" of cached_day */
	size_t day_len;
	struct incident *inc;
	unsigned ninc;
	struct burst *bursts;
	unsigned nbursts;
	struct planned *plan;
	size_t nplan, plan_alloc;
	uint64_t nbackground;
	int owners[NSVC][NPEOPLE];        /* people who own each service */
	int nowners[NSVC];
	int write_failed;
};

static int target_kind(int t)
{
	return t < NFLAGS ? KIND_FLAG : t < NFLAGS + NSEGS ? KIND_SEGMENT : KIND_CONFIG;
}

static int target_svc(int t)
{
	switch (target_kind(t)) {
	case KIND_FLAG: return flag_defs[t].svc;
	case KIND_CONFIG: return config_defs[t - NFLAGS - NSEGS].svc;
	default: return -1;
	}
}

static int attr_nvalues(int attr)
{
	int n = 0;

	while (n < 8 && attrs[attr].values[n])
		n++;
	return n;
}

static int config_nparams(int c)
{
	int n = 0;

	while (n < 4 && config_defs[c].params[n])
		n++;
	return n;
}

/* ---- writing JSON ---------------------------------------------------- */

/* Appenders for the hot path: buf_add and buf_addch inlined (they keep
 * buf.h's invariants: growth only through buf_grow, always NUL-terminated),
 * and no strlen for literals. Calling buf_add per fragment costs ~40%. */
static inline void put_mem(struct buf *b, const void *p, size_t n)
{
	if (b->alloc - b->len <= n)
		buf_grow(b, n);
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

static inline void put_ch(struct buf *b, char c)
{
	if (b->alloc - b->len <= 1)
		buf_grow(b, 1);
	b->buf[b->len++] = c;
	b->buf[b->len] = '\0';
}

static inline void put_str(struct buf *b, const char *s)
{
	put_mem(b, s, strlen(s));
}

#define put_lit(b, s) put_mem((b), (s), sizeof(s) - 1)

static void put_uint(struct buf *b, uint64_t v, int width)
{
	char d[24];
	int n = 0;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < width)
		d[n++] = '0';
	if (b->alloc - b->len <= (size_t)n)
		buf_grow(b, (size_t)n);
	while (n)
		b->buf[b->len++] = d[--n];
	b->buf[b->len] = '\0';
}

static void put_int(struct buf *b, int64_t v)
{
	if (v < 0) {
		put_ch(b, '-');
		put_uint(b, (uint64_t)0 - (uint64_t)v, 0);
	} else {
		put_uint(b, (uint64_t)v, 0);
	}
}

static void put_hex4(struct buf *b, unsigned cp)
{
	static const char hex[] = "0123456789abcdef";
	char u[6] = { '\\', 'u', hex[cp >> 12 & 15], hex[cp >> 8 & 15], hex[cp >> 4 & 15], hex[cp & 15] };

	put_mem(b, u, sizeof(u));
}

/* Appends s as a JSON string. Escapes what JSON requires, plus DEL, C1
 * controls, line separators and bidirectional controls, so the output is
 * safe to page through; other UTF-8 (our own tables only) passes raw. */
static void put_jstr(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;

	put_ch(b, '"');
	for (;; p++) {
		unsigned c = *p, cp = 0;
		size_t skip = 0;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x7f)
			continue;
		if (c >= 0x80) {
			if (c == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
				cp = p[1];
				skip = 2;
			} else if (c == 0xe2 && p[1] == 0x80 && p[2] >= 0xa8 && p[2] <= 0xae) {
				cp = 0x2000 + (p[2] - 0x80);
				skip = 3;
			} else if (c == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9) {
				cp = 0x2040 + (p[2] - 0x80);
				skip = 3;
			} else {
				continue;
			}
		}
		put_mem(b, run, (size_t)(p - run));
		if (!c)
			break;
		if (skip) {
			put_hex4(b, cp);
			p += skip - 1;
		} else if (c == '"') {
			put_mem(b, "\\\"", 2);
		} else if (c == '\\') {
			put_mem(b, "\\\\", 2);
		} else if (c == '\n') {
			put_mem(b, "\\n", 2);
		} else if (c == '\t') {
			put_mem(b, "\\t", 2);
		} else if (c == '\r') {
			put_mem(b, "\\r", 2);
		} else {
			put_hex4(b, c);
		}
		run = p + 1;
	}
	put_ch(b, '"');
}

/* Appends s quoted as is: for the generator's own table text, which has
 * nothing to escape (the unit test parses every line to hold us to it). */
static void put_qstr(struct buf *b, const char *s)
{
	put_ch(b, '"');
	put_str(b, s);
	put_ch(b, '"');
}

static void put_qbuf(struct buf *b, const struct buf *s)
{
	put_ch(b, '"');
	put_mem(b, s->buf, s->len);
	put_ch(b, '"');
}

/* Appends "key": with key a plain identifier. */
static void put_key(struct buf *b, const char *key)
{
	put_ch(b, '"');
	put_str(b, key);
	put_mem(b, "\":", 2);
}

static void cache_day(struct gen *g, int64_t day)
{
	char text[32];

	if (day == g->cached_day && g->day_text[0])
		return;
	time_format(day * DAY, text);
	g->day_len = strcspn(text, "T") + 1; /* 11, unless the year has 5 digits */
	memcpy(g->day_text, text, g->day_len);
	g->day_text[g->day_len] = '\0';
	g->cached_day = day;
}

/* "2026-03-01T00:03:12.123456Z", or without the fraction. Formatting the
 * date only when the day changes keeps snprintf off the hot path. */
static void put_time(struct gen *g, struct buf *b, usec_t t, int frac)
{
	int64_t day = floor_div(t, DAY), rem = t - day * DAY;
	int64_t secs = rem / USEC, us = rem % USEC;
	char text[20] = {
		(char)('0' + secs / 36000), (char)('0' + secs / 3600 % 10), ':',
		(char)('0' + secs / 600 % 6), (char)('0' + secs / 60 % 10), ':',
		(char)('0' + secs % 60 / 10), (char)('0' + secs % 10), '.',
	};
	size_t n = 8;

	cache_day(g, day);
	put_mem(b, g->day_text, g->day_len);
	if (frac) {
		for (int i = 5; i >= 0; i--, us /= 10)
			text[9 + i] = (char)('0' + us % 10);
		n = 15;
	}
	text[n++] = 'Z';
	put_mem(b, text, n);
}

/* "20260301" for t's day. */
static void put_date_compact(struct gen *g, struct buf *b, usec_t t)
{
	cache_day(g, floor_div(t, DAY));
	for (size_t i = 0; i + 1 < g->day_len; i++)
		if (g->day_text[i] != '-')
			put_ch(b, g->day_text[i]);
}

static void put_cond(struct buf *b, const struct cond *c)
{
	const struct attr_def *a = &attrs[c->attr];
	int first = 1;

	put_lit(b, "{\"attribute\":\"");
	put_str(b, a->name);
	put_lit(b, "\",\"op\":\"");
	put_str(b, a->op);
	put_lit(b, "\",\"values\":[");
	for (int v = 0; v < 8 && a->values[v]; v++) {
		if (!(c->mask & 1u << v))
			continue;
		if (!first)
			put_ch(b, ',');
		first = 0;
		put_ch(b, '"');
		put_str(b, a->values[v]);
		put_ch(b, '"');
	}
	put_mem(b, "]}", 2);
}

static void put_conds(struct buf *b, const struct rule *r)
{
	put_lit(b, "\"conditions\":[");
	for (int c = 0; c < r->nconds; c++) {
		if (c)
			put_ch(b, ',');
		put_cond(b, &r->conds[c]);
	}
	put_ch(b, ']');
}

/* Feature words: "express-pay" -> "express pay". */
static void put_words(struct buf *b, const char *s)
{
	size_t start = b->len;

	put_str(b, s);
	for (size_t i = start; i < b->len; i++)
		if (b->buf[i] == '-')
			b->buf[i] = ' ';
}

static void put_flag_description(struct buf *b, int f, const struct state *s)
{
	const char *suffix = flag_desc_suffix[s->desc_rev % (int)ARRAY_SIZE(flag_desc_suffix)];
	size_t start = b->len;

	put_words(b, flag_defs[f].feature);
	if (b->buf[start] >= 'a' && b->buf[start] <= 'z')
		b->buf[start] = (char)(b->buf[start] - 'a' + 'A');
	put_lit(b, " for ");
	put_str(b, svc_names[flag_defs[f].svc]);
	for (; *suffix; suffix++) {
		if (suffix[0] == '{' && suffix[1] == 's' && suffix[2] == '}') {
			put_str(b, svc_names[flag_defs[f].svc]);
			suffix += 2;
		} else {
			put_ch(b, *suffix);
		}
	}
	if (s->desc_rev >= (int)ARRAY_SIZE(flag_desc_suffix)) {
		put_lit(b, " (rev ");
		put_uint(b, (uint64_t)s->desc_rev, 0);
		put_ch(b, ')');
	}
}

static void put_state(struct buf *b, int t, const struct state *s)
{
	int kind = target_kind(t);

	put_ch(b, '{');
	if (kind == KIND_FLAG) {
		put_str(b, s->enabled ? "\"enabled\":true" : "\"enabled\":false");
		put_lit(b, ",\"rollout_pct\":");
		put_uint(b, (uint64_t)s->rollout, 0);
		put_lit(b, ",\"rules\":[");
		for (int i = 0; i < s->nrules; i++) {
			const struct rule *r = &s->rules[i];

			if (i)
				put_ch(b, ',');
			put_lit(b, "{\"id\":\"rule-");
			put_uint(b, (uint64_t)r->id, 0);
			put_lit(b, "\",\"description\":\"");
			put_str(b, attrs[r->conds[0].attr].label);
			put_lit(b, "\",");
			put_conds(b, r);
			put_str(b, r->serve_on ? ",\"serve\":\"on\"}" : ",\"serve\":\"off\"}");
		}
		put_lit(b, "],\"targets\":[");
		for (int i = 0, n = 0; i < NSEGS; i++) {
			if (!(s->targets & 1u << i))
				continue;
			if (n++)
				put_ch(b, ',');
			put_qstr(b, segment_defs[i].key);
		}
		put_lit(b, "],\"tags\":[\"");
		put_str(b, svc_names[flag_defs[t].svc]);
		put_lit(b, "\",\"");
		put_str(b, flag_tags[t % (int)ARRAY_SIZE(flag_tags)]);
		put_lit(b, "\"],\"description\":");
		put_ch(b, '"');
		put_flag_description(b, t, s);
		put_ch(b, '"');
	} else if (kind == KIND_SEGMENT) {
		const struct segment_def *d = &segment_defs[t - NFLAGS];

		put_key(b, "name");
		put_qstr(b, d->name);
		put_lit(b, ",\"description\":");
		put_qstr(b, d->description);
		put_lit(b, ",\"rules\":[{\"id\":\"rule-");
		put_uint(b, (uint64_t)s->rules[0].id, 0);
		put_lit(b, "\",");
		put_conds(b, &s->rules[0]);
		put_lit(b, "}],\"included\":[");
		for (int i = 0; i < s->nincluded; i++) {
			if (i)
				put_ch(b, ',');
			put_lit(b, "\"user-");
			put_uint(b, (uint64_t)s->included[i], 0);
			put_ch(b, '"');
		}
		put_ch(b, ']');
	} else {
		int c = t - NFLAGS - NSEGS;

		put_lit(b, "\"values\":{");
		for (int i = 0; i < config_nparams(c); i++) {
			if (i)
				put_ch(b, ',');
			put_key(b, config_defs[c].params[i]);
			put_int(b, s->values[i]);
		}
		put_lit(b, "},\"tags\":[\"");
		put_str(b, svc_names[config_defs[c].svc]);
		put_mem(b, "\"]", 2);
	}
	put_lit(b, ",\"version\":");
	put_uint(b, (uint64_t)s->version, 0);
	put_ch(b, '}');
}

static void write_event(struct gen *g, const struct ev *e)
{
	struct buf *b = &g->out_buf;
	const struct actor_def *a = &actors[e->actor];
	struct state *s = &g->st[e->target][e->env];
	struct buf *cache = &g->cache[e->target][e->env];
	int kind = target_kind(e->target);

	g->seq++;
	put_lit(b, "{\"event_id\":\"evt-");
	put_uint(b, g->seq, 8);
	put_lit(b, "\",\"timestamp\":\"");
	put_time(g, b, e->t, 1);
	put_lit(b, "\",\"actor\":{\"id\":");
	put_qstr(b, a->id);
	put_lit(b, ",\"display_name\":");
	put_jstr(b, a->name);
	put_str(b, e->actor < NPEOPLE ? ",\"type\":\"user\"" : ",\"type\":\"service\"");
	put_lit(b, ",\"auth_method\":\"");
	put_str(b, a->auth);
	put_lit(b, "\"},\"action\":\"");
	put_str(b, e->action);
	put_lit(b, "\",\"target\":{\"kind\":\"");
	put_str(b, kind == KIND_FLAG ? "flag" : kind == KIND_SEGMENT ? "segment" : "config");
	put_lit(b, "\",\"key\":");
	put_qstr(b, g->keys[e->target]);
	put_lit(b, "},\"environment\":\"");
	put_str(b, env_names[e->env]);
	put_ch(b, '"');
	if (e->had_prev) {
		put_lit(b, ",\"previous_state\":");
		put_mem(b, cache->buf, cache->len);
	}
	if (s->exists) {
		struct buf swap;

		buf_reset(&g->tmp);
		put_state(&g->tmp, e->target, s);
		put_lit(b, ",\"new_state\":");
		put_mem(b, g->tmp.buf, g->tmp.len);
		swap = g->tmp;
		g->tmp = *cache;
		*cache = swap;
	} else {
		buf_reset(cache);
	}
	if (kind == KIND_FLAG && s->exists) {
		put_lit(b, ",\"scope\":{");
		for (int i = 0; i < NSEGS; i++) {
			if (s->targets & 1u << i) {
				put_lit(b, "\"segment\":");
				put_qstr(b, segment_defs[i].key);
				put_ch(b, ',');
				break;
			}
		}
		put_lit(b, "\"percent\":");
		put_uint(b, (uint64_t)s->rollout, 0);
		put_ch(b, '}');
	}
	if (g->reason.len) {
		put_lit(b, ",\"reason\":");
		put_jstr(b, g->reason.buf);
	}
	if (g->corr.len) {
		put_lit(b, ",\"correlation_id\":");
		put_qbuf(b, &g->corr);
	}
	if (g->ticket.len) {
		put_lit(b, ",\"ticket\":");
		put_qbuf(b, &g->ticket);
	}
	if (g->pr.len || g->build.len) {
		put_lit(b, ",\"links\":{");
		if (g->pr.len) {
			put_lit(b, "\"pr\":");
			put_qbuf(b, &g->pr);
		}
		if (g->build.len) {
			put_str(b, g->pr.len ? ",\"build\":" : "\"build\":");
			put_qbuf(b, &g->build);
		}
		put_ch(b, '}');
	}
	switch (e->approval) {
	case AP_APPROVED:
		put_lit(b, ",\"approval\":{\"required\":true,\"approved_by\":");
		put_qstr(b, actors[e->approver].id);
		put_lit(b, ",\"approved_at\":\"");
		put_time(g, b, e->approved_at, 0);
		put_mem(b, "\"}", 2);
		break;
	case AP_MISSING:
		put_lit(b, ",\"approval\":{\"required\":true}");
		break;
	default:
		put_lit(b, ",\"approval\":{\"required\":false}");
		break;
	}
	put_mem(b, "}\n", 2);
}

static void flush_out(struct gen *g)
{
	if (g->out_buf.len && !g->write_failed &&
	    fwrite(g->out_buf.buf, 1, g->out_buf.len, g->out) != g->out_buf.len)
		g->write_failed = errno ? errno : EIO;
	buf_reset(&g->out_buf);
}

/* ---- picking people and targets -------------------------------------- */

static int pick_env(struct rng *r)
{
	uint64_t x = below(r, 100);

	return x < 45 ? ENV_PROD : x < 80 ? ENV_STAGING : ENV_DEV;
}

/* A person, usually one who owns the service (svc < 0: anyone). */
static int pick_person(const struct gen *g, struct rng *r, int svc)
{
	if (svc >= 0 && chance(r, 800))
		return g->owners[svc][below(r, (uint64_t)g->nowners[svc])];
	return (int)below(r, NPEOPLE);
}

static int pick_approver(struct rng *r, int actor)
{
	int p;

	if (chance(r, 250))
		return 12; /* maria@: the usual approver */
	do
		p = (int)below(r, NPEOPLE);
	while (p == actor);
	return p;
}

typedef int state_pred(const struct state *s);

static int exists_p(const struct state *s)
{
	return s->exists;
}

static int can_toggle_on(const struct state *s)
{
	return s->exists && !s->enabled;
}

static int can_jump(const struct state *s)
{
	return s->exists && s->enabled && s->rollout <= 25;
}

static int widenable_rule(const struct state *s)
{
	for (int i = 0; i < s->nrules; i++) {
		for (int c = 0; c < s->rules[i].nconds; c++) {
			const struct cond *cd = &s->rules[i].conds[c];
			unsigned full = (1u << attr_nvalues(cd->attr)) - 1;

			if (attrs[cd->attr].single ? cd->mask != 1u : cd->mask != full)
				return i;
		}
	}
	return -1;
}

static int can_widen(const struct state *s)
{
	return s->exists && s->enabled && widenable_rule(s) >= 0;
}

static int can_broad_rule(const struct state *s)
{
	return s->exists && s->enabled;
}

/* A random flag in env: of service svc (any when svc < 0) but of neither
 * avoid1 nor avoid2, not except, not reserved at now, and pred true for its
 * state. Returns -1 when there is none. */
static int pick_flag(struct gen *g, struct rng *r, int svc, int avoid1, int avoid2,
		     int env, int except, usec_t now, state_pred *pred)
{
	int cand[NFLAGS], n = 0;

	for (int f = 0; f < NFLAGS; f++) {
		int fs = flag_defs[f].svc;

		if ((svc >= 0 && fs != svc) || fs == avoid1 || fs == avoid2 || f == except)
			continue;
		if (g->locked[f][env] > now || !pred(&g->st[f][env]))
			continue;
		cand[n++] = f;
	}
	return n ? cand[below(r, (uint64_t)n)] : -1;
}

/* ---- changing state ---------------------------------------------------- */

static const int rungs[] = { 0, 1, 5, 10, 25, 50, 100 };

static int rung_up(int pct)
{
	for (int i = 0; i < (int)ARRAY_SIZE(rungs); i++)
		if (rungs[i] > pct)
			return rungs[i];
	return 100;
}

static int rung_down(int pct)
{
	for (int i = (int)ARRAY_SIZE(rungs) - 1; i >= 0; i--)
		if (rungs[i] < pct)
			return rungs[i];
	return 0;
}

static void random_cond(struct rng *r, struct cond *c, int attr)
{
	int n = attr_nvalues(attr), k;

	c->attr = attr;
	if (attrs[attr].single) {
		c->mask = 1u << below(r, (uint64_t)n);
		return;
	}
	c->mask = 0;
	k = 1 + (int)below(r, 2);
	while (k--)
		c->mask |= 1u << below(r, (uint64_t)n);
}

static void random_rule(struct rng *r, struct state *s, struct rule *ru)
{
	int a1 = (int)below(r, NATTR);

	ru->id = s->next_rule++;
	ru->nconds = chance(r, 200) ? 2 : 1;
	random_cond(r, &ru->conds[0], a1);
	if (ru->nconds == 2)
		random_cond(r, &ru->conds[1], (a1 + 1 + (int)below(r, NATTR - 1)) % NATTR);
	ru->serve_on = chance(r, 850);
}

static void rule_insert_front(struct state *s, const struct rule *ru)
{
	if (s->nrules == MAX_RULES)
		s->nrules--;
	memmove(&s->rules[1], &s->rules[0], (size_t)s->nrules * sizeof(*ru));
	s->rules[0] = *ru;
	s->nrules++;
}

/* Changes the values of a condition: always a real change. */
static void tweak_cond(struct rng *r, struct cond *c)
{
	int n = attr_nvalues(c->attr);
	unsigned old = c->mask;

	if (attrs[c->attr].single) {
		int cur = 0;

		while (cur < n - 1 && !(old & 1u << cur))
			cur++;
		c->mask = 1u << ((cur + 1 + (int)below(r, (uint64_t)n - 1)) % n);
		return;
	}
	do
		c->mask ^= 1u << below(r, (uint64_t)n);
	while (!c->mask || c->mask == old);
}

static void create_state(struct gen *g, int t, int env)
{
	struct rng *r = &g->rc;
	struct state *s = &g->st[t][env];
	int kind = target_kind(t);

	memset(s, 0, sizeof(*s));
	s->exists = 1;
	s->version = 1;
	s->next_rule = 1;
	if (kind == KIND_FLAG) {
		static const int start_pct[] = { 0, 0, 0, 1, 5, 10, 25, 100, 100 };

		s->enabled = chance(r, env == ENV_DEV ? 500 : 200);
		s->rollout = start_pct[below(r, ARRAY_SIZE(start_pct))];
		s->nrules = (int)below(r, 3);
		for (int i = 0; i < s->nrules; i++)
			random_rule(r, s, &s->rules[i]);
		if (chance(r, 300))
			s->targets = 1u << below(r, NSEGS);
	} else if (kind == KIND_SEGMENT) {
		s->nrules = 1;
		s->rules[0].id = s->next_rule++;
		s->rules[0].nconds = 1;
		random_cond(r, &s->rules[0].conds[0], segment_defs[t - NFLAGS].attr);
		s->nincluded = (int)below(r, 4);
		for (int i = 0; i < s->nincluded; i++)
			s->included[i] = (int)range(r, 1000, 99999);
	} else {
		int c = t - NFLAGS - NSEGS;

		for (int i = 0; i < config_nparams(c); i++)
			s->values[i] = config_defs[c].base[i];
	}
}

/* ---- event context: reason, ticket, links, approval -------------------- */

#define PICK(r, arr) ((arr)[below((r), ARRAY_SIZE(arr))])

static const char *const r_create[] = {
	"Create {k} for the {s} team", "New flag for {f}", "Scaffold {f} behind a flag",
	"Add {k} ahead of the {s} release",
};
static const char *const r_toggle_on[] = {
	"Enable {f}", "Turn on {f} for launch", "Re-enable {f} after fix", "Enable {f} in {e} for QA",
};
static const char *const r_toggle_off[] = {
	"Disable {f}", "Kill switch: {f} misbehaving", "Turn off {f} until the fix lands",
	"Pause {f} for investigation",
};
static const char *const r_ramp_up[] = {
	"Ramp {f} to {n}%", "Canary rollout for {f}", "Increase rollout of {k} to {n}%", "Rollout step: {n}%",
};
static const char *const r_ramp_down[] = {
	"Roll back {f} to {n}%", "Reduce {f} exposure to {n}%",
};
static const char *const r_rules[] = {
	"Add {f} targeting rule", "Update targeting for {f}", "Restrict {f} to selected plans",
	"Expand {f} to more countries",
};
static const char *const r_describe[] = { "Update description of {k}", "Reword the {f} description" };
static const char *const r_retarget[] = { "Assign {f} to a segment", "Change target segments of {f}" };
static const char *const r_enable_at[] = { "Enable {f} at {n}%", "Turn on {f} with a {n}% rollout" };
static const char *const r_disable_reset[] = { "Switch off {f} and reset its rollout", "Disable {f}, rollout to 0" };
static const char *const r_serve[] = { "Flip what a {f} rule serves", "Edit {f} configuration" };
static const char *const r_delete[] = { "Remove stale flag {k}", "Clean up {k} after GA" };
static const char *const r_segment[] = {
	"Add pilot customers to {f}", "Update {f} membership", "Remove churned account from {f}",
	"Refine the {f} rule",
};
static const char *const r_segment_create[] = { "Create segment {k}", "New audience: {f}" };
static const char *const r_config[] = { "Tune {k}", "Adjust {k} after load test", "Update {k} values" };
static const char *const r_config_create[] = { "Add config {k}", "Import {k} from defaults" };
static const char *const r_bot_rollout[] = {
	"Automated rollout step to {n}%", "Scheduled ramp of {k} to {n}%", "Progressive delivery: {n}%",
};
static const char *const r_bot_rollback[] = { "Automated rollback to {n}% after failed health check" };
static const char *const r_bot_sync[] = { "Sync {k} from flags repo", "Apply flags-as-code change for {k}" };
static const char *const r_flap_off[] = {
	"Disable {f}: error spike", "Disable {f} again", "Kill {f}, alerts firing",
};
static const char *const r_flap_on[] = {
	"Re-enable {f}, looked like noise", "Enable {f} again", "Try {f} once more",
};
static const char *const r_cause[NCAUSE][3] = {
	[CAUSE_TOGGLE_ON] = { "Launch {f} to all users", "Enable {f} in production",
			      "Turn on {f}: go/no-go approved" },
	[CAUSE_JUMP] = { "Ramp {f} to 100%", "Full rollout of {f}", "GA: {k} to 100%" },
	[CAUSE_WIDEN] = { "Widen {f} targeting", "Open {f} to every customer", "Expand targeting for {f}" },
	[CAUSE_BROAD_RULE] = { "Serve {f} to all plans", "Add catch-all rule for {f}",
			       "Expand {f} to every plan" },
	[CAUSE_CREATE] = { "Create and launch {k}", "Launch {f} (new flag)", "Create {k} enabled for everyone" },
};
static const char *const r_revert[] = {
	"Revert {k} during {i}", "Rollback: {f} suspected in {i}", "Revert last change to {k} ({i})",
};
static const char *const r_staging[] = {
	"Try {f} in staging before the production launch", "Staging: full rollout of {f}",
	"QA sign-off run for {f}",
};
static const char *const r_small_rollout[] = { "Nudge {f} rollout to {n}%", "Tiny ramp of {k}: {n}%" };
static const char *const r_small_desc[] = { "Fix typo in {k} description", "Clarify description of {k}" };

static void put_incident_id(struct buf *b, unsigned i)
{
	put_lit(b, "INC-");
	put_uint(b, (uint64_t)i + 1, 4);
}

/* Expands a reason template: {f} the target's words, {k} its key, {n}
 * num, {e} the environment, {s} the service, {i} incident inc's id. */
static void expand(struct gen *g, struct buf *b, const char *tpl, const struct ev *e, int num, int inc)
{
	int t = e->target, svc = target_svc(t);

	for (const char *p = tpl; *p; p++) {
		const char *brace = strchr(p, '{');

		if (!brace) {
			put_str(b, p);
			break;
		}
		put_mem(b, p, (size_t)(brace - p));
		p = brace;
		if (!p[1] || p[2] != '}') {
			put_ch(b, '{');
			continue;
		}
		switch (p[1]) {
		case 'f':
			if (target_kind(t) == KIND_FLAG)
				put_words(b, flag_defs[t].feature);
			else if (target_kind(t) == KIND_SEGMENT)
				put_str(b, segment_defs[t - NFLAGS].name);
			else
				put_words(b, config_defs[t - NFLAGS - NSEGS].key);
			break;
		case 'k': put_str(b, g->keys[t]); break;
		case 'n': put_int(b, num); break;
		case 'e': put_str(b, env_names[e->env]); break;
		case 's': put_str(b, svc >= 0 ? svc_names[svc] : "platform"); break;
		case 'i': put_incident_id(b, (unsigned)inc); break;
		default: break;
		}
		p += 2;
	}
}

static void begin_event(struct gen *g, struct ev *e, usec_t t, int actor, int target, int env)
{
	e->t = t;
	e->actor = actor;
	e->target = target;
	e->env = env;
	e->action = "";
	e->had_prev = g->st[target][env].exists;
	e->approval = AP_NOT_REQUIRED;
	e->approver = 0;
	e->approved_at = 0;
	buf_reset(&g->reason);
	buf_reset(&g->corr);
	buf_reset(&g->ticket);
	buf_reset(&g->pr);
	buf_reset(&g->build);
}

static void set_approval(struct gen *g, struct ev *e, enum approval a)
{
	e->approval = a;
	if (a == AP_APPROVED) {
		e->approver = pick_approver(&g->rc, e->actor);
		e->approved_at = e->t - range(&g->rc, MINUTE, 3 * HOUR);
	}
}

static void set_corr(struct gen *g, usec_t t, const char *prefix)
{
	buf_reset(&g->corr);
	put_str(&g->corr, prefix);
	put_ch(&g->corr, '-');
	put_date_compact(g, &g->corr, t);
	put_ch(&g->corr, '-');
	put_uint(&g->corr, g->corr_counter++ % 10000, 4);
}

/* Fills reason (from tpl), ticket, correlation id, links and approval the
 * way people and pipelines usually do. */
static void context(struct gen *g, struct ev *e, const char *tpl, int num, int inc)
{
	struct rng *r = &g->rc;
	int person = e->actor < NPEOPLE, svc = target_svc(e->target);
	unsigned pt = e->env == ENV_PROD ? (person ? 750 : 300) : e->env == ENV_STAGING ? 300 : 100;

	if (chance(r, pt)) {
		uint64_t k = below(r, 10);

		if (k < 7) {
			put_lit(&g->ticket, "JIRA-");
			put_int(&g->ticket, range(r, 1000, 9999));
		} else if (k < 9) {
			put_lit(&g->ticket, "OPS-");
			put_int(&g->ticket, range(r, 100, 999));
		} else {
			put_lit(&g->ticket, "CHG-");
			put_int(&g->ticket, range(r, 10000, 99999));
		}
	}
	expand(g, &g->reason, tpl, e, num, inc);
	if (g->ticket.len && chance(r, 500)) {
		put_lit(&g->reason, " - ");
		put_mem(&g->reason, g->ticket.buf, g->ticket.len);
	}
	if (!person)
		set_corr(g, e->t, bot_corr_prefix[e->actor - NPEOPLE]);
	else if (chance(r, 250))
		set_corr(g, e->t, "chg");
	if (!person || (g->ticket.len && chance(r, 300))) {
		put_lit(&g->pr, "https://git.example.com/shop/");
		put_str(&g->pr, svc >= 0 ? svc_names[svc] : "platform");
		put_lit(&g->pr, "/pull/");
		put_int(&g->pr, range(r, 100, 4999));
		if (!person && chance(r, 300))
			buf_reset(&g->pr);
	}
	if (!person) {
		put_lit(&g->build, "https://ci.example.com/build/");
		put_int(&g->build, range(r, 1000, 99999));
	}
	if (e->env == ENV_PROD) {
		uint64_t x = below(r, 1000);

		if (person)
			set_approval(g, e, x < 700 ? AP_APPROVED : x < 800 ? AP_MISSING : AP_NOT_REQUIRED);
		else
			set_approval(g, e, x < 300 ? AP_APPROVED : AP_NOT_REQUIRED);
	}
}

/* ---- background events ------------------------------------------------- */

static void bump(struct state *s)
{
	s->version++;
}

static void background_flag(struct gen *g, struct ev *e, usec_t t, int f, int env)
{
	struct rng *r = &g->rc;
	struct state *s = &g->st[f][env];
	int svc = flag_defs[f].svc, actor, bot;
	const char *tpl;
	uint64_t x;

	if (!s->exists) {
		bot = chance(r, 250);
		actor = bot ? NPEOPLE + (chance(r, 600) ? BOT_TERRAFORM : BOT_SYNC) : pick_person(g, r, svc);
		begin_event(g, e, t, actor, f, env);
		create_state(g, f, env);
		e->action = "flag.create";
		context(g, e, bot ? PICK(r, r_bot_sync) : PICK(r, r_create), 0, -1);
		return;
	}
	x = below(r, 1000);
	if (x < 4) {
		actor = pick_person(g, r, svc);
	} else if (x < 304) {
		bot = chance(r, 550);
		actor = bot ? NPEOPLE + (chance(r, 650) ? BOT_DEPLOY : BOT_RELEASE) : pick_person(g, r, svc);
	} else {
		bot = chance(r, 80);
		actor = bot ? NPEOPLE + (chance(r, 500) ? BOT_SYNC : BOT_OPS) : pick_person(g, r, svc);
	}
	bot = actor >= NPEOPLE;
	begin_event(g, e, t, actor, f, env);
	if (x < 4) {
		s->exists = 0;
		e->action = "flag.delete";
		context(g, e, PICK(r, r_delete), 0, -1);
		return;
	}
	bump(s);
	if (x < 304) {
		/* pipelines ramp up; people also step back */
		int up = s->rollout == 0 || (s->rollout < 100 && chance(r, bot ? 950 : 750));

		s->rollout = up ? rung_up(s->rollout) : rung_down(s->rollout);
		e->action = "flag.rollout";
		if (bot)
			tpl = up ? PICK(r, r_bot_rollout) : PICK(r, r_bot_rollback);
		else
			tpl = up ? PICK(r, r_ramp_up) : PICK(r, r_ramp_down);
	} else if (x < 504) {
		s->enabled = !s->enabled;
		e->action = "flag.toggle";
		tpl = s->enabled ? PICK(r, r_toggle_on) : PICK(r, r_toggle_off);
	} else if (x < 704) {
		/* inserts get rarer and removals likelier as rules pile up */
		uint64_t y = below(r, 1000), ins = (uint64_t)(400 - 100 * s->nrules);
		uint64_t del = (uint64_t)(900 - 100 * s->nrules);

		if (!s->nrules || y < ins) {
			struct rule ru;

			random_rule(r, s, &ru);
			rule_insert_front(s, &ru);
		} else if (y < del) {
			struct rule *ru = &s->rules[below(r, (uint64_t)s->nrules)];

			tweak_cond(r, &ru->conds[below(r, (uint64_t)ru->nconds)]);
		} else {
			int i = (int)below(r, (uint64_t)s->nrules);

			memmove(&s->rules[i], &s->rules[i + 1], (size_t)(s->nrules - i - 1) * sizeof(s->rules[0]));
			s->nrules--;
		}
		e->action = "flag.rules";
		tpl = PICK(r, r_rules);
	} else {
		uint64_t y = below(r, 1000);

		if (y >= 850 && !s->nrules)
			y = 0;
		if (y < 350) {
			s->desc_rev++;
			tpl = PICK(r, r_describe);
		} else if (y < 700) {
			s->targets ^= 1u << below(r, NSEGS);
			tpl = PICK(r, r_retarget);
		} else if (y < 850) {
			s->enabled = !s->enabled;
			s->rollout = s->enabled ? rung_up(s->rollout) : 0;
			tpl = s->enabled ? PICK(r, r_enable_at) : PICK(r, r_disable_reset);
		} else {
			s->rules[below(r, (uint64_t)s->nrules)].serve_on ^= 1;
			tpl = PICK(r, r_serve);
		}
		e->action = "flag.update";
		if (bot)
			tpl = PICK(r, r_bot_sync);
	}
	context(g, e, tpl, s->rollout, -1);
}

static void background_segment(struct gen *g, struct ev *e, usec_t t, int seg, int env)
{
	struct rng *r = &g->rc;
	struct state *s = &g->st[seg][env];
	int actor = chance(r, 100) ? NPEOPLE + BOT_SYNC : pick_person(g, r, -1);
	uint64_t y;

	begin_event(g, e, t, actor, seg, env);
	if (!s->exists) {
		create_state(g, seg, env);
		e->action = "segment.create";
		context(g, e, PICK(r, r_segment_create), 0, -1);
		return;
	}
	bump(s);
	y = below(r, 1000);
	if (!s->nincluded || y < 500) {
		int user, dup;

		if (s->nincluded == MAX_INCLUDED) {
			memmove(&s->included[0], &s->included[1], (MAX_INCLUDED - 1) * sizeof(int));
			s->nincluded--;
		}
		do {
			user = (int)range(r, 1000, 99999);
			dup = 0;
			for (int i = 0; i < s->nincluded; i++)
				dup |= s->included[i] == user;
		} while (dup);
		s->included[s->nincluded++] = user;
	} else if (y < 750) {
		int i = (int)below(r, (uint64_t)s->nincluded);

		memmove(&s->included[i], &s->included[i + 1], (size_t)(s->nincluded - i - 1) * sizeof(int));
		s->nincluded--;
	} else {
		tweak_cond(r, &s->rules[0].conds[0]);
	}
	e->action = "segment.update";
	context(g, e, PICK(r, r_segment), 0, -1);
}

static void background_config(struct gen *g, struct ev *e, usec_t t, int tg, int env)
{
	struct rng *r = &g->rc;
	struct state *s = &g->st[tg][env];
	int c = tg - NFLAGS - NSEGS, n = config_nparams(c);
	int actor = chance(r, 300) ? NPEOPLE + BOT_TERRAFORM : pick_person(g, r, config_defs[c].svc);

	begin_event(g, e, t, actor, tg, env);
	if (!s->exists) {
		create_state(g, tg, env);
		e->action = "config.create";
		context(g, e, PICK(r, r_config_create), 0, -1);
		return;
	}
	bump(s);
	for (int k = chance(r, 300) ? 2 : 1; k > 0; k--) {
		int i = (int)below(r, (uint64_t)n), v = s->values[i];
		int delta = v * (int)range(r, 5, 30) / 100;

		if (delta < 1)
			delta = 1;
		v += chance(r, 500) || v - delta < 1 ? delta : -delta;
		s->values[i] = v;
	}
	e->action = "config.update";
	context(g, e, PICK(r, r_config), 0, -1);
}

static void emit_background(struct gen *g, usec_t t)
{
	struct rng *r = &g->rc;
	int env = pick_env(r), target = -1;
	uint64_t x = below(r, 1000);
	struct ev e;

	if (x < 880) {
		for (int tries = 0; tries < 8 && target < 0; tries++) {
			int f = (int)below(r, NFLAGS);

			if (g->locked[f][env] <= t)
				target = f;
		}
		if (target < 0)
			x = 900;
	}
	if (target >= 0)
		background_flag(g, &e, t, target, env);
	else if (x < 940)
		background_segment(g, &e, t, NFLAGS + (int)below(r, NSEGS), env);
	else
		background_config(g, &e, t, NFLAGS + NSEGS + (int)below(r, NCFGS), env);
	if (below(r, 500) == 0) {
		buf_reset(&g->reason);
		put_str(&g->reason, PICK(r, hostile_reasons));
	}
	write_event(g, &e);
}

/* ---- planted events ---------------------------------------------------- */

static int absent_p(const struct state *s)
{
	return !s->exists;
}

/* Makes the change of the given type (which must suit the state; see
 * cause_type_for) and returns its action. */
static const char *apply_big_change(struct gen *g, int f, int env, int type)
{
	struct state *s = &g->st[f][env];

	switch (type) {
	case CAUSE_TOGGLE_ON:
		bump(s);
		s->enabled = 1;
		if (s->rollout < 10) {
			s->rollout = 100;
			return "flag.update";
		}
		return "flag.toggle";
	case CAUSE_JUMP:
		bump(s);
		s->rollout = 100;
		return "flag.rollout";
	case CAUSE_WIDEN: {
		struct rule *ru = &s->rules[widenable_rule(s)];

		bump(s);
		for (int c = 0; c < ru->nconds; c++)
			ru->conds[c].mask = attrs[ru->conds[c].attr].single ? 1u :
				(1u << attr_nvalues(ru->conds[c].attr)) - 1;
		ru->serve_on = 1;
		return "flag.rules";
	}
	case CAUSE_BROAD_RULE: {
		struct rule ru;

		bump(s);
		memset(&ru, 0, sizeof(ru));
		ru.id = s->next_rule++;
		ru.nconds = 1;
		ru.conds[0].attr = ATTR_PLAN;
		ru.conds[0].mask = (1u << attr_nvalues(ATTR_PLAN)) - 1;
		ru.serve_on = 1;
		rule_insert_front(s, &ru);
		return "flag.rules";
	}
	default:
		create_state(g, f, env);
		s->enabled = 1;
		s->rollout = 100;
		return "flag.create";
	}
}

/* A type of big change the state allows: want if it can, else the first
 * that fits. */
static int cause_type_for(const struct state *s, int want)
{
	static state_pred *const fits[] = { can_toggle_on, can_jump, can_widen, can_broad_rule };

	if (!s->exists)
		return CAUSE_CREATE;
	if (want < CAUSE_CREATE && fits[want](s))
		return want;
	for (int i = 0; i < CAUSE_CREATE; i++)
		if (fits[i](s))
			return i;
	return CAUSE_BROAD_RULE;
}

/* Settles the incident's culprit flag when its first event is written and
 * reserves it in production until the incident is resolved, so that the
 * background leaves it alone and a revert restores exactly its state. */
static void choose_cause(struct gen *g, struct incident *in, usec_t now)
{
	static state_pred *const fits[] = { can_toggle_on, can_jump, can_widen, can_broad_rule };
	struct rng *r = &g->rc;
	int f = -1;

	for (int i = 0; i < CAUSE_CREATE && f < 0; i++)
		f = pick_flag(g, r, in->svc, -1, -1, ENV_PROD, -1, now, fits[(in->preferred + i) % CAUSE_CREATE]);
	if (f < 0)
		f = pick_flag(g, r, in->svc, -1, -1, ENV_PROD, -1, now, absent_p);
	if (f < 0) {
		/* every flag of the service is reserved: share one */
		int cand[NFLAGS], n = 0;

		for (int i = 0; i < NFLAGS; i++)
			if (flag_defs[i].svc == in->svc)
				cand[n++] = i;
		f = cand[below(r, (uint64_t)n)];
	}
	in->cause_flag = f;
	in->cause_type = cause_type_for(&g->st[f][ENV_PROD], in->preferred);
	in->chosen = 1;
	if (g->locked[f][ENV_PROD] < in->resolved + 1)
		g->locked[f][ENV_PROD] = in->resolved + 1;
}

static void emit_cause(struct gen *g, struct incident *in, struct ev *e, usec_t t)
{
	int f = in->cause_flag;
	struct state *s = &g->st[f][ENV_PROD];

	begin_event(g, e, t, in->actor, f, ENV_PROD);
	in->saved = *s;
	in->cause_type = cause_type_for(s, in->cause_type);
	e->action = apply_big_change(g, f, ENV_PROD, in->cause_type);
	in->cause_action = e->action;
	context(g, e, PICK(&g->rc, r_cause[in->cause_type]), s->rollout, -1);
	set_approval(g, e, in->missing_approval ? AP_MISSING : AP_APPROVED);
	in->cause_seq = g->seq + 1;
}

static void emit_revert(struct gen *g, struct incident *in, unsigned idx, struct ev *e, usec_t t)
{
	int f = in->cause_flag;
	struct state *s = &g->st[f][ENV_PROD];

	begin_event(g, e, t, pick_person(g, &g->rc, in->svc), f, ENV_PROD);
	if (!s->exists) {
		create_state(g, f, ENV_PROD);
		e->action = "flag.create";
	} else if (!in->saved.exists) {
		bump(s);
		s->enabled = 0;
		e->action = "flag.toggle";
	} else {
		int version = s->version, next_rule = s->next_rule;

		*s = in->saved;
		s->version = version + 1;
		s->next_rule = next_rule;
		e->action = !strcmp(in->cause_action, "flag.toggle") ? "flag.toggle" : "flag.update";
	}
	context(g, e, PICK(&g->rc, r_revert), 0, (int)idx);
	buf_reset(&g->corr);
	put_incident_id(&g->corr, idx);
	set_approval(g, e, chance(&g->rc, 500) ? AP_APPROVED : AP_NOT_REQUIRED);
}

/* The same service's flag in staging, changed a lot, just before the
 * incident: tempting, but the wrong environment. */
static void emit_staging(struct gen *g, struct incident *in, struct ev *e, usec_t t)
{
	struct rng *r = &g->rc;
	int f = in->cause_flag;
	struct state *s;
	int actor = chance(r, 700) ? pick_person(g, r, in->svc) : NPEOPLE + BOT_DEPLOY;

	if (g->locked[f][ENV_STAGING] > t || !g->st[f][ENV_STAGING].exists) {
		int other = pick_flag(g, r, in->svc, -1, -1, ENV_STAGING, -1, t, exists_p);

		if (other >= 0)
			f = other;
	}
	s = &g->st[f][ENV_STAGING];
	begin_event(g, e, t, actor, f, ENV_STAGING);
	e->action = apply_big_change(g, f, ENV_STAGING, cause_type_for(s, s->exists && s->rollout < 100 ?
									 CAUSE_JUMP : CAUSE_TOGGLE_ON));
	context(g, e, PICK(r, r_staging), s->rollout, -1);
}

/* Another service's flag in production, changed closer to the start. */
static void emit_other(struct gen *g, struct incident *in, struct ev *e, usec_t t)
{
	struct rng *r = &g->rc;
	int f = pick_flag(g, r, -1, in->svc, in->svc2, ENV_PROD, -1, t, exists_p);
	struct state *s;
	const char *tpl;

	if (f < 0)
		f = pick_flag(g, r, -1, in->svc, in->svc2, ENV_PROD, -1, t, absent_p);
	if (f < 0)
		f = (in->cause_flag + NFLAGS / 2) % NFLAGS;
	s = &g->st[f][ENV_PROD];
	begin_event(g, e, t, pick_person(g, r, flag_defs[f].svc), f, ENV_PROD);
	if (!s->exists) {
		create_state(g, f, ENV_PROD);
		e->action = "flag.create";
		tpl = PICK(r, r_create);
	} else if (s->rollout < 100 && chance(r, 600)) {
		bump(s);
		s->rollout = rung_up(s->rollout);
		e->action = "flag.rollout";
		tpl = PICK(r, r_ramp_up);
	} else {
		bump(s);
		s->enabled = !s->enabled;
		e->action = "flag.toggle";
		tpl = s->enabled ? PICK(r, r_toggle_on) : PICK(r, r_toggle_off);
	}
	context(g, e, tpl, s->rollout, -1);
}

/* A small change to another flag of the same service, well before. */
static void emit_small(struct gen *g, struct incident *in, struct ev *e, usec_t t)
{
	struct rng *r = &g->rc;
	int f = pick_flag(g, r, in->svc, -1, -1, ENV_PROD, in->cause_flag, t, exists_p);
	struct state *s;
	const char *tpl;

	if (f < 0)
		f = pick_flag(g, r, in->svc, -1, -1, ENV_PROD, in->cause_flag, t, absent_p);
	if (f < 0)
		f = pick_flag(g, r, -1, -1, -1, ENV_PROD, in->cause_flag, t, exists_p);
	if (f < 0)
		f = (in->cause_flag + 1) % NFLAGS;
	s = &g->st[f][ENV_PROD];
	begin_event(g, e, t, pick_person(g, r, flag_defs[f].svc), f, ENV_PROD);
	if (!s->exists) {
		create_state(g, f, ENV_PROD);
		s->enabled = 0;
		e->action = "flag.create";
		tpl = PICK(r, r_create);
	} else if (s->enabled && s->rollout >= 1 && s->rollout < 50) {
		bump(s);
		s->rollout++;
		e->action = "flag.rollout";
		tpl = PICK(r, r_small_rollout);
	} else {
		bump(s);
		s->desc_rev++;
		e->action = "flag.update";
		tpl = PICK(r, r_small_desc);
	}
	context(g, e, tpl, s->rollout, -1);
}

static void emit_burst(struct gen *g, struct burst *bu, usec_t t)
{
	struct rng *r = &g->rc;
	struct state *s;
	struct ev e;
	int f;

	if (!bu->chosen) {
		f = pick_flag(g, r, -1, -1, -1, bu->env, -1, t, exists_p);
		if (f < 0)
			f = pick_flag(g, r, -1, -1, -1, bu->env, -1, t, absent_p);
		if (f < 0)
			f = (int)below(r, NFLAGS);
		bu->flag = f;
		bu->actor = chance(r, 800) ? pick_person(g, r, flag_defs[f].svc) : NPEOPLE + BOT_OPS;
		bu->chosen = 1;
		if (g->locked[f][bu->env] < bu->until + 1)
			g->locked[f][bu->env] = bu->until + 1;
	}
	f = bu->flag;
	s = &g->st[f][bu->env];
	begin_event(g, &e, t, bu->actor, f, bu->env);
	if (!s->exists) {
		create_state(g, f, bu->env);
		e.action = "flag.create";
		context(g, &e, PICK(r, r_create), 0, -1);
	} else {
		bump(s);
		s->enabled = !s->enabled;
		e.action = "flag.toggle";
		context(g, &e, s->enabled ? PICK(r, r_flap_on) : PICK(r, r_flap_off), 0, -1);
	}
	write_event(g, &e);
}

static void emit_planned(struct gen *g, const struct planned *p)
{
	struct incident *in;
	struct ev e;

	if (p->kind == P_BURST) {
		emit_burst(g, &g->bursts[p->idx], p->t);
		return;
	}
	in = &g->inc[p->idx];
	if (!in->chosen)
		choose_cause(g, in, p->t);
	switch (p->kind) {
	case P_INC_CAUSE: emit_cause(g, in, &e, p->t); break;
	case P_INC_REVERT: emit_revert(g, in, p->idx, &e, p->t); break;
	case P_INC_STAGING: emit_staging(g, in, &e, p->t); break;
	case P_INC_OTHER: emit_other(g, in, &e, p->t); break;
	default: emit_small(g, in, &e, p->t); break;
	}
	write_event(g, &e);
}

/* ---- planning ---------------------------------------------------------- */

static void add_plan(struct gen *g, usec_t t, int kind, uint32_t idx)
{
	struct planned *p;

	ALLOC_GROW(g->plan, g->nplan + 1, g->plan_alloc);
	p = &g->plan[g->nplan];
	p->t = t;
	p->order = (uint32_t)g->nplan;
	p->idx = idx;
	p->kind = (unsigned char)kind;
	g->nplan++;
}

static int plan_cmp(const void *a, const void *b)
{
	const struct planned *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Decides how many incidents and toggle bursts to plant, draws the
 * background timeline once to learn its span, and places every planted
 * event in it. */
static void plan(struct gen *g, int want_incidents)
{
	const struct gen_options *o = g->o;
	struct rng *r = &g->rp, clone;
	uint64_t n = o->events, k, m = 0, nb;
	usec_t t, span, eff, slot, base;

	k = o->incidents ? o->incidents : n / 2000;
	if (!k && want_incidents)
		k = 1;
	if (k > n / 6)
		k = n / 6;
	g->ninc = (unsigned)k;
	g->inc = xcalloc(k ? k : 1, sizeof(*g->inc));
	for (uint64_t i = 0; i < k; i++) {
		struct incident *in = &g->inc[i];
		uint64_t sev = below(r, 100);

		in->svc = (int)below(r, NSVC);
		in->svc2 = chance(r, 250) ? (in->svc + 1 + (int)below(r, NSVC - 1)) % NSVC : -1;
		in->severity = sev < 15 ? 1 : sev < 60 ? 2 : 3;
		in->title = (int)below(r, 2);
		in->revert = chance(r, 700);
		in->actor = chance(r, 250) ? NPEOPLE + (chance(r, 500) ? BOT_DEPLOY : BOT_RELEASE) :
					     pick_person(g, r, in->svc);
		in->missing_approval = chance(r, 400);
		in->preferred = (int)below(r, CAUSE_CREATE);
		m += 4 + (uint64_t)in->revert;
	}
	nb = n / 1500;
	g->bursts = xcalloc(nb ? nb : 1, sizeof(*g->bursts));
	for (g->nbursts = 0; g->nbursts < nb && m + 4 <= n / 2; g->nbursts++) {
		g->bursts[g->nbursts].steps = 3 + chance(r, 500);
		m += (uint64_t)g->bursts[g->nbursts].steps;
	}
	g->nbackground = n - m;

	clone = g->rt;
	t = o->start;
	for (uint64_t i = 1; i < g->nbackground; i++)
		t += next_gap(&clone, t);
	span = t - o->start;
	eff = span > (usec_t)k * 4 * HOUR ? span : (usec_t)k * 4 * HOUR;
	base = (floor_div(o->start + 95 * MINUTE, USEC) + 1) * USEC;
	slot = k ? eff / (usec_t)k : 0;
	for (uint64_t i = 0; i < k; i++) {
		struct incident *in = &g->inc[i];
		usec_t s = base + slot * (usec_t)i + slot / 2 + range(r, -slot / 4, slot / 4);

		s = floor_div(s, USEC) * USEC;
		if (s < base)
			s = base;
		in->started = s;
		in->detected = s + range(r, 120, 900) * USEC;
		in->resolved = in->detected + range(r, 900, 7200) * USEC;
		add_plan(g, s - range(r, 20 * MINUTE, 90 * MINUTE), P_INC_SMALL, (uint32_t)i);
		add_plan(g, s - range(r, 5 * MINUTE + USEC, 40 * MINUTE - USEC), P_INC_CAUSE, (uint32_t)i);
		add_plan(g, s - range(r, MINUTE, 8 * MINUTE), P_INC_OTHER, (uint32_t)i);
		add_plan(g, s - range(r, MINUTE, 5 * MINUTE), P_INC_STAGING, (uint32_t)i);
		if (in->revert)
			add_plan(g, range(r, in->detected, in->resolved - USEC), P_INC_REVERT, (uint32_t)i);
	}
	for (unsigned j = 0; j < g->nbursts; j++) {
		struct burst *bu = &g->bursts[j];
		t = o->start + range(r, 0, span);
		for (int s = 0; s < bu->steps; s++) {
			if (s)
				t += range(r, 40 * USEC, 180 * USEC);
			add_plan(g, t, P_BURST, j);
		}
		bu->until = t;
		bu->env = pick_env(r);
	}
	if (g->nplan)
		qsort(g->plan, g->nplan, sizeof(*g->plan), plan_cmp);
}

/* ---- driver ------------------------------------------------------------ */

static void put_incident(struct gen *g, struct buf *b, const struct incident *in, unsigned i)
{
	put_lit(b, "{\"id\":\"");
	put_incident_id(b, i);
	put_lit(b, "\",\"title\":");
	put_jstr(b, incident_titles[in->svc][in->title]);
	put_lit(b, ",\"severity\":\"SEV");
	put_uint(b, (uint64_t)in->severity, 0);
	put_lit(b, "\",\"services\":[\"");
	put_str(b, svc_names[in->svc]);
	if (in->svc2 >= 0) {
		put_lit(b, "\",\"");
		put_str(b, svc_names[in->svc2]);
	}
	put_lit(b, "\"],\"environment\":\"production\",\"started_at\":\"");
	put_time(g, b, in->started, 0);
	put_lit(b, "\",\"detected_at\":\"");
	put_time(g, b, in->detected, 0);
	put_lit(b, "\",\"resolved_at\":\"");
	put_time(g, b, in->resolved, 0);
	put_lit(b, "\",\"planted_cause\":\"evt-");
	put_uint(b, in->cause_seq, 8);
	put_mem(b, "\"}\n", 3);
}

void gen_options_init(struct gen_options *o)
{
	o->events = 10000;
	o->seed = 1;
	o->start = (usec_t)1772323200 * USEC; /* 2026-03-01T00:00:00Z */
	o->incidents = 0;                      /* events / 2000, at least 1 when written */
}

int gen_run(const struct gen_options *o, FILE *events_out, FILE *incidents_out)
{
	struct gen *g = xcalloc(1, sizeof(*g));
	struct buf key = BUF_INIT;
	uint64_t bi = 0;
	size_t pi = 0;
	usec_t bt = o->start;
	int ret = 0;

	g->o = o;
	g->out = events_out;
	buf_init(&g->out_buf);
	buf_init(&g->tmp);
	buf_init(&g->reason);
	buf_init(&g->corr);
	buf_init(&g->ticket);
	buf_init(&g->pr);
	buf_init(&g->build);
	g->cached_day = INT64_MIN;
	rng_seed(&g->rt, o->seed, 1);
	rng_seed(&g->rp, o->seed, 2);
	rng_seed(&g->rc, o->seed, 3);
	for (int t = 0; t < NTARGETS; t++) {
		int kind = target_kind(t);

		buf_reset(&key);
		if (kind == KIND_FLAG) {
			put_str(&key, svc_names[flag_defs[t].svc]);
			put_ch(&key, '-');
			put_str(&key, flag_defs[t].feature);
		} else {
			put_str(&key, kind == KIND_SEGMENT ? segment_defs[t - NFLAGS].key :
				   config_defs[t - NFLAGS - NSEGS].key);
		}
		g->keys[t] = xstrdup(key.buf);
		for (int env = 0; env < NENV; env++)
			buf_init(&g->cache[t][env]);
	}
	buf_release(&key);
	for (int i = 0; i < NPEOPLE; i++) {
		g->owners[i % NSVC][g->nowners[i % NSVC]++] = i;
		g->owners[(i + 3) % NSVC][g->nowners[(i + 3) % NSVC]++] = i;
	}
	plan(g, incidents_out != NULL);

	for (uint64_t i = 0; i < o->events; i++) {
		if (pi < g->nplan && (bi >= g->nbackground || g->plan[pi].t < bt)) {
			emit_planned(g, &g->plan[pi++]);
		} else {
			emit_background(g, bt);
			if (++bi < g->nbackground)
				bt += next_gap(&g->rt, bt);
		}
		if (g->out_buf.len >= FLUSH_AT)
			flush_out(g);
	}
	flush_out(g);
	if (!g->write_failed && fflush(events_out))
		g->write_failed = errno ? errno : EIO;
	if (g->write_failed) {
		ret = error("cannot write events: %s", strerror(g->write_failed));
		goto out;
	}
	if (incidents_out) {
		g->out = incidents_out;
		for (unsigned i = 0; i < g->ninc; i++)
			put_incident(g, &g->out_buf, &g->inc[i], i);
		flush_out(g);
		if (!g->write_failed && fflush(incidents_out))
			g->write_failed = errno ? errno : EIO;
		if (g->write_failed)
			ret = error("cannot write incidents: %s", strerror(g->write_failed));
	}
out:
	for (int t = 0; t < NTARGETS; t++) {
		free(g->keys[t]);
		for (int env = 0; env < NENV; env++)
			buf_release(&g->cache[t][env]);
	}
	buf_release(&g->out_buf);
	buf_release(&g->tmp);
	buf_release(&g->reason);
	buf_release(&g->corr);
	buf_release(&g->ticket);
	buf_release(&g->pr);
	buf_release(&g->build);
	free(g->inc);
	free(g->bursts);
	free(g->plan);
	free(g);
	return ret;
}
