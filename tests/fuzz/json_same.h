/*
 * json_same.h - "the same jansson value", stricter than json_equal(): the
 * same types, objects with the same names in the same order, strings with
 * the same bytes and length, and reals with the same bits (json_equal
 * takes -0.0 for 0.0). For the harness and the unit test that hold
 * json_build_strict to jansson's own reader.
 */
#ifndef JSON_SAME_H
#define JSON_SAME_H

#include <jansson.h>
#include <string.h>

static inline int json_same(const json_t *a, const json_t *b)
{
	if (json_typeof(a) != json_typeof(b))
		return 0;
	switch (json_typeof(a)) {
	case JSON_OBJECT: {
		void *ia = json_object_iter((json_t *)a), *ib = json_object_iter((json_t *)b);

		if (json_object_size(a) != json_object_size(b))
			return 0;
		for (; ia && ib; ia = json_object_iter_next((json_t *)a, ia),
		     ib = json_object_iter_next((json_t *)b, ib)) {
			size_t la = json_object_iter_key_len(ia), lb = json_object_iter_key_len(ib);

			if (la != lb || memcmp(json_object_iter_key(ia), json_object_iter_key(ib), la) ||
			    !json_same(json_object_iter_value(ia), json_object_iter_value(ib)))
				return 0;
		}
		return !ia && !ib;
	}
	case JSON_ARRAY:
		if (json_array_size(a) != json_array_size(b))
			return 0;
		for (size_t k = 0; k < json_array_size(a); k++)
			if (!json_same(json_array_get(a, k), json_array_get(b, k)))
				return 0;
		return 1;
	case JSON_STRING:
		return json_string_length(a) == json_string_length(b) &&
		       !memcmp(json_string_value(a), json_string_value(b), json_string_length(a));
	case JSON_REAL: {
		double x = json_real_value(a), y = json_real_value(b);

		return !memcmp(&x, &y, sizeof(x));
	}
	case JSON_INTEGER:
		return json_integer_value(a) == json_integer_value(b);
	default:
		return 1;
	}
}

#endif
