"""Regenerate every illustration from the pose data: ``python -m illustrations [ids...]``.

Reads ``content/poses/*.yaml`` and writes, per stretch and per easier version that has its
own scene, ``content/images/<name>.png`` (the key pose, 800x600) and
``content/animations/<name>.mp4`` (the looping clip, 480x360, H.264). With ``--sheet``
it also writes ``docs/illustrations.png``, a contact sheet of every still.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from illustrations.clip import write
from illustrations.scene import SceneError, aliases, load_all
from illustrations.sheet import contact_sheet

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m illustrations", description=__doc__)
    parser.add_argument("ids", nargs="*", help="stretch ids (default: all)")
    parser.add_argument("--sheet", action="store_true", help="also write docs/illustrations.png")
    args = parser.parse_args(argv)
    try:
        scenes = load_all(CONTENT / "poses")
    except SceneError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    wanted = [s for s in scenes if not args.ids or s.stretch_id in args.ids]
    for scene in wanted:
        png, mp4 = write(scene, CONTENT / "images", CONTENT / "animations")
        print(
            f"{png.relative_to(ROOT)} {png.stat().st_size // 1024} kB, "
            f"{mp4.relative_to(ROOT)} {mp4.stat().st_size // 1024} kB, {scene.seconds:.1f} s"
        )
    for name, same_as in aliases(CONTENT / "poses").items():
        for folder, ext in (("images", "png"), ("animations", "mp4")):
            source = CONTENT / folder / f"{same_as}.{ext}"
            (CONTENT / folder / f"{name}.{ext}").write_bytes(source.read_bytes())
        print(f"{name}: same pictures as {same_as}")
    if args.sheet:
        out = ROOT / "docs" / "illustrations.png"
        contact_sheet(scenes, out)
        print(out.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
