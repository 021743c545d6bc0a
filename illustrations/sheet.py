"""A contact sheet of every still, each at phone size (330 px wide), for review in docs/."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw

from illustrations.clip import still
from illustrations.scene import Scene

TILE_W = 330
CAPTION_H = 24


def contact_sheet(scenes: Sequence[Scene], out: Path, columns: int = 3) -> None:
    """Write every scene's still, scaled to 330 px wide, in a grid with its name below."""
    tiles = []
    for scene in scenes:
        image = Image.fromarray(still(scene))
        height = round(image.height * TILE_W / image.width)
        tiles.append(image.resize((TILE_W, height), Image.Resampling.LANCZOS))
    rows = [tiles[i : i + columns] for i in range(0, len(tiles), columns)]
    heights = [max(t.height for t in row) + CAPTION_H for row in rows]
    sheet = Image.new("RGB", (columns * TILE_W, sum(heights)), "white")
    pen = ImageDraw.Draw(sheet)
    y = 0
    for r, row in enumerate(rows):
        for c, tile in enumerate(row):
            x = c * TILE_W
            sheet.paste(tile, (x, y))
            pen.text(
                (x + 8, y + heights[r] - CAPTION_H + 5), scenes[r * columns + c].name, fill="black"
            )
        y += heights[r]
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out, optimize=True)
