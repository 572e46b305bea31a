"""What the OpenAPI document says about request fields agrees with what the service checks."""

from __future__ import annotations

import re

import pytest
from lokal.nik import parse_nik
from pydantic import TypeAdapter, ValidationError

from kim_registry.groups.nik import NIK_PATTERN, NIK_SEPARATORS
from kim_registry.groups.schemas import KimPatch, MemberPatch
from kim_shared.dates import IsoDate

NIK = "3502011203900001"


@pytest.mark.parametrize("separator", list(NIK_SEPARATORS))
def test_the_documented_nik_separators_are_the_ones_lokal_ignores(separator: str) -> None:
    written = f"{NIK[:6]}{separator}{NIK[6:12]}{separator}{NIK[12:]}"
    assert re.fullmatch(NIK_PATTERN, written)
    assert "format" not in {issue.code for issue in parse_nik(written).errors}


@pytest.mark.parametrize("written", [NIK[:15], f"{NIK[:8]}/{NIK[8:]}", f"{NIK[:15]}x"])
def test_what_the_nik_pattern_refuses_lokal_refuses(written: str) -> None:
    assert not re.fullmatch(NIK_PATTERN, written)
    assert "format" in {issue.code for issue in parse_nik(written).errors}


@pytest.mark.parametrize(
    ("value", "valid"),
    [("1900-01-01", True), ("2100-12-31", True), ("1899-12-31", False), ("2101-01-01", False)],
)
def test_the_documented_date_range_is_the_checked_one(value: str, valid: bool) -> None:
    pattern = TypeAdapter(IsoDate).json_schema()["pattern"]
    assert bool(re.fullmatch(pattern, value)) is valid
    try:
        TypeAdapter(IsoDate).validate_python(value)
    except ValidationError:
        assert not valid
    else:
        assert valid


@pytest.mark.parametrize(
    ("model", "kept"),
    [(KimPatch, ["name", "links"]), (MemberPatch, ["full_name", "nik", "position", "term_start"])],
)
def test_a_patch_documents_that_it_changes_something_and_what_cannot_be_cleared(
    model: type[KimPatch] | type[MemberPatch], kept: list[str]
) -> None:
    schema = model.model_json_schema()
    assert schema["minProperties"] == 1
    for name in kept:
        assert "null" not in str(schema["properties"][name]), name
        with pytest.raises(ValidationError, match="cannot be null"):
            model.model_validate({name: None})
    with pytest.raises(ValidationError, match="at least one field"):
        model.model_validate({})
