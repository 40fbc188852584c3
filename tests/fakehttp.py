"""fakehttp.py - what the fake platform servers in tests/ share.

Handler reads a request body the way real platforms accept it (with a
Content-Length or chunked) and answers JSON or bytes; each fake subclasses it and answers in its
platform's shape. Server runs a fake's handler on threads, with the fake's
own objects as attributes. Standard library only.
"""
import json
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as libcurl expects of the real APIs
    json_type = "application/json"  # the Content-Type of send_json's answers

    def send_json(self, status, obj, headers=None):
        self.send_raw(status, json.dumps(obj, ensure_ascii=False).encode("utf-8"),
                      self.json_type, headers)

    def send_raw(self, status, body, ctype, headers=None):
        """Answers STATUS with BODY (bytes) of type CTYPE, and HEADERS (a dict)."""
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def hang_up(self):
        """Closes the connection without an answer (a platform that went away)."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler, verbose=False, **attrs):
        super().__init__(address, handler)
        self.verbose = verbose
        for name, value in attrs.items():
            setattr(self, name, value)

    def handle_error(self, request, client_address):
        # a client that went away mid-answer is normal in failure tests
        if not isinstance(sys.exc_info()[1], (ConnectionError, socket.timeout)):
            super().handle_error(request, client_address)
