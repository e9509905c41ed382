// SPDX-License-Identifier: GPL-2.0
/*
 * collabctl -b FILE: run the commands of a file, one a line, each as if
 * it followed the options on the command line.
 *
 * A line is split into words at blanks; single and double quotes group
 * blanks into a word and are dropped (there are no escapes, variables or
 * other shell syntax). Blank lines, and lines whose first non-blank
 * character is '#', are skipped. A line is read into a buffer of fixed
 * size: one longer than BATCH_LINE_MAX bytes is an error, as is a NUL
 * byte, which would end the line's last word unseen.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "collabctl.h"
#include "out.h"

#define BATCH_LINE_MAX	4096
/* The most words a line holds: one byte and a blank each. */
#define BATCH_WORDS_MAX	(BATCH_LINE_MAX / 2 + 1)
#define BATCH_BLANKS	" \t\r"

struct batch {
	const char *name;	/* as given: "-" is standard input */
	FILE *f;
	unsigned long line;	/* the number of the line read last */
	char buf[BATCH_LINE_MAX + 1];
	char *argv[BATCH_WORDS_MAX + 1];
	int argc;
};

/*
 * Read the next line into b->buf, without its newline. Return 1, 0 at
 * the end of the file, -E2BIG for a line too long or -EINVAL for a NUL
 * byte (the whole line is read either way), -EIO for a read error.
 */
static int read_line(struct batch *b)
{
	size_t len = 0;
	int c, err = 0;

	while ((c = getc(b->f)) != EOF && c != '\n') {
		if (c && len < BATCH_LINE_MAX)
			b->buf[len++] = (char)c;
		else if (!err)
			err = c ? -E2BIG : -EINVAL;
	}
	if (ferror(b->f))
		return -EIO;
	if (c == EOF && !len && !err)
		return 0;
	b->line++;
	b->buf[len] = '\0';
	return err ? err : 1;
}

/*
 * Split b->buf into the words of b->argv in place, each copied over
 * itself without its quotes. Return the quote left open, if any, else 0.
 */
static char split_words(struct batch *b)
{
	char *s, *d = b->buf, quote = 0;
	bool in_word = false;

	b->argc = 0;
	for (s = b->buf; *s; s++) {
		if (quote && *s == quote) {
			quote = 0;
		} else if (quote) {
			*d++ = *s;
		} else if (strchr(BATCH_BLANKS, *s)) {
			if (in_word)
				*d++ = '\0';
			in_word = false;
		} else {
			if (!in_word)
				b->argv[b->argc++] = d;
			in_word = true;
			if (*s == '\'' || *s == '"')
				quote = *s;
			else
				*d++ = *s;
		}
	}
	*d = '\0';
	b->argv[b->argc] = NULL;
	return quote;
}

/* Run the line just read, which READ_LINE() returned ERR for. */
static int run_line(struct batch *b, int err)
{
	const char *s = b->buf + strspn(b->buf, BATCH_BLANKS);
	char quote;
	int ret;

	if (err == -E2BIG)
		return ctl_usage_error(NULL, "the line is longer than %d bytes",
				       BATCH_LINE_MAX);
	if (err == -EINVAL)
		return ctl_usage_error(NULL, "the line holds a NUL byte");
	if (!*s || *s == '#')
		return CTL_OK;
	quote = split_words(b);
	if (quote)
		return ctl_usage_error(NULL, "no closing %s quote",
				       quote == '"' ? "double" : "single");
	ret = ctl_run(b->argc, b->argv);
	/* Each command starts a JSON document of its own. */
	out_discard();
	return ret;
}

/*
 * Run every line; stop at the first that fails, unless FORCE. Return the
 * status of the failure, the last one with FORCE.
 */
static int run_lines(struct batch *b, bool force)
{
	int err, ret, status = CTL_OK;
	bool lost;

	while ((err = read_line(b)) != 0 && err != -EIO) {
		ctl_where(b->name, b->line);
		ret = run_line(b, err);
		/* Output that cannot be written stops the batch. */
		lost = ctl_flush();
		ctl_where(NULL, 0);
		if (lost)
			return CTL_FAIL;
		if (ret) {
			status = ret;
			if (!force)
				return status;
		}
	}
	if (err == -EIO)
		return ctl_error("batch %s line %lu: cannot read: %s", b->name,
				 b->line + 1, strerror(errno));
	return status;
}

int ctl_batch(const char *name, bool force)
{
	struct batch b = { .name = name };
	int ret;

	b.f = strcmp(name, "-") ? fopen(name, "r") : stdin;
	if (!b.f)
		return ctl_error("batch %s: %s", name, strerror(errno));
	ret = run_lines(&b, force);
	if (b.f != stdin)
		fclose(b.f);
	return ret;
}
