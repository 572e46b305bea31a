"""The load generator: its own process, so that it never shares an event loop (or the GIL)
with the code it measures.

    python -m bench.harness.loadgen SPEC.json OUT.json

``SPEC`` (see :class:`Spec`) names the server, the requests (cycled) and either an offered
rate (``open``: request *i* is due at ``i / rate`` seconds, whatever happened to the ones
before, so a slow server cannot slow the load down and hide its own queueing) or a number
of concurrent clients (``closed``: each sends its next request when the answer came, for
the highest rate the server sustains). Latency runs from the moment a request was *due*
(open) or sent (closed) to the last byte of its answer.

The client is a minimal HTTP/1.1 keep-alive client on asyncio streams (uvloop): a general
client such as httpx costs a few hundred microseconds of Python per request, which on a
2-CPU machine would be taken from the server under test.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import uvloop


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes | None = None


@dataclass
class Spec:
    host: str
    port: int
    mode: str  # "open" | "closed"
    duration: float
    requests: list[dict[str, Any]]  # {"method", "path", "body" (JSON value or None)}
    headers: dict[str, str] = field(default_factory=dict)
    rate: float = 0.0  # open
    concurrency: int = 1  # closed
    warmup: float = 0.0  # closed: answers in the first seconds are not counted
    want_id: bool = False  # keep the answer's JSON "id" (writes)
    max_connections: int = 512


@dataclass
class Sample:
    sent: float  # wall clock (time.time()) when the request was due / sent
    latency: float  # seconds
    status: int
    id: str | None = None


@dataclass
class Output:
    samples: list[Sample]
    seconds: float  # measured window
    errors: int


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def exchange(self, payload: bytes) -> tuple[int, bytes]:
        self.writer.write(payload)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, chunked = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            lowered = name.strip().lower()
            if lowered == b"content-length":
                length = int(value)
            elif lowered == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if not chunked:
            return status, await self.reader.readexactly(length) if length else b""
        body = bytearray()
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await self.reader.readexactly(size + 2)
            if size == 0:
                return status, bytes(body)
            body += chunk[:-2]


class _Client:
    """Keep-alive connections, opened on demand (up to ``limit``) and reused."""

    def __init__(self, host: str, port: int, limit: int) -> None:
        self.host, self.port = host, port
        self.idle: list[_Connection] = []
        self.slots = asyncio.Semaphore(limit)

    async def call(self, payload: bytes) -> tuple[int, bytes]:
        async with self.slots:
            conn = self.idle.pop() if self.idle else None
            if conn is not None:
                try:
                    result = await conn.exchange(payload)
                except (ConnectionError, asyncio.IncompleteReadError):
                    # The server closed this idle keep-alive connection (uvicorn does after
                    # 5 s) as the request went out; it was never read: send it on a new one.
                    conn.writer.close()
                else:
                    self.idle.append(conn)
                    return result
            conn = _Connection(*await asyncio.open_connection(self.host, self.port))
            try:
                result = await conn.exchange(payload)
            except BaseException:
                conn.writer.close()
                raise
            self.idle.append(conn)
            return result

    def close(self) -> None:
        for conn in self.idle:
            conn.writer.close()


def _encode(spec: Spec) -> list[bytes]:
    out = []
    common = "".join(f"{k}: {v}\r\n" for k, v in spec.headers.items())
    for r in spec.requests:
        body = b"" if r.get("body") is None else json.dumps(r["body"]).encode()
        head = f"{r['method']} {r['path']} HTTP/1.1\r\nHost: {spec.host}:{spec.port}\r\n{common}"
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        out.append(head.encode() + b"\r\n" + body)
    return out


def _id_of(status: int, body: bytes) -> str | None:
    if status >= 300 or not body:
        return None
    value = json.loads(body).get("id")
    return None if value is None else str(value)


async def _open(spec: Spec, payloads: list[bytes], client: _Client) -> Output:
    clock = time.perf_counter  # uvloop's loop.time() counts whole milliseconds
    n = int(spec.rate * spec.duration)
    samples: list[Sample] = []
    errors = 0
    wall0, t0 = time.time(), clock() + 0.05

    async def one(i: int, due: float) -> None:
        nonlocal errors
        try:
            status, body = await client.call(payloads[i % len(payloads)])
        except (OSError, asyncio.IncompleteReadError, ValueError):
            errors += 1
            return
        latency = clock() - due
        ident = _id_of(status, body) if spec.want_id else None
        samples.append(Sample(wall0 + (due - t0) + 0.05, latency, status, ident))

    tasks = []
    for i in range(n):
        due = t0 + i / spec.rate
        delay = due - clock()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    return Output(samples, spec.duration, errors)


async def _closed(spec: Spec, payloads: list[bytes], client: _Client) -> Output:
    clock = time.perf_counter
    start = clock()
    counted_from = start + spec.warmup
    end = counted_from + spec.duration
    samples: list[Sample] = []
    errors = 0

    async def worker(k: int) -> None:
        nonlocal errors
        i = k
        while True:
            sent = clock()
            if sent >= end:
                return
            try:
                status, _ = await client.call(payloads[i % len(payloads)])
            except (OSError, asyncio.IncompleteReadError, ValueError):
                errors += 1
                continue
            done = clock()
            if sent >= counted_from and done <= end:
                samples.append(Sample(time.time() - (done - sent), done - sent, status))
            i += spec.concurrency

    await asyncio.gather(*(worker(k) for k in range(spec.concurrency)))
    return Output(samples, spec.duration, errors)


async def run(spec: Spec) -> Output:
    payloads = _encode(spec)
    client = _Client(spec.host, spec.port, spec.max_connections)
    try:
        if spec.mode == "open":
            return await _open(spec, payloads, client)
        return await _closed(spec, payloads, client)
    finally:
        client.close()


def main(argv: list[str]) -> int:
    spec = Spec(**json.loads(Path(argv[0]).read_text()))
    output = uvloop.run(run(spec))
    Path(argv[1]).write_text(json.dumps(asdict(output)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
