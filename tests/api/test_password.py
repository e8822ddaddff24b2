"""test_password.py: the password policy where a password is set — `pingan user add`."""
import subprocess
import unittest

from common import ApiTest, CITY
from harness import PINGAN, STRONG


class PasswordPolicyTest(ApiTest):

    def user_add(self, username, password, role="city_staff"):
        return subprocess.run([PINGAN, "user", "add", "--db", self.s.db, "--username", username,
                               "--role", role, "--region", CITY, "--password-stdin"],
                              input=(password + "\n").encode(), capture_output=True)

    def test_cli_refuses_weak_passwords(self):
        for pw, why in [("Short-1x", "at least 12"),
                        ("Pingan@2026", "at least 12"),
                        ("Pingan@2026!", "most common"),
                        ("woaini5201314", "most common"),
                        ("P@ssw0rd-2026", "most common"),
                        ("13800138000123", "digits alone"),
                        ("policy_user-Xy7", "username"),
                        ("abcdefghijkl", "consecutive"),
                        ("mnopqrst6789", "consecutive"),
                        ("Kq7#Kq7#Kq7#", "repeated")]:
            r = self.user_add("policy_user", pw)
            self.assertEqual(r.returncode, 1, pw)
            err = r.stderr.decode()
            self.assertIn(why, err, pw)
            self.assertNotIn(pw, err, "the refusal repeats the password")
        # nothing was added: the name is still free
        r = self.user_add("policy_user", STRONG)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"policy_user added", r.stdout)


if __name__ == "__main__":
    unittest.main()
