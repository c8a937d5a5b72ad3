"""How the Train tab words things: colours for messages, and numbers, times and sentences as text."""
from __future__ import annotations

import math

ERROR_STYLE = "color: #b3261e;"
WARN_STYLE = "color: #8a5300;"
OK_STYLE = "color: #1b6e20;"
MUTED_STYLE = "color: #666;"


def format_seconds(seconds: float) -> str:
    """2.3 s, 42 s, 3:07, 1:02:03; "…" when not known yet."""
    if not math.isfinite(seconds) or seconds < 0:
        return "…"
    if seconds < 9.95:
        return f"{seconds:.1f} s"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}:{seconds:02d}"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}"


def percent(value: float) -> str:
    return f"{100 * value:.1f} %" if math.isfinite(value) else "—"


def number(value: float) -> str:
    """0.1234, or 6.512e+31 for a loss that exploded (not 32 digits); "—" when not finite."""
    if not math.isfinite(value):
        return "—"
    return f"{value:.4f}" if abs(value) < 1e5 else f"{value:.4g}"


def sentence(text: str) -> str:
    """An engine message as a sentence: capital first letter, closing full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def count(n: int, noun: str) -> str:
    """"1 epoch", "3 epochs": a number with its noun, singular for one."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
