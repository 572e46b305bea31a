"""``kim token``: mint a local development token signed with the dev key pair.

Operator-facing text is in Bahasa Indonesia. Issuer and audience come from
the settings (``KIM_AUTH_ISSUER``, ``KIM_AUTH_AUDIENCE``); the key pair from
``KIM_AUTH_DEV_KEY_DIR``. Refused when dev keys are disabled or in production.
"""

from __future__ import annotations

import argparse
import sys

from pydantic import ValidationError

from kim_shared.auth.factory import dev_keys_enabled
from kim_shared.auth.mint import DEFAULT_TTL_S, mint_dev_token
from kim_shared.auth.principal import KNOWN_ROLES, NATIONWIDE_ROLES, Principal, is_region_code
from kim_shared.settings import ServiceSettings


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"harus bilangan bulat positif, bukan {text!r}")
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``token`` subcommand to the ``kim`` CLI."""
    parser = subparsers.add_parser(
        "token",
        help="buat token JWT pengembangan (ditandatangani kunci dev lokal)",
        description=(
            "Membuat token akses RS256 untuk pengembangan lokal, ditandatangani dengan "
            "pasangan kunci dev di KIM_AUTH_DEV_KEY_DIR (dibuat otomatis bila belum ada). "
            "Tidak tersedia di produksi."
        ),
    )
    parser.add_argument(
        "--sub", required=True, metavar="SUBJEK", help="subjek token (id pengguna), mis. alice"
    )
    parser.add_argument(
        "--role",
        dest="roles",
        action="append",
        default=[],
        choices=sorted(KNOWN_ROLES),
        metavar="PERAN",
        help=f"peran pengguna; boleh diulang. Pilihan: {', '.join(sorted(KNOWN_ROLES))}",
    )
    parser.add_argument(
        "--region",
        metavar="KODE",
        help="cakupan wilayah (kode Kemendagri), mis. 35 atau 35.02",
    )
    parser.add_argument(
        "--kim-id",
        dest="kim_ids",
        action="append",
        default=[],
        metavar="ID",
        help="id KIM yang dikelola pengguna; boleh diulang",
    )
    parser.add_argument(
        "--ttl",
        type=_positive_int,
        default=DEFAULT_TTL_S,
        metavar="DETIK",
        help=f"masa berlaku token dalam detik (bawaan {DEFAULT_TTL_S})",
    )
    parser.add_argument("--name", metavar="NAMA", help="nama tampilan pengguna")
    parser.set_defaults(func=run_token)


def _fail(message: str, code: int = 2) -> int:
    print(f"kim token: {message}", file=sys.stderr)
    return code


def run_token(args: argparse.Namespace) -> int:
    """Print a signed dev token for the requested principal; return the exit code."""
    try:
        settings = ServiceSettings()
    except ValidationError as exc:
        return _fail(f"pengaturan tidak valid: {exc}")
    if not dev_keys_enabled(settings):
        return _fail(
            "kunci dev dinonaktifkan (KIM_AUTH_DEV_KEYS=false atau lingkungan produksi); "
            "token lokal tidak dapat dibuat."
        )
    roles = frozenset(args.roles)
    region: str | None = args.region
    if region is not None and not is_region_code(region):
        return _fail(
            f"kode wilayah {region!r} tidak valid; contoh: 35, 35.02, 35.02.01, 35.02.01.2001"
        )
    regional = sorted(roles - NATIONWIDE_ROLES)
    if region is None and regional:
        return _fail(f"peran {', '.join(regional)} memerlukan --region")
    principal = Principal(
        subject=args.sub,
        roles=roles,
        region_scope=region,
        name=args.name,
        kim_ids=tuple(args.kim_ids),
    )
    try:
        token = mint_dev_token(settings, principal, ttl=args.ttl)
    except (OSError, ValueError) as exc:
        return _fail(f"kunci dev di {settings.auth_dev_key_dir} tidak dapat dipakai: {exc}", 1)
    print(token)
    return 0
