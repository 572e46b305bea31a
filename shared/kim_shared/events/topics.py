"""Topic catalogue: every topic the platform uses is declared here once.

Local start-up and tests create topics from :func:`declared_topics` (the
:data:`CATALOGUE` of public topics, their dead-letter topics and the
:data:`INTERNAL` topics of the operator tools); the broker runs with
``auto.create.topics.enable=false``; the Strimzi ``KafkaTopic`` manifests in
``deploy/k8s`` are generated from it and a test checks they match
(``kim manifests write|check``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DAY_MS = 24 * 60 * 60 * 1000

TopicKind = Literal["state", "fact", "dead_letter", "internal"]
"""``state``: the current snapshot of an entity per key, compacted and kept forever (one
record per key rebuilds a projection). ``fact``: what happened; may expire. ``dead_letter``:
records a consumer could not process. ``internal``: the operator tools' own bookkeeping,
never offered to agencies."""


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int = 6
    compacted: bool = False
    retention_ms: int | None = 30 * DAY_MS  # None: keep forever
    description: str = ""
    kind: TopicKind = "fact"

    def __post_init__(self) -> None:
        if self.kind == "state" and not self.keeps_every_key:
            raise ValueError(
                f"{self.name}: a state topic must be compacted and kept forever, so that "
                "projections can always be rebuilt from it"
            )

    @property
    def keeps_every_key(self) -> bool:
        """Whether the latest record of every key stays on the topic forever."""
        return self.compacted and self.retention_ms is None

    @property
    def dlq(self) -> TopicSpec:
        """The dead-letter topic for messages from this topic that cannot be processed."""
        return TopicSpec(
            name=f"{self.name}.dlq",
            partitions=1,
            retention_ms=90 * DAY_MS,
            description=f"Dead letters of {self.name}",
            kind="dead_letter",
        )

    def configs(self) -> dict[str, str]:
        configs = {"cleanup.policy": "compact" if self.compacted else "delete"}
        configs["retention.ms"] = str(self.retention_ms if self.retention_ms is not None else -1)
        return configs


REGISTRY_REGION = TopicSpec(
    "kim.registry.region.v1",
    partitions=6,
    compacted=True,
    retention_ms=None,
    description="Kemendagri region snapshots (provinsi, kabupaten/kota, kecamatan, "
    "desa/kelurahan); key = region code",
    kind="state",
)
REGISTRY_KIM_STATE = TopicSpec(
    "kim.registry.kim_state.v1",
    partitions=6,
    compacted=True,
    retention_ms=None,
    description="Current state of every KIM: status, village, roster of member ids, "
    "positions, login subjects and terms (no personal data); key = KIM id",
    kind="state",
)
REGISTRY_KIM = TopicSpec(
    "kim.registry.kim.v1",
    description="KIM lifecycle and membership facts (ids, roles, reason codes); key = KIM id. "
    "Expires: rebuild from kim.registry.kim_state.v1",
)
REGISTRY_EVALUATION = TopicSpec(
    "kim.registry.evaluation.v1",
    partitions=3,
    description="KIM evaluations (score, band); key = KIM id",
)
REGISTRY_ACTIVITY = TopicSpec(
    "kim.registry.activity.v1",
    partitions=3,
    description="Dormancy suggestions and activity summaries; key = KIM id",
)
CONTENT_ARTICLE = TopicSpec(
    "kim.content.article.v1",
    description="Article workflow facts (submitted, screened, approved, rejected, published, "
    "taken down, restored); key = article id",
)
CONTENT_ARTICLE_STATE = TopicSpec(
    "kim.content.article_state.v1",
    partitions=6,
    compacted=True,
    retention_ms=None,
    description="Current public state of every article that was ever published: title, "
    "summary, category, village, KIM, published revision and status (published, hidden or "
    "taken down); no author data; key = article id",
    kind="state",
)
CONTENT_MODERATION = TopicSpec(
    "kim.content.moderation.v1",
    description="Moderation decisions about articles and listings; key = subject id",
)
MARKETPLACE_SELLER = TopicSpec(
    "kim.marketplace.seller.v1",
    description="UMKM seller facts (registered, a licence verified or expired); ids, region, "
    "category and statuses only, never the owner's name, phone or address; key = seller id",
)
MARKETPLACE_SELLER_STATE = TopicSpec(
    "kim.marketplace.seller_state.v1",
    partitions=6,
    compacted=True,
    retention_ms=None,
    description="Current public state of every UMKM seller: business name, village, "
    "assisting KIM, category and the verification status of each licence (NIB, PIRT, halal, "
    "BPOM); no owner data; key = seller id",
    kind="state",
)
MARKETPLACE_LISTING = TopicSpec(
    "kim.marketplace.listing.v1",
    description="Listing submitted/published/rejected; key = listing id",
)
MARKETPLACE_LISTING_STATE = TopicSpec(
    "kim.marketplace.listing_state.v1",
    partitions=6,
    compacted=True,
    retention_ms=None,
    description="Current public state of every listing that was ever submitted beyond a "
    "draft: status (live, in review, rejected, withdrawn), seller, KIM, region, category and, "
    "while live, name, price, price after discount and the seller's verified/halal badges; no "
    "owner data; key = listing id",
    kind="state",
)
MARKETPLACE_ORDER = TopicSpec(
    "kim.marketplace.order.v1", description="Orders completed; key = order id"
)
MENTORING_REQUEST = TopicSpec(
    "kim.mentoring.request.v1", description="Help requests opened/resolved; key = request id"
)
MENTORING_TRAINING = TopicSpec(
    "kim.mentoring.training.v1", description="Trainings (diklat) and attendance; key = training id"
)
MENTORING_TRAINING_STATE = TopicSpec(
    "kim.mentoring.training_state.v1",
    partitions=6,
    compacted=True,
    retention_ms=None,
    description="Current state of every scheduled training (diklat): status, skill, level, "
    "kabupaten, dates, capacity and how many are confirmed and waiting; no participant data; "
    "key = training id",
    kind="state",
)

CATALOGUE: tuple[TopicSpec, ...] = (
    REGISTRY_REGION,
    REGISTRY_KIM_STATE,
    REGISTRY_KIM,
    REGISTRY_EVALUATION,
    REGISTRY_ACTIVITY,
    CONTENT_ARTICLE,
    CONTENT_ARTICLE_STATE,
    CONTENT_MODERATION,
    MARKETPLACE_SELLER,
    MARKETPLACE_SELLER_STATE,
    MARKETPLACE_LISTING,
    MARKETPLACE_LISTING_STATE,
    MARKETPLACE_ORDER,
    MENTORING_REQUEST,
    MENTORING_TRAINING,
    MENTORING_TRAINING_STATE,
)


def with_dead_letters(specs: tuple[TopicSpec, ...]) -> tuple[TopicSpec, ...]:
    """The topics plus their dead-letter topics."""
    return tuple(t for spec in specs for t in (spec, spec.dlq))


OPS_DLQ_REPLAYS = TopicSpec(
    "kim.ops.dlq_replays.v1",
    partitions=1,
    compacted=True,
    retention_ms=None,
    description="Internal: which dead letters `kim dlq replay` replayed, one record per dead "
    "letter; key = <dlq topic>:<partition>:<offset>",
    kind="internal",
)

INTERNAL: tuple[TopicSpec, ...] = (OPS_DLQ_REPLAYS,)
"""Topics of the platform's own tools: never published to agencies, no dead-letter topic."""


def declared_topics(catalogue: tuple[TopicSpec, ...] = CATALOGUE) -> tuple[TopicSpec, ...]:
    """Every topic a cluster needs: the catalogue, its dead-letter topics, the internal ones."""
    return with_dead_letters(catalogue) + INTERNAL
