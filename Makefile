# refdesk — see README.md.  `make run` and `make test` are the two commands;
# both install what is missing first.

PKGS    := libwebsockets sqlite3 libpq jansson libsodium vips zlib libcrypto libcurl expat libnats
CC      ?= cc
WARN    := -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Wno-format-nonliteral -Werror
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -Isrc $(WARN) -g
LIBS     = $(shell pkg-config --libs $(PKGS)) -lev -lpthread
PKGCFLAGS = $(shell pkg-config --cflags $(PKGS))

SRC      := $(sort $(wildcard src/*.c src/*/*.c))
LIB_SRC  := $(filter-out src/main.c,$(SRC))
UNIT_SRC := $(sort $(wildcard tests/unit/*/*.c))

OBJ      := $(SRC:src/%.c=build/obj/%.o)
ASAN_OBJ := $(SRC:src/%.c=build/asan/obj/%.o)
ASAN_LIB := $(LIB_SRC:src/%.c=build/asan/obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build/asan/unit/%)

SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

LISTEN ?= 127.0.0.1:8080
DATA   ?= var

.PHONY: all run test deps test-deps unit integration e2e fuzz fuzz-build bench-ingest bench-history bench-reports clean format web-min

all: build/refdesk web-min

# The scripts and stylesheets under web/, minified by esbuild (an npm tool: package.json) into
# build/web-min/, which the server serves instead of a file not newer than its copy
# (src/net/static.c); each staff page's script is bundled with its modules (scripts/web-min).
# The sources stay as they are; without esbuild (no npm here) web/ is served as it is.
WEB_MIN_SRC := $(shell find web -name '*.js' -o -name '*.css' 2>/dev/null)

web-min: build/web-min/.stamp

build/web-min/.stamp: $(WEB_MIN_SRC) scripts/web-min package-lock.json Makefile
	@if [ ! -x node_modules/.bin/esbuild ] && command -v npm >/dev/null 2>&1; then scripts/npm-deps; fi
	@if [ -x node_modules/.bin/esbuild ]; then \
		echo "  MIN     web/ scripts and stylesheets -> build/web-min/"; \
		rm -rf build/web-min.new && \
		scripts/web-min build/web-min.new && \
		touch build/web-min.new/.stamp && rm -rf build/web-min && mv build/web-min.new build/web-min; \
	else \
		echo "  MIN     skipped: no node_modules/.bin/esbuild (make test-deps); web/ is served unminified"; \
	fi

deps:
	@scripts/install-deps build

test-deps:
	@scripts/install-deps test
	@scripts/npm-deps

build/refdesk: $(OBJ)
	@echo "  LD      $@"
	@$(CC) -o $@ $^ $(LIBS)

build/obj/%.o: src/%.c $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_BASE) -O2 $(PKGCFLAGS) -c -o $@ $<

build/asan/refdesk: $(ASAN_OBJ)
	@echo "  LD      $@"
	@$(CC) $(SAN) -o $@ $^ $(LIBS)

build/asan/obj/%.o: src/%.c $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC asan $<"
	@$(CC) $(CFLAGS_BASE) -O1 $(SAN) $(PKGCFLAGS) -c -o $@ $<

build/asan/unit/%: tests/unit/%.c tests/unit/check.h $(ASAN_LIB)
	@mkdir -p $(dir $@)
	@echo "  CC unit $<"
	@$(CC) $(CFLAGS_BASE) -Itests/unit -O1 $(SAN) $(PKGCFLAGS) -o $@ $< $(ASAN_LIB) $(LIBS)

run: deps
	@$(MAKE) --no-print-directory -j2 build/refdesk web-min
	build/refdesk serve --listen $(LISTEN) --data $(DATA) --web web --web-min build/web-min --demo

test: test-deps
	@$(MAKE) --no-print-directory -j2 build/asan/refdesk $(UNIT_BIN) $(FUZZ_BIN) web-min
	@scripts/run-tests $(UNIT_BIN)

unit: $(UNIT_BIN)
	@scripts/run-tests --only unit $(UNIT_BIN)

integration: build/asan/refdesk web-min
	@scripts/run-tests --only integration

e2e: build/asan/refdesk web-min
	@scripts/run-tests --only e2e

# The image intake beside vipsthumbnail (figures only; see bench/ingest.c).
build/bench/ingest: bench/ingest.c $(filter build/obj/media/% build/obj/base/%,$(OBJ))
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_BASE) -O2 $(PKGCFLAGS) -o $@ $^ $(LIBS)

bench-ingest: build/bench/ingest
	build/bench/ingest 7

# Fuzzing (fuzz/README.md): refdesk's sources built by clang with libFuzzer and the
# sanitizers into build/fuzz/, one binary per harness fuzz/*.c.
FUZZ_CC      ?= clang-14
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS   = $(CFLAGS_BASE) -Wno-unused-function -O1 $(FUZZ_SAN) $(PKGCFLAGS)
FUZZ_HARNESS := $(sort $(wildcard fuzz/*.c))
FUZZ_BIN     := $(FUZZ_HARNESS:fuzz/%.c=build/fuzz/%)
FUZZ_SUPPORT := $(patsubst fuzz/lib/%.c,build/fuzz/lib/%.o,$(wildcard fuzz/lib/*.c))
FUZZ_LIBA    := build/fuzz/librefdesk.a
FUZZ_SECONDS ?= 60

.PRECIOUS: build/fuzz/lib/%.o

build/fuzz/obj/%.o: src/%.c $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC fuzz $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

# An archive, so a harness that compiles a source file in itself (to reach its
# static functions) does not also pull that file's object in.
$(FUZZ_LIBA): $(LIB_SRC:src/%.c=build/fuzz/obj/%.o)
	@rm -f $@
	@ar rcs $@ $^

build/fuzz/lib/%.o: fuzz/lib/%.c $(wildcard fuzz/lib/*.h) $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC fuzz $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -Ifuzz -DFUZZ_WEB_DIR='"$(CURDIR)/web"' -c -o $@ $<

build/fuzz/%: fuzz/%.c $(FUZZ_SUPPORT) $(FUZZ_LIBA) $(SRC)
	@mkdir -p $(dir $@)
	@echo "  LD fuzz $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Ifuzz -o $@ $< $(FUZZ_SUPPORT) $(FUZZ_LIBA) $(LIBS)

fuzz-build: test-deps
	@$(MAKE) --no-print-directory -j2 $(FUZZ_BIN)

# Each harness for FUZZ_SECONDS on its corpus (new inputs stay in build/fuzz/corpus/).
fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run $(FUZZ_BIN)

# Chat History over 20,000 chats: list, filters, search, a 1,000-event transcript.
build/bench/history: bench/history.c $(filter build/obj/store/% build/obj/base/% build/obj/auth/%,$(OBJ))
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_BASE) -O2 $(PKGCFLAGS) -o $@ $^ $(LIBS)

bench-history: build/bench/history
	@d=$$(mktemp -d) && build/bench/history $$d/data; rm -rf $$d

# Reports over 1,000,000 chats: each report's time (see bench/reports.c).
build/bench/reports: bench/reports.c $(filter build/obj/store/% build/obj/base/%,$(OBJ))
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_BASE) -O2 $(PKGCFLAGS) -o $@ $^ $(LIBS)

bench-reports: build/bench/reports
	@d=$$(mktemp -d) && build/bench/reports $$d/data $(REPORT_CHATS); rm -rf $$d

format:
	clang-format -i $(SRC) $(wildcard src/*/*.h) $(UNIT_SRC)

clean:
	rm -rf build
