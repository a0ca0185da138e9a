/*
 * gen_tables.c - the generator's world: environments, services, people
 * and service accounts, and the flags, segments and configs they change,
 * with the incident titles; and the questions asked of a target number.
 */
#include "gen_int.h"

const char *const env_names[NENV] = { "production", "staging", "development" };

const char *const svc_names[NSVC] = {
	"checkout", "payments", "search", "auth", "inventory",
	"notifications", "recommendations", "shipping",
};

const struct actor_def actors[] = {
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
const char *const bot_corr_prefix[NBOTS] = { "deploy", "tf", "release", "sync", "auto" };

const struct flag_def flag_defs[] = {
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

const struct attr_def attrs[NATTR] = {
	{ "plan", "in", "Paid plans", 0, { "enterprise", "pro", "team", "free" } },
	{ "country", "in", "Launch countries", 0, { "US", "CA", "GB", "DE", "FR", "JP", "BR", "IN" } },
	{ "platform", "in", "Mobile and web apps", 0, { "ios", "android", "web" } },
	{ "app_version", "semver_gte", "Recent app versions", 1, { "5.2.0", "5.4.0", "6.0.0", "6.1.0" } },
	{ "email", "ends_with", "Staff and partners", 0,
	  { "@example.com", "@example.org", "@partner.example.net" } },
	{ "region", "in", "Regional rollout", 0, { "us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2" } },
};

const struct segment_def segment_defs[] = {
	{ "beta-users", "Beta users", "Customers who opted into beta features", ATTR_PLAN },
	{ "internal-staff", "Internal staff", "Employees and contractors", ATTR_EMAIL },
	{ "enterprise-accounts", "Enterprise accounts", "Contracted enterprise tenants", ATTR_PLAN },
	{ "eu-customers", "EU customers", "Customers billed in the EU", ATTR_COUNTRY },
	{ "mobile-early-access", "Mobile early access", "Testers of pre-release apps", ATTR_APP_VERSION },
};

const struct config_def config_defs[] = {
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

const char *const incident_titles[NSVC][2] = {
	{ "Checkout error rate above 5%", "Orders stuck in pending payment" },
	{ "Payment authorisation failures spiking", "Duplicate charges reported by customers" },
	{ "Search returning empty results", "Search latency p99 above 2s" },
	{ "Login failures above 10%", "SSO sign-in loop for enterprise tenants" },
	{ "Stock levels out of sync", "Inventory reservations timing out" },
	{ "Notification queue backlog above 1M", "Duplicate push notifications sent" },
	{ "Recommendation service 5xx spike", "Empty recommendation carousels on home page" },
	{ "Shipping rates unavailable at checkout", "Label printing failures at warehouse" },
};

int target_kind(int t)
{
	return t < NFLAGS ? KIND_FLAG : t < NFLAGS + NSEGS ? KIND_SEGMENT : KIND_CONFIG;
}

int target_svc(int t)
{
	switch (target_kind(t)) {
	case KIND_FLAG: return flag_defs[t].svc;
	case KIND_CONFIG: return config_defs[t - NFLAGS - NSEGS].svc;
	default: return -1;
	}
}

int attr_nvalues(int attr)
{
	int n = 0;

	while (n < 8 && attrs[attr].values[n])
		n++;
	return n;
}

int config_nparams(int c)
{
	int n = 0;

	while (n < 4 && config_defs[c].params[n])
		n++;
	return n;
}
