# Makefile - builds ./trailscope, its tests, and the sanitizer variant.
#
#   make            build ./trailscope
#   make test       build and run every test; ends with "N passed, N failed"
#   make check-san  the same tests under AddressSanitizer + UBSan (build-san/)
#   make fuzz       build the libFuzzer harnesses of tests/fuzz/ with clang
#                   (build-fuzz/) and run each FUZZ_SECONDS (default 30);
#                   FUZZ_HARNESS=NAME runs only that one (docs/FUZZING.md)
#   make check-layers  the includes keep to the layers (main -> cmd -> core, tui -> core)
#   make demo       generate a demo store, sign it, open it in the TUI
#   make deps       install missing Debian packages (idempotent)
#   make bench      run the benchmarks in bench/ (slow; not a test)
#   V=1             show full commands

PKG_CONFIG ?= pkg-config
CC ?= cc
PKGS = ncursesw sqlite3 libpcre2-8 jansson libcrypto zlib libzstd libcurl libpq

BUILD ?= build
SAN ?=

WARNINGS = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wvla -Wwrite-strings
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARNINGS) $(CFLAGS) -Iinclude \
	     $(shell $(PKG_CONFIG) --cflags $(PKGS))
ALL_LDFLAGS = $(LDFLAGS)
LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS)) -lpthread -lm
ifdef WERROR
ALL_CFLAGS += -Werror
endif
ifdef SAN
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ALL_LDFLAGS += -fsanitize=address,undefined
endif

# make fuzz: the core and the harnesses with libFuzzer's coverage
# instrumentation, ASan and UBSan (clang only).
ifdef FUZZ
ALL_CFLAGS += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
	      -fno-sanitize-recover=undefined
ALL_LDFLAGS += -fsanitize=address,undefined
endif
FUZZ_SECONDS ?= 30
FUZZ_HARNESS ?=

ifeq ($(V),1)
Q =
else
Q = @
endif

CORE_SRC = $(sort $(wildcard src/core/*.c src/gen/*.c))
CMD_SRC = $(sort $(wildcard src/cmd/*.c))
TUI_SRC = $(sort $(wildcard src/tui/*.c))
MAIN_SRC = src/main.c
UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC = $(sort $(wildcard tests/fuzz/fuzz_*.c))

# sql/pg_schema.sql embedded in the binary for `trailscope init URI`
PG_SCHEMA_C = $(BUILD)/generated/pg_schema_sql.c
CORE_OBJ = $(CORE_SRC:%.c=$(BUILD)/%.o) $(PG_SCHEMA_C:.c=.o)
APP_OBJ = $(CMD_SRC:%.c=$(BUILD)/%.o) $(TUI_SRC:%.c=$(BUILD)/%.o) $(MAIN_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
CORE_LIB = $(BUILD)/libtscore.a
REPLAY_BIN = $(FUZZ_SRC:tests/fuzz/fuzz_%.c=$(BUILD)/fuzz/replay_%)
FUZZER_BIN = $(FUZZ_SRC:tests/fuzz/fuzz_%.c=$(BUILD)/fuzz/fuzz_%)
FUZZ_HDR = tests/fuzz/fuzz.h tests/fuzz/bag.h tests/fuzz/k8s_oracle.h tests/fuzz/json_same.h
# The compiler and its flags as last used here: everything built depends on
# it, so changing CFLAGS, SAN or WERROR rebuilds (as git's GIT-CFLAGS).
FLAGS_FILE = $(BUILD)/.flags

ifeq ($(BUILD),build)
PROGRAM = trailscope
else
PROGRAM = $(BUILD)/trailscope
endif

all: $(PROGRAM)

$(PROGRAM): $(APP_OBJ) $(CORE_LIB) $(FLAGS_FILE)
	@echo "  LINK    $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(APP_OBJ) $(CORE_LIB) $(LIBS)

$(CORE_LIB): $(CORE_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $(CORE_OBJ)

$(FLAGS_FILE): FORCE
	@mkdir -p $(dir $@)
	@echo '$(subst ','\'',$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(LIBS))' >$@.new
	@if cmp -s $@.new $@; then rm -f $@.new; else echo "  FLAGS   $@"; mv $@.new $@; fi

$(PG_SCHEMA_C): sql/pg_schema.sql
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q){ echo '/* generated from sql/pg_schema.sql by make: the PostgreSQL schema, embedded */'; \
	  echo 'extern const char pg_schema_sql[];'; echo 'const char pg_schema_sql[] = {'; \
	  xxd -i < $<; echo ', 0 };'; } > $@.new && mv $@.new $@

$(PG_SCHEMA_C:.c=.o): $(PG_SCHEMA_C) $(FLAGS_FILE)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# Every unit test links the shared fixtures (tests/unit/fixtures.h).
$(BUILD)/tests/%: tests/unit/%.c tests/unit/fixtures.c $(CORE_LIB) $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit -MMD -MP -MF $@.d -MT $@ $(ALL_LDFLAGS) -o $@ $< \
		tests/unit/fixtures.c $(CORE_LIB) $(LIBS)

# test_cli checks the CLI's shared helpers (src/cmd/cli.c): it also links
# the CLI's and the TUI's objects, all but main.o.
CLI_TEST_OBJ = $(filter-out $(BUILD)/$(MAIN_SRC:.c=.o),$(APP_OBJ))
$(BUILD)/tests/test_cli: tests/unit/test_cli.c tests/unit/fixtures.c $(CLI_TEST_OBJ) $(CORE_LIB) $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit -MMD -MP -MF $@.d -MT $@ $(ALL_LDFLAGS) -o $@ $< \
		tests/unit/fixtures.c $(CLI_TEST_OBJ) $(CORE_LIB) $(LIBS)

units: $(UNIT_BIN)

# Test-only helper programs (tests/tools/), e.g. the local TSA responder.
TOOL_SRC = $(sort $(wildcard tests/tools/*.c))
TOOL_BIN = $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)

$(BUILD)/tools/%: tests/tools/%.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -MF $@.d -MT $@ $(ALL_LDFLAGS) -o $@ $<

# Test-only programs on the core library (tests/pg/*.c), run by the
# PostgreSQL test scripts: a follower, the timeline on both backends.
PG_TOOL_SRC = $(sort $(wildcard tests/pg/*.c))
PG_TOOL_BIN = $(PG_TOOL_SRC:tests/pg/%.c=$(BUILD)/tools/%)

$(BUILD)/tools/%: tests/pg/%.c $(CORE_LIB) $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -MF $@.d -MT $@ $(ALL_LDFLAGS) -o $@ $< $(CORE_LIB) $(LIBS)

tools: $(TOOL_BIN) $(PG_TOOL_BIN)

# Each fuzz harness twice: as a plain program replaying files (replay.c,
# run by tests/run.sh) and, under FUZZ=1 with clang, as a libFuzzer fuzzer.
$(BUILD)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(FUZZ_HDR) $(CORE_LIB)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< tests/fuzz/replay.c $(CORE_LIB) $(LIBS)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_HDR) $(CORE_LIB)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $< $(CORE_LIB) $(LIBS)

replays: $(REPLAY_BIN)
fuzzers: $(FUZZER_BIN)

# test and demo first install what is missing (a no-op when all is there),
# then build in a sub-make so pkg-config sees the installed libraries.
test:
	@sh .ci/deps.sh >/dev/null
	@$(MAKE) --no-print-directory run-tests

run-tests: $(PROGRAM) units replays tools
	@TRAILSCOPE=$(abspath $(PROGRAM)) UNIT_DIR=$(abspath $(BUILD)/tests) \
		TOOLS_DIR=$(abspath $(BUILD)/tools) \
		FUZZ_DIR=$(abspath $(BUILD)/fuzz) SHARED=$(abspath ../shared) sh tests/run.sh

check-san:
	@sh .ci/deps.sh >/dev/null
	@$(MAKE) --no-print-directory BUILD=build-san SAN=1 run-tests

# Builds the fuzzers (a sub-make, so CC and FUZZ reach every rule) and
# runs each for FUZZ_SECONDS; fails when any finds a crash, which is then
# copied to tests/fuzz/regress/HARNESS/ for make test to replay.
fuzz:
	@sh .ci/deps.sh >/dev/null
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang FUZZ=1 fuzzers
	@FUZZ_DIR=$(abspath build-fuzz/fuzz) FUZZ_SECONDS=$(FUZZ_SECONDS) \
		SHARED=$(abspath ../shared) sh tests/fuzz/run.sh $(FUZZ_HARNESS)

demo:
	@sh .ci/deps.sh >/dev/null
	@$(MAKE) --no-print-directory $(PROGRAM)
	@sh tests/demo.sh

bench: $(PROGRAM)
	@sh bench/run.sh

deps:
	@sh .ci/deps.sh

check-layers:
	@sh tests/check-layers.sh

clean:
	rm -rf build build-san build-fuzz trailscope

.PHONY: all test run-tests units tools replays fuzzers fuzz check-san check-layers demo bench deps clean FORCE

-include $(CORE_OBJ:.o=.d) $(APP_OBJ:.o=.d) $(UNIT_BIN:=.d) $(TOOL_BIN:=.d) $(PG_TOOL_BIN:=.d)

.SECONDARY: $(REPLAY_BIN) $(FUZZER_BIN)
