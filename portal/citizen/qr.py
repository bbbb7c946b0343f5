"""QR codes for counters (pure): PNG and SVG of the absolute rating URL."""

from __future__ import annotations

from functools import lru_cache
from io import BytesIO

import qrcode
import qrcode.image.svg
from qrcode.image.pure import PyPNGImage


def rating_url(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def _code(url: str) -> qrcode.QRCode:
    # Level M survives a scratched or badly lit poster; border 4 is the quiet zone scanners need.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(url)
    code.make(fit=True)
    return code


# Mask selection costs ~10 ms per code: cache per URL (a rotated token is a new URL).
@lru_cache(maxsize=2048)
def qr_png(url: str) -> bytes:
    buffer = BytesIO()
    _code(url).make_image(image_factory=PyPNGImage).save(buffer)
    return buffer.getvalue()


@lru_cache(maxsize=2048)
def qr_svg(url: str) -> bytes:
    buffer = BytesIO()
    _code(url).make_image(image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
    return buffer.getvalue()


def qr_svg_inline(url: str) -> str:
    """The SVG element without the XML declaration, to embed in an HTML page."""
    svg = qr_svg(url).decode()
    return svg[svg.index("<svg") :]
