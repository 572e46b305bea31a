"""Pure rules about orders: the lifecycle, who may move it, and the buyer's phone (no I/O).

placed → confirmed (seller side) → ready (pickup) or shipped (delivery) → completed; the
buyer cancels before confirmation, the seller any time before completion; an unconfirmed
order expires. Cancelled and expired orders give their stock back.
"""

from __future__ import annotations

from typing import Final, Literal

from lokal.phone import parse_phone

from kim_shared.errors import Invalid

OrderStatus = Literal[
    "placed", "confirmed", "ready", "shipped", "completed", "cancelled", "expired"
]
Fulfilment = Literal["pickup", "delivery"]
Party = Literal["buyer", "seller"]
Action = Literal["confirm", "ready", "ship", "complete", "cancel"]

#: The statuses an order may be in for an action, and the status it moves to.
TRANSITIONS: Final[dict[Action, tuple[tuple[OrderStatus, ...], OrderStatus]]] = {
    "confirm": (("placed",), "confirmed"),
    "ready": (("confirmed",), "ready"),
    "ship": (("confirmed",), "shipped"),
    "complete": (("ready", "shipped"), "completed"),
    "cancel": (("placed", "confirmed", "ready", "shipped"), "cancelled"),
}
BUYER_CANCELS_FROM: Final[tuple[OrderStatus, ...]] = ("placed",)
EXPIRES_FROM: Final[tuple[OrderStatus, ...]] = ("placed",)


def allowed_from(action: Action, party: Party) -> tuple[OrderStatus, ...]:
    """The statuses from which ``party`` may take ``action``."""
    if action == "cancel" and party == "buyer":
        return BUYER_CANCELS_FROM
    return TRANSITIONS[action][0]


def check_fulfilment(action: Action, fulfilment: Fulfilment) -> bool:
    """``ready`` is for pickup orders, ``ship`` for delivery orders."""
    if action == "ready":
        return fulfilment == "pickup"
    if action == "ship":
        return fulfilment == "delivery"
    return True


def normalise_phone(raw: str, *, field: str = "body.buyer.phone") -> str:
    """The buyer's phone in E.164; 422 on ``field`` unless it is an Indonesian number (the
    message never echoes it)."""
    info = parse_phone(raw)
    if not info.valid or info.e164 is None:
        raise Invalid("The phone number is not a valid Indonesian phone number.", field=field)
    return info.e164
