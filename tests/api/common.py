"""common.py: what the API test files share — a TestCase base class that runs one
`pingan serve` per class, assertions on the error shape, and helpers that build valid
case bodies. Standard library only."""
import datetime
import json
import re
import unittest
import urllib.parse

from harness import Server

CITY = "429006"
TOWN = "429006101"            # 渔薪镇, the town most tests work in
VILLAGE = TOWN + "001"
GRID = VILLAGE + "001"
OTHER_TOWN = "429006102"      # a town the town_101 account must not see
OTHER_GRID = OTHER_TOWN + "001001"

NUMBER_RE = re.compile(r"^PA-\d{6}-\d{4}-\d{6}$")
_NOFIELD = object()
CJK = re.compile(r"[\u4e00-\u9fff]")
# An English sentence: three words of letters in a row, once commands people type
# (pingan user add, pingan audit verify) are left out.
ENGLISH = re.compile(r"[A-Za-z]+(?:[ ,;:']+[A-Za-z]+){2,}")
COMMANDS = re.compile(r"pingan(?: [a-z]+){1,2}")


def asks_english(sent):
    """Whether request headers ask for English messages (the server's rule, simply)."""
    al = {k.lower(): v for k, v in (sent or {}).items()}.get("accept-language", "")
    return al.strip().lower().startswith("en")


def english_in(message):
    """The English sentence in a message, or None."""
    m = ENGLISH.search(COMMANDS.sub("", message))
    return m.group(0) if m else None


def q(path, **params):
    """path with a URL-encoded query string."""
    return path + ("?" + urllib.parse.urlencode(params) if params else "")


def idno(first17):
    """A resident ID number with a correct GB 11643 check digit."""
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    s = sum(int(c) * k for c, k in zip(first17, w))
    return first17 + "10X98765432"[s % 11]


def idno_ending(tail):
    """A valid ID number from 429006 whose last four characters are tail (e.g. 123X)."""
    for day in range(1, 29):
        for month in range(1, 13):
            n = idno("429006" + "1990%02d%02d" % (month, day) + tail[:3])
            if n.endswith(tail):
                return n
    raise ValueError(tail)


def bad_check_digit(n):
    """n with its check digit replaced by a wrong one."""
    for c in "0123456789X":
        if c != n[-1]:
            return n[:-1] + c
    raise ValueError(n)


class ApiTest(unittest.TestCase):
    """One server per test class, started in setUpClass and stopped in tearDownClass."""
    # the default case's category: a neighbour dispute, which routing.conf sends to the
    # village centre; a test whose default actor (town_101) takes a case in and dispatches
    # it (the holder acts) sets "family", which goes to the town centre
    CATEGORY = "neighbour"

    server = None
    server_args = ()  # extra `pingan serve` options for the class's server
    server_clock = False  # a clock the tests move (Server.shift)
    server_ahead = 0  # with server_clock: seconds its clock runs ahead from the start
    server_limits = False  # the rate limits as by default (Server's limits)

    @classmethod
    def make_db(cls):
        """The database the class's server serves: None for a fresh copy of the demo city."""
        return None

    @classmethod
    def setUpClass(cls):
        cls.server = Server(db=cls.make_db(), extra_args=cls.server_args,
                            clock=cls.server_clock, limits=cls.server_limits)
        if cls.server_ahead:
            cls.server.shift(cls.server_ahead)
        try:
            cls.server.start()
        except Exception:
            cls.server.cleanup()
            raise
        cls._points = {}

    @classmethod
    def tearDownClass(cls):
        if cls.server:
            cls.server.cleanup()

    # ---- plain calls ----

    @property
    def s(self):
        return self.server

    def get(self, path, user=None, **kw):
        return self.server.get(path, user=user, **kw)

    def post(self, path, body, user=None, **kw):
        return self.server.post(path, body, user=user, **kw)

    # ---- assertions ----

    def assertStatus(self, r, status, msg=None):
        self.assertEqual(r.status, status, msg or "expected %d, got %r" % (status, r))

    def assertError(self, r, status, code, field=_NOFIELD):
        """r is an error of exactly the shape {"error": {"code", "message"[, "field"]}}.
        field: the expected field name; None = the error must name no field."""
        self.assertEqual(r.status, status, "expected %d %s, got %r" % (status, code, r))
        self.assertIsInstance(r.json, dict, "error body is not a JSON object: %r" % r)
        self.assertEqual(set(r.json), {"error"}, "error body has other keys: %r" % r)
        e = r.json["error"]
        self.assertIsInstance(e, dict)
        self.assertTrue({"code", "message"} <= set(e) <= {"code", "message", "field"},
                        "error object keys: %r" % sorted(e))
        self.assertEqual(e["code"], code, "error code: %r" % r)
        self.assertIsInstance(e["message"], str)
        self.assertTrue(e["message"].strip(), "empty error message")
        # every error a suite provokes is said in Chinese unless English was asked for
        if not asks_english(getattr(r, "sent", None)):
            self.assertRegex(e["message"], CJK, "not Chinese: %r" % r)
            self.assertIsNone(english_in(e["message"]), "English in: %r" % r)
        if "field" in e:
            self.assertIsInstance(e["field"], str)
            self.assertTrue(e["field"], "empty field name")
        if field is None:
            self.assertNotIn("field", e, "error names a field: %r" % r)
        elif field is not _NOFIELD:
            self.assertEqual(e.get("field"), field, "error field: %r" % r)
        ct = r.header("Content-Type") or ""
        self.assertTrue(ct.startswith("application/json"), "Content-Type %r" % ct)
        return e

    # ---- the world ----

    def region(self, code, user="city_admin"):
        r = self.get("/api/v1/regions/" + code, user=user)
        self.assertStatus(r, 200)
        return r.json

    def point(self, grid):
        """(lng, lat) of a grid's centre, as the region endpoint gives it."""
        if grid not in self._points:
            g = self.region(grid)
            self._points[grid] = (g["lng"], g["lat"])
        return self._points[grid]

    def case_body(self, grid=GRID, **over):
        lng, lat = self.point(grid)
        body = {"type": "dispute", "category": self.CATEGORY, "title": "邻里纠纷：楼上漏水",
                "description": "楼上住户卫生间漏水，多次协商未果。", "lng": lng, "lat": lat,
                "channel": "walk_in"}
        body.update(over)
        return {k: v for k, v in body.items() if v is not None}

    def create(self, user="town_101", grid=GRID, headers=None, **over):
        r = self.post("/api/v1/cases", self.case_body(grid, **over), user=user, headers=headers)
        self.assertStatus(r, 201)
        return r.json

    def act(self, case_id, action, user="town_101", status=200, **extra):
        body = {"action": action}
        body.update(extra)
        r = self.post("/api/v1/cases/%d/actions" % case_id, body, user=user)
        self.assertStatus(r, status)
        return r.json

    def stats(self, region, user="city_admin"):
        r = self.get(q("/api/v1/stats", region=region), user=user)
        self.assertStatus(r, 200)
        return r.json

    def walk(self, user, limit=50, max_pages=1000, **filters):
        """Every item of a filtered list, page by page; also returns the page sizes."""
        items, sizes, cursor = [], [], None
        for _ in range(max_pages):
            params = dict(filters, limit=limit)
            if cursor:
                params["cursor"] = cursor
            r = self.get(q("/api/v1/cases", **params), user=user)
            self.assertStatus(r, 200)
            self.assertEqual(set(r.json), {"items", "next_cursor"})
            items.extend(r.json["items"])
            sizes.append(len(r.json["items"]))
            cursor = r.json["next_cursor"]
            if cursor is None:
                return items, sizes
            self.assertIsInstance(cursor, str)
        self.fail("the list did not end after %d pages" % max_pages)

    def pages(self, path, user, **params):
        """Every item of a list paged by next_cursor (units, the audit log …)."""
        rows, cursor = [], None
        while True:
            r = self.get(q(path, **dict(params, **({"cursor": cursor} if cursor else {}))),
                         user=user)
            self.assertStatus(r, 200)
            rows.extend(r.json["items"])
            cursor = r.json["next_cursor"]
            if not cursor:
                return rows

    def day(self, offset=0):
        """The server's date in China time (YYYY-MM-DD), offset days from today."""
        tz = datetime.timezone(datetime.timedelta(hours=8))
        t = datetime.datetime.fromtimestamp(self.s.now(), tz) + datetime.timedelta(days=offset)
        return t.strftime("%Y-%m-%d")

    def unit_by_code(self, code):
        r = self.get("/api/v1/units", user="city_admin")
        self.assertStatus(r, 200)
        for u in r.json["items"]:
            if u["code"] == code:
                return u
        self.fail("no unit %s" % code)


def dumps(o):
    return json.dumps(o, ensure_ascii=False)
