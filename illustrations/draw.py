"""Draw a solved figure and its props with matplotlib (Agg): stills and animation frames.

The figure has volume: tapered limbs, a torso that is thicker at the pelvis and the chest,
and a head with a nose so the facing is clear. The far limbs (the person's left in the side
view) are a lighter tone and drawn behind the body unless a pose brings one in front.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Polygon, Rectangle

from illustrations.body import Point, Skeleton, Surfaces, direction, polar

BG = "#F6F1E7"
GROUND = "#E6DCC8"
FLOOR_LINE = "#B9A98D"
MAT = "#9DC3B0"
MAT_EDGE = "#7FAE97"
NEAR = "#2A5866"
BODY = "#2F6372"
FAR = "#86ADB8"
ACCENT = "#E07A5F"
CHAIR = "#A97C56"
CHAIR_EDGE = "#7A5535"
CUSHION = "#E9C46A"
TEXT = "#2B2D42"

FAR_OFFSET = 0.035  # metres: how far the far limbs are drawn from the near ones


@dataclass(frozen=True)
class Prop:
    """Something in the scene: ``mat`` (x0..x1), ``chair`` (seat front at x0), ``cushion``
    or ``towel`` (centre x0, width x1, height h, resting on the surface ``on``)."""

    kind: str
    x0: float = 0.0
    x1: float = 0.0
    h: float = 0.0
    y: float = 0.0


@dataclass(frozen=True)
class Camera:
    """The part of the scene in the frame (metres) and the frame size (pixels)."""

    x0: float
    y0: float
    x1: float
    y1: float
    width_px: int
    height_px: int

    @property
    def px_per_m(self) -> float:
        return self.width_px / (self.x1 - self.x0)


def frame_for(
    boxes: Iterable[tuple[float, float, float, float]],
    width_px: int,
    height_px: int,
    margin: float = 0.09,
    floor: bool = True,
) -> Camera:
    """The tightest camera of the given aspect that holds every box plus a margin.

    With ``floor``, the frame also keeps a strip of ground (10% of its height) in view.
    """
    bx = list(boxes)
    x0 = min(b[0] for b in bx) - margin
    y0 = min(b[1] for b in bx) - margin
    x1 = max(b[2] for b in bx) + margin
    y1 = max(b[3] for b in bx) + margin * 1.4
    aspect = width_px / height_px
    if floor:
        y0 = min(y0, 0.0)
    w, h = x1 - x0, y1 - y0
    if floor:
        h = h / 0.9
    if w / h < aspect:
        extra = h * aspect - w
        x0 -= extra / 2
        x1 += extra / 2
    else:
        h = w / aspect
    if floor:
        y0 = min(0.0, y0) - 0.1 * h
        y1 = y0 + h
    else:
        cy = (y0 + y1) / 2
        y0, y1 = cy - h / 2, cy + h / 2
    return Camera(x0, y0, x1, y1, width_px, height_px)


class Canvas:
    """One frame: a matplotlib figure whose axes map metres to pixels through a camera."""

    def __init__(self, camera: Camera) -> None:
        self.camera = camera
        self.fig = Figure(figsize=(camera.width_px / 100, camera.height_px / 100), dpi=100)
        self.fig.patch.set_facecolor(BG)
        self.ax: Axes = self.fig.add_axes((0.0, 0.0, 1.0, 1.0))
        self.ax.set_xlim(camera.x0, camera.x1)
        self.ax.set_ylim(camera.y0, camera.y1)
        self.ax.set_aspect("equal")
        self.ax.axis("off")

    def pt(self, metres: float) -> float:
        """A thickness in metres as points (matplotlib line widths)."""
        return metres * self.camera.px_per_m * 72 / 100

    # --- scenery ------------------------------------------------------------------------
    def ground(self) -> None:
        c = self.camera
        self.ax.add_patch(
            Rectangle((c.x0, c.y0), c.x1 - c.x0, -c.y0, facecolor=GROUND, lw=0, zorder=0)
        )
        self.ax.plot([c.x0, c.x1], [0, 0], color=FLOOR_LINE, lw=self.pt(0.008), zorder=1)

    def props(self, props: Sequence[Prop], surfaces: Surfaces, view: str) -> None:
        for prop in props:
            if prop.kind == "mat":
                if view == "top":
                    self.ax.add_patch(
                        FancyBboxPatch(
                            (prop.x0, prop.y - prop.h / 2),
                            prop.x1 - prop.x0,
                            prop.h,
                            boxstyle="round,pad=0,rounding_size=0.06",
                            facecolor=MAT,
                            edgecolor=MAT_EDGE,
                            lw=self.pt(0.01),
                            zorder=1,
                        )
                    )
                else:
                    self.ax.add_patch(
                        Rectangle(
                            (prop.x0, 0.0),
                            prop.x1 - prop.x0,
                            surfaces.mat,
                            facecolor=MAT,
                            edgecolor=MAT_EDGE,
                            lw=self.pt(0.004),
                            zorder=2,
                        )
                    )
            elif prop.kind == "chair":
                self.chair(surfaces)
            elif prop.kind in ("cushion", "towel", "pillow"):
                self.ax.add_patch(
                    FancyBboxPatch(
                        (prop.x0 - prop.x1 / 2, prop.y),
                        prop.x1,
                        prop.h,
                        boxstyle=f"round,pad=0,rounding_size={min(prop.h, prop.x1) * 0.45:.3f}",
                        facecolor=CUSHION,
                        edgecolor="#C9A24A",
                        lw=self.pt(0.006),
                        zorder=2.5,
                    )
                )

    def chair(self, s: Surfaces) -> None:
        """A steady four-legged chair without wheels; the seat's front edge is at x = 0."""
        front, back = s.seat_front, s.seat_front - s.seat_depth
        seat_t = 0.045
        leg = self.pt(0.035)
        kw: dict[str, Any] = {"color": CHAIR, "lw": leg, "solid_capstyle": "round", "zorder": 1.5}
        self.ax.plot([front - 0.04, front - 0.04], [0.0, s.seat - seat_t], **kw)
        self.ax.plot([back + 0.03, back + 0.03], [0.0, s.seat - seat_t], **kw)
        self.ax.plot([back + 0.03, back - 0.02], [s.seat, s.seat + 0.45], **kw)
        self.ax.plot(
            [back - 0.005, back - 0.03],
            [s.seat + 0.30, s.seat + 0.43],
            color=CHAIR,
            lw=self.pt(0.07),
            solid_capstyle="round",
            zorder=1.5,
        )
        self.ax.add_patch(
            FancyBboxPatch(
                (back, s.seat - seat_t),
                s.seat_depth,
                seat_t,
                boxstyle="round,pad=0,rounding_size=0.015",
                facecolor=CHAIR,
                edgecolor=CHAIR_EDGE,
                lw=self.pt(0.006),
                zorder=1.6,
            )
        )
        # the front edge, where the steps say to sit
        self.ax.add_patch(
            Circle(
                (front - 0.012, s.seat - seat_t / 2),
                seat_t / 2,
                facecolor=CHAIR_EDGE,
                lw=0,
                zorder=1.7,
            )
        )

    # --- the figure ---------------------------------------------------------------------
    def capsule(self, a: Point, b: Point, ra: float, rb: float, color: str, z: float) -> None:
        """A tapered limb segment with round ends."""
        ang = math.radians(direction(a, b))
        nx, ny = -math.sin(ang), math.cos(ang)
        quad = [
            (a[0] + nx * ra, a[1] + ny * ra),
            (b[0] + nx * rb, b[1] + ny * rb),
            (b[0] - nx * rb, b[1] - ny * rb),
            (a[0] - nx * ra, a[1] - ny * ra),
        ]
        self.ax.add_patch(Polygon(quad, closed=True, facecolor=color, lw=0, zorder=z))
        self.ax.add_patch(Circle(a, ra, facecolor=color, lw=0, zorder=z))
        self.ax.add_patch(Circle(b, rb, facecolor=color, lw=0, zorder=z))

    def limb(self, sk: Skeleton, side: str, kind: str, front: bool) -> None:
        b = sk.body
        near = side == "near"
        color = NEAR if near else FAR
        z = (7.0 if near else 3.0) + (5.0 if front else 0.0)
        p = dict(sk.points)
        if not near and sk.view == "side":
            # the far limbs peek out a little behind the near ones, for depth
            p = {
                k: (x + FAR_OFFSET, y) if k.startswith("far_") else (x, y)
                for k, (x, y) in p.items()
            }
        if kind == "leg":
            hip, knee, ankle = p[f"{side}_hip"], p[f"{side}_knee"], p[f"{side}_ankle"]
            self.capsule(hip, knee, *b.thigh_r, color, z)
            self.capsule(knee, ankle, *b.shin_r, color, z + 0.1)
            self.capsule(p[f"{side}_heel"], p[f"{side}_toe"], b.foot_r, b.foot_r * 0.7, color, z)
        else:
            sh, el, wr = p[f"{side}_shoulder"], p[f"{side}_elbow"], p[f"{side}_wrist"]
            self.capsule(sh, el, *b.upper_arm_r, color, z + 0.2)
            self.capsule(el, wr, *b.forearm_r, color, z + 0.2)
            self.capsule(wr, p[f"{side}_hand"], b.hand_r, b.hand_r * 0.8, color, z + 0.2)

    def torso(self, sk: Skeleton) -> None:
        b, p = sk.body, sk.points
        if sk.view == "top":
            # seen from above: shoulders and hips are wide, the waist narrower
            self.capsule(p["near_hip"], p["far_hip"], b.pelvis_r, b.pelvis_r, BODY, 5)
            self.capsule(p["near_shoulder"], p["far_shoulder"], 0.07, 0.07, BODY, 5)
            spine = [p["hip"], p["waist"], p["chest"], p["shoulder"]]
            radii = [b.hip_half_width * 0.95, b.waist_r * 1.35, b.chest_r * 1.5, 0.12]
        else:
            spine = [p["hip"], p["waist"], p["chest"], p["shoulder"]]
            radii = [b.pelvis_r, b.waist_r, b.chest_r, b.shoulder_r]
        centre, widths = smooth_spine(spine, radii)
        for a, b2, ra, rb in zip(centre, centre[1:], widths, widths[1:], strict=False):
            self.capsule(a, b2, ra, rb, BODY, 5)
        self.capsule(p["shoulder"], p["neck"], b.shoulder_r * 0.55, b.shoulder_r * 0.5, BODY, 5)

    def head(self, sk: Skeleton) -> None:
        p, r = sk.points, sk.body.head
        self.ax.add_patch(Circle(p["head"], r, facecolor=BODY, lw=0, zorder=6))
        if sk.view == "side":
            neck_dir = direction(p["neck"], p["head"])
            nose = polar(p["head"], r * 0.92, neck_dir - 95)
            tip = polar(p["head"], r * 1.22, neck_dir - 100)
            low = polar(p["head"], r * 0.9, neck_dir - 125)
            self.ax.add_patch(
                Polygon([nose, tip, low], closed=True, facecolor=BODY, lw=0, zorder=6)
            )

    def figure(self, sk: Skeleton, in_front: Sequence[str] = ()) -> None:
        """Far limbs, torso and head, then near limbs; ``in_front`` lifts named limbs."""
        for side in ("far", "near"):
            for kind in ("leg", "arm"):
                name = f"{side}_{kind}"
                self.limb(sk, side, kind, name in in_front)
        self.torso(sk)
        self.head(sk)

    # --- cues -----------------------------------------------------------------------------
    def arrow(self, start: Point, end: Point, rad: float = 0.0) -> None:
        self.ax.add_patch(
            FancyArrowPatch(
                start,
                end,
                connectionstyle=f"arc3,rad={rad}",
                arrowstyle="-|>,head_length=0.5,head_width=0.35",
                mutation_scale=self.pt(0.12),
                color=ACCENT,
                lw=self.pt(0.016),
                capstyle="round",
                shrinkA=0,
                shrinkB=0,
                zorder=20,
            )
        )

    def turn(self, centre: Point, width: float, height: float, toward_viewer: bool) -> None:
        """A flat ellipse around the chest with an arrowhead: the chest turns that way."""
        cx, cy = centre
        rx, ry = width / 2, height / 2

        def arc(t0: float, t1: float, steps: int = 40) -> list[Point]:
            ts = [math.radians(t0 + (t1 - t0) * i / steps) for i in range(steps + 1)]
            return [(cx + rx * math.cos(t), cy + ry * math.sin(t)) for t in ts]

        kw: dict[str, Any] = {"color": ACCENT, "lw": self.pt(0.016), "solid_capstyle": "round"}
        back = arc(15, 165)
        self.ax.plot(*zip(*back, strict=True), zorder=2, alpha=0.5, **kw)
        # front half of the ellipse passes in front of the body
        front = arc(195, 345) if toward_viewer else arc(345, 195)
        self.ax.plot(*zip(*front, strict=True), zorder=19, **kw)
        self.arrow(front[-4], front[-1])

    def label(self, text: str, size_px: float) -> None:
        """A one-word label in the top-left corner, ``size_px`` tall (cap height ~0.7 em)."""
        self.fig.text(
            0.04,
            0.94,
            text,
            fontsize=size_px * 72 / 100,
            fontweight="bold",
            color=TEXT,
            va="top",
            ha="left",
            family="DejaVu Sans",
        )

    def pixels(self) -> np.ndarray:
        """The frame as an RGB array (height, width, 3), uint8."""
        agg = FigureCanvasAgg(self.fig)
        agg.draw()  # type: ignore[no-untyped-call]
        rgba = np.asarray(agg.buffer_rgba())  # type: ignore[no-untyped-call]
        return np.array(rgba[:, :, :3])


def smooth_spine(
    spine: Sequence[Point], radii: Sequence[float], steps: int = 6
) -> tuple[list[Point], list[float]]:
    """Points along a Catmull-Rom curve through ``spine`` and the radius at each point."""
    pts = [spine[0], *spine, spine[-1]]
    rs = [radii[0], *radii, radii[-1]]
    centre: list[Point] = []
    widths: list[float] = []
    for i in range(1, len(pts) - 2):
        p0, p1, p2, p3 = pts[i - 1], pts[i], pts[i + 1], pts[i + 2]
        for s in range(steps):
            t = s / steps
            centre.append(
                (_catmull(p0[0], p1[0], p2[0], p3[0], t), _catmull(p0[1], p1[1], p2[1], p3[1], t))
            )
            widths.append(rs[i] + (rs[i + 1] - rs[i]) * t)
    centre.append(spine[-1])
    widths.append(radii[-1])
    return centre, widths


def _catmull(a: float, b: float, c: float, d: float, t: float) -> float:
    return 0.5 * (
        2 * b
        + (-a + c) * t
        + (2 * a - 5 * b + 4 * c - d) * t * t
        + (-a + 3 * b - 3 * c + d) * t * t * t
    )
