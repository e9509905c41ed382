// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * board: whiteboard operations, applied in order.
 *
 *   <board>
 *     <stroke color="#ff0000ff" width="3" points="10 10 12 15 20 30"/>
 *     <shape kind="rect" color="#000000ff" width="1" fill="#ffff0080"
 *            x1="0" y1="0" x2="40" y2="30"/>
 *     <clear/>
 *   </board>
 */
#include <string.h>

#include "decode.h"

static const char *const shape_kinds[] = {
	[COLLAB_SHAPE_LINE] = "line",
	[COLLAB_SHAPE_RECT] = "rect",
	[COLLAB_SHAPE_ELLIPSE] = "ellipse",
};

static void write_i32(struct xout *o, const char *name, int32_t v)
{
	xout_lit(o, " ");
	xout_str(o, name);
	xout_lit(o, "=\"");
	xout_i64(o, v);
	xout_lit(o, "\"");
}

static void write_style(struct xout *o, uint32_t color, uint32_t width)
{
	xout_lit(o, " color=\"");
	xout_color(o, color);
	xout_lit(o, "\" width=\"");
	xout_u64(o, width);
	xout_lit(o, "\"");
}

static void write_stroke(struct xout *o, const struct collab_stroke *s)
{
	size_t i;

	if (!s->npoints || !s->points) {
		xout_fail(o, -EINVAL);
		return;
	}
	xout_lit(o, "<stroke");
	write_style(o, s->color, s->width);
	xout_lit(o, " points=\"");
	for (i = 0; i < s->npoints; i++) {
		if (i)
			xout_lit(o, " ");
		xout_i64(o, s->points[i].x);
		xout_lit(o, " ");
		xout_i64(o, s->points[i].y);
	}
	xout_lit(o, "\"/>");
}

static void write_shape(struct xout *o, const struct collab_shape *s)
{
	if (s->kind < COLLAB_SHAPE_LINE || s->kind > COLLAB_SHAPE_ELLIPSE) {
		xout_fail(o, -EINVAL);
		return;
	}
	xout_lit(o, "<shape kind=\"");
	xout_str(o, shape_kinds[s->kind]);
	xout_lit(o, "\"");
	write_style(o, s->color, s->width);
	if (s->filled) {
		xout_lit(o, " fill=\"");
		xout_color(o, s->fill);
		xout_lit(o, "\"");
	}
	write_i32(o, "x1", s->from.x);
	write_i32(o, "y1", s->from.y);
	write_i32(o, "x2", s->to.x);
	write_i32(o, "y2", s->to.y);
	xout_lit(o, "/>");
}

void collab__board_write(struct xout *o, const struct collab_board *board)
{
	size_t i;

	if (!board->nops || !board->ops) {
		xout_fail(o, -EINVAL);
		return;
	}
	xout_lit(o, "<board>");
	for (i = 0; i < board->nops && !o->err; i++) {
		const struct collab_board_op *op = &board->ops[i];

		switch (op->kind) {
		case COLLAB_BOARD_STROKE:
			write_stroke(o, &op->stroke);
			break;
		case COLLAB_BOARD_SHAPE:
			write_shape(o, &op->shape);
			break;
		case COLLAB_BOARD_CLEAR:
			xout_lit(o, "<clear/>");
			break;
		default:
			xout_fail(o, -EINVAL);
		}
	}
	xout_lit(o, "</board>");
}

/* ---- reading ---------------------------------------------------------- */

static bool get_i32(const struct xattr *a, int32_t *v)
{
	int64_t x;

	if (!parse_i64(a->v, a->n, INT32_MIN, INT32_MAX, &x))
		return false;
	*v = (int32_t)x;
	return true;
}

static bool get_u32(const struct xattr *a, uint32_t *v)
{
	uint64_t x;

	if (!parse_u64(a->v, a->n, UINT32_MAX, &x))
		return false;
	*v = (uint32_t)x;
	return true;
}

/* "x y x y ...": pairs of integers, one space apart. */
static int read_points(struct dec *d, const struct xattr *a, struct collab_stroke *s)
{
	struct vec *v = &d->st->points;
	struct collab_point *p = (struct collab_point *)v->p + v->len;
	size_t i = 0, start, n = 0;
	int32_t xy[2];

	while (i < a->n) {
		int k;

		for (k = 0; k < 2; k++) {
			struct xattr tok = { .v = a->v + i };

			start = i;
			while (i < a->n && a->v[i] != ' ')
				i++;
			tok.n = i - start;
			if (!get_i32(&tok, &xy[k]))
				return dec_fail(d, "<stroke>: bad points");
			if (i < a->n) {
				i++;
				if (i == a->n)
					return dec_fail(d, "<stroke>: bad points");
			} else if (k == 0) {
				return dec_fail(d, "<stroke>: odd number of coordinates");
			}
		}
		if (v->len + n >= v->cap)
			return dec_fail(d, "<stroke>: too many points");
		p[n].x = xy[0];
		p[n].y = xy[1];
		n++;
	}
	if (!n)
		return dec_fail(d, "<stroke>: no points");
	s->points = p;
	s->npoints = n;
	v->len += n;
	return 0;
}

static int read_stroke(struct dec *d, struct collab_stroke *s, const xmlChar **attrs,
		       int nattrs)
{
	static const char *const names[] = { "color", "width", "points", NULL };
	struct xattr a[3];
	int i;

	if (dec_attrs(d, "stroke", names, a, attrs, nattrs))
		return -1;
	for (i = 0; names[i]; i++)
		if (dec_require(d, "stroke", names[i], &a[i]))
			return -1;
	if (!parse_color(a[0].v, a[0].n, &s->color))
		return dec_fail(d, "<stroke>: bad color");
	if (!get_u32(&a[1], &s->width))
		return dec_fail(d, "<stroke>: bad width");
	return read_points(d, &a[2], s);
}

static int read_shape(struct dec *d, struct collab_shape *s, const xmlChar **attrs,
		      int nattrs)
{
	static const char *const names[] = {
		"kind", "color", "width", "fill", "x1", "y1", "x2", "y2", NULL,
	};
	enum { KIND, COLOR, WIDTH, FILL, X1, Y1, X2, Y2 };
	struct xattr a[8];
	int i;

	if (dec_attrs(d, "shape", names, a, attrs, nattrs))
		return -1;
	for (i = 0; names[i]; i++)
		if (i != FILL && dec_require(d, "shape", names[i], &a[i]))
			return -1;
	for (i = COLLAB_SHAPE_LINE; i <= COLLAB_SHAPE_ELLIPSE; i++)
		if (a[KIND].n == strlen(shape_kinds[i]) &&
		    !memcmp(a[KIND].v, shape_kinds[i], a[KIND].n))
			break;
	if (i > COLLAB_SHAPE_ELLIPSE)
		return dec_fail(d, "<shape>: unknown kind");
	s->kind = i;
	if (!parse_color(a[COLOR].v, a[COLOR].n, &s->color))
		return dec_fail(d, "<shape>: bad color");
	if (!get_u32(&a[WIDTH], &s->width))
		return dec_fail(d, "<shape>: bad width");
	s->filled = a[FILL].v;
	if (s->filled && !parse_color(a[FILL].v, a[FILL].n, &s->fill))
		return dec_fail(d, "<shape>: bad fill");
	if (!get_i32(&a[X1], &s->from.x) || !get_i32(&a[Y1], &s->from.y) ||
	    !get_i32(&a[X2], &s->to.x) || !get_i32(&a[Y2], &s->to.y))
		return dec_fail(d, "<shape>: bad coordinate");
	return 0;
}

static int board_start(struct dec *d, const xmlChar **attrs, int nattrs)
{
	static const char *const names[] = { NULL };
	struct collab_msg_store *st = d->st;

	if (dec_attrs(d, "board", names, NULL, attrs, nattrs))
		return -1;
	/* Every operation takes 8 bytes or more, every point 4 or more. */
	if (vec_reserve(&st->ops, d->in_len / 8 + 1, sizeof(struct collab_board_op)) ||
	    vec_reserve(&st->points, d->in_len / 4 + 1, sizeof(struct collab_point)))
		return dec_fail(d, "out of memory");
	d->msg->board.ops = st->ops.p;
	return 0;
}

static int board_child(struct dec *d, const char *name, const xmlChar **attrs, int nattrs)
{
	static const char *const none[] = { NULL };
	struct vec *v = &d->st->ops;
	struct collab_board_op *op;

	if (v->len >= v->cap)
		return dec_fail(d, "<board>: too many operations");
	op = (struct collab_board_op *)v->p + v->len++;
	memset(op, 0, sizeof(*op));
	d->msg->board.nops = v->len;
	if (!strcmp(name, "stroke")) {
		op->kind = COLLAB_BOARD_STROKE;
		return read_stroke(d, &op->stroke, attrs, nattrs);
	}
	if (!strcmp(name, "shape")) {
		op->kind = COLLAB_BOARD_SHAPE;
		return read_shape(d, &op->shape, attrs, nattrs);
	}
	if (!strcmp(name, "clear")) {
		op->kind = COLLAB_BOARD_CLEAR;
		return dec_attrs(d, "clear", none, NULL, attrs, nattrs);
	}
	return dec_fail(d, "<board>: unexpected <%s>", name);
}

static int board_child_end(struct dec *d)
{
	(void)d;
	return 0;
}

static int board_end(struct dec *d)
{
	if (!d->msg->board.nops)
		return dec_fail(d, "<board>: no operation");
	return 0;
}

const struct payload collab__board_payload = {
	.name = "board",
	.start = board_start,
	.child = board_child,
	.child_end = board_child_end,
	.end = board_end,
};
