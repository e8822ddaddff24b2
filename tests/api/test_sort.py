"""GET /api/v1/cases?sort=: each order across pages — every case once, in (key, id) order
whatever the page size, ties kept apart by the id, cases with no deadline last in `due`;
queues sorted alike; unknown orders and cursors of another order refused; and each listed
case carries the bulk actions the caller may take on it (bulk_actions)."""
import unittest
from datetime import datetime

from common import ApiTest, q

NO_DUE = float("inf")


def ts(s):
    return datetime.fromisoformat(s).timestamp()


def due(c):
    d = c["deadline"]
    return ts(d["red_at"]) if d and d["red_at"] else NO_DUE


KEYS = {
    "due": (due, False),
    "updated": (lambda c: ts(c["updated_at"]), False),
    "-updated": (lambda c: ts(c["updated_at"]), True),
    "created": (lambda c: ts(c["created_at"]), False),
    "-created": (lambda c: ts(c["created_at"]), True),
}


class SortTest(ApiTest):
    CATEGORY = "family"  # held by the town centre: town_101 takes it in

    user = "town_101"

    def ordered(self, items, sort):
        key, desc = KEYS[sort]
        return sorted(items, key=lambda c: (key(c), c["id"]), reverse=desc)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # ties: cases made together share their times, told apart by the id alone
        self = cls("run")
        cls.made = [self.create()["id"] for _ in range(4)]

    def test_each_order_across_pages(self):
        every, _ = self.walk(self.user, limit=200)
        ids = sorted(c["id"] for c in every)
        self.assertGreater(len(ids), 20, "the demo town has cases to page through")
        for sort in KEYS:
            for limit in (7, 50):
                items, sizes = self.walk(self.user, limit=limit, sort=sort)
                got = [c["id"] for c in items]
                self.assertEqual(len(got), len(set(got)), (sort, limit, "a case twice"))
                self.assertEqual(sorted(got), ids, (sort, limit, "cases missing or extra"))
                self.assertEqual(got, [c["id"] for c in self.ordered(items, sort)],
                                 (sort, limit))
                self.assertGreater(len(sizes), 1 if limit == 7 else 0)

    def test_due_puts_cases_without_a_limit_last(self):
        items, _ = self.walk(self.user, limit=30, sort="due")
        keys = [due(c) for c in items]
        self.assertIn(NO_DUE, keys, "the demo town has cases with no running limit")
        first_none = keys.index(NO_DUE)
        self.assertTrue(all(k == NO_DUE for k in keys[first_none:]))
        self.assertTrue(first_none > 0, "and cases with one")

    def test_queue_sorted_by_deadline(self):
        plain, _ = self.walk("city_staff", limit=200, queue="overdue")
        items, _ = self.walk("city_staff", limit=5, queue="overdue", sort="due")
        self.assertEqual(sorted(c["id"] for c in items), sorted(c["id"] for c in plain))
        self.assertEqual([c["id"] for c in items],
                         [c["id"] for c in self.ordered(items, "due")])

    def test_unknown_sort_and_foreign_cursor(self):
        r = self.get(q("/api/v1/cases", sort="title"), user=self.user)
        self.assertError(r, 400, "BAD_QUERY", "sort")
        r = self.get(q("/api/v1/cases", sort="due", cursor="12345"), user=self.user)
        self.assertError(r, 400, "BAD_QUERY", "cursor")
        for bad in ("1.x", ".5", "1.", "1.0", "1.2.3", "99999999999999999999.1"):
            r = self.get(q("/api/v1/cases", sort="-updated", cursor=bad), user=self.user)
            self.assertError(r, 400, "BAD_QUERY", "cursor")
        # newest first keeps its plain id cursor
        r = self.get(q("/api/v1/cases", cursor="1.2"), user=self.user)
        self.assertError(r, 400, "BAD_QUERY", "cursor")

    def test_bulk_actions_of_listed_cases(self):
        unit = self.get("/api/v1/session", user=self.user).json["user"]["unit_id"]
        c = self.made[0]
        self.act(c, "accept")
        self.act(c, "dispatch", unit_id=unit)
        rows = {x["id"]: x for x in self.walk(self.user, limit=200, queue="to_sign")[0]}
        self.assertIn(c, rows)
        self.assertEqual(set(rows[c]["bulk_actions"]), {"sign", "urgent_on", "supervise"})
        self.act(c, "urgent_on")
        self.act(c, "sign")
        row = [x for x in self.walk(self.user, limit=200, queue="in_hand")[0] if x["id"] == c]
        self.assertEqual(row[0]["bulk_actions"], ["supervise"])
        # a mediator signs for its own unit's cases only, and supervises none
        for x in self.walk("mediator_family", limit=200)[0]:
            self.assertNotIn("supervise", x["bulk_actions"])
            if "sign" in x["bulk_actions"]:
                self.assertEqual(x["status"], "dispatched")


if __name__ == "__main__":
    unittest.main()
