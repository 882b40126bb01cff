"""A report card's figures: each a key, a value and how it was produced (the records and the filters), so a
reader can trace any number on a card back to the rows that made it."""

from dataclasses import dataclass, field


@dataclass
class Figures:
    """Figures of one card over one period; `period` filters are repeated in every figure's provenance."""

    period: dict
    items: list[dict] = field(default_factory=list)

    def add(self, key: str, value, source: str, **filters) -> None:
        self.items.append({"key": key, "value": value, "how": {"source": source,
                                                               "filters": {**self.period, **filters}}})

    def values(self) -> dict:
        return {item["key"]: item["value"] for item in self.items}
