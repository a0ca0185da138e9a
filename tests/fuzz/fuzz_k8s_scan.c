/*
 * fuzz_k8s_scan.c - libFuzzer harness for the scan that lets import skip a
 * Kubernetes read without parsing it (json_scan.c, k8s_line_is_read in
 * format_k8s.c). Each line of the input is checked alone: when
 * json_scan_object vouches for it, json_parse_strict must accept it as an
 * object of as many members, named as the scan says; when
 * k8s_line_is_read says it is a read, the reader's strict path must skip
 * it as a read and do nothing else (k8s_oracle.h). Aborts otherwise.
 */
#include "fuzz.h"
#include "k8s_oracle.h"
#include "trailscope/jcs.h"
#include "trailscope/json_scan.h"

static void check_line(const char *line, size_t n)
{
	struct json_scan_member m[64];
	int k = json_scan_object(line, n, m, sizeof(m) / sizeof(m[0]));

	if (k >= 0) {
		struct buf err = BUF_INIT;
		int l, c;
		json_t *j = json_parse_strict(line, n, &l, &c, &err);

		buf_release(&err);
		if (!j || !json_is_object(j) || json_object_size(j) != (size_t)k)
			abort();
		for (int i = 0; i < k; i++) {
			char *name = xstrndup(m[i].name.p, m[i].name.n);
			json_t *v = json_object_get(j, name);

			free(name);
			if (!v || (m[i].value.type == JSCAN_STRING) != json_is_string(v) ||
			    (m[i].value.type == JSCAN_OBJECT) != json_is_object(v) ||
			    (m[i].value.type == JSCAN_NUMBER) != json_is_number(v))
				abort();
		}
		json_decref(j);
	}
	if (k8s_line_is_read(line, n) && !k8s_oracle_is_read(line, n))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;

	fuzz_dir();
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		check_line(p, n);
		p += n;
	}
	return 0;
}
