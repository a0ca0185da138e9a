/*
 * risk.c - the per-event risk signals (see risk.h). Pure functions of one
 * event; cheap enough for the import hot path.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "trailscope/risk.h"

const struct risk_name risk_names[] = {
	{ "no-approval", RISK_NO_APPROVAL },
	{ "after-hours", RISK_AFTER_HOURS },
	{ "mass-rollout", RISK_MASS_ROLLOUT },
	{ "rapid-toggle", RISK_RAPID_TOGGLE },
	{ "service-account", RISK_SERVICE_ACCOUNT },
	{ "production", RISK_PRODUCTION },
	{ "enabled", RISK_ENABLED },
	{ "delete", RISK_DELETE },
	{ NULL, 0 },
};

unsigned risk_lookup(const char *name)
{
	for (int i = 0; risk_names[i].name; i++)
		if (!strcmp(risk_names[i].name, name))
			return risk_names[i].flag;
	return 0;
}

int risk_after_hours(usec_t ts, int from_hour, int to_hour, int utc_offset_min)
{
	int wday, hour, minute;

	time_local_clock(ts, utc_offset_min, &wday, &hour, &minute);
	return wday >= 5 || hour < from_hour || hour >= to_hour;
}

/* The last member name of a path ("rules[0].rollout_pct" -> "rollout_pct"). */
static const char *last_key(const char *path)
{
	const char *dot = strrchr(path, '.');

	return dot ? dot + 1 : path;
}

static int is_pct_key(const char *key)
{
	return strcasestr(key, "pct") || strcasestr(key, "percent") || strcasestr(key, "rollout");
}

static int is_on(const json_t *v)
{
	return json_is_true(v) || (json_is_string(v) && (!strcasecmp(json_string_value(v), "on") ||
							  !strcasecmp(json_string_value(v), "enabled") ||
							  !strcasecmp(json_string_value(v), "true")));
}

static int is_off(const json_t *v)
{
	return json_is_false(v) || (json_is_string(v) && (!strcasecmp(json_string_value(v), "off") ||
							   !strcasecmp(json_string_value(v), "disabled") ||
							   !strcasecmp(json_string_value(v), "false")));
}

static int is_switch_path(const char *path)
{
	const char *k = last_key(path);

	return !*path || !strcmp(k, "enabled") || !strcmp(k, "on") || !strcmp(k, "state");
}

int risk_is_toggle(const struct change_list *changes)
{
	for (size_t i = 0; i < changes->n; i++) {
		const struct change *c = &changes->v[i];

		if (c->kind == CHANGE_CHANGED && is_switch_path(c->path) && !c->before_unknown &&
		    ((is_on(c->before) && is_off(c->after)) || (is_off(c->before) && is_on(c->after))))
			return 1;
	}
	return 0;
}

unsigned risk_of_event(const struct event *ev, const struct change_list *changes)
{
	unsigned r = 0;
	json_t *approval = json_object_get(ev->context, "approval");

	if (json_is_true(json_object_get(approval, "required")) &&
	    !json_is_string(json_object_get(approval, "approved_by")))
		r |= RISK_NO_APPROVAL;
	if (risk_after_hours(ev->ts, 9, 18, 0))
		r |= RISK_AFTER_HOURS;
	if (!strcmp(ev->actor_type, "service"))
		r |= RISK_SERVICE_ACCOUNT;
	if (!strncasecmp(ev->environment, "prod", 4) || !strcasecmp(ev->environment, "prd") ||
	    !strcasecmp(ev->environment, "live"))
		r |= RISK_PRODUCTION;
	if (strstr(ev->action, "delete") || (ev->before && !ev->after && ev->before_known))
		r |= RISK_DELETE;
	for (size_t i = 0; i < changes->n; i++) {
		const struct change *c = &changes->v[i];

		if (is_pct_key(last_key(c->path)) && json_is_number(c->after)) {
			double after = json_number_value(c->after);
			double before = json_is_number(c->before) ? json_number_value(c->before) : 0;

			if ((after >= 100 && before < 100) || after - before >= 50)
				r |= RISK_MASS_ROLLOUT;
		}
		if (c->kind == CHANGE_CHANGED && is_switch_path(c->path) && is_on(c->after) &&
		    (c->before_unknown || is_off(c->before)))
			r |= RISK_ENABLED;
	}
	return r;
}
