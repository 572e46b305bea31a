"""``kim projections``: usage errors are answered before any database or broker is used."""

from __future__ import annotations

import pytest

from kim_shared.cli import main


def test_rebuild_names_what_a_service_mounts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["projections", "rebuild", "registry", "regions"]) == 2
    assert "registry' tidak memasang proyeksi apa pun" in capsys.readouterr().out
    assert main(["projections", "rebuild", "content", "sellers"]) == 2
    assert "(yang dipasang: regions, kim)" in capsys.readouterr().out
    assert main(["projections", "check", "--service", "registry"]) == 2
    assert "Layanan tanpa proyeksi: registry" in capsys.readouterr().out
