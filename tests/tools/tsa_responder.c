/*
 * tsa_responder.c - a test-only HTTP time-stamping authority on
 * 127.0.0.1, so tests of `trailscope timestamp --tsa URL` need nothing
 * beyond openssl and this program (never a public TSA).
 *
 *   tsa_responder PORTFILE COUNT DIR CMD
 *
 * Listens on 127.0.0.1 on a free port, writes the port to PORTFILE, and
 * answers COUNT POST requests, one at a time: the body goes to DIR/req.tsq,
 * CMD runs under sh -c (with REQ and RESP in its environment), and the
 * file RESP (DIR/resp.tsr) is sent back as application/timestamp-reply.
 * A CMD that fails is answered with HTTP 500. Exits after COUNT requests,
 * or after 60 s without one. Not hardened: for tests only.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_REQUEST (1 << 20)

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads one HTTP request into buf; sets *body and *body_len. Returns 0 or -1. */
static int read_request(int fd, char *buf, size_t cap, char **body, size_t *body_len)
{
	size_t have = 0, want = 0;
	char *end = NULL;

	for (;;) {
		ssize_t r = read(fd, buf + have, cap - have - 1);

		if (r <= 0)
			return -1;
		have += (size_t)r;
		buf[have] = 0;
		if (!end && (end = strstr(buf, "\r\n\r\n"))) {
			char *cl = strcasestr(buf, "\r\nContent-Length:");

			if (!cl || cl > end)
				return -1;
			want = (size_t)strtoul(cl + 17, NULL, 10);
			if (want > cap / 2)
				return -1;
		}
		if (end && have >= (size_t)(end + 4 - buf) + want) {
			*body = end + 4;
			*body_len = want;
			return 0;
		}
		if (have + 1 >= cap)
			return -1;
	}
}

static void answer(int fd, int code, const char *type, const char *body, size_t len)
{
	char head[256];
	int n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n", code, code == 200 ? "OK" : "Error", type, len);

	if (write_all(fd, head, (size_t)n) == 0)
		write_all(fd, body, len);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { 0 };
	socklen_t alen = sizeof(a);
	char *buf = malloc(MAX_REQUEST), reqp[4096], respp[4096];
	int s, count;
	FILE *f;

	if (argc != 5 || !buf) {
		fprintf(stderr, "usage: tsa_responder PORTFILE COUNT DIR CMD\n");
		return 2;
	}
	count = atoi(argv[2]);
	snprintf(reqp, sizeof(reqp), "%s/req.tsq", argv[3]);
	snprintf(respp, sizeof(respp), "%s/resp.tsr", argv[3]);
	setenv("REQ", reqp, 1);
	setenv("RESP", respp, 1);
	signal(SIGPIPE, SIG_IGN);
	s = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 4) ||
	    getsockname(s, (struct sockaddr *)&a, &alen)) {
		perror("tsa_responder");
		return 1;
	}
	f = fopen(argv[1], "w");
	if (!f || fprintf(f, "%d\n", ntohs(a.sin_port)) < 0 || fclose(f)) {
		perror(argv[1]);
		return 1;
	}
	while (count-- > 0) {
		char *body;
		size_t len;
		int c;

		alarm(60);
		c = accept(s, NULL, NULL);
		alarm(0);
		if (c < 0)
			return 1;
		if (read_request(c, buf, MAX_REQUEST, &body, &len) == 0) {
			FILE *q = fopen(reqp, "wb");
			size_t n;

			unlink(respp);
			if (q && fwrite(body, 1, len, q) == len && fclose(q) == 0 && system(argv[4]) == 0 &&
			    (q = fopen(respp, "rb"))) {
				n = fread(buf, 1, MAX_REQUEST, q);
				fclose(q);
				answer(c, 200, "application/timestamp-reply", buf, n);
			} else {
				answer(c, 500, "text/plain", "failed\n", 7);
			}
		} else {
			answer(c, 400, "text/plain", "bad request\n", 12);
		}
		close(c);
	}
	close(s);
	free(buf);
	return 0;
}
