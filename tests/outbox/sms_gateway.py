#!/usr/bin/env python3
"""An SMS gateway on loopback speaking the format Guichet's SmsSender posts
(src/channels/outbound/sms_sender.hpp): POST /messages, form-encoded From, To,
Body (or JSON from/to/body), Idempotency-Key header. Answers 201
{"sid": "SM…", "status": "queued"}; numbers starting with +336000 are
"invalid" (400, a permanent failure); a repeated Idempotency-Key returns the
first answer without sending again.

Delivery receipts: when a message names a StatusCallback (form) or
status_callback (JSON) and the gateway was given SECRET, it posts the
message's status there like common gateways do — "sent", then "delivered",
or "undelivered" with ErrorCode 30003 for numbers starting with +3370000 —
form-encoded, signed `X-Guichet-Signature: sha256=<HMAC-SHA256 of the body>`,
trying again (404, 5xx, refused) for a few seconds.

Usage: sms_gateway.py PORT DIR [SECRET] — each SMS sent is written to DIR/<n>.json.
"""
import hashlib
import hmac
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"count": 0, "keys": {}}


def post_receipt(url, secret, fields):
    body = urllib.parse.urlencode(fields).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Guichet-Signature": signature})
    for _ in range(50):
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                if 200 <= answer.status < 300:
                    return
        except urllib.error.HTTPError as e:
            if e.code not in (404, 409) and e.code < 500:
                return  # refused for good: a real gateway gives up too
        except OSError:
            pass
        time.sleep(0.2)


def send_receipts(url, secret, sid, to):
    time.sleep(0.1)
    post_receipt(url, secret, {"MessageSid": sid, "MessageStatus": "sent"})
    if to.startswith("+3370000"):
        post_receipt(url, secret, {"MessageSid": sid, "MessageStatus": "undelivered",
                                   "ErrorCode": "30003"})
    else:
        post_receipt(url, secret, {"MessageSid": sid, "MessageStatus": "delivered"})


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def answer(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        if self.path != "/messages":
            return self.answer(404, {"message": "not found"})
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Content-Type", "").startswith("application/json"):
            data = json.loads(raw)
            msg = {"From": data.get("from"), "To": data.get("to"), "Body": data.get("body"),
                   "StatusCallback": data.get("status_callback")}
        else:
            form = urllib.parse.parse_qs(raw.decode(), keep_blank_values=True)
            msg = {k: v[0] for k, v in form.items()}
        to = msg.get("To") or ""
        if not to.startswith("+") or to.startswith("+336000"):
            return self.answer(400, {"message": "numéro invalide", "code": 21211})
        key = self.headers.get("Idempotency-Key", "")
        with LOCK:
            if key and key in STATE["keys"]:
                return self.answer(201, STATE["keys"][key])
            STATE["count"] += 1
            n = STATE["count"]
            reply = {"sid": "SM%06d" % n, "status": "queued"}
            if key:
                STATE["keys"][key] = reply
            msg["sid"] = reply["sid"]
            msg["idempotency_key"] = key
            msg["authorization"] = self.headers.get("Authorization", "")
            # Written under a dot-name first: the tests skip dot-files, so
            # they never read a message half-written.
            tmp = os.path.join(self.directory, ".%06d.tmp" % n)
            with open(tmp, "w") as f:
                json.dump(msg, f, ensure_ascii=False)
            os.rename(tmp, os.path.join(self.directory, "%06d.json" % n))
        self.answer(201, reply)
        callback = msg.get("StatusCallback")
        if callback and self.secret:
            threading.Thread(target=send_receipts, daemon=True,
                             args=(callback, self.secret, reply["sid"], to)).start()


def main():
    port = int(sys.argv[1])
    Handler.directory = sys.argv[2]
    Handler.secret = sys.argv[3] if len(sys.argv) > 3 else ""
    os.makedirs(Handler.directory, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
