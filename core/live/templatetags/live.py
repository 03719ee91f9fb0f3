"""``{% live_codes %}``: the close codes a live page's script acts on, as data
attributes of the element that opens the socket, rendered from ``protocol``."""

from collections.abc import Iterable

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from ..protocol import CLOSE_NOT_ALLOWED, CLOSE_TOO_MANY, RECONNECT_CODES

register = template.Library()


def spaced(codes: Iterable[int]) -> str:
    return " ".join(map(str, codes))


@register.simple_tag
def live_codes() -> SafeString:
    return format_html(
        'data-reconnect-codes="{}" data-not-allowed-codes="{}"'
        ' data-too-many-codes="{}"',
        spaced(RECONNECT_CODES),
        CLOSE_NOT_ALLOWED,
        CLOSE_TOO_MANY,
    )
