// SPDX-License-Identifier: GPL-2.0
/*
 * libcollab's portable format on the host: exact round trips of random
 * messages, every emitted document valid for xmllint --relaxng with the
 * shipped schema, documents the schema rejects rejected by the library
 * too (a table, and random mutations), hostile XML rejected quickly, and
 * the limits.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collab.h"
#include "msg_gen.h"
#include "kselftest_harness.h"

#ifndef SCHEMA
#error "SCHEMA: the path of lib/schema/collab.rng"
#endif

static char xml[COLLAB_XML_MAX + 1];

static uint64_t seed(void)
{
	const char *s = getenv("COLLAB_SEED");

	return s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL) * 2654435761u + 1;
}

static bool have_xmllint(void)
{
	return !system("xmllint --version >/dev/null 2>&1");
}

/* xmllint's verdict on every *.xml in @dir: 0 if all validate. */
static int xmllint_dir(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && ls | grep '\\.xml$' | xargs -r xmllint --noout --relaxng '%s' "
		 ">xmllint.log 2>&1", dir, SCHEMA);
	return system(cmd);
}

static int xmllint_doc(const char *doc, size_t len)
{
	char path[] = "/tmp/collab-xml-XXXXXX", cmd[512];
	int fd = mkstemp(path), rc;

	if (fd < 0 || write(fd, doc, len) != (ssize_t)len)
		return -1;
	close(fd);
	snprintf(cmd, sizeof(cmd), "xmllint --noout --relaxng '%s' '%s' >/dev/null 2>&1",
		 SCHEMA, path);
	rc = system(cmd);
	unlink(path);
	return rc;
}

static void save(const char *dir, int i, const char *doc, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%05d.xml", dir, i);
	f = fopen(path, "w");
	if (f) {
		fwrite(doc, 1, len, f);
		fclose(f);
	}
}

static void rm_dir(const char *dir)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		perror("rm");
}

/* ---- round trips ---------------------------------------------------------- */

TEST(random_round_trips)
{
	struct gen *g = calloc(1, sizeof(*g));
	struct collab_msg m, *back = NULL;
	char dir[] = "/tmp/collab-emit-XXXXXX";
	uint64_t s = seed();
	int i, saved = 0;
	ssize_t n;

	ASSERT_NE(NULL, g);
	ASSERT_NE(NULL, mkdtemp(dir));
	g->state = s;
	TH_LOG("COLLAB_SEED=%llu", (unsigned long long)s);
	for (i = 0; i < 3000; i++) {
		gen_msg(g, &m);
		n = collab_msg_to_xml(&m, xml, sizeof(xml));
		ASSERT_LT(0, n) {
			TH_LOG("message %d (%s): %s", i, m.type, collab_strerror((int)n));
		}
		ASSERT_EQ(0, collab_msg_from_xml(xml, (size_t)n, &back)) {
			TH_LOG("message %d: %s\n%s", i, collab_xml_error(), xml);
		}
		ASSERT_TRUE(same_msg(&m, back)) {
			TH_LOG("message %d changed on the way:\n%s", i, xml);
		}
		if (i % 5 == 0)
			save(dir, saved++, xml, (size_t)n);
	}
	collab_msg_free(back);
	free(g);
	if (!have_xmllint()) {
		rm_dir(dir);
		SKIP(return, "no xmllint");
	}
	EXPECT_EQ(0, xmllint_dir(dir)) {
		TH_LOG("xmllint rejected emitted documents: see %s/xmllint.log", dir);
		return;
	}
	rm_dir(dir);
}

static ssize_t chat_xml(const char *from, const char *text)
{
	struct collab_msg m = {
		.id = 1, .type = COLLAB_TYPE_CHAT,
		.source = { .app = "chat", .host = "h", .user = "u" },
		.target = { .kind = COLLAB_DEST_BROADCAST },
		.chat = { .from = from, .text = text },
	};

	return collab_msg_to_xml(&m, xml, sizeof(xml));
}

TEST(chat_exact)
{
	static const char *const texts[] = {
		"", " ", "  leading and trailing  ", "a\r\nb\rc\n\td", "<>&\"' ]]> &amp; &#13;",
		"\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbd", "\x7f\xc2\x80",
	};
	struct collab_msg *back = NULL;
	unsigned int i;
	ssize_t n;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		n = chat_xml(texts[i], texts[i]);
		if (strlen(texts[i]) > 64)
			continue;
		ASSERT_LT(0, n);
		ASSERT_EQ(0, collab_msg_from_xml(xml, (size_t)n, &back));
		EXPECT_STREQ(texts[i], back->chat.text);
		EXPECT_STREQ(texts[i], back->chat.from);
		EXPECT_STREQ(COLLAB_TYPE_CHAT, back->type);
		if (have_xmllint())
			EXPECT_EQ(0, xmllint_doc(xml, (size_t)n));
	}
	collab_msg_free(back);
}

TEST(unrepresentable_text)
{
	static const char *const bad[] = {
		"\x01", "a\x1f", "\x0b", "\x80", "\xc0\xaf", "\xed\xa0\x80", "\xef\xbf\xbe",
		"\xef\xbf\xbf", "\xf4\x90\x80\x80", "\xe2\x82", "\xff",
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EILSEQ, chat_xml(NULL, bad[i])) {
			TH_LOG("text %u", i);
		}
		EXPECT_EQ(-EILSEQ, chat_xml(bad[i], "x"));
	}
}

TEST(sizes)
{
	static char text[COLLAB_XML_MAX + 1], name[4 * 65 + 1];
	struct collab_msg *back = NULL;
	ssize_t base, n;
	int i;

	base = chat_xml(NULL, "");
	ASSERT_LT(0, base);
	/* The largest chat that fits is exactly COLLAB_XML_MAX bytes. */
	memset(text, 'x', (size_t)(COLLAB_XML_MAX - base));
	n = chat_xml(NULL, text);
	ASSERT_EQ(COLLAB_XML_MAX, n);
	ASSERT_EQ(0, collab_msg_from_xml(xml, (size_t)n, &back));
	EXPECT_EQ((size_t)(COLLAB_XML_MAX - base), strlen(back->chat.text));
	text[COLLAB_XML_MAX - base] = 'x';
	EXPECT_EQ(-EMSGSIZE, chat_xml(NULL, text));
	/* A smaller buffer than the document: -ENOSPC, not -EMSGSIZE. */
	{
		struct collab_msg m = *back;

		m.chat.text = "hello";
		EXPECT_EQ(-ENOSPC, collab_msg_to_xml(&m, xml, 100));
	}
	/* Too large to decode, whatever it holds. */
	EXPECT_EQ(-EMSGSIZE, collab_msg_from_xml(text, COLLAB_XML_MAX + 1, &back));

	/* 64 characters of display name, however many bytes each. */
	for (i = 0; i < 64; i++)
		memcpy(name + 4 * i, "\xf0\x9f\x98\x80", 4);
	name[4 * 64] = 0;
	n = chat_xml(name, "hi");
	ASSERT_LT(0, n);
	ASSERT_EQ(0, collab_msg_from_xml(xml, (size_t)n, &back));
	EXPECT_STREQ(name, back->chat.from);
	memcpy(name + 4 * 64, "a", 2);
	EXPECT_EQ(-EINVAL, chat_xml(name, "hi"));
	collab_msg_free(back);
}

TEST(bad_fields)
{
	struct collab_point p = { 1, 2 };
	struct collab_board_op op = { .kind = COLLAB_BOARD_STROKE,
				      .stroke = { .npoints = 0, .points = &p } };
	struct collab_field f = { .key = "1x", .type = COLLAB_VAL_INT };
	struct collab_msg m = {
		.type = COLLAB_TYPE_CHAT,
		.source = { .app = "chat", .host = "h", .user = "u" },
		.target = { .kind = COLLAB_DEST_BROADCAST },
	};

	ASSERT_LT(0, collab_msg_to_xml(&m, xml, sizeof(xml)));
	m.source.app[0] = 0;
	EXPECT_EQ(-EINVAL, collab_msg_to_xml(&m, xml, sizeof(xml)));
	strcpy(m.source.app, "chat");
	strcpy(m.source.host, "two words");
	EXPECT_EQ(-EINVAL, collab_msg_to_xml(&m, xml, sizeof(xml)));
	strcpy(m.source.host, "h");
	m.source.time_us = -1;
	EXPECT_EQ(-EINVAL, collab_msg_to_xml(&m, xml, sizeof(xml)));
	m.source.time_us = 0;
	m.target.kind = 0;
	EXPECT_EQ(-EINVAL, collab_msg_to_xml(&m, xml, sizeof(xml)));
	m.target.kind = COLLAB_DEST_APP;	/* without an app */
	EXPECT_EQ(-EINVAL, collab_msg_to_xml(&m, xml, sizeof(xml)));
	m.target.kind = COLLAB_DEST_BROADCAST;
	m.type = "Chat";
	EXPECT_EQ(-EINVAL, collab_msg_to_xml(&m, xml, sizeof(xml)));
	m.type = COLLAB_TYPE_BOARD;
	m.board = (struct collab_board){ 0, NULL };
	EXPECT_EQ(-EINVAL, collab_msg_to_xml(&m, xml, sizeof(xml)));
	m.board = (struct collab_board){ 1, &op };
	EXPECT_EQ(-EINVAL, collab_msg_to_xml(&m, xml, sizeof(xml)));
	op.stroke.npoints = 1;
	EXPECT_LT(0, collab_msg_to_xml(&m, xml, sizeof(xml)));
	op.kind = 9;
	EXPECT_EQ(-EINVAL, collab_msg_to_xml(&m, xml, sizeof(xml)));
	m.type = COLLAB_TYPE_RECORD;
	m.record = (struct collab_record){ 1, &f };
	EXPECT_EQ(-EINVAL, collab_msg_to_xml(&m, xml, sizeof(xml)));
	f.key = "x";
	EXPECT_LT(0, collab_msg_to_xml(&m, xml, sizeof(xml)));
	/* A custom type's own representation needs its codec. */
	m.type = "nocodec";
	m.app = &f;
	EXPECT_EQ(-ENOENT, collab_msg_to_xml(&m, xml, sizeof(xml)));
}

/* ---- documents the schema rejects ----------------------------------------- */

#define NODE "0123456789abcdef0123456789abcdef"
#define HEAD "<?xml version=\"1.0\"?>\n"
#define MSG(type) "<message xmlns=\"urn:collab:message\" version=\"1\" id=\"7\" type=\"" type "\">"
#define SOURCE "<source node=\"" NODE "\" instance=\"" NODE "\" app=\"chat\" host=\"alpha\" " \
	       "user=\"root\" time=\"2026-11-22T10:00:00.123456Z\"/>"
#define TARGET "<target kind=\"session\" id=\"" NODE "\"/>"
#define BODY(type, payload) MSG(type) SOURCE TARGET payload "</message>"
#define DOC(type, payload) HEAD BODY(type, payload)
#define CHAT "<chat from=\"Alice\">hello</chat>"
#define STROKE "<stroke color=\"#ff0000ff\" width=\"3\" points=\"1 2 -3 4\"/>"
#define BOARD(x) DOC("board", "<board>" x "</board>")
#define RECORD(x) DOC("record", "<record>" x "</record>")
#define CALL(x) DOC("call", x)
#define REPLY(x) DOC("reply", x)
/* 'é' times 4, 16, 64, 256: characters of two bytes each. */
#define E4 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
#define E16 E4 E4 E4 E4
#define E64 E16 E16 E16 E16
#define E256 E64 E64 E64 E64

/* Valid: the base of the table, and the start of the mutations. */
static const char *const valid_docs[] = {
	DOC("chat", CHAT),
	DOC("chat", "<chat>  a &lt;b&gt; &amp; &#x1F600; <![CDATA[<raw>]]><!-- c --></chat>"),
	HEAD "<c:message xmlns:c=\"urn:collab:message\" version=\"1\" id=\"0\" type=\"chat\" "
	"session=\"" NODE "\">\n  <c:source node=\"" NODE "\" instance=\"" NODE "\" app=\" a b \" "
	"host=\"!\" user=\"~\" time=\"2000-02-29T23:59:59.999999Z\"/>\n"
	"  <c:target kind=\"app\" node=\"" NODE "\" app=\"chat\"/>\n  <c:chat/>\n</c:message>",
	BOARD(STROKE "<shape kind=\"ellipse\" color=\"#00000000\" width=\"0\" fill=\"#12345678\" "
	      "x1=\"-2147483648\" y1=\"2147483647\" x2=\"0\" y2=\"-0\"/><clear/>"),
	RECORD("<string key=\"s\"> x </string><int key=\"i\">-9223372036854775808</int>"
	       "<double key=\"d\">-1.5E-7</double><double key=\"n\">NaN</double>"
	       "<bool key=\"b\">false</bool><bytes key=\"_b.1-\">QUJD</bytes><bytes key=\"e\"></bytes>"),
	DOC("x-poll", "<record/>"),
	DOC("blob", "<blob>aGVsbG8=</blob>"),
	DOC("blob", "<blob/>"),
	HEAD MSG("chat") SOURCE "<target kind=\"guid\" id=\"" NODE "\"/>" CHAT "</message>",
	HEAD MSG("chat") SOURCE "<target kind=\"broadcast\"/>" CHAT "</message>",
	HEAD MSG("chat") SOURCE "<target kind=\"broadcast\" app=\"board\"/>" CHAT "</message>",
	CALL("<call op=\"status\"/>"),
	CALL("<call op=\"a-9\"><record><string key=\"app\">board</string><int key=\"n\">-1</int>"
	     "</record></call>"),
	CALL("<call op=\"abcdefghijabcdefghijabcdefghij0\"><record/></call>"),
	REPLY("<reply call=\"18446744073709551615\" status=\"4095\" error=\" a&#9;&lt;b&gt; \">"
	      "<record><bool key=\"ok\">false</bool></record></reply>"),
	REPLY("<reply call=\"0\" status=\"0\"/>"),
	REPLY("<reply call=\"7\" status=\"95\" error=\"" E256 "\"/>"),
	DOC("probe", "<probe/>"),
	DOC("probe", "<probe> </probe>"),
};

struct bad {
	const char *name;
	const char *doc;
};

static const struct bad invalid_docs[] = {
	{ "empty", "" },
	{ "declaration only", HEAD },
	{ "not well-formed", HEAD MSG("chat") SOURCE TARGET CHAT },
	{ "two roots", DOC("chat", CHAT) "<message/>" },
	{ "undefined entity", DOC("chat", "<chat>&nbsp;</chat>") },
	{ "root not message", HEAD "<msg xmlns=\"urn:collab:message\"/>" },
	{ "no namespace", HEAD "<message version=\"1\" id=\"7\" type=\"chat\">" SOURCE TARGET CHAT
	  "</message>" },
	{ "wrong namespace", HEAD "<message xmlns=\"urn:collab:other\" version=\"1\" id=\"7\" "
	  "type=\"chat\">" SOURCE TARGET CHAT "</message>" },
	{ "payload in another namespace", DOC("chat", "<chat xmlns=\"urn:x\">hi</chat>") },
	{ "version 2", HEAD "<message xmlns=\"urn:collab:message\" version=\"2\" id=\"7\" "
	  "type=\"chat\">" SOURCE TARGET CHAT "</message>" },
	{ "version missing", HEAD "<message xmlns=\"urn:collab:message\" id=\"7\" type=\"chat\">"
	  SOURCE TARGET CHAT "</message>" },
	{ "id missing", HEAD "<message xmlns=\"urn:collab:message\" version=\"1\" type=\"chat\">"
	  SOURCE TARGET CHAT "</message>" },
	{ "id negative", HEAD "<message xmlns=\"urn:collab:message\" version=\"1\" id=\"-1\" "
	  "type=\"chat\">" SOURCE TARGET CHAT "</message>" },
	{ "id overflows", HEAD "<message xmlns=\"urn:collab:message\" version=\"1\" "
	  "id=\"18446744073709551616\" type=\"chat\">" SOURCE TARGET CHAT "</message>" },
	{ "id leading zero", HEAD "<message xmlns=\"urn:collab:message\" version=\"1\" id=\"07\" "
	  "type=\"chat\">" SOURCE TARGET CHAT "</message>" },
	{ "id with space", HEAD "<message xmlns=\"urn:collab:message\" version=\"1\" id=\" 7\" "
	  "type=\"chat\">" SOURCE TARGET CHAT "</message>" },
	{ "session upper case", HEAD "<message xmlns=\"urn:collab:message\" version=\"1\" id=\"7\" "
	  "type=\"chat\" session=\"0123456789ABCDEF0123456789abcdef\">" SOURCE TARGET CHAT
	  "</message>" },
	{ "unknown envelope attribute", HEAD "<message xmlns=\"urn:collab:message\" version=\"1\" "
	  "id=\"7\" type=\"chat\" prio=\"1\">" SOURCE TARGET CHAT "</message>" },
	{ "attribute in a namespace", HEAD "<message xmlns=\"urn:collab:message\" xmlns:x=\"urn:x\" "
	  "x:a=\"1\" version=\"1\" id=\"7\" type=\"chat\">" SOURCE TARGET CHAT "</message>" },
	{ "type and payload differ", DOC("chat", "<record/>") },
	{ "record payload for board", DOC("board", "<record/>") },
	{ "bad type name", DOC("Poll", "<record/>") },
	{ "source missing", HEAD MSG("chat") TARGET CHAT "</message>" },
	{ "target before source", HEAD MSG("chat") TARGET SOURCE CHAT "</message>" },
	{ "payload missing", HEAD MSG("chat") SOURCE TARGET "</message>" },
	{ "two payloads", DOC("chat", CHAT CHAT) },
	{ "text between elements", HEAD MSG("chat") SOURCE "junk" TARGET CHAT "</message>" },
	{ "source node missing", HEAD MSG("chat") "<source instance=\"" NODE "\" app=\"chat\" "
	  "host=\"a\" user=\"r\" time=\"2026-11-22T10:00:00.123456Z\"/>" TARGET CHAT "</message>" },
	{ "node too short", HEAD MSG("chat") "<source node=\"0123\" instance=\"" NODE "\" app=\"c\" "
	  "host=\"a\" user=\"r\" time=\"2026-11-22T10:00:00.123456Z\"/>" TARGET CHAT "</message>" },
	{ "app too long", HEAD MSG("chat") "<source node=\"" NODE "\" instance=\"" NODE "\" "
	  "app=\"0123456789012345678901234567890123\" host=\"a\" user=\"r\" "
	  "time=\"2026-11-22T10:00:00.123456Z\"/>" TARGET CHAT "</message>" },
	{ "app empty", HEAD MSG("chat") "<source node=\"" NODE "\" instance=\"" NODE "\" app=\"\" "
	  "host=\"a\" user=\"r\" time=\"2026-11-22T10:00:00.123456Z\"/>" TARGET CHAT "</message>" },
	{ "host with space", HEAD MSG("chat") "<source node=\"" NODE "\" instance=\"" NODE "\" "
	  "app=\"c\" host=\"a b\" user=\"r\" time=\"2026-11-22T10:00:00.123456Z\"/>" TARGET CHAT
	  "</message>" },
	{ "user empty", HEAD MSG("chat") "<source node=\"" NODE "\" instance=\"" NODE "\" "
	  "app=\"c\" host=\"a\" user=\"\" time=\"2026-11-22T10:00:00.123456Z\"/>" TARGET CHAT
	  "</message>" },
	{ "no such date", HEAD MSG("chat") "<source node=\"" NODE "\" instance=\"" NODE "\" "
	  "app=\"c\" host=\"a\" user=\"r\" time=\"2026-02-29T10:00:00.123456Z\"/>" TARGET CHAT
	  "</message>" },
	{ "hour 25", HEAD MSG("chat") "<source node=\"" NODE "\" instance=\"" NODE "\" "
	  "app=\"c\" host=\"a\" user=\"r\" time=\"2026-11-22T25:00:00.123456Z\"/>" TARGET CHAT
	  "</message>" },
	{ "time without fraction", HEAD MSG("chat") "<source node=\"" NODE "\" instance=\"" NODE
	  "\" app=\"c\" host=\"a\" user=\"r\" time=\"2026-11-22T10:00:00Z\"/>" TARGET CHAT
	  "</message>" },
	{ "time zone offset", HEAD MSG("chat") "<source node=\"" NODE "\" instance=\"" NODE
	  "\" app=\"c\" host=\"a\" user=\"r\" time=\"2026-11-22T10:00:00.123456+01:00\"/>" TARGET
	  CHAT "</message>" },
	{ "source has children", HEAD MSG("chat") "<source node=\"" NODE "\" instance=\"" NODE
	  "\" app=\"c\" host=\"a\" user=\"r\" time=\"2026-11-22T10:00:00.123456Z\">x</source>"
	  TARGET CHAT "</message>" },
	{ "unknown target kind", HEAD MSG("chat") SOURCE "<target kind=\"all\"/>" CHAT
	  "</message>" },
	{ "guid target without id", HEAD MSG("chat") SOURCE "<target kind=\"guid\"/>" CHAT
	  "</message>" },
	{ "session target with app", HEAD MSG("chat") SOURCE "<target kind=\"session\" id=\""
	  NODE "\" app=\"x\"/>" CHAT "</message>" },
	{ "broadcast target with id", HEAD MSG("chat") SOURCE "<target kind=\"broadcast\" id=\""
	  NODE "\"/>" CHAT "</message>" },
	{ "chat with an element", DOC("chat", "<chat>a<b>b</b></chat>") },
	{ "chat name of 65 characters", DOC("chat", "<chat from=\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\">x</chat>") },
	{ "empty board", BOARD("") },
	{ "stroke without points", BOARD("<stroke color=\"#ff0000ff\" width=\"3\"/>") },
	{ "empty points", BOARD("<stroke color=\"#ff0000ff\" width=\"3\" points=\"\"/>") },
	{ "odd coordinates", BOARD("<stroke color=\"#ff0000ff\" width=\"3\" points=\"1 2 3\"/>") },
	{ "coordinate overflows", BOARD("<stroke color=\"#ff0000ff\" width=\"3\" "
	  "points=\"2147483648 0\"/>") },
	{ "comma in points", BOARD("<stroke color=\"#ff0000ff\" width=\"3\" points=\"1,2\"/>") },
	{ "colour upper case", BOARD("<stroke color=\"#FF0000FF\" width=\"3\" points=\"1 2\"/>") },
	{ "colour short", BOARD("<stroke color=\"#ff0000\" width=\"3\" points=\"1 2\"/>") },
	{ "width negative", BOARD("<stroke color=\"#ff0000ff\" width=\"-3\" points=\"1 2\"/>") },
	{ "width overflows", BOARD("<stroke color=\"#ff0000ff\" width=\"4294967296\" "
	  "points=\"1 2\"/>") },
	{ "shape kind circle", BOARD("<shape kind=\"circle\" color=\"#00000000\" width=\"0\" "
	  "x1=\"0\" y1=\"0\" x2=\"0\" y2=\"0\"/>") },
	{ "shape without y2", BOARD("<shape kind=\"line\" color=\"#00000000\" width=\"0\" "
	  "x1=\"0\" y1=\"0\" x2=\"0\"/>") },
	{ "clear with attribute", BOARD("<clear all=\"1\"/>") },
	{ "unknown operation", BOARD("<erase/>") },
	{ "stroke with a child", BOARD("<stroke color=\"#ff0000ff\" width=\"3\" points=\"1 2\">"
	  "<clear/></stroke>") },
	{ "unknown field type", RECORD("<float key=\"f\">1</float>") },
	{ "field without key", RECORD("<int>1</int>") },
	{ "bad key", RECORD("<int key=\"1x\">1</int>") },
	{ "int overflows", RECORD("<int key=\"i\">9223372036854775808</int>") },
	{ "int with plus", RECORD("<int key=\"i\">+1</int>") },
	{ "int empty", RECORD("<int key=\"i\"></int>") },
	{ "int hex", RECORD("<int key=\"i\">0x10</int>") },
	{ "double without digits", RECORD("<double key=\"d\">.5</double>") },
	{ "double with e only", RECORD("<double key=\"d\">1e</double>") },
	{ "double inf", RECORD("<double key=\"d\">inf</double>") },
	{ "bool 1", RECORD("<bool key=\"b\">1</bool>") },
	{ "bool True", RECORD("<bool key=\"b\">True</bool>") },
	{ "base64 padding bits", RECORD("<bytes key=\"b\">QR==</bytes>") },
	{ "base64 length", RECORD("<bytes key=\"b\">QQ=</bytes>") },
	{ "base64 with space", RECORD("<bytes key=\"b\">QU JD</bytes>") },
	{ "base64 bad character", DOC("blob", "<blob>QU*D</blob>") },
	{ "base64 inner padding", DOC("blob", "<blob>QQ==QUJD</blob>") },
	{ "blob attribute", DOC("blob", "<blob type=\"x\">QUJD</blob>") },
	{ "string with an element", RECORD("<string key=\"s\">a<b/></string>") },
	{ "call without op", CALL("<call/>") },
	{ "op upper case", CALL("<call op=\"Start\"/>") },
	{ "op starting with a digit", CALL("<call op=\"9a\"/>") },
	{ "op with an underscore", CALL("<call op=\"a_b\"/>") },
	{ "op empty", CALL("<call op=\"\"/>") },
	{ "op of 32 characters", CALL("<call op=\"abcdefghijabcdefghijabcdefghijab\"/>") },
	{ "call with text", CALL("<call op=\"a\">x</call>") },
	{ "call with two records", CALL("<call op=\"a\"><record/><record/></call>") },
	{ "call with a chat", CALL("<call op=\"a\"><chat/></call>") },
	{ "call with a bare field", CALL("<call op=\"a\"><int key=\"i\">1</int></call>") },
	{ "call with a bad field", CALL("<call op=\"a\"><record><int key=\"i\">x</int></record>"
	  "</call>") },
	{ "call field with a child", CALL("<call op=\"a\"><record><int key=\"i\"><clear/></int>"
	  "</record></call>") },
	{ "call unknown attribute", CALL("<call op=\"a\" id=\"1\"/>") },
	{ "record payload for call", CALL("<record/>") },
	{ "call payload for record", DOC("record", "<call op=\"a\"/>") },
	{ "call payload for a custom type", DOC("x-call", "<call op=\"a\"/>") },
	{ "reply payload for call", CALL("<reply call=\"1\" status=\"0\"/>") },
	{ "reply without call", REPLY("<reply status=\"0\"/>") },
	{ "reply without status", REPLY("<reply call=\"1\"/>") },
	{ "reply call overflows", REPLY("<reply call=\"18446744073709551616\" status=\"0\"/>") },
	{ "status 4096", REPLY("<reply call=\"1\" status=\"4096\"/>") },
	{ "status negative", REPLY("<reply call=\"1\" status=\"-1\"/>") },
	{ "status leading zero", REPLY("<reply call=\"1\" status=\"01\"/>") },
	{ "status with space", REPLY("<reply call=\"1\" status=\" 1\"/>") },
	{ "status empty", REPLY("<reply call=\"1\" status=\"\"/>") },
	{ "error of 257 characters", REPLY("<reply call=\"1\" status=\"5\" error=\"" E256 "x\"/>") },
	{ "reply unknown attribute", REPLY("<reply call=\"1\" status=\"0\" op=\"a\"/>") },
	{ "reply with text", REPLY("<reply call=\"1\" status=\"0\">ok</reply>") },
	{ "reply with two records", REPLY("<reply call=\"1\" status=\"0\"><record/><record/>"
	  "</reply>") },
	{ "probe with an attribute", DOC("probe", "<probe id=\"1\"/>") },
	{ "probe with text", DOC("probe", "<probe>x</probe>") },
	{ "probe with a child", DOC("probe", "<probe><record/></probe>") },
	{ "record payload for probe", DOC("probe", "<record/>") },
};

TEST(valid_table)
{
	struct collab_msg *m = NULL;
	unsigned int i;

	for (i = 0; i < sizeof(valid_docs) / sizeof(valid_docs[0]); i++) {
		EXPECT_EQ(0, collab_msg_from_xml(valid_docs[i], strlen(valid_docs[i]), &m)) {
			TH_LOG("valid document %u: %s", i, collab_xml_error());
		}
		if (have_xmllint())
			EXPECT_EQ(0, xmllint_doc(valid_docs[i], strlen(valid_docs[i]))) {
				TH_LOG("xmllint rejects valid document %u", i);
			}
	}
	collab_msg_free(m);
}

TEST(invalid_table)
{
	struct collab_msg *m = NULL;
	unsigned int i;
	bool lint = have_xmllint();

	for (i = 0; i < sizeof(invalid_docs) / sizeof(invalid_docs[0]); i++) {
		const struct bad *b = &invalid_docs[i];

		EXPECT_EQ(-EBADMSG, collab_msg_from_xml(b->doc, strlen(b->doc), &m)) {
			TH_LOG("accepted: %s", b->name);
		}
		EXPECT_NE(0, collab_xml_error()[0]);
		if (lint)
			EXPECT_NE(0, xmllint_doc(b->doc, strlen(b->doc))) {
				TH_LOG("the schema accepts '%s': the table is wrong", b->name);
			}
	}
	collab_msg_free(m);
	if (!lint)
		SKIP(return, "no xmllint: the schema's side was not checked");
}

/*
 * Random mutations of valid documents: every one the library accepts
 * must validate against the schema. Some must be accepted, or the test
 * proves nothing.
 */
TEST(mutations_accepted_are_valid)
{
	static const char *const tokens[] = {
		"<", ">", "/", "\"", "=", " ", "\t", "\n", "&amp;", "&#0;", "&#x10FFFF;", "0", "9", "-",
		"a", "Z", "#", "<clear/>", "<!--x-->", "<![CDATA[x]]>", "\xc3\xa9", "e", ".", "==",
		"<chat>", "</chat>", "key=\"k\"", "<int key=\"a\">1</int>", "xmlns=\"urn:x\"",
	};
	char dir[] = "/tmp/collab-mut-XXXXXX";
	struct gen g = { .state = seed() };
	struct collab_msg *m = NULL;
	static char doc[8192];
	int i, k, accepted = 0;
	size_t len;

	ASSERT_NE(NULL, mkdtemp(dir));
	TH_LOG("COLLAB_SEED=%llu", (unsigned long long)g.state);
	for (i = 0; i < 20000; i++) {
		const char *base = valid_docs[gen_below(&g, sizeof(valid_docs) / sizeof(valid_docs[0]))];

		len = strlen(base);
		memcpy(doc, base, len);
		for (k = 1 + (int)gen_below(&g, 2); k > 0; k--) {
			size_t at = gen_below(&g, (uint32_t)len + 1), n;
			const char *t;

			switch (gen_below(&g, 3)) {
			case 0:	/* delete */
				n = 1 + gen_below(&g, 4);
				if (at + n > len)
					n = len - at;
				memmove(doc + at, doc + at + n, len - at - n);
				len -= n;
				break;
			case 1:	/* insert */
				t = tokens[gen_below(&g, sizeof(tokens) / sizeof(tokens[0]))];
				n = strlen(t);
				if (len + n >= sizeof(doc))
					break;
				memmove(doc + at + n, doc + at, len - at);
				memcpy(doc + at, t, n);
				len += n;
				break;
			default:	/* replace */
				if (at < len)
					doc[at] = (char)(0x20 + gen_below(&g, 0x5f));
			}
		}
		if (!collab_msg_from_xml(doc, len, &m))
			save(dir, accepted++, doc, len);
	}
	collab_msg_free(m);
	TH_LOG("%d of 20000 mutants accepted", accepted);
	EXPECT_LT(200, accepted);
	if (!have_xmllint()) {
		rm_dir(dir);
		SKIP(return, "no xmllint");
	}
	EXPECT_EQ(0, xmllint_dir(dir)) {
		TH_LOG("accepted documents the schema rejects: see %s/xmllint.log", dir);
		return;
	}
	rm_dir(dir);
}

/* ---- hostile XML ------------------------------------------------------------ */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#define LOL "<!ENTITY lol \"lol\">" \
	"<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">" \
	"<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">" \
	"<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">" \
	"<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">" \
	"<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">" \
	"<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">" \
	"<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">" \
	"<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">" \
	"<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">"

static const struct bad hostile_docs[] = {
	{ "billion laughs", HEAD "<!DOCTYPE message [" LOL "]>" BODY("chat", "<chat>&lol9;</chat>") },
	{ "external entity", HEAD "<!DOCTYPE message [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
	  MSG("chat") SOURCE TARGET "<chat>&x;</chat></message>" },
	{ "external DTD", HEAD "<!DOCTYPE message SYSTEM \"http://127.0.0.1:9/collab.dtd\">"
	  BODY("chat", CHAT) },
	{ "parameter entity", HEAD "<!DOCTYPE message [<!ENTITY % p SYSTEM \"file:///etc/passwd\">"
	  "%p;]>" BODY("chat", CHAT) },
	{ "harmless DTD", HEAD "<!DOCTYPE message>" BODY("chat", CHAT) },
	{ "XInclude", DOC("chat", "<chat><xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" "
	  "href=\"file:///etc/passwd\" parse=\"text\"/></chat>") },
	{ "declared Latin-1", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"
	  BODY("chat", "<chat>\xe9</chat>") },
};

TEST(hostile)
{
	struct collab_msg *m = NULL;
	unsigned int i;
	double t;

	for (i = 0; i < sizeof(hostile_docs) / sizeof(hostile_docs[0]); i++) {
		const struct bad *b = &hostile_docs[i];

		t = now();
		EXPECT_EQ(-EBADMSG, collab_msg_from_xml(b->doc, strlen(b->doc), &m)) {
			TH_LOG("accepted: %s", b->name);
		}
		t = now() - t;
		/*
		 * Expanded, billion laughs takes seconds and gigabytes;
		 * refused, microseconds. The margin is for a loaded build
		 * machine (a kernel build beside the tests took 21 ms).
		 */
		EXPECT_GT(0.25, t) {
			TH_LOG("%s took %.3f s", b->name, t);
		}
		TH_LOG("%s: %s", b->name, collab_xml_error());
	}
	collab_msg_free(m);
}

/* Nesting far deeper than the schema allows stops at the first level too deep. */
TEST(too_deep)
{
	static char doc[COLLAB_XML_MAX];
	struct collab_msg *m = NULL;
	size_t len = 0;
	int i;
	double t = now();

	len += (size_t)sprintf(doc, "%s", HEAD MSG("chat") SOURCE TARGET);
	for (i = 0; i < 7000; i++)
		len += (size_t)sprintf(doc + len, "<chat>");
	EXPECT_EQ(-EBADMSG, collab_msg_from_xml(doc, len, &m));
	EXPECT_NE(NULL, strstr(collab_xml_error(), "<chat> inside a text element"));
	/* Deep below the board, where elements are expected. */
	len = (size_t)sprintf(doc, "%s", HEAD MSG("board") SOURCE TARGET "<board>");
	for (i = 0; i < 7000; i++)
		len += (size_t)sprintf(doc + len, "<clear>");
	EXPECT_EQ(-EBADMSG, collab_msg_from_xml(doc, len, &m));
	EXPECT_NE(NULL, strstr(collab_xml_error(), "unexpected <clear>"));
	EXPECT_GT(0.05, now() - t);
	collab_msg_free(m);
}

/* A failed decode into a reused message leaves it empty, and the next works. */
TEST(reuse_after_failure)
{
	struct collab_msg *m = NULL;

	ASSERT_EQ(0, collab_msg_from_xml(valid_docs[0], strlen(valid_docs[0]), &m));
	EXPECT_STREQ("hello", m->chat.text);
	EXPECT_EQ(-EBADMSG, collab_msg_from_xml(invalid_docs[4].doc, strlen(invalid_docs[4].doc),
						&m));
	ASSERT_NE(NULL, m);
	EXPECT_EQ(NULL, m->type);
	EXPECT_EQ(NULL, m->chat.text);
	ASSERT_EQ(0, collab_msg_from_xml(valid_docs[6], strlen(valid_docs[6]), &m));
	EXPECT_EQ(5, m->blob.len);
	EXPECT_EQ(0, memcmp(m->blob.data, "hello", 5));
	EXPECT_STREQ("", collab_xml_error());
	collab_msg_free(m);
}

/* ---- codecs ------------------------------------------------------------------- */

struct poll {
	char question[64];
	int64_t yes, no;
};

static int poll_encode(void *arg, const void *app, struct collab_field *f, size_t max)
{
	const struct poll *p = app;

	(void)arg;
	if (max < 3)
		return -ENOSPC;
	f[0] = (struct collab_field){ .key = "question", .type = COLLAB_VAL_STRING,
				      .s = p->question };
	f[1] = (struct collab_field){ .key = "yes", .type = COLLAB_VAL_INT, .i = p->yes };
	f[2] = (struct collab_field){ .key = "no", .type = COLLAB_VAL_INT, .i = p->no };
	return 3;
}

static int frees;

static int poll_decode(void *arg, const struct collab_record *r, void **app)
{
	struct poll *p;

	(void)arg;
	if (r->nfields != 3 || r->fields[0].type != COLLAB_VAL_STRING ||
	    r->fields[1].type != COLLAB_VAL_INT || r->fields[2].type != COLLAB_VAL_INT ||
	    strlen(r->fields[0].s) >= sizeof(p->question))
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	strcpy(p->question, r->fields[0].s);
	p->yes = r->fields[1].i;
	p->no = r->fields[2].i;
	*app = p;
	return 0;
}

static void poll_free(void *arg, void *app)
{
	(void)arg;
	frees++;
	free(app);
}

TEST(codec)
{
	struct collab_codec c = { .type = "poll", .encode = poll_encode, .decode = poll_decode,
				  .free_app = poll_free };
	struct poll p = { .question = "Lunch <now>?", .yes = 3, .no = -1 }, *q;
	struct collab_msg m = {
		.type = "poll", .app = &p,
		.source = { .app = "poll", .host = "h", .user = "u" },
		.target = { .kind = COLLAB_DEST_BROADCAST },
	}, *back = NULL;
	ssize_t n;

	EXPECT_EQ(-ENOENT, collab_msg_to_xml(&m, xml, sizeof(xml)));
	ASSERT_EQ(0, collab_codec_register(&c));
	EXPECT_EQ(-EEXIST, collab_codec_register(&c));
	c.type = "chat";
	EXPECT_EQ(-EINVAL, collab_codec_register(&c));
	c.type = "Bad";
	EXPECT_EQ(-EINVAL, collab_codec_register(&c));

	n = collab_msg_to_xml(&m, xml, sizeof(xml));
	ASSERT_LT(0, n);
	EXPECT_NE(NULL, strstr(xml, "<string key=\"question\">Lunch &lt;now&gt;?</string>"));
	ASSERT_EQ(0, collab_msg_from_xml(xml, (size_t)n, &back));
	q = back->app;
	ASSERT_NE(NULL, q);
	EXPECT_STREQ(p.question, q->question);
	EXPECT_EQ(3, q->yes);
	EXPECT_EQ(-1, q->no);
	/* The record stays readable beside the application's form. */
	EXPECT_EQ(3, back->record.nfields);
	EXPECT_STREQ("yes", back->record.fields[1].key);
	/* Reusing the message frees the application's form it held. */
	ASSERT_EQ(0, collab_msg_from_xml(xml, (size_t)n, &back));
	EXPECT_EQ(1, frees);

	/* A record the codec refuses makes the message invalid. */
	{
		const char *bad = DOC("poll", "<record><int key=\"x\">1</int></record>");

		EXPECT_EQ(-EBADMSG, collab_msg_from_xml(bad, strlen(bad), &back));
		EXPECT_NE(NULL, strstr(collab_xml_error(), "codec 'poll'"));
	}
	collab_msg_free(back);
	EXPECT_EQ(2, frees);

	/* Without the codec, the record is all there is. */
	ASSERT_EQ(0, collab_codec_unregister("poll"));
	EXPECT_EQ(-ENOENT, collab_codec_unregister("poll"));
	back = NULL;
	ASSERT_EQ(0, collab_msg_from_xml(xml, (size_t)n, &back));
	EXPECT_EQ(NULL, back->app);
	EXPECT_EQ(3, back->record.nfields);
	EXPECT_STREQ("Lunch <now>?", back->record.fields[0].s);
	collab_msg_free(back);
}

/* ---- remote calls ------------------------------------------------------------ */

static struct collab_msg envelope(const char *type)
{
	struct collab_msg m = {
		.id = 42, .type = type,
		.source = { .app = "collabctl", .host = "h", .user = "u" },
		.target = { .kind = COLLAB_DEST_APP, .app = "collabd" },
	};

	return m;
}

static void expect_valid(struct __test_metadata *_metadata, const char *doc, ssize_t n)
{
	if (have_xmllint())
		EXPECT_EQ(0, xmllint_doc(doc, (size_t)n)) {
			TH_LOG("xmllint rejects:\n%s", doc);
		}
}

TEST(call_reply_probe)
{
	struct collab_field args[] = {
		{ .key = "app", .type = COLLAB_VAL_STRING, .s = "board" },
		{ .key = "n", .type = COLLAB_VAL_INT, .i = -7 },
	};
	struct collab_msg m = envelope(COLLAB_TYPE_CALL), *back = NULL;
	ssize_t n;

	/* A call, with its arguments as a record's fields. */
	m.call.op = "start";
	m.call.args = (struct collab_record){ 2, args };
	n = collab_msg_to_xml(&m, xml, sizeof(xml));
	ASSERT_LT(0, n);
	EXPECT_NE(NULL, strstr(xml, "<call op=\"start\"><record><string key=\"app\">board</string>"
				"<int key=\"n\">-7</int></record></call>"));
	expect_valid(_metadata, xml, n);
	ASSERT_EQ(0, collab_msg_from_xml(xml, (size_t)n, &back)) {
		TH_LOG("%s", collab_xml_error());
	}
	EXPECT_STREQ(COLLAB_TYPE_CALL, back->type);
	EXPECT_STREQ("start", back->call.op);
	ASSERT_EQ(2, back->call.args.nfields);
	EXPECT_STREQ("board", back->call.args.fields[0].s);
	EXPECT_EQ(-7, back->call.args.fields[1].i);
	EXPECT_EQ(NULL, back->app);

	/* Without arguments, no record. */
	m.call.args = (struct collab_record){ 0, NULL };
	n = collab_msg_to_xml(&m, xml, sizeof(xml));
	ASSERT_LT(0, n);
	EXPECT_NE(NULL, strstr(xml, "<call op=\"start\"/>"));
	ASSERT_EQ(0, collab_msg_from_xml(xml, (size_t)n, &back));
	EXPECT_STREQ("start", back->call.op);
	EXPECT_EQ(0, back->call.args.nfields);

	/* A reply: the call's id, the status, the error text, the results. */
	m = envelope(COLLAB_TYPE_REPLY);
	m.reply.call = UINT64_MAX;
	m.reply.status = EOPNOTSUPP;
	m.reply.error = "no operation \"x\"\t<&>\r\n";
	m.reply.result = (struct collab_record){ 1, args };
	n = collab_msg_to_xml(&m, xml, sizeof(xml));
	ASSERT_LT(0, n);
	EXPECT_NE(NULL, strstr(xml, "<reply call=\"18446744073709551615\" status=\"95\" error=\""));
	expect_valid(_metadata, xml, n);
	ASSERT_EQ(0, collab_msg_from_xml(xml, (size_t)n, &back));
	EXPECT_STREQ(COLLAB_TYPE_REPLY, back->type);
	EXPECT_EQ(UINT64_MAX, back->reply.call);
	EXPECT_EQ(EOPNOTSUPP, back->reply.status);
	EXPECT_STREQ(m.reply.error, back->reply.error);
	ASSERT_EQ(1, back->reply.result.nfields);
	EXPECT_STREQ("app", back->reply.result.fields[0].key);

	/* Status 0, no error, no result: a bare element; the error reads NULL. */
	m.reply = (struct collab_reply){ .call = 0, .status = 0, .error = "" };
	n = collab_msg_to_xml(&m, xml, sizeof(xml));
	ASSERT_LT(0, n);
	EXPECT_NE(NULL, strstr(xml, "<reply call=\"0\" status=\"0\"/>"));
	ASSERT_EQ(0, collab_msg_from_xml(xml, (size_t)n, &back));
	EXPECT_EQ(0, back->reply.status);
	EXPECT_EQ(NULL, back->reply.error);
	EXPECT_EQ(0, back->reply.result.nfields);

	/* A probe carries nothing. */
	m = envelope("probe");
	n = collab_msg_to_xml(&m, xml, sizeof(xml));
	ASSERT_LT(0, n);
	EXPECT_NE(NULL, strstr(xml, "<probe/>"));
	expect_valid(_metadata, xml, n);
	ASSERT_EQ(0, collab_msg_from_xml(xml, (size_t)n, &back));
	EXPECT_STREQ("probe", back->type);
	collab_msg_free(back);
}

TEST(call_reply_limits)
{
	static const char *const bad_ops[] = {
		"", "Start", "9a", "a_b", "a b", "-a", "abcdefghijabcdefghijabcdefghijab",
	};
	static char error[4 * 257 + 1];
	struct collab_field f = { .key = "1x", .type = COLLAB_VAL_INT };
	struct collab_msg m = envelope(COLLAB_TYPE_CALL);
	unsigned int i;

	m.call.op = NULL;
	EXPECT_EQ(-EINVAL, collab_msg_to_xml(&m, xml, sizeof(xml)));
	for (i = 0; i < sizeof(bad_ops) / sizeof(bad_ops[0]); i++) {
		m.call.op = bad_ops[i];
		EXPECT_EQ(-EINVAL, collab_msg_to_xml(&m, xml, sizeof(xml))) {
			TH_LOG("op '%s' written", bad_ops[i]);
		}
	}
	m.call.op = "abcdefghijabcdefghijabcdefghij0";
	EXPECT_LT(0, collab_msg_to_xml(&m, xml, sizeof(xml)));
	m.call.args = (struct collab_record){ 1, NULL };
	EXPECT_EQ(-EINVAL, collab_msg_to_xml(&m, xml, sizeof(xml)));
	m.call.args = (struct collab_record){ 1, &f };
	EXPECT_EQ(-EINVAL, collab_msg_to_xml(&m, xml, sizeof(xml)));

	m = envelope(COLLAB_TYPE_REPLY);
	m.reply.status = -1;
	EXPECT_EQ(-EINVAL, collab_msg_to_xml(&m, xml, sizeof(xml)));
	m.reply.status = 4096;
	EXPECT_EQ(-EINVAL, collab_msg_to_xml(&m, xml, sizeof(xml)));
	m.reply.status = 4095;
	EXPECT_LT(0, collab_msg_to_xml(&m, xml, sizeof(xml)));
	/* 256 characters of error text, however many bytes each; not 257. */
	for (i = 0; i < 256; i++)
		memcpy(error + 4 * i, "\xf0\x9f\x98\x80", 4);
	m.reply.error = error;
	EXPECT_LT(0, collab_msg_to_xml(&m, xml, sizeof(xml)));
	memcpy(error + 4 * 256, "a", 2);
	EXPECT_EQ(-EINVAL, collab_msg_to_xml(&m, xml, sizeof(xml)));
	m.reply.error = "\xc0\xaf";
	EXPECT_EQ(-EILSEQ, collab_msg_to_xml(&m, xml, sizeof(xml)));
	m.reply.error = "bell\x07";
	EXPECT_EQ(-EILSEQ, collab_msg_to_xml(&m, xml, sizeof(xml)));
	m.reply.error = NULL;
	m.reply.result = (struct collab_record){ 1, &f };
	EXPECT_EQ(-EINVAL, collab_msg_to_xml(&m, xml, sizeof(xml)));
}

static int any_encode(void *arg, const void *app, struct collab_field *f, size_t max)
{
	(void)arg, (void)app, (void)f, (void)max;
	return 0;
}

/* The types of remote calls are the library's: no codec takes them. */
TEST(call_types_reserved)
{
	static const char *const types[] = { "call", "reply", "probe" };
	struct collab_codec c = { .encode = any_encode };
	unsigned int i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		c.type = types[i];
		EXPECT_EQ(-EINVAL, collab_codec_register(&c)) {
			TH_LOG("a codec took '%s'", types[i]);
			collab_codec_unregister(types[i]);
		}
	}
	c.type = "calls";
	ASSERT_EQ(0, collab_codec_register(&c));
	EXPECT_EQ(0, collab_codec_unregister("calls"));
}

/* ---- threads ---------------------------------------------------------------- */

static void *decoder(void *arg)
{
	struct gen *g = calloc(1, sizeof(*g));
	static __thread char buf[COLLAB_XML_MAX];
	struct collab_msg m, *back = NULL;
	long bad = 0;
	int i;

	g->state = (uint64_t)(uintptr_t)arg * 7919 + 1;
	for (i = 0; i < 500; i++) {
		ssize_t n;

		gen_msg(g, &m);
		n = collab_msg_to_xml(&m, buf, sizeof(buf));
		if (n < 0 || collab_msg_from_xml(buf, (size_t)n, &back) || !same_msg(&m, back))
			bad++;
		if (collab_msg_from_xml("<x/>", 4, &back) != -EBADMSG)
			bad++;
	}
	collab_msg_free(back);
	free(g);
	return (void *)bad;
}

TEST(threads)
{
	pthread_t t[4];
	void *bad;
	int i;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, decoder, (void *)(uintptr_t)(i + 1)));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, pthread_join(t[i], &bad));
		EXPECT_EQ(NULL, bad);
	}
}

TEST(ids_and_destinations)
{
	struct collab_id id, back;
	struct collab_dest d;
	char hex[33];

	ASSERT_EQ(0, collab_id_random(&id));
	EXPECT_FALSE(collab_id_is_zero(&id));
	collab_id_to_hex(&id, hex);
	EXPECT_EQ(32, strlen(hex));
	ASSERT_EQ(0, collab_id_from_hex(&back, hex));
	EXPECT_EQ(0, memcmp(&id, &back, sizeof(id)));
	EXPECT_EQ(-EINVAL, collab_id_from_hex(&back, "0123"));
	EXPECT_EQ(-EINVAL, collab_id_from_hex(&back, "0123456789abcdef0123456789abcdeg"));
	EXPECT_EQ(0, collab_id_from_hex(&back, "0123456789ABCDEF0123456789abcdef"));

	EXPECT_EQ(0, collab_dest_session(&d, &id));
	EXPECT_EQ(COLLAB_DEST_SESSION, d.kind);
	memset(&back, 0, sizeof(back));
	EXPECT_EQ(-EINVAL, collab_dest_session(&d, &back));
	EXPECT_EQ(-EINVAL, collab_dest_guid(&d, NULL, &back));
	EXPECT_EQ(0, collab_dest_app(&d, "board", NULL));
	EXPECT_STREQ("board", d.app);
	EXPECT_EQ(-EINVAL, collab_dest_app(&d, "", NULL));
	EXPECT_EQ(-EINVAL, collab_dest_app(&d, "0123456789012345678901234567890123", NULL));
	EXPECT_EQ(-EINVAL, collab_dest_app(&d, "tab\there", NULL));
	EXPECT_EQ(0, collab_dest_broadcast(&d, NULL));
	EXPECT_STREQ("", d.app);
	EXPECT_STREQ("invalid message: not a valid collab XML document", collab_strerror(-EBADMSG));
	EXPECT_STREQ("No such file or directory", collab_strerror(-ENOENT));
	EXPECT_STREQ("the instance called is gone: no reply will come",
		     collab_strerror(-ECONNRESET));
}

TEST_HARNESS_MAIN
