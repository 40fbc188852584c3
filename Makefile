# Concierge - build, test and check.
#   make          build/concierge (optimised)
#   make run      install what is missing, then start the gateway
#   make test     install what is missing, build under ASan+UBSan, run every test
#                 (and each fuzz target briefly)
#   make fuzz     each fuzz target for FUZZ_SECONDS (60)
#   make check    clang-format, clang-tidy and cppcheck; fails on findings
#   make bench    benchmark figures
#   make soak     thirty minutes of mixed load under the sanitizers, memory sampled
#   make install  the program, the example configuration and the systemd unit
#                 (PREFIX=/usr/local, DESTDIR= for a staging directory)

PKGS    := libwebsockets libcurl jansson sqlite3 libpq libcrypto expat
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wvla -Wpointer-arith -Wcast-qual -Wundef
STD     := -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -I.
PKGCFLAGS = $(shell pkg-config --cflags $(PKGS))
PKGLIBS   = $(shell pkg-config --libs $(PKGS)) -lev -lpthread -lm

CFLAGS  ?= -O2 -g
SANFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

LIB_SRC := $(filter-out bot/main.c,$(sort $(wildcard lib/*.c bot/*.c adapters/*.c dialogs/*.c store/*.c)))
WEB     := $(sort $(wildcard web/*.html web/*.css web/*.js))
UNIT    := $(sort $(wildcard tests/unit/test_*.c))

OBJ      := $(LIB_SRC:%.c=build/obj/%.o) build/obj/web_assets.o build/obj/config_example.o \
            build/obj/pg_schema_sql.o
ASAN_OBJ := $(LIB_SRC:%.c=build/asan/%.o) build/asan/web_assets.o build/asan/config_example.o \
            build/asan/pg_schema_sql.o
UNIT_BIN := $(UNIT:tests/unit/%.c=build/asan/tests/%)
# The benchmark's own programs (bench/README.md), optimised and without sanitizers.
BENCH_BIN := build/bench/loadgen build/bench/fakebot build/bench/floor build/bench/wsload \
             build/bench/gendb
BENCH_CFLAGS := -O2 -g

.PHONY: all run test check bench bench-bin bench-bigdb bench-ws bench-dialogs soak deps clean unit test-pg install uninstall
all: build/concierge

build/obj/%.o: %.c $(wildcard */*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(STD) $(WARN) $(CFLAGS) $(PKGCFLAGS) -c $< -o $@

build/asan/%.o: %.c $(wildcard */*.h)
	@mkdir -p $(dir $@)
	@echo "  CC asan $<"
	@$(CC) $(STD) $(WARN) $(SANFLAGS) $(PKGCFLAGS) -c $< -o $@

# The web chat page is compiled into the program, so it works with no files beside it.
build/web_assets.c: $(WEB) scripts/embed.sh
	@mkdir -p build
	scripts/embed.sh $(WEB) > $@

build/obj/web_assets.o: build/web_assets.c
	$(CC) $(STD) $(CFLAGS) -c $< -o $@
build/asan/web_assets.o: build/web_assets.c
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(SANFLAGS) -c $< -o $@

# So is the example configuration: with no configuration file it is the demo one.
build/config_example.c: config.example.json scripts/embed.sh
	@mkdir -p build
	scripts/embed.sh --text cfg_example_json config.example.json > $@

build/obj/config_example.o: build/config_example.c
	$(CC) $(STD) $(CFLAGS) -c $< -o $@
build/asan/config_example.o: build/config_example.c
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(SANFLAGS) -c $< -o $@

# And the PostgreSQL schema (store/pg_schema.c's step 1).
build/pg_schema_sql.c: store/pg_schema.sql scripts/embed.sh
	@mkdir -p build
	scripts/embed.sh --text store_pg_schema_sql store/pg_schema.sql > $@

build/obj/pg_schema_sql.o: build/pg_schema_sql.c
	$(CC) $(STD) $(CFLAGS) -c $< -o $@
build/asan/pg_schema_sql.o: build/pg_schema_sql.c
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(SANFLAGS) -c $< -o $@

build/concierge: build/obj/bot/main.o $(OBJ)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(PKGLIBS)

build/asan/concierge: build/asan/bot/main.o $(ASAN_OBJ)
	@echo "  LD asan $@"
	@$(CC) $(SANFLAGS) -o $@ $^ $(PKGLIBS)

build/asan/tests/%: tests/unit/%.c $(ASAN_OBJ) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	@echo "  LD test $@"
	@$(CC) $(STD) $(WARN) -Wno-missing-prototypes $(SANFLAGS) $(PKGCFLAGS) -o $@ $< $(ASAN_OBJ) \
	    $(PKGLIBS) -lcmocka

# Both backends' statement texts as JSON, for tests/pg_sql_check.py.
SQL_TEXTS := $(sort $(wildcard store/sqlite_sql_*.c store/pg_sql_*.c))
build/sql_dump: tests/tools/sql_dump.c $(SQL_TEXTS) lib/buf.c $(wildcard store/*.h lib/buf.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(STD) $(WARN) -O1 -g $(PKGCFLAGS) -o $@ $(filter %.c,$^) $(PKGLIBS)

build/bench/loadgen: bench/loadgen.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(STD) $(WARN) $(BENCH_CFLAGS) $(PKGCFLAGS) -o $@ $^ $(PKGLIBS)

build/bench/fakebot build/bench/floor: build/bench/%: bench/%.c bench/lwsd.c bench/lwsd.h
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(STD) $(WARN) $(BENCH_CFLAGS) $(PKGCFLAGS) -o $@ $(filter %.c,$^) $(PKGLIBS)

bench-bin: $(BENCH_BIN)

# Bench programs: optimised, no sanitizers, outside the server's layers.
build/bench/wsload: bench/wsload.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(STD) $(WARN) -O2 -g $(PKGCFLAGS) -o $@ $< $(PKGLIBS)

# Web chat: 2,000 open websockets talking; open dialogs: memory with 1,000,000 (bench/ws.py).
bench-ws:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory build/concierge build/bench/wsload
	@python3 bench/ws.py sockets

bench-dialogs:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory build/concierge
	@python3 bench/ws.py dialogs

# Thirty minutes of mixed load on the sanitizer build, memory sampled (bench/soak.py;
# SOAK_MINUTES, SOAK_RATE, SOAK_SOCKETS).
soak:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory build/asan/concierge build/bench/loadgen build/bench/fakebot \
	    build/bench/wsload
	@python3 bench/soak.py

deps:
	@scripts/deps.sh build

run:
	@scripts/deps.sh build
	@$(MAKE) --no-print-directory build/concierge
	@scripts/run.sh

test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory -j$(shell nproc) build/asan/concierge build/concierge build/sql_dump $(UNIT_BIN) fuzz-bin
	@tests/run.sh

unit: build/asan/concierge build/sql_dump $(UNIT_BIN)
	@tests/run.sh --unit

# The unit tests, then every scenario test with its gateways on PostgreSQL.
test-pg:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory -j$(shell nproc) build/asan/concierge build/concierge build/sql_dump $(UNIT_BIN)
	@tests/run.sh --pg

check:
	@scripts/deps.sh check
	@scripts/check.sh

# Every figure of bench/README.md: the webhook load and its floor, an outage's
# backlog, a register of a million orders (made once, about four minutes, kept in
# build/bench/), 2,000 chat pages, a million open dialogs. BENCH_ONLY=intake,...
# runs only those sections of bench/run.py and skips the rest.
bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory build/concierge $(BENCH_BIN)
	@python3 bench/run.py
	@if [ -z "$$BENCH_ONLY" ]; then python3 bench/bigdb.py && python3 bench/ws.py sockets && \
	    python3 bench/ws.py dialogs; fi

# The large-database benchmark (bench/README.md): a generator of a 1,000,000-order history,
# and the timings of a month's report, the pending list, `orders show` and start-up on it.
# BIGDB="--fresh" makes the file again; BIGDB="--copy PATH" copies it for a server to run on.
build/bench/gendb: bench/gendb.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(STD) $(WARN) -O2 $(shell pkg-config --cflags sqlite3) -o $@ $< \
	    $(shell pkg-config --libs sqlite3) -lm

bench-bigdb:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory build/concierge build/bench/gendb
	@python3 bench/bigdb.py $(BIGDB)

# The unit file names the program where this installs it.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share/concierge
UNITDIR    ?= $(PREFIX)/lib/systemd/system
INSTALL    ?= install

install: build/concierge
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(UNITDIR)
	$(INSTALL) -m 0755 build/concierge $(DESTDIR)$(BINDIR)/concierge
	$(INSTALL) -m 0644 config.example.json $(DESTDIR)$(DATADIR)/config.example.json
	sed -e 's|/usr/local/bin/|$(BINDIR)/|g' -e 's|/usr/local/share/concierge/|$(DATADIR)/|g' \
	    contrib/concierge.service > $(DESTDIR)$(UNITDIR)/concierge.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/concierge.service

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/concierge $(DESTDIR)$(DATADIR)/config.example.json \
	      $(DESTDIR)$(UNITDIR)/concierge.service
	-rmdir $(DESTDIR)$(DATADIR)

clean:
	rm -rf build


# ---- fuzzing (tests/fuzz/, README.md "Testing") ---------------------------------------
# libFuzzer targets built with clang: the library compiled once more into build/fuzz/obj
# with coverage for the fuzzer, ASan and UBSan. `make fuzz` runs each target for
# FUZZ_SECONDS (FUZZ=fuzz_config,... for some only); `make test` runs each briefly.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
                -fno-sanitize-recover=all
FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_OBJ     := $(LIB_SRC:%.c=build/fuzz/obj/%.o) build/fuzz/obj/web_assets.o \
                build/fuzz/obj/config_example.o build/fuzz/obj/pg_schema_sql.o
# A target that includes a source file itself (to reach its static functions) links
# without that file's object.
FUZZ_OWN_fuzz_http := build/fuzz/obj/bot/http.o

.PHONY: fuzz fuzz-bin
.SECONDARY: $(FUZZ_OBJ)
build/fuzz/obj/%.o: %.c $(wildcard */*.h)
	@mkdir -p $(dir $@)
	@echo "  CC fuzz $<"
	@$(FUZZ_CC) $(STD) $(WARN) -Wno-error -Wno-format-nonliteral $(FUZZ_SAN) \
	    -fsanitize=fuzzer-no-link $(PKGCFLAGS) \
	    -c $< -o $@

build/fuzz/obj/web_assets.o: build/web_assets.c
	@mkdir -p $(dir $@)
	@$(FUZZ_CC) $(STD) -O1 -c $< -o $@
build/fuzz/obj/config_example.o: build/config_example.c
	@mkdir -p $(dir $@)
	@$(FUZZ_CC) $(STD) -O1 -c $< -o $@
build/fuzz/obj/pg_schema_sql.o: build/pg_schema_sql.c
	@mkdir -p $(dir $@)
	@$(FUZZ_CC) $(STD) -O1 -c $< -o $@

build/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(FUZZ_OBJ) $(wildcard */*.h)
	@mkdir -p $(dir $@)
	@echo "  LD fuzz $@"
	@$(FUZZ_CC) $(STD) $(WARN) $(FUZZ_SAN) -fsanitize=fuzzer $(PKGCFLAGS) -o $@ $< \
	    $(filter-out $(FUZZ_OWN_$*),$(FUZZ_OBJ)) $(PKGLIBS)

fuzz-bin: $(FUZZ_BIN)

fuzz:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory fuzz-bin
	@tests/fuzz/run.sh $(FUZZ_SECONDS)
