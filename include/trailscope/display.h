/*
 * display.h - short display names for an event's columns, decided by the
 * shape of each field's value, not by the source format's name, so every
 * format that writes the same shapes reads the same way:
 *   action  "ec2.amazonaws.com:TerminateInstances" -> "ec2:TerminateInstances"
 *           (a DNS service name before the last ':' becomes its first label)
 *   actor   "arn:aws:iam::1234:user/Alice" -> "Alice",
 *           "arn:aws:sts::1234:assumed-role/Admin/alice" -> "Admin/alice"
 *           (an ARN's resource tail), "system:serviceaccount:ns:name" ->
 *           "ns/name" (a Kubernetes service account)
 *   target  a Kubernetes resource (kind a lower-case plural, with an
 *           optional subresource) gets its singular kind before it:
 *           ("rolebindings", "default/x") -> "rolebinding default/x";
 *           ARNs as for actors
 *   env     "123456789012/us-east-1" (account/region) -> "us-east-1" when
 *           it must be short
 * The full values stay in the store and in the event view. Knows nothing
 * of terminals: out gets data, to be made safe by whoever draws it.
 */
#ifndef TRAILSCOPE_DISPLAY_H
#define TRAILSCOPE_DISPLAY_H

#include "trailscope/buf.h"

/* Each appends the display form of its value to out (the value itself
 * when no rule applies). */
void display_action(const char *action, struct buf *out);
void display_actor(const char *actor, struct buf *out);
void display_target(const char *target_kind, const char *target, struct buf *out);
/* short: the narrowest meaningful form (the region of account/region,
 * "prod" for "production", ...). */
void display_env(const char *env, int short_form, struct buf *out);

#endif
