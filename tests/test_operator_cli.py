"""The operator CLI against the real stack: dead letters and ``kim up`` (what ``make run`` runs)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from kim_devstack.stack import Stack
from kim_devstack.testing import services_base_port
from kim_shared.cli import main
from kim_shared.kafka import OutgoingRecord, Producer, read_topic

pytestmark = pytest.mark.integration


async def test_dlq_list_and_replay_commands(
    kafka_bootstrap: str, new_topic, capsys: pytest.CaptureFixture[str]
) -> None:
    topic = await new_topic(partitions=1)
    producer = Producer(kafka_bootstrap)
    await producer.start()
    headers = [
        ("kim-dlq-topic", topic.name.encode()),
        ("kim-dlq-partition", b"0"),
        ("kim-dlq-offset", b"41"),
        ("kim-dlq-consumer", b"content.kim-projection"),
        ("kim-dlq-error-type", b"invalid_data"),
        ("kim-dlq-error", b"seq: not a number"),
    ]
    try:
        await producer.send_all(
            [OutgoingRecord(topic.dlq.name, b"k", b'{"id": "x", "type": "t"}', headers)]
        )
    finally:
        await producer.stop()

    args = ["--topic", topic.name, "--bootstrap", kafka_bootstrap]
    assert await asyncio.to_thread(main, ["dlq", "list", *args]) == 0
    listed = capsys.readouterr().out
    assert f"asal     : {topic.name}[0]@41" in listed
    assert "content.kim-projection" in listed
    assert "invalid_data: seq: not a number" in listed
    assert "menunggu" in listed

    assert await asyncio.to_thread(main, ["dlq", "replay", "--dry-run", *args]) == 0
    assert "1 pesan akan dikirim ulang" in capsys.readouterr().out
    assert await read_topic(kafka_bootstrap, topic.name) == []

    assert await asyncio.to_thread(main, ["dlq", "replay", *args]) == 0
    assert "1 pesan dikirim ulang" in capsys.readouterr().out
    (replayed,) = await read_topic(kafka_bootstrap, topic.name)
    assert replayed.value == b'{"id": "x", "type": "t"}'
    assert dict(replayed.headers)["kim-replayed-from"] == f"{topic.dlq.name}:0:0".encode()
    assert not any(k.startswith("kim-dlq-") for k, _ in replayed.headers)

    assert await asyncio.to_thread(main, ["dlq", "list", "--pending", *args]) == 0
    assert "0 pesan" in capsys.readouterr().out


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_kim_up_serves_all_four_services_and_stops_on_ctrl_c(stack: Stack, tmp_path: Path) -> None:
    base = services_base_port()  # from KIM_TEST_PORT_BASE: parallel sessions never collide
    ports = range(base + 1, base + 5)
    busy = [port for port in ports if _port_open(port)]
    assert not busy, f"ports {busy} are taken: set KIM_TEST_PORT_BASE to another range"
    env = {
        **os.environ,
        "KIM_KAFKA_BOOTSTRAP_SERVERS": stack.kafka_bootstrap,
        "KIM_POSTGRES_URL": stack.postgres_url,
        "KIM_STATE_DIR": str(tmp_path),
        "KIM_AUTH_DEV_KEY_DIR": str(tmp_path / "keys"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "kim_shared.cli", "up", "--no-seed", "--base-port", str(base)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if "Tekan Ctrl-C" in line:
                break
        else:
            pytest.fail("kim up ended early:\n" + "".join(lines))
        banner = "".join(lines)
        for port in ports:
            assert f"http://127.0.0.1:{port}/docs" in banner
            assert f"http://127.0.0.1:{port}/asyncapi" in banner
            assert _port_open(port)
        # It used the test stack's Kafka and PostgreSQL and started none of its own.
        assert f"Kafka        {stack.kafka_bootstrap}\n" in banner
        assert f"PostgreSQL   {stack.postgres_url}\n" in banner
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, banner + rest
    assert "selesai." in rest
    assert not any(_port_open(port) for port in ports)
