#!/usr/bin/env python3
"""A pool member for tests and the demo, on one loopback address. Stopping the process is how a
test takes a member down.

  member.py ADDRESS PORT NAME                      HTTP: 200 and the name for every GET
                                                   (SIGUSR1: answer 500 from now on,
                                                   SIGUSR2: hang, SIGHUP: back to 200)
  member.py ADDRESS PORT NAME --path /health       HTTP: 200 on that path only, 404 elsewhere
  member.py ADDRESS PORT NAME --tls CERT KEY       the same over TLS
  member.py ADDRESS PORT NAME --body-file PATH     HTTP: the body is PATH's content, read again
                                                   for every request (a test rewrites it)
  member.py ADDRESS PORT NAME --record PATH        HTTP: appends each request's method, path and
                                                   headers to PATH, one JSON object a line
  member.py ADDRESS PORT NAME --tcp-reply TEXT     TCP: reads a line, answers TEXT, closes
  member.py ADDRESS PORT NAME --dns-answer IP      DNS over UDP: every A question gets IP
  member.py ADDRESS PORT NAME --misbehave MODE     TCP: hang (accept, never answer), slow (one
                                                   byte a second), huge (10 MB), garbage,
                                                   reset (RST at once)
"""
import argparse
import http.server
import json
import random
import signal
import socket
import socketserver
import ssl
import struct
import time


MODE = {"now": "ok"}  # switched by signals, so a test can break a member without restarting it


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.answer(send_body=True)

    def do_HEAD(self):
        self.answer(send_body=False)

    def record(self):
        if self.server.record_path:
            line = json.dumps({"method": self.command, "path": self.path,
                               "headers": [[k, v] for k, v in self.headers.items()]})
            with open(self.server.record_path, "a") as f:
                f.write(line + "\n")

    def answer(self, send_body):
        self.record()
        if MODE["now"] == "hang":
            time.sleep(3600)
        if MODE["now"] == "500":
            self.send_error(500)
            return
        only = self.server.only_path
        ok = only is None or self.path == only
        content_type = "text/plain"
        if ok and self.server.body_file:
            with open(self.server.body_file, "rb") as f:
                body = f.read()
            content_type = "application/json"
        else:
            body = (("OK " if ok else "no such path, ") + self.server.member_name + "\n").encode()
        self.send_response(200 if ok else 404)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve_http(args, family):
    class Server(http.server.ThreadingHTTPServer):
        address_family = family
        allow_reuse_address = True

    server = Server((args.address, args.port), Handler)
    server.member_name, server.only_path = args.name, args.path
    server.body_file, server.record_path = args.body_file, args.record
    if args.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls[0], args.tls[1])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    return server


def serve_tcp(args, family):
    reply = (args.tcp_reply + "\n").encode()

    class LineHandler(socketserver.StreamRequestHandler):
        def handle(self):
            self.rfile.readline(1024)
            self.wfile.write(reply)

    class Server(socketserver.ThreadingTCPServer):
        address_family = family
        allow_reuse_address = True
        daemon_threads = True

    return Server((args.address, args.port), LineHandler)


def serve_misbehaving(args, family):
    mode = args.misbehave

    class Misbehaving(socketserver.BaseRequestHandler):
        def handle(self):
            sock = self.request
            if mode == "reset":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return  # closing with linger 0 sends RST
            sock.settimeout(60)
            try:
                sock.recv(4096)
                if mode == "hang":
                    time.sleep(3600)
                elif mode == "slow":
                    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK":
                        sock.sendall(bytes([byte]))
                        time.sleep(1)
                elif mode == "huge":
                    sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10485760\r\n\r\n")
                    chunk = b"x" * 65536
                    for _ in range(160):
                        sock.sendall(chunk)
                elif mode == "garbage":
                    sock.sendall(bytes(random.randrange(256) for _ in range(4096)))
            except OSError:
                pass

    class Server(socketserver.ThreadingTCPServer):
        address_family = family
        allow_reuse_address = True
        daemon_threads = True

    return Server((args.address, args.port), Misbehaving)


def dns_reply(query, answer):
    """The query's header and question, then one A record for `answer`."""
    (qid,) = struct.unpack("!H", query[:2])
    end = 12
    while query[end] != 0:
        end += query[end] + 1
    question = query[12:end + 5]
    header = struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0)
    record = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(answer)
    return header + question + record


def serve_dns(args, family):
    answer = args.dns_answer

    class DnsHandler(socketserver.BaseRequestHandler):
        def handle(self):
            data, sock = self.request
            try:
                sock.sendto(dns_reply(data, answer), self.client_address)
            except (IndexError, struct.error):
                pass

    class Server(socketserver.UDPServer):
        address_family = family
        allow_reuse_address = True

    return Server((args.address, args.port), DnsHandler)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("address")
    parser.add_argument("port", type=int)
    parser.add_argument("name")
    parser.add_argument("--path")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--body-file")
    parser.add_argument("--record")
    parser.add_argument("--tcp-reply")
    parser.add_argument("--dns-answer")
    parser.add_argument("--misbehave", choices=["hang", "slow", "huge", "garbage", "reset"])
    args = parser.parse_args()
    family = socket.AF_INET6 if ":" in args.address else socket.AF_INET
    for sig, mode in [(signal.SIGUSR1, "500"), (signal.SIGUSR2, "hang"), (signal.SIGHUP, "ok")]:
        signal.signal(sig, lambda _s, _f, mode=mode: MODE.update(now=mode))
    if args.misbehave:
        server = serve_misbehaving(args, family)
    elif args.tcp_reply is not None:
        server = serve_tcp(args, family)
    elif args.dns_answer is not None:
        server = serve_dns(args, family)
    else:
        server = serve_http(args, family)
    print("member %s listening on %s:%d" % (args.name, args.address, args.port), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
