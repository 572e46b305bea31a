"""HTTP routes of a kabupaten's screening policy, for its moderation staff: watched words,
rules (enable, disable, action, params) and the audit of changes.

Another kabupaten's policy answers 404, exactly like an unknown one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kim_content import access
from kim_content.articles.steps import Actor
from kim_content.moderation import policy
from kim_content.screening.model import Action
from kim_content.screening.rules import Rule
from kim_content.screening.watchwords import Category, WatchedWord
from kim_shared.auth import Principal
from kim_shared.auth.principal import MODERATOR, OPERATOR_KABUPATEN
from kim_shared.errors import Invalid, Issue
from kim_shared.http.concurrency import IfMatchOptional, etag, with_etag
from kim_shared.service import Pool
from kim_shared.text import clean

router = APIRouter(prefix="/moderation/policy", tags=["moderation policy"])

POLICY_NOT_FOUND: Final = "The screening policy of this kabupaten was not found."

Kabupaten = Annotated[str, Path(pattern=r"^\d{2}\.\d{2}$", examples=["35.02"])]
WordPath = Annotated[str, Path(min_length=2, max_length=100)]
RuleId = Annotated[str, Path(pattern=r"^[a-z0-9_.-]{1,64}$")]


class WordBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    action: Action
    category: Category
    #: Also match affixed forms (``berjudi``, ``perjudian``).
    affixes: bool = True


class WordView(BaseModel):
    word: str
    action: Action
    category: Category
    affixes: bool


class WordList(BaseModel):
    kabupaten_code: str
    #: False while the kabupaten screens with the platform's seed lists.
    own: bool
    items: list[WordView]


class RulePatch(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    enabled: bool | None = None
    action: Action | None = None
    params: dict[str, Any] | None = None


class RuleView(BaseModel):
    id: str
    kind: str
    action: Action
    params: dict[str, Any]
    enabled: bool
    description_id: str


class RuleList(BaseModel):
    kabupaten_code: str
    own: bool
    items: list[RuleView]


class ChangeView(BaseModel):
    id: int
    target: str
    key: str
    actor: str
    actor_role: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    at: datetime


class ChangePage(BaseModel):
    items: list[ChangeView]
    #: Pass as ``before`` for the next (older) page.
    next_before: int | None = Field(default=None)


def _actor(principal: Principal, kabupaten: str) -> Actor:
    """The staff member and the role that lets them change this kabupaten's policy."""
    access.ensure_moderates(principal, kabupaten, what=POLICY_NOT_FOUND)
    role = OPERATOR_KABUPATEN if principal.acts_in(kabupaten, OPERATOR_KABUPATEN) else MODERATOR
    return Actor(principal.subject, role)


def _word(value: str, body: WordBody) -> WatchedWord:
    try:
        text = clean(value)
        return WatchedWord(
            word=text, action=body.action, category=body.category, affixes=body.affixes
        )
    except (ValueError, ValidationError) as exc:
        message = str(exc) if not isinstance(exc, ValidationError) else exc.errors()[0]["msg"]
        raise Invalid("The watched word is not valid.", errors=[Issue("word", message)]) from exc


def _word_view(word: WatchedWord) -> WordView:
    return WordView(
        word=word.word, action=word.action, category=word.category, affixes=word.affixes
    )


def _rule_view(rule: Rule) -> RuleView:
    return RuleView(
        id=rule.id,
        kind=rule.kind,
        action=rule.action,
        params=rule.params,
        enabled=rule.enabled,
        description_id=rule.description_id,
    )


@router.get("/{kabupaten}/words", response_model=WordList, summary="Watched words")
async def list_words(kabupaten: Kabupaten, principal: access.Staff, pool: Pool) -> Response:
    """The kabupaten's list, or the platform's seed lists until it changes them. The ETag
    names the policy's version (send it as If-Match with a change)."""
    _actor(principal, kabupaten)
    async with pool.acquire() as conn:
        current = await policy.policy_of(conn, kabupaten)
    body = WordList(
        kabupaten_code=kabupaten,
        own=current.own,
        items=[_word_view(w) for w in current.watched],
    )
    return with_etag(body, current.version)


@router.put(
    "/{kabupaten}/words/{word}", response_model=WordView, summary="Add or change a watched word"
)
async def put_word(
    kabupaten: Kabupaten,
    word: WordPath,
    body: WordBody,
    principal: access.Staff,
    pool: Pool,
    if_match: IfMatchOptional = None,
) -> Response:
    """The word is stored normalised (NFC, lower case, single spaces); it matches after
    Indonesian normalisation (``j u d i``, ``jud1``, ``berjudi``)."""
    actor = _actor(principal, kabupaten)
    watched = _word(word, body)
    async with pool.acquire() as conn, conn.transaction():
        stored, version = await policy.put_word(
            conn, kabupaten, watched, actor=actor, now=datetime.now(UTC), expected=if_match
        )
    return with_etag(_word_view(stored), version)


@router.delete(
    "/{kabupaten}/words/{word}", status_code=204, summary="Take a word off the watched list"
)
async def delete_word(
    kabupaten: Kabupaten,
    word: WordPath,
    principal: access.Staff,
    pool: Pool,
    if_match: IfMatchOptional = None,
) -> Response:
    actor = _actor(principal, kabupaten)
    async with pool.acquire() as conn, conn.transaction():
        version = await policy.delete_word(
            conn, kabupaten, word, actor=actor, now=datetime.now(UTC), expected=if_match
        )
    return Response(status_code=204, headers={"ETag": etag(version)})


@router.get("/{kabupaten}/rules", response_model=RuleList, summary="Screening rules")
async def list_rules(kabupaten: Kabupaten, principal: access.Staff, pool: Pool) -> Response:
    _actor(principal, kabupaten)
    async with pool.acquire() as conn:
        current = await policy.policy_of(conn, kabupaten)
    body = RuleList(
        kabupaten_code=kabupaten, own=current.own, items=[_rule_view(r) for r in current.rules]
    )
    return with_etag(body, current.version)


@router.get("/{kabupaten}/rules/{rule_id}", response_model=RuleView, summary="One rule")
async def get_rule(
    kabupaten: Kabupaten, rule_id: RuleId, principal: access.Staff, pool: Pool
) -> Response:
    _actor(principal, kabupaten)
    async with pool.acquire() as conn:
        current = await policy.policy_of(conn, kabupaten)
        found = await policy.rule(conn, kabupaten, rule_id)
    return with_etag(_rule_view(found), current.version)


@router.patch(
    "/{kabupaten}/rules/{rule_id}",
    response_model=RuleView,
    summary="Enable, disable or tune a rule",
)
async def patch_rule(
    kabupaten: Kabupaten,
    rule_id: RuleId,
    body: RulePatch,
    principal: access.Staff,
    pool: Pool,
    if_match: IfMatchOptional = None,
) -> Response:
    """``params`` are checked by the rule kind's params model (422 names each problem)."""
    actor = _actor(principal, kabupaten)
    change = policy.RuleChange(enabled=body.enabled, action=body.action, params=body.params)
    async with pool.acquire() as conn, conn.transaction():
        updated, version = await policy.change_rule(
            conn, kabupaten, rule_id, change, actor=actor, now=datetime.now(UTC), expected=if_match
        )
    return with_etag(_rule_view(updated), version)


@router.get("/{kabupaten}/changes", response_model=ChangePage, summary="Audit of policy changes")
async def list_changes(
    kabupaten: Kabupaten,
    principal: access.Staff,
    pool: Pool,
    before: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> ChangePage:
    _actor(principal, kabupaten)
    async with pool.acquire() as conn:
        rows = await policy.changes(conn, kabupaten, before=before, limit=limit)
    items = [
        ChangeView(
            id=c.id,
            target=c.target,
            key=c.key,
            actor=c.actor,
            actor_role=c.actor_role,
            before=c.before,
            after=c.after,
            at=c.at,
        )
        for c in rows
    ]
    return ChangePage(items=items, next_before=items[-1].id if len(items) == limit else None)
