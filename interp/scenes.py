"""Scene indices -> glyph ids, for any universe: a table where it is small, arithmetic where not."""

from __future__ import annotations

import numpy as np
import torch

from rulelang.stream import scenes_of
from rulelang.universe import Universe

#: Universes of at most this many scenes keep a table of every scene's glyphs.
TABLE_UP_TO = 1 << 20


class SceneGlyphs:
    """``glyphs[ids]``: the glyph ids (``int64[..., length]``) of scene indices ``ids`` (a tensor)."""

    def __init__(self, universe: Universe) -> None:
        self.universe = universe
        self.table = (torch.from_numpy(universe.all_scenes().astype(np.int64))
                      if universe.n_scenes <= TABLE_UP_TO else None)

    def __getitem__(self, ids: torch.Tensor) -> torch.Tensor:
        if self.table is not None:
            return self.table[ids]
        flat = scenes_of(self.universe, ids.reshape(-1).cpu().numpy()).astype(np.int64)
        return torch.from_numpy(flat).reshape(*ids.shape, self.universe.length).to(ids.device)
