"""A short Spanish description of the device a session was opened from (R-SEC-1): "Chrome en
Android", "Safari en iPhone", read from the log-in's User-Agent header by a few rules.

A handful of ordered rules, not a user-agent database: the description only helps a person
recognise their own sessions ("that is my phone"), it grants nothing, and a sender can write any
User-Agent it likes. A maintained parser (ua-parser and its regex file) would name more rare
browsers at the price of an import on every cold start; these rules cover the browsers and
systems that carry nearly all the portal's traffic and say "desconocido" for the rest rather
than guess.
"""

from __future__ import annotations

import re

UNKNOWN_BROWSER = "Navegador desconocido"

# Order matters: most browsers also claim to be the ones they are built on (Edge and Opera say
# "Chrome/", Chrome says "Safari/", every iOS browser is Safari's engine with its own token).
_BROWSERS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), name)
    for pattern, name in (
        (r"\bEdg(?:e|A|iOS)?/", "Edge"),
        (r"\bOPR/|\bOPiOS/|\bOpera\b", "Opera"),
        (r"\bSamsungBrowser/", "Samsung Internet"),
        (r"\bFirefox/|\bFxiOS/", "Firefox"),
        (r"\bCriOS/", "Chrome"),
        (r"\b(?:Headless)?Chrome/|\bChromium/", "Chrome"),
        (r"\bVersion/[\d.]+.*\bSafari/", "Safari"),
        (r"\bMobile/\w+ Safari/|\biPhone OS .* Mobile/", "Safari"),
    )
)

_SYSTEMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), name)
    for pattern, name in (
        (r"\biPhone\b", "iPhone"),
        (r"\biPad\b", "iPad"),
        (r"\bAndroid\b", "Android"),
        (r"\bWindows\b", "Windows"),
        (r"\bCrOS\b", "ChromeOS"),
        (r"\bMacintosh\b|\bMac OS X\b", "macOS"),
        (r"\bLinux\b|\bX11\b", "Linux"),
    )
)


def _first(rules: tuple[tuple[re.Pattern[str], str], ...], user_agent: str) -> str | None:
    return next((name for pattern, name in rules if pattern.search(user_agent)), None)


def describe(user_agent: str) -> str:
    """ "<browser> en <system>"; only the browser when the system is not told; "Navegador
    desconocido" (with the system when it is told) for anything else."""
    browser = _first(_BROWSERS, user_agent)
    system = _first(_SYSTEMS, user_agent)
    if browser is None:
        return f"{UNKNOWN_BROWSER} en {system}" if system else UNKNOWN_BROWSER
    return f"{browser} en {system}" if system else browser
