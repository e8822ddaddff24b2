"""test_documents.py: the printed documents of a case as real A4 PDFs with the Chinese text
embedded, read back with poppler's pdftotext (which must find a valid text layer: no
warning about the ToUnicode CMap): the dossier (卷宗) of any case; the mediation agreement
(人民调解协议书) with the parties in full, a reveal audited as one; the petition's
受理告知书, 不予受理告知书 and 处理意见书; the 督办通知单 — each only when the case's history
calls for it (409 before), per data/documents.conf; personal data masked elsewhere, the
protected reporter hidden, and only for those who may read the case."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from common import ApiTest, idno, q
from harness import PINGAN, ROOT, connect_ro, free_port

CASES = "/api/v1/cases"
ID = idno("42900619850315123")  # born 15 March 1985; 17th digit 3: a man
PHONE = "13987654321"
REASON = "制作调解协议书"


def pdf_text(raw):
    """The text of a PDF as pdftotext gives it, without the spaces and line breaks layout
    put in, and pdfinfo's report; pdftotext must say nothing on stderr (an invalid text
    layer is reported there)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(raw)
        f.flush()
        # -raw: text in the order drawn, so a wrapped cell's lines stay together
        out = subprocess.run(["pdftotext", "-raw", f.name, "-"], capture_output=True,
                             check=True)
        info = subprocess.run(["pdfinfo", f.name], capture_output=True, check=True)
    return out.stdout.decode("utf-8"), info.stdout.decode("utf-8"), out.stderr.decode("utf-8")


def url(cid, kind=None, **params):
    path = "%s/%d/documents" % (CASES, cid) + ("/" + kind if kind else "")
    return q(path, **params) if params else path


class DocumentsTest(ApiTest):
    def doc(self, cid, kind, user="town_101", **params):
        return self.get(url(cid, kind, **params), user=user)

    def listed(self, cid, user="town_101"):
        r = self.get(url(cid), user=user)
        self.assertStatus(r, 200)
        self.assertEqual(r.json["case_id"], cid)
        return {d["code"]: d for d in r.json["documents"]}

    def assertPdf(self, r, name_part):
        self.assertStatus(r, 200)
        self.assertEqual(r.header("Content-Type"), "application/pdf")
        self.assertIn(name_part, r.header("Content-Disposition"))
        self.assertTrue(r.raw.startswith(b"%PDF-"), r.raw[:20])
        text, info, err = pdf_text(r.raw)
        self.assertEqual(err, "", "pdftotext complained: the text layer is broken")
        # A4 portrait: 595 × 842 points
        self.assertRegex(info, r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)")
        # compared without the line breaks and spaces that layout put in
        return "".join(text.split()), info

    def audit(self, cid, action):
        con = connect_ro(self.s.db)
        rows = con.execute("SELECT actor_id, detail FROM audit_log WHERE subject = ?"
                           " AND action = ? ORDER BY idx", ("case:%d" % cid, action)).fetchall()
        con.close()
        return rows

    def me(self, user):
        r = self.get("/api/v1/session", user=user)
        self.assertStatus(r, 200)
        return r.json.get("user", r.json)

    def mediated(self):
        parties = [{"role": "applicant", "name": "高琴", "id_number": ID, "phone": PHONE,
                    "address": "渔薪镇某村三组"},
                   {"role": "respondent", "name": "张刚"}]
        long = "双方因子女抚养费支付问题多次争执，" * 12
        c = self.create(title="抚养费纠纷打印测试", category="family", parties=parties,
                        description=long)
        fam = self.unit_by_code("committee-family")
        self.act(c["id"], "accept")
        self.act(c["id"], "dispatch", unit_id=fam["id"], note="请调委会调解")
        self.act(c["id"], "sign", user="mediator_family")
        self.act(c["id"], "mediation_session", user="mediator_family", record={
            "held_on": "2026-11-20", "attendees": "高琴、张刚、调解员", "outcome": "达成一致",
            "facts": "张刚自今年六月起停付抚养费，累计拖欠一万二千元。"})
        return c

    def test_dossier_and_agreement(self):
        c = self.mediated()
        cid = c["id"]
        # no agreement yet: nothing to print as one
        self.assertError(self.doc(cid, "agreement", user="mediator_family", reason=REASON),
                         409, "CONFLICT")
        self.assertFalse(self.listed(cid)["agreement"]["available"])
        self.act(cid, "agreement", user="mediator_family", record={
            "signed_on": "2026-11-21", "terms": "张刚于2026年12月31日前一次性支付拖欠的抚养费12000元。",
            "amount": 12000, "due_on": "2026-12-31"})
        docs = self.listed(cid, user="mediator_family")
        self.assertEqual(docs["agreement"], {"code": "agreement", "name": "人民调解协议书",
                                             "available": True, "reveal": True,
                                             "may_print": True})
        text, info = self.assertPdf(
            self.doc(cid, "agreement", user="mediator_family", reason=REASON),
            "%E8%B0%83%E8%A7%A3%E5%8D%8F%E8%AE%AE%E4%B9%A6")
        mediator = "".join(self.me("mediator_family")["name"].split())
        blank = "__________"
        for want in ("人民调解协议书", c["number"],
                     # the parties in full: what the ID number says, blanks for the rest
                     "申请人：高琴，性别：男，出生日期：1985年3月15日，民族：%s，身份证号码：%s，"
                     "住址：渔薪镇某村三组，联系电话：%s" % (blank, ID, PHONE),
                     "被申请人：张刚，性别：%s，出生日期：%s，民族：%s，身份证号码：%s" % (
                         (blank,) * 4),
                     # the committee and its mediator, the committee's seal
                     "人民调解委员会：天门市婚姻家庭纠纷人民调解委员会",
                     "人民调解员：" + mediator,
                     "经天门市婚姻家庭纠纷人民调解委员会调解",
                     "天门市婚姻家庭纠纷人民调解委员会（印章）",
                     "张刚自今年六月起停付抚养费", "一次性支付拖欠的抚养费12000元",
                     "履行金额(元)：12000.00", "履行期限：2026年12月31日",
                     "本协议一式三份", "人民调解员（签名）", "2026年11月21日"):
            self.assertIn(want, text)
        self.assertNotIn("一式3份", text)
        self.assertNotIn("综合服务中心", text)
        self.assertIn("Title:", info)
        # a reveal, audited as POST …/reveal is; not a plain print
        rows = self.audit(cid, "pii.reveal")
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][1], '{"case_id":%d,"document":"agreement","number":"%s",'
                         '"reason":"%s"}' % (cid, c["number"], REASON))
        self.assertEqual(self.audit(cid, "case.print"), [])

        self.act(cid, "feedback", user="mediator_family", note="已达成协议并签字")
        text, _ = self.assertPdf(self.doc(cid, "dossier"), "%E5%8D%B7%E5%AE%97")
        for want in ("卷宗", c["number"], "抚养费纠纷打印测试", "一、基本情况", "二、当事人",
                     "四、办理过程", "受理", "分拨派遣", "请调委会调解", "办结反馈",
                     "调解记录", "调解协议", "张刚自今年六月起停付抚养费", "第1页共",
                     # the routing rule in words
                     "矛盾纠纷·婚姻家庭纠纷按规则分派至"):
            self.assertIn(want, text)
        # masked as on the case page, never in full
        self.assertIn(ID[:6] + "********" + ID[-4:], text)
        self.assertIn("139****4321", text)
        self.assertNotIn(ID, text)
        self.assertNotIn(PHONE, text)
        # the long description wraps over several lines and is all there
        self.assertGreaterEqual(text.count("双方因子女抚养费支付问题多次争执"), 10)

    def test_agreement_is_a_reveal(self):
        c = self.mediated()
        cid = c["id"]
        self.act(cid, "agreement", user="mediator_family", record={
            "signed_on": "2026-11-21", "terms": "各自承担一半。", "due_on": "2026-12-31"})
        # a role without pii_reveal (the city's administrator) may not, whatever the reason
        r = self.doc(cid, "agreement", user="city_admin", reason=REASON)
        self.assertError(r, 403, "FORBIDDEN")
        self.assertFalse(self.listed(cid, user="city_admin")["agreement"]["may_print"])
        # the reason, as the reveal asks it
        self.assertError(self.doc(cid, "agreement", user="town_101"), 400, "BAD_QUERY",
                         "reason")
        self.assertError(self.doc(cid, "agreement", user="town_101", reason="打印"), 400,
                         "BAD_QUERY", "reason")
        self.assertError(self.doc(cid, "agreement", user="town_101", reason="x" * 501), 400,
                         "BAD_QUERY", "reason")
        # another town may not read the case: not found, whatever its permission
        self.assertError(self.doc(cid, "agreement", user="town_102", reason=REASON), 404,
                         "NOT_FOUND")
        self.assertEqual(self.audit(cid, "pii.reveal"), [])
        self.assertPdf(self.doc(cid, "agreement", user="town_101", reason="存档备查用"), "pdf")
        self.assertEqual(len(self.audit(cid, "pii.reveal")), 1)

    def test_supervision_notice_and_dossier_columns(self):
        c = self.mediated()
        cid = c["id"]
        self.assertError(self.doc(cid, "supervision"), 409, "CONFLICT")
        self.assertFalse(self.listed(cid)["supervision"]["available"])
        self.act(cid, "supervise", user="city_staff", days=3, note="请三日内报告调解进展")
        self.assertTrue(self.listed(cid)["supervision"]["available"])
        text, _ = self.assertPdf(self.doc(cid, "supervision"),
                                 "%E7%9D%A3%E5%8A%9E%E9%80%9A%E7%9F%A5%E5%8D%95")
        staff = {k: "".join(v.split()) for k, v in self.me("city_staff").items()
                 if isinstance(v, str)}
        for want in ("督办通知单", c["number"], "天门市婚姻家庭纠纷人民调解委员会：",
                     "被督办单位天门市婚姻家庭纠纷人民调解委员会", "督办人" + staff["name"],
                     "督办意见请三日内报告调解进展", "抚养费纠纷打印测试",
                     staff["unit_name"] + "（印章）"):
            self.assertIn(want, text)
        # the dossier's 督办 table: level, then time, then who
        text, _ = self.assertPdf(self.doc(cid, "dossier"), "pdf")
        self.assertRegex(text, r"督办\d{4}年\d+月\d+日\d\d:\d\d" + re.escape(staff["name"]))

    def test_dossier_attachments_in_words(self):
        c = self.create(title="附件目录测试")
        png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000
        r = self.post(q("%s/%d/attachments" % (CASES, c["id"]), name="现场照片.png"), None,
                      user="town_101", raw=png, headers={"Content-Type": "image/png"})
        self.assertStatus(r, 201)
        sha = r.json["sha256"]
        text, _ = self.assertPdf(self.doc(c["id"], "dossier"), "pdf")
        self.assertIn("现场照片.png图片2KB", text)  # the list of attachments
        self.assertIn("现场照片.png（图片，2KB）", text)  # the step that added it
        self.assertNotIn(sha[:16], text)
        self.assertNotIn("SHA", text)

    def petition(self, title):
        return self.create(type="petition", category="labour", title=title,
                           fields={"form": "来访", "petitioners": 1},
                           parties=[{"role": "applicant", "name": "刘信访", "phone": PHONE},
                                    {"role": "respondent", "name": "某建筑公司"}])

    def test_petition_letters(self):
        c = self.petition("信访：工程款拖欠")
        cid = c["id"]
        docs = self.listed(cid)
        self.assertEqual({k for k, d in docs.items() if d["available"]}, {"dossier"})
        for kind in ("accept_notice", "refuse_notice", "reply", "supervision", "agreement"):
            self.assertError(self.doc(cid, kind, reason=REASON), 409, "CONFLICT")
        self.act(cid, "accept", note="符合受理条件")
        text, _ = self.assertPdf(self.doc(cid, "accept_notice"), "pdf")
        for want in ("信访事项受理告知书", "刘信访：", "信访：工程款拖欠", c["number"],
                     "决定受理", "特此告知", "回执", "（印章）"):
            self.assertIn(want, text)
        self.assertNotIn("某建筑公司：", text)  # written to the petitioner, not the other side
        self.assertError(self.doc(cid, "refuse_notice"), 409, "CONFLICT")
        self.assertError(self.doc(cid, "reply"), 409, "CONFLICT")
        justice = self.unit_by_code("city-justice")
        self.act(cid, "assign", unit_id=justice["id"], note="交市司法局办理")
        self.act(cid, "sign", user="legal")
        self.act(cid, "reply", user="legal", note="经调查，施工单位已承诺于月底前结清工程款。")
        text, _ = self.assertPdf(self.doc(cid, "reply"), "pdf")
        for want in ("信访事项处理意见书", "刘信访：", "出具答复意见",
                     "经调查，施工单位已承诺于月底前结清工程款。", "请求复查",
                     justice["name"] + "（印章）"):
            self.assertIn(want, text)
        # every document printed was audited as a print, by name
        rows = [d for _, d in self.audit(cid, "case.print")]
        self.assertEqual(rows, ['{"case_id":%d,"document":"accept_notice"}' % cid,
                                '{"case_id":%d,"document":"reply"}' % cid])

    def test_refuse_notice(self):
        c = self.petition("信访：已诉讼事项")
        cid = c["id"]
        self.act(cid, "refuse", note="该事项已进入诉讼程序，依法不予受理。")
        text, _ = self.assertPdf(self.doc(cid, "refuse_notice"), "pdf")
        for want in ("信访事项不予受理告知书", "刘信访：", "决定不予受理",
                     "该事项已进入诉讼程序，依法不予受理。", "行政复议", "特此告知"):
            self.assertIn(want, text)
        self.assertError(self.doc(cid, "accept_notice"), 409, "CONFLICT")

    def test_every_kind_extracts(self):
        # one case with every document available, each read back whole by pdftotext
        c = self.petition("信访：全部文书")
        cid = c["id"]
        self.act(cid, "accept", note="符合受理条件")
        self.act(cid, "supervise", user="city_staff", days=2, note="督办全部文书")
        docs = self.listed(cid)
        got = {k for k, d in docs.items() if d["available"]}
        self.assertEqual(got, {"dossier", "accept_notice", "supervision"})
        for kind in sorted(got):
            text, _ = self.assertPdf(self.doc(cid, kind), "pdf")
            self.assertIn(docs[kind]["name"], text.replace("    ", ""))
            self.assertIn("信访：全部文书", text)

    def test_printing_is_audited(self):
        c = self.create(title="打印审计测试")
        self.assertPdf(self.doc(c["id"], "dossier", user="city_staff"), "pdf")
        self.assertError(self.doc(c["id"], "agreement", reason=REASON), 409, "CONFLICT")
        con = connect_ro(self.s.db)
        rows = con.execute("SELECT action, detail FROM audit_log WHERE subject = ?"
                           " AND action IN ('case.print', 'pii.reveal')",
                           ("case:%d" % c["id"],)).fetchall()
        con.close()
        self.assertEqual(rows, [("case.print",
                                 '{"case_id":%d,"document":"dossier"}' % c["id"])])

    def test_who_may_print(self):
        c = self.create(title="打印权限测试")
        r = self.doc(c["id"], "dossier", user="town_102")  # another town: not found
        self.assertError(r, 404, "NOT_FOUND")
        self.assertError(self.get(url(c["id"]), user="town_102"), 404, "NOT_FOUND")
        self.assertError(self.s.request("GET", url(c["id"], "dossier")), 401,
                         "UNAUTHENTICATED")
        self.assertError(self.doc(c["id"], "minutes"), 404, "NOT_FOUND")
        self.assertError(self.doc(999999999, "dossier"), 404, "NOT_FOUND")
        self.assertPdf(self.doc(c["id"], "dossier", user="city_staff"), "pdf")

    def test_protected_reporter_not_printed(self):
        c = self.create(type="tipoff", category="village_bully", title="举报线索打印测试",
                        fields={"anonymous": False, "clue_source": "群众举报"},
                        parties=[{"role": "reporter", "name": "举报人丙", "phone": PHONE},
                                 {"role": "respondent", "name": "被举报人丁"}])
        text, _ = self.assertPdf(self.doc(c["id"], "dossier", user="town_101"), "pdf")
        self.assertNotIn("举报人丙", text)
        self.assertIn("举报人信息受保护", text)
        self.assertIn("被举报人丁", text)
        text, _ = self.assertPdf(self.doc(c["id"], "dossier", user="city_admin"), "pdf")
        self.assertIn("举报人丙", text)  # a role that must know who reported


class DocumentsDataTest(unittest.TestCase):
    """data/documents.conf is checked at start-up: a wrong line stops serve, naming it."""

    def broken(self, old, new):
        tmp = tempfile.mkdtemp(prefix="pingan-docs-")
        try:
            data = os.path.join(tmp, "data")
            shutil.copytree(os.path.join(ROOT, "data"), data)
            path = os.path.join(data, "documents.conf")
            with open(path, encoding="utf-8") as f:
                text = f.read()
            self.assertIn(old, text)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text.replace(old, new))
            p = subprocess.run([PINGAN, "serve", "--db", os.path.join(tmp, "x.db"), "--data",
                                data, "--listen", "127.0.0.1:%d" % free_port()],
                               capture_output=True, text=True, timeout=30)
            self.assertNotEqual(p.returncode, 0)
            line = 1 + text[:text.index(old)].count("\n")
            return p.stderr, "%s:%d:" % (path, line)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_bad_lines_stop_start_up(self):
        for old, new, words in (
                ("step:accept ", "step:acept  ", "when: step:acept is not an action"),
                ("accept_notice   petition", "accept_notice   petitio ", "types: no case type"),
                ("supervised    ", "step:accept   ", "supervision prints from a supervision"),
                ("reply           petition", "minutes         petition", "code: no document"),
                ("record:agreement", "record:agreemen ", "is not a record")):
            err, where = self.broken(old, new)
            self.assertIn(where, err)
            self.assertIn(words, err)


if __name__ == "__main__":
    unittest.main()
