#!/usr/bin/env bash
# `make check`: the architecture, checked. Two rules, one line per finding
# (FILE:LINE: message), exit 1 on any finding, "layers: clean" otherwise.
#
#  1. Layers point down only. A quoted include "X/..." must name a folder the
#     including folder may use:
#       lib/      lib/
#       store/    lib/ store/
#       dialogs/  lib/ dialogs/
#       adapters/ lib/ adapters/
#       bot/      anything
#     A quoted include of any other top-level folder of the tree (build/,
#     tests/, ...) is a finding too. The path is read as the compiler finds
#     it: beside the including file first ("../bot/x.h" from dialogs/ is
#     bot/x.h), then from the top of the tree (-I.), "." and ".." resolved
#     ("lib/../bot/x.h" is bot/x.h). <system> includes are not checked.
#  2. No code outside adapters/ names a channel. The channel names are the
#     `.name = "..."` initialisers in adapters/*.c. In lib/, store/, dialogs/
#     and bot/, with comments removed, a finding is
#       (a) a string literal (or quoted include) holding a channel name as a
#           whole word ("telegram.offset", "web"; not "webhook"), or
#       (b) an identifier with a channel name as one of its `_`-separated
#           parts (cfg->telegram, SENDER_TELEGRAM, web_deliver), or starting
#           with an adapter's own prefix: tg_ / tgc_ (telegram), wr_
#           (wecom_robot), in any case.
#     Case is ignored. A line ending in `/* layers: ok */` is exempt from
#     this rule; say why on the line above.
#
# Every *.c and *.h in the five folders, subfolders included, is read (a file
# in bot/x/ is in the bot layer); build/ and tests/ are not. Usage: scripts/check_layers.sh [ROOT]  (default: the repo;
# the self-test tests/lint/run.sh points it at a fake tree).
set -uo pipefail
if [ $# -gt 0 ]; then
  if [ ! -d "$1" ]; then
    echo "check_layers: $1: not a directory" >&2
    exit 2
  fi
  root=$(cd "$1" && pwd)
fi
cd "$(dirname "$0")/.." || exit 2
root=${root:-.}

python3 - "$root" <<'PY'
import bisect
import os
import re
import sys

root = sys.argv[1]

LAYERS = ("lib", "store", "dialogs", "adapters", "bot")
ALLOWED = {
    "lib": ("lib",),
    "store": ("lib", "store"),
    "dialogs": ("lib", "dialogs"),
    "adapters": ("lib", "adapters"),
    "bot": LAYERS,
}
CHANNEL_FREE = ("lib", "store", "dialogs", "bot")
# Prefixes an adapter's own functions carry, mapped to the channel they name.
PREFIXES = {"tg_": "telegram", "tgc_": "telegram", "wr_": "wecom_robot"}
EXEMPT = re.compile(r"/\*\s*layers:\s*ok\s*\*/\s*$")
NAME_INIT = re.compile(r'\.name\s*=\s*"([a-z0-9_]+)"')
INCLUDE = re.compile(r'^\s*#\s*include\s*(?:"([^"\n]*)"|<[^>\n]*>)')
TOKEN = re.compile(r'''"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?|[A-Za-z_][A-Za-z0-9_]*|[0-9][A-Za-z0-9_.]*''')


def sources(folder):
    """Every *.c and *.h under FOLDER, subfolders included, relative to the root."""
    out = []
    for d, subdirs, files in os.walk(os.path.join(root, folder)):
        subdirs.sort()
        rel = os.path.relpath(d, root)
        out += [os.path.join(rel, f) for f in files if f.endswith((".c", ".h"))]
    return sorted(out)


def include_target(rel, path):
    """Where the quoted include PATH in file REL leads, relative to the root: beside
    REL if that file exists, else from the root (-I.); "." and ".." resolved."""
    beside = os.path.normpath(os.path.join(os.path.dirname(rel), path))
    if not beside.startswith(".." + os.sep) and os.path.isfile(os.path.join(root, beside)):
        return beside
    return os.path.normpath(path)


def read(rel):
    with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
        return f.read()


def strip_comments(text):
    """Comments become spaces, newlines stay, so offsets and lines are kept.
    String and character literals are copied as they are."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        nxt = text[i + 1] if i + 1 < n else ""
        if c == "/" and nxt == "/":
            j = i
            while j < n and text[j] != "\n":
                # a backslash-newline continues a // comment
                if text[j] == "\\" and j + 1 < n and text[j + 1] == "\n":
                    out.append(" \n")
                    j += 2
                    continue
                out.append(" ")
                j += 1
            i = j
        elif c == "/" and nxt == "*":
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(text[i:j])
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


channels = set()
for rel in sources("adapters"):
    if rel.endswith(".c"):
        channels.update(NAME_INIT.findall(read(rel)))
if not channels:
    print("check_layers: no channel names found (no `.name = \"...\"` in adapters/*.c)",
          file=sys.stderr)
word_res = [(ch, re.compile(r"(?<![A-Za-z0-9_])" + re.escape(ch) + r"(?![A-Za-z0-9_])",
                            re.IGNORECASE)) for ch in sorted(channels)]

findings = []  # (file, line, message)


def string_hits(s):
    return [ch for ch, rx in word_res if rx.search(s)]


def ident_hits(ident):
    low = ident.lower()
    hits = [ch for ch in sorted(channels)
            if re.search(r"(?:^|_)" + re.escape(ch) + r"(?:_|$)", low)]
    for pre, ch in PREFIXES.items():
        if low.startswith(pre) and ch not in hits:
            hits.append(ch)
    return hits


for folder in LAYERS:
    for rel in sources(folder):
        raw = read(rel)
        raw_lines = raw.split("\n")
        text = strip_comments(raw)
        lines = text.split("\n")
        check_channels = folder in CHANNEL_FREE
        seen = set()

        def channel(lineno, ch):
            if (lineno, ch) in seen:
                return
            seen.add((lineno, ch))
            findings.append((rel, lineno,
                             'names the channel "%s" (channel code belongs in adapters/)' % ch))

        # Includes first, then blank them so their header names are not read
        # as code below.
        for idx, line in enumerate(lines):
            m = INCLUDE.match(line)
            if not m:
                continue
            lineno = idx + 1
            path = m.group(1)
            if path is not None:
                target = include_target(rel, path).split(os.sep)
                top = target[0] if len(target) > 1 else None
                if top is not None and top not in ALLOWED[folder] and \
                        (top in LAYERS or os.path.isdir(os.path.join(root, top))):
                    allowed = [a + "/" for a in ALLOWED[folder]]
                    findings.append((rel, lineno,
                                     'includes "%s": %s/ may only include %s' %
                                     (path, folder, ", ".join(allowed[:-1]) +
                                      " and " + allowed[-1] if len(allowed) > 1
                                      else allowed[0])))
                if check_channels and not EXEMPT.search(raw_lines[idx]):
                    for ch in string_hits(path):
                        channel(lineno, ch)
            lines[idx] = ""

        if not check_channels:
            continue
        text = "\n".join(lines)
        starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
        for m in TOKEN.finditer(text):
            tok = m.group(0)
            idx = bisect.bisect_right(starts, m.start()) - 1
            if EXEMPT.search(raw_lines[idx]):
                continue
            if tok[0] == '"':
                hits = string_hits(tok[1:-1] if tok.endswith('"') and len(tok) > 1 else tok[1:])
            elif tok[0] == "'" or tok[0].isdigit():
                continue
            else:
                hits = ident_hits(tok)
            for ch in hits:
                channel(idx + 1, ch)

findings.sort(key=lambda f: (f[0], f[1], f[2]))
for f, line, msg in findings:
    print("%s:%d: %s" % (f, line, msg))
if findings:
    print("layers: %d findings" % len(findings))
    sys.exit(1)
print("layers: clean")
PY
