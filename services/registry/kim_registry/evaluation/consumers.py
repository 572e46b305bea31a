"""Consumers of the registry: the activity projection fed by content, marketplace and mentoring."""

from __future__ import annotations

from kim_registry.evaluation import handlers
from kim_shared.events.types.activity import (
    ArticlePublished,
    ArticleRejected,
    HelpRequestResolved,
    ListingPublished,
    OrderCompleted,
    TrainingAttended,
)
from kim_shared.service import ConsumerSpec

ACTIVITY = ConsumerSpec(
    name="registry.activity",
    batch=handlers.record_activity,
    events=(
        ArticlePublished,
        ArticleRejected,
        ListingPublished,
        OrderCompleted,
        TrainingAttended,
        HelpRequestResolved,
    ),
    description=(
        "Activity projection (kim_activity): articles published/rejected, listings published, "
        "orders completed, trainings attended, help requests resolved, per KIM. Feeds dormancy "
        "suggestions and automatic evaluation metrics. Applied in batches (one transaction per "
        "partition's batch). An unknown KIM id is dead-lettered; a listing or order without a "
        "KIM is ignored."
    ),
    # Not rebuildable: it accumulates facts from topics that expire (30 days); the registry's
    # own database (backed up) is the record of past activity.
    rebuildable=False,
)

CONSUMERS: tuple[ConsumerSpec, ...] = (ACTIVITY,)
