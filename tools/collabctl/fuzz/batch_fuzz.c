// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for what collabctl reads from its users: an input is a
 * batch file (collabctl -b), read and split into words as batch.c does,
 * and every word of every line goes through the value parsers of parse.c
 * (numbers, GUIDs, addresses, base64 keys, keyword arguments) in place of
 * the command it would run. Nothing is sent to the kernel. A key read
 * back must print as the very word it was read from: there is one text
 * for each key.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "../batch.c"
#include "../parse.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int ctl_usage_error(const char *cmd, const char *fmt, ...)
{
	(void)cmd;
	(void)fmt;
	return CTL_USAGE;
}

int ctl_error(const char *fmt, ...)
{
	(void)fmt;
	return CTL_FAIL;
}

void ctl_where(const char *file, unsigned long line)
{
	(void)file;
	(void)line;
}

int ctl_flush(void)
{
	return 0;
}

void out_discard(void)
{
}

/* One line's words, as the commands take them apart. */
int ctl_run(int argc, char **argv)
{
	struct arg args[] = {
		{ .name = "id" }, { .name = "name" }, { .name = "local" },
		{ .name = "dev" }, { .name = "mtu" },
		{ .name = NULL },
	};
	char ip[SOCKADDR_STR_LEN], hex[GUID_STR_LEN], b64[KEY_STR_LEN];
	uint8_t key[COLLAB_KEY_LEN];
	union sockaddr_inet sa;
	struct collab_guid g;
	uint64_t v;
	int i;

	for (i = 0; i < argc; i++) {
		if (!parse_u64(argv[i], UINT32_MAX, &v) && v > UINT32_MAX)
			abort();
		if (!parse_guid(argv[i], &g))
			guid_str(&g, hex);
		if (!parse_sockaddr(argv[i], 6118, &sa)) {
			sockaddr_str(&sa, ip);
			if (!sockaddr_len(&sa) || !sockaddr_port(&sa))
				abort();
		}
		if (!parse_key(argv[i], key)) {
			key_str(key, b64);
			if (strcmp(b64, argv[i]))
				abort();
		}
		parse_key_arg("fuzz", "key", argv[i], key);
	}
	return argc > 1 ? parse_args("fuzz", argc - 1, argv + 1, args) : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct batch b;
	FILE *f;

	if (!size)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	memset(&b, 0, sizeof(b));
	b.name = "fuzz";
	b.f = f;
	run_lines(&b, true);
	fclose(f);
	return 0;
}
