"""test_documents.py: the printed documents of a case — the dossier (卷宗) of any case and
the mediation agreement (人民调解协议书) of a case with an agreement record — as real A4 PDFs
with the Chinese text embedded, read back with poppler's pdftotext; personal data masked as
on the case page, the protected reporter hidden, and only for those who may read the case."""
import subprocess
import tempfile
import unittest

from common import ApiTest, idno

CASES = "/api/v1/cases"
ID = idno("42900619850315123")
PHONE = "13987654321"


def pdf_text(raw):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(raw)
        f.flush()
        # -raw: text in the order drawn, so a wrapped cell's lines stay together
        out = subprocess.run(["pdftotext", "-raw", f.name, "-"], capture_output=True,
                             check=True)
        info = subprocess.run(["pdfinfo", f.name], capture_output=True, check=True)
    return out.stdout.decode("utf-8"), info.stdout.decode("utf-8")


class DocumentsTest(ApiTest):
    def doc(self, cid, kind, user="town_101"):
        return self.get("%s/%d/documents/%s" % (CASES, cid, kind), user=user)

    def assertPdf(self, r, name_part):
        self.assertStatus(r, 200)
        self.assertEqual(r.header("Content-Type"), "application/pdf")
        self.assertIn(name_part, r.header("Content-Disposition"))
        self.assertTrue(r.raw.startswith(b"%PDF-"), r.raw[:20])
        text, info = pdf_text(r.raw)
        # A4 portrait: 595 × 842 points
        self.assertRegex(info, r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)")
        # compared without the line breaks and spaces that layout put in
        return "".join(text.split()), info

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
        self.assertError(self.doc(cid, "agreement"), 409, "CONFLICT")
        self.act(cid, "agreement", user="mediator_family", record={
            "signed_on": "2026-11-21", "terms": "张刚于2026年12月31日前一次性支付拖欠的抚养费12000元。",
            "amount": 12000, "due_on": "2026-12-31"})
        text, info = self.assertPdf(self.doc(cid, "agreement", user="mediator_family"),
                                    "%E8%B0%83%E8%A7%A3%E5%8D%8F%E8%AE%AE%E4%B9%A6")
        for want in ("人民调解协议书", c["number"], "申请人：高琴", "被申请人：张刚",
                     "张刚自今年六月起停付抚养费", "一次性支付拖欠的抚养费12000元",
                     "履行金额(元)：12000.00", "履行期限：2026年12月31日",
                     "天门市婚姻家庭纠纷人民调解委员会", "本协议一式3份",
                     "人民调解员（签名）", "2026年11月21日"):
            self.assertIn(want, text)
        self.assertIn("Title:", info)
        # masked as on the case page, never in full
        self.assertIn(ID[:6] + "********" + ID[-4:], text)
        self.assertIn("139****4321", text)
        self.assertNotIn(ID, text)
        self.assertNotIn(PHONE, text)

        self.act(cid, "feedback", user="mediator_family", note="已达成协议并签字")
        text, _ = self.assertPdf(self.doc(cid, "dossier"), "%E5%8D%B7%E5%AE%97")
        for want in ("卷宗", c["number"], "抚养费纠纷打印测试", "一、基本情况", "二、当事人",
                     "四、办理过程", "受理", "分拨派遣", "请调委会调解", "办结反馈",
                     "调解记录", "调解协议", "张刚自今年六月起停付抚养费", "第1页共"):
            self.assertIn(want, text)
        self.assertNotIn(ID, text)
        # the long description wraps over several lines and is all there
        self.assertGreaterEqual(text.count("双方因子女抚养费支付问题多次争执"), 10)

    def test_printing_is_audited(self):
        import sqlite3
        c = self.create(title="打印审计测试")
        self.assertPdf(self.doc(c["id"], "dossier", user="city_staff"), "pdf")
        self.assertError(self.doc(c["id"], "agreement"), 409, "CONFLICT")  # nothing printed
        con = sqlite3.connect("file:%s?mode=ro" % self.s.db, uri=True)
        rows = con.execute("SELECT action, detail FROM audit_log WHERE subject = ?"
                           " AND action = 'case.print'", ("case:%d" % c["id"],)).fetchall()
        con.close()
        self.assertEqual(rows, [("case.print",
                                 '{"case_id":%d,"document":"dossier"}' % c["id"])])

    def test_who_may_print(self):
        c = self.create(title="打印权限测试")
        r = self.doc(c["id"], "dossier", user="town_102")  # another town: not found
        self.assertError(r, 404, "NOT_FOUND")
        self.assertError(self.s.request("GET", "%s/%d/documents/dossier" % (CASES, c["id"])),
                         401, "UNAUTHENTICATED")
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


if __name__ == "__main__":
    unittest.main()
