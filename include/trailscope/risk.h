/*
 * risk.h - risk signals of one change, computed at import and stored as a
 * bit set in entries.risk: timeline badges, `risk:` query terms and the
 * correlation model all read them (docs/CORRELATION.md defines each).
 */
#ifndef TRAILSCOPE_RISK_H
#define TRAILSCOPE_RISK_H

#include "trailscope/diff.h"
#include "trailscope/event.h"

enum risk_flags {
	RISK_NO_APPROVAL = 1 << 0,     /* approval required, nobody approved */
	RISK_AFTER_HOURS = 1 << 1,     /* outside Mon-Fri 09:00-18:00 UTC */
	RISK_MASS_ROLLOUT = 1 << 2,    /* a rollout percentage jumped to 100 or by >= 50 points */
	RISK_RAPID_TOGGLE = 1 << 3,    /* toggled again within 30 min of 2+ other toggles */
	RISK_SERVICE_ACCOUNT = 1 << 4, /* made by a service account */
	RISK_PRODUCTION = 1 << 5,      /* environment looks like production */
	RISK_ENABLED = 1 << 6,         /* switched on (false -> true, "off" -> "on") */
	RISK_DELETE = 1 << 7,          /* the target was deleted */
};

struct risk_name {
	const char *name;              /* query and badge name: "no-approval" */
	unsigned flag;
};
extern const struct risk_name risk_names[]; /* NULL-terminated */
unsigned risk_lookup(const char *name);      /* 0 if unknown */

/* Signals visible in one event and its changes (all but RAPID_TOGGLE,
 * which needs the store: see store_recent_toggles). */
unsigned risk_of_event(const struct event *ev, const struct change_list *changes);
/* Does this change list flip an on/off switch? */
int risk_is_toggle(const struct change_list *changes);
/* Outside business hours (Mon-Fri, from_hour to to_hour local time at
 * utc_offset_min minutes east of UTC)? */
int risk_after_hours(usec_t ts, int from_hour, int to_hour, int utc_offset_min);

#endif
