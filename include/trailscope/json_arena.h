/*
 * json_arena.h - a per-thread bump allocator for jansson values, used by
 * the import reader (json_arena.c). Values made while a thread is in an
 * arena must be released by that thread before it leaves.
 */
#ifndef TRAILSCOPE_JSON_ARENA_H
#define TRAILSCOPE_JSON_ARENA_H

#include <stddef.h>

struct json_arena;

/* Installs the arena-aware allocator in jansson (once per process; safe
 * at any time: values allocated before are freed with free()). */
void json_arena_install(void);
/* The calling thread's jansson values come from a new arena until leave. */
struct json_arena *json_arena_enter(void);
void json_arena_leave(struct json_arena *a);
/* Until json_arena_resume(a) with what this returns (the thread's arena,
 * or NULL), the calling thread's new jansson values come from malloc, so
 * any thread may release them (the import hands such values from a
 * parser thread to the writer). */
struct json_arena *json_arena_pause(void);
void json_arena_resume(struct json_arena *a);
/* Blocks of a handed out and not yet freed (for tests). */
size_t json_arena_live(const struct json_arena *a);

#endif
