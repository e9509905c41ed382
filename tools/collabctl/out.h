/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collabctl: one print path for text and JSON.
 *
 * Commands describe what they print once: every value has a JSON key
 * (snake_case; NULL inside an array) and a text format, a printf format
 * with one %s that receives the value as text (NULL: not shown as text).
 * In text mode the formats are printed as the calls come; in JSON mode
 * the calls build one document, printed by out_end(). out_text() prints
 * only in text mode, for layout.
 */
#ifndef COLLABCTL_OUT_H
#define COLLABCTL_OUT_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/collab.h>

void out_setup(bool json, bool pretty);
bool out_json(void);

void out_obj_start(const char *key);
void out_obj_end(void);
void out_array_start(const char *key);
void out_array_end(void);

void out_str(const char *key, const char *fmt, const char *val);
void out_u64(const char *key, const char *fmt, uint64_t val);
void out_bool(const char *key, const char *fmt, bool val);
void out_guid(const char *key, const char *fmt, const struct collab_guid *g);
void out_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * End a document: print it (JSON mode) and flush stdout. out_discard()
 * drops it instead, after an error.
 */
void out_end(void);
void out_discard(void);

#endif /* COLLABCTL_OUT_H */
