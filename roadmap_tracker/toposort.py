"""A topological order keyed by file order, without a graph library.

``roadmap status`` and the loader's cycle check need only an order (and whether one exists);
importing networkx for that costs more than the whole command. networkx stays the project's
graph model: it describes cycles and serves path, what-if and the analyses.
"""

from __future__ import annotations

import heapq
from typing import Iterable, Sequence


def file_order_topological(ids: Sequence[str], edges: Iterable[tuple[str, str]]) -> list[str] | None:
    """``ids`` (in file order) with every edge's source before its target, ties broken by file
    order; None if the edges hold a cycle.

    Kahn's algorithm with a heap of file positions: the same order as networkx's
    ``lexicographical_topological_sort`` keyed by file position. Every edge end must be in ``ids``.
    """
    position = {node: i for i, node in enumerate(ids)}
    children: list[list[int]] = [[] for _ in ids]
    waiting = [0] * len(ids)
    for source, target in edges:
        t = position[target]
        children[position[source]].append(t)
        waiting[t] += 1
    ready = [i for i, count in enumerate(waiting) if count == 0]  # ascending: already a heap
    order: list[str] = []
    while ready:
        i = heapq.heappop(ready)
        order.append(ids[i])
        for child in children[i]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, child)
    return order if len(order) == len(ids) else None
