"""Discounts: a coupon (perhaps through a promotion code) applied to a customer, a subscription or an invoice;
what it takes off each invoice line, and how long it lasts (once, some months, forever)."""

import copy
from decimal import ROUND_HALF_UP, Decimal

from ..periods import shift_months
from .errors import InvalidRequest
from .events import emit
from .state import State

# The payment statuses that make a customer's later redemption no longer a first-time transaction.
PAID = ("paid",)


def _refuse(message: str, param: str, code: str | None = None) -> InvalidRequest:
    return InvalidRequest(message, param=param, code=code)


def check_coupon(coupon: dict, param: str, at: int) -> None:
    """A coupon past its redeem_by date or its max_redemptions cannot start a discount."""
    spent = coupon["max_redemptions"] is not None and coupon["times_redeemed"] >= coupon["max_redemptions"]
    if not coupon["valid"] or spent or (coupon["redeem_by"] is not None and at > coupon["redeem_by"]):
        raise _refuse(f"Coupon expired: {coupon['id']}", param, "coupon_expired")


def check_promotion_code(state: State, promo: dict, customer: dict | None, param: str, at: int) -> None:
    """A code is redeemable while active, unexpired, under its limit, by its customer, and first-time only."""
    if not promo["active"]:
        raise _refuse(f"This promotion code is inactive: {promo['code']}.", param)
    if promo["expires_at"] is not None and at >= promo["expires_at"]:
        raise _refuse(f"This promotion code has expired: {promo['code']}.", param)
    if promo["max_redemptions"] is not None and promo["times_redeemed"] >= promo["max_redemptions"]:
        raise _refuse(f"This promotion code has been redeemed the maximum number of times: {promo['code']}.",
                      param)
    if promo["customer"] and (customer is None or customer["id"] != promo["customer"]):
        raise _refuse("This promotion code cannot be redeemed by this customer.", param)
    if promo["restrictions"]["first_time_transaction"] and customer is not None and any(
            i["customer"] == customer["id"] and i["status"] in PAID for i in state.store.all("invoice")):
        raise _refuse("This promotion code cannot be redeemed because the associated customer has prior "
                      "transactions.", param)


def redeemable(state: State, entry: dict, customer: dict | None, prefix: str, at: int) -> tuple[dict, dict | None]:
    """The (coupon, promotion code) an entry names (`coupon` or `promotion_code`), checked for redemption; errors
    name `prefix[coupon]` (or just `coupon`, for the pre-basil parameters, with no prefix)."""
    def param(key: str) -> str:
        return f"{prefix}[{key}]" if prefix else key
    if entry.get("promotion_code"):
        promo = state.store.require("promotion_code", entry["promotion_code"], param("promotion_code"), in_body=True)
        check_promotion_code(state, promo, customer, param("promotion_code"), at)
        coupon = state.store.require("coupon", promo["promotion"]["coupon"], param("promotion_code"), in_body=True)
        check_coupon(coupon, param("promotion_code"), at)
        return coupon, promo
    coupon = state.store.require("coupon", entry.get("coupon") or "", param("coupon"), in_body=True)
    check_coupon(coupon, param("coupon"), at)
    return coupon, None


def resolve(state: State, entries: list[dict], customer: dict | None, param: str, at: int,
            owned: tuple[str, ...] = ()) -> list:
    """Check every `discounts[]` entry before anything changes: (coupon, promo) pairs to redeem, or the id of a
    discount the owner already has (`discount`, among `owned`)."""
    out = []
    for index, entry in enumerate(entries or []):
        where = f"{param}[{index}]" if param == "discounts" else ""
        if sum(1 for key in ("coupon", "promotion_code", "discount") if entry.get(key)) != 1:
            raise _refuse("Each discount must name exactly one of coupon, promotion_code or discount.", where or param)
        if entry.get("discount"):
            if entry["discount"] not in owned:
                raise _refuse(f"No such discount: '{entry['discount']}'", f"{where}[discount]", "resource_missing")
            out.append(entry["discount"])
        else:
            out.append(redeemable(state, entry, customer, where, at))
    coupons = [item[0]["id"] for item in out if isinstance(item, tuple)]
    if len(coupons) != len(set(coupons)):
        raise _refuse("The same coupon cannot be applied twice.", param)
    return out


def new_discount(state: State, coupon: dict, promo: dict | None, *, at: int, customer: str | None,
                 subscription: str | None = None, invoice: str | None = None,
                 checkout_session: str | None = None, redeemed: bool = True) -> dict:
    """Store a discount and count the redemption on its coupon (and code), unless `redeemed` is False (a Checkout
    Session's discount counts when the session is paid)."""
    end = shift_months(at, coupon["duration_in_months"]) if coupon["duration"] == "repeating" else None
    discount = {"id": state.new_id("di"), "object": "discount", "checkout_session": checkout_session,
                "coupon": copy.deepcopy(coupon), "customer": customer, "customer_account": None, "end": end,
                "invoice": invoice, "invoice_item": None, "promotion_code": promo["id"] if promo else None,
                "source": {"coupon": coupon["id"], "type": "coupon"}, "start": at, "subscription": subscription,
                "subscription_item": None}
    state.store.add(discount)
    if redeemed:
        redeem(coupon, promo)
    return discount


def redeem(coupon: dict, promo: dict | None) -> None:
    """Count one redemption on a coupon (and its code); a coupon at its max_redemptions is no longer valid."""
    coupon["times_redeemed"] += 1
    if promo is not None:
        promo["times_redeemed"] += 1
    if coupon["max_redemptions"] is not None and coupon["times_redeemed"] >= coupon["max_redemptions"]:
        coupon["valid"] = False


def apply(state: State, resolved: list, *, at: int, customer: str | None, origin=(None, None), **owner) -> list[str]:
    """Discount ids for `resolve`'s answer: existing ones kept, new ones made for the owner (each new one
    customer.discount.created, as Stripe announces a subscription's discounts too)."""
    ids = []
    for item in resolved:
        if isinstance(item, str):
            ids.append(item)
            continue
        discount = new_discount(state, *item, at=at, customer=customer, **owner)
        emit(state, "customer.discount.created", discount, at=at, origin=origin)
        ids.append(discount["id"])
    return ids


def still_applies(state: State, discount: dict, at: int) -> bool:
    """Whether a discount still takes something off an invoice drafted at `at`: `once` until its first invoice,
    `repeating` until its end, `forever` always."""
    if discount["coupon"]["duration"] == "once":
        return not any(discount["id"] in i.get("discounts", ()) for i in state.store.all("invoice"))
    return discount["end"] is None or at < discount["end"]


def applicable(state: State, customer: dict | None, subscription: dict | None, at: int) -> list[str]:
    """The discounts an invoice drafted now gets: the subscription's own, else the customer's."""
    ids = list(subscription.get("discounts") or []) if subscription else []
    if not ids and customer is not None and customer.get("discount"):
        ids = [customer["discount"]["id"]]
    found = [state.store.get(id) for id in ids]
    return [d["id"] for d in found if d is not None and still_applies(state, d, at)]


def expire(state: State, customer: dict | None, subscription: dict | None, at: int) -> None:
    """Drop the discounts whose time is over before the next invoice (customer.discount.deleted for each)."""
    if subscription is not None:
        for id in list(subscription.get("discounts") or []):
            discount = state.store.get(id)
            if discount is None or not still_applies(state, discount, at):
                subscription["discounts"].remove(id)
                if discount is not None:
                    emit(state, "customer.discount.deleted", discount, at=at)
    current = (customer or {}).get("discount")
    if current and not still_applies(state, state.store.get(current["id"]) or current, at):
        customer["discount"] = None
        emit(state, "customer.discount.deleted", current, at=at)


def line_amounts(state: State, discount_ids: list[str], amounts: list[int], currency: str) -> list[list[tuple]]:
    """Per line, (discount id, amount off) for each discount, applied in order to what earlier ones left: a
    percentage of the invoice's net, or an amount off up to it, shared out over the lines that charge something in
    proportion (credits, such as unused time, lower the base; a discount never makes the invoice negative)."""
    left = list(amounts)
    out: list[list[tuple]] = [[] for _ in amounts]
    for id in discount_ids:
        discount = state.store.get(id)
        net = sum(left)
        if discount is None or net <= 0:
            continue
        coupon = discount["coupon"]
        if coupon["percent_off"] is not None:
            rate = Decimal(str(coupon["percent_off"])) / 100
            pool = int((Decimal(net) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        elif coupon["currency"] == currency:
            pool = min(coupon["amount_off"], net)
        else:
            continue
        charged = [max(value, 0) for value in left]
        offs = [pool * value // sum(charged) for value in charged]
        offs[max(range(len(left)), key=lambda i: charged[i])] += pool - sum(offs)
        for index, off in enumerate(offs):
            if charged[index]:
                left[index] -= off
                out[index].append((id, off))
    return out


def render_discount(state: State, record: dict, version: str) -> dict:
    """The discount with its coupon as it is now (the copy serves once the coupon is deleted)."""
    coupon = state.store.get(record["source"]["coupon"])
    return {**record, "coupon": coupon} if coupon is not None else record


def deleted_discount(discount: dict) -> dict:
    """What DELETE …/discount answers."""
    out = {k: v for k, v in discount.items() if k not in ("end",)}
    out["deleted"] = True
    return out


def set_customer_discount(state: State, customer: dict, resolved: tuple | None, *, at: int,
                          origin=(None, None)) -> None:
    """Give a customer a new discount (customer.discount.created, or .updated when it replaces one), or remove
    it (`resolved` None: customer.discount.deleted)."""
    old = customer.get("discount")
    if resolved is None:
        if old:
            customer["discount"] = None
            emit(state, "customer.discount.deleted", old, at=at, origin=origin)
        return
    discount = new_discount(state, *resolved, at=at, customer=customer["id"])
    customer["discount"] = copy.deepcopy(discount)
    if old:
        emit(state, "customer.discount.updated", discount, at=at, old=old, origin=origin)
    else:
        emit(state, "customer.discount.created", discount, at=at, origin=origin)


RENDERERS = {"discount": render_discount}
