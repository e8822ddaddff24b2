"""The web face's files served by pingan serve --web DIR: MIME types, caching, the single
page's own routes answered with index.html, the service worker at the root, the pages'
security headers, and no way out of DIR (dot segments, encoded or not, and symbolic links)."""
import os
import shutil
import socket
import tempfile
import unittest

from common import ApiTest

WEB = tempfile.mkdtemp(prefix="pingan-web-")
INDEX = b"<!doctype html><title>pingan</title><script type=module src=/assets/index-abc123.js></script>"
JS = b"console.log('hello')"
SW = b"self.addEventListener('fetch', () => {})"


def setUpModule():
    os.makedirs(os.path.join(WEB, "assets"))
    with open(os.path.join(WEB, "index.html"), "wb") as f:
        f.write(INDEX)
    with open(os.path.join(WEB, "assets", "index-abc123.js"), "wb") as f:
        f.write(JS)
    with open(os.path.join(WEB, "assets", "index-abc123.css"), "wb") as f:
        f.write(b"body{}")
    with open(os.path.join(WEB, "sw.js"), "wb") as f:
        f.write(SW)
    with open(os.path.join(WEB, "favicon.svg"), "wb") as f:
        f.write(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    with open(os.path.join(WEB, ".secret"), "wb") as f:
        f.write(b"hidden")
    # a link planted in the build that leads out of it
    os.symlink("/etc/passwd", os.path.join(WEB, "assets", "passwd.txt"))
    # a file beside the web folder that a traversal would reach
    with open(os.path.join(os.path.dirname(WEB), "pingan-outside.txt"), "wb") as f:
        f.write(b"outside")


def tearDownModule():
    shutil.rmtree(WEB, ignore_errors=True)
    try:
        os.remove(os.path.join(os.path.dirname(WEB), "pingan-outside.txt"))
    except OSError:
        pass


def raw_get(port, path):
    """A GET with the path sent exactly as given (no client normalising ../)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode())
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), head.decode("latin-1"), body


class WebStaticTest(ApiTest):
    server_args = ("--web", WEB)

    def assertServed(self, path, raw, ctype, cache):
        r = self.get(path)
        self.assertEqual(r.status, 200, path)
        self.assertEqual(r.raw, raw, path)
        self.assertEqual(r.header("Content-Type"), ctype, path)
        self.assertEqual(r.header("Cache-Control"), cache, path)
        self.assertEqual(r.header("X-Content-Type-Options"), "nosniff", path)
        return r

    def test_root_is_index_html_not_cached_with_page_headers(self):
        r = self.assertServed("/", INDEX, "text/html; charset=utf-8", "no-cache")
        self.assertEqual(r.header("Referrer-Policy"), "no-referrer")
        csp = r.header("Content-Security-Policy")
        self.assertIn("script-src 'self'", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertNotIn("unsafe-eval", csp)
        self.assertNotIn("unsafe-inline", csp.split("script-src")[1].split(";")[0])
        self.assertIsNone(r.header("Content-Disposition"))

    def test_hashed_assets_typed_and_kept_a_year(self):
        r = self.get("/assets/index-abc123.js")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.raw, JS)
        self.assertEqual(r.header("Content-Type"), "text/javascript; charset=utf-8")
        self.assertIn("immutable", r.header("Cache-Control"))
        self.assertIn("max-age=31536000", r.header("Cache-Control"))
        self.assertEqual(self.get("/assets/index-abc123.css").header("Content-Type"),
                         "text/css; charset=utf-8")
        svg = self.get("/favicon.svg")
        self.assertEqual(svg.header("Content-Type"), "image/svg+xml")
        self.assertEqual(svg.header("Cache-Control"), "no-cache")

    def test_service_worker_at_the_root_never_kept(self):
        # at / its scope covers every page; asked for again each time, so a new build's
        # worker (and with it a new cache) is found at once
        self.assertServed("/sw.js", SW, "text/javascript; charset=utf-8", "no-cache")
        # the pages may start their own worker, and nothing else is loosened
        csp = self.get("/").header("Content-Security-Policy")
        self.assertIn("worker-src 'self';", csp)
        self.assertIn("default-src 'none';", csp)
        self.assertNotIn("*", csp)
        self.assertNotIn("http", csp)

    def test_single_page_routes_get_index_html(self):
        for path in ("/workbench", "/cases/12", "/login?next=/cases/3", "/intake/"):
            r = self.get(path)
            self.assertEqual(r.status, 200, path)
            self.assertEqual(r.raw, INDEX, path)
            self.assertEqual(r.header("Cache-Control"), "no-cache", path)

    def test_missing_files_by_name_are_404_not_the_page(self):
        for path in ("/assets/index-gone.js", "/assets/whatever", "/robots.txt"):
            r = self.get(path)
            self.assertEqual(r.status, 404, path)
            self.assertEqual(r.json["error"]["code"], "NOT_FOUND", path)

    def test_api_paths_never_fall_back_to_the_page(self):
        for path in ("/api/v1/nothing-here", "/api", "/healthz/x", "/metrics", "/metrics/x"):
            r = self.get(path)
            self.assertEqual(r.status, 404, path)
            self.assertEqual(r.header("Content-Type"), "application/json; charset=utf-8", path)
        self.assertEqual(self.get("/apis").raw, INDEX)  # only whole segments are the server's
        self.assertEqual(self.get("/api/v1/cases").status, 401)

    def test_only_get_and_head(self):
        self.assertEqual(self.s.request("POST", "/", raw=b"x").status, 404)
        r = self.s.request("HEAD", "/assets/index-abc123.js")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.raw, b"")

    def test_no_way_out_of_the_folder(self):
        for path in ("/../pingan-outside.txt", "/assets/../../pingan-outside.txt",
                     "/%2e%2e/pingan-outside.txt", "/assets/%2E%2E/%2e%2e/pingan-outside.txt",
                     "/assets/..%2f..%2fpingan-outside.txt", "/.secret", "/assets/passwd.txt",
                     "//etc/passwd", "/assets/%00.js", "/assets\\..\\..\\pingan-outside.txt"):
            status, head, body = raw_get(self.s.port, path)
            self.assertIn(status, (400, 404), path)
            self.assertNotIn(b"outside", body, path)
            self.assertNotIn(b"hidden", body, path)
            self.assertNotIn(b"root:", body, path)


class NoWebTest(ApiTest):
    """A --web folder that is not there: the API serves; the pages answer 404."""
    server_args = ("--web", "/nonexistent/pingan-web")

    def test_api_serves_pages_do_not(self):
        self.assertEqual(self.get("/healthz").status, 200)
        r = self.get("/workbench")
        self.assertEqual(r.status, 404)
        self.assertIn("尚未构建", r.json["error"]["message"])
        self.assertIn("no_web", self.s.read_log())


if __name__ == "__main__":
    unittest.main()
