# pingan — `make` builds ./pingan; `make run` sets up, builds, creates the demo city and
# serves it; `make test` sets up, builds and runs every test. See README.md.

CC      ?= gcc
PKGS    := libmicrohttpd jansson sqlite3 libsodium opencc openssl libpq
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers \
           -fno-strict-aliasing -pthread -Isrc $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
           -DPA_DATADIR='"$(CURDIR)/data"' -DPA_WEBDIR='"$(CURDIR)/web/dist"' $(EXTRA_CFLAGS)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lhpdf -lm -pthread $(EXTRA_LDFLAGS)
BUILD   ?= build
DB      ?= var/pingan.db
LISTEN  ?= 127.0.0.1:8080

LIB_SRC := $(sort $(wildcard src/core/*.c src/store/*.c src/service/*.c src/print/*.c src/http/*.c src/demo/*.c src/cli/opts.c src/cli/ops.c src/cli/audit.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# the unit tests that run on PostgreSQL as well (tests/unit/tmpdb.h)
export PG_UNIT = $(BUILD)/tests/test_store

# Sanitizer builds, each in a build dir of its own made by a make of its own: the fuzz
# replay's (gcc, make test), the whole suite's (clang, make test-sanitize: its runtime
# writes UBSan's reports to log_path files too, where gcc's prints them on stderr) and
# libFuzzer's (clang, make fuzz).
SAN_FLAGS    = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
REPLAY_BUILD = $(BUILD)/replay
SAN_BUILD    = $(BUILD)/sanitize
FUZZ_BUILD   = $(BUILD)/fuzz
FUZZ_TARGETS = $(filter-out common replay,$(basename $(notdir $(wildcard fuzz/*.c))))
FUZZ_SECONDS ?= 60
SUB_MAKE     = CFLAGS="-O1 -g" $(MAKE) -s --no-print-directory
REPLAY_MAKE  = $(SUB_MAKE) BUILD=$(REPLAY_BUILD) EXTRA_CFLAGS="$(SAN_FLAGS)" \
               EXTRA_LDFLAGS="$(SAN_FLAGS)"

.PHONY: all setup run test unit api web web-test screenshots crash clean format format-check fuzz fuzz-replay test-sanitize
all: pingan

pingan: $(BUILD)/libpingan.a $(BUILD)/src/cli/main.o
	$(CC) $(CFLAGS) -o $@ $(BUILD)/src/cli/main.o $(BUILD)/libpingan.a $(LDLIBS)

$(BUILD)/pingan: $(BUILD)/libpingan.a $(BUILD)/src/cli/main.o
	$(CC) $(CFLAGS) -o $@ $(BUILD)/src/cli/main.o $(BUILD)/libpingan.a $(LDLIBS)

$(BUILD)/libpingan.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(BUILD)/libpingan.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libpingan.a $(LDLIBS) -lcmocka

# A fuzz target with replay.c's main (for the corpus), or with libFuzzer's (CC=clang).
$(BUILD)/fuzz/replay-%: fuzz/%.c fuzz/common.c fuzz/replay.c fuzz/fuzz.h $(BUILD)/libpingan.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I. -o $@ $< fuzz/common.c fuzz/replay.c $(BUILD)/libpingan.a $(LDLIBS)

$(BUILD)/fuzz/libfuzzer-%: fuzz/%.c fuzz/common.c fuzz/fuzz.h $(BUILD)/libpingan.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -I. -o $@ $< fuzz/common.c $(BUILD)/libpingan.a $(LDLIBS)

-include $(LIB_OBJ:.o=.d) $(BUILD)/src/cli/main.d

setup:
	@scripts/setup.sh

# The web face (web/): npm ci only when package-lock.json changed, vite build only when a
# source changed; pingan serve serves web/dist.
WEB_SRC := $(shell find web/src web/public web/sw -type f 2>/dev/null) web/index.html web/vite.config.js
web/node_modules/.installed: web/package-lock.json
	@echo "  NPM ci web/"
	@cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

web/dist/index.html: web/node_modules/.installed $(WEB_SRC)
	@echo "  VITE build web/dist"
	@cd web && npx vite build --logLevel warn

web: web/dist/index.html

# The browser tests alone (make test runs them too): playwright-core driving Chromium.
web-test: pingan web
	@tests/run-web.sh

# The pictures of the main pages in docs/screenshots/ (a fresh demo city, Chromium).
screenshots: pingan web
	@node scripts/screenshots.mjs

run: setup
	@$(MAKE) --no-print-directory pingan web
	@mkdir -p $(dir $(DB))
	@if [ ! -f $(DB) ]; then ./pingan demo --db $(DB) && echo; \
	 else echo "Using the existing database $(DB) (delete it for a fresh demo city)."; \
	      echo "Log-ins: city_admin, city_staff, town_101, … — password Pingan@2026"; fi
	@echo "Serving on http://$(LISTEN) — stop with Ctrl-C"
	./pingan serve --db $(DB) --listen $(LISTEN)

unit: $(UNIT_BIN)
	@tests/with-pg.sh tests/run-unit.sh $(UNIT_BIN)

api: pingan
	@tests/run-api.sh

# SIGKILL under load, 50 times (CRASH_KILLS=500 make crash: the long form, ~15 minutes)
crash: pingan
	@tests/run-crash.sh

test: setup
	@$(MAKE) --no-print-directory pingan web $(UNIT_BIN)
	@$(REPLAY_MAKE) $(FUZZ_TARGETS:%=$(REPLAY_BUILD)/fuzz/replay-%)
	@$(MAKE) --no-print-directory format-check
	@rm -rf $(BUILD)/test-results && mkdir -p $(BUILD)/test-results
	@tests/with-pg.sh sh -c 'tests/run-unit.sh $(UNIT_BIN); u=$$?; tests/run-api.sh; a=$$?; \
	 tests/run-web.sh; w=$$?; \
	 tests/run-crash.sh; c=$$?; tests/run-fuzz.sh $(REPLAY_BUILD)/fuzz $(FUZZ_TARGETS); f=$$?; \
	 tests/summary.sh $(BUILD)/test-results; s=$$?; \
	 [ $$u -eq 0 ] && [ $$a -eq 0 ] && [ $$w -eq 0 ] && [ $$c -eq 0 ] && [ $$f -eq 0 ] && [ $$s -eq 0 ]'

# The fuzz corpus replayed alone (make test does it too).
fuzz-replay:
	@$(REPLAY_MAKE) $(FUZZ_TARGETS:%=$(REPLAY_BUILD)/fuzz/replay-%)
	@tests/run-fuzz.sh $(REPLAY_BUILD)/fuzz $(FUZZ_TARGETS)

# libFuzzer on each target for FUZZ_SECONDS (or FUZZ_TARGETS=…), new inputs that reach new
# code merged into fuzz/corpus/TARGET; crashes land in $(FUZZ_BUILD)/findings. Not in make test.
fuzz:
	@scripts/setup.sh clang libclang-rt-14-dev
	@CC=clang $(SUB_MAKE) BUILD=$(FUZZ_BUILD) EXTRA_CFLAGS="-fsanitize=fuzzer-no-link $(SAN_FLAGS)" \
	 $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz/libfuzzer-%)
	@fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The unit and API suites against pingan built with AddressSanitizer and
# UndefinedBehaviorSanitizer ($(SAN_BUILD)); any sanitizer report fails it. CI runs it
# after make test.
test-sanitize:
	@scripts/setup.sh clang libclang-rt-14-dev
	@CC=clang $(SUB_MAKE) BUILD=$(SAN_BUILD) EXTRA_CFLAGS="$(SAN_FLAGS)" EXTRA_LDFLAGS="$(SAN_FLAGS)" \
	 $(SAN_BUILD)/pingan $(UNIT_BIN:$(BUILD)/%=$(SAN_BUILD)/%)
	@tests/run-sanitized.sh $(SAN_BUILD) $(UNIT_BIN:$(BUILD)/%=$(SAN_BUILD)/%)

# The C sources follow .clang-format; `make format` rewrites them, `make format-check` checks.
FORMAT_SRC = $(wildcard src/*/*.c src/*/*.h tests/unit/*.c tests/unit/*.h fuzz/*.c fuzz/*.h)
format:
	clang-format -i $(FORMAT_SRC)

format-check:
	@clang-format --dry-run -Werror $(FORMAT_SRC) && echo "format: ok"

clean:
	rm -rf $(BUILD) pingan web/dist
