/*
 * test_json_arena.c - unit tests for json_arena.c: values made inside an
 * arena parse and serialise like any others, the arena rewinds once a
 * record's values are all released, values made outside it (before the
 * allocator was installed, or on another thread) are freed normally while
 * a thread is in it, and a record larger than a chunk spills into more.
 */
#include <pthread.h>

#include "check.h"
#include "trailscope/jcs.h"
#include "trailscope/json_arena.h"
#include "trailscope/util.h"

static json_t *parse(const char *text)
{
	struct buf err = BUF_INIT;
	int line, col;
	json_t *v = json_parse_strict(text, strlen(text), &line, &col, &err);

	buf_release(&err);
	return v;
}

static char *canon(const json_t *v)
{
	struct buf out = BUF_INIT, err = BUF_INIT;

	if (jcs_serialize(v, &out, &err))
		buf_addstr(&out, "<error>");
	buf_release(&err);
	return buf_detach(&out, NULL);
}

TEST(test_values_and_rewind)
{
	json_t *outside = parse("{\"made\":\"before the arena\"}");
	struct json_arena *a = json_arena_enter();
	json_t *v = parse("{\"b\":[1,2,{\"c\":null}],\"a\":\"x\\u0001\"}");
	json_t *w;
	char *s = canon(v);
	void *first = json_object_get(v, "b");

	CHECK_STR(s, "{\"a\":\"x\\u0001\",\"b\":[1,2,{\"c\":null}]}");
	free(s);
	CHECK(json_arena_live(a) > 5);
	json_decref(v);
	CHECK_INT(json_arena_live(a), 0);
	/* every value of the record released: the next record starts over */
	w = parse("{\"b\":[1,2,{\"c\":null}],\"a\":\"x\\u0001\"}");
	CHECK(json_object_get(w, "b") == first);
	/* a value made outside the arena is freed normally inside it */
	json_decref(outside);
	json_decref(w);
	json_arena_leave(a);
}

TEST(test_large_record_spills)
{
	struct json_arena *a = json_arena_enter();
	json_t *arr = json_array();
	char *s;

	for (int i = 0; i < 100000; i++)
		json_array_append_new(arr, json_pack("{s:i,s:s}", "i", i, "name", "a value long enough"));
	CHECK_INT(json_array_size(arr), 100000);
	CHECK_INT(json_integer_value(json_object_get(json_array_get(arr, 99999), "i")), 99999);
	s = canon(json_array_get(arr, 12345));
	CHECK_STR(s, "{\"i\":12345,\"name\":\"a value long enough\"}");
	free(s);
	CHECK(json_arena_live(a) > 100000);
	json_decref(arr);
	CHECK_INT(json_arena_live(a), 0);
	json_arena_leave(a);
}

static void *other_thread(void *arg)
{
	json_t **out = arg;

	*out = parse("[\"made on another thread\"]");
	return NULL;
}

TEST(test_other_threads_unaffected)
{
	struct json_arena *a = json_arena_enter();
	json_t *mine = parse("[1]"), *theirs = NULL;
	pthread_t tid;

	CHECK(pthread_create(&tid, NULL, other_thread, &theirs) == 0);
	pthread_join(tid, NULL);
	CHECK(theirs != NULL);
	json_decref(theirs); /* malloc'd there, freed here inside the arena */
	CHECK(json_arena_live(a) > 0);
	json_decref(mine);
	CHECK_INT(json_arena_live(a), 0);
	json_arena_leave(a);
}

/* A thread in its own arena that pauses it: the value made meanwhile is
 * malloc'd, so this thread may release it after leaving the other's arena. */
static void *paused_thread(void *arg)
{
	json_t **out = arg;
	struct json_arena *a = json_arena_enter(), *was;
	json_t *in_arena = parse("[\"in the arena\"]");

	was = json_arena_pause();
	*out = parse("{\"made\":[\"while paused\"]}");
	json_arena_resume(was);
	json_decref(in_arena);
	json_arena_leave(a); /* would die if the paused value were the arena's */
	return NULL;
}

TEST(test_pause_hands_values_across)
{
	struct json_arena *a = json_arena_enter();
	json_t *theirs = NULL, *mine;
	pthread_t tid;
	char *s;

	CHECK(json_arena_pause() == a);
	json_arena_resume(a);
	CHECK(pthread_create(&tid, NULL, paused_thread, &theirs) == 0);
	pthread_join(tid, NULL);
	CHECK(theirs != NULL);
	mine = parse("[2]");
	CHECK(json_arena_live(a) > 0);
	s = canon(theirs);
	CHECK_STR(s, "{\"made\":[\"while paused\"]}");
	free(s);
	json_decref(theirs); /* not this arena's: freed with free() */
	json_decref(mine);
	CHECK_INT(json_arena_live(a), 0);
	json_arena_leave(a);
}

int main(void)
{
	/* the allocator goes in after a value exists, as in a program that
	 * never called json_arena_install() at start */
	json_t *early = json_string("early");

	json_arena_install();
	json_decref(early);
	RUN(test_values_and_rewind);
	RUN(test_large_record_spills);
	RUN(test_other_threads_unaffected);
	RUN(test_pause_hands_values_across);
	return CHECK_DONE();
}
