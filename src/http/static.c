/* static.c: the web face's built files (Vite's web/dist) served by pingan itself, so one
 * process and one port carry the pages and the API they call. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "http/http.h"

static const struct {
	const char *ext, *mime;
} mimes[] = {
	{".html", "text/html; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".mjs", "text/javascript; charset=utf-8"},
	{".css", "text/css; charset=utf-8"},
	{".json", "application/json; charset=utf-8"},
	{".svg", "image/svg+xml"},
	{".png", "image/png"},
	{".jpg", "image/jpeg"},
	{".webp", "image/webp"},
	{".ico", "image/x-icon"},
	{".woff2", "font/woff2"},
	{".woff", "font/woff"},
	{".ttf", "font/ttf"},
	{".txt", "text/plain; charset=utf-8"},
	{".webmanifest", "application/manifest+json"},
};

static const char *mime_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');
	if (!dot || (slash && dot < slash))
		return NULL;
	for (size_t i = 0; i < sizeof mimes / sizeof mimes[0]; i++)
		if (strcmp(dot, mimes[i].ext) == 0)
			return mimes[i].mime;
	return NULL;
}

/* A path the web face may name: segments of letters, digits and -_.~@ only, none starting
 * with a dot (so neither "..", nor ".git", nor a hidden file), no backslash, no NUL. The
 * decoded path is judged, so %2e%2e is caught as "..". */
static bool path_ok(const char *p)
{
	if (*p != '/' || strlen(p) > 512)
		return false;
	for (const char *s = p; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '/') {
			if (s[1] == '.' || s[1] == '/')
				return false;
			continue;
		}
		if (c >= 0x80)
			return false; /* the build names nothing outside ASCII */
		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') &&
		    !strchr("-_.~@", c))
			return false;
	}
	return true;
}

/* root + rel as a regular file whose real path lies under root's real path (a symbolic
 * link planted in the build cannot lead out of it). */
static bool file_under(const char *root_real, const char *root, const char *rel, char *out,
		       size_t outsz)
{
	char joined[PATH_MAX], real[PATH_MAX];
	if ((size_t)snprintf(joined, sizeof joined, "%s%s", root, rel) >= sizeof joined)
		return false;
	if (!realpath(joined, real))
		return false;
	size_t n = strlen(root_real);
	if (strncmp(real, root_real, n) != 0 || real[n] != '/')
		return false;
	struct stat st;
	if (stat(real, &st) != 0 || !S_ISREG(st.st_mode))
		return false;
	if ((size_t)snprintf(out, outsz, "%s", real) >= outsz)
		return false;
	return true;
}

enum pa_err pa_static_find(const char *root, const char *path, struct pa_arena *a,
			   struct pa_reply *rp)
{
	char root_real[PATH_MAX], file[PATH_MAX];
	if (!root || !realpath(root, root_real))
		return pa_errf(PA_NOT_FOUND, NULL,
			       "the web face is not built (make web) or --web names no folder");
	if (!path_ok(path))
		return pa_errf(PA_NOT_FOUND, NULL, "no such page");
	const char *rel = strcmp(path, "/") == 0 ? "/index.html" : path;
	const char *mime = mime_of(rel);
	bool hashed = strncmp(rel, "/assets/", 8) == 0;
	if (!mime || !file_under(root_real, root, rel, file, sizeof file)) {
		/* The pages' own routes (/cases/12, /workbench) are the single page's: it is
		 * index.html that reads them. A file asked for by name that is not there is a
		 * 404, never a page in its place (a script answered with HTML misleads). */
		if (hashed || mime)
			return pa_errf(PA_NOT_FOUND, NULL, "no such file: %s", path);
		rel = "/index.html";
		mime = mime_of(rel);
		if (!file_under(root_real, root, rel, file, sizeof file))
			return pa_errf(PA_NOT_FOUND, NULL, "the web face has no index.html");
		hashed = false;
	}
	rp->file = pa_sprintf(a, "%s", file);
	rp->file_type = mime;
	/* Vite names every asset by its content's hash: a new build is new names, so they may
	 * be kept for a year; index.html names the current ones and must be asked for again. */
	rp->page_cache = hashed ? "public, max-age=31536000, immutable" : "no-cache";
	return PA_OK;
}
