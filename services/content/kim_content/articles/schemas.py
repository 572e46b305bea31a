"""Request and response bodies of the article API (English field names; values as typed)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    model_validator,
)

from kim_shared.events.types.content import Category, ReasonCode
from kim_shared.text import Text

MAX_BODY = 50_000
MAX_MEDIA = 6
MAX_TAGS = 10

_VILLAGE = r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$"


def _tabs_to_spaces(value: object) -> object:
    return value.replace("\t", "    ") if isinstance(value, str) else value


def _https_only(url: HttpUrl) -> HttpUrl:
    if url.scheme != "https":
        raise ValueError("must be an https:// address")
    if url.username or url.password:
        raise ValueError("must not contain a user name or password")
    return url


Title = Annotated[str, Text(5, 200)]
Body = Annotated[str, BeforeValidator(_tabs_to_spaces), Text(1, MAX_BODY, multiline=True)]
ShortText = Annotated[str, Text(1, 300)]
Tag = Annotated[str, Text(2, 40)]
MediaUrl = Annotated[HttpUrl, AfterValidator(_https_only)]
Feedback = Annotated[str, Text(1, 2000, multiline=True)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Image(_Strict):
    url: MediaUrl
    alt: ShortText = Field(description="What the picture shows, for readers who cannot see it.")


class Media(_Strict):
    url: MediaUrl
    caption: ShortText | None = None
    alt: ShortText


class Agenda(_Strict):
    date: date
    place: Annotated[str, Text(2, 200)]


class Children(_Strict):
    """Children recognisable in the text or pictures need a guardian's recorded consent
    (UU PDP Pasal 25) before publication: the KIM keeps the form, the article its reference."""

    shown: bool = False
    consent_reference: Annotated[str, Text(2, 100)] | None = None
    consent_recorded_on: date | None = None

    @model_validator(mode="after")
    def _consent_is_complete(self) -> Children:
        if (self.consent_reference is None) != (self.consent_recorded_on is None):
            raise ValueError("consent_reference and consent_recorded_on go together")
        return self


class ArticleContent(_Strict):
    """Everything the author writes; each change is kept as a new revision."""

    title: Title
    body: Body = Field(description=f"Markdown, at most {MAX_BODY:,} characters.")
    category: Category
    village_code: str = Field(pattern=_VILLAGE)
    agenda: Agenda | None = Field(default=None, description="Required for category agenda.")
    cover: Image | None = None
    media: list[Media] = Field(default_factory=list, max_length=MAX_MEDIA)
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    children: Children = Field(default_factory=Children)
    scheduled_at: AwareDatetime | None = Field(
        default=None, description="Publish at this moment once approved (must be in the future)."
    )

    @model_validator(mode="after")
    def _agenda_matches_category(self) -> ArticleContent:
        if (self.category == "agenda") != (self.agenda is not None):
            raise ValueError(
                "agenda (date and place) is required for, and only for, category agenda"
            )
        if len({t.casefold() for t in self.tags}) != len(self.tags):
            raise ValueError("tags must be distinct")
        return self


class ArticleCreate(ArticleContent):
    kim_id: UUID


class ArticleDecision(_Strict):
    decision: Literal["approve", "reject"]
    reason_code: ReasonCode | None = None
    feedback: Feedback | None = None

    @model_validator(mode="after")
    def _reason_for_rejection(self) -> ArticleDecision:
        if self.decision == "reject" and self.reason_code is None:
            raise ValueError("a rejection needs a reason_code")
        return self


class EditorDecision(_Strict):
    decision: Literal["approve", "return"]
    feedback: Feedback | None = None

    @model_validator(mode="after")
    def _feedback_for_return(self) -> EditorDecision:
        if self.decision == "return" and self.feedback is None:
            raise ValueError("returning an article needs feedback for the author")
        return self


class Takedown(_Strict):
    reason_code: ReasonCode
    note: Feedback | None = None


class KimContentSettings(_Strict):
    editor_review: bool = False
    extra_villages: list[Annotated[str, Field(pattern=_VILLAGE)]] = Field(
        default_factory=list, max_length=50
    )


# -- responses ---------------------------------------------------------------------------


class Finding(BaseModel):
    field: str
    start: int
    end: int
    category: str
    preview: str | None = None


class ScreeningView(BaseModel):
    revision: int
    verdict: str
    screened_at: datetime
    reasons: list[str] = Field(description="What blocks or flags the text, in Bahasa Indonesia.")
    findings: list[Finding]


class RevisionView(BaseModel):
    number: int
    title: str
    body: str
    category: Category
    village_code: str
    agenda: Agenda | None
    cover: Image | None
    media: list[Media]
    tags: list[str]
    children: Children
    scheduled_at: datetime | None
    created_at: datetime


class ArticleView(BaseModel):
    """An article as its author, its KIM's officers and moderation staff see it."""

    id: UUID
    kim_id: UUID
    kabupaten_code: str
    status: str
    hidden: bool
    current_revision: int
    published_revision: int | None
    first_published_at: datetime | None
    published_at: datetime | None
    scheduled_at: datetime | None
    reason_code: str | None
    feedback: str | None
    content: RevisionView
    screening: ScreeningView | None
    version: int
    created_at: datetime
    updated_at: datetime


class ArticleSummary(BaseModel):
    id: UUID
    kim_id: UUID
    title: str
    category: Category
    village_code: str
    status: str
    hidden: bool
    current_revision: int
    updated_at: datetime


class ArticlePage(BaseModel):
    items: list[ArticleSummary]
    next_cursor: str | None


class TransitionView(BaseModel):
    revision: int
    from_status: str | None
    to_status: str
    action: str
    actor_role: str
    reason_code: str | None
    note: str | None
    at: datetime


class KimContentSettingsView(KimContentSettings):
    kim_id: UUID
    version: int
