"""test_attachments.py: files on a case — kept under their content hash, typed by their
content, capped in size, recorded in a step, served only to those who may read the case."""
import hashlib
import os
import unittest

from common import ApiTest
from harness import local_of

CASES = "/api/v1/cases"
PNG = (b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 13 + b"pingan-test-png")
PDF = b"%PDF-1.4\n% pingan test\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


class AttachmentTest(ApiTest):
    def upload(self, cid, data, user="town_101", name=None, ctype="application/octet-stream"):
        path = "%s/%d/attachments" % (CASES, cid) + ("?name=" + name if name else "")
        return self.s.request("POST", path, token=self.s.login(user), raw=data,
                              headers={"Content-Type": ctype})

    def test_upload_list_download(self):
        c = self.create(title="附件测试")
        r = self.upload(c["id"], PNG, name="photo.png")
        self.assertStatus(r, 201)
        sha = hashlib.sha256(PNG).hexdigest()
        self.assertEqual((r.json["sha256"], r.json["mime"], r.json["size"], r.json["name"]),
                         (sha, "image/png", len(PNG), "photo.png"))
        # kept as a file named by its hash, beside the database
        self.assertTrue(os.path.exists(os.path.join(local_of(self.s.db) + ".files", sha[:2], sha[2:4], sha)))
        case = self.get("%s/%d" % (CASES, c["id"]), user="town_101").json
        self.assertEqual([a["sha256"] for a in case["attachments"]], [sha])
        self.assertEqual(case["steps"][-1]["action"], "attach")
        self.assertIn(sha, case["steps"][-1]["note"])
        got = self.get("%s/%d/attachments/%s" % (CASES, c["id"], sha), user="town_101")
        self.assertStatus(got, 200)
        self.assertEqual(got.raw, PNG)
        self.assertEqual(got.header("Content-Type"), "image/png")
        self.assertIn("attachment", got.header("Content-Disposition"))
        self.assertEqual(got.header("X-Content-Type-Options"), "nosniff")
        # the same file twice on one case: a conflict, nothing new
        self.assertError(self.upload(c["id"], PNG), 409, "CONFLICT")
        # a PDF, its type read from the content whatever the client says
        r = self.upload(c["id"], PDF, ctype="image/png")
        self.assertStatus(r, 201)
        self.assertEqual(r.json["mime"], "application/pdf")

    def test_refused_files(self):
        c = self.create(title="附件拒绝测试")
        self.assertError(self.upload(c["id"], b"MZ\x90\x00 not an image"), 415,
                         "UNSUPPORTED_MEDIA")
        self.assertError(self.upload(c["id"], b""), 400, "BAD_REQUEST")
        self.assertError(self.upload(c["id"], PNG, name="../etc/passwd"), 400, "BAD_QUERY", "name")
        big = b"%PDF-" + b"0" * (11 * 1024 * 1024)
        self.assertError(self.upload(c["id"], big), 413, "TOO_LARGE")
        # an auditor reads but does not add, and the case tells the page so
        self.assertError(self.upload(c["id"], PNG, user="auditor"), 403, "FORBIDDEN")
        self.assertIs(self.get("%s/%d" % (CASES, c["id"]), user="auditor").json["may_attach"],
                      False)
        self.assertIs(self.get("%s/%d" % (CASES, c["id"]), user="town_101").json["may_attach"],
                      True)
        case = self.get("%s/%d" % (CASES, c["id"]), user="town_101").json
        self.assertEqual(case["attachments"], [])

    def test_idempotency_key(self):
        # a page's retry after a lost answer: the first answer again, the file added once
        c = self.create(title="附件重试测试")
        tok = self.s.login("town_101")
        path = "%s/%d/attachments?name=retry.png" % (CASES, c["id"])
        h = {"Content-Type": "image/png", "Idempotency-Key": "attach-retry-0001"}
        first = self.s.request("POST", path, token=tok, raw=PNG + b"retry", headers=h)
        self.assertStatus(first, 201)
        again = self.s.request("POST", path, token=tok, raw=PNG + b"retry", headers=h)
        self.assertStatus(again, 201)
        self.assertEqual(again.json, first.json)
        case = self.get("%s/%d" % (CASES, c["id"]), user="town_101").json
        self.assertEqual(len(case["attachments"]), 1)
        self.assertEqual(sum(s["action"] == "attach" for s in case["steps"]), 1)
        # the key kept for another file: refused, nothing added
        self.assertError(self.s.request("POST", path, token=tok, raw=PDF, headers=h), 409,
                         "CONFLICT", "Idempotency-Key")
        # the same file without a key: a conflict as before
        self.assertError(self.upload(c["id"], PNG + b"retry"), 409, "CONFLICT")

    def test_scope(self):
        c = self.create(title="附件范围测试")
        r = self.upload(c["id"], PDF + b"scope")
        self.assertStatus(r, 201)
        sha = r.json["sha256"]
        path = "%s/%d/attachments/%s" % (CASES, c["id"], sha)
        self.assertError(self.get(path, user="town_102"), 404, "NOT_FOUND")
        self.assertError(self.upload(c["id"], PNG + b"x", user="town_102"), 404, "NOT_FOUND")
        # another case's id with this hash: not found
        other = self.create(title="另一案件")
        self.assertError(self.get("%s/%d/attachments/%s" % (CASES, other["id"], sha),
                                  user="town_101"), 404, "NOT_FOUND")
        self.assertError(self.get("%s/%d/attachments/nothex" % (CASES, c["id"]),
                                  user="town_101"), 404, "NOT_FOUND")


if __name__ == "__main__":
    unittest.main()
