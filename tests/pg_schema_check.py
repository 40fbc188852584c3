#!/usr/bin/env python3
"""Compares store/pg_schema.sql with the schema build/concierge gives a new SQLite file.

    tests/pg_schema_check.py [--binary build/concierge] [--schema store/pg_schema.sql]
                             [--url postgresql://...]   (an empty database to use;
                                                         else tests/pg.sh starts a server)

It loads the PostgreSQL schema into a fresh database and checks, table by table:
the same tables; the same columns in the same order, with types that map as
store/pg_schema.sql says (INTEGER: bigint, or integer for the flags and small
numbers; TEXT: text), the same NOT NULL and DEFAULT, and an identity for each
SQLite rowid id; the same CHECKs, compared by what they accept over probe
values; the same index names on the same columns with the same partial
conditions (also probed); the same primary keys, unique keys and foreign keys.
Then it tries the append-only triggers of order_events on both databases: an
UPDATE and a DELETE are refused, and only an anonymised order's event DETAIL
may change. It prints every difference and exits 1 if there is any.
"""
import argparse
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

# INTEGER columns that are flags or small numbers: integer on PostgreSQL.
# Every other INTEGER (times, money, sizes, counters, ids) is bigint.
SMALL_INTS = {
    "active", "urgent", "on_duty", "reopened", "resolved", "satisfied", "accepted", "rating",
    "attempts", "tries", "promised_minutes", "requests",
}
# The runner's table (PRAGMA user_version and application_id on SQLite).
PG_ONLY_TABLES = {"concierge_schema": [("version", "integer", True), ("app", "integer", True)]}
# A statement-level guard with no SQLite twin (SQLite has no TRUNCATE).
PG_ONLY_TRIGGERS = {("order_events", "order_events_no_truncate")}
FK_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}

diffs = []


def diff(msg):
    diffs.append(msg)
    print("DIFF " + msg)


# ---------------------------------------------------------------- PostgreSQL


class PG:
    def __init__(self, url, bindir):
        self.url = url
        self.psql = os.path.join(bindir, "psql")

    def run(self, sql, check=True):
        """Runs SQL; returns (ok, stdout, stderr)."""
        p = subprocess.run(
            [self.psql, "-XAtq", "-v", "ON_ERROR_STOP=1", "-v", "VERBOSITY=verbose", "-d", self.url],
            input=sql, capture_output=True, text=True, timeout=60)
        if check and p.returncode != 0:
            raise SystemExit("pg_schema_check: psql failed: %s\n%s" % (p.stderr.strip(), sql[:400]))
        return p.returncode == 0, p.stdout, p.stderr

    def json(self, sql):
        _, out, _ = self.run(sql)
        out = out.strip()
        return json.loads(out) if out else None


def pg_bindir():
    """Where psql is: PG_BINDIR, `pg_config --bindir`, the newest /usr/lib/postgresql/*/bin, or PATH."""
    dirs = [os.environ.get("PG_BINDIR", "")]
    try:
        dirs.append(subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip())
    except OSError:
        pass
    dirs += sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                   key=lambda d: [int(x) for x in re.findall(r"\d+", d)], reverse=True)
    dirs.append(os.path.dirname(shutil.which("psql") or ""))
    for d in dirs:
        if d and os.access(os.path.join(d, "psql"), os.X_OK):
            return d
    raise SystemExit("pg_schema_check: no psql; install postgresql-15 (scripts/deps.sh test)")


NS = "n.nspname = current_schema()"

PG_COLUMNS = """
SELECT json_agg(json_build_object('table', c.relname, 'name', a.attname, 'num', a.attnum,
  'type', format_type(a.atttypid, a.atttypmod), 'notnull', a.attnotnull,
  'default', pg_get_expr(d.adbin, d.adrelid), 'identity', a.attidentity)
  ORDER BY c.relname, a.attnum)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
WHERE %s AND c.relkind IN ('r', 'p')""" % NS

PG_INDEXES = """
SELECT json_agg(json_build_object('table', t.relname, 'name', i.relname, 'unique', x.indisunique,
  'cols', (SELECT json_agg(pg_get_indexdef(x.indexrelid, k, true) ORDER BY k)
           FROM generate_series(1, x.indnkeyatts) k),
  'pred', pg_get_expr(x.indpred, x.indrelid),
  'constraint', EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid
                        AND k.contype IN ('p', 'u'))))
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace WHERE %s""" % NS

PG_CONSTRAINTS = """
SELECT json_agg(json_build_object('table', t.relname, 'type', k.contype, 'name', k.conname,
  'cols', (SELECT json_agg(a.attname ORDER BY u.ord) FROM unnest(k.conkey) WITH ORDINALITY u(num, ord)
           JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.num),
  'ref', r.relname,
  'refcols', (SELECT json_agg(a.attname ORDER BY u.ord) FROM unnest(k.confkey) WITH ORDINALITY u(num, ord)
              JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.num),
  'upd', k.confupdtype, 'del', k.confdeltype, 'deferrable', k.condeferrable,
  'def', pg_get_constraintdef(k.oid)))
FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace LEFT JOIN pg_class r ON r.oid = k.confrelid
WHERE %s AND k.contype IN ('p', 'u', 'f', 'c')""" % NS

PG_TRIGGERS = """
SELECT json_agg(json_build_object('table', t.relname, 'name', g.tgname))
FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE %s AND NOT g.tgisinternal""" % NS


# -------------------------------------------------------------------- SQLite


def split_top(body):
    """Splits a CREATE TABLE body at the commas outside parentheses and quotes."""
    parts, depth, cur, q = [], 0, [], None
    for ch in body:
        if q:
            cur.append(ch)
            if ch == q:
                q = None
            continue
        if ch in "'\"`[":
            q = "]" if ch == "[" else ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    if "".join(cur).strip():
        parts.append("".join(cur).strip())
    return parts


def balanced(text, start):
    """The text inside the parentheses that open at TEXT[start]."""
    depth, q = 0, None
    for i in range(start, len(text)):
        ch = text[i]
        if q:
            if ch == q:
                q = None
            continue
        if ch in "'\"":
            q = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return text[start + 1:i]
    raise ValueError("unbalanced: " + text[start:])


def sqlite_checks(create_sql):
    """Every CHECK expression of a CREATE TABLE, column-level or table-level."""
    body = balanced(create_sql, create_sql.index("("))
    out = []
    for part in split_top(body):
        for m in re.finditer(r"\bCHECK\s*\(", part, re.I):
            out.append(balanced(part, m.end() - 1).strip())
    return out


def unquote(name):
    return name[1:-1] if len(name) > 1 and name[0] == name[-1] == '"' else name


def sqlite_schema(path):
    db = sqlite3.connect(path)
    tables = {}
    for name, sql in db.execute(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"):
        info = db.execute("SELECT cid, name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?)",
                          (name,)).fetchall()
        without_rowid = bool(re.search(r"\)\s*WITHOUT\s+ROWID\s*$", sql, re.I))
        pk = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
        rowid_alias = (not without_rowid and len(pk) == 1
                       and [r[2].upper() for r in info if r[1] == pk[0]] == ["INTEGER"])
        cols = []
        for cid, cname, ctype, notnull, dflt, pkpos in info:
            # A primary key column is NOT NULL in a WITHOUT ROWID table and as
            # the rowid; in a rowid table otherwise SQLite lets it be NULL.
            effective = bool(notnull) or (pkpos > 0 and (without_rowid or rowid_alias))
            cols.append({"name": cname, "type": ctype.upper(), "notnull": effective, "default": dflt,
                         "rowid": rowid_alias and pkpos > 0})
        uniques, indexes = [], {}
        for _, iname, unique, origin, partial in db.execute("PRAGMA index_list(%s)" % json.dumps(name)):
            icols = [r[2] for r in db.execute("PRAGMA index_info(%s)" % json.dumps(iname))]
            if origin == "u":
                uniques.append(tuple(icols))
            elif origin == "c":
                isql = db.execute("SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?",
                                  (iname,)).fetchone()[0]
                m = re.search(r"\)\s*WHERE\s+(.*)$", isql, re.I | re.S)
                indexes[iname] = {"table": name, "cols": icols, "unique": bool(unique),
                                  "pred": m.group(1).strip() if m else None}
        fks = {}
        for fid, seq, ref, frm, to, upd, dele, _match in db.execute(
                "PRAGMA foreign_key_list(%s)" % json.dumps(name)):
            fk = fks.setdefault(fid, {"cols": [], "ref": ref, "refcols": [], "upd": upd, "del": dele})
            fk["cols"].append(frm)
            fk["refcols"].append(to)
        tables[name] = {"cols": cols, "pk": tuple(pk), "uniques": uniques, "indexes": indexes,
                        "fks": list(fks.values()), "checks": sqlite_checks(sql)}
    triggers = {(t, n) for n, t in db.execute("SELECT name, tbl_name FROM sqlite_schema WHERE type = 'trigger'")}
    db.close()
    return tables, triggers


# ------------------------------------------------------------------- probing


def words(expr):
    """The names an expression may read (string literals left out)."""
    expr = re.sub(r"'((?:[^']|'')*)'", "''", expr)
    return {unquote(w) for w in re.findall(r'"[^"]+"|\b[a-z_][a-z0-9_]*\b', expr, re.I)}


def literals(exprs):
    texts, ints = set(), set()
    for e in exprs:
        texts.update(s.replace("''", "'") for s in re.findall(r"'((?:[^']|'')*)'", e))
        stripped = re.sub(r"'((?:[^']|'')*)'", "", e)
        ints.update(int(n) for n in re.findall(r"(?<![\w.])-?\d+(?![\w.])", stripped))
    return texts, ints


def probe_values(is_int, exprs):
    texts, ints = literals(exprs)
    if is_int:
        vals = {0, 1, -1, 2, 1000}
        for n in ints:
            vals.update((n - 1, n, n + 1))
        return [None] + sorted(vals)
    vals = {"", "zz-none", "0", "1"}
    for t in texts:
        vals.update((t, t.upper(), t + " ", " " + t))
    return [None] + sorted(vals)


def pg_literal(v, pgtype):
    if v is None:
        return "NULL::" + pgtype
    if isinstance(v, int):
        return "%d::%s" % (v, pgtype)
    return "'%s'::%s" % (v.replace("'", "''"), pgtype)


def probe_rows(cols, lite_exprs, pg_exprs, int_cols):
    """Rows of probe values over COLS: each column varied alone, the others at their first value."""
    per = {c: probe_values(c in int_cols, lite_exprs + pg_exprs) for c in cols}
    base = {c: (per[c][1] if len(per[c]) > 1 else None) for c in cols}
    rows = []
    for c in cols:
        for v in per[c]:
            r = dict(base)
            r[c] = v
            rows.append(r)
    return rows


def eval_sqlite(db, exprs, rows):
    """For each row: the conjunction of EXPRS as SQLite sees it (True, False or None)."""
    out = []
    for r in rows:
        names = list(r)
        sel = ", ".join("? AS \"%s\"" % n for n in names)
        vals = []
        for e in exprs:
            v = db.execute("SELECT (%s) FROM (SELECT %s)" % (e, sel), [r[n] for n in names]).fetchone()[0]
            vals.append(None if v is None else bool(v))
        out.append(conj(vals))
    return out


def eval_pg(pg, exprs, rows, types):
    subs = []
    for r in rows:
        sel = ", ".join("%s AS \"%s\"" % (pg_literal(v, types[n]), n) for n, v in r.items())
        for e in exprs:
            subs.append("(SELECT (%s) FROM (SELECT %s) AS p)" % (e, sel))
    if not subs:
        return [None] * len(rows)
    got = pg.json("SELECT json_build_array(%s)" % ", ".join(subs))
    out, k = [], 0
    for _ in rows:
        out.append(conj(got[k:k + len(exprs)]))
        k += len(exprs)
    return out


def conj(vals):
    if any(v is False for v in vals):
        return False
    if any(v is None for v in vals):
        return None
    return True


def pg_check_expr(defn):
    m = re.match(r"CHECK \((.*)\)$", defn, re.S)
    return m.group(1) if m else defn


def fmt_row(r):
    return ", ".join("%s=%r" % kv for kv in r.items())


# ------------------------------------------------------------------- compare


def compare(pg, lite, lite_db):
    cols_pg = pg.json(PG_COLUMNS) or []
    idx_pg = pg.json(PG_INDEXES) or []
    cons_pg = pg.json(PG_CONSTRAINTS) or []
    trig_pg = pg.json(PG_TRIGGERS) or []
    tables_pg = {}
    for c in cols_pg:
        tables_pg.setdefault(c["table"], []).append(c)
    stats = {"tables": 0, "columns": 0, "indexes": 0, "checks": 0, "probes": 0, "keys": 0}

    for t in sorted(set(lite) - set(tables_pg)):
        diff("table %s: in SQLite, not in PostgreSQL" % t)
    for t in sorted(set(tables_pg) - set(lite) - set(PG_ONLY_TABLES)):
        diff("table %s: in PostgreSQL, not in SQLite" % t)
    for t, want in PG_ONLY_TABLES.items():
        got = [(c["name"], c["type"], c["notnull"]) for c in tables_pg.get(t, [])]
        if got != want:
            diff("table %s: columns %s, expected %s" % (t, got, want))

    for t in sorted(set(lite) & set(tables_pg)):
        stats["tables"] += 1
        L, P = lite[t], tables_pg[t]
        lnames, pnames = [c["name"] for c in L["cols"]], [c["name"] for c in P]
        if lnames != pnames:
            diff("table %s: columns\n    SQLite     %s\n    PostgreSQL %s" % (t, lnames, pnames))
        pcol = {c["name"]: c for c in P}
        types = {c["name"]: c["type"] for c in P}
        int_cols = set()
        for lc in L["cols"]:
            pc = pcol.get(lc["name"])
            if pc is None:
                continue
            stats["columns"] += 1
            name = "%s.%s" % (t, lc["name"])
            if lc["type"] == "INTEGER":
                int_cols.add(lc["name"])
                want = "integer" if lc["name"] in SMALL_INTS else "bigint"
            elif lc["type"] == "TEXT":
                want = "text"
            else:
                want = None
                diff("%s: SQLite type %s has no mapping here" % (name, lc["type"]))
            if want and pc["type"] != want:
                diff("%s: type %s, expected %s (SQLite %s)" % (name, pc["type"], want, lc["type"]))
            if lc["notnull"] != pc["notnull"]:
                diff("%s: NOT NULL %s in SQLite, %s in PostgreSQL" % (name, lc["notnull"], pc["notnull"]))
            pdef = pc["default"]
            if pdef is not None:
                pdef = re.sub(r"::(text|bigint|integer|character varying)$", "", pdef)
            if lc["default"] != pdef:
                diff("%s: DEFAULT %s in SQLite, %s in PostgreSQL" % (name, lc["default"], pc["default"]))
            # An id SQLite assigns (the rowid) is an identity; other rowid
            # aliases (feedback.order_id, link_codes.resident_id,
            # link_reroutes.dead_id) are always given and are not.
            want_ident = "d" if lc["rowid"] and lc["name"] == "id" else ""
            if pc["identity"] != want_ident:
                diff("%s: identity %r, expected %r" % (name, pc["identity"] or "none",
                                                       "BY DEFAULT" if want_ident else "none"))

        # Keys.
        pcons = [k for k in cons_pg if k["table"] == t]
        ppk = [tuple(k["cols"]) for k in pcons if k["type"] == "p"]
        if [L["pk"]] != ppk and not (not L["pk"] and not ppk):
            diff("table %s: primary key %s in SQLite, %s in PostgreSQL" % (t, L["pk"], ppk))
        lu = sorted(L["uniques"])
        pu = sorted(tuple(k["cols"]) for k in pcons if k["type"] == "u")
        if lu != pu:
            diff("table %s: unique keys %s in SQLite, %s in PostgreSQL" % (t, lu, pu))
        stats["keys"] += len(lu) + (1 if L["pk"] else 0)
        lfk = sorted((tuple(f["cols"]), f["ref"], tuple(f["refcols"]), f["upd"], f["del"], False) for f in L["fks"])
        pfk = sorted((tuple(k["cols"]), k["ref"], tuple(k["refcols"]), FK_ACTIONS[k["upd"]], FK_ACTIONS[k["del"]],
                      k["deferrable"]) for k in pcons if k["type"] == "f")
        if lfk != pfk:
            diff("table %s: foreign keys\n    SQLite     %s\n    PostgreSQL %s" % (t, lfk, pfk))
        stats["keys"] += len(lfk)

        # CHECKs, grouped by the columns they read, compared by what they accept.
        colset = set(lnames)
        lchk, pchk = {}, {}
        for e in L["checks"]:
            lchk.setdefault(tuple(sorted(words(e) & colset)), []).append(e)
        for k in pcons:
            if k["type"] == "c":
                pchk.setdefault(tuple(sorted(k["cols"])), []).append(pg_check_expr(k["def"]))
        for key in sorted(set(lchk) | set(pchk)):
            if key not in pchk or key not in lchk:
                diff("table %s: CHECK on %s only in %s: %s" % (
                    t, ",".join(key), "SQLite" if key in lchk else "PostgreSQL", lchk.get(key) or pchk.get(key)))
                continue
            stats["checks"] += 1
            rows = probe_rows(list(key), lchk[key], pchk[key], int_cols)
            stats["probes"] += len(rows)
            a = [v is not False for v in eval_sqlite(lite_db, lchk[key], rows)]
            b = [v is not False for v in eval_pg(pg, pchk[key], rows, types)]
            for r, x, y in zip(rows, a, b):
                if x != y:
                    diff("table %s: CHECK on %s: %s %s by SQLite, %s by PostgreSQL" % (
                        t, ",".join(key), fmt_row(r), "accepted" if x else "refused", "accepted" if y else "refused"))

        # Named indexes (those behind a PRIMARY KEY or UNIQUE were compared as keys).
        lidx = L["indexes"]
        pidx = {i["name"]: i for i in idx_pg if i["table"] == t and not i["constraint"]}
        for n in sorted(set(lidx) - set(pidx)):
            diff("index %s on %s: in SQLite, not in PostgreSQL" % (n, t))
        for n in sorted(set(pidx) - set(lidx)):
            diff("index %s on %s: in PostgreSQL, not in SQLite" % (n, t))
        for n in sorted(set(lidx) & set(pidx)):
            stats["indexes"] += 1
            li, pi = lidx[n], pidx[n]
            pcols = [unquote(c) for c in pi["cols"]]
            if li["cols"] != pcols:
                diff("index %s: columns %s in SQLite, %s in PostgreSQL" % (n, li["cols"], pcols))
            if li["unique"] != pi["unique"]:
                diff("index %s: unique %s in SQLite, %s in PostgreSQL" % (n, li["unique"], pi["unique"]))
            if (li["pred"] is None) != (pi["pred"] is None):
                diff("index %s: partial condition %r in SQLite, %r in PostgreSQL" % (n, li["pred"], pi["pred"]))
            elif li["pred"] is not None:
                read = sorted((words(li["pred"]) | words(pi["pred"])) & colset)
                rows = probe_rows(read, [li["pred"]], [pi["pred"]], int_cols)
                stats["probes"] += len(rows)
                a = [v is True for v in eval_sqlite(lite_db, [li["pred"]], rows)]
                b = [v is True for v in eval_pg(pg, [pi["pred"]], rows, types)]
                for r, x, y in zip(rows, a, b):
                    if x != y:
                        diff("index %s: a row with %s is %s by SQLite (%s), %s by PostgreSQL (%s)" % (
                            n, fmt_row(r), "indexed" if x else "left out", li["pred"],
                            "indexed" if y else "left out", pi["pred"]))

    return stats, {(g["table"], g["name"]) for g in trig_pg}


# ------------------------------------------------------------------ triggers

# (statement, expected outcome): "ok" or "refused". The order's event may
# change its DETAIL only once the order is anonymised, and nothing else ever.
TRIGGER_STEPS = [
    ("INSERT INTO residents (id, created_at, updated_at) VALUES (900001, 1, 1)", "ok"),
    ("INSERT INTO orders (id, number, status, category, resident_id, created_at)"
     " VALUES (900001, 'T-CHECK-1', 'pending', 'repair', 900001, 1)", "ok"),
    ("INSERT INTO order_events (id, order_id, at, action, detail) VALUES (900001, 900001, 1, 'created', 'd0')", "ok"),
    ("UPDATE order_events SET detail = 'd1' WHERE id = 900001", "refused"),
    ("UPDATE order_events SET action = 'x' WHERE id = 900001", "refused"),
    ("DELETE FROM order_events WHERE id = 900001", "refused"),
    ("UPDATE orders SET anonymised_at = 5 WHERE id = 900001", "ok"),
    ("UPDATE order_events SET detail = 'anonymised' WHERE id = 900001", "ok"),
    ("UPDATE order_events SET action = 'x' WHERE id = 900001", "refused"),
    ("UPDATE order_events SET detail = 'd2', at = 2 WHERE id = 900001", "refused"),
    ("UPDATE order_events SET detail = 'd3', old_status = 'closed' WHERE id = 900001", "refused"),
    ("DELETE FROM order_events WHERE id = 900001", "refused"),
    ("DELETE FROM order_events", "refused"),
]
PG_ONLY_STEPS = [("TRUNCATE order_events", "refused"), ("TRUNCATE order_events CASCADE", "refused")]
FINAL = "SELECT count(*), max(detail), max(action) FROM order_events WHERE id = 900001"


def check_triggers(pg, lite_path, lite_triggers, pg_triggers):
    for tr in sorted(lite_triggers - pg_triggers):
        diff("trigger %s on %s: in SQLite, not in PostgreSQL" % (tr[1], tr[0]))
    for tr in sorted(pg_triggers - lite_triggers - PG_ONLY_TRIGGERS):
        diff("trigger %s on %s: in PostgreSQL, not in SQLite" % (tr[1], tr[0]))

    db = sqlite3.connect(lite_path, isolation_level=None)
    db.execute("PRAGMA foreign_keys = ON")
    for sql, want in TRIGGER_STEPS:
        try:
            db.execute(sql)
            lgot, lmsg = "ok", ""
        except sqlite3.DatabaseError as e:
            lgot, lmsg = "refused", str(e)
        ok, _, err = pg.run(sql + ";\n", check=False)
        pgot = "ok" if ok else "refused"
        for side, got, msg in (("SQLite", lgot, lmsg), ("PostgreSQL", pgot, err)):
            if got != want:
                diff("trigger step on %s: %s: %s, expected %s %s" % (side, sql, got, want, msg.strip()))
            elif got == "refused" and "append-only" not in msg:
                diff("trigger step on %s: %s: refused for another reason: %s" % (side, sql, msg.strip()))
        if pgot == "refused" and "append-only" in err and "23001" not in err:
            diff("trigger step on PostgreSQL: %s: SQLSTATE is not 23001: %s" % (sql, err.strip()))
    for sql, want in PG_ONLY_STEPS:
        ok, _, err = pg.run(sql + ";\n", check=False)
        if ok or "append-only" not in err:
            diff("trigger step on PostgreSQL: %s: %s, expected refused (%s)" % (sql, "ok" if ok else err.strip(), want))
    lfin = list(db.execute(FINAL).fetchone())
    _, out, _ = pg.run(FINAL + ";\n")
    pfin = out.strip().split("|")
    pfin = [int(pfin[0]), pfin[1], pfin[2]]
    want = [1, "anonymised", "created"]
    if lfin != want or pfin != want:
        diff("order_events after the trigger steps: SQLite %s, PostgreSQL %s, expected %s" % (lfin, pfin, want))
    db.close()
    return len(TRIGGER_STEPS) + len(PG_ONLY_STEPS)


# ---------------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=os.path.join(ROOT, "build/concierge"))
    ap.add_argument("--schema", default=os.path.join(ROOT, "store/pg_schema.sql"))
    ap.add_argument("--url", help="an empty PostgreSQL database to load the schema into")
    args = ap.parse_args()

    if not os.access(args.binary, os.X_OK):
        raise SystemExit("pg_schema_check: %s is not built (make build/concierge)" % args.binary)
    bindir = pg_bindir()
    tmp = tempfile.mkdtemp(prefix="concierge-pgcheck.")
    os.chmod(tmp, 0o711)  # the server may run as the postgres user (tests/pg.sh)
    pgdir = os.path.join(tmp, "pg")
    started = False
    # A SIGTERM (a test runner giving up) goes through the finally below too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        lite_path = os.path.join(tmp, "c.db")
        p = subprocess.run([args.binary, "--db", lite_path, "orders", "list"], capture_output=True, text=True,
                           cwd=tmp, timeout=60)
        if p.returncode != 0 or not os.path.exists(lite_path):
            raise SystemExit("pg_schema_check: %s could not make a database: %s" % (args.binary, p.stderr.strip()))
        lite_tables, lite_triggers = sqlite_schema(lite_path)

        url = args.url
        if not url:
            subprocess.run([os.path.join(ROOT, "tests/pg.sh"), "start", pgdir], check=True, capture_output=True,
                           text=True, timeout=120)
            started = True
            url = subprocess.run([os.path.join(ROOT, "tests/pg.sh"), "createdb", pgdir, "schema_check"],
                                 check=True, capture_output=True, text=True, timeout=60).stdout.strip()
        pg = PG(url, bindir)
        with open(args.schema) as f:
            ok, _, err = pg.run("BEGIN;\n" + f.read() + "\nCOMMIT;\n", check=False)
        if not ok:
            diff("%s does not load: %s" % (args.schema, err.strip()))
        else:
            lite_db = sqlite3.connect(":memory:")
            stats, pg_triggers = compare(pg, lite_tables, lite_db)
            stats["trigger steps"] = check_triggers(pg, lite_path, lite_triggers, pg_triggers)
    except subprocess.CalledProcessError as e:
        raise SystemExit("pg_schema_check: %s failed: %s" % (" ".join(e.cmd), (e.stderr or "").strip()))
    finally:
        if started:
            subprocess.run([os.path.join(ROOT, "tests/pg.sh"), "stop", pgdir], timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)

    if diffs:
        print("pg_schema_check: %d difference(s) between %s and SQLite" % (len(diffs), os.path.relpath(args.schema)))
        return 1
    print("pg_schema_check: ok: " + ", ".join("%d %s" % (v, k) for k, v in stats.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
