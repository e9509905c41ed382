// SPDX-License-Identifier: GPL-2.0
/*
 * xml_bench: the cost of libcollab's portable format on one core.
 *
 *   xml_bench [-s SECS] [-r ROUNDS]
 *
 * For a chat message with 100 bytes of text and a whiteboard stroke of
 * 4 KiB of points (512 points), measures in one run:
 *
 *   collab  collab_msg_to_xml() into a reused buffer, then
 *           collab_msg_from_xml() (validation included) into a reused
 *           message: what every message costs on its way out and in
 *   naive   the obvious libxml2 round trip: xmlTextWriter into a fresh
 *           buffer, xmlReadMemory() into a DOM, a walk that reads every
 *           value back, xmlFreeDoc()
 *   memcpy  a copy of the same XML bytes
 *
 * The three take turns in short blocks (ROUNDS rounds of SECS / ROUNDS
 * seconds each), so that anything else the machine does slows them
 * alike; each result is the median block. Prints messages/s and MB/s of
 * XML for each, and collab's ratio to the naive round trip. Exit status 1
 * if a round trip does not give back the message it started from.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>

#include "collab.h"

#define CHAT_TEXT	100
#define STROKE_POINTS	512	/* 4 KiB of struct collab_point */
#define MAX_BLOCKS	64

struct workload {
	const char *name;
	struct collab_msg msg;
	char *xml;
	size_t xml_len;
};

struct result {
	double rate[MAX_BLOCKS];	/* messages/s of each block */
	int n;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static volatile uint64_t sink;

/* ---- the library ------------------------------------------------------- */

static char out[COLLAB_XML_MAX];
static struct collab_msg *back;

static int collab_round(const struct workload *w)
{
	ssize_t n = collab_msg_to_xml(&w->msg, out, sizeof(out));

	if (n < 0 || collab_msg_from_xml(out, (size_t)n, &back))
		return -1;
	sink += back->id;
	return 0;
}

/* ---- the naive libxml2 round trip -------------------------------------- */

static void w_attr(xmlTextWriterPtr w, const char *name, const char *value)
{
	xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST value);
}

static void w_hex(xmlTextWriterPtr w, const char *name, const struct collab_id *id)
{
	char hex[33];

	w_attr(w, name, collab_id_to_hex(id, hex));
}

static void w_u64(xmlTextWriterPtr w, const char *name, uint64_t v)
{
	xmlTextWriterWriteFormatAttribute(w, BAD_CAST name, "%llu", (unsigned long long)v);
}

static xmlBufferPtr naive_write(const struct collab_msg *m)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = xmlNewTextWriterMemory(buf, 0);
	struct tm tm;
	time_t t = (time_t)(m->source.time_us / 1000000);
	char when[96];
	size_t i;

	gmtime_r(&t, &tm);
	snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		 tm.tm_sec, (int)(m->source.time_us % 1000000));
	xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL);
	xmlTextWriterStartElementNS(w, NULL, BAD_CAST "message", BAD_CAST "urn:collab:message");
	w_attr(w, "version", "1");
	w_u64(w, "id", m->id);
	w_attr(w, "type", m->type);
	w_hex(w, "session", &m->session);
	xmlTextWriterStartElement(w, BAD_CAST "source");
	w_hex(w, "node", &m->source.node);
	w_hex(w, "instance", &m->source.instance);
	w_attr(w, "app", m->source.app);
	w_attr(w, "host", m->source.host);
	w_attr(w, "user", m->source.user);
	w_attr(w, "time", when);
	xmlTextWriterEndElement(w);
	xmlTextWriterStartElement(w, BAD_CAST "target");
	w_attr(w, "kind", "session");
	w_hex(w, "id", &m->target.id);
	xmlTextWriterEndElement(w);
	if (!strcmp(m->type, COLLAB_TYPE_CHAT)) {
		xmlTextWriterStartElement(w, BAD_CAST "chat");
		w_attr(w, "from", m->chat.from);
		xmlTextWriterWriteString(w, BAD_CAST m->chat.text);
		xmlTextWriterEndElement(w);
	} else {
		const struct collab_stroke *s = &m->board.ops[0].stroke;
		char *pts = malloc(s->npoints * 24 + 1), *p = pts;

		xmlTextWriterStartElement(w, BAD_CAST "board");
		xmlTextWriterStartElement(w, BAD_CAST "stroke");
		xmlTextWriterWriteFormatAttribute(w, BAD_CAST "color", "#%08x", s->color);
		w_u64(w, "width", s->width);
		for (i = 0; i < s->npoints; i++)
			p += sprintf(p, "%s%d %d", i ? " " : "", s->points[i].x, s->points[i].y);
		w_attr(w, "points", pts);
		free(pts);
		xmlTextWriterEndElement(w);
		xmlTextWriterEndElement(w);
	}
	xmlTextWriterEndElement(w);
	xmlTextWriterEndDocument(w);
	xmlFreeTextWriter(w);
	return buf;
}

/* Read every value back, as a decoder into the application's format would. */
static void naive_walk(xmlNodePtr n)
{
	xmlAttrPtr a;
	xmlChar *v;

	for (; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE) {
			for (a = n->properties; a; a = a->next) {
				v = xmlNodeGetContent((xmlNodePtr)a);
				if (!strcmp((const char *)a->name, "points")) {
					char *p = (char *)v, *end;

					while (*p) {
						sink += (uint64_t)strtol(p, &end, 10);
						if (end == p)
							break;
						p = end;
					}
				}
				sink += v ? v[0] : 0;
				xmlFree(v);
			}
			naive_walk(n->children);
		} else if (n->type == XML_TEXT_NODE) {
			sink += n->content ? n->content[0] : 0;
		}
	}
}

static int naive_round(const struct workload *w)
{
	xmlBufferPtr buf = naive_write(&w->msg);
	xmlDocPtr doc = xmlReadMemory((const char *)xmlBufferContent(buf),
				      xmlBufferLength(buf), NULL, NULL, XML_PARSE_NONET);

	xmlBufferFree(buf);
	if (!doc)
		return -1;
	naive_walk(xmlDocGetRootElement(doc));
	xmlFreeDoc(doc);
	return 0;
}

/* ---- memcpy -------------------------------------------------------------- */

static char copy[COLLAB_XML_MAX];

static int memcpy_round(const struct workload *w)
{
	memcpy(copy, w->xml, w->xml_len);
	__asm__ volatile("" : : "r"(copy) : "memory");
	return 0;
}

/* ---- the run ------------------------------------------------------------- */

static int block(int (*round)(const struct workload *), const struct workload *w,
		 double secs, struct result *r)
{
	double t0 = now(), t;
	uint64_t n = 0;
	int i;

	do {
		for (i = 0; i < 64; i++)
			if (round(w))
				return -1;
		n += 64;
		t = now() - t0;
	} while (t < secs);
	r->rate[r->n++] = (double)n / t;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(struct result *r)
{
	qsort(r->rate, (size_t)r->n, sizeof(r->rate[0]), cmp_double);
	return r->rate[r->n / 2];
}

/* The round trip gives back what it started from. */
static int check(const struct workload *w)
{
	const struct collab_msg *m = &w->msg;
	ssize_t n = collab_msg_to_xml(m, out, sizeof(out));

	if (n < 0 || collab_msg_from_xml(out, (size_t)n, &back)) {
		fprintf(stderr, "xml_bench: %s: %s\n", w->name,
			n < 0 ? collab_strerror((int)n) : collab_xml_error());
		return -1;
	}
	if (!strcmp(m->type, COLLAB_TYPE_CHAT)) {
		if (strcmp(back->chat.text, m->chat.text) || strcmp(back->chat.from, m->chat.from))
			goto differs;
	} else if (back->board.nops != 1 || back->board.ops[0].stroke.npoints != STROKE_POINTS ||
		   memcmp(back->board.ops[0].stroke.points, m->board.ops[0].stroke.points,
			  STROKE_POINTS * sizeof(struct collab_point))) {
		goto differs;
	}
	return 0;
differs:
	fprintf(stderr, "xml_bench: %s: the round trip changed the message\n", w->name);
	return -1;
}

static void envelope(struct collab_msg *m, const char *type)
{
	int i;

	m->type = type;
	m->id = 123456789;
	for (i = 0; i < 16; i++) {
		m->session.b[i] = (uint8_t)(i * 17 + 1);
		m->source.node.b[i] = (uint8_t)(i * 31 + 7);
		m->source.instance.b[i] = (uint8_t)(i * 13 + 5);
	}
	m->target.kind = COLLAB_DEST_SESSION;
	m->target.id = m->session;
	strcpy(m->source.app, type);
	strcpy(m->source.host, "alpha");
	strcpy(m->source.user, "alice");
	m->source.time_us = 1795000000123456LL;
}

int main(int argc, char **argv)
{
	static char text[CHAT_TEXT + 1];
	static struct collab_point points[STROKE_POINTS];
	static struct collab_board_op op;
	static const char *const names[] = { "collab", "naive", "memcpy" };
	int (*const rounds[])(const struct workload *) = { collab_round, naive_round,
							   memcpy_round };
	struct workload w[2] = { { .name = "chat 100 B" }, { .name = "stroke 4 KiB" } };
	struct result res[2][3] = { 0 };
	double secs = 6, rate[3];
	int nrounds = 12, opt, i, k, r;
	cpu_set_t cpus;

	while ((opt = getopt(argc, argv, "s:r:")) != -1) {
		switch (opt) {
		case 's':
			secs = strtod(optarg, NULL);
			break;
		case 'r':
			nrounds = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: xml_bench [-s SECS] [-r ROUNDS]\n");
			return 2;
		}
	}
	if (secs <= 0 || nrounds < 1 || nrounds > MAX_BLOCKS) {
		fprintf(stderr, "xml_bench: SECS > 0, 1 <= ROUNDS <= %d\n", MAX_BLOCKS);
		return 2;
	}
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	xmlInitParser();

	/* 100 bytes of text, some of which XML must escape. */
	for (i = 0; i < CHAT_TEXT; i++)
		text[i] = "Shall we meet at 12:30 <by the lake> & bring the drafts? "[i % 58];
	envelope(&w[0].msg, COLLAB_TYPE_CHAT);
	w[0].msg.chat.from = "Alice";
	w[0].msg.chat.text = text;

	/* A pen stroke across a 1920x1080 board. */
	for (i = 0; i < STROKE_POINTS; i++) {
		points[i].x = 100 + i * 3;
		points[i].y = 540 + (i * 37 % 400) - 200;
	}
	op.kind = COLLAB_BOARD_STROKE;
	op.stroke = (struct collab_stroke){ .color = 0x1f77b4ff, .width = 4,
					    .npoints = STROKE_POINTS, .points = points };
	envelope(&w[1].msg, COLLAB_TYPE_BOARD);
	w[1].msg.board = (struct collab_board){ .nops = 1, .ops = &op };

	for (k = 0; k < 2; k++) {
		ssize_t n;

		if (check(&w[k]))
			return 1;
		n = collab_msg_to_xml(&w[k].msg, out, sizeof(out));
		w[k].xml = malloc((size_t)n);
		memcpy(w[k].xml, out, (size_t)n);
		w[k].xml_len = (size_t)n;
	}

	for (r = 0; r < nrounds; r++)
		for (k = 0; k < 2; k++)
			for (i = 0; i < 3; i++)
				if (block(rounds[i], &w[k], secs / nrounds / 6, &res[k][i])) {
					fprintf(stderr, "xml_bench: %s %s failed\n", names[i],
						w[k].name);
					return 1;
				}

	printf("# encode + decode + validation, one core, median of %d blocks\n", nrounds);
	printf("%-14s %8s %-8s %14s %10s %12s\n", "message", "XML B", "method", "messages/s",
	       "MB/s", "vs naive");
	for (k = 0; k < 2; k++) {
		for (i = 0; i < 3; i++)
			rate[i] = median(&res[k][i]);
		for (i = 0; i < 3; i++)
			printf("%-14s %8zu %-8s %14.0f %10.1f %11.2fx\n", w[k].name, w[k].xml_len,
			       names[i], rate[i], rate[i] * (double)w[k].xml_len / 1e6,
			       rate[i] / rate[1]);
	}
	collab_msg_free(back);
	xmlCleanupParser();
	return 0;
}
