"""test_openapi.py: keeps docs/openapi.json true.

1. The (method, path) pairs of the document are exactly those `./pingan routes` prints.
2. The document is sound OpenAPI 3.0: every operation has responses, every $ref resolves,
   path templates and path parameters agree, error responses list only codes of their status
   (as src/core/err.h maps them), and every schema uses only keywords the validator below
   understands.
3. A real `pingan serve` is called on every endpoint (and on errors: 400, 401, 403, 404, 405,
   409, 413, 415); each reply body is validated against the schema the document declares for
   that method, path and status, with a small strict JSON-Schema validator (objects declared
   additionalProperties:false may not carry anything else). Requests the test means to be
   valid are validated against the document too, and requests the server refuses for unknown
   fields must be refused by the document's schemas as well.

Standard library only."""
import json
import os
import re
import subprocess
import time
import unittest
from urllib.parse import parse_qsl, quote, urlsplit

from harness import PASSWORD, PINGAN, ROOT, STRONG, STRONG2, Server, totp

DOC_PATH = os.path.join(ROOT, "docs", "openapi.json")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

# Keywords the validator enforces, and ones that only annotate.
CHECKED = {"$ref", "type", "properties", "required", "additionalProperties", "items", "enum",
           "pattern", "nullable", "oneOf", "anyOf", "allOf", "minimum", "maximum",
           "minLength", "maxLength", "minItems", "maxItems"}
ANNOTATIONS = {"description", "example", "format", "default", "title"}


def load_doc():
    with open(DOC_PATH, encoding="utf-8") as f:
        return json.load(f)


def resolve(doc, ref):
    if not ref.startswith("#/"):
        raise KeyError("only local references are used: " + ref)
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[part]
    return node


def deref(doc, node):
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        node = resolve(doc, node["$ref"])
        seen += 1
        if seen > 20:
            raise ValueError("reference loop")
    return node


def err_h_codes():
    """{code: http status} from src/core/err.h, OK left out."""
    codes = {}
    with open(os.path.join(ROOT, "src", "core", "err.h"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\s*X\((\w+),\s*(\d+),", line)
            if m and m.group(1) != "OK":
                codes[m.group(1)] = int(m.group(2))
    return codes


class Validator:
    """A JSON-Schema (OpenAPI 3.0 dialect) validator: strict about types (an integer is not
    a boolean, null only where nullable), unexpected properties and unknown keywords."""

    def __init__(self, doc):
        self.doc = doc

    def errors(self, value, schema, where="$"):
        out = []
        self._check(value, schema, where, out)
        return out

    def _type_ok(self, value, t):
        if t == "string":
            return isinstance(value, str)
        if t == "integer":
            return isinstance(value, int) and not isinstance(value, bool)
        if t == "number":
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        if t == "boolean":
            return isinstance(value, bool)
        if t == "array":
            return isinstance(value, list)
        if t == "object":
            return isinstance(value, dict)
        raise ValueError("unknown type " + t)

    def _check(self, value, schema, where, out):
        if not isinstance(schema, dict):
            raise ValueError("a schema must be an object at " + where)
        unknown = set(schema) - CHECKED - ANNOTATIONS
        if unknown:
            raise ValueError("schema keywords the validator does not know at %s: %s"
                             % (where, sorted(unknown)))
        if "$ref" in schema:
            self._check(value, resolve(self.doc, schema["$ref"]), where, out)
            return
        if value is None and schema.get("nullable") is True:
            return
        if "type" in schema and not self._type_ok(value, schema["type"]):
            out.append("%s: %s is not of type %s%s" % (
                where, json.dumps(value, ensure_ascii=False)[:80], schema["type"],
                "" if value is not None else " (and the schema is not nullable)"))
            return
        if "enum" in schema and not any(
                value == e and type(value) is type(e) for e in schema["enum"]):
            out.append("%s: %r is not one of %r" % (where, value, schema["enum"]))
        if isinstance(value, str):
            if "pattern" in schema and not re.search(schema["pattern"], value, re.ASCII):
                out.append("%s: %r does not match %s" % (where, value, schema["pattern"]))
            if "minLength" in schema and len(value) < schema["minLength"]:
                out.append("%s: %r is shorter than %d" % (where, value, schema["minLength"]))
            if "maxLength" in schema and len(value) > schema["maxLength"]:
                out.append("%s: longer than %d" % (where, schema["maxLength"]))
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if "minimum" in schema and value < schema["minimum"]:
                out.append("%s: %r is less than %r" % (where, value, schema["minimum"]))
            if "maximum" in schema and value > schema["maximum"]:
                out.append("%s: %r is more than %r" % (where, value, schema["maximum"]))
        if isinstance(value, list):
            if "minItems" in schema and len(value) < schema["minItems"]:
                out.append("%s: fewer than %d items" % (where, schema["minItems"]))
            if "maxItems" in schema and len(value) > schema["maxItems"]:
                out.append("%s: more than %d items" % (where, schema["maxItems"]))
            if "items" in schema:
                for k, item in enumerate(value):
                    self._check(item, schema["items"], "%s[%d]" % (where, k), out)
        if isinstance(value, dict):
            props = schema.get("properties", {})
            for name in schema.get("required", []):
                if name not in value:
                    out.append("%s: required property %r is missing" % (where, name))
            extra = schema.get("additionalProperties", True)
            for name, v in value.items():
                sub = "%s.%s" % (where, name)
                if name in props:
                    self._check(v, props[name], sub, out)
                elif extra is False:
                    out.append("%s: unexpected property %r" % (where, name))
                elif isinstance(extra, dict):
                    self._check(v, extra, sub, out)
        for sub in schema.get("allOf", []):
            self._check(value, sub, where, out)
        if "anyOf" in schema:
            if not any(not self.errors(value, s, where) for s in schema["anyOf"]):
                out.append("%s: matches none of anyOf: %s" % (where, self._why(value, schema["anyOf"], where)))
        if "oneOf" in schema:
            ok = [k for k, s in enumerate(schema["oneOf"]) if not self.errors(value, s, where)]
            if len(ok) != 1:
                out.append("%s: matches %d of oneOf (must be exactly 1): %s" % (
                    where, len(ok), self._why(value, schema["oneOf"], where) if not ok else ok))

    def _why(self, value, alternatives, where):
        return " | ".join("; ".join(self.errors(value, s, where)[:3]) for s in alternatives)


def walk_refs(node, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                out.append(v)
            else:
                walk_refs(v, out)
    elif isinstance(node, list):
        for v in node:
            walk_refs(v, out)


def template_regex(template):
    return re.compile("^" + re.sub(r"\\{[^/]+?\\}", "([^/]+)", re.escape(template)) + "$")


class DocumentTest(unittest.TestCase):
    """The document alone, and against the route table and the error table."""

    @classmethod
    def setUpClass(cls):
        cls.doc = load_doc()
        cls.v = Validator(cls.doc)

    def operations(self):
        for path, item in self.doc["paths"].items():
            for method in METHODS:
                if method in item:
                    yield method, path, item[method]

    def test_routes_match_the_server(self):
        out = subprocess.run([PINGAN, "routes"], check=True, capture_output=True,
                             text=True).stdout
        served = set()
        for line in out.splitlines():
            if line.strip():
                method, path = line.split()
                served.add((method.upper(), path))
        documented = {(m.upper(), p) for m, p, _ in self.operations()}
        self.assertTrue(served, "`pingan routes` printed nothing")
        self.assertEqual(sorted(documented - served), [], "documented but not served")
        self.assertEqual(sorted(served - documented), [], "served but not documented")

    def test_route_table_details_match(self):
        """Per route in src/http/routes.c: the query parameters it takes, whether it needs a
        session (PA_R_AUTH) and a JSON body (PA_R_BODY) are what the document says."""
        with open(os.path.join(ROOT, "src", "http", "routes.c"), encoding="utf-8") as f:
            src = f.read()
        lists = {m.group(1): re.findall(r'"([^"]+)"', m.group(2)) for m in re.finditer(
            r"static const char \*const (\w+)\[\]\s*=\s*\{(.*?)\};", src, re.S)}
        routes = re.findall(r'\{\s*"([A-Z]+)",\s*"([^"]+)",\s*\w+,\s*([^,]+),\s*(\w+)\s*\}',
                            src)
        self.assertEqual(len(routes), len(list(self.operations())), "routes.c not understood")
        global_security = self.doc.get("security", [])
        for method, path, flags, query in routes:
            where = "%s %s" % (method, path)
            o = self.doc["paths"][path][method.lower()]
            params = [deref(self.doc, p) for p in o.get("parameters", [])]
            documented = sorted(p["name"] for p in params if p["in"] == "query")
            self.assertEqual(documented, sorted(lists.get(query, [])), where)
            security = o.get("security", global_security)
            self.assertEqual("PA_R_AUTH" in flags, bool(security) and {} not in security,
                             where + ": security")
            body = "PA_R_BODY" in flags or "PA_R_UPLOAD" in flags
            self.assertEqual(body, "requestBody" in o, where + ": body")
            if body:
                self.assertTrue({"413", "415"} <= set(o["responses"]), where)
            if "PA_R_AUTH" in flags:
                self.assertTrue({"401", "403"} <= set(o["responses"]), where)
                if method != "GET":
                    self.assertIn("X-Pingan-CSRF", [p["name"] for p in params], where)

    def test_structure(self):
        d = self.doc
        self.assertRegex(d["openapi"], r"^3\.0\.\d+$")
        self.assertTrue(d["info"]["title"] and d["info"]["version"])
        schemes = d["components"]["securitySchemes"]
        for req in d.get("security", []):
            self.assertTrue(set(req) <= set(schemes), req)
        ids = set()
        for path, item in d["paths"].items():
            self.assertTrue(path.startswith("/"), path)
            self.assertTrue(set(item) <= set(METHODS) | {"parameters", "summary",
                                                         "description"}, path)
            for method in METHODS:
                if method not in item:
                    continue
                o = item[method]
                where = "%s %s" % (method.upper(), path)
                self.assertNotIn(o["operationId"], ids, where)
                ids.add(o["operationId"])
                self.assertTrue(o.get("summary"), where)
                self.assertTrue(o["responses"], where + " has no responses")
                self.assertTrue(any(k.startswith("2") for k in o["responses"]),
                                where + " has no success response")
                for req in o.get("security", []):
                    self.assertTrue(set(req) <= set(schemes), where)
                params = [deref(d, p) for p in item.get("parameters", []) +
                          o.get("parameters", [])]
                for p in params:
                    self.assertIn(p["in"], ("path", "query", "header", "cookie"), where)
                    self.assertIn("schema", p, where)
                    self.assertTrue(p.get("description"), where + " " + p["name"])
                keyed = [(p["in"], p["name"].lower() if p["in"] == "header" else p["name"])
                         for p in params]
                self.assertEqual(len(keyed), len(set(keyed)), where + ": duplicate parameter")
                in_path = sorted(p["name"] for p in params if p["in"] == "path")
                self.assertEqual(in_path, sorted(re.findall(r"\{([^}]+)\}", path)), where)
                for p in params:
                    if p["in"] == "path":
                        self.assertIs(p["required"], True, where)
                if "requestBody" in o:
                    rb = deref(d, o["requestBody"])
                    self.assertTrue({"application/json", "application/octet-stream"}
                                    & set(rb["content"]), where)
                for status, r in o["responses"].items():
                    self.assertRegex(status, r"^([1-5]\d\d|[1-5]XX|default)$", where)
                    r = deref(d, r)
                    self.assertTrue(r.get("description"), where + " " + status)
                    # JSON, or (a file download) binary types only
                    content = r.get("content", {})
                    self.assertTrue("application/json" in content or (content and all(
                        c["schema"].get("format") == "binary" for c in content.values())),
                        where + " " + status)

    def test_every_ref_resolves(self):
        refs = []
        walk_refs(self.doc, refs)
        self.assertTrue(refs)
        for ref in refs:
            try:
                target = resolve(self.doc, ref)
            except (KeyError, TypeError) as e:
                self.fail("unresolved $ref %s (%s)" % (ref, e))
            self.assertIsInstance(target, dict, ref)

    def test_schemas_use_only_known_keywords_and_model_objects_fully(self):
        """Every schema keyword is one the validator enforces (or a pure annotation), and
        every object schema says explicitly whether it admits other properties."""
        schemas = []

        def collect(node):
            if isinstance(node, dict):
                if "schema" in node and isinstance(node["schema"], dict):
                    schemas.append(node["schema"])
                for v in node.values():
                    collect(v)
            elif isinstance(node, list):
                for v in node:
                    collect(v)

        collect(self.doc["paths"])
        collect(self.doc["components"]["parameters"])
        collect(self.doc["components"]["headers"])
        collect(self.doc["components"]["responses"])
        schemas.extend(self.doc["components"]["schemas"].values())

        def check(s, where):
            self.assertIsInstance(s, dict, where)
            if "$ref" in s:
                self.assertEqual(set(s), {"$ref"}, where + ": $ref with siblings")
                return
            self.assertEqual(set(s) - CHECKED - ANNOTATIONS, set(), where)
            if "nullable" in s:
                self.assertIn("type", s, where + ": nullable needs a type")
            if s.get("type") == "object":
                self.assertIn("additionalProperties", s, where + ": say whether other "
                              "properties are allowed")
                self.assertTrue(set(s.get("required", [])) <= set(s.get("properties", {})),
                                where + ": required names an undeclared property")
            if s.get("type") == "array":
                self.assertIn("items", s, where)
            if "pattern" in s:
                re.compile(s["pattern"])
            for k, sub in s.get("properties", {}).items():
                check(sub, where + "." + k)
            for key in ("items",):
                if key in s:
                    check(s[key], where + "[]")
            if isinstance(s.get("additionalProperties"), dict):
                check(s["additionalProperties"], where + ".*")
            for key in ("oneOf", "anyOf", "allOf"):
                for n, sub in enumerate(s.get(key, [])):
                    check(sub, "%s.%s[%d]" % (where, key, n))

        for n, s in enumerate(schemas):
            check(s, "schema#%d" % n)

    def test_error_codes_match_err_h(self):
        codes = err_h_codes()
        self.assertTrue(codes)
        schemas = self.doc["components"]["schemas"]
        self.assertEqual(sorted(schemas["ErrorCode"]["enum"]), sorted(codes))
        # The generic Error schema accepts exactly the documented shape.
        self.assertEqual(self.v.errors({"error": {"code": "NOT_FOUND", "message": "m"}},
                                       schemas["Error"]), [])
        self.assertTrue(self.v.errors({"error": {"code": "NOPE", "message": "m"}},
                                      schemas["Error"]))
        self.assertTrue(self.v.errors({"error": {"code": "NOT_FOUND", "message": "m"},
                                       "x": 1}, schemas["Error"]))
        # Each error response lists only codes err.h answers with that status, and the
        # document covers every code somewhere.
        used = set()
        for method, path, o in self.operations():
            for status, r in o["responses"].items():
                if status.startswith(("4", "5")):
                    schema = deref(self.doc, r)["content"]["application/json"]["schema"]
                    self._check_error_schema(schema, int(status), codes, method, path, used)
        for status, r in self.doc["components"]["responses"].items():
            schema = r["content"]["application/json"]["schema"]
            st = {codes[c] for c in deref(self.doc, schema)["properties"]["error"]
                  ["properties"]["code"].get("enum", [])}
            self.assertEqual(len(st), 1, status)
            self._check_error_schema(schema, st.pop(), codes, "", status, used)
        self.assertEqual(sorted(set(codes) - used), [], "error codes no response documents")

    def _check_error_schema(self, schema, status, codes, method, path, used):
        where = "%s %s %d" % (method.upper(), path, status)
        s = deref(self.doc, schema)
        err = deref(self.doc, s["properties"]["error"])
        code = deref(self.doc, err["properties"]["code"])
        for c in code["enum"]:
            self.assertIn(c, codes, where)
            self.assertEqual(codes[c], status, "%s lists %s, which err.h answers with %d"
                             % (where, c, codes[c]))
            used.add(c)
            body = {"error": {"code": c, "message": "m", "field": "f"}}
            self.assertEqual(self.v.errors(body, schema), [], where)
        self.assertTrue(self.v.errors({"error": {"code": code["enum"][0]}}, schema),
                        where + ": message must be required")

    def test_examples_are_valid(self):
        n = 0
        for name, s in self.doc["components"]["schemas"].items():
            if "example" in s:
                n += 1
                self.assertEqual(self.v.errors(s["example"], s, name), [], name)
        self.assertGreater(n, 0)

    def test_validator_is_strict(self):
        s = {"type": "object", "additionalProperties": False, "required": ["a"],
             "properties": {"a": {"type": "integer", "minimum": 1},
                            "b": {"type": "string", "nullable": True, "pattern": "^x+$"},
                            "c": {"type": "array", "items": {"type": "boolean"}}}}
        self.assertEqual(self.v.errors({"a": 1, "b": None, "c": [True]}, s), [])
        for bad in ({}, {"a": True}, {"a": 0}, {"a": 1.5}, {"a": 1, "z": 0}, {"a": 1, "b": "y"},
                    {"a": 1, "c": [1]}, {"a": 1, "c": None}, [], None):
            self.assertTrue(self.v.errors(bad, s), bad)
        one = {"oneOf": [{"type": "integer"}, {"type": "number"}]}
        self.assertTrue(self.v.errors(3, one))  # matches both
        self.assertEqual(self.v.errors(3.5, one), [])
        with self.assertRaises(ValueError):
            self.v.errors(1, {"type": "integer", "exclusiveMaximum": True})


class LiveTest(unittest.TestCase):
    """Every endpoint called for real; every answer validated against the document."""

    @classmethod
    def setUpClass(cls):
        cls.doc = load_doc()
        cls.v = Validator(cls.doc)
        cls.templates = [(template_regex(p), p) for p in cls.doc["paths"]]
        cls.seen = set()  # (METHOD, template, status)
        cls.s = Server()
        cls.s.start()

    @classmethod
    def tearDownClass(cls):
        cls.s.cleanup()

    # ---- the call-and-check machinery ----

    def op_for(self, method, path):
        for rx, template in self.templates:
            m = rx.match(path)
            if m and method.lower() in self.doc["paths"][template]:
                names = re.findall(r"\{([^}]+)\}", template)
                return template, self.doc["paths"][template][method.lower()], dict(
                    zip(names, m.groups()))
        self.fail("%s %s is not in the document" % (method, path))

    def params_of(self, template, o):
        item = self.doc["paths"][template]
        return [deref(self.doc, p) for p in item.get("parameters", []) + o.get("parameters", [])]

    def coerce(self, raw, schema):
        schema = deref(self.doc, schema)
        if schema.get("type") == "integer" and re.fullmatch(r"-?\d+", raw):
            return int(raw)
        if schema.get("type") == "number":
            try:
                return float(raw)
            except ValueError:
                return raw
        return raw

    def call(self, method, path, body=None, user=None, token=None, headers=None, raw=None,
             expect=None, code=None, valid=None):
        """Send the request, check the reply against the document, return it.
        valid (default: expect is 2xx): the request itself must conform to the document."""
        split = urlsplit(path)
        template, o, path_values = self.op_for(method, split.path)
        if token is None and user:
            token = self.s.login(user)
        r = self.s.request(method, path, body=body, token=token, headers=headers, raw=raw)
        where = "%s %s -> %d %s" % (method, path, r.status, r.raw[:400])
        if expect is not None:
            self.assertEqual(r.status, expect, where)
        if code is not None:
            self.assertEqual((r.json or {}).get("error", {}).get("code"), code, where)
        if valid is None:
            valid = 200 <= r.status < 300
        params = self.params_of(template, o)
        if valid:
            declared = {(p["in"], p["name"]): p for p in params}
            for name, value in path_values.items():
                p = declared[("path", name)]
                self.assertEqual(self.v.errors(self.coerce(value, p["schema"]), p["schema"],
                                               "path " + name), [], where)
            query = parse_qsl(split.query, keep_blank_values=True)
            for name, value in query:
                self.assertIn(("query", name), declared, where + ": query parameter "
                              "not in the document")
                p = declared[("query", name)]
                self.assertEqual(self.v.errors(self.coerce(value, p["schema"]), p["schema"],
                                               "query " + name), [], where)
            for p in params:
                if p["in"] == "query" and p.get("required"):
                    self.assertIn(p["name"], [n for n, _ in query], where)
            if body is not None:
                schema = o["requestBody"]["content"]["application/json"]["schema"]
                self.assertEqual(self.v.errors(body, schema, "request"), [], where)
        self.check_reply(method, template, o, r, where)
        self.seen.add((method.upper(), template, r.status))
        return r

    def check_reply(self, method, template, o, r, where):
        responses = o["responses"]
        key = str(r.status)
        spec = responses.get(key) or responses.get(key[0] + "XX") or responses.get("default")
        self.assertIsNotNone(spec, "status %d is not documented for %s %s: %s"
                             % (r.status, method.upper(), template, where))
        spec = deref(self.doc, spec)
        for name, h in spec.get("headers", {}).items():
            h = deref(self.doc, h)
            value = r.header(name)
            if h.get("required"):
                self.assertIsNotNone(value, "%s: header %s missing" % (where, name))
            if value is not None and "schema" in h:
                self.assertEqual(self.v.errors(value, h["schema"], "header " + name), [],
                                 where)
        if method.upper() == "HEAD":
            return
        if "application/json" not in spec.get("content", {}):
            # a file: one of the types the document lists, and not JSON
            self.assertIn(r.header("Content-Type"), list(spec["content"]), where)
            return
        self.assertTrue((r.header("Content-Type") or "").startswith("application/json"), where)
        self.assertIsNotNone(r.json, where + ": the body is not JSON")
        schema = spec["content"]["application/json"]["schema"]
        errors = self.v.errors(r.json, schema)
        self.assertEqual(errors, [], "%s %s %d: the reply disagrees with the document"
                         % (method.upper(), template, r.status))

    def assert_doc_refuses(self, method, template, body):
        o = self.doc["paths"][template][method]
        schema = o["requestBody"]["content"]["application/json"]["schema"]
        self.assertTrue(self.v.errors(body, schema), "the document accepts a body the "
                        "server refuses: %r" % (body,))

    def fresh_token(self, user):
        r = self.call("POST", "/api/v1/session", {"username": user, "password": PASSWORD},
                      expect=200)
        return r.json["token"]

    def town_grid(self, town="429006101"):
        """A grid inside the town (code, lng, lat of its centre)."""
        villages = self.call("GET", "/api/v1/regions?parent=" + town, user="city_admin",
                             expect=200).json["items"]
        grids = self.call("GET", "/api/v1/regions?parent=" + villages[0]["code"],
                          user="city_admin", expect=200).json["items"]
        g = grids[0]
        return g["code"], g["lng"], g["lat"]

    def new_case(self, user="town_101", **over):
        code, lng, lat = self.town_grid()
        body = {"type": "dispute", "category": "neighbour", "title": "两户因排水沟发生争执",
                "description": "两户村民因屋后排水沟改道发生争执，请求调解。",
                "lng": lng, "lat": lat, "channel": "walk_in", "address": "长岗村",
                "parties": [{"role": "applicant", "name": "张三",
                             "id_number": "11010519491231002X", "phone": "13800138000"},
                            {"role": "respondent", "name": "李四", "phone": "0728-5221234"}],
                "fields": {"amount": 1200.5, "risk_signs": "言语威胁"}}
        body.update(over)
        return body

    # ---- the endpoints ----

    def test_health(self):
        r = self.call("GET", "/healthz", expect=200)
        self.assertGreater(r.json["grids"], 1000)
        self.call("GET", "/healthz?verbose=1", expect=400, code="BAD_QUERY", valid=False)

    def test_session(self):
        token = self.fresh_token("town_101")
        r = self.call("GET", "/api/v1/session", token=token, expect=200)
        self.assertEqual((r.json["user"]["username"], r.json["user"]["role"]),
                         ("town_101", "town_staff"))
        cookie = {"Cookie": "pingan_session=" + token}
        self.call("GET", "/api/v1/session", headers=cookie, expect=200)
        # With the cookie, a state-changing request needs the CSRF header.
        self.call("DELETE", "/api/v1/session", headers=cookie, expect=403, code="FORBIDDEN")
        r = self.call("DELETE", "/api/v1/session", headers=dict(cookie, **{"X-Pingan-CSRF": "1"}),
                      expect=200)
        self.assertIs(r.json["logged_out"], True)
        self.call("GET", "/api/v1/session", token=token, expect=401, code="UNAUTHENTICATED")
        self.call("DELETE", "/api/v1/session", token=self.fresh_token("city_staff"), expect=200)
        self.call("GET", "/api/v1/session", expect=401, code="UNAUTHENTICATED")
        self.call("GET", "/api/v1/session", token="x" * 43, expect=401, code="UNAUTHENTICATED")

    def test_login_errors(self):
        self.call("POST", "/api/v1/session", {"username": "town_101", "password": "wrong-pass"},
                  expect=401, code="BAD_CREDENTIALS")
        self.call("POST", "/api/v1/session", {"username": "nobody", "password": "wrong-pass"},
                  expect=401, code="BAD_CREDENTIALS")
        extra = {"username": "town_101", "password": PASSWORD, "remember": True}
        r = self.call("POST", "/api/v1/session", extra, expect=400, code="UNKNOWN_FIELD")
        self.assertEqual(r.json["error"]["field"], "remember")
        self.assert_doc_refuses("post", "/api/v1/session", extra)
        missing = {"username": "town_101"}
        self.call("POST", "/api/v1/session", missing, expect=400, code="MISSING_FIELD")
        self.assert_doc_refuses("post", "/api/v1/session", missing)
        typed = {"username": 101, "password": PASSWORD}
        self.call("POST", "/api/v1/session", typed, expect=400, code="BAD_FIELD")
        self.assert_doc_refuses("post", "/api/v1/session", typed)
        json_ct = {"Content-Type": "application/json"}
        self.call("POST", "/api/v1/session", raw=b'{"username":', headers=json_ct, expect=400,
                  code="BAD_JSON")
        self.call("POST", "/api/v1/session", raw=b"[]", headers=json_ct, expect=400,
                  code="BAD_JSON")
        self.call("POST", "/api/v1/session", raw=b"{}", headers={"Content-Type": "text/plain"},
                  expect=415, code="UNSUPPORTED_MEDIA")
        self.call("POST", "/api/v1/session", raw=b" " * (1024 * 1024 + 1), headers=json_ct,
                  expect=413, code="TOO_LARGE")

    def test_session_credentials(self):
        self.assertEqual(self.s.add_user("oa_newcomer", "city_staff", "429006").returncode, 0)
        r = self.call("POST", "/api/v1/session", {"username": "oa_newcomer", "password": STRONG},
                      expect=200)
        self.assertEqual(r.json["needs"], ["password", "totp"])
        tok = r.json["token"]
        self.call("GET", "/api/v1/cases", token=tok, expect=403, code="SETUP_REQUIRED")
        pw = "/api/v1/session/password"
        self.call("POST", pw, {"old": STRONG, "new": "short"}, token=tok, expect=400,
                  code="BAD_FIELD")
        self.call("POST", pw, {"old": STRONG, "new": STRONG2, "again": STRONG2}, token=tok,
                  expect=400, code="UNKNOWN_FIELD")
        self.assert_doc_refuses("post", pw, {"old": STRONG, "new": STRONG2, "again": STRONG2})
        self.call("POST", pw, {"old": STRONG, "new": STRONG2}, token=tok, expect=200)
        self.call("POST", "/api/v1/session/totp/confirm", {"code": "123456"}, token=tok,
                  expect=409, code="CONFLICT")
        key = self.call("POST", "/api/v1/session/totp", {"password": STRONG2}, token=tok,
                        expect=200).json["secret"]
        self.call("POST", "/api/v1/session/totp/confirm", {"code": "12345"}, token=tok,
                  expect=400, code="BAD_FIELD")
        r = self.call("POST", "/api/v1/session/totp/confirm", {"code": totp(key, time.time())},
                      token=tok, expect=200)
        self.assertEqual(len(r.json["recovery_codes"]), 10)
        self.call("POST", "/api/v1/session/totp", {"password": STRONG2}, token=tok, expect=409,
                  code="CONFLICT")
        self.call("GET", "/api/v1/session", token=tok, expect=200)
        login = {"username": "oa_newcomer", "password": STRONG2}
        self.call("POST", "/api/v1/session", login, expect=401, code="OTP_REQUIRED")
        self.call("POST", "/api/v1/session", dict(login, otp="12345"), expect=401,
                  code="BAD_OTP")
        r = self.call("POST", "/api/v1/session", dict(login, recovery_code=r.json[
            "recovery_codes"][0]), expect=200)
        self.assertEqual(r.json["recovery_codes_left"], 9)
        # a username locked after repeated failures, with or without an account
        for i in range(4):
            self.call("POST", "/api/v1/session", {"username": "oa_nobody", "password": "x%d" % i},
                      expect=401, code="BAD_CREDENTIALS")
        self.call("POST", "/api/v1/session", {"username": "oa_nobody", "password": "x"},
                  expect=423, code="ACCOUNT_LOCKED")

    def test_administration(self):
        self.call("GET", "/api/v1/users?username=town_101", user="sys_admin", expect=200)
        self.call("GET", "/api/v1/users?limit=2", user="sec_admin", expect=200)
        self.call("GET", "/api/v1/users", user="auditor", expect=403, code="FORBIDDEN")
        body = {"username": "oa_made", "password": STRONG, "role": "grid_worker",
                "region": "429006101001001", "name": "刘洋"}
        uid = self.call("POST", "/api/v1/users", body, user="sys_admin", expect=201).json["id"]
        self.call("POST", "/api/v1/users", body, user="sys_admin", expect=409, code="CONFLICT")
        self.call("POST", "/api/v1/users", dict(body, username="oa_sec", role="sec_admin"),
                  user="sys_admin", expect=403, code="FORBIDDEN")
        self.call("POST", "/api/v1/users/%d/unlock" % uid, user="sec_admin", expect=200)
        self.call("POST", "/api/v1/users/999999/unlock", user="sec_admin", expect=404,
                  code="NOT_FOUND")
        self.call("DELETE", "/api/v1/users/%d/totp" % uid, user="sec_admin", expect=200)
        self.call("DELETE", "/api/v1/users/%d/totp" % uid, user="sys_admin", expect=403,
                  code="FORBIDDEN")
        self.call("GET", "/api/v1/security/events?limit=5", user="sec_admin", expect=200)
        r = self.call("GET", "/api/v1/audit?limit=5", user="auditor", expect=200)
        self.call("GET", "/api/v1/audit?cursor=" + r.json["next_cursor"], user="auditor",
                  expect=200)
        self.call("GET", "/api/v1/audit", user="sec_admin", expect=403, code="FORBIDDEN")

    def test_regions(self):
        r = self.call("GET", "/api/v1/regions?parent=429006", user="town_101", expect=200)
        towns = r.json["items"]
        self.assertGreaterEqual(len(towns), 20)
        self.assertEqual({t["level"] for t in towns}, {2})
        self.assertIn("429006101", [t["code"] for t in towns])
        r = self.call("GET", "/api/v1/regions/429006", user="town_101", expect=200)
        self.assertEqual(r.json["parent"], "42")  # its province
        r = self.call("GET", "/api/v1/regions/429006101", user="town_101", expect=200)
        self.assertEqual([p["code"] for p in r.json["path"]], ["429006", "429006101"])
        grid, _, _ = self.town_grid()
        r = self.call("GET", "/api/v1/regions/" + grid, user="town_101", expect=200)
        self.assertEqual((r.json["level"], r.json["boundary"]["type"]), (4, "Polygon"))
        self.call("GET", "/api/v1/regions?parent=999999", user="town_101", expect=404,
                  code="NOT_FOUND")
        self.call("GET", "/api/v1/regions/999999", user="town_101", expect=404,
                  code="NOT_FOUND")
        self.call("GET", "/api/v1/regions/42900", user="town_101", expect=404,
                  code="NOT_FOUND", valid=False)
        r = self.call("GET", "/api/v1/regions", user="town_101", expect=400, code="BAD_QUERY",
                      valid=False)
        self.assertEqual(r.json["error"]["field"], "parent")
        self.call("GET", "/api/v1/regions?parent=4290", user="town_101", expect=400,
                  code="BAD_QUERY", valid=False)
        self.call("GET", "/api/v1/regions?parent=429006", expect=401, code="UNAUTHENTICATED")

    def test_locate(self):
        grid, lng, lat = self.town_grid()
        r = self.call("GET", "/api/v1/grids/locate?lng=%r&lat=%r" % (lng, lat),
                      user="grid_101_001_001", expect=200)
        self.assertEqual(r.json["code"], grid)
        self.call("GET", "/api/v1/grids/locate?lng=0&lat=0", user="city_admin", expect=404,
                  code="NOT_FOUND")
        self.call("GET", "/api/v1/grids/locate?lng=east&lat=30", user="city_admin",
                  expect=400, code="BAD_QUERY", valid=False)
        self.call("GET", "/api/v1/grids/locate?lng=113.1", user="city_admin", expect=400,
                  code="BAD_QUERY", valid=False)
        self.call("GET", "/api/v1/grids/locate?lng=190&lat=30", user="city_admin", expect=400,
                  code="BAD_QUERY", valid=False)

    def test_case_types(self):
        r = self.call("GET", "/api/v1/case-types", user="city_staff", expect=200)
        types = {t["code"]: t for t in r.json["items"]}
        self.assertIn("dispute", types)
        for t in types.values():
            creating = [x for x in t["transitions"] if x["from"] is None]
            self.assertEqual(len(creating), 1, t["code"])
            states = {st["code"] for st in t["states"]}
            for x in t["transitions"]:
                self.assertIn(x["to"], states | {"="})
                self.assertIn(x["from"], states | {"*", None})
            # a record form belongs to an action of the lifecycle that keeps a record
            needing = {x["action"] for x in t["transitions"] if "record" in x["needs"]}
            self.assertLessEqual({f["action"] for f in t["records"]}, needing, t["code"])
        self.assertIn("walk_in", [c["code"] for c in r.json["channels"]])
        agreement = [f for f in types["dispute"]["records"] if f["action"] == "agreement"][0]
        self.assertEqual(agreement["name"], "调解协议")
        self.assertIn("terms", [f["code"] for f in agreement["fields"]])

    def test_units(self):
        r = self.call("GET", "/api/v1/units", user="city_staff", expect=200)
        kinds = {(u["kind"], u["region"]) for u in r.json["items"]}
        self.assertIn(("town_centre", "429006101"), kinds)
        self.assertIn("committee", {k for k, _ in kinds})
        self.call("GET", "/api/v1/units", raw=b"{}", user="city_staff",
                  headers={"Content-Type": "application/json"}, expect=400, code="BAD_REQUEST",
                  valid=False)
        r = self.call("GET", "/api/v1/units?region=429006101&limit=1",
                      user="city_staff", expect=200)
        self.call("GET", "/api/v1/units?limit=1&cursor=" + r.json["next_cursor"],
                  user="city_staff", expect=200)
        self.call("GET", "/api/v1/units?kind=castle", user="city_staff", expect=400,
                  code="BAD_QUERY")
        body = {"code": "openapi-unit", "name": "多宝镇人民调解委员会", "kind": "committee",
                "region": "429006101", "tier": "town"}
        key = {"Idempotency-Key": "openapi-unit-add-1"}
        uid = self.call("POST", "/api/v1/units", body, user="city_admin", headers=key,
                        expect=201).json["id"]
        self.call("POST", "/api/v1/units", body, user="city_admin", expect=409,
                  code="CONFLICT")
        self.call("POST", "/api/v1/units", body, user="city_staff", expect=403,
                  code="FORBIDDEN")
        self.call("POST", "/api/v1/units", dict(body, kind="castle"), user="city_admin",
                  expect=400, code="BAD_FIELD", valid=False)
        self.call("PATCH", "/api/v1/units/%d" % uid, {"name": "多宝镇调委会", "tier": "village"},
                  user="city_admin", expect=200)
        self.call("PATCH", "/api/v1/units/%d" % uid, {"code": "x"}, user="city_admin",
                  expect=400, code="BAD_FIELD", valid=False)
        self.call("PATCH", "/api/v1/units/999999", {"name": "x"}, user="city_admin",
                  expect=404, code="NOT_FOUND")
        self.call("PATCH", "/api/v1/units/%d" % uid, {"name": "x"}, user="town_101",
                  expect=403, code="FORBIDDEN")

    def test_queues(self):
        r = self.call("GET", "/api/v1/queues", user="town_101", expect=200)
        self.assertEqual(len(r.json["items"]), 10)
        r = self.call("GET", "/api/v1/cases?queue=overdue&limit=5", user="town_101", expect=200)
        self.assertTrue(r.json["items"])
        # a listed case's actions, each naming its queue
        r = self.call("GET", "/api/v1/cases/%d" % r.json["items"][0]["id"], user="town_101",
                      expect=200)
        self.assertTrue(any(a["queue"] for a in r.json["actions"]))
        self.call("GET", "/api/v1/cases?queue=nope", user="town_101", expect=400,
                  code="BAD_QUERY")
        r = self.call("GET", "/api/v1/cases?sort=due&limit=2", user="town_101", expect=200)
        self.call("GET", "/api/v1/cases?sort=due&limit=2&cursor=" + r.json["next_cursor"],
                  user="town_101", expect=200)
        self.call("GET", "/api/v1/cases?sort=title", user="town_101", expect=400,
                  code="BAD_QUERY", valid=False)

    def test_case_closed_loop(self):
        before = self.call("GET", "/api/v1/stats", user="town_101", expect=200).json
        self.assertEqual(before["region"], "429006101")

        # 登记上报: intake, with a retry-safe key.
        body = self.new_case()
        key = {"Idempotency-Key": "openapi-test-create-1"}
        r = self.call("POST", "/api/v1/cases", body, user="town_101", headers=key, expect=201)
        case = r.json
        cid = case["id"]
        self.assertEqual((case["status"], case["status_kind"], len(case["steps"])),
                         ("reported", "initial", 1))
        self.assertEqual(case["parties"][0]["id_number"], "110105********002X")
        self.assertEqual(case["parties"][0]["phone"], "138****8000")
        # the village centre holds it (routing.conf): the town above may only take it over
        self.assertIn("take_over", [a["action"] for a in case["actions"]])
        self.assertNotIn("accept", [a["action"] for a in case["actions"]])
        again = self.call("POST", "/api/v1/cases", body, user="town_101", headers=key,
                          expect=201)
        self.assertEqual(again.json["id"], cid)
        r = self.call("POST", "/api/v1/cases/%d/reveal" % cid, {"reason": "联系当事人核实"},
                      user="town_101", expect=200)
        self.assertEqual(r.json["parties"][0]["phone"], "13800138000")
        self.call("POST", "/api/v1/cases/%d/reveal" % cid, {"reason": "联系当事人核实"},
                  user="city_admin", expect=403, code="FORBIDDEN")
        self.call("POST", "/api/v1/cases", dict(body, title="另一件事"), user="town_101",
                  headers=key, expect=409, code="CONFLICT", valid=False)
        self.call("POST", "/api/v1/cases", body, user="town_101",
                  headers={"Idempotency-Key": "short"}, expect=400, code="BAD_REQUEST",
                  valid=False)
        # Minimal intake: only the required fields.
        minimal = {k: body[k] for k in ("type", "category", "title", "description", "lng",
                                        "lat", "channel")}
        r = self.call("POST", "/api/v1/cases", minimal, user="town_101", expect=201)
        self.assertEqual((r.json["parties"], r.json["fields"], r.json["address"]), ([], {}, None))

        # Read it, find it.
        r = self.call("GET", "/api/v1/cases/%d" % cid, user="town_101", expect=200)
        self.assertEqual(r.json["number"], case["number"])
        page = self.call("GET", "/api/v1/cases?limit=2", user="town_101", expect=200).json
        self.assertEqual(len(page["items"]), 2)
        self.assertIsNotNone(page["next_cursor"])
        nxt = self.call("GET", "/api/v1/cases?limit=2&cursor=" + page["next_cursor"],
                        user="town_101", expect=200).json
        self.assertLess(nxt["items"][0]["id"], page["items"][-1]["id"])
        found = self.call("GET", "/api/v1/cases?status=reported&type=dispute&category=neighbour"
                          "&region=429006101&q=" + quote("排水沟") + "&limit=200",
                          user="town_101", expect=200).json
        self.assertIn(cid, [c["id"] for c in found["items"]])
        empty = self.call("GET", "/api/v1/cases?q=" + quote("没有这样的案件zzz"),
                          user="town_101", expect=200).json
        self.assertEqual((empty["items"], empty["next_cursor"]), ([], None))

        # 受理 accept, by the unit holding it (not the town: 403); again is 409.
        act = "/api/v1/cases/%d/actions" % cid
        self.call("POST", act, {"action": "accept"}, user="town_101", expect=403,
                  code="FORBIDDEN")
        r = self.call("POST", act, {"action": "accept"}, user="village_101_001", expect=200)
        self.assertEqual(r.json["status"], "accepted")
        self.call("POST", act, {"action": "accept"}, user="village_101_001", expect=409,
                  code="ACTION_NOT_ALLOWED")
        # 分拨派遣 dispatch to a mediation committee.
        self.call("POST", act, {"action": "dispatch"}, user="village_101_001", expect=400,
                  code="MISSING_FIELD")
        extra = {"action": "dispatch", "unit_id": 5, "priority": "high"}
        self.call("POST", act, extra, user="village_101_001", expect=400, code="UNKNOWN_FIELD")
        self.assert_doc_refuses("post", "/api/v1/cases/{id}/actions", extra)
        unit = self.call("GET", "/api/v1/session", user="mediator_family",
                         expect=200).json["user"]["unit_id"]
        r = self.call("POST", act, {"action": "dispatch", "unit_id": unit, "note": "请调委会调解"},
                      user="village_101_001",
                      headers={"Idempotency-Key": "openapi-test-dispatch"}, expect=200)
        self.assertEqual((r.json["status"], r.json["unit_id"]), ("dispatched", unit))
        # 签收 sign for and 办结反馈 feedback, by the committee's mediator (unit scope);
        # 核查通过 verify, by the centre that dispatched it: the case is closed.
        self.call("POST", act, {"action": "sign"}, user="mediator_family", expect=200)
        self.call("POST", act, {"action": "feedback"}, user="mediator_family", expect=400,
                  code="MISSING_FIELD")
        r = self.call("POST", act, {"action": "feedback", "note": "经调解达成协议，已履行。"},
                      user="mediator_family", expect=200)
        self.assertEqual((r.json["status"], r.json["status_kind"], r.json["actions"]),
                         ("verifying", "active", []))
        r = self.call("POST", act, {"action": "verify_pass"}, user="town_101", expect=200)
        self.assertEqual(r.json["status"], "closed")
        r = self.call("GET", "/api/v1/cases/%d" % cid, user="mediator_family", expect=200)
        self.assertEqual([st["action"] for st in r.json["steps"]],
                         ["report", "accept", "dispatch", "sign", "feedback", "verify_pass"])

        # Statistics moved with it.
        after = self.call("GET", "/api/v1/stats?region=429006101", user="town_101",
                          expect=200).json
        self.assertEqual(after["total"], before["total"] + 2)
        self.assertEqual(after["by_status"].get("closed", 0),
                         before["by_status"].get("closed", 0) + 1)
        self.call("GET", "/api/v1/stats", user="mediator_family", expect=200)
        # the towns' ranking, published to the whole city: the town sees where it stands
        rk = self.call("GET", "/api/v1/stats/ranking", user="town_101", expect=200).json
        self.assertEqual(rk["own"], "429006101")
        self.assertIn("429006101", [u["code"] for u in rk["units"]])
        self.call("GET", "/api/v1/stats/ranking?region=429006101001", user="town_101",
                  expect=400, code="BAD_QUERY")
        self.call("GET", "/api/v1/stats/ranking?region=420982", user="town_101", expect=403,
                  code="FORBIDDEN")

        # Out of scope, not there, not allowed.
        self.call("GET", "/api/v1/cases/%d" % cid, user="town_102", expect=404,
                  code="NOT_FOUND")
        self.call("POST", act, {"action": "feedback", "note": "x"}, user="town_102", expect=404,
                  code="NOT_FOUND")
        self.call("GET", "/api/v1/cases/999999999", user="town_101", expect=404,
                  code="NOT_FOUND")
        self.call("GET", "/api/v1/cases/abc", user="town_101", expect=404, code="NOT_FOUND",
                  valid=False)
        self.call("GET", "/api/v1/cases/%d" % cid, expect=401, code="UNAUTHENTICATED")
        self.call("POST", act, {"action": "feedback"}, expect=401, code="UNAUTHENTICATED")

    def test_case_intake_errors(self):
        body = self.new_case()
        for bad, code, field in [
                (dict(body, colour="red"), "UNKNOWN_FIELD", "colour"),
                ({k: v for k, v in body.items() if k != "title"}, "MISSING_FIELD", "title"),
                (dict(body, lng="113.3"), "BAD_FIELD", "lng"),
                (dict(body, parties=[{"role": "applicant", "name": "张三", "age": 30}]),
                 "UNKNOWN_FIELD", "parties[0].age"),
                (dict(body, parties=[{"role": "judge", "name": "张三"}]), "BAD_FIELD",
                 "parties[0].role"),
                (dict(body, title="长" * 101), "BAD_FIELD", "title")]:
            r = self.call("POST", "/api/v1/cases", bad, user="town_101", expect=400, code=code)
            self.assertEqual(r.json["error"]["field"], field)
            self.assert_doc_refuses("post", "/api/v1/cases", bad)
        r = self.call("POST", "/api/v1/cases", dict(body, fields={"colour": "red"}),
                      user="town_101", expect=400, code="UNKNOWN_FIELD", valid=False)
        self.assertEqual(r.json["error"]["field"], "fields.colour")
        # Outside the caller's region; a role that may not report.
        far = self.call("GET", "/api/v1/regions/429006001", user="city_admin", expect=200).json
        self.call("POST", "/api/v1/cases", dict(body, lng=far["lng"], lat=far["lat"]),
                  user="town_101", expect=403, code="FORBIDDEN")
        self.call("POST", "/api/v1/cases", body, user="auditor", expect=403, code="FORBIDDEN")
        cookie = {"Cookie": "pingan_session=" + self.s.login("town_101")}
        self.call("POST", "/api/v1/cases", body, headers=cookie, expect=403, code="FORBIDDEN")
        self.call("GET", "/api/v1/cases?limit=0", user="town_101", expect=400,
                  code="BAD_QUERY", valid=False)
        self.call("GET", "/api/v1/cases?status=lost", user="town_101", expect=400,
                  code="BAD_QUERY")
        self.call("GET", "/api/v1/stats?region=429006102", user="town_101", expect=403,
                  code="FORBIDDEN")
        self.call("GET", "/api/v1/stats?region=429006999", user="city_admin", expect=404,
                  code="NOT_FOUND")
        self.call("GET", "/api/v1/stats?region=4", user="city_admin", expect=400,
                  code="BAD_QUERY", valid=False)
        # a province's code is one, but not the city account's to read
        self.call("GET", "/api/v1/stats?region=42", user="city_admin", expect=403,
                  code="FORBIDDEN")

    def test_attachments(self):
        png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32 + b"openapi"
        cid = self.call("POST", "/api/v1/cases", self.new_case(), user="town_101",
                        expect=201).json["id"]
        r = self.call("POST", "/api/v1/cases/%d/attachments?name=photo.png" % cid, raw=png,
                      headers={"Content-Type": "image/png"}, user="town_101", expect=201)
        self.call("GET", "/api/v1/cases/%d/attachments/%s" % (cid, r.json["sha256"]),
                  user="town_101", expect=200)
        self.call("POST", "/api/v1/cases/%d/attachments" % cid, raw=b"not a file",
                  headers={"Content-Type": "text/plain"}, user="town_101", expect=415,
                  code="UNSUPPORTED_MEDIA")
        self.call("GET", "/api/v1/cases/%d/attachments/%s" % (cid, "0" * 64), user="town_101",
                  expect=404, code="NOT_FOUND")

    def test_documents(self):
        cid = self.call("POST", "/api/v1/cases", self.new_case(), user="town_101",
                        expect=201).json["id"]
        self.call("GET", "/api/v1/cases/%d/documents/dossier" % cid, user="town_101", expect=200)
        r = self.call("GET", "/api/v1/cases/%d/documents" % cid, user="town_101", expect=200)
        self.assertEqual(r.json["documents"][0]["code"], "dossier")
        self.call("GET", "/api/v1/cases/%d/documents/agreement?reason=%%E5%%AD%%98%%E6%%A1%%A3"
                  "%%E5%%A4%%87%%E6%%9F%%A5" % cid, user="town_101", expect=409, code="CONFLICT")
        self.call("GET", "/api/v1/cases/%d/documents/agreement" % cid, user="town_101",
                  expect=400, code="BAD_QUERY")
        self.call("GET", "/api/v1/cases/%d/documents/agreement?reason=%%E5%%AD%%98%%E6%%A1%%A3"
                  "%%E5%%A4%%87%%E6%%9F%%A5" % cid, user="city_admin", expect=403,
                  code="FORBIDDEN")
        self.call("GET", "/api/v1/cases/%d/documents/accept_notice" % cid, user="town_101",
                  expect=409, code="CONFLICT")
        self.call("GET", "/api/v1/cases/%d/documents/minutes" % cid, user="town_101",
                  expect=404, code="NOT_FOUND", valid=False)

    def test_track(self):
        body = self.new_case()
        body.update(type="tipoff", category="village_bully", fields={"anonymous": True},
                    parties=[{"role": "reporter", "name": "举报人"}])
        c = self.call("POST", "/api/v1/cases", body, user="town_101", expect=201).json
        self.call("GET", "/api/v1/track?code=" + c["query_code"], expect=200)
        self.call("GET", "/api/v1/track?code=ABCDEFGHJKLMNPQR", expect=404, code="NOT_FOUND")

    def test_portal(self):
        cat = self.call("GET", "/api/v1/portal/catalog", expect=200).json
        g = [g for g in cat["grids"] if g["code"] == "429006101001001"][0]["boundary"]
        body = {"type": "request", "category": cat["items"][0]["categories"][0]["code"]
                if cat["items"][0]["code"] == "request" else
                [t for t in cat["items"] if t["code"] == "request"][0]["categories"][0]["code"],
                "title": "网上诉求", "description": "门户提交的诉求。",
                "lng": sum(p[0] for p in g) / len(g), "lat": sum(p[1] for p in g) / len(g)}
        c = self.call("POST", "/api/v1/portal/cases", body, expect=201).json
        self.call("POST", "/api/v1/track/rating", {"code": c["query_code"],
                                                   "rating": "satisfied"},
                  expect=409, code="ACTION_NOT_ALLOWED")
        self.call("POST", "/api/v1/track/rating", {"code": "ABCDEFGHJKLMNPQR",
                                                   "rating": "satisfied"},
                  expect=404, code="NOT_FOUND")
        # closed by the town and the village centre, the resident rates it once
        cid = [x for x in self.call("GET", "/api/v1/cases?q=" + quote("网上诉求"),
                                    user="town_101", expect=200).json["items"]
               if x["number"] == c["number"]][0]["id"]
        units = self.call("GET", "/api/v1/units", user="town_101", expect=200).json["items"]
        village = [u for u in units if u["code"] == "village-429006101001"][0]["id"]
        for action, user, extra in (("accept", "town_101", {}),
                                    ("dispatch", "town_101", {"unit_id": village}),
                                    ("sign", "village_101_001", {}),
                                    ("feedback", "village_101_001", {"note": "已办"}),
                                    ("verify_pass", "town_101", {})):
            self.call("POST", "/api/v1/cases/%d/actions" % cid, dict(action=action, **extra),
                      user=user, expect=200)
        self.call("POST", "/api/v1/track/rating", {"code": c["query_code"],
                                                   "rating": "satisfied"}, expect=200)

    def test_warnings(self):
        grids = ["429006101001001", "429006101001002"]
        body = {"title": "养老诈骗预警", "description": "以保健品讲座为名骗取老人钱财。",
                "category": "elderly_scam", "grids": grids}
        w = self.call("POST", "/api/v1/warnings", body, user="town_101", expect=201).json
        self.call("POST", "/api/v1/cases/%d/actions" % w["tasks"][0]["case_id"],
                  {"action": "confirm", "record": {"visited_on": "2026-11-28", "households": 5}},
                  user="grid_101_001_001", expect=200)
        self.call("GET", "/api/v1/warnings/%d" % w["id"], user="town_101", expect=200)
        self.call("POST", "/api/v1/warnings", dict(body, grids=["429006102001001"]),
                  user="town_101", expect=403, code="FORBIDDEN")
        self.call("POST", "/api/v1/warnings", dict(body, grids=[]), user="town_101",
                  expect=400, code="MISSING_FIELD", valid=False)
        self.call("POST", "/api/v1/warnings", dict(body, extra=1), user="town_101",
                  expect=400, code="UNKNOWN_FIELD")
        self.call("GET", "/api/v1/warnings/%d" % w["tasks"][0]["case_id"], user="town_101",
                  expect=404, code="NOT_FOUND")

    def test_routing(self):
        v = self.call("GET", "/api/v1/routing", user="auditor", expect=200).json
        self.call("GET", "/api/v1/routing", user="grid_101_001_001", expect=403,
                  code="FORBIDDEN")
        # the same rules again, as a new version through the API
        body = {"rules": v["text"], "reason": "核对规则"}
        r = self.call("PUT", "/api/v1/routing", body, user="city_admin",
                      headers={"Idempotency-Key": "openapi-routing-put"}, expect=200)
        self.assertEqual((r.json["source"], r.json["rules"]), ("api", v["rules"]))
        self.call("PUT", "/api/v1/routing", body, user="city_staff", expect=403,
                  code="FORBIDDEN")
        self.call("PUT", "/api/v1/routing", {"rules": v["text"]}, user="city_admin",
                  expect=400, code="MISSING_FIELD", valid=False)
        self.call("PUT", "/api/v1/routing", dict(body, rules="x - - - - tier:town town nope\n"),
                  user="city_admin", expect=400, code="BAD_FIELD")
        extra = dict(body, note="x")
        self.call("PUT", "/api/v1/routing", extra, user="city_admin", expect=400,
                  code="UNKNOWN_FIELD")
        self.assert_doc_refuses("put", "/api/v1/routing", extra)
        page = self.call("GET", "/api/v1/routing/versions?limit=1", user="city_staff",
                         expect=200).json
        self.assertEqual(page["items"][0]["version"], r.json["version"])
        self.call("GET", "/api/v1/routing/versions?cursor=" + page["next_cursor"],
                  user="city_staff", expect=200)
        self.call("GET", "/api/v1/routing/versions?limit=500", user="city_staff", expect=400,
                  code="BAD_QUERY", valid=False)

    def test_audit(self):
        page = self.call("GET", "/api/v1/audit?limit=2", user="auditor", expect=200).json
        self.assertEqual(len(page["items"]), 2)
        self.call("GET", "/api/v1/audit?cursor=%s&action=case&subject=case:1&actor=1"
                  % page["next_cursor"], user="auditor", expect=200)
        # separation of duties: the administrator does not read the audit log
        self.call("GET", "/api/v1/audit", user="city_admin", expect=403, code="FORBIDDEN")
        self.call("GET", "/api/v1/audit?limit=0", user="auditor", expect=400,
                  code="BAD_QUERY", valid=False)

    def test_method_not_allowed(self):
        spec = self.doc["components"]["responses"]["MethodNotAllowed"]
        # HEAD is answered wherever GET is
        for method, path, allow in [("PUT", "/api/v1/cases", {"GET", "HEAD", "POST"}),
                                    ("DELETE", "/api/v1/cases/1", {"GET", "HEAD"}),
                                    ("GET", "/api/v1/cases/1/actions", {"POST"})]:
            r = self.s.request(method, path, token=self.s.login("city_admin"))
            self.assertEqual(r.status, 405, r)
            self.assertEqual(set(r.header("Allow").split(", ")), allow)
            self.assertEqual(self.v.errors(r.json, spec["content"]["application/json"]
                                           ["schema"]), [])
            documented = {m.upper() for m in self.doc["paths"][
                path.replace("/1", "/{id}")] if m in METHODS}
            self.assertEqual(documented | ({"HEAD"} if "GET" in documented else set()), allow)

    def test_query_parameters_are_those_documented(self):
        """Each documented query parameter is one the server takes; any other is refused."""
        samples = {"{code}": "429006101", "{id}": "1"}
        for template, item in self.doc["paths"].items():
            if "get" not in item:
                continue
            path = template
            for k, v in samples.items():
                path = path.replace(k, v)
            for p in self.params_of(template, item["get"]):
                if p["in"] != "query":
                    continue
                r = self.s.get("%s?%s=x" % (path, p["name"]), user="city_admin")
                msg = (r.json or {}).get("error", {}).get("message", "")
                self.assertFalse(msg.startswith("unknown query parameter"),
                                 "%s: documented parameter %s refused" % (template, p["name"]))
            r = self.s.get(path + "?undocumented=1", user="city_admin")
            self.assertEqual((r.status, r.json["error"]["code"], r.json["error"]["field"]),
                             (400, "BAD_QUERY", "undocumented"), template)

    def test_zz_every_operation_answered_successfully(self):
        """Runs last (by name): every documented operation was called with a 2xx answer."""
        ok = {(m, t) for m, t, st in self.seen if 200 <= st < 300}
        missing = [(m.upper(), p) for p, item in self.doc["paths"].items() for m in METHODS
                   if m in item and (m.upper(), p) not in ok]
        self.assertEqual(missing, [])


if __name__ == "__main__":
    unittest.main()
