"""Similar complaint descriptions by Chinese word segmentation (jieba): the Jaccard index of the
two sets of segmented words, without stop words and punctuation. Pure functions, no database."""

from __future__ import annotations

import logging
import unicodedata
from functools import lru_cache

_STOP = (
    "的 了 是 在 和 与 及 也 都 就 还 又 很 太 不 没 没有 有 我 我们 你 你们 他 她 它 他们 这 那 "
    "这个 那个 一个 一直 已经 还是 但是 而且 因为 所以 如果 就是 什么 怎么 一下 一些 非常 比较 "
    "问题 情况 现在 时候 之后 以后 请 吗 呢 吧 啊 呀 哦 嗯 把 被 让 给 对 从 到 向 上 下 里 中"
)
STOP_WORDS = frozenset(_STOP.split())  # noqa: SIM905 - one word list, easier to edit as text


@lru_cache(maxsize=1)
def _jieba():  # type: ignore[no-untyped-def]
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def _is_word(token: str) -> bool:
    token = token.strip()
    if not token or token in STOP_WORDS:
        return False
    return any(unicodedata.category(ch)[0] in "LN" for ch in token)


def keywords(text: str) -> list[str]:
    """The distinct meaningful words of `text`, in the order they appear."""
    seen: dict[str, None] = {}
    for token in _jieba().cut((text or "").lower()):
        if _is_word(token):
            seen.setdefault(token.strip(), None)
    return list(seen)


def jaccard(a: set[str] | frozenset[str], b: set[str] | frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
