"""Turn a scene into pictures: the still of its key pose (PNG) and a looping clip (MP4).

Frames are solved from interpolated joint angles, so contacts hold in every frame, not only
in the key poses. The clip is H.264 in an MP4 with no sound, which is what Telegram turns
GIFs into and what ``sendAnimation`` plays in a loop; it's encoded with PyAV (FFmpeg's
libx264), single-threaded with fixed settings so the output is reproducible.
"""

from __future__ import annotations

import io
import math
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

from illustrations.body import Pose, PoseError, Skeleton, blend, pose_of, solve
from illustrations.draw import Camera, Canvas, frame_for
from illustrations.scene import Cue, KeyPose, Scene

FPS = 20
CLIP_WIDTH = 480  # 480x360 (or 480x480); a chat shows it about 330 px wide
STILL_WIDTH = 800
LABEL_PX_AT_330 = 20.0  # the label's size when the picture is 330 px wide (>= 18)


@dataclass(frozen=True)
class Frame:
    """One moment of a clip: the solved body, the key pose it is in or heading to, a label."""

    skeleton: Skeleton
    target: KeyPose
    label: str
    holding: bool


def _ease(t: float) -> float:
    return 0.5 - 0.5 * math.cos(math.pi * t)


def solve_key(scene: Scene, name: str) -> Skeleton:
    """Solve one key pose of a scene; a failure names the scene and the pose."""
    try:
        return solve(scene.poses[name].pose, scene.view, scene.surfaces)
    except PoseError as exc:
        raise PoseError(f"{scene.name}: pose {name!r}: {exc}") from None


def poses_over_time(scene: Scene, fps: int = FPS) -> Iterator[tuple[Pose, KeyPose, str, bool]]:
    """The pose in every frame of one loop (the last frame leads back into the first)."""
    beats = scene.timeline
    solved = {name: pose_of(solve_key(scene, name), kp.pose) for name, kp in scene.poses.items()}
    current = solved[beats[-1].pose]
    for beat in beats:
        target, pose = scene.poses[beat.pose], solved[beat.pose]
        n_move = round(beat.move * fps)
        for i in range(n_move):
            yield blend(current, pose, _ease((i + 1) / n_move)), target, beat.label, False
        for _ in range(round(beat.hold * fps)):
            yield pose, target, beat.label, True
        current = pose


def frames(scene: Scene, fps: int = FPS) -> list[Frame]:
    """Every frame of one loop, solved (raises PoseError if a frame's contacts fail)."""
    out = []
    names = {id(kp): name for name, kp in scene.poses.items()}
    for i, (pose, target, label, holding) in enumerate(poses_over_time(scene, fps)):
        try:
            skeleton = solve(pose, scene.view, scene.surfaces)
        except PoseError as exc:
            raise PoseError(
                f"{scene.name}: frame {i} (toward {names[id(target)]!r}): {exc}"
            ) from None
        out.append(Frame(skeleton, target, label, holding))
    return out


def size_of(scene: Scene, width: int) -> tuple[int, int]:
    """Frame size in pixels for a scene's aspect (4:3 or square), ``width`` wide."""
    return (width, width) if scene.aspect == "square" else (width, width * 3 // 4)


def camera_for(scene: Scene, width: int, height: int, loop: list[Frame] | None = None) -> Camera:
    """One camera for the whole clip: every frame's body and the props in view."""
    skeletons = [f.skeleton for f in (loop or frames(scene))]
    return _camera(scene, skeletons, width, height)


def _camera(scene: Scene, skeletons: list[Skeleton], width: int, height: int) -> Camera:
    boxes = [s.bounds() for s in skeletons]
    key = scene.poses[scene.key]
    for sk in skeletons[:1]:
        for cue in key.cues:
            x, y = sk[cue.at]
            sx, sy = x + cue.ox, y + cue.oy
            pad = 0.05 if cue.kind == "arrow" else 0.28
            boxes.append(
                (
                    min(sx, sx + cue.dx) - pad,
                    min(sy, sy + cue.dy) - pad,
                    max(sx, sx + cue.dx) + pad,
                    max(sy, sy + cue.dy) + pad,
                )
            )
    for prop in scene.props:
        if prop.kind == "chair":
            s = scene.surfaces
            boxes.append((s.seat_front - s.seat_depth - 0.04, 0.0, s.seat_front, s.seat + 0.2))
    return frame_for(boxes, width, height, floor=scene.view == "side")


def draw(
    scene: Scene, skeleton: Skeleton, key: KeyPose, camera: Camera, label: str, cues: bool
) -> np.ndarray:
    """Render one frame to an RGB array."""
    canvas = Canvas(camera)
    if scene.view == "side":
        canvas.ground()
    canvas.props(scene.props, scene.surfaces, scene.view)
    canvas.figure(skeleton, key.in_front)
    for cue in key.cues:
        if cues or cue.kind == "turn":
            _cue(canvas, skeleton, cue)
    if label:
        canvas.label(label, LABEL_PX_AT_330 * camera.width_px / 330)
    return canvas.pixels()


def _cue(canvas: Canvas, sk: Skeleton, cue: Cue) -> None:
    x, y = sk[cue.at]
    start = (x + cue.ox, y + cue.oy)
    if cue.kind == "arrow":
        canvas.arrow(start, (start[0] + cue.dx, start[1] + cue.dy), cue.rad)
    elif cue.kind == "turn":
        canvas.turn(start, 0.5, 0.14, cue.toward_viewer)


def still_camera(scene: Scene, width: int = STILL_WIDTH) -> Camera:
    """The camera of the still: framed on the key pose alone, so the figure fills it."""
    return _camera(scene, [solve_key(scene, scene.key)], *size_of(scene, width))


def still(scene: Scene, width: int = STILL_WIDTH) -> np.ndarray:
    """The key pose as an RGB array, with its cues and label."""
    camera = still_camera(scene, width)
    key = scene.poses[scene.key]
    skeleton = solve_key(scene, scene.key)
    label = next((b.label for b in scene.timeline if b.pose == scene.key and b.label), "")
    return draw(scene, skeleton, key, camera, label, cues=True)


def clip_frames(
    scene: Scene, width: int = CLIP_WIDTH, only: Sequence[int] | None = None
) -> list[np.ndarray]:
    """The clip's frames as RGB arrays: all of them, or those at the indices in ``only``."""
    loop = frames(scene)
    camera = camera_for(scene, *size_of(scene, width), loop=loop)
    chosen = [loop[i] for i in only] if only is not None else loop
    return [draw(scene, f.skeleton, f.target, camera, f.label, cues=False) for f in chosen]


def png_bytes(rgb: np.ndarray) -> bytes:
    """PNG of an RGB array, without metadata (reproducible)."""
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def mp4_bytes(images: list[np.ndarray], fps: int = FPS) -> bytes:
    """H.264 MP4 (yuv420p, no audio) of the frames; reproducible for the same input."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clip.mp4"
        _encode(images, fps, path)
        return path.read_bytes()


def _encode(images: list[np.ndarray], fps: int, path: Path) -> None:
    # +faststart puts the index first so a chat can start playing before the end arrives
    options = {"movflags": "+faststart"}
    with av.open(str(path), mode="w", format="mp4", options=options) as container:
        container.metadata.clear()
        stream = container.add_stream(
            "libx264",
            rate=Fraction(fps, 1),
            options={
                "crf": "26",
                "preset": "slow",
                "tune": "animation",
                "threads": "1",
                "x264-params": "threads=1:lookahead-threads=1",
            },
        )
        height, width = images[0].shape[:2]
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.codec_context.thread_count = 1
        for rgb in images:
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def write(scene: Scene, images_dir: Path, clips_dir: Path) -> tuple[Path, Path]:
    """Write ``<name>.png`` (the still) and ``<name>.mp4`` (the clip); returns both paths."""
    png = images_dir / f"{scene.name}.png"
    mp4 = clips_dir / f"{scene.name}.mp4"
    png.parent.mkdir(parents=True, exist_ok=True)
    mp4.parent.mkdir(parents=True, exist_ok=True)
    png.write_bytes(png_bytes(still(scene)))
    mp4.write_bytes(mp4_bytes(clip_frames(scene)))
    return png, mp4
