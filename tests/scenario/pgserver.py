"""A PostgreSQL server for scenario tests, and fresh databases on it.

The server is the one tests/run.sh started (its URL in CONCIERGE_TEST_PG),
or, when a test runs on its own, a throwaway one tests/pg.sh starts for the
test module (server() / stop()). new_database() makes an empty database
(template0, UTF8, C collation, as an operator is told to) and returns its
URL; psql runs SQL for checks. Standard library only.
"""
import glob
import os
import re
import shutil
import subprocess
import tempfile
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_own = {"dir": None, "url": None}


def bindir():
    """PostgreSQL's client and server programs, or None when not installed."""
    for d in (os.environ.get("PG_BINDIR"),):
        if d and os.path.exists(os.path.join(d, "psql")):
            return d
    try:
        d = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
        if d and os.path.exists(os.path.join(d, "initdb")):
            return d
    except OSError:
        pass
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


def server():
    """The server's URL (its postgres database), starting one when none runs."""
    url = os.environ.get("CONCIERGE_TEST_PG")
    if url:
        return url
    if _own["url"]:
        return _own["url"]
    d = tempfile.mkdtemp(prefix="concierge-pg-")
    p = subprocess.run([os.path.join(ROOT, "tests", "pg.sh"), "start", d],
                       capture_output=True, text=True)
    if p.returncode != 0:
        shutil.rmtree(d, ignore_errors=True)
        raise RuntimeError("tests/pg.sh start: " + p.stderr[-2000:])
    _own["dir"], _own["url"] = d, p.stdout.strip().splitlines()[-1]
    return _own["url"]


def stop():
    """Stops the server server() started (not run.sh's)."""
    if _own["dir"]:
        subprocess.run([os.path.join(ROOT, "tests", "pg.sh"), "stop", _own["dir"]],
                       capture_output=True)
        _own["dir"] = _own["url"] = None


def with_database(url, name):
    """URL with its database replaced by NAME."""
    scheme, rest = url.split("://", 1)
    return scheme + "://" + re.sub(r"/[^/?]*(\?|$)", "/" + name + r"\1", rest, count=1)


def psql(url, sql):
    """Runs SQL on URL; the rows as lists of strings (unaligned, tab-separated)."""
    p = subprocess.run([os.path.join(bindir(), "psql"), "-XAtq", "-F", "\t", "-v",
                        "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("psql: %s: %s" % (sql[:80], p.stderr.strip()))
    return [line.split("\t") for line in p.stdout.splitlines()]


def new_database(prefix="t"):
    """A new empty database on the server; its URL."""
    url = server()
    name = "%s_%s" % (prefix, uuid.uuid4().hex[:12])
    psql(url, "CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C'"
              " LC_CTYPE 'C'" % name)
    return with_database(url, name)
