"""Per-line tax arithmetic for manual tax rates, exclusive and inclusive."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class LineTax:
    """What one line pays: Stripe's `amount_subtotal`, `amount_tax`, `amount_total`, `taxable_amount`."""

    subtotal: int
    tax: int
    total: int
    taxable_amount: int
    inclusive: bool

    @property
    def net(self) -> int:
        """The amount without any tax."""
        return self.total - self.tax


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def line_tax(amount: int, percentage: float | str | Decimal | None, inclusive: bool = False) -> LineTax:
    """Tax one line of `amount` minor units at `percentage` (None means untaxed)."""
    if percentage is None:
        return LineTax(amount, 0, amount, amount, inclusive)
    rate = Decimal(str(percentage)) / 100
    if inclusive:
        net = _round(Decimal(amount) / (1 + rate))
        return LineTax(amount, amount - net, amount, net, True)
    tax = _round(Decimal(amount) * rate)
    return LineTax(amount, tax, amount + tax, amount, False)
