"""test_routing_versions.py: the routing rules as recorded versions. data/routing.conf is
recorded when it changes on disk (found at start-up), and each case records the rule and
the version that routed it."""
import os
import re
import shutil
import tempfile

from common import ApiTest, GRID
from harness import ROOT

NEIGHBOUR_TO_TOWN = "neighbour dispute neighbour - - tier:town town dispute"


def data_with_rules(edit):
    """A copy of data/ whose routing.conf has gone through edit(text) -> text."""
    data = os.path.join(tempfile.mkdtemp(prefix="pingan-data-"), "data")
    shutil.copytree(os.path.join(ROOT, "data"), data)
    path = os.path.join(data, "routing.conf")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    with open(path, "w", encoding="utf-8") as f:
        f.write(edit(text))
    return data


def neighbour_to_town(text):
    """The neighbour rule sends cases to the town centre instead of the village's."""
    out = re.sub(r"(?m)^neighbour\s.*$", NEIGHBOUR_TO_TOWN, text)
    assert out != text
    return out


class RoutingStartupTest(ApiTest):
    """One database through restarts: the same file, an edited one, the first again."""

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        for d in getattr(cls, "datadirs", []):
            shutil.rmtree(os.path.dirname(d), ignore_errors=True)

    def restart(self, data=None):
        self.s.stop()
        self.s.extra = [a for a in self.s.extra if a != "--data" and a not in self.datadirs]
        if data:
            self.s.extra += ["--data", data]
        self.s.start()

    def routed(self):
        c = self.create(title="路由版本", category="neighbour")
        return c["routing_rule"], c["routing_version"], c["tier"]

    def test_file_versions_across_restarts(self):
        type(self).datadirs = []
        # the demo database recorded data/routing.conf as version 1 when it was made
        self.assertEqual(self.routed(), ("neighbour", 1, "village"))
        first = self.create(title="旧版本路由")
        self.restart()
        self.assertEqual(self.routed(), ("neighbour", 1, "village"))
        # an edit on disk is a new version, in force from the start that finds it
        edited = data_with_rules(neighbour_to_town)
        self.datadirs.append(edited)
        self.restart(edited)
        self.assertEqual(self.routed(), ("neighbour", 2, "town"))
        self.restart(edited)
        self.assertEqual(self.routed(), ("neighbour", 2, "town"))
        # a case keeps the version that routed it
        r = self.get("/api/v1/cases/%d" % first["id"], user="town_101")
        self.assertEqual((r.json["routing_rule"], r.json["routing_version"]), ("neighbour", 1))
        # the file as it first was is a change again, recorded anew
        self.restart()
        self.assertEqual(self.routed(), ("neighbour", 3, "village"))
