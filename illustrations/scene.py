"""Poses as data: load ``content/poses/<stretch id>.yaml`` into scenes (main and easier).

A file holds the view (``side`` or ``top``), the props, the key poses of the movement and a
timeline (which pose, how many seconds to move into it, how many to hold it, an optional
one-word label), and optionally an ``easier`` scene for the easier version, written the same
way; keys it leaves out are taken from the main scene. A key pose may start from another
(``base:``) and change only some angles. See ``illustrations/body.py`` for the angles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from illustrations.body import LIMBS, Limb, Plant, Pose, PoseError, Root, Surfaces, View
from illustrations.draw import Prop


class SceneError(ValueError):
    """A pose file that can't be read; the message names the file and the field."""


@dataclass(frozen=True)
class Cue:
    """A movement cue: ``arrow`` from a body point (offset ox, oy) by (dx, dy) metres, or a
    ``turn`` ellipse around a body point."""

    kind: str
    at: str
    ox: float = 0.0
    oy: float = 0.0
    dx: float = 0.0
    dy: float = 0.0
    rad: float = 0.0
    toward_viewer: bool = True


@dataclass(frozen=True)
class KeyPose:
    """One key pose: angles and contacts, limbs drawn in front of the body, and its cues."""

    pose: Pose
    in_front: tuple[str, ...] = ()
    cues: tuple[Cue, ...] = ()


@dataclass(frozen=True)
class Beat:
    """One step of the timeline: move into ``pose`` over ``move`` s, then hold it ``hold`` s."""

    pose: str
    move: float = 0.0
    hold: float = 0.0
    label: str = ""


@dataclass(frozen=True)
class Scene:
    """Everything needed to draw one stretch (or its easier version)."""

    stretch_id: str
    variant: str
    view: View
    props: tuple[Prop, ...]
    surfaces: Surfaces
    poses: Mapping[str, KeyPose]
    timeline: tuple[Beat, ...]
    key: str
    aspect: str = "4:3"

    @property
    def seconds(self) -> float:
        return sum(b.move + b.hold for b in self.timeline)

    @property
    def name(self) -> str:
        return self.stretch_id if self.variant == "main" else f"{self.stretch_id}-{self.variant}"


def _limb(value: Any, where: str) -> Limb:
    if not isinstance(value, list) or not 1 <= len(value) <= 4:
        raise SceneError(f"{where}: a limb is a list of 1-4 angles (degrees)")
    numbers = [float(v) for v in value] + [0.0] * (4 - len(value))
    return Limb(*numbers)


def _pose(raw: Mapping[str, Any], base: KeyPose | None, where: str) -> KeyPose:
    known = {"base", "trunk", "spine", "neck", "root", "plants", "in_front", "cues", *LIMBS}
    unknown = set(raw) - known
    if unknown:
        raise SceneError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    start = base.pose if base else Pose()
    limbs = dict(start.limbs)
    for name in LIMBS:
        if name in raw:
            limbs[name] = _limb(raw[name], f"{where}.{name}")
    spine = raw.get("spine", list(start.spine))
    if not isinstance(spine, list) or len(spine) != 2:
        raise SceneError(f"{where}.spine: two angles (degrees)")
    root = start.root
    if "root" in raw:
        r = raw["root"]
        root = Root(str(r["point"]), str(r["surface"]), float(r.get("x", 0.0)))
    plants = start.plants
    if "plants" in raw:
        plants = tuple(
            Plant(
                str(p["part"]),
                str(p["to"]),
                float(p.get("along", 0.0)),
                None if p.get("x") is None else float(p["x"]),
                int(p.get("bend", 0)),
                None if p.get("y") is None else float(p["y"]),
            )
            for p in raw["plants"]
        )
    cues = (
        base.cues
        if base and "cues" not in raw
        else tuple(Cue(**{k: v for k, v in c.items()}) for c in raw.get("cues", []))
    )
    in_front = tuple(raw.get("in_front", base.in_front if base else ()))
    pose = Pose(
        trunk=float(raw.get("trunk", start.trunk)),
        spine=(float(spine[0]), float(spine[1])),
        neck=float(raw.get("neck", start.neck)),
        limbs=limbs,
        root=root,
        plants=plants,
    )
    return KeyPose(pose=pose, in_front=in_front, cues=cues)


def _props(raw: Any, where: str) -> tuple[Prop, ...]:
    if not isinstance(raw, list):
        raise SceneError(f"{where}: a list of props")
    out = []
    for i, p in enumerate(raw):
        if not isinstance(p, dict) or "kind" not in p:
            raise SceneError(f"{where}[{i}]: needs a kind")
        out.append(Prop(**p))
    return tuple(out)


def _scene(stretch_id: str, variant: str, raw: Mapping[str, Any], where: str) -> Scene:
    view = raw.get("view", "side")
    if view not in ("side", "top"):
        raise SceneError(f"{where}.view: side or top")
    props = _props(raw.get("props", []), f"{where}.props")
    surfaces = Surfaces(**raw.get("surfaces", {}))
    poses: dict[str, KeyPose] = {}
    pending = dict(raw.get("poses", {}))
    if not pending:
        raise SceneError(f"{where}.poses: at least one key pose")
    while pending:
        progressed = False
        for name, spec in list(pending.items()):
            base_name = spec.get("base")
            if base_name and base_name not in poses:
                if base_name not in pending:
                    raise SceneError(f"{where}.poses.{name}.base: no pose {base_name!r}")
                continue
            poses[name] = _pose(
                spec, poses.get(base_name) if base_name else None, f"{where}.poses.{name}"
            )
            del pending[name]
            progressed = True
        if not progressed:
            raise SceneError(f"{where}.poses: circular base")
    timeline = tuple(Beat(**b) for b in raw.get("timeline", []))
    if not timeline:
        raise SceneError(f"{where}.timeline: at least one beat")
    for beat in timeline:
        if beat.pose not in poses:
            raise SceneError(f"{where}.timeline: no pose {beat.pose!r}")
    key = str(raw.get("key", timeline[0].pose))
    if key not in poses:
        raise SceneError(f"{where}.key: no pose {key!r}")
    # key poses only used as a base (or inherited from the main scene) aren't drawn
    used = {beat.pose for beat in timeline} | {key}
    poses = {name: pose for name, pose in poses.items() if name in used}
    aspect = str(raw.get("aspect", "4:3"))
    if aspect not in ("4:3", "square"):
        raise SceneError(f"{where}.aspect: 4:3 or square")
    return Scene(stretch_id, variant, view, props, surfaces, poses, timeline, key, aspect)


def load(path: Path) -> list[Scene]:
    """The scenes in one pose file: the main one, then ``easier`` if the file has it.

    Raises `SceneError` naming the file and field when the data is malformed, and
    `PoseError` (wrapped in `SceneError`) when a key pose's contacts can't be solved.
    """
    where = path.name
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SceneError(f"{where}: not valid YAML ({exc})") from None
    if not isinstance(raw, dict):
        raise SceneError(f"{where}: a mapping")
    stretch_id = path.stem
    easier_raw = raw.pop("easier", None)
    raw.pop("easier_same_as", None)
    try:
        scenes = [_scene(stretch_id, "main", raw, where)]
        if easier_raw is not None:
            merged = {**raw, **easier_raw}
            # the easier scene may add or change key poses and keeps the rest
            merged["poses"] = {**raw.get("poses", {}), **easier_raw.get("poses", {})}
            scenes.append(_scene(stretch_id, "easier", merged, f"{where}.easier"))
    except (KeyError, TypeError, PoseError) as exc:
        raise SceneError(f"{where}: {exc}") from None
    return scenes


def aliases(folder: Path) -> dict[str, str]:
    """Easier versions drawn by another scene: ``{"forward_fold-easier": "seated_..."}``."""
    found: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(raw, dict) and raw.get("easier_same_as"):
            found[f"{path.stem}-easier"] = str(raw["easier_same_as"])
    return found


def load_all(folder: Path) -> list[Scene]:
    """Every scene under ``folder`` (``content/poses``), sorted by file name."""
    scenes: list[Scene] = []
    for path in sorted(folder.glob("*.yaml")):
        scenes.extend(load(path))
    return scenes
