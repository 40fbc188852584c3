#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/TARGET/) from the
test fixtures (tests/fixtures/) and a few hand-written inputs, each with the
leading bytes its target reads (see each tests/fuzz/fuzz_*.c). The corpora are
kept in the repository; run this again after a fixture changes:
    python3 tests/fuzz/make_corpus.py
"""
import json
import os
import shutil
import urllib.parse

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FIX = os.path.join(ROOT, "tests", "fixtures")
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")

corpora = {}


def seed(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    corpora.setdefault(target, {})[name] = data


def fixture(*parts):
    with open(os.path.join(FIX, *parts), "rb") as f:
        return f.read()


def files(sub, ext):
    d = os.path.join(FIX, sub)
    return sorted(n for n in os.listdir(d) if n.endswith(ext))


def compact(raw):
    return json.dumps(json.loads(raw), ensure_ascii=False, separators=(",", ":")).encode()


# ---- fuzz_adapters: byte 0 the case, byte 1 the flags, then the body ----
A = "fuzz_adapters"
seed(A, "generic-text", b"\x00\x00" + json.dumps(
    {"id": "m1", "user": "u1", "chat": "c1", "text": "/repair 厨房漏水", "name": "李伟",
     "lang": "zh", "group": True, "addressed": True}, ensure_ascii=False).encode())
seed(A, "generic-bad-sig", b"\x00\x01sha256=00\n{\"id\":\"m1\",\"user\":\"u1\",\"chat\":\"c1\",\"text\":\"hi\"}")
updates = []
for n in files("telegram", ".json"):
    raw = fixture("telegram", n)
    seed(A, "telegram-" + n[:-5], b"\x01\x00" + raw)
    updates.append(compact(raw))
seed(A, "telegram-wrong-secret", b"\x01\x01wrong\n" + fixture("telegram", "private_text.json"))
seed(A, "telegram-poll", b"\x02\x00[" + b",".join(updates[:6]) + b"]")
seed(A, "telegram-poll-empty", b"\x02\x00[]")
for n in files("slack", ".json"):
    raw = fixture("slack", n)
    if n == "block_actions.json":
        seed(A, "slack-interactive", b"\x04\x00payload=" + urllib.parse.quote(compact(raw)).encode())
        env = {"type": "interactive", "envelope_id": "e2", "payload": json.loads(raw)}
    else:
        seed(A, "slack-" + n[:-5], b"\x03\x00" + raw)
        env = {"type": "events_api", "envelope_id": "e1", "payload": json.loads(raw)}
    if n in ("app_mention.json", "block_actions.json", "thread_reply.json"):
        seed(A, "slack-socket-" + n[:-5], b"\x06\x00" + b"\n".join([
            b'{"type":"hello"}', json.dumps(env, ensure_ascii=False).encode(),
            b'{"type":"disconnect","reason":"warning"}']))
seed(A, "slack-command", b"\x05\x00" + fixture("slack", "slash_command.txt").strip())
seed(A, "slack-socket-command", b"\x06\x00" + json.dumps(
    {"type": "slash_commands", "envelope_id": "e3", "payload": dict(urllib.parse.parse_qsl(
        fixture("slack", "slash_command.txt").decode().strip()))}).encode())
ob = []
for n in files("onebot", ".json"):
    raw = fixture("onebot", n)
    if n != "answer_ok.json":
        seed(A, "onebot-" + n[:-5], b"\x07\x00" + raw)
    ob.append(compact(raw))
seed(A, "onebot-ws", b"\x08\x00" + b"\n".join(ob))
for n in ("text", "click", "image", "subscribe", "voice_plain", "voice_recognition", "malformed",
          "duplicate", "external_entity"):
    raw = fixture("wechat", n + ".xml")
    seed(A, "wechat-plain-" + n, b"\x09\x00" + raw)
for n in ("text", "click", "image"):
    seed(A, "wechat-safe-" + n, b"\x0a\x00" + fixture("wechat", n + ".xml"))
seed(A, "wechat-url-check", b"\x09\x02echo-me")
seed(A, "wechat-safe-raw", b"\x0a\x02" + fixture("wechat", "text.xml"))
seed(A, "wecom-text", b"\x0b\x00" + fixture("wechat", "wecom_text.xml"))
seed(A, "wecom-raw", b"\x0b\x02<xml><Encrypt><![CDATA[AAAA]]></Encrypt></xml>")
seed(A, "web-chat", b"\x0c\x02" + "\n".join([
    '{"type":"hello","lang":"zh"}',
    '{"type":"say","id":"p1","text":"报修 厨房水管漏水"}',
    '{"type":"say","id":"p2","data":"/repair"}',
    '{"type":"photo","id":"p3","mime":"image/png","data":"iVBORw0KGgo="}',
    '{"type":"nope"}']).encode())
seed(A, "web-staff", b"\x0c\x04" + b'{"type":"hello","staff":"staff-token-0123456789"}\n'
     b'{"type":"say","id":"s1","text":"/accept 261126-001"}')

# ---- fuzz_wx: byte 0 the part, byte 1 a size or flag ----
W = "fuzz_wx"
for n in files("wechat", ".xml"):
    raw = fixture("wechat", n)
    seed(W, "xml-" + n[:-4], b"\x00\x00" + raw)
    if len(raw) < 2000:
        seed(W, "round-" + n[:-4], b"\x02\x07" + raw)
seed(W, "xml-small-values", b"\x00\x21" + fixture("wechat", "text.xml"))
VEC_ENCRYPT = (
    "jn1L23DB+6ELqJ+6bruv24PZVIfGgSq8AEzKMpHlJfLZ08jpLz4ItAKiRG036IML4FwlJpnF8GGD2V5EwsxadzI/"
    "akYJZDpFs9knYRe2Ue+ujRMyg3jh7Ah3hIVzhZ3Sj8s4j/U+jiknZ43FIhqmkY6mBQ6Zv16RRVdOd7aNLpr7fBNkzAV"
    "MpnNMKvt9HoIf48NX7Ts5vdc8J54vK4GdZwamp6eb/bPEmOom+YMRdEd8gjvgDNTT/Kh2xr6lw0oGbk6+CHVSMmFK/"
    "aP8C3q9T6zt1SUsL25EJDyHiaEyDC4OmBLUZIfP/0jlPWcAPg0/vS4yHT4T3egqGBCfnWCXteBaIILXZRnInAkwRw0b"
    "sFqrUKYPpbM/hF0dcPHAhPBwS3uUsBOxTmOyxpUxRaT/5yoveQcF7ALwzZqDJp1BdcQ=")
seed(W, "decrypt-vector", b"\x01\x00" + VEC_ENCRYPT.encode())
seed(W, "decrypt-short", b"\x01\x00AAAA")
env = ("<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><Encrypt><![CDATA["
       + VEC_ENCRYPT + "]]></Encrypt></xml>").encode()
seed(W, "open-signed", b"\x03\x01" + env)
seed(W, "open-wrong", b"\x03\x00" + env)

# ---- fuzz_config: byte 0 the small error buffer's size ----
C = "fuzz_config"
for n in files("config", ".json"):
    seed(C, n[:-5], b"\x50" + fixture("config", n))
with open(os.path.join(ROOT, "config.example.json"), "rb") as f:
    seed(C, "example", b"\x10" + f.read())
seed(C, "empty-object", b"\x00{}")
# inputs that once failed, replayed by every `make test`
seed(C, "regress-keyword-not-string", b"\x50" + json.dumps(
    {"communities": [{"id": "c1", "name": "C"}], "catalogue": [
        {"id": "ask", "category": "inquiry", "name": "Q", "response_minutes": 15,
         "keywords": [0, "问"]}]}).encode())
seed(C, "regress-newline-in-key", b"\x50{\"x\\nconfig.json: fine\": 1}")
seed(C, "regress-newline-near-error", b"\x50{\n  \"staff\": [],\n  \"commun\\\n}\n")

# ---- fuzz_validate: byte 0 a small buffer's size, byte 1 "now" ----
V = "fuzz_validate"
for i, text in enumerate([
        "3-2-501", "3栋2单元501室", "3号楼2单元501", "A座2单元501", "12-1203", "１２栋１２０３",
        "3 2 501", "3/2/501", "501", "13800138000", "138 0013 8000", "+86 138-0013-8000",
        "010-12345678", "(021)12345678", "电话：0755 8888 6666", "Tel 12345",
        "今天下午3点", "明天上午", "后天晚上7点半", "周六上午", "下周一", "tomorrow 9am",
        "2026-11-28 15:00", "11月28日下午3点", "三点半", "下午3-5点", "3天后", "in 30 minutes",
        "尽快", "明天或者后天", "2月30日", "李伟", "@bot", "报修 3-2-501 电话13800138000 厨房漏水",
        "  kitchen\u3000tap  leaking ", "\u200b\ufeff", "0133-3-8", "9999-11-28 15:00"]):
    seed(V, "text-%02d" % i, bytes([(i * 7) % 48, i % 24]) + text.encode())

# ---- fuzz_dialog: byte 0 how it begins, byte 1 "now"; one message a line ----
D = "fuzz_dialog"
convs = [
    (0x00, ["厨房水管漏水，很急", "3-2-501", "李伟", "13800138000", "明天上午", "确认"]),
    (0x01, ["灯坏了", "3栋2单元501", "张三", "13912345678", "尽快", "返回", "13912345679", "确认"]),
    (0x02, ["打扫客厅", "取消"]),
    (0x03, ["帮我取个快递", "3-2-501", "王五", "13800138000", "今天下午3点", "提交"]),
    (0x04, ["物业费怎么交"]),
    (0x08, ["我家厨房漏水", "是", "明天下午3点", "确认"]),
    (0x88, ["卫生间堵了", "否", "3-2-501", "李伟", "13800138000", "随时", "是"]),
    (0x11, ["kitchen tap leaking", "3-2-501", "Li Wei", "13800138000", "tomorrow 9am", "yes"]),
    (0x21, ["@bot 报修 3-2-501 电话13800138000 厨房漏水", "李伟", "尽快", "确认"]),
    (0x41, ["门锁坏了", "3-2-501", "是", "5", "很好", "李伟", "13800138000", "尽快", "确认"]),
    (0x05, ["是", "5", "很好"]),
    (0x05, ["没修好"]),
    (0x15, ["yes", "4", "skip"]),
    (0x06, ["满意"]),
    (0x06, ["不满意"]),
    (0x07, ["是", "满意", "谢谢"]),
    (0x17, ["no", "no", "the tap still drips"]),
    (0x00, ["楼上装修太吵了，投诉", "3-2-501", "李伟", "13800138000", "确认"]),
    (0x00, ["电梯困人了！5栋电梯卡在8楼"]),
    (0x00, ["你好", "报修", "厨房漏水", "3-2-501", "李伟", "13800138000", "明天", "确认"]),
]
for i, (how, lines) in enumerate(convs):
    seed(D, "conversation-%02d" % i, bytes([how, i % 12]) + "\n".join(lines).encode())
with open(os.path.join(FIX, "first_messages.tsv"), encoding="utf-8") as f:
    firsts = [ln.split("\t")[0] for ln in f if ln.strip() and not ln.startswith("#")]
for i, text in enumerate(firsts[::max(1, len(firsts) // 16)][:16]):
    seed(D, "first-%02d" % i, b"\x00\x01" + (text + "\n3-2-501\n李伟\n13800138000\n尽快\n确认").encode())

# ---- fuzz_http: byte 0 the method (bit 0); the path, then a header value ----
H = "fuzz_http"
for i, p in enumerate(["/", "/index.html", "/chat.js", "/hooks/telegram", "/hooks/generic",
                       "/hooks/slack", "/hooks/slack/interactive", "/hooks/slack/commands",
                       "/hooks/onebot", "/hooks/wechat", "/hooks/wecom", "/onebot/v11/ws",
                       "/ws/chat", "/console", "/api/orders/261126-001", "/healthz",
                       "/../etc/passwd", "//index.html"]):
    seed(H, "get-%02d" % i, b"\x00" + p.encode() + b"\nSecret_1")
    seed(H, "post-%02d" % i, b"\x01" + p.encode() + b"\nsha256=00\x01")

shutil.rmtree(OUT, ignore_errors=True)
for target, seeds in corpora.items():
    os.makedirs(os.path.join(OUT, target))
    for name, data in seeds.items():
        with open(os.path.join(OUT, target, name), "wb") as f:
            f.write(data)
    print("%-14s %3d seeds" % (target, len(seeds)))
