"""Goods (tiers), countries and calendar months: the vocabulary every module shares."""

from __future__ import annotations

from collections.abc import Iterable

TIERS: tuple[str, ...] = ("concentrate", "ndpr_oxide", "dytb_oxide", "magnet")
"""Traded tiers, upstream first. Quantities are tonnes (t REO for concentrate)."""

OXIDES: tuple[str, ...] = ("ndpr_oxide", "dytb_oxide")

COUNTRIES: dict[str, str] = {
    "CHN": "China",
    "USA": "United States",
    "JPN": "Japan",
    "AUS": "Australia",
    "MYS": "Malaysia",
    "MMR": "Myanmar",
    "XEU": "European Union (ISO 3166 user-assigned code)",
    "XRW": "Rest of world (ISO 3166 user-assigned code)",
    "KOR": "South Korea",
    "VNM": "Viet Nam",
    "IND": "India",
    "BRA": "Brazil",
    "RUS": "Russia",
    "CAN": "Canada",
    "GBR": "United Kingdom",
    "LAO": "Lao PDR",
    "THA": "Thailand",
}
"""ISO 3166-1 alpha-3 codes the model knows. The EU and the rest of the world use ISO's
user-assigned range (X..), since they are not single countries."""

SECTORS: tuple[str, ...] = (
    "ev_auto",
    "wind",
    "electronics",
    "defence",
    "industrial_motors",
    "other_uses",
)
"""Customer sectors. `other_uses` (catalysts, polishing, glass, alloys) buys mixed rare-earth
oxide (the `concentrate` tier); the others buy sintered NdFeB magnets."""


def in_tier_order(tiers: Iterable[str]) -> list[str]:
    """`tiers` in the order of TIERS. Iterating a set of strings follows the process's string
    hashing, which differs between processes; sums of floats taken in that order would differ in
    their last bits, and the model would not give the same tables for the same seed."""
    chosen = set(tiers)
    return [t for t in TIERS if t in chosen]


def parse_month(text: str) -> tuple[int, int]:
    """Parse 'YYYY-MM' or 'YYYY-MM-DD' into (year, month); a day rounds down to its month."""
    parts = text.split("-")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        raise ValueError(f"{text!r} is not a date; use YYYY-MM or YYYY-MM-DD")
    year, month = int(parts[0]), int(parts[1])
    if not 1 <= month <= 12:
        raise ValueError(f"{text!r} has month {month}; months run 1-12")
    if len(parts) == 3 and not 1 <= int(parts[2]) <= 31:
        raise ValueError(f"{text!r} has day {parts[2]}; days run 1-31")
    return year, month


def month_index(text: str, start: str) -> int:
    """Months from `start` to `text` (both 'YYYY-MM[-DD]'); 0 for the start month itself."""
    y, m = parse_month(text)
    y0, m0 = parse_month(start)
    return (y - y0) * 12 + (m - m0)


def month_label(start: str, offset: int) -> str:
    """The 'YYYY-MM' label `offset` months after `start`."""
    y0, m0 = parse_month(start)
    total = y0 * 12 + (m0 - 1) + offset
    return f"{total // 12:04d}-{total % 12 + 1:02d}"
