"""Apache Kafka 4.1 in KRaft combined mode (broker + controller), run with ``java``.

The jars come from Maven Central through ``deploy/local/pom.xml``
(``mvn package`` copies them into ``deploy/local/.kafka/libs``, git-ignored and
reused between runs).
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from kim_devstack.paths import DEPLOY_LOCAL, KAFKA_LIBS
from kim_devstack.process import StartupError, port_open, stop_process, wait_until

_READY_MARKER = "Kafka Server started"


def ensure_jars() -> None:
    """Fetch the Kafka jars with Maven unless a complete copy is already there."""
    marker = KAFKA_LIBS / ".complete"
    if marker.exists():
        return
    mvn = shutil.which("mvn")
    if mvn is None:
        raise StartupError("Maven (mvn) is needed to fetch the Kafka jars; install maven")
    result = subprocess.run(
        [mvn, "-q", "-B", "-f", str(DEPLOY_LOCAL / "pom.xml"), "package"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or not any(KAFKA_LIBS.glob("kafka_2.13-*.jar")):
        raise StartupError(f"mvn could not fetch the Kafka jars:\n{result.stdout}\n{result.stderr}")
    marker.touch()


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        raise StartupError("Java 17+ is needed to run Kafka; install a JDK/JRE")
    return java


def _cluster_id() -> str:
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


@dataclass
class KafkaNode:
    """One local KRaft node; ``start()`` formats the storage on first use."""

    data_dir: Path
    port: int = 19092
    controller_port: int = 19093
    host: str = "127.0.0.1"
    heap: str = "1g"
    _proc: subprocess.Popen[bytes] | None = None
    _log_offset: int = 0

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "server.log"

    def _properties(self) -> Path:
        path = self.data_dir / "server.properties"
        path.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.bootstrap.servers={self.host}:{self.controller_port}",
                    f"listeners=PLAINTEXT://{self.host}:{self.port},"
                    f"CONTROLLER://{self.host}:{self.controller_port}",
                    f"advertised.listeners=PLAINTEXT://{self.host}:{self.port}",
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=PLAINTEXT",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                    f"log.dirs={self.data_dir / 'logs'}",
                    "num.partitions=1",
                    "auto.create.topics.enable=false",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=4",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "log.cleaner.min.cleanable.ratio=0.1",
                    "",
                ]
            )
        )
        return path

    def _java_cmd(self, main: str, *args: str) -> list[str]:
        return [
            _java(),
            f"-Xmx{self.heap}",
            "-XX:+UseG1GC",
            f"-Dlog4j2.configurationFile={DEPLOY_LOCAL / 'log4j2.properties'}",
            "-cp",
            str(KAFKA_LIBS / "*"),
            main,
            *args,
        ]

    def _format(self, properties: Path) -> None:
        if (self.data_dir / "logs" / "meta.properties").exists():
            return
        result = subprocess.run(
            self._java_cmd(
                "kafka.tools.StorageTool",
                "format",
                "--standalone",
                # "=" form: a random id may start with "-", which would read as an option
                f"--cluster-id={_cluster_id()}",
                "--config",
                str(properties),
            ),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise StartupError(f"Kafka storage format failed:\n{result.stdout}\n{result.stderr}")

    def start(self, timeout: float = 90.0) -> None:
        if port_open(self.host, self.port) or port_open(self.host, self.controller_port):
            raise StartupError(
                f"port {self.port} or {self.controller_port} on {self.host} is already in use: "
                "another Kafka is running (stop it, or point KIM_KAFKA_BOOTSTRAP_SERVERS at it)"
            )
        ensure_jars()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        properties = self._properties()
        self._format(properties)
        self._log_offset = self.log_file.stat().st_size if self.log_file.exists() else 0
        log = self.log_file.open("ab")
        self._proc = subprocess.Popen(
            self._java_cmd("kafka.Kafka", str(properties)),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(
            lambda: self._started() and port_open(self.host, self.port),
            timeout=timeout,
            what="Kafka",
            proc=self._proc,
            log=self.log_file,
        )

    def _started(self) -> bool:
        with self.log_file.open("rb") as f:
            f.seek(self._log_offset)
            return _READY_MARKER.encode() in f.read()

    def stop(self) -> None:
        if self._proc is not None:
            stop_process(self._proc, timeout=30)
            self._proc = None

    def kill(self) -> None:
        """``kill -9`` the broker (no controlled shutdown, nothing flushed by Kafka itself);
        :meth:`start` brings it back on the same data, recovering its logs."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait(30)
            self._proc = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None
