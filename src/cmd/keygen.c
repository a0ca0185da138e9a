/*
 * keygen.c - "trailscope keygen NAME --out DIR [--witness]": writes
 * DIR/STEM.key (the signer key, mode 0600) and DIR/STEM.pub (the verifier
 * key), where STEM is NAME with '/' and other path characters replaced by
 * '_'. --witness makes a witness's cosigner key pair (signature type 0x04).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cmd.h"
#include "trailscope/keys.h"
#include "trailscope/note.h"
#include "trailscope/util.h"

static int run_keygen(struct cmd_ctx *cx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "witness", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct buf skey = BUF_INIT, vkey = BUF_INIT, stem = BUF_INIT, kpath = BUF_INIT, ppath = BUF_INIT;
	const char *usage = cx->cmd->usage, *dir = NULL, *name;
	struct stat st;
	int c, ret = EXIT_IO, witness = 0;

	while ((c = cli_getopt(argc, argv, "o:wh", opts, "keygen", usage)) != -1) {
		switch (c) {
		case 'o': dir = optarg; break;
		case 'w': witness = 1; break;
		default: return cli_common_option(cx, c); /* --help, or cli_getopt said why */
		}
	}
	if (argc - optind != 1 || !dir)
		return cli_usage_error(usage, "keygen: expected NAME and --out DIR");
	name = argv[optind];
	if (!note_name_valid(name))
		return cli_usage_error(usage, "keygen: bad key name '%s' (no spaces or '+')", name);
	if (mkdir_p(dir, 0700))
		goto out;
	keyfile_stem(name, &stem);
	buf_addf(&kpath, "%s/%s.key", dir, stem.buf);
	buf_addf(&ppath, "%s/%s.pub", dir, stem.buf);
	if (stat(kpath.buf, &st) == 0 || stat(ppath.buf, &st) == 0) {
		error("'%s' or '%s' already exists: refusing to overwrite a key", kpath.buf, ppath.buf);
		goto out;
	}
	if (note_keygen_type(name, witness ? NOTE_KEY_COSIGNATURE_V1 : NOTE_KEY_ED25519, &skey, &vkey)) {
		error("cannot generate a key");
		goto out;
	}
	buf_addch(&skey, '\n');
	buf_addch(&vkey, '\n');
	if (write_file_atomic(kpath.buf, skey.buf, skey.len, 0600) ||
	    write_file_atomic(ppath.buf, vkey.buf, vkey.len, 0644))
		goto out;
	printf("%s%s\nverifier key: %s\n%s", witness ? "witness key:  " : "signer key:   ", kpath.buf,
	       ppath.buf, vkey.buf);
	ret = EXIT_OK;
out:
	if (skey.len)
		memset(skey.buf, 0, skey.len);
	buf_release(&skey);
	buf_release(&vkey);
	buf_release(&stem);
	buf_release(&kpath);
	buf_release(&ppath);
	return ret;
}

const struct command cmd_keygen_entry = {
	.name = "keygen",
	.usage = "keygen NAME --out DIR [--witness]",
	.summary = "create an Ed25519 signer/verifier key pair (a log's, or a witness's)",
	.help = "Writes DIR/STEM.key (signer, PRIVATE+KEY+..., mode 0600) and DIR/STEM.pub (verifier,\n"
		"NAME+KEYID+BASE64), STEM being NAME with '/' replaced by '_'. NAME is usually the\n"
		"log's origin, e.g. example.org/audit. --witness makes a witness's cosigner key\n"
		"(C2SP tlog-cosignature, signature type 0x04 in the key and its key id), for\n"
		"trailscope witness cosign and verify --witness; NAME is then the witness's name,\n"
		"e.g. witness.example.com/w1.\n",
	.flags = 0,
	.run = run_keygen,
};
