/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Random messages for property tests of libcollab's format, and a deep
 * comparison of two messages. Every string is valid UTF-8 made only of
 * characters XML 1.0 can carry, with a bias to the ones it must escape.
 */
#ifndef MSG_GEN_H
#define MSG_GEN_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collab.h"

struct gen {
	uint64_t state;
	/* Storage the generated message points into. */
	char strs[64][4096];
	int nstrs;
	struct collab_board_op ops[16];
	struct collab_point points[16][64];
	struct collab_field fields[24];
	uint8_t bytes[24][128];
	uint8_t blob[3000];
};

static inline uint64_t gen_u64(struct gen *g)
{
	uint64_t x = g->state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	g->state = x;
	return x;
}

static inline uint32_t gen_below(struct gen *g, uint32_t n)
{
	return (uint32_t)(gen_u64(g) % n);
}

/* A code point XML carries, often one it must escape. */
static inline uint32_t gen_char(struct gen *g)
{
	static const char special[] = "<>&\"'\t\n\r ]";
	uint32_t c;

	switch (gen_below(g, 6)) {
	case 0:
		return (uint8_t)special[gen_below(g, sizeof(special) - 1)];
	case 1:
	case 2:
		return 0x20 + gen_below(g, 0x5f);
	case 3:
		return 0x80 + gen_below(g, 0x800 - 0x80);
	case 4:
		do
			c = 0x800 + gen_below(g, 0x10000 - 0x800);
		while ((c >= 0xd800 && c <= 0xdfff) || c >= 0xfffe);
		return c;
	default:
		return 0x10000 + gen_below(g, 0x110000 - 0x10000);
	}
}

static inline size_t put_utf8(char *p, uint32_t c)
{
	if (c < 0x80) {
		p[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		p[0] = (char)(0xc0 | c >> 6);
		p[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		p[0] = (char)(0xe0 | c >> 12);
		p[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		p[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	p[0] = (char)(0xf0 | c >> 18);
	p[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	p[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	p[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* Up to @chars characters (often none), NUL-terminated, in g's storage. */
static inline const char *gen_text(struct gen *g, unsigned int chars)
{
	char *s = g->strs[g->nstrs++ % 64], *p = s;
	unsigned int n = gen_below(g, 4) ? gen_below(g, chars + 1) : 0, i;

	for (i = 0; i < n && p - s < 4096 - 5; i++)
		p += put_utf8(p, gen_char(g));
	*p = 0;
	return s;
}

/* [lo-hi]{min,max} in ASCII. */
static inline void gen_ascii(struct gen *g, char *s, int lo, int hi, unsigned int min,
			     unsigned int max)
{
	unsigned int n = min + gen_below(g, max - min + 1), i;

	for (i = 0; i < n; i++)
		s[i] = (char)(lo + (int)gen_below(g, (uint32_t)(hi - lo + 1)));
	s[n] = 0;
}

static inline void gen_id(struct gen *g, struct collab_id *id)
{
	uint64_t a = gen_u64(g), b = gen_u64(g);

	memcpy(id->b, &a, 8);
	memcpy(id->b + 8, &b, 8);
}

static inline int32_t gen_i32(struct gen *g)
{
	switch (gen_below(g, 4)) {
	case 0:
		return gen_below(g, 2) ? INT32_MAX : INT32_MIN;
	case 1:
		return (int32_t)gen_below(g, 2000) - 1000;
	default:
		return (int32_t)(uint32_t)gen_u64(g);
	}
}

static inline double gen_double(struct gen *g)
{
	static const double special[] = { 0.0, -0.0, 0.1, 1e308, -1e-308, 5e-324, INFINITY,
					  -INFINITY, NAN };
	uint64_t bits;
	double d;

	if (gen_below(g, 3) == 0)
		return special[gen_below(g, sizeof(special) / sizeof(special[0]))];
	bits = gen_u64(g);
	memcpy(&d, &bits, sizeof(d));
	return d;
}

static inline void gen_board(struct gen *g, struct collab_msg *m)
{
	unsigned int n = 1 + gen_below(g, 16), i, k;

	for (i = 0; i < n; i++) {
		struct collab_board_op *op = &g->ops[i];

		memset(op, 0, sizeof(*op));
		op->kind = COLLAB_BOARD_STROKE + (int)gen_below(g, 3);
		if (op->kind == COLLAB_BOARD_STROKE) {
			op->stroke.color = (uint32_t)gen_u64(g);
			op->stroke.width = gen_below(g, 2) ? gen_below(g, 20) : (uint32_t)gen_u64(g);
			op->stroke.npoints = 1 + gen_below(g, 64);
			for (k = 0; k < op->stroke.npoints; k++) {
				g->points[i][k].x = gen_i32(g);
				g->points[i][k].y = gen_i32(g);
			}
			op->stroke.points = g->points[i];
		} else if (op->kind == COLLAB_BOARD_SHAPE) {
			op->shape.kind = COLLAB_SHAPE_LINE + (int)gen_below(g, 3);
			op->shape.color = (uint32_t)gen_u64(g);
			op->shape.width = (uint32_t)gen_u64(g);
			op->shape.filled = gen_below(g, 2);
			if (op->shape.filled)
				op->shape.fill = (uint32_t)gen_u64(g);
			op->shape.from.x = gen_i32(g);
			op->shape.from.y = gen_i32(g);
			op->shape.to.x = gen_i32(g);
			op->shape.to.y = gen_i32(g);
		}
	}
	m->board.nops = n;
	m->board.ops = g->ops;
}

static inline void gen_record(struct gen *g, struct collab_record *r)
{
	unsigned int n = gen_below(g, 24), i, k;
	char *key;

	for (i = 0; i < n; i++) {
		struct collab_field *f = &g->fields[i];

		memset(f, 0, sizeof(*f));
		key = g->strs[g->nstrs++ % 64];
		gen_ascii(g, key, 'a', 'z', 1, 8);
		if (gen_below(g, 4) == 0)
			strcat(key, gen_below(g, 2) ? "_9.x-" : "-Z");
		if (gen_below(g, 8) == 0)
			key[0] = '_';
		f->key = key;
		f->type = COLLAB_VAL_STRING + (int)gen_below(g, 5);
		switch (f->type) {
		case COLLAB_VAL_STRING:
			f->s = gen_text(g, 200);
			break;
		case COLLAB_VAL_INT:
			f->i = gen_below(g, 4) ? (int64_t)gen_u64(g) :
			       gen_below(g, 2) ? INT64_MIN : INT64_MAX;
			break;
		case COLLAB_VAL_DOUBLE:
			f->d = gen_double(g);
			break;
		case COLLAB_VAL_BOOL:
			f->b = gen_below(g, 2);
			break;
		default:
			f->bytes.len = gen_below(g, 128);
			for (k = 0; k < f->bytes.len; k++)
				g->bytes[i][k] = (uint8_t)gen_u64(g);
			f->bytes.data = g->bytes[i];
		}
	}
	r->nfields = n;
	r->fields = g->fields;
}

static inline void gen_envelope(struct gen *g, struct collab_msg *m)
{
	m->id = gen_below(g, 4) ? gen_u64(g) : gen_below(g, 2) ? 0 : UINT64_MAX;
	if (gen_below(g, 2))
		gen_id(g, &m->session);
	gen_id(g, &m->source.node);
	gen_id(g, &m->source.instance);
	gen_ascii(g, m->source.app, ' ', '~', 1, COLLAB_APP_TYPE_MAX - 1);
	gen_ascii(g, m->source.host, '!', '~', 1, COLLAB_HOST_MAX - 1);
	gen_ascii(g, m->source.user, '!', '~', 1, COLLAB_USER_MAX - 1);
	m->source.time_us = gen_below(g, 8) ? (int64_t)(gen_u64(g) % 253402300800000000ULL) :
			    gen_below(g, 2) ? 0 : 253402300799999999LL;
	m->target.kind = COLLAB_DEST_GUID + (int)gen_below(g, 4);
	switch (m->target.kind) {
	case COLLAB_DEST_GUID:
		if (gen_below(g, 2))
			gen_id(g, &m->target.node);
		gen_id(g, &m->target.id);
		break;
	case COLLAB_DEST_APP:
		if (gen_below(g, 2))
			gen_id(g, &m->target.node);
		gen_ascii(g, m->target.app, ' ', '~', 1, COLLAB_APP_TYPE_MAX - 1);
		break;
	case COLLAB_DEST_SESSION:
		gen_id(g, &m->target.id);
		break;
	default:
		if (gen_below(g, 2))
			gen_ascii(g, m->target.app, ' ', '~', 1, COLLAB_APP_TYPE_MAX - 1);
	}
}

/* A call's operation: [a-z][a-z0-9-]{0,30}, in g's storage. */
static inline const char *gen_op(struct gen *g)
{
	static const char tail[] = "abcdefghijklmnopqrstuvwxyz0123456789-";
	char *s = g->strs[g->nstrs++ % 64];
	unsigned int n = gen_below(g, 4) ? gen_below(g, 8) : gen_below(g, COLLAB_OP_MAX - 1), i;

	s[0] = (char)('a' + gen_below(g, 26));
	for (i = 1; i <= n; i++)
		s[i] = tail[gen_below(g, sizeof(tail) - 1)];
	s[i] = 0;
	return s;
}

static inline void gen_reply(struct gen *g, struct collab_msg *m)
{
	m->reply.call = gen_below(g, 4) ? gen_u64(g) : gen_below(g, 2) ? 0 : UINT64_MAX;
	switch (gen_below(g, 4)) {
	case 0:
		m->reply.status = 0;
		break;
	case 1:
		m->reply.status = gen_below(g, 2) ? 4095 : 1;
		break;
	default:
		m->reply.status = (int)gen_below(g, 4096);
	}
	if (gen_below(g, 2))
		m->reply.error = gen_text(g, COLLAB_ERROR_CHARS);
	if (gen_below(g, 2))
		gen_record(g, &m->reply.result);
}

/* A random message of a random content type (custom types as records). */
static inline void gen_msg(struct gen *g, struct collab_msg *m)
{
	static const char *const custom[] = { "poll", "x-9", "a", "record" };
	unsigned int i;

	memset(m, 0, sizeof(*m));
	g->nstrs = 0;
	gen_envelope(g, m);
	switch (gen_below(g, 8)) {
	case 0:
		m->type = COLLAB_TYPE_CHAT;
		m->chat.from = gen_text(g, COLLAB_NAME_CHARS);
		m->chat.text = gen_text(g, 1000);
		break;
	case 1:
		m->type = COLLAB_TYPE_BOARD;
		gen_board(g, m);
		break;
	case 2:
		m->type = COLLAB_TYPE_BLOB;
		m->blob.len = gen_below(g, 4) ? gen_below(g, sizeof(g->blob)) : 0;
		for (i = 0; i < m->blob.len; i++)
			g->blob[i] = (uint8_t)gen_u64(g);
		m->blob.data = g->blob;
		break;
	case 3:
		m->type = COLLAB_TYPE_CALL;
		m->call.op = gen_op(g);
		if (gen_below(g, 2))
			gen_record(g, &m->call.args);
		break;
	case 4:
		m->type = COLLAB_TYPE_REPLY;
		gen_reply(g, m);
		break;
	case 5:
		m->type = "probe";
		break;
	default:
		m->type = custom[gen_below(g, 4)];
		gen_record(g, &m->record);
	}
}

static inline bool same_double(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return !memcmp(&a, &b, sizeof(a));	/* tells 0.0 from -0.0 */
}

static inline bool same_str(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

static inline bool same_bytes(const struct collab_bytes *a, const struct collab_bytes *b)
{
	return a->len == b->len && (!a->len || !memcmp(a->data, b->data, a->len));
}

static inline bool same_record(const struct collab_record *a, const struct collab_record *b)
{
	size_t i;

	if (a->nfields != b->nfields)
		return false;
	for (i = 0; i < a->nfields; i++) {
		const struct collab_field *x = &a->fields[i], *y = &b->fields[i];

		if (strcmp(x->key, y->key) || x->type != y->type)
			return false;
		switch (x->type) {
		case COLLAB_VAL_STRING:
			if (!same_str(x->s, y->s))
				return false;
			break;
		case COLLAB_VAL_INT:
			if (x->i != y->i)
				return false;
			break;
		case COLLAB_VAL_DOUBLE:
			if (!same_double(x->d, y->d))
				return false;
			break;
		case COLLAB_VAL_BOOL:
			if (x->b != y->b)
				return false;
			break;
		default:
			if (!same_bytes(&x->bytes, &y->bytes))
				return false;
		}
	}
	return true;
}

static inline bool same_op(const struct collab_board_op *x, const struct collab_board_op *y)
{
	if (x->kind != y->kind)
		return false;
	if (x->kind == COLLAB_BOARD_STROKE)
		return x->stroke.color == y->stroke.color && x->stroke.width == y->stroke.width &&
		       x->stroke.npoints == y->stroke.npoints &&
		       !memcmp(x->stroke.points, y->stroke.points,
			       x->stroke.npoints * sizeof(struct collab_point));
	if (x->kind == COLLAB_BOARD_SHAPE)
		return x->shape.kind == y->shape.kind && x->shape.color == y->shape.color &&
		       x->shape.width == y->shape.width && x->shape.filled == y->shape.filled &&
		       (!x->shape.filled || x->shape.fill == y->shape.fill) &&
		       !memcmp(&x->shape.from, &y->shape.from, sizeof(x->shape.from)) &&
		       !memcmp(&x->shape.to, &y->shape.to, sizeof(x->shape.to));
	return true;
}

/* Everything the format carries is equal. */
static inline bool same_msg(const struct collab_msg *a, const struct collab_msg *b)
{
	size_t i;

	if (a->id != b->id || memcmp(&a->session, &b->session, sizeof(a->session)) ||
	    strcmp(a->type, b->type) ||
	    memcmp(&a->source.node, &b->source.node, sizeof(a->source.node)) ||
	    memcmp(&a->source.instance, &b->source.instance, sizeof(a->source.instance)) ||
	    strcmp(a->source.app, b->source.app) || strcmp(a->source.host, b->source.host) ||
	    strcmp(a->source.user, b->source.user) || a->source.time_us != b->source.time_us ||
	    a->target.kind != b->target.kind ||
	    memcmp(&a->target.node, &b->target.node, sizeof(a->target.node)) ||
	    memcmp(&a->target.id, &b->target.id, sizeof(a->target.id)) ||
	    strcmp(a->target.app, b->target.app))
		return false;
	if (!strcmp(a->type, COLLAB_TYPE_CHAT))
		return same_str(a->chat.from, b->chat.from) && same_str(a->chat.text, b->chat.text);
	if (!strcmp(a->type, COLLAB_TYPE_BLOB))
		return same_bytes(&a->blob, &b->blob);
	if (!strcmp(a->type, COLLAB_TYPE_BOARD)) {
		if (a->board.nops != b->board.nops)
			return false;
		for (i = 0; i < a->board.nops; i++)
			if (!same_op(&a->board.ops[i], &b->board.ops[i]))
				return false;
		return true;
	}
	if (!strcmp(a->type, COLLAB_TYPE_CALL))
		return !strcmp(a->call.op, b->call.op) && same_record(&a->call.args, &b->call.args);
	if (!strcmp(a->type, COLLAB_TYPE_REPLY))
		return a->reply.call == b->reply.call && a->reply.status == b->reply.status &&
		       same_str(a->reply.error, b->reply.error) &&
		       same_record(&a->reply.result, &b->reply.result);
	if (!strcmp(a->type, "probe"))
		return true;
	return same_record(&a->record, &b->record);
}

#endif /* MSG_GEN_H */
