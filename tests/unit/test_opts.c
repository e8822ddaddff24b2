/* test_opts.c: unit tests of the command-line options and the --config file beneath them:
 * values, precedence, and errors naming file, line and key. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/opts.h"
#include "core/err.h"

struct vals {
	const char *db, *listen, *sweep, *quiet;
};

static void table(struct vals *v, struct pa_opt opts[5])
{
	memset(v, 0, sizeof *v);
	v->listen = "127.0.0.1:8080";
	struct pa_opt t[5] = {
		{"db", "PATH", "the database", &v->db, 1},
		{"listen", "HOST:PORT", "where", &v->listen, 0},
		{"sweep-interval", "SECONDS", "how often", &v->sweep, 0},
		{"quiet", NULL, "less", &v->quiet, 0},
		{NULL, NULL, NULL, NULL, 0},
	};
	memcpy(opts, t, sizeof t);
}

/* A config file with this text; its path in path[64]. */
static void write_conf(char path[64], const char *text)
{
	snprintf(path, 64, "/tmp/pingan-opts-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int parse(struct pa_opt *opts, int argc, const char **argv)
{
	return pa_opts_parse(argc, (char **)argv, opts, "pingan test", "testing");
}

static void test_file_sets_and_command_line_wins(void **st)
{
	(void)st;
	char path[64];
	write_conf(path, "\xEF\xBB\xBF# serve\n\n  db = /var/lib/pingan/pingan.db \n"
			 "listen=0.0.0.0:9000\nsweep-interval = 30\nquiet = true\n");
	struct vals v;
	struct pa_opt opts[5];
	table(&v, opts);
	const char *argv[] = {"--sweep-interval", "5", "--config", path};
	assert_int_equal(parse(opts, 4, argv), 0);
	assert_string_equal(v.db, "/var/lib/pingan/pingan.db"); /* required, met by the file */
	assert_string_equal(v.listen, "0.0.0.0:9000");
	assert_string_equal(v.sweep, "5"); /* before --config, still the command line's */
	assert_string_equal(v.quiet, "1");

	table(&v, opts);
	const char *argv2[] = {"--config=", "--db", "x.db"};
	assert_int_equal(parse(opts, 3, argv2), 2); /* an empty file name cannot be read */
	pa_opts_free();
	unlink(path);
}

static void test_flag_values(void **st)
{
	(void)st;
	char path[64];
	write_conf(path, "db = a.db\nquiet = no\n");
	struct vals v;
	struct pa_opt opts[5];
	table(&v, opts);
	assert_int_equal(pa_opts_file(path, opts), PA_OK);
	assert_null(v.quiet);
	assert_string_equal(v.listen, "127.0.0.1:8080"); /* the default stays */
	const char *argv[] = {"--config", path, "--quiet"};
	table(&v, opts);
	assert_int_equal(parse(opts, 3, argv), 0);
	assert_string_equal(v.quiet, "1");
	pa_opts_free();
	unlink(path);
}

/* The file's error: code, the message (which must hold want) and the field. */
static void expect_error(const char *text, const char *want, const char *field)
{
	char path[64], msg[128];
	write_conf(path, text);
	struct vals v;
	struct pa_opt opts[5];
	table(&v, opts);
	assert_int_equal(pa_opts_file(path, opts), PA_DATA_FILE);
	snprintf(msg, sizeof msg, "%s:%s", path, want);
	if (!strstr(pa_err_last()->message, msg))
		fail_msg("\"%s\" does not hold \"%s\"", pa_err_last()->message, msg);
	if (field)
		assert_string_equal(pa_err_last()->field, field);
	/* and the command line says the same, exiting 2 */
	const char *argv[] = {"--config", path};
	table(&v, opts);
	assert_int_equal(parse(opts, 2, argv), 2);
	pa_opts_free();
	unlink(path);
}

static void test_errors_name_file_line_and_key(void **st)
{
	(void)st;
	expect_error("db = a.db\n# listen\nlistn = 1:2\n", "3: listn: unknown option", "listn");
	expect_error("db = a.db\n\ndb = b.db\n", "3: db: given twice (first on line 1)", "db");
	expect_error("db a.db\n", "1: db: expected key = value", "db");
	expect_error("db = a.db\n[serve]\nlisten = x:1\n", "2: serve: a config file has no",
		     "serve");
	expect_error("quiet = maybe\n", "1: quiet: a flag: true or false", "quiet");
	expect_error("db =\n", "1: db: needs a value (PATH)", "db");
	expect_error("config = other.conf\n", "1: config: unknown option", "config");
	expect_error("help = true\n", "1: help: unknown option", "help");
}

static void test_command_line_errors(void **st)
{
	(void)st;
	struct vals v;
	struct pa_opt opts[5];
	table(&v, opts);
	const char *twice[] = {"--config", "a", "--config", "b"};
	assert_int_equal(parse(opts, 4, twice), 2);
	const char *bare[] = {"--db", "x", "--config"};
	assert_int_equal(parse(opts, 3, bare), 2);
	const char *missing[] = {"--db", "x", "--config", "/nonexistent/pingan.conf"};
	assert_int_equal(parse(opts, 4, missing), 2);
	assert_non_null(strstr(pa_err_last()->message, "/nonexistent/pingan.conf"));
	const char *none[] = {"--listen", "1.2.3.4:5"};
	assert_int_equal(parse(opts, 2, none), 2); /* --db is still required */
	pa_opts_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_sets_and_command_line_wins),
		cmocka_unit_test(test_flag_values),
		cmocka_unit_test(test_errors_name_file_line_and_key),
		cmocka_unit_test(test_command_line_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
