# Makefile - builds ./trailscope, its tests, and the sanitizer variant.
#
#   make            build ./trailscope
#   make test       build and run every test; ends with "N passed, N failed"
#   make check-san  the same tests under AddressSanitizer + UBSan (build-san/)
#   make demo       generate a demo store, sign it, open it in the TUI
#   make deps       install missing Debian packages (idempotent)
#   make bench      run the benchmarks in bench/ (slow; not a test)
#   V=1             show full commands

PKG_CONFIG ?= pkg-config
CC ?= cc
PKGS = ncursesw sqlite3 libpcre2-8 jansson libcrypto zlib

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

ifeq ($(V),1)
Q =
else
Q = @
endif

CORE_SRC = $(sort $(wildcard src/core/*.c))
CMD_SRC = $(sort $(wildcard src/cmd/*.c))
TUI_SRC = $(sort $(wildcard src/tui/*.c))
MAIN_SRC = src/main.c
UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))

CORE_OBJ = $(CORE_SRC:%.c=$(BUILD)/%.o)
APP_OBJ = $(CMD_SRC:%.c=$(BUILD)/%.o) $(TUI_SRC:%.c=$(BUILD)/%.o) $(MAIN_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
CORE_LIB = $(BUILD)/libtscore.a
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

$(BUILD)/%.o: %.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(CORE_LIB) $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit -MMD -MP -MF $@.d -MT $@ $(ALL_LDFLAGS) -o $@ $< $(CORE_LIB) $(LIBS)

units: $(UNIT_BIN)

# test and demo first install what is missing (a no-op when all is there),
# then build in a sub-make so pkg-config sees the installed libraries.
test:
	@sh .ci/deps.sh >/dev/null
	@$(MAKE) --no-print-directory run-tests

run-tests: $(PROGRAM) units
	@TRAILSCOPE=$(abspath $(PROGRAM)) UNIT_DIR=$(abspath $(BUILD)/tests) \
		SHARED=$(abspath ../shared) sh tests/run.sh

check-san:
	@sh .ci/deps.sh >/dev/null
	@$(MAKE) --no-print-directory BUILD=build-san SAN=1 run-tests

demo:
	@sh .ci/deps.sh >/dev/null
	@$(MAKE) --no-print-directory $(PROGRAM)
	@sh tests/demo.sh

bench: $(PROGRAM)
	@sh bench/run.sh

deps:
	@sh .ci/deps.sh

clean:
	rm -rf build build-san trailscope

.PHONY: all test run-tests units check-san demo bench deps clean FORCE

-include $(CORE_OBJ:.o=.d) $(APP_OBJ:.o=.d) $(UNIT_BIN:=.d)
