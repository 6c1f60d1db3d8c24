"""Type stub of the optional C extension built from _scan.c (see connector/rules/scanner.py)."""

from collections.abc import Mapping, Sequence
from typing import Any

class Scanner:
    def __init__(
        self,
        patterns: Sequence[str],
        kinds: Sequence[Sequence[tuple[int, int]]],
        hit_type: type[tuple[Any, ...]],
        names: tuple[str, ...],
    ) -> None: ...
    def find(self, norm: str, table: int, max_hits: int, source: str) -> list[Any] | None: ...
    def add_table(self, rows: Mapping[tuple[str, str], Sequence[tuple[int, tuple[int, ...]]]]) -> int: ...
    def sizes(self) -> list[tuple[int, int]]: ...

def count_words(
    text: str, first: frozenset[str], second: frozenset[str], longest: int
) -> tuple[int, int] | None: ...
def fold(text: str, table: str) -> str: ...
