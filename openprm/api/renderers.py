"""The API's JSON: one rule for every Decimal in every response (a plain decimal string, never an exponent)."""

from decimal import Decimal

from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from openprm.lib.money import plain_decimal


class PlainDecimalEncoder(NinjaJSONEncoder):
    """Ninja's encoder, except that a Decimal is written with `plain_decimal` at its own scale ("50.00", "50",
    never "5E+1" or "0E-7", which `str()` produces for some values and clients cannot all parse)."""

    def default(self, o):
        if isinstance(o, Decimal):
            return plain_decimal(o, trim=False)
        return super().default(o)


class PlainDecimalRenderer(JSONRenderer):
    """The JSON renderer of the NinjaAPI instance."""

    encoder_class = PlainDecimalEncoder
