# refdesk — see README.md.  `make run` and `make test` are the two commands;
# both install what is missing first.

PKGS    := libwebsockets sqlite3 jansson libsodium vips zlib
CC      ?= cc
WARN    := -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Wno-format-nonliteral -Werror
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -Isrc $(WARN) -g
LIBS     = $(shell pkg-config --libs $(PKGS)) -lpthread
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

.PHONY: all run test deps test-deps unit integration e2e bench-ingest bench-history clean format

all: build/refdesk

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
	@$(MAKE) --no-print-directory -j2 build/refdesk
	build/refdesk serve --listen $(LISTEN) --data $(DATA) --web web --demo

test: test-deps
	@$(MAKE) --no-print-directory -j2 build/asan/refdesk $(UNIT_BIN)
	@scripts/run-tests $(UNIT_BIN)

unit: $(UNIT_BIN)
	@scripts/run-tests --only unit $(UNIT_BIN)

integration: build/asan/refdesk
	@scripts/run-tests --only integration

e2e: build/asan/refdesk
	@scripts/run-tests --only e2e

# The image intake beside vipsthumbnail (figures only; see bench/ingest.c).
build/bench/ingest: bench/ingest.c $(filter build/obj/media/% build/obj/base/%,$(OBJ))
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_BASE) -O2 $(PKGCFLAGS) -o $@ $^ $(LIBS)

bench-ingest: build/bench/ingest
	build/bench/ingest 7

# Chat History over 20,000 chats: list, filters, search, a 1,000-event transcript.
build/bench/history: bench/history.c $(filter build/obj/store/% build/obj/base/% build/obj/auth/%,$(OBJ))
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_BASE) -O2 $(PKGCFLAGS) -o $@ $^ $(LIBS)

bench-history: build/bench/history
	@d=$$(mktemp -d) && build/bench/history $$d/data; rm -rf $$d

format:
	clang-format -i $(SRC) $(wildcard src/*/*.h) $(UNIT_SRC)

clean:
	rm -rf build
