// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The lexical forms of the portable format, both ways: escaped text,
 * numbers, ids, colours, times and base64, each written in the one
 * spelling the schema allows and read back only in that spelling.
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char hexdigits[] = "0123456789abcdef";

void xout_fail(struct xout *o, int err)
{
	if (!o->err)
		o->err = err;
}

void xout_str(struct xout *o, const char *s)
{
	xout_mem(o, s, strlen(s));
}

/*
 * How each byte is written: 0 as it is, 1 escaped (below), 2 the start of
 * a multi-byte sequence, 3 never (a control XML 1.0 does not allow, or a
 * byte that cannot start a UTF-8 sequence). In attribute values,
 * whitespace other than a space is escaped too, or the parser would turn
 * it into spaces; '\r' is escaped everywhere, or it would read back as
 * '\n'.
 */
#define CLASS_COMMON \
	[0x00 ... 0x08] = 3, [0x0b ... 0x0c] = 3, [0x0e ... 0x1f] = 3, \
	['\r'] = 1, ['&'] = 1, ['<'] = 1, ['>'] = 1, \
	[0x80 ... 0xc1] = 3, [0xc2 ... 0xf4] = 2, [0xf5 ... 0xff] = 3

static const uint8_t text_class[256] = { CLASS_COMMON };
static const uint8_t attr_class[256] = { CLASS_COMMON, ['\t'] = 1, ['\n'] = 1, ['"'] = 1 };

/* The length of the UTF-8 sequence at @s that is an XML Char, or 0. */
static size_t utf8_seq(const uint8_t *s)
{
	uint32_t c;

	if (s[0] < 0xe0) {
		if ((s[1] & 0xc0) != 0x80)
			return 0;
		return 2;
	}
	if (s[0] < 0xf0) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		c = (s[0] & 0x0fu) << 12 | (s[1] & 0x3fu) << 6 | (s[2] & 0x3fu);
		/* Overlong, a surrogate, or U+FFFE/U+FFFF. */
		if (c < 0x800 || (c >= 0xd800 && c <= 0xdfff) || c >= 0xfffe)
			return 0;
		return 3;
	}
	if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
		return 0;
	c = (s[0] & 0x07u) << 18 | (s[1] & 0x3fu) << 12 | (s[2] & 0x3fu) << 6 |
	    (s[3] & 0x3fu);
	if (c < 0x10000 || c > 0x10ffff)
		return 0;
	return 4;
}

void xout_text(struct xout *o, const char *str, bool attr, size_t *chars)
{
	const uint8_t *cls = attr ? attr_class : text_class;
	const uint8_t *s = (const uint8_t *)str, *run = s;
	size_t n = 0, k;

	for (;; n++) {
		uint8_t c = *s;

		if (!cls[c]) {
			s++;
			continue;
		}
		xout_mem(o, run, (size_t)(s - run));
		if (!c)
			break;
		switch (cls[c]) {
		case 1:
			switch (c) {
			case '&': xout_lit(o, "&amp;"); break;
			case '<': xout_lit(o, "&lt;"); break;
			case '>': xout_lit(o, "&gt;"); break;
			case '"': xout_lit(o, "&quot;"); break;
			case '\t': xout_lit(o, "&#9;"); break;
			case '\n': xout_lit(o, "&#10;"); break;
			default: xout_lit(o, "&#13;"); break;
			}
			s++;
			break;
		case 2:
			k = utf8_seq(s);
			if (!k) {
				xout_fail(o, -EILSEQ);
				return;
			}
			xout_mem(o, s, k);
			s += k;
			break;
		default:
			xout_fail(o, -EILSEQ);
			return;
		}
		run = s;
	}
	if (chars)
		*chars = n;
}

void xout_attr(struct xout *o, const char *name, const char *value)
{
	xout_lit(o, " ");
	xout_str(o, name);
	xout_lit(o, "=\"");
	xout_text(o, value, true, NULL);
	xout_lit(o, "\"");
}

void xout_u64(struct xout *o, uint64_t v)
{
	char buf[20];
	size_t i = sizeof(buf);

	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	xout_mem(o, buf + i, sizeof(buf) - i);
}

void xout_i64(struct xout *o, int64_t v)
{
	if (v < 0) {
		xout_lit(o, "-");
		xout_u64(o, -(uint64_t)v);
	} else {
		xout_u64(o, (uint64_t)v);
	}
}

static locale_t c_locale(void)
{
	static locale_t loc;
	locale_t l = __atomic_load_n(&loc, __ATOMIC_ACQUIRE);

	if (l)
		return l;
	l = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	if (!l)
		return (locale_t)0;
	if (!__atomic_compare_exchange_n(&loc, &(locale_t){ 0 }, l, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		freelocale(l);
		l = __atomic_load_n(&loc, __ATOMIC_ACQUIRE);
	}
	return l;
}

/* %.17g reads back to the same double; the C locale makes '.' the point. */
void xout_double(struct xout *o, double v)
{
	locale_t loc = c_locale(), old;
	char buf[32];
	int n;

	if (isnan(v)) {
		xout_lit(o, "NaN");
		return;
	}
	if (isinf(v)) {
		if (v < 0)
			xout_lit(o, "-INF");
		else
			xout_lit(o, "INF");
		return;
	}
	if (!loc) {
		xout_fail(o, -ENOMEM);
		return;
	}
	old = uselocale(loc);
	n = snprintf(buf, sizeof(buf), "%.17g", v);
	uselocale(old);
	xout_mem(o, buf, (size_t)n);
}

void xout_guid(struct xout *o, const struct collab_id *id)
{
	char buf[32];
	int i;

	for (i = 0; i < 16; i++) {
		buf[2 * i] = hexdigits[id->b[i] >> 4];
		buf[2 * i + 1] = hexdigits[id->b[i] & 15];
	}
	xout_mem(o, buf, sizeof(buf));
}

void xout_color(struct xout *o, uint32_t rgba)
{
	char buf[9];
	int i;

	buf[0] = '#';
	for (i = 0; i < 8; i++)
		buf[1 + i] = hexdigits[(rgba >> (28 - 4 * i)) & 15];
	xout_mem(o, buf, sizeof(buf));
}

/* Days since 1970-01-01 of a date, and back (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	int64_t era;
	unsigned int yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned int)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned int *m, unsigned int *d)
{
	int64_t era;
	unsigned int doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned int)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void put_digits(char *p, uint64_t v, int n)
{
	while (n--) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* YYYY-MM-DDThh:mm:ss.uuuuuuZ */
void xout_time(struct xout *o, int64_t us)
{
	char buf[27];
	int64_t days, y, secs;
	unsigned int m, d;

	if (us < 0 || us > COLLAB_TIME_MAX) {
		xout_fail(o, -EINVAL);
		return;
	}
	days = us / 86400000000LL;
	secs = us / 1000000 % 86400;
	civil_from_days(days, &y, &m, &d);
	put_digits(buf, (uint64_t)y, 4);
	buf[4] = '-';
	put_digits(buf + 5, m, 2);
	buf[7] = '-';
	put_digits(buf + 8, d, 2);
	buf[10] = 'T';
	put_digits(buf + 11, (uint64_t)secs / 3600, 2);
	buf[13] = ':';
	put_digits(buf + 14, (uint64_t)secs / 60 % 60, 2);
	buf[16] = ':';
	put_digits(buf + 17, (uint64_t)secs % 60, 2);
	buf[19] = '.';
	put_digits(buf + 20, (uint64_t)(us % 1000000), 6);
	buf[26] = 'Z';
	xout_mem(o, buf, sizeof(buf));
}

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void xout_base64(struct xout *o, const void *data, size_t len)
{
	const uint8_t *s = data;
	char buf[256];
	size_t n = 0, i;
	uint32_t v;

	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		buf[n++] = b64[v >> 18];
		buf[n++] = b64[(v >> 12) & 63];
		buf[n++] = b64[(v >> 6) & 63];
		buf[n++] = b64[v & 63];
		if (n == sizeof(buf)) {
			xout_mem(o, buf, n);
			n = 0;
		}
	}
	if (len - i == 1) {
		v = (uint32_t)s[i] << 16;
		buf[n++] = b64[v >> 18];
		buf[n++] = b64[(v >> 12) & 63];
		buf[n++] = '=';
		buf[n++] = '=';
	} else if (len - i == 2) {
		v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
		buf[n++] = b64[v >> 18];
		buf[n++] = b64[(v >> 12) & 63];
		buf[n++] = b64[(v >> 6) & 63];
		buf[n++] = '=';
	}
	xout_mem(o, buf, n);
}

/* ---- reading ---------------------------------------------------------- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* 0|[1-9][0-9]* and at most @max. */
bool parse_u64(const char *s, size_t n, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (!n || (s[0] == '0' && n > 1))
		return false;
	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return false;
		if (x > (max - (uint64_t)(s[i] - '0')) / 10)
			return false;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = x;
	return true;
}

/* -?(0|[1-9][0-9]*) within [min, max]. */
bool parse_i64(const char *s, size_t n, int64_t min, int64_t max, int64_t *v)
{
	uint64_t x;

	if (n && s[0] == '-') {
		if (!parse_u64(s + 1, n - 1, -(uint64_t)min, &x))
			return false;
		*v = (int64_t)-x;
		return true;
	}
	if (!parse_u64(s, n, (uint64_t)max, &x))
		return false;
	*v = (int64_t)x;
	return true;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?|-?INF|NaN */
bool parse_double(const char *s, size_t n, double *v)
{
	locale_t loc = c_locale();
	char buf[64], *end;
	size_t i = 0, start;
	double x;

	if (n == 3 && !memcmp(s, "NaN", 3)) {
		*v = NAN;
		return true;
	}
	if (n == 3 && !memcmp(s, "INF", 3)) {
		*v = INFINITY;
		return true;
	}
	if (n == 4 && !memcmp(s, "-INF", 4)) {
		*v = -INFINITY;
		return true;
	}
	if (n >= sizeof(buf) || !loc)
		return false;
	if (i < n && s[i] == '-')
		i++;
	start = i;
	while (i < n && is_digit(s[i]))
		i++;
	if (i == start || (s[start] == '0' && i - start > 1))
		return false;
	if (i < n && s[i] == '.') {
		start = ++i;
		while (i < n && is_digit(s[i]))
			i++;
		if (i == start)
			return false;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		start = i;
		while (i < n && is_digit(s[i]))
			i++;
		if (i == start)
			return false;
	}
	if (i != n)
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	errno = 0;
	x = strtod_l(buf, &end, loc);
	/* Out of range: not a value this library writes, nor one to trust. */
	if (end != buf + n || isinf(x))
		return false;
	*v = x;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool parse_guid(const char *s, size_t n, struct collab_id *id)
{
	int i, hi, lo;

	if (n != 32)
		return false;
	for (i = 0; i < 16; i++) {
		hi = hexval(s[2 * i]);
		lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		id->b[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

bool parse_color(const char *s, size_t n, uint32_t *rgba)
{
	uint32_t v = 0;
	size_t i;
	int h;

	if (n != 9 || s[0] != '#')
		return false;
	for (i = 1; i < 9; i++) {
		h = hexval(s[i]);
		if (h < 0)
			return false;
		v = v << 4 | (uint32_t)h;
	}
	*rgba = v;
	return true;
}

static bool digits(const char *s, int n, unsigned int *v)
{
	unsigned int x = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return false;
		x = x * 10 + (unsigned int)(s[i] - '0');
	}
	*v = x;
	return true;
}

static unsigned int days_in_month(unsigned int y, unsigned int m)
{
	static const unsigned char dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 29;
	return dim[m - 1];
}

/* Exactly the form xout_time() writes, a real date, from 1970 on. */
bool parse_time(const char *s, size_t n, int64_t *us)
{
	unsigned int y, mo, d, h, mi, sec, frac;

	if (n != 27 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != '.' || s[26] != 'Z')
		return false;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) ||
	    !digits(s + 17, 2, &sec) || !digits(s + 20, 6, &frac))
		return false;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
	    h > 23 || mi > 59 || sec > 59)
		return false;
	*us = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) *
	       1000000LL) + frac;
	return true;
}

static int b64val(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long parse_base64(const char *str, size_t n, uint8_t *out)
{
	const uint8_t *s = (const uint8_t *)str;
	size_t i, o = 0, pad = 0;
	int a, b, c, d;

	if (n % 4)
		return -1;
	if (n && s[n - 1] == '=')
		pad = s[n - 2] == '=' ? 2 : 1;
	for (i = 0; i < n; i += 4) {
		bool last = i + 4 == n;

		a = b64val(s[i]);
		b = b64val(s[i + 1]);
		c = last && pad == 2 ? 0 : b64val(s[i + 2]);
		d = last && pad ? 0 : b64val(s[i + 3]);
		if ((a | b | c | d) < 0)
			return -1;
		out[o++] = (uint8_t)(a << 2 | b >> 4);
		if (last && pad == 2) {
			if (b & 15)
				return -1;	/* padding bits must be zero */
			break;
		}
		out[o++] = (uint8_t)(b << 4 | c >> 2);
		if (last && pad == 1) {
			if (c & 3)
				return -1;
			break;
		}
		out[o++] = (uint8_t)(c << 6 | d);
	}
	return (long)o;
}

size_t utf8_chars(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += ((uint8_t)s[i] & 0xc0) != 0x80;
	return c;
}

bool valid_app(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n >= COLLAB_APP_TYPE_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

bool valid_word(const char *s, size_t n, size_t max)
{
	size_t i;

	if (n < 1 || n > max)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < '!' || s[i] > '~')
			return false;
	return true;
}

bool valid_type(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n >= COLLAB_TYPE_MAX || s[0] < 'a' || s[0] > 'z')
		return false;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || is_digit(s[i]) || s[i] == '-'))
			return false;
	return true;
}

bool valid_key(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n >= COLLAB_KEY_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_')
			continue;
		if (i && (is_digit(c) || c == '.' || c == '-'))
			continue;
		return false;
	}
	return true;
}
