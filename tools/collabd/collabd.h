/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collabd: the node's supervisor. It registers the application types of
 * its application files as activatable, starts an instance when the
 * kernel asks for one, and supervises what it started.
 */
#ifndef COLLABD_H
#define COLLABD_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/collab.h>

enum restart { RESTART_NO, RESTART_ON_FAILURE, RESTART_ALWAYS };

/* One application file. */
struct app {
	char name[COLLAB_APP_MAX];
	char path[PATH_MAX];		/* the file it came from */
	char **argv;			/* exec, split into words */
	char user[64];			/* empty: collabd's own */
	char group[64];			/* empty: the user's */
	uint8_t policy;			/* enum collab_app_policy */
	enum restart restart;
	unsigned int instances;		/* at most, at once */
	uint32_t timeout_ms;		/* 0: the kernel's default */
	uint32_t hold_bytes;		/* 0: the kernel's default */
	unsigned int running;		/* instances alive */
	struct app *next;
};

/* A request of the kernel's: start an instance of @app for @session. */
struct request {
	uint64_t id;
	struct collab_guid session;	/* all zeros: none */
	struct collab_guid src_node;
	struct collab_guid src_id;
};

/* log.c-free logging: "collabd: MESSAGE" on stderr, one line. */
void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void guid_hex(const struct collab_guid *g, char out[33]);

/* main.c: the files' types, what waits, an instance for no request. */
struct app *app_list(void);
unsigned int app_waiting(const struct app *a);
pid_t app_start(struct app *a);

/* config.c */
struct app *config_load(char **dirs, int ndirs, int *errors);
void config_free(struct app *apps);
struct app *config_find(struct app *apps, const char *name);

/* kernel.c */
typedef void (*request_fn)(const char *app, const struct request *r);
int kernel_open(void);
void kernel_close(void);
int kernel_event_fd(void);
int kernel_register(const struct app *a);
int kernel_unregister(const char *name);
int kernel_fail(const char *app, uint64_t id, int err);
int kernel_pending(request_fn fn);
int kernel_read_events(request_fn fn);

/* serve.c */
int server_allow(const char *list);
int server_open(void);
void server_run(void);
void server_close(void);

#endif /* COLLABD_H */
