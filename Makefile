# pingan — `make` builds ./pingan; `make run` sets up, builds, creates the demo city and
# serves it; `make test` sets up, builds and runs every test. See README.md.

CC      ?= gcc
PKGS    := libmicrohttpd jansson sqlite3 libsodium opencc libcrypto
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers \
           -fno-strict-aliasing -pthread -Isrc $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
           -DPA_DATADIR='"$(CURDIR)/data"' $(EXTRA_CFLAGS)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lhpdf -lm -pthread $(EXTRA_LDFLAGS)
BUILD   ?= build
DB      ?= var/pingan.db
LISTEN  ?= 127.0.0.1:8080

LIB_SRC := $(sort $(wildcard src/core/*.c src/store/*.c src/service/*.c src/print/*.c src/http/*.c src/demo/*.c src/cli/opts.c src/cli/ops.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all setup run test unit api clean format format-check
all: pingan

pingan: $(BUILD)/libpingan.a $(BUILD)/src/cli/main.o
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

-include $(LIB_OBJ:.o=.d) $(BUILD)/src/cli/main.d

setup:
	@scripts/setup.sh

run: setup
	@$(MAKE) --no-print-directory pingan
	@mkdir -p $(dir $(DB))
	@if [ ! -f $(DB) ]; then ./pingan demo --db $(DB) && echo; \
	 else echo "Using the existing database $(DB) (delete it for a fresh demo city)."; \
	      echo "Log-ins: city_admin, city_staff, town_101, … — password Pingan@2026"; fi
	@echo "Serving on http://$(LISTEN) — stop with Ctrl-C"
	./pingan serve --db $(DB) --listen $(LISTEN)

unit: $(UNIT_BIN)
	@tests/run-unit.sh $(UNIT_BIN)

api: pingan
	@tests/run-api.sh

test: setup
	@$(MAKE) --no-print-directory pingan $(UNIT_BIN)
	@$(MAKE) --no-print-directory format-check
	@rm -rf $(BUILD)/test-results && mkdir -p $(BUILD)/test-results
	@tests/run-unit.sh $(UNIT_BIN); u=$$?; tests/run-api.sh; a=$$?; \
	 tests/summary.sh $(BUILD)/test-results; s=$$?; \
	 [ $$u -eq 0 ] && [ $$a -eq 0 ] && [ $$s -eq 0 ]

# The C sources follow .clang-format; `make format` rewrites them, `make format-check` checks.
FORMAT_SRC = $(wildcard src/*/*.c src/*/*.h tests/unit/*.c tests/unit/*.h)
format:
	clang-format -i $(FORMAT_SRC)

format-check:
	@clang-format --dry-run -Werror $(FORMAT_SRC) && echo "format: ok"

clean:
	rm -rf $(BUILD) pingan
