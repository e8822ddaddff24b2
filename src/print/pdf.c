/* pdf.c: the A4 layout of pdf.h. Text is UTF-8 throughout (libharu's UTF-8 encoder over
 * an embedded TrueType font); lines are broken by measuring each character, since
 * Chinese has no spaces to break at: anywhere between two Han characters, never inside
 * a Latin word or number when it can be helped, and closing punctuation may hang past
 * the margin rather than start a line (避头点). */
#include "print/pdf.h"

#include <hpdf.h>
#include <hpdf_objects.h>
#include <hpdf_streams.h>
#include <stdint.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A4 with the margins of GB/T 9704 (公文格式): top 37 mm, left 28 mm, text 156 mm wide. */
#define MM        (72.0 / 25.4)
#define PAGE_W    (210 * MM)
#define PAGE_H    (297 * MM)
#define M_LEFT    (28 * MM)
#define M_RIGHT   (26 * MM)
#define M_TOP     (30 * MM)
#define M_BOTTOM  (28 * MM)
#define TEXT_W    (PAGE_W - M_LEFT - M_RIGHT)
#define LEADING   1.6 /* line height ÷ font size */
#define CELL_PAD  3.0
#define MAX_PAGES 500 /* a dossier longer than this is cut, and says so */

struct span {
	int off, len;
	bool first; /* a paragraph's first line (indented) */
};
struct lines {
	int n, cap;
	struct span *v;
};

struct pa_pdf {
	HPDF_Doc doc;
	HPDF_Font body, head;
	HPDF_Page page;
	HPDF_Page pages[MAX_PAGES];
	int npages;
	double y; /* the baseline area still free starts below y */
	HPDF_STATUS err;
	bool truncated;
	char header[256];
	struct pa_pdf_table table; /* the table being drawn (ncols 0: none) */
	uint8_t used[65536 / 8];   /* the character codes drawn (for the ToUnicode CMap) */
};

/* ---- fonts ---- */

static const struct {
	const char *path;
	int index;
} song[] = {{"/usr/share/fonts/truetype/arphic/uming.ttc", 0},
	    {"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0},
	    {"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0}},
  hei[] = {{"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0},
	   {"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0}};

enum pa_err pa_pdf_fonts_find(const char *body, struct pa_pdf_fonts *out)
{
	memset(out, 0, sizeof *out);
	if (body && *body) {
		const char *colon = strrchr(body, ':');
		size_t n = colon ? (size_t)(colon - body) : strlen(body);
		if (n >= sizeof out->body)
			return pa_errf(PA_BAD_REQUEST, "font", "the font path is too long");
		memcpy(out->body, body, n);
		out->body_index = colon ? atoi(colon + 1) : 0;
		if (access(out->body, R_OK) != 0)
			return pa_errf(PA_UNAVAILABLE, "font", "cannot read the font file %s",
				       out->body);
		memcpy(out->heading, out->body, sizeof out->body);
		out->heading_index = out->body_index;
		return PA_OK;
	}
	for (size_t i = 0; i < sizeof song / sizeof song[0] && !out->body[0]; i++)
		if (access(song[i].path, R_OK) == 0) {
			snprintf(out->body, sizeof out->body, "%s", song[i].path);
			out->body_index = song[i].index;
		}
	if (!out->body[0])
		return pa_errf(PA_UNAVAILABLE, NULL,
			       "no Chinese font to print with: install fonts-arphic-uming or "
			       "fonts-wqy-zenhei (scripts/setup.sh does)");
	for (size_t i = 0; i < sizeof hei / sizeof hei[0] && !out->heading[0]; i++)
		if (access(hei[i].path, R_OK) == 0) {
			snprintf(out->heading, sizeof out->heading, "%s", hei[i].path);
			out->heading_index = hei[i].index;
		}
	if (!out->heading[0]) {
		memcpy(out->heading, out->body, sizeof out->body);
		out->heading_index = out->body_index;
	}
	return PA_OK;
}

static void on_error(HPDF_STATUS e, HPDF_STATUS detail, void *user)
{
	(void)detail;
	struct pa_pdf *d = user;
	if (!d->err)
		d->err = e;
}

static HPDF_Font load_font(struct pa_pdf *d, const char *path, int index)
{
	size_t n = strlen(path);
	const char *name =
		n > 4 && strcmp(path + n - 4, ".ttc") == 0
			? HPDF_LoadTTFontFromFile2(d->doc, path, (HPDF_UINT)index, HPDF_TRUE)
			: HPDF_LoadTTFontFromFile(d->doc, path, HPDF_TRUE);
	return name ? HPDF_GetFont(d->doc, name, "UTF-8") : NULL;
}

/* ---- the text layer ----
 *
 * libharu's UTF-8 encoder draws each character by its Unicode code point (two bytes,
 * Identity-H, a CIDToGIDMap picks the glyph), and gives each font a ToUnicode stream that
 * is a copy of its encoding CMap: a "begincidrange", which a ToUnicode CMap may not hold
 * (PDF 32000-1 9.10.3: bfchar and bfrange only). poppler warns and guesses, others give
 * nothing back. So the codes drawn are noted as they are drawn, and each font's ToUnicode
 * stream is rewritten at the end as the CMap it should be: each code to itself, in runs. */

static int u8len(const unsigned char *s);

static void mark_used(struct pa_pdf *d, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned cp;
		int n = u8len(p);
		if (n == 1)
			cp = p[0];
		else if (n == 2)
			cp = (p[0] & 0x1Fu) << 6 | (p[1] & 0x3Fu);
		else if (n == 3)
			cp = (p[0] & 0x0Fu) << 12 | (p[1] & 0x3Fu) << 6 | (p[2] & 0x3Fu);
		else
			cp = 0; /* printable() leaves no 4-byte sequence */
		if (cp && cp < 65536)
			d->used[cp >> 3] |= (uint8_t)(1u << (cp & 7));
		p += n;
	}
}

static bool is_used(const struct pa_pdf *d, unsigned cp)
{
	return cp < 65536 && (d->used[cp >> 3] >> (cp & 7)) & 1u;
}

struct text {
	char *s;
	size_t n, cap;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	if (!t->s && !(t->s = malloc(t->cap = 4096)))
		abort();
	for (;;) {
		va_start(ap, fmt);
		int k = vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap);
		va_end(ap);
		if (k < 0)
			abort();
		if ((size_t)k < t->cap - t->n) {
			t->n += (size_t)k;
			return;
		}
		t->cap = (t->cap + (size_t)k + 1) * 2;
		if (!(t->s = realloc(t->s, t->cap)))
			abort();
	}
}

/* The ToUnicode CMap of the codes drawn: runs of consecutive codes that share their high
 * byte as bfrange, single codes as bfchar, at most 100 to a block. Malloc'd. */
static char *to_unicode_cmap(const struct pa_pdf *d)
{
	struct {
		unsigned lo, hi;
	} *runs = malloc(sizeof *runs * 65536);
	if (!runs)
		abort();
	int nruns = 0, nsingle = 0;
	for (unsigned cp = 1; cp < 65536; cp++) {
		if (!is_used(d, cp) || (cp >= 0xD800 && cp <= 0xDFFF))
			continue;
		unsigned hi = cp;
		while (hi + 1 < 65536 && (hi + 1) >> 8 == cp >> 8 && is_used(d, hi + 1))
			hi++;
		runs[nruns].lo = cp;
		runs[nruns++].hi = hi;
		nsingle += hi == cp;
		cp = hi;
	}
	struct text t = {0};
	put(&t, "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
	for (int pass = 0; pass < 2; pass++) { /* bfchar, then bfrange */
		int want = pass ? nruns - nsingle : nsingle, done = 0;
		for (int i = 0; i < nruns; i++) {
			bool single = runs[i].lo == runs[i].hi;
			if (single != (pass == 0))
				continue;
			if (done % 100 == 0)
				put(&t, "%d %s\n", want - done < 100 ? want - done : 100,
				    pass ? "beginbfrange" : "beginbfchar");
			if (single)
				put(&t, "<%04X> <%04X>\n", runs[i].lo, runs[i].lo);
			else
				put(&t, "<%04X> <%04X> <%04X>\n", runs[i].lo, runs[i].hi,
				    runs[i].lo);
			if (++done % 100 == 0 || done == want)
				put(&t, "%s\n", pass ? "endbfrange" : "endbfchar");
		}
	}
	put(&t, "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
	free(runs);
	return t.s;
}

/* Put cmap in place of the font's ToUnicode stream (a font without one gets none). */
static void set_to_unicode(struct pa_pdf *d, HPDF_Font f, const char *cmap)
{
	HPDF_Dict tu = HPDF_Dict_GetItem((HPDF_Dict)f, "ToUnicode", HPDF_OCLASS_DICT);
	if (!tu || !tu->stream) {
		HPDF_ResetError(d->doc); /* GetItem of a missing key sets the error */
		return;
	}
	HPDF_MemStream_FreeData(tu->stream);
	if (HPDF_Stream_WriteStr(tu->stream, cmap) != HPDF_OK && !d->err)
		d->err = HPDF_INVALID_STREAM;
}

/* ---- pages ---- */

static void text_at(struct pa_pdf *d, HPDF_Font f, double size, double x, double y, const char *s,
		    size_t n)
{
	char small[512], *buf = n < sizeof small ? small : malloc(n + 1);
	if (!buf)
		abort();
	memcpy(buf, s, n);
	buf[n] = 0;
	mark_used(d, buf);
	HPDF_Page_BeginText(d->page);
	HPDF_Page_SetFontAndSize(d->page, f, (HPDF_REAL)size);
	HPDF_Page_TextOut(d->page, (HPDF_REAL)x, (HPDF_REAL)y, buf);
	HPDF_Page_EndText(d->page);
	if (buf != small)
		free(buf);
}

static double width_of(HPDF_Font f, double size, const char *s, size_t n)
{
	HPDF_TextWidth tw = HPDF_Font_TextWidth(f, (const HPDF_BYTE *)s, (HPDF_UINT)n);
	return tw.width * size / 1000.0;
}

static void table_header(struct pa_pdf *d);

static void new_page(struct pa_pdf *d)
{
	if (d->npages == MAX_PAGES) {
		d->truncated = true;
		d->y = PAGE_H - M_TOP; /* keep drawing over the last page; finish() says so */
		return;
	}
	d->page = d->err ? NULL : HPDF_AddPage(d->doc);
	if (!d->page) { /* libharu is in error: finish() reports it; only keep moving */
		d->err = d->err ? d->err : HPDF_INVALID_DOCUMENT;
		d->page = d->pages[0];
		d->y = PAGE_H - M_TOP;
		return;
	}
	d->pages[d->npages++] = d->page;
	HPDF_Page_SetSize(d->page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
	HPDF_Page_SetLineWidth(d->page, 0.5);
	d->y = PAGE_H - M_TOP;
	if (d->header[0]) {
		double hy = PAGE_H - M_TOP + 14;
		text_at(d, d->body, 9, M_LEFT, hy, d->header, strlen(d->header));
		HPDF_Page_MoveTo(d->page, (HPDF_REAL)M_LEFT, (HPDF_REAL)(hy - 4));
		HPDF_Page_LineTo(d->page, (HPDF_REAL)(PAGE_W - M_RIGHT), (HPDF_REAL)(hy - 4));
		HPDF_Page_Stroke(d->page);
	}
	if (d->table.ncols)
		table_header(d);
}

void pa_pdf_need(struct pa_pdf *d, double pts)
{
	if (d->y - pts < M_BOTTOM)
		new_page(d);
}

void pa_pdf_gap(struct pa_pdf *d, double pts)
{
	d->y -= pts;
	if (d->y < M_BOTTOM)
		new_page(d);
}

enum pa_err pa_pdf_new(const struct pa_pdf_fonts *f, const char *title, const char *header,
		       struct pa_pdf **out)
{
	struct pa_pdf *d = calloc(1, sizeof *d);
	if (!d)
		return pa_errf(PA_INTERNAL, NULL, "out of memory");
	d->doc = HPDF_New(on_error, d);
	if (!d->doc) {
		free(d);
		return pa_errf(PA_INTERNAL, NULL, "cannot start a PDF document");
	}
	HPDF_SetCompressionMode(d->doc, HPDF_COMP_ALL);
	HPDF_UseUTFEncodings(d->doc);
	HPDF_SetCurrentEncoder(d->doc, "UTF-8");
	/* the title goes in as UTF-16 through the encoder set above */
	HPDF_SetInfoAttr(d->doc, HPDF_INFO_TITLE, title);
	HPDF_SetInfoAttr(d->doc, HPDF_INFO_CREATOR, "pingan");
	d->body = load_font(d, f->body, f->body_index);
	d->head = d->body;
	if (d->body && !d->err &&
	    (strcmp(f->body, f->heading) != 0 || f->body_index != f->heading_index)) {
		/* a heading face that will not load: headings in the body's, and say nothing */
		HPDF_Font h = load_font(d, f->heading, f->heading_index);
		if (h)
			d->head = h;
		HPDF_ResetError(d->doc);
		d->err = 0;
	}
	if (!d->body || d->err) {
		HPDF_Free(d->doc);
		free(d);
		return pa_errf(PA_UNAVAILABLE, NULL, "cannot load the font %s", f->body);
	}
	snprintf(d->header, sizeof d->header, "%s", header ? header : "");
	new_page(d);
	*out = d;
	return PA_OK;
}

void pa_pdf_free(struct pa_pdf *d)
{
	if (!d)
		return;
	HPDF_Free(d->doc);
	free(d);
}

/* ---- line breaking ---- */

/* Length of the UTF-8 sequence at s (1 for a stray byte: shown as it falls). */
static int u8len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	int n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 1;
	for (int i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 1;
	return n;
}

/* Characters that may not begin a line: they hang at the end of the one before. */
static bool no_line_start(const char *s, int n)
{
	static const char *const closing[] = {"，", "。", "、", "；", "：", "？", "！", "）",
					      "》", "」", "』", "”",  "’",  "】", "〕", "…"};
	if (n == 1)
		return strchr(",.;:?!)]}%", s[0]) != NULL;
	for (size_t i = 0; i < sizeof closing / sizeof closing[0]; i++)
		if ((int)strlen(closing[i]) == n && memcmp(closing[i], s, (size_t)n) == 0)
			return true;
	return false;
}

static bool latin_word(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '-' || c == '.' || c == '_' || c == '@' || c == '*';
}

static void push(struct lines *L, int off, int len, bool first)
{
	if (L->n == L->cap) {
		L->cap = L->cap ? L->cap * 2 : 16;
		struct span *v = realloc(L->v, (size_t)L->cap * sizeof *v);
		if (!v)
			abort();
		L->v = v;
	}
	L->v[L->n++] = (struct span){off, len, first};
}

/* Break text into lines no wider than width; each paragraph ("\n" ends one) begins with
 * indent points of space. */
static void wrap(HPDF_Font f, double size, const char *text, double width, double indent,
		 struct lines *L)
{
	const char *s = text ? text : "";
	int start = 0, i = 0, word = -1; /* word: where the Latin run being passed began */
	bool first = true;
	double w = indent;
	while (s[i]) {
		if (s[i] == '\n') {
			push(L, start, i - start, first);
			start = ++i;
			first = true;
			w = indent;
			word = -1;
			continue;
		}
		int n = u8len((const unsigned char *)s + i);
		if (n == 1 && latin_word(s[i])) {
			if (word < 0)
				word = i;
		} else
			word = -1;
		double cw = s[i] == '\t' ? size : width_of(f, size, s + i, (size_t)n);
		/* one closing mark may hang past the margin; the next one breaks the line */
		if (w + cw > width && i > start && !(w <= width && no_line_start(s + i, n))) {
			int cut = word > start ? word : i; /* keep a Latin word whole */
			push(L, start, cut - start, first);
			first = false;
			start = cut;
			while (s[start] == ' ')
				start++;
			if (start > i) { /* the break fell on spaces: they vanish */
				i = start;
				w = 0;
				word = -1;
				continue;
			}
			w = width_of(f, size, s + start, (size_t)(i - start));
		}
		w += cw;
		i += n;
	}
	if (i > start || L->n == 0)
		push(L, start, i - start, first);
}

/* A copy of text that the fonts can show: a character outside the Basic Multilingual
 * Plane (no CJK TrueType font here has them) or a broken byte becomes a visible □, never
 * a silent gap in a name; tabs become spaces and carriage returns go. Malloc'd. */
static char *printable(const char *text)
{
	const unsigned char *s = (const unsigned char *)(text ? text : "");
	size_t n = strlen((const char *)s);
	char *out = malloc(3 * n + 1), *o = out;
	if (!out)
		abort();
	for (size_t i = 0; i < n;) {
		int k = u8len(s + i);
		if (s[i] == '\r') {
			i++;
		} else if (s[i] == '\t') {
			*o++ = ' ';
			i++;
		} else if ((k == 1 && s[i] >= 0x80) || k == 4) {
			memcpy(o, "\xE2\x96\xA1", 3); /* □ */
			o += 3;
			i += (size_t)k;
		} else {
			memcpy(o, s + i, (size_t)k);
			o += k;
			i += (size_t)k;
		}
	}
	*o = 0;
	return out;
}

/* ---- blocks ---- */

static void lines_out(struct pa_pdf *d, HPDF_Font f, double size, const char *raw,
		      double indent_chars, enum pa_pdf_align align)
{
	char *text = printable(raw);
	struct lines L = {0};
	double indent = indent_chars * size;
	wrap(f, size, text, TEXT_W, indent, &L);
	double lead = size * LEADING;
	for (int k = 0; k < L.n; k++) {
		pa_pdf_need(d, lead);
		d->y -= lead;
		const char *s = text + L.v[k].off;
		size_t n = (size_t)L.v[k].len;
		double lw = width_of(f, size, s, n);
		double x = align == PA_PDF_CENTER  ? M_LEFT + (TEXT_W - lw) / 2
			   : align == PA_PDF_RIGHT ? PAGE_W - M_RIGHT - lw
			   : L.v[k].first          ? M_LEFT + indent
						   : M_LEFT;
		text_at(d, f, size, x, d->y + size * 0.25, s, n);
	}
	free(L.v);
	free(text);
}

void pa_pdf_heading(struct pa_pdf *d, const char *text, double size, enum pa_pdf_align align)
{
	pa_pdf_need(d, size * LEADING * 3); /* never a heading alone at a page's foot */
	lines_out(d, d->head, size, text, 0, align);
}

void pa_pdf_para(struct pa_pdf *d, const char *text, double size, int indent)
{
	lines_out(d, d->body, size, text, indent, PA_PDF_LEFT);
}

void pa_pdf_right(struct pa_pdf *d, const char *text, double size)
{
	lines_out(d, d->body, size, text, 0, PA_PDF_RIGHT);
}

/* ---- tables ---- */

/* Draw rows of cells, lines [from, from + k) of each; the row is k lines high. */
static void cells_out(struct pa_pdf *d, HPDF_Font f, const char *const *cells, struct lines *L,
		      int from, int k)
{
	const struct pa_pdf_table *t = &d->table;
	double lead = t->size * LEADING, h = k * lead + 2 * CELL_PAD, x = M_LEFT;
	for (int c = 0; c < t->ncols; c++) { /* the rules first: no text inside a path */
		double cw = t->widths[c] * TEXT_W;
		HPDF_Page_Rectangle(d->page, (HPDF_REAL)x, (HPDF_REAL)(d->y - h), (HPDF_REAL)cw,
				    (HPDF_REAL)h);
		x += cw;
	}
	HPDF_Page_Stroke(d->page);
	x = M_LEFT;
	for (int c = 0; c < t->ncols; c++) {
		double cw = t->widths[c] * TEXT_W;
		for (int j = 0; j < k && from + j < L[c].n; j++) {
			const struct span *sp = &L[c].v[from + j];
			double by = d->y - CELL_PAD - (j + 1) * lead + t->size * 0.25;
			text_at(d, f, t->size, x + CELL_PAD, by,
				(cells[c] ? cells[c] : "") + sp->off, (size_t)sp->len);
		}
		x += cw;
	}
	d->y -= h;
}

static void row_out(struct pa_pdf *d, HPDF_Font f, const char *const *raw)
{
	const struct pa_pdf_table *t = &d->table;
	struct lines L[16] = {{0}};
	char *cells[16];
	int most = 1;
	for (int c = 0; c < t->ncols; c++) {
		cells[c] = printable(raw[c]);
		wrap(f, t->size, cells[c], t->widths[c] * TEXT_W - 2 * CELL_PAD, 0, &L[c]);
		if (L[c].n > most)
			most = L[c].n;
	}
	double lead = t->size * LEADING, fresh = PAGE_H - M_TOP - M_BOTTOM - 3 * lead;
	/* a row that fits on a page is not split; a longer one runs on, slice by slice */
	if (d->y - (most * lead + 2 * CELL_PAD) < M_BOTTOM && most * lead < fresh)
		new_page(d);
	for (int done = 0; done < most;) {
		int fit = (int)((d->y - M_BOTTOM - 2 * CELL_PAD) / lead);
		if (fit < 1) {
			new_page(d);
			continue;
		}
		int k = most - done < fit ? most - done : fit;
		cells_out(d, f, (const char *const *)cells, L, done, k);
		done += k;
	}
	for (int c = 0; c < t->ncols; c++) {
		free(L[c].v);
		free(cells[c]);
	}
}

static void table_header(struct pa_pdf *d)
{
	if (!d->table.header)
		return;
	row_out(d, d->head, d->table.header);
}

void pa_pdf_table_begin(struct pa_pdf *d, const struct pa_pdf_table *t)
{
	d->table = *t;
	if (d->table.ncols > 16)
		d->table.ncols = 16;
	pa_pdf_need(d, t->size * LEADING * 3 + 4 * CELL_PAD);
	table_header(d);
}

void pa_pdf_table_row(struct pa_pdf *d, const char *const *cells)
{
	row_out(d, d->body, cells);
}

void pa_pdf_table_end(struct pa_pdf *d)
{
	d->table.ncols = 0;
	pa_pdf_gap(d, 6);
}

/* ---- output ---- */

int pa_pdf_pages(const struct pa_pdf *d)
{
	return d->npages;
}

enum pa_err pa_pdf_finish(struct pa_pdf *d, char **pdf, size_t *len)
{
	*pdf = NULL;
	*len = 0;
	if (d->truncated) {
		d->page = d->pages[d->npages - 1];
		text_at(d, d->body, 10, M_LEFT, M_BOTTOM - 12, "（以下内容过长，未能打印）",
			strlen("（以下内容过长，未能打印）"));
	}
	for (int i = 0; i < d->npages; i++) {
		char foot[64];
		snprintf(foot, sizeof foot, "第 %d 页  共 %d 页", i + 1, d->npages);
		d->page = d->pages[i];
		double w = width_of(d->body, 9, foot, strlen(foot));
		text_at(d, d->body, 9, (PAGE_W - w) / 2, M_BOTTOM - 30, foot, strlen(foot));
	}
	if (!d->err) {
		char *cmap = to_unicode_cmap(d);
		set_to_unicode(d, d->body, cmap);
		if (d->head != d->body)
			set_to_unicode(d, d->head, cmap);
		free(cmap);
	}
	if (d->err || HPDF_SaveToStream(d->doc) != HPDF_OK)
		return pa_errf(PA_INTERNAL, NULL,
			       "the PDF could not be laid out (libharu error 0x%04X)",
			       (unsigned)d->err);
	HPDF_UINT32 size = HPDF_GetStreamSize(d->doc);
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return pa_errf(PA_INTERNAL, NULL, "out of memory");
	HPDF_ResetStream(d->doc);
	HPDF_UINT32 got = size;
	HPDF_STATUS st = HPDF_ReadFromStream(d->doc, (HPDF_BYTE *)buf, &got);
	if ((st != HPDF_OK && st != HPDF_STREAM_EOF) || got != size) {
		free(buf);
		return pa_errf(PA_INTERNAL, NULL, "the PDF could not be read back");
	}
	*pdf = buf;
	*len = size;
	return PA_OK;
}
