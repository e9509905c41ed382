// SPDX-License-Identifier: GPL-2.0
/*
 * collabd: application files (collab.app(5)). Each *.app file of the
 * directories, in order, describes one application type in "key = value"
 * lines; a file of a later directory with the name of an earlier one's
 * is left out, so /etc overrides /usr/share. An error names the file and
 * the line, and the file is left out.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collabd.h"

#define LINE_MAX_LEN	1024
#define ARGS_MAX	64

struct parse {
	const char *path;
	unsigned int line;
	int errors;
};

static void bad(struct parse *p, const char *fmt, const char *arg)
{
	fprintf(stderr, "collabd: %s:%u: ", p->path, p->line);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	p->errors++;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static bool app_name_ok(const char *s)
{
	size_t i, len = strlen(s);

	for (i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return len && len < COLLAB_APP_MAX;
}

static int number(struct parse *p, const char *v, unsigned long min,
		  unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(v, &end, 10);
	if (errno || end == v || *end || *out < min || *out > max) {
		bad(p, "'%s' is not a number in range", v);
		return -1;
	}
	return 0;
}

/* EXEC split into words; no quoting: arguments have no spaces. */
static char **split(struct parse *p, const char *v)
{
	char *copy, *w, *save = NULL, **argv;
	int n = 0;

	argv = calloc(ARGS_MAX + 1, sizeof(*argv));
	copy = strdup(v);
	if (!argv || !copy) {
		free(argv);
		free(copy);
		bad(p, "%s", "out of memory");
		return NULL;
	}
	for (w = strtok_r(copy, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		if (n == ARGS_MAX) {
			bad(p, "exec has more than %s words", "64");
			break;
		}
		argv[n++] = strdup(w);
	}
	free(copy);
	if (!n || argv[0][0] != '/') {
		bad(p, "exec '%s' must start with an absolute path", v);
		for (n = 0; argv[n]; n++)
			free(argv[n]);
		free(argv);
		return NULL;
	}
	return argv;
}

static void set_string(struct parse *p, char *dst, size_t size,
		       const char *v, const char *what)
{
	if (strlen(v) >= size) {
		bad(p, "%s is too long", what);
		return;
	}
	strcpy(dst, v);
}

/* One "key = value" line into @a. */
static void setting(struct parse *p, struct app *a, const char *k,
		    const char *v)
{
	unsigned long n;

	if (!strcmp(k, "name")) {
		if (!app_name_ok(v))
			bad(p, "name '%s': give 1 to 31 printable characters", v);
		else
			strcpy(a->name, v);
	} else if (!strcmp(k, "exec")) {
		a->argv = split(p, v);
	} else if (!strcmp(k, "user")) {
		set_string(p, a->user, sizeof(a->user), v, "user");
	} else if (!strcmp(k, "group")) {
		set_string(p, a->group, sizeof(a->group), v, "group");
	} else if (!strcmp(k, "policy")) {
		if (!strcmp(v, "shared"))
			a->policy = COLLAB_APP_SHARED;
		else if (!strcmp(v, "per-session"))
			a->policy = COLLAB_APP_PER_SESSION;
		else
			bad(p, "policy '%s': give shared or per-session", v);
	} else if (!strcmp(k, "restart")) {
		if (!strcmp(v, "no"))
			a->restart = RESTART_NO;
		else if (!strcmp(v, "on-failure"))
			a->restart = RESTART_ON_FAILURE;
		else if (!strcmp(v, "always"))
			a->restart = RESTART_ALWAYS;
		else
			bad(p, "restart '%s': give no, on-failure or always", v);
	} else if (!strcmp(k, "instances")) {
		if (!number(p, v, 1, 4096, &n))
			a->instances = n;
	} else if (!strcmp(k, "timeout")) {
		if (!number(p, v, COLLAB_APP_TIMEOUT_MIN_MS,
			    COLLAB_APP_TIMEOUT_MAX_MS, &n))
			a->timeout_ms = n;
	} else if (!strcmp(k, "hold")) {
		if (!number(p, v, 4096, 1UL << 30, &n))
			a->hold_bytes = n;
	} else {
		bad(p, "unknown key '%s'", k);
	}
}

/* The app of file @path (named @file in its directory), or NULL. */
static struct app *parse_file(const char *path, const char *file, int *errors)
{
	struct parse p = { .path = path };
	char buf[LINE_MAX_LEN + 2], *l, *eq;
	struct app *a;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "collabd: %s: %s\n", path, strerror(errno));
		(*errors)++;
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		fclose(f);
		(*errors)++;
		return NULL;
	}
	snprintf(a->path, sizeof(a->path), "%s", path);
	a->restart = RESTART_ON_FAILURE;
	/* The name defaults to the file's, without ".app". */
	snprintf(a->name, sizeof(a->name), "%.*s", (int)(strlen(file) - 4),
		 file);
	while (fgets(buf, sizeof(buf), f)) {
		p.line++;
		if (!strchr(buf, '\n') && !feof(f)) {
			bad(&p, "line longer than %s characters", "1024");
			break;
		}
		l = trim(buf);
		if (!*l || *l == '#')
			continue;
		eq = strchr(l, '=');
		if (!eq) {
			bad(&p, "'%s' is no \"key = value\" line", l);
			continue;
		}
		*eq = '\0';
		setting(&p, a, trim(l), trim(eq + 1));
	}
	fclose(f);
	if (!a->argv) {
		p.line = 0;
		if (!p.errors)
			bad(&p, "%s", "no exec line: what should start?");
	}
	if (!p.errors && !app_name_ok(a->name)) {
		bad(&p, "the file name gives no valid name: add a name line%s", "");
	}
	if (!a->instances)
		a->instances = a->policy == COLLAB_APP_PER_SESSION ? 16 : 1;
	if (p.errors) {
		*errors += p.errors;
		config_free(a);
		return NULL;
	}
	return a;
}

struct app *config_find(struct app *apps, const char *name)
{
	for (; apps; apps = apps->next)
		if (!strncmp(apps->name, name, COLLAB_APP_MAX))
			return apps;
	return NULL;
}

static int app_file(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	return d->d_name[0] != '.' && len > 4 &&
	       !strcmp(d->d_name + len - 4, ".app");
}

/* Every application file of @dirs, the first of each name; *@errors counted. */
struct app *config_load(char **dirs, int ndirs, int *errors)
{
	struct app *apps = NULL, *a, **tail = &apps;
	char path[PATH_MAX];
	struct dirent **ents;
	int d, i, n;

	for (d = 0; d < ndirs; d++) {
		n = scandir(dirs[d], &ents, app_file, alphasort);
		if (n < 0) {
			if (errno != ENOENT) {
				fprintf(stderr, "collabd: %s: %s\n", dirs[d],
					strerror(errno));
				(*errors)++;
			}
			continue;
		}
		for (i = 0; i < n; i++) {
			snprintf(path, sizeof(path), "%s/%s", dirs[d],
				 ents[i]->d_name);
			a = parse_file(path, ents[i]->d_name, errors);
			if (a && config_find(apps, a->name)) {
				logmsg("%s: %s is described already, left out",
				       path, a->name);
				config_free(a);
				a = NULL;
			}
			if (a) {
				*tail = a;
				tail = &a->next;
			}
			free(ents[i]);
		}
		free(ents);
	}
	return apps;
}

void config_free(struct app *apps)
{
	struct app *next;
	int i;

	for (; apps; apps = next) {
		next = apps->next;
		for (i = 0; apps->argv && apps->argv[i]; i++)
			free(apps->argv[i]);
		free(apps->argv);
		free(apps);
	}
}
