/*
 * json_arena.c - a per-thread bump allocator for jansson, for the import
 * reader, which builds and frees a few hundred small JSON values per
 * record. Installed as jansson's allocator once per process; a thread
 * that has not entered an arena gets plain malloc and free.
 *
 * Arena blocks are never freed one by one: the arena counts its live
 * blocks and rewinds to its start when the count drops to zero (after
 * each record, once the record's values are all released). A block is
 * known as the arena's by its address (inside one of the thread's
 * chunks), so values allocated before the allocator was installed, or
 * outside any arena, are freed with free() as usual. The rule for users:
 * values made inside an arena are released by the same thread before it
 * leaves the arena (the import reader flattens each event before handing
 * it to the writer). Memory stays bounded by ARENA_MAX, beyond which
 * blocks come from malloc again.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>

#include "trailscope/json_arena.h"
#include "trailscope/util.h"

#define CHUNK_SIZE ((size_t)1 << 20)
#define ARENA_MAX ((size_t)64 << 20)  /* beyond this, blocks come from malloc */
#define BIG_BLOCK ((size_t)64 << 10)  /* blocks this large always come from malloc */

struct chunk {
	struct chunk *next;
	size_t used;
	_Alignas(16) unsigned char mem[CHUNK_SIZE];
};

struct json_arena {
	struct chunk *first, *cur;
	size_t live;            /* blocks handed out and not yet freed */
	size_t total;           /* bytes in chunks */
};

static _Thread_local struct json_arena *current;

static struct chunk *chunk_new(struct json_arena *a)
{
	struct chunk *c = aligned_alloc(16, sizeof(*c));

	if (!c)
		return NULL;
	c->next = NULL;
	c->used = 0;
	a->total += CHUNK_SIZE;
	return c;
}

static void *arena_alloc(size_t n)
{
	struct json_arena *a = current;
	size_t need = (n + 15) & ~(size_t)15;
	void *p;

	if (!a || need > BIG_BLOCK || !need)
		return malloc(n ? n : 1);
	if (a->cur->used + need > CHUNK_SIZE) {
		if (!a->cur->next) {
			if (a->total >= ARENA_MAX || !(a->cur->next = chunk_new(a)))
				return malloc(n);
		}
		a->cur = a->cur->next;
		a->cur->used = 0;
	}
	p = a->cur->mem + a->cur->used;
	a->cur->used += need;
	a->live++;
	return p;
}

static int in_arena(const struct json_arena *a, const void *ptr)
{
	const unsigned char *p = ptr;

	for (const struct chunk *c = a->first; c; c = c->next)
		if (p >= c->mem && p < c->mem + CHUNK_SIZE)
			return 1;
	return 0;
}

static void arena_free(void *ptr)
{
	struct json_arena *a = current;

	if (!ptr)
		return;
	if (!a || !in_arena(a, ptr)) {
		free(ptr);
		return;
	}
	if (a->live && --a->live == 0) {
		a->cur = a->first;
		a->first->used = 0;
	}
}

static pthread_once_t installed = PTHREAD_ONCE_INIT;

static void install(void)
{
	json_set_alloc_funcs(arena_alloc, arena_free);
}

void json_arena_install(void)
{
	pthread_once(&installed, install);
}

struct json_arena *json_arena_enter(void)
{
	struct json_arena *a = xcalloc(1, sizeof(*a));

	json_arena_install();
	a->first = a->cur = chunk_new(a);
	if (!a->first)
		die("out of memory");
	current = a;
	return a;
}

struct json_arena *json_arena_pause(void)
{
	struct json_arena *a = current;

	current = NULL;
	return a;
}

void json_arena_resume(struct json_arena *a)
{
	current = a;
}

size_t json_arena_live(const struct json_arena *a)
{
	return a->live;
}

void json_arena_leave(struct json_arena *a)
{
	struct chunk *c, *next;

	if (!a)
		return;
	current = NULL;
	if (a->live)
		die("internal error: %zu JSON values outlived their arena", a->live);
	for (c = a->first; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}
