#!/usr/bin/env python3
"""Helpers of generate.sh (see its header): the refusing/capturing SMTP sink, the test-mail sender and the collector.

  mtadsn.py routes  TABLE                       print "domain ip" lines: where each row's test domain is routed
  mtadsn.py sink    TABLE CAPTURE_DIR [PORT]    run the sink (loopback only) until killed
  mtadsn.py send    TABLE HOST:PORT [ROWS]      submit one test mail per row and phase to an MTA's listener
  mtadsn.py count   TABLE CAPTURE_DIR [ROWS]          print "finals delays expected_finals" captured so far
  mtadsn.py collect TABLE CAPTURE_DIR OUT MTA   copy the captured DSNs to OUT/MTA/ and rewrite OUT/labels.jsonl for MTA

The sink (RFC 5321) listens on one loopback address per table row (ROW_NET.N, N = row number) and on CAPTURE_IP.
A recipient <id>-<phase>@<id>.refuse.test gets the row's reply at RCPT (phase rcpt) or after the message data
(phase data); "stall" rows never answer the end of data; "refused" rows' address has no listener. Mail for
capture.test is accepted and written to CAPTURE_DIR: the test mails' envelope senders are b-<id>-<phase>@capture.test,
so each DSN lands under the name of the test mail it reports on.
"""
import json
import os
import re
import socket
import socketserver
import sys
import threading
import time

ROW_NET = "127.0.2."
CAPTURE_IP = "127.0.3.1"
CAPTURE_DOMAIN = "capture.test"
DEFAULT_PORT = 2525


def load(table):
    rows = []
    with open(table, encoding="utf-8") as f:
        header = None
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if header is None:
                header = cols
                continue
            r = dict(zip(header, cols))
            r["reply_lines"] = r["reply"].split("\\n")
            rows.append(r)
    for i, r in enumerate(rows):
        r["ip"] = ROW_NET + str(i + 1)
        r["domain"] = r["id"] + ".refuse.test"
    return rows


def phases(row):
    p = row["phase"]
    return ["rcpt", "data"] if p == "both" else [p]


def test_mails(rows):
    """(row, phase, recipient, sender) of every test mail."""
    for r in rows:
        for p in phases(r):
            yield r, p, f"{r['id']}-{p}@{r['domain']}", f"b-{r['id']}-{p}@{CAPTURE_DOMAIN}"


def temporary(row):
    return row["phase"] in ("stall", "refused") or row["reply_lines"][0][:1] == "4"


# ------------------------------------------------------------------ sink
class Handler(socketserver.StreamRequestHandler):
    timeout = 300

    def send(self, text):
        self.wfile.write(text.encode("utf-8") + b"\r\n")
        self.wfile.flush()

    def reply(self, lines, rcpt):
        lines = [l.replace("{rcpt}", rcpt) for l in lines]
        for i, l in enumerate(lines):
            code = l[:3]
            rest = l[4:] if len(l) > 3 else ""
            self.send(code + ("-" if i < len(lines) - 1 else " ") + rest)
        return lines[-1][:3]

    def handle(self):
        srv = self.server.sink
        self.send("220 sink.refuse.test ESMTP Rebound refusing sink")
        sender, rcpts = None, []
        while True:
            raw = self.rfile.readline(4096)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb in ("EHLO",):
                self.send("250-sink.refuse.test\r\n250-SIZE 104857600\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES")
            elif verb == "HELO":
                self.send("250 sink.refuse.test")
            elif verb == "MAIL":
                sender, rcpts = addr(line), []
                self.send("250 2.1.0 Ok")
            elif verb == "RCPT":
                rcpt = addr(line)
                row = srv.row_for(rcpt)
                if rcpt.lower().endswith("@" + CAPTURE_DOMAIN) or row is None:
                    rcpts.append((rcpt, None))
                    self.send("250 2.1.5 Ok")
                elif rcpt.split("@")[0].endswith("-rcpt"):
                    if self.reply(row["reply_lines"], rcpt) == "421":
                        return
                else:
                    rcpts.append((rcpt, row))
                    self.send("250 2.1.5 Ok")
            elif verb == "DATA":
                if not rcpts:
                    self.send("554 5.5.1 Error: no valid recipients")
                    continue
                self.send("354 End data with <CR><LF>.<CR><LF>")
                data = bytearray()
                while True:
                    l = self.rfile.readline(1 << 20)
                    if not l:
                        return
                    if l in (b".\r\n", b".\n"):
                        break
                    if l.startswith(b"."):
                        l = l[1:]
                    data += l
                rcpt, row = rcpts[0]
                if row is None:
                    for r, _ in rcpts:
                        srv.capture(r, sender, bytes(data))
                    self.send("250 2.0.0 Ok: captured")
                elif rcpt.split("@")[0].endswith("-stall"):
                    time.sleep(120)
                    return
                elif rcpt.split("@")[0].endswith("-data"):
                    if self.reply(row["reply_lines"], rcpt) == "421":
                        return
                else:
                    self.send("250 2.0.0 Ok: accepted")
                sender, rcpts = None, []
            elif verb == "RSET":
                sender, rcpts = None, []
                self.send("250 2.0.0 Ok")
            elif verb == "NOOP":
                self.send("250 2.0.0 Ok")
            elif verb == "QUIT":
                self.send("221 2.0.0 Bye")
                return
            else:
                self.send("502 5.5.2 Error: command not recognized")


def addr(line):
    m = re.search(r"<([^>]*)>", line)
    return m.group(1) if m else line.split(":", 1)[-1].strip()


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


class Sink:
    def __init__(self, rows, capture_dir):
        self.rows = {r["id"]: r for r in rows}
        self.capture_dir = capture_dir
        self.lock = threading.Lock()
        self.seq = 0

    def row_for(self, rcpt):
        local = rcpt.split("@")[0]
        return self.rows.get(local.rsplit("-", 1)[0])

    def capture(self, rcpt, sender, data):
        with self.lock:
            self.seq += 1
            name = f"{rcpt.split('@')[0]}.{int(time.time() * 1000)}.{self.seq:05d}.eml"
            os.makedirs(self.capture_dir, exist_ok=True)
            with open(os.path.join(self.capture_dir, name), "wb") as f:
                f.write(data.replace(b"\r\n", b"\n"))


def sink(table, capture_dir, port=DEFAULT_PORT):
    rows = load(table)
    s = Sink(rows, capture_dir)
    servers = []
    for ip in [CAPTURE_IP] + [r["ip"] for r in rows if r["phase"] != "refused"]:
        srv = Server((ip, port), Handler)
        srv.sink = s
        servers.append(srv)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    print(f"sink: {len(servers)} listeners on port {port}, capturing to {capture_dir}", flush=True)
    while True:
        time.sleep(3600)


# ------------------------------------------------------------------ sender
def send(table, hostport, only=None):
    host, port = hostport.rsplit(":", 1)
    n = 0
    for r, p, rcpt, sender in test_mails(load(table)):
        if only and r["id"] not in only:
            continue
        tag = f"{r['id']}-{p}"
        msg = (f"From: Rebound test <{sender}>\r\nTo: <{rcpt}>\r\nSubject: Rebound DSN test {tag}\r\n"
               f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime())}\r\n"
               f"Message-ID: <{tag}.{int(time.time())}@sender.rebound.test>\r\nMIME-Version: 1.0\r\n"
               f"Content-Type: text/plain; charset=us-ascii\r\n\r\n"
               f"Test message {tag} for the Rebound DSN generator.\r\n")
        with socket.create_connection((host, int(port)), timeout=60) as s:
            f = s.makefile("rwb")

            def cmd(c, expect):
                if c is not None:
                    f.write(c.encode() + b"\r\n")
                    f.flush()
                while True:
                    l = f.readline().decode()
                    if len(l) < 4 or l[3] != "-":
                        break
                if not l.startswith(expect):
                    raise SystemExit(f"send {tag}: {c!r} got {l.strip()!r}")

            cmd(None, "220")
            cmd("EHLO sender.rebound.test", "250")
            cmd(f"MAIL FROM:<{sender}>", "250")
            cmd(f"RCPT TO:<{rcpt}>", "250")
            cmd("DATA", "354")
            cmd(msg + ".", "250")
            cmd("QUIT", "221")
        n += 1
    print(f"send: {n} test mails submitted to {hostport}", flush=True)


# ------------------------------------------------------------------ collector
def is_delay(data):
    head = data.split(b"\n\n", 1)[0].decode("utf-8", "replace")
    subject = re.search(r"(?mi)^Subject:(.*(?:\n[ \t].*)*)", head)
    subject = subject.group(1).lower() if subject else ""
    text = data.decode("utf-8", "replace")
    if re.search(r"(?mi)^Action:\s*failed", text):
        return False
    # OpenSMTPD reports an expired envelope in its delay notice's layout (Action: delayed) with RFC 3463 4.4.7,
    # "delivery time expired": the MTA gave up, so it is the final DSN.
    if re.search(r"(?mi)^Status:\s*[45]\.4\.7\b", text) or "envelope expired" in text.lower():
        return False
    return bool(re.search(r"(?mi)^Action:\s*delayed", text)) or "delay" in subject or "warning" in subject


def captured(table, capture_dir):
    """{(id, phase): {"final": [paths], "delay": [paths]}}"""
    out = {}
    if not os.path.isdir(capture_dir):
        return out
    for name in sorted(os.listdir(capture_dir), key=lambda n: n.split(".")[1:]):
        m = re.match(r"b-([a-z0-9]+)-([a-z]+)\.", name)
        if not m:
            continue
        path = os.path.join(capture_dir, name)
        with open(path, "rb") as f:
            kind = "delay" if is_delay(f.read()) else "final"
        out.setdefault((m.group(1), m.group(2)), {"final": [], "delay": []})[kind].append(path)
    return out


def count(table, capture_dir, only=None):
    got = captured(table, capture_dir)
    finals = sum(1 for v in got.values() if v["final"])
    delays = sum(1 for v in got.values() if v["delay"])
    expected = sum(1 for r, _, _, _ in test_mails(load(table)) if not only or r["id"] in only)
    print(finals, delays, expected)


def collect(table, capture_dir, out, mta):
    rows = load(table)
    got = captured(table, capture_dir)
    os.makedirs(os.path.join(out, mta), exist_ok=True)
    for old in os.listdir(os.path.join(out, mta)):
        os.remove(os.path.join(out, mta, old))
    labels_path = os.path.join(out, "labels.jsonl")
    labels = []
    if os.path.exists(labels_path):
        with open(labels_path, encoding="utf-8") as f:
            labels = [json.loads(l) for l in f if l.strip() and json.loads(l)["mta"] != mta]
    missing = []
    for r, p, rcpt, sender in test_mails(rows):
        v = got.get((r["id"], p), {"final": [], "delay": []})
        for kind in ("final", "delay"):
            if not v[kind]:
                if kind == "final":
                    missing.append(f"{r['id']}-{p}")
                continue
            name = f"{r['id']}-{p}" + (".delay" if kind == "delay" else "") + ".eml"
            with open(v[kind][0], "rb") as src, open(os.path.join(out, mta, name), "wb") as dst:
                dst.write(src.read())
            quoted = True
            if r["phase"] not in ("stall", "refused"):
                with open(v[kind][0], "rb") as src:
                    quoted = quotes(src.read().decode("utf-8", "replace"), r["reply_lines"][-1].replace("{rcpt}", rcpt))
            outcome, reason = ("DEFERRED" if kind == "delay" else r["outcome"]), r["reason"]
            if kind == "final" and not quoted:
                # A final DSN that does not quote the receiver's reply (OpenSMTPD: "Envelope expired") says only that
                # the MTA gave up.
                outcome, reason = "BOUNCED_SOFT", "expired"
            labels.append({"file": f"{mta}/{name}", "mta": mta, "row": r["id"], "phase": p, "kind": kind,
                           "recipient": rcpt, "replyQuoted": quoted,
                           "outcome": outcome, "reason": reason,
                           "reply": r["reply"], "source": r["source"]})
    order = {"postfix": 0, "exim": 1, "sendmail": 2, "opensmtpd": 3}
    labels.sort(key=lambda l: (order.get(l["mta"], 9), l["file"]))
    with open(labels_path, "w", encoding="utf-8") as f:
        for l in labels:
            f.write(json.dumps(l, ensure_ascii=False) + "\n")
    n = sum(1 for l in labels if l["mta"] == mta)
    print(f"collect {mta}: {n} DSNs ({sum(1 for l in labels if l['mta'] == mta and l['kind'] == 'delay')} delay notices); "
          f"no final DSN for: {' '.join(missing) or 'none'}", flush=True)


def squeezed(text):
    return re.sub(r"\s+", " ", text.replace("\\n", " ")).lower()


def quotes(notice, last_reply_line):
    """Whether the notice quotes the reply to its end (Exim cuts a delay notice's reason after about 80 characters)."""
    tail = squeezed(last_reply_line).strip()[-25:]
    return tail in squeezed(notice)


def routes(table):
    for r in load(table):
        print(r["domain"], r["ip"])


if __name__ == "__main__":
    a = sys.argv[1:]
    if not a:
        raise SystemExit(__doc__)
    if a[0] == "routes":
        routes(a[1])
    elif a[0] == "sink":
        sink(a[1], a[2], int(a[3]) if len(a) > 3 else DEFAULT_PORT)
    elif a[0] == "send":
        send(a[1], a[2], set(a[3].split(",")) if len(a) > 3 else None)
    elif a[0] == "count":
        count(a[1], a[2], set(a[3].split(",")) if len(a) > 3 else None)
    elif a[0] == "collect":
        collect(a[1], a[2], a[3], a[4])
    else:
        raise SystemExit(__doc__)
