"""The committed pictures: what ``python -m illustrations`` draws, readable on a phone.

Each clip must decode as H.264 with no sound, last 2-6 s, stay under 1 MB, loop back to
its first pose, and match what the drawing code renders now (a pixel tolerance absorbs
encoder noise and library versions). Each still must match too, fill the frame on a
330-px-wide chat photo, and any text in it must be at least 18 px tall there.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from illustrations.body import Skeleton
from illustrations.clip import (
    CLIP_WIDTH,
    LABEL_PX_AT_330,
    camera_for,
    clip_frames,
    frames,
    size_of,
    solve_key,
    still,
    still_camera,
)
from illustrations.draw import Canvas
from illustrations.scene import Scene, aliases, load_all

CONTENT = Path(__file__).resolve().parents[2] / "content"
SCENES = load_all(CONTENT / "poses")
PHONE_WIDTH = 330


def decode(path: Path) -> tuple[list[np.ndarray], av.video.stream.VideoStream, float]:
    """Every frame as RGB, the video stream and the duration in seconds."""
    with av.open(str(path)) as container:
        assert [s.type for s in container.streams] == ["video"], "no sound, one video stream"
        stream = container.streams.video[0]
        images = [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)]
        assert container.duration is not None
        seconds = container.duration / av.time_base
        return images, stream, seconds


def difference(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two RGB images, 0-255."""
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


@pytest.mark.parametrize("scene", SCENES, ids=lambda s: s.name)
def test_clip_decodes_loops_and_matches_the_drawing(scene: Scene) -> None:
    path = CONTENT / "animations" / f"{scene.name}.mp4"
    assert path.stat().st_size <= 1_000_000
    images, stream, seconds = decode(path)
    assert stream.codec_context.name == "h264"
    assert (stream.width, stream.height) == size_of(scene, CLIP_WIDTH)
    assert 2.0 <= seconds <= 6.05
    assert len(images) == len(frames(scene))
    # a loop: the last frame leads straight back into the first
    assert difference(images[0], images[-1]) < 4.0
    # what is committed is what the code draws today (frame 0 and the middle frame)
    checked = (0, len(images) // 2)
    for i, drawn in zip(checked, clip_frames(scene, only=checked), strict=True):
        assert difference(images[i], drawn) < 3.0, f"{scene.name} frame {i} is stale"


@pytest.mark.parametrize("scene", SCENES, ids=lambda s: s.name)
def test_still_matches_the_drawing(scene: Scene) -> None:
    committed = np.asarray(Image.open(CONTENT / "images" / f"{scene.name}.png").convert("RGB"))
    assert difference(committed, still(scene)) < 1.0, f"{scene.name}.png is stale"


def test_aliases_are_copies_of_their_source() -> None:
    found = aliases(CONTENT / "poses")
    assert found == {
        "forward_fold-easier": "seated_forward_fold-easier",
        "seated_twist-easier": "chair_twist",
    }
    for name, source in found.items():
        for folder, ext in (("images", "png"), ("animations", "mp4")):
            copy = (CONTENT / folder / f"{name}.{ext}").read_bytes()
            assert copy == (CONTENT / folder / f"{source}.{ext}").read_bytes()


def _figure_share(scene: Scene, skeleton: Skeleton) -> tuple[float, float]:
    """The figure's share of the still's (width, height)."""
    camera = still_camera(scene)
    x0, y0, x1, y1 = skeleton.bounds()
    return (x1 - x0) / (camera.x1 - camera.x0), (y1 - y0) / (camera.y1 - camera.y0)


@pytest.mark.parametrize("scene", SCENES, ids=lambda s: s.name)
def test_figure_fills_the_still_on_a_phone(scene: Scene) -> None:
    """At least 45% of the picture's height; a figure lying long on the floor can't be that
    tall in a 4:3 picture without being cut off, so it spans at least 85% of the width."""
    wide, tall = _figure_share(scene, solve_key(scene, scene.key))
    assert tall >= 0.45 or wide >= 0.85, (
        f"{scene.name}: the figure is {wide:.0%} of the picture's width, {tall:.0%} of its height"
    )


@pytest.mark.parametrize("scene", SCENES, ids=lambda s: s.name)
def test_labels_are_readable_at_phone_width(scene: Scene) -> None:
    labels = {beat.label for beat in scene.timeline if beat.label}
    for width in (CLIP_WIDTH, 800):
        camera = camera_for(scene, *size_of(scene, width))
        for text in labels:
            canvas = Canvas(camera)
            canvas.label(text, LABEL_PX_AT_330 * width / PHONE_WIDTH)
            canvas.pixels()
            extent = canvas.fig.texts[0].get_window_extent()
            cap_height = extent.height * PHONE_WIDTH / width
            assert cap_height >= 18, f"{scene.name} {text!r}: {cap_height:.1f} px at 330"


def test_stills_are_pngs_a_chat_accepts() -> None:
    for scene in SCENES:
        data = (CONTENT / "images" / f"{scene.name}.png").read_bytes()
        image = Image.open(BytesIO(data))
        assert image.format == "PNG" and image.width == 800
        assert len(data) < 200_000
