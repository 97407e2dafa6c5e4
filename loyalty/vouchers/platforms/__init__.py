"""Voucher platform adapters, one module per platform API, behind one interface (platforms/base.py).

Douyin has an adapter of its own; Meituan, Taobao, JD, WeChat Channels, offline and custom pools report
through the generic signed callback until they get one.
"""

from __future__ import annotations

from loyalty.vouchers.platforms.base import Adapter
from loyalty.vouchers.platforms.douyin import DouyinAdapter

_GENERIC = Adapter()
_ADAPTERS: dict[str, Adapter] = {"douyin": DouyinAdapter()}


def adapter_for(platform: str) -> Adapter:
    """The adapter of a pool's platform."""
    return _ADAPTERS.get(platform, _GENERIC)
