"""HTTPS and HTTP/2: with tls_cert and tls_key the gateway serves TLS, and
clients that offer h2 through ALPN get HTTP/2."""
import http.client
import json
import os
import shutil
import ssl
import subprocess
import tempfile
import unittest

import gateway


@unittest.skipUnless(shutil.which("openssl"), "openssl is not installed")
class Tls(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="concierge-tls-")
        self.cert = os.path.join(self.dir, "cert.pem")
        self.key = os.path.join(self.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", self.key, "-out", self.cert, "-days", "2",
                        "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
        self.gw = gateway.Gateway({"tls_cert": self.cert, "tls_key": self.key}).start()

    def tearDown(self):
        self.gw.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def https(self, path):
        ctx = ssl.create_default_context(cafile=self.cert)
        ctx.check_hostname = False
        conn = http.client.HTTPSConnection("127.0.0.1", self.gw.port, context=ctx, timeout=10)
        conn.request("GET", path)
        r = conn.getresponse()
        out = r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
        conn.close()
        return out

    def test_tls_serves_page_and_health_over_https(self):
        self.assertIn("listening on https://127.0.0.1:%d" % self.gw.port, self.gw.listen_line)
        status, headers, body = self.https("/healthz")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["database"], "ok")
        status, headers, body = self.https("/")
        self.assertEqual(status, 200)
        self.assertIn(b"<!doctype html>", body.lower())
        # Over HTTPS the visitor cookie is also Secure.
        self.assertIn("Secure", headers["set-cookie"])
        self.assertIn("HttpOnly", headers["set-cookie"])
        # Plain HTTP on the TLS port does not get the page.
        try:
            status, _, _ = self.gw.request("GET", "/healthz", timeout=3)
            self.assertNotEqual(status, 200)
        except (http.client.HTTPException, ConnectionError, OSError):
            pass
        self.gw.assert_clean(self)

    @unittest.skipUnless(shutil.which("curl"), "curl is not installed")
    def test_tls_offers_http2(self):
        p = subprocess.run(["curl", "-s", "--cacert", self.cert, "--http2", "-o", "/dev/null",
                            "-w", "%{http_version} %{http_code}",
                            "https://127.0.0.1:%d/healthz" % self.gw.port],
                           capture_output=True, text=True, timeout=20)
        if "--http2" in p.stderr and "unsupported" in p.stderr:
            self.skipTest("this curl has no HTTP/2")
        self.assertEqual(p.stdout.strip(), "2 200", p.stderr)
        self.gw.assert_clean(self)


if __name__ == "__main__":
    unittest.main()
