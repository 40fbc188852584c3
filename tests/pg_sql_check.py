#!/usr/bin/env python3
"""Checks the PostgreSQL texts of the store's statements (store/pg_sql_*.c).

    tests/pg_sql_check.py [--dump build/sql_dump] [--binary build/concierge]
                          [--url postgresql://...]   (an empty database to use;
                                                      else tests/pg.sh starts a server)

build/sql_dump prints every statement id with its SQLite and PostgreSQL texts,
and every variant of the families written at run time. The checker then:
  - statically: every id has a text in both backends; a PG text has no "?"
    and no unquoted column "user" outside quoted strings; both texts of an id
    use the same parameter numbers; no text uses a parameter past its callers'
    formats;
  - finds each id's callers in store/*.c and their bind formats ('t'/'T' text,
    'i'/'n' bigint, 'd' integer), following an id passed through a helper's
    parameter or a table, and PQprepares every PG text once per distinct
    format, with those types, on store/pg_schema.sql in a throwaway server
    (tests/pg.sh): what the backend will do;
  - runs the statements with subtle rewrites on a few rows in both SQLite (a
    fresh file from build/concierge's migrations) and PostgreSQL, and compares
    the rows returned and the rows changed.
It prints each problem and exits 1 if there is any.
"""
import argparse
import ctypes
import ctypes.util
import glob
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OID = {"t": 25, "T": 25, "i": 20, "n": 20, "d": 23}  # text, int8, int4
VARIANTS = {"ORDERS_LIST", "QUERY_IDS", "QUERY_COUNT"}

problems = []


def problem(msg):
    problems.append(msg)
    print("FAIL " + msg)


# ---------------------------------------------------------------- texts


def unquoted(sql):
    """SQL with the insides of '...' strings and "..." identifiers blanked, same length."""
    out, i, n = [], 0, len(sql)
    while i < n:
        c = sql[i]
        if c in "'\"":
            j = i + 1
            while j < n:
                if sql[j] == c and j + 1 < n and sql[j + 1] == c:
                    j += 2
                    continue
                if sql[j] == c:
                    break
                j += 1
            out.append(c + " " * (min(j, n) - i - 1) + (c if j < n else ""))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def sqlite_params(sql):
    """The parameter numbers a SQLite text uses (?N, and bare ? as the next one)."""
    used, top = set(), 0
    for m in re.finditer(r"\?(\d*)", unquoted(sql)):
        k = int(m.group(1)) if m.group(1) else top + 1
        top = max(top, k)
        used.add(k)
    return used


def pg_params(sql):
    return {int(k) for k in re.findall(r"\$(\d+)", unquoted(sql))}


def static_checks(name, lite, pg, fmts):
    if lite is None or pg is None:
        problem("%s: no text in %s" % (name, "SQLite" if lite is None else "PostgreSQL"))
        return
    u = unquoted(pg)
    if "?" in u:
        problem("%s: PG text has '?' outside quotes: %s" % (name, pg))
    if re.search(r"(?i)(?<![\w\"])user\b(?!\s*\()", u):
        problem("%s: PG text has an unquoted user column: %s" % (name, pg))
    if re.search(r"\+\s*[a-z_]+\.?[a-z_]*\s*(<|>|=)", u) or "NOT INDEXED" in u.upper():
        problem("%s: PG text keeps a SQLite index hint: %s" % (name, pg))
    lp, pp = sqlite_params(lite), pg_params(pg)
    if lp != pp:
        problem("%s: parameters differ: SQLite %s, PG %s" % (name, sorted(lp), sorted(pp)))
    for f in fmts:
        if pp and max(pp) > len(f):
            problem("%s: uses $%d but a caller binds %d (\"%s\")" % (name, max(pp), len(f), f))


# ---------------------------------------------------------------- callers


def c_strings(expr):
    """The value of adjacent C string literals (formats have no escapes), or None."""
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', expr)
    if not parts or re.sub(r'"(?:[^"\\]|\\.)*"', "", expr).strip():
        return None
    return "".join(parts)


def call_args(text, start):
    """The top-level arguments of the call whose '(' is at START, and the end index."""
    depth, args, cur, i = 0, [], [], start
    instr = None
    while i < len(text):
        c = text[i]
        if instr:
            cur.append(c)
            if c == "\\":
                cur.append(text[i + 1])
                i += 1
            elif c == instr:
                instr = None
        elif c in "\"'":
            instr = c
            cur.append(c)
        elif c in "([{":
            depth += 1
            if depth > 1:
                cur.append(c)
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                args.append("".join(cur).strip())
                return args, i
            cur.append(c)
        elif c == "," and depth == 1:
            args.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    return args, i


def functions(text):
    """(name, params, body_start, body_end) of each function definition in a C file."""
    out = []
    for m in re.finditer(r"^(?:static\s+)?[\w\s\*]+?\b(\w+)\(([^;{]*?)\)\s*\{", text, re.M | re.S):
        depth, i = 0, m.end() - 1
        while i < len(text):
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        params = [re.split(r"[\s\*]+", p.strip())[-1] for p in m.group(2).split(",")]
        out.append((m.group(1), params, m.start(), i))
    return out


def resolve(expr, text, pos, depth=0):
    """The SQL_ ids the expression EXPR (at POS in TEXT) can name."""
    ids = set(re.findall(r"\bSQL_([A-Z0-9_]+)", expr))
    if ids or depth > 3:
        return ids
    ident = re.match(r"\s*\*?(\w+)", expr)
    if not ident:
        return ids
    ident = ident.group(1)
    fns = functions(text)
    here = [f for f in fns if f[2] <= pos <= f[3]]
    if here:
        name, params, b0, b1 = here[-1]
        if ident in params:
            k = params.index(ident)
            for m in re.finditer(r"\b%s\s*\(" % re.escape(name), text):
                if b0 <= m.start() <= b0 + len(name) + 60:
                    continue  # the definition
                args, _ = call_args(text, m.end() - 1)
                if k < len(args):
                    ids |= resolve(args[k], text, m.start(), depth + 1)
            return ids
        # A local assigned from store_variant(s, FAMILY, m).
        body = text[b0:b1]
        for m in re.finditer(r"\b%s\s*=\s*store_variant\s*\(" % re.escape(ident), body):
            args, _ = call_args(body, m.end() - 1)
            ids |= resolve(args[1], text, b0 + m.start(), depth + 1)
        if ids:
            return ids
    # A table: IDENT[...] = { SQL_..., ... }.
    m = re.search(r"\b%s\s*\[[^\]]*\]\s*=\s*\{([^}]*)\}" % re.escape(ident), text)
    if m:
        ids |= set(re.findall(r"\bSQL_([A-Z0-9_]+)", m.group(1)))
    return ids


def call_formats():
    """{id: set of formats} from every store call in store/*.c but the text files."""
    fmts, unresolved = {}, []
    files = [f for f in sorted(glob.glob(os.path.join(ROOT, "store", "*.c")))
             if "_sql_" not in os.path.basename(f)]
    for path in files:
        text = open(path).read()
        for m in re.finditer(r"\bstore_(query|query_some|run|run_id)\s*\(", text):
            args, _ = call_args(text, m.end() - 1)
            if len(args) < 3 or re.search(r"[\s*]", args[0]):
                continue  # a declaration, not a call
            k = 3 if m.group(1) == "run_id" else 2
            if k >= len(args):
                continue
            fmt = c_strings(args[k])
            where = "%s:%d" % (os.path.relpath(path, ROOT), text.count("\n", 0, m.start()) + 1)
            if fmt is None:
                unresolved.append("%s: format is not a literal: %s" % (where, args[k]))
                continue
            ids = resolve(args[1], text, m.start())
            if not ids:
                unresolved.append("%s: cannot tell which statement %s is" % (where, args[1]))
            for i in ids:
                fmts.setdefault(i, set()).add(fmt)
    return fmts, unresolved


# ---------------------------------------------------------------- libpq


class PQ:
    """The few libpq calls the checker needs (the backend's own: PQprepare with types)."""

    OK = (1, 2)  # PGRES_COMMAND_OK, PGRES_TUPLES_OK

    def __init__(self, url):
        lib = ctypes.CDLL(ctypes.util.find_library("pq") or "libpq.so.5")
        P, S, I = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
        for fn, res, args in [
            ("PQconnectdb", P, [S]), ("PQstatus", I, [P]), ("PQerrorMessage", S, [P]),
            ("PQfinish", None, [P]), ("PQexec", P, [P, S]),
            ("PQprepare", P, [P, S, S, I, ctypes.POINTER(ctypes.c_uint)]),
            ("PQexecPrepared", P, [P, S, I, ctypes.POINTER(S), P, P, I]),
            ("PQresultStatus", I, [P]), ("PQresultErrorMessage", S, [P]), ("PQclear", None, [P]),
            ("PQntuples", I, [P]), ("PQnfields", I, [P]), ("PQgetvalue", S, [P, I, I]),
            ("PQgetisnull", I, [P, I, I]), ("PQcmdTuples", S, [P])]:
            f = getattr(lib, fn)
            f.restype, f.argtypes = res, args
        self.lib = lib
        self.conn = lib.PQconnectdb(url.encode())
        if lib.PQstatus(self.conn) != 0:
            raise SystemExit("pg_sql_check: cannot connect: %s" % lib.PQerrorMessage(self.conn).decode())
        self.n = 0

    def _result(self, r):
        lib = self.lib
        st = lib.PQresultStatus(r)
        if st not in self.OK:
            err = (lib.PQresultErrorMessage(r) or b"").decode().strip()
            lib.PQclear(r)
            return None, err
        rows = [[None if lib.PQgetisnull(r, i, j) else lib.PQgetvalue(r, i, j).decode()
                 for j in range(lib.PQnfields(r))] for i in range(lib.PQntuples(r))]
        out = {"rows": rows if st == 2 else None, "changes": lib.PQcmdTuples(r).decode()}
        lib.PQclear(r)
        return out, None

    def exec(self, sql):
        return self._result(self.lib.PQexec(self.conn, sql.encode()))

    def prepare(self, sql, fmt):
        """PQprepare with the types of FMT; (name, None) or (None, error)."""
        self.n += 1
        name = ("c%d" % self.n).encode()
        types = (ctypes.c_uint * max(1, len(fmt)))(*[OID[c] for c in fmt])
        r = self.lib.PQprepare(self.conn, name, sql.encode(), len(fmt), types)
        out, err = self._result(r)
        return (name, None) if out is not None else (None, err)

    def run(self, sql, fmt, args):
        name, err = self.prepare(sql, fmt)
        if err:
            return None, err
        vals = (ctypes.c_char_p * max(1, len(args)))(
            *[None if a is None else str(a).encode() for a in args])
        out, err = self._result(self.lib.PQexecPrepared(self.conn, name, len(args), vals, None, None, 0))
        self.exec("DEALLOCATE %s" % name.decode())
        return out, err

    def close(self):
        self.lib.PQfinish(self.conn)


# ---------------------------------------------------------------- both, side by side


class Both:
    """Runs statement ids on the SQLite file and the PG database and compares."""

    def __init__(self, lite_path, pg, texts, variants):
        self.db = sqlite3.connect(lite_path, isolation_level=None)
        self.db.execute("PRAGMA foreign_keys = ON")
        self.pg, self.texts, self.steps = pg, dict(texts), 0
        for fam, rows in variants.items():
            for m, lite, pgt in rows:
                self.texts["%s/%d" % (fam, m)] = (lite, pgt)

    def variant(self, fam, mask, fmt, args):
        """Variant MASK of the family FAM, as step() runs an id."""
        return self.step("%s/%d" % (fam, mask), fmt, *args)

    def step(self, name, fmt, *args, unordered=False):
        """Runs id NAME with ARGS (bound as FMT says); returns the rows or the change count."""
        lite, pgt = self.texts[name]
        self.steps += 1
        vals = [None if (c == "n" and a == 0) else a for c, a in zip(fmt, args)]
        nl = max(sqlite_params(lite) or {0})
        try:
            cur = self.db.execute(lite, vals[:nl])
            lrows = [[None if v is None else str(v) for v in r] for r in cur.fetchall()] \
                if cur.description else None
            lchanges = self.db.execute("SELECT changes()").fetchone()[0]
            lid = cur.lastrowid
        except sqlite3.Error as e:
            problem("%s%s: SQLite refused it: %s" % (name, tuple(args), e))
            return None
        out, err = self.pg.run(pgt, fmt, vals)
        if err:
            problem("%s%s: PostgreSQL refused it: %s" % (name, tuple(args), err))
            return None
        prow = out["rows"]
        if lrows is None and prow is not None and re.search(r"RETURNING id$", pgt):
            # store_run_id: the id SQLite gives as its last insert rowid.
            lrows = [[str(lid)]] if lchanges else []
        if lrows is None and prow is not None:
            problem("%s: PG returns rows where SQLite returns none" % name)
            return None
        pchanges = int(out["changes"] or 0)
        if lrows is None and lchanges != pchanges:
            problem("%s%s: changed %d rows on SQLite, %d on PostgreSQL" % (name, tuple(args), lchanges, pchanges))
        if lrows is not None:
            a, b = (sorted(lrows, key=str), sorted(prow, key=str)) if unordered else (lrows, prow)
            if a != b:
                problem("%s%s: SQLite %s, PostgreSQL %s" % (name, tuple(args), lrows, prow))
            return lrows
        return lchanges

    def table(self, sql):
        """The same SELECT (portable text) on both; compared."""
        lrows = [[None if v is None else str(v) for v in r] for r in self.db.execute(sql).fetchall()]
        out, err = self.pg.exec(sql)
        if err:
            problem("%s: %s" % (sql, err))
            return
        if lrows != out["rows"]:
            problem("%s: SQLite %s, PostgreSQL %s" % (sql, lrows, out["rows"]))


def behaviour(b):
    """The statements with subtle rewrites, on a few rows."""
    # Seed through the store's own statements (each is compared too).
    for now in (1000, 1001, 1002):
        b.step("RESIDENT_NEW", "i", now)
    b.step("IDENTITY_NEW", "tti", "tg", "u1", 1)
    b.step("IDENTITY_NEW", "tti", "tg", "u2", 2)
    b.step("IDENTITY_SEEN", "ttit", "tg", "u1", 1100, "chat1")
    b.step("IDENTITY_SEEN", "ttit", "tg", "u2", 1100, "chat2")
    b.step("RESIDENT_SAVE", "ttttii", "Wang Fang", "12-301", "13800001111", "zh", 1200, 1)
    # The counter upsert: 1, 2, 3 for a day, 1 for the next.
    for day in ("261201", "261201", "261201", "261202"):
        b.step("COUNTER_NEXT", "t", day)
    order = "ttttttttttinttttti" "dttiiiiidi" "ttt"
    for i, (status, closed) in enumerate([("pending", 0), ("closed", 1500), ("cancelled", 0)]):
        b.step("ORDER_INSERT", order, "261201-%03d" % (i + 1), "c1", status, "repair", "tap",
               "the tap of Wang Fang in 12-301 leaks", "12-301", "Wang Fang", "13800001111", "", 0,
               1, "tg", "chat1", "u1", "", "eta 12-301", 0, 0, "", "Wang Fang asked", 1300 + i, 0, 0,
               0, closed, 0, 0, "tg", "", "")
        b.step("EVENT_ADD", "iitttttt", i + 1, 1300 + i, "resident:1", "tg", "message_from_resident",
               "", status, "I am Wang Fang, 13800001111")
    b.step("EVENT_ADD", "iitttttt", 2, 1400, "staff:a", "web", "rework", "", "", "staff note Wang Fang")
    b.step("FEE_RECORD", "iiti", 2, 500, "a", 1400)
    b.step("FEEDBACK_ACCEPT", "idi", 2, -1, 1401)
    b.step("FEEDBACK_RATE", "idi", 2, 4, 1402)
    b.step("FEEDBACK_COMMENT", "iti", 2, "thanks Wang Fang", 1403)
    b.step("REPORT_EXTRAS", "i", 2)
    b.step("REPORT_EXTRAS", "i", 1)
    b.step("REPORT_ORDERS", "nnT", 0, 0, None)
    b.step("REPORT_COUNT", "nnT", 1300, 1302, "c1")
    b.step("ORDER_BY_ID", "i", 2)

    # The outbox: heads (DISTINCT ON), LIMIT -1, counts (FILTER), the JSON test.
    rows = [("tg", "chat1", 5), ("tg", "chat2", 3), ("tg", "chat1", 1), ("tg", "chat3", 9),
            ("wx", "chat1", 2), ("tg", "chat2", 1)]
    for k, (ch, chat, nxt) in enumerate(rows):
        b.step("OUTBOX_ADD", "tttii", ch, chat, '{"text":"Wang Fang 12-301 #%d","n":1230}' % k,
               1000 + k, nxt)
    b.step("OUTBOX_DEAD", "it", 6, "gone")
    b.step("OUTBOX_HEADS", "t", "tg", unordered=True)
    b.step("OUTBOX_DUE", "id", 5, -1)
    b.step("OUTBOX_DUE", "id", 5, 2)
    b.step("OUTBOX_AFTER", "tii", "tg", 1, -1)
    b.step("OUTBOX_FRESH_CHATS", "tiii", "tg", 3, 2, 10, unordered=True)
    b.step("OUTBOX_COUNTS", "")
    b.step("TO_CHAT", "ttid", "tg", "chat1", 0, -1)
    b.step("TO_CHAT", "ttid", "tg", "chat1", 0, 1)
    for k, payload in enumerate([
            '{"a":[1,2.5e3,-0,true,null,{"b":"x\\"y\\\\u00e9\\u00e9"}],"c":{}}', ' [ ] ', '"s"', '12',
            '{"a":已匿名}', '{"a":1,}', '[1 2]', '{"a" "b"}', '{"a":"b\\x"}', '{"a":"\\u12"}',
            '{"a":01}', '[.5]', '[1.]', '{1:2}', '', '[', ']', '{"a":"b"}x', 'nul', '[true false]',
            '{"a":"\t"}', '\t{"a" : [ "b" ,\n"c" ] }\r\n', '[[[[[]]]]]', '[[[[[]]]]', '"\x01"',
            '{"a":"q","b":[{"c":null},{"d":[1,{"e":"f"}]}]}', '-', '1e5', '1E+5', '-1.5e-3', '[-]',
            '{"a":"\\ud800"}', '\x01', '[\x02]', 'true', 'True', '{"":""}', '{"a":"已匿名 12"}']):
        b.step("OUTBOX_SET", "it", 1 + k % 5, payload)
        b.table("SELECT payload FROM outbox WHERE id = %d" % (1 + k % 5))

    # The retention mark: SQLite's CAST of text that may not be a number.
    for k, v in enumerate(["123", "", "abc", "  42x", "-7", "+5", "1e3", "12.9", " \t9", "0x10", "- 3"]):
        b.step("KV_SET", "tt", "mark%d" % k, v)
        b.step("KV_GET_INT", "t", "mark%d" % k)

    # The dedup claim: the first claims, the second does not.
    b.step("DEDUP_CLAIM", "tti", "tg", "m1", 1)
    b.step("DEDUP_CLAIM", "tti", "tg", "m1", 2)
    # Dead letters: the counting upsert, then its state as 1/0.
    for now in (10, 11, 12):
        b.step("DEAD_COUNT", "ttttti", "tg", "k1", "c", "raw", "why", now)
        b.step("DEAD_MARK", "ttid", "tg", "k1", now, 3)
        b.step("DEAD_STATE", "tt", "tg", "k1")
    b.step("DEAD_COUNT", "ttttti", "tg", "k1", "c", "raw2", "why2", 13)
    b.table("SELECT attempts, raw, last_at, dead_at FROM inbound_dead")
    # The reroute replace.
    b.step("REROUTE_ADD", "iit", 7, 8, "a")
    b.step("REROUTE_ADD", "iit", 7, 9, "b")
    b.table("SELECT dead_id, new_id, tried FROM link_reroutes")
    # Photos: the NULL order matched by IS, the attach that a duplicate hash ignores.
    b.step("PHOTO_ADD", "nittitti", 0, 1, "h1", "jpeg", 10, "p1", "tg", 5)
    b.step("PHOTO_ADD", "nittitti", 2, 1, "h1", "jpeg", 10, "p2", "tg", 5)
    b.step("PHOTO_ADD", "nittitti", 0, 1, "h2", "jpeg", 10, "p3", "tg", 5)
    b.step("PHOTO_ADD", "nittitti", 2, 1, "h1", "jpeg", 10, "p4", "tg", 6)
    b.step("PHOTO_ID", "nt", 0, "h1")
    b.step("PHOTO_ID", "nt", 2, "h1")
    b.step("PHOTO_ATTACH", "ii", 2, 1)
    b.step("PHOTO_ATTACH", "ii", 2, 3)
    b.table("SELECT id, order_id, hash FROM photos ORDER BY id")
    # Sessions moved to a new chat: the mover replaces the one there.
    for chat, person, state in [("old", "p1", "a"), ("old", "p2", "b"), ("new", "p1", "c"),
                                ("new", "p3", "d"), ("other", "p1", "e")]:
        b.step("SESSION_PUT", "tttti", "tg", chat, person, state, 5)
    b.step("MIGRATE_SESSIONS", "ttt", "tg", "old", "new")
    b.step("MIGRATE_SESSIONS", "ttt", "tg", "nothing", "new")
    b.table("SELECT chat, person, state FROM sessions ORDER BY chat, person")
    # Transcript: the last N, or all with -1.
    for k in range(4):
        b.step("LINE_ADD", "tttttti", "tg", "chat1", "me", "line %d Wang Fang" % k, "", "", 10 + k)
    b.step("LINE_LIST", "ttd", "tg", "chat1", 2)
    b.step("LINE_LIST", "ttd", "tg", "chat1", -1)
    b.step("EVENTS_AFTER", "id", 0, -1)
    b.step("FU_ADD", "ii", 2, 1500)
    b.step("FU_RECENT", "id", 0, -1)
    b.step("VIEWS", "tiii", "", 0, 0, -1)

    # Anonymising order 2 and resident 1 (needles as store_privacy.c passes them).
    nd = ["the tap of Wang Fang in 12-301 leaks", "13800001111", "Wang Fang", "12-301", "", ""]
    b.step("ORDER_MARK", "ii", 2, 2000)
    b.step("ORDER_ANON", "itttttt", 2, *nd)
    b.step("EVENTS_WORDS", "i", 2)
    b.step("EVENTS_SCRUB", "itttttt", 2, *nd)
    b.step("FEEDBACK_ANON", "i", 2)
    b.step("ANON_EVENT_ADD", "iittt", 2, 2000, "staff:a", "web", "asked")
    b.table('SELECT description, room, contact_name, phone, chat, "user", eta, reason FROM orders ORDER BY id')
    b.table("SELECT id, detail FROM order_events ORDER BY id")
    b.step("MERGED_FROM", "i", 1)
    b.step("SESSIONS_DEL", "i", 1)
    b.step("TRANSCRIPT_ANON", "i", 1)
    b.step("OUTBOX_PRIVATE", "i", 1)
    b.step("RESIDENT_EVENTS_ANON", "i", 1)
    b.step("RESIDENT_ANON", "ii", 1, 2100)
    b.table("SELECT id, payload, status, last_error FROM outbox ORDER BY id")
    b.table("SELECT id, text FROM transcript ORDER BY id")
    b.table("SELECT name, room, phone, notify_channel FROM residents ORDER BY id")
    b.step("EXPIRE_CLOSED", "id", 3000, -1)
    b.step("EXPIRE_ENDED", "id", 3000, -1)
    b.step("OUTBOX_EXPIRE", "ii", 0, 1003)
    b.step("TRANSCRIPT_EXPIRE", "ii", 0, 12)
    b.table("SELECT id, payload FROM outbox ORDER BY id")
    # A few variants of the orders list.
    for m, args in [(0, [None] * 4 + [-1] + [None] * 11), (1 | (1 << 8), ["closed"] + [None] * 3 + [1] + [None] * 11)]:
        b.variant("ORDERS_LIST", m, "TTiddTTTiiiTdiii", args)
    # Status with rated (its index hint dropped), and the query's pages with LIMIT -1.
    b.variant("ORDERS_LIST", 1 | (1 << 9), "TTiddTTTiiiTdiii",
              ["closed", None, 0, 0, -1, None, None, None, 0, 0, 0, None, 5, 0, 0, 0])
    b.variant("QUERY_IDS", 0, "TdTTTiidd", [None, 0, None, None, None, 0, 0, -1, 0])
    b.variant("QUERY_IDS", 1 | 4, "TdTTTiidd", ["pending", 0, "repair", None, None, 0, 0, 1, 0])
    b.variant("QUERY_COUNT", 2 | (1 << 5), "TdTTTiidd", [None, 1, None, None, None, 1301, 0, -1, 0])


def transactions(pg, texts):
    """The transaction and setting texts, run as the backend runs them (prepared, no parameters)."""
    def run(name, expect_rows=None):
        out, err = pg.run(texts[name][1], "", [])
        if err:
            problem("%s: %s" % (name, err))
        elif expect_rows is not None and out["rows"] != expect_rows:
            problem("%s: returned %s" % (name, out["rows"]))

    def show(setting, want):
        out, err = pg.exec("SHOW %s" % setting)
        if err or out["rows"] != [[want]]:
            problem("%s is %s, not %s" % (setting, err or out["rows"], want))

    run("SYNC_NORMAL")
    show("synchronous_commit", "off")
    run("SYNC_FULL")
    show("synchronous_commit", "on")
    run("BEGIN")
    run("SAVEPOINT")
    pg.exec("INSERT INTO kv VALUES ('tx', '1')")
    run("ROLLBACK_TO")
    run("RELEASE")
    run("COMMIT")
    out, _ = pg.exec("SELECT count(*) FROM kv WHERE key = 'tx'")
    if out["rows"] != [["0"]]:
        problem("ROLLBACK_TO did not undo the savepoint's insert")
    run("READ_BEGIN")
    run("READ_MARK", [["1"]])
    show("transaction_isolation", "repeatable read")
    show("transaction_read_only", "on")
    run("READ_END")
    run("BEGIN")
    run("ROLLBACK")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dump", default=os.path.join(ROOT, "build/sql_dump"))
    ap.add_argument("--binary", default=os.path.join(ROOT, "build/concierge"))
    ap.add_argument("--url", help="an empty PostgreSQL database to load the schema into")
    args = ap.parse_args()
    args.dump, args.binary = os.path.abspath(args.dump), os.path.abspath(args.binary)

    for p, rule in ((args.dump, "build/sql_dump"), (args.binary, "build/concierge")):
        if not os.access(p, os.X_OK):
            raise SystemExit("pg_sql_check: %s is not built (make %s)" % (p, rule))
    dump = json.loads(subprocess.run([args.dump], check=True, capture_output=True, text=True).stdout)
    texts = {x["name"]: (x["sqlite"], x["pg"]) for x in dump["ids"]}
    fmts, unresolved = call_formats()
    for u in unresolved:
        problem(u)
    for name in fmts:
        if name not in texts:
            problem("SQL_%s is called but has no id in store/sql_list.h" % name)
    for name, (lite, pg) in texts.items():
        if name not in fmts:
            problem("SQL_%s: no caller found in store/*.c" % name)
        if name not in VARIANTS:
            static_checks(name, lite, pg, fmts.get(name, ()))
    nvariants = 0
    for fam, rows in dump["variants"].items():
        for m, lite, pg in rows:
            nvariants += 1
            static_checks("%s/%d" % (fam, m), lite, pg, fmts.get(fam, ()))

    tmp = tempfile.mkdtemp(prefix="concierge-pgsql.")
    os.chmod(tmp, 0o711)  # the server may run as the postgres user (tests/pg.sh)
    pgdir, started, stats = os.path.join(tmp, "pg"), False, {}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        lite_path = os.path.join(tmp, "c.db")
        p = subprocess.run([args.binary, "--db", lite_path, "orders", "list"], capture_output=True,
                           text=True, cwd=tmp, timeout=60)
        if p.returncode != 0 or not os.path.exists(lite_path):
            raise SystemExit("pg_sql_check: %s could not make a database: %s" % (args.binary, p.stderr.strip()))
        url = args.url
        if not url:
            subprocess.run([os.path.join(ROOT, "tests/pg.sh"), "start", pgdir], check=True,
                           capture_output=True, text=True, timeout=120)
            started = True
            url = subprocess.run([os.path.join(ROOT, "tests/pg.sh"), "createdb", pgdir, "sql_check"],
                                 check=True, capture_output=True, text=True, timeout=60).stdout.strip()
        pg = PQ(url)
        with open(os.path.join(ROOT, "store/pg_schema.sql")) as f:
            _, err = pg.exec("BEGIN;\n" + f.read() + "\nCOMMIT;\n")
        if err:
            raise SystemExit("pg_sql_check: store/pg_schema.sql does not load: %s" % err)

        prepared = refused = 0
        for name, (lite, pgt) in sorted(texts.items()):
            if name in VARIANTS or pgt is None:
                continue
            for fmt in sorted(fmts.get(name, ())):
                prepared += 1
                _, err = pg.prepare(pgt, fmt)
                if err:
                    refused += 1
                    problem("%s (\"%s\"): PostgreSQL refuses it: %s\n    %s" % (name, fmt, err, pgt))
        for fam, rows in dump["variants"].items():
            for m, _, pgt in rows:
                for fmt in sorted(fmts.get(fam, ())):
                    prepared += 1
                    _, err = pg.prepare(pgt, fmt)
                    if err:
                        refused += 1
                        problem("%s/%d (\"%s\"): PostgreSQL refuses it: %s\n    %s" % (fam, m, fmt, err, pgt))
        pg.exec("DEALLOCATE ALL")
        stats = {"ids": len(texts), "variants": nvariants, "prepared": prepared, "refused": refused}

        both = Both(lite_path, pg, texts, dump["variants"])
        behaviour(both)
        transactions(pg, texts)
        stats["compared steps"] = both.steps
        pg.close()
    except subprocess.CalledProcessError as e:
        raise SystemExit("pg_sql_check: %s failed: %s" % (" ".join(e.cmd), (e.stderr or "").strip()))
    finally:
        if started:
            subprocess.run([os.path.join(ROOT, "tests/pg.sh"), "stop", pgdir], timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)

    if problems:
        print("pg_sql_check: %d problem(s)" % len(problems))
        return 1
    print("pg_sql_check: ok: " + ", ".join("%d %s" % (v, k) for k, v in stats.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
