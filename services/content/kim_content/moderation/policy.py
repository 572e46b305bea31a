"""The screening policy of a kabupaten: the rule set and the watched words it screens with.

Policy is data (``screening_rules``, ``watched_words``). A kabupaten without rows of its
own screens with the platform defaults shipped with the screening engine; its first change
copies the defaults into its own rows, then edits them, so one added word never drops the
seed lists. Every change is in ``policy_changes`` (who, when, the row before and after).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from kim_content.screening.model import Action
from kim_content.screening.rules import Rule, default_rules, load_rules
from kim_content.screening.watchwords import WatchedWord, seed_words
from kim_shared.db import Connection
from kim_shared.errors import Invalid, Issue, NotFound, ensure_version

if TYPE_CHECKING:
    from kim_content.articles.steps import Actor

Expected = Collection[int] | None
"""The versions an If-Match header names (None: not checked)."""

WORD_NOT_FOUND: Final = "The watched word is not on this kabupaten's list."
RULE_NOT_FOUND: Final = "The screening rule was not found."

_VERSION: Final = "SELECT version FROM screening_policies WHERE kabupaten_code = $1"
_LOCK: Final = _VERSION + " FOR UPDATE"
_RULES: Final = (
    "SELECT rule_id, kind, action, params, enabled, description_id FROM screening_rules"
    " WHERE kabupaten_code = $1 ORDER BY position, rule_id"
)
_WORDS: Final = (
    "SELECT word, action, category, affixes FROM watched_words"
    " WHERE kabupaten_code = $1 ORDER BY word"
)
_WORD: Final = (
    "SELECT word, action, category, affixes FROM watched_words"
    " WHERE kabupaten_code = $1 AND word = $2"
)
_CLAIM: Final = (
    "INSERT INTO screening_policies (kabupaten_code) VALUES ($1)"
    " ON CONFLICT (kabupaten_code) DO UPDATE SET version = screening_policies.version + 1,"
    " updated_at = now() RETURNING version"
)
_INSERT_RULE: Final = (
    "INSERT INTO screening_rules (kabupaten_code, rule_id, position, kind, action, params,"
    " enabled, description_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
)
_UPSERT_RULE: Final = (
    _INSERT_RULE + " ON CONFLICT (kabupaten_code, rule_id) DO UPDATE SET"
    " action = EXCLUDED.action, params = EXCLUDED.params, enabled = EXCLUDED.enabled"
)
_INSERT_WORD: Final = (
    "INSERT INTO watched_words (kabupaten_code, word, action, category, affixes)"
    " VALUES ($1, $2, $3, $4, $5)"
)
_UPSERT_WORD: Final = (
    _INSERT_WORD + " ON CONFLICT (kabupaten_code, word) DO UPDATE SET action = EXCLUDED.action,"
    " category = EXCLUDED.category, affixes = EXCLUDED.affixes"
)
_DELETE_WORD: Final = "DELETE FROM watched_words WHERE kabupaten_code = $1 AND word = $2"
_AUDIT: Final = (
    "INSERT INTO policy_changes (kabupaten_code, target, key, actor, actor_role, before, after,"
    " at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
)
_CHANGES: Final = (
    "SELECT id, target, key, actor, actor_role, before, after, at FROM policy_changes"
    " WHERE kabupaten_code = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
)


@dataclass(frozen=True, slots=True)
class Policy:
    rules: tuple[Rule, ...]
    watched: tuple[WatchedWord, ...]
    #: Whether the kabupaten has its own policy (else: the platform defaults).
    own: bool = False
    #: Bumped by every change (0: the defaults); the ETag of the policy's resources.
    version: int = 0


@dataclass(frozen=True, slots=True)
class PolicyChange:
    id: int
    target: str
    key: str
    actor: str
    actor_role: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    at: datetime


@dataclass(frozen=True, slots=True)
class RuleChange:
    """A partial update of one rule; ``None`` keeps the current value."""

    enabled: bool | None = None
    action: Action | None = None
    params: dict[str, Any] | None = None


def normalise_word(value: str) -> str:
    """The stored form of a watched word: NFC text, lower case, single spaces."""
    return " ".join(unicodedata.normalize("NFC", value).lower().split())


def _rule_of(row: Any) -> Rule:
    return Rule(
        id=row["rule_id"],
        kind=row["kind"],
        action=row["action"],
        params=row["params"],
        enabled=row["enabled"],
        description_id=row["description_id"],
    )


def _word_of(row: Any) -> WatchedWord:
    return WatchedWord(
        word=row["word"], action=row["action"], category=row["category"], affixes=row["affixes"]
    )


async def policy_of(conn: Connection, kabupaten_code: str) -> Policy:
    """The kabupaten's rules and watched words, or the platform defaults."""
    version: int | None = await conn.fetchval(_VERSION, kabupaten_code)
    if version is None:
        return Policy(tuple(default_rules()), seed_words())
    rules = _with_new_defaults([_rule_of(r) for r in await conn.fetch(_RULES, kabupaten_code)])
    words = tuple(_word_of(r) for r in await conn.fetch(_WORDS, kabupaten_code))
    return Policy(rules, words, own=True, version=version)


def _with_new_defaults(own: list[Rule]) -> tuple[Rule, ...]:
    """The kabupaten's rules, then any platform rule added since it took its copy (a new
    default rule reaches every kabupaten; the ones it tuned stay as it tuned them)."""
    ids = {r.id for r in own}
    return (*own, *(r for r in default_rules() if r.id not in ids))


async def _own(conn: Connection, kabupaten_code: str, expected: Expected) -> int:
    """Make the policy the kabupaten's own (copying the defaults on the first change),
    serialise concurrent changes of it (the row lock lasts until the transaction ends) and
    check ``expected`` (If-Match: 412 when stale); returns the new version."""
    current: int | None = await conn.fetchval(_LOCK, kabupaten_code)
    ensure_version(current or 0, expected, "screening policy")
    version: int = await conn.fetchval(_CLAIM, kabupaten_code)
    if version != 1:
        return version
    await conn.executemany(
        _INSERT_RULE,
        [
            (
                kabupaten_code,
                r.id,
                i,
                r.kind,
                r.action,
                r.params,
                r.enabled,
                r.description_id,
            )
            for i, r in enumerate(default_rules())
        ],
    )
    words = {normalise_word(w.word): w for w in seed_words()}
    await conn.executemany(
        _INSERT_WORD,
        [(kabupaten_code, k, w.action, w.category, w.affixes) for k, w in words.items()],
    )
    return version


async def _audit(
    conn: Connection,
    kabupaten_code: str,
    target: str,
    key: str,
    actor: Actor,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    now: datetime,
) -> None:
    await conn.execute(
        _AUDIT, kabupaten_code, target, key, actor.subject, actor.role, before, after, now
    )


def _word_json(word: WatchedWord | None) -> dict[str, Any] | None:
    return None if word is None else word.model_dump(mode="json")


def _rule_json(rule: Rule) -> dict[str, Any]:
    return rule.model_dump(mode="json", exclude={"description_id"})


async def words(conn: Connection, kabupaten_code: str) -> tuple[WatchedWord, ...]:
    return (await policy_of(conn, kabupaten_code)).watched


async def rules(conn: Connection, kabupaten_code: str) -> tuple[Rule, ...]:
    return (await policy_of(conn, kabupaten_code)).rules


async def rule(conn: Connection, kabupaten_code: str, rule_id: str) -> Rule:
    for r in await rules(conn, kabupaten_code):
        if r.id == rule_id:
            return r
    raise NotFound(RULE_NOT_FOUND)


async def put_word(
    conn: Connection,
    kabupaten_code: str,
    word: WatchedWord,
    *,
    actor: Actor,
    now: datetime,
    expected: Expected = None,
) -> tuple[WatchedWord, int]:
    """Add the word to the kabupaten's list, or change its action and category; returns
    the word as stored and the policy's version."""
    key = normalise_word(word.word)
    stored = word.model_copy(update={"word": key})
    current = await policy_of(conn, kabupaten_code)
    if _find(current.watched, key) == stored:
        ensure_version(current.version, expected, "screening policy")
        return stored, current.version
    version = await _own(conn, kabupaten_code, expected)
    row = await conn.fetchrow(_WORD, kabupaten_code, key)
    before = None if row is None else _word_of(row)
    if before != stored:
        await conn.execute(
            _UPSERT_WORD, kabupaten_code, key, stored.action, stored.category, stored.affixes
        )
        await _audit(
            conn, kabupaten_code, "word", key, actor, _word_json(before), _word_json(stored), now
        )
    return stored, version


def _find(watched: tuple[WatchedWord, ...], key: str) -> WatchedWord | None:
    for w in watched:
        if normalise_word(w.word) == key:
            return w.model_copy(update={"word": key})
    return None


async def delete_word(
    conn: Connection,
    kabupaten_code: str,
    word: str,
    *,
    actor: Actor,
    now: datetime,
    expected: Expected = None,
) -> int:
    """Take the word off the kabupaten's list (404 when it is not on it); returns the
    policy's version."""
    key = normalise_word(word)
    if _find(await words(conn, kabupaten_code), key) is None:
        raise NotFound(WORD_NOT_FOUND)
    version = await _own(conn, kabupaten_code, expected)
    row = await conn.fetchrow(_WORD, kabupaten_code, key)
    if row is None:
        raise NotFound(WORD_NOT_FOUND)
    await conn.execute(_DELETE_WORD, kabupaten_code, key)
    await _audit(conn, kabupaten_code, "word", key, actor, _word_json(_word_of(row)), None, now)
    return version


async def change_rule(
    conn: Connection,
    kabupaten_code: str,
    rule_id: str,
    change: RuleChange,
    *,
    actor: Actor,
    now: datetime,
    expected: Expected = None,
) -> tuple[Rule, int]:
    """Enable or disable a rule, or change its action or params (checked by the rule kind's
    params model: 422 with the field of each problem); returns the rule and the policy's
    version."""
    current = await rule(conn, kabupaten_code, rule_id)
    updated = _changed(current, change)
    if updated == current:
        version = (await policy_of(conn, kabupaten_code)).version
        ensure_version(version, expected, "screening policy")
        return current, version
    version = await _own(conn, kabupaten_code, expected)
    current = await rule(conn, kabupaten_code, rule_id)  # as the lock holder sees it
    updated = _changed(current, change)
    if updated != current:
        await conn.execute(
            _UPSERT_RULE,
            kabupaten_code,
            rule_id,
            len(default_rules()) + 1000,  # a platform rule added after the copy: kept last
            updated.kind,
            updated.action,
            updated.params,
            updated.enabled,
            updated.description_id,
        )
        await _audit(
            conn,
            kabupaten_code,
            "rule",
            rule_id,
            actor,
            _rule_json(current),
            _rule_json(updated),
            now,
        )
    return updated, version


def _changed(current: Rule, change: RuleChange) -> Rule:
    data = current.model_dump(mode="json")
    for name in ("enabled", "action", "params"):
        value = getattr(change, name)
        if value is not None:
            data[name] = value
    try:
        (updated,) = load_rules([data])
    except Invalid as exc:
        issues = [Issue(i.field.removeprefix("rules[0]."), i.message) for i in exc.errors]
        raise Invalid.of("The rule change is not valid", issues) from exc
    return updated


async def changes(
    conn: Connection, kabupaten_code: str, *, before: int | None, limit: int
) -> list[PolicyChange]:
    """The kabupaten's policy changes, newest first (``before``: an id, for paging)."""
    rows = await conn.fetch(_CHANGES, kabupaten_code, before, limit)
    return [
        PolicyChange(
            id=r["id"],
            target=r["target"],
            key=r["key"],
            actor=r["actor"],
            actor_role=r["actor_role"],
            before=r["before"],
            after=r["after"],
            at=r["at"],
        )
        for r in rows
    ]
