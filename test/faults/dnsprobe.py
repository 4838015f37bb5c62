"""A DNS sampler for the fault drills: sends one A query every few milliseconds over UDP from
its own thread and keeps what came back (rcode, addresses) or that nothing did, so a drill can
count, over time, every answer that was not NOERROR with a member and every answer that named
a member known to be down."""
import random
import socket
import struct
import threading
import time


def query_packet(qid, name):
    labels = b"".join(bytes([len(l)]) + l.encode() for l in name.rstrip(".").split("."))
    return struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0) + labels + b"\0" + struct.pack("!HH", 1, 1)


def skip_name(msg, at):
    while True:
        length = msg[at]
        if length == 0:
            return at + 1
        if length & 0xC0 == 0xC0:
            return at + 2
        at += 1 + length


def parse_reply(msg):
    """(id, rcode, [IPv4 addresses in the answer section])."""
    qid, flags, qd, an = struct.unpack("!HHHH", msg[:8])
    at = 12
    for _ in range(qd):
        at = skip_name(msg, at) + 4
    addresses = []
    for _ in range(an):
        at = skip_name(msg, at)
        rtype, _, _, length = struct.unpack("!HHIH", msg[at:at + 10])
        at += 10
        if rtype == 1 and length == 4:
            addresses.append(socket.inet_ntoa(msg[at:at + 4]))
        at += length
    return qid, flags & 0xF, addresses


class Sample:
    __slots__ = ("sent", "rcode", "addresses")

    def __init__(self, sent):
        self.sent, self.rcode, self.addresses = sent, None, []

    @property
    def outcome(self):
        if self.rcode is None:
            return "timeout"
        if self.rcode == 2:
            return "SERVFAIL"
        if self.rcode != 0:
            return "rcode%d" % self.rcode
        return "ok" if self.addresses else "NODATA"


class DnsSampler:
    RCODES = {}

    def __init__(self, name, port, server="127.0.0.1", every=0.005, timeout=1.0):
        self.name, self.port, self.server = name, port, server
        self.every, self.timeout = every, timeout
        self.samples = []
        self._pending = {}
        self._stop = threading.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.settimeout(0.01)
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join()
        self._sock.close()
        return self.samples

    def _run(self):
        # After stop, sending ends but replies are still awaited: a query sent a moment before
        # stop is not a timeout until its full timeout has passed unanswered.
        next_send = time.monotonic()
        while not self._stop.is_set() or self._pending:
            now = time.monotonic()
            if now >= next_send and not self._stop.is_set():
                qid = random.randrange(65536)
                while qid in self._pending:
                    qid = random.randrange(65536)
                sample = Sample(now)
                self.samples.append(sample)
                self._pending[qid] = sample
                self._sock.sendto(query_packet(qid, self.name), (self.server, self.port))
                next_send += self.every
            try:
                msg = self._sock.recv(4096)
                qid, rcode, addresses = parse_reply(msg)
                sample = self._pending.pop(qid, None)
                if sample is not None:
                    sample.rcode, sample.addresses = rcode, addresses
            except (socket.timeout, struct.error, IndexError):
                pass
            for qid in [q for q, s in self._pending.items() if now - s.sent > self.timeout]:
                del self._pending[qid]  # stays a timeout
