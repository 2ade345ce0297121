"""How many regions an annotation's result holds, counted as Label Studio counts them.

A result is a list of items. Label Studio's editor writes one item per control that says
something about a region, all under the region's `id`: a rectangle with a per-region taxonomy,
choices or text area is two or more items with one `id`, and one region. A classification of the
whole task (a `choices` with no shape) is an item with an `id` of its own, and Label Studio
counts it as one. Label Studio (1.23's `Annotation.save`) sets `result_count` to the number of
distinct `id`s of the items, where the items without an `id` count together as one; `relation`
items (arrows between two regions) carry no `id`, so its count is one more than the regions
whenever a result has relations (exports written until 2024 carry 0 there instead). Here
relations are not regions, and every other item is counted by that rule. See
docs/connectors/label-studio.md, "Regions".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

RELATION = "relation"


def count_regions(result: Iterable[Any]) -> int:
    """Distinct regions of a result: items sharing an `id` are one region, `relation` items
    are none, and items with no `id` count together as one (as Label Studio's own count does);
    an item that is not a JSON object is not a region."""
    keys: set[str | None] = set()
    for item in result:
        if not isinstance(item, Mapping) or item.get("type") == RELATION:
            continue
        key = item.get("id")
        keys.add(None if key is None else str(key))
    return len(keys)
