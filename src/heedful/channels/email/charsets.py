"""Bytes in whatever charset a mail claims (or does not claim) to text, never failing.

Mail clients label charsets loosely: Outlook's ``ks_c_5601-1987`` means CP949, ``iso-8859-1``
usually means Windows-1252, ``gb2312`` text often uses GBK characters. Each label maps to the
superset codec, and undeclared or wrongly declared 8-bit text falls back to UTF-8, then
Windows-1252, then Latin-1 (which accepts any byte)."""

from __future__ import annotations

import codecs

SUPERSETS = {
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "x-mac-cyrillic": "mac-cyrillic",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "unicode-1-1-utf-7": "utf-7",
    "x-user-defined": "cp1252",
    "unknown-8bit": "utf-8",
    "x-unknown": "utf-8",
}
FALLBACKS = ("utf-8", "cp1252")


def codec_for(label: str | None) -> str | None:
    """The Python codec to read text labelled ``label`` with; None when unknown."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    name = SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_text(data: bytes, label: str | None) -> str:
    """``data`` as text: the declared charset first, then the fallbacks, then Latin-1."""
    tried: list[str] = []
    for codec in (codec_for(label), *FALLBACKS):
        if codec is None or codec in tried:
            continue
        tried.append(codec)
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1")
