"""Top-k selection over (position, score) pairs: higher score first, then lower position.

>>> pos, score = top_k(np.array([5, 2, 9]), np.array([1.0, 3.0, 1.0]), 2)
>>> pos.tolist(), score.tolist()
([2, 5], [3.0, 1.0])
"""
from __future__ import annotations

from typing import Tuple

import numpy as np


def top_k(positions: np.ndarray, scores: np.ndarray, k: int) -> Tuple[np.ndarray, np.ndarray]:
    """The ``k`` best (position, score) pairs: higher score first, then lower position."""
    if len(scores) > k:
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]
        above = np.flatnonzero(scores > kth)
        tied = np.flatnonzero(scores == kth)
        need = k - len(above)
        if len(tied) > need:
            tied = tied[np.argsort(positions[tied], kind="stable")[:need]]
        keep = np.concatenate((above, tied))
        positions, scores = positions[keep], scores[keep]
    order = np.lexsort((positions, -scores))
    return positions[order], scores[order]
