"""Draw one illustration per stretch into ``content/images/<stretch_id>.png``.

The pictures are generated from code (matplotlib, Agg backend) rather than drawn by
hand so that they share one consistent style, carry no licensing questions and can be
regenerated whenever a stretch is added:

    .venv/bin/python scripts/draw_illustrations.py            # all stretches
    .venv/bin/python scripts/draw_illustrations.py bridge     # just some

Output is deterministic (fixed geometry, fonts and no timestamps in PNG metadata), so
re-running it on the same matplotlib version produces byte-identical files.

Drawing conventions: side view, the person faces right; the floor is y = 0; one data
unit is 100 px at ``zoom`` 1. The stretch name (title) is read from the stretch's YAML.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # after matplotlib.use()
import yaml
from matplotlib.axes import Axes
from matplotlib.patches import (
    Circle,
    FancyArrowPatch,
    FancyBboxPatch,
    PathPatch,
    Rectangle,
)
from matplotlib.path import Path as MplPath

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
IMAGES = CONTENT / "images"

WIDTH_PX, HEIGHT_PX, DPI = 800, 600, 100
TITLE_BAND = 0.17  # top share of the canvas reserved for the title and caption
FLOOR_PX = 95  # floor line height above the bottom edge, in pixels

# Palette: warm paper background, teal figure, coral movement cues.
BG = "#F6F1E7"
GROUND = "#EAE1D0"
FLOOR_LINE = "#BDAE95"
MAT = "#A8C5B5"
NEAR = "#2F5D6B"
FAR = "#8FB3BC"
GHOST = "#C9BFAE"
ACCENT = "#E07A5F"
CHAIR = "#B08968"
TEXT = "#2B2D42"
MUTED = "#6C6F7D"

# Body proportions, in data units.
TORSO = 1.2
NECK = 0.16
HEAD_R = 0.26
UPPER_ARM = 0.74
FOREARM = 0.70
THIGH = 1.05
SHIN = 1.0
FOOT = 0.25
LIMB_W = 0.15  # stroke thickness of limbs
TORSO_W = 0.22  # stroke thickness of the torso
MAT_H = 0.06
SEAT_HIP = 0.1 + SHIN  # hip height when sitting on a chair with shins upright
SEAT = SEAT_HIP - TORSO_W / 2  # top of the chair seat under that hip
LIE = MAT_H + TORSO_W / 2  # centre height of a torso lying on the mat
LIMB_LIE = MAT_H + LIMB_W / 2  # centre height of a limb lying on the mat

Point = tuple[float, float]


def polar(origin: Point, length: float, angle_deg: float) -> Point:
    """Point at ``length`` from ``origin`` in direction ``angle_deg`` (0 = right, 90 = up)."""
    angle = math.radians(angle_deg)
    return (origin[0] + length * math.cos(angle), origin[1] + length * math.sin(angle))


def joint(start: Point, end: Point, first: float, second: float, bend: int) -> Point:
    """Middle joint (elbow/knee) of a two-part limb from ``start`` reaching ``end``.

    ``bend`` = +1 bends to the left of the start->end direction, -1 to the right. If the
    target is out of reach the limb is straight, pointing at it.
    """
    dx, dy = end[0] - start[0], end[1] - start[1]
    dist = math.hypot(dx, dy)
    base = math.atan2(dy, dx)
    if dist >= first + second or dist == 0:
        return (start[0] + first * math.cos(base), start[1] + first * math.sin(base))
    cos_a = (first**2 + dist**2 - second**2) / (2 * first * dist)
    a = math.acos(max(-1.0, min(1.0, cos_a)))
    ang = base + bend * a
    return (start[0] + first * math.cos(ang), start[1] + first * math.sin(ang))


def reach(start: Point, end: Point, first: float, second: float) -> Point:
    """Where a limb from ``start`` actually ends when aiming at ``end``."""
    dx, dy = end[0] - start[0], end[1] - start[1]
    dist = math.hypot(dx, dy)
    if dist <= first + second:
        return end
    scale = (first + second) / dist
    return (start[0] + dx * scale, start[1] + dy * scale)


def arm(shoulder: Point, hand: Point, bend: int = -1) -> list[Point]:
    """Shoulder, elbow and hand points for an arm aiming at ``hand``."""
    hand = reach(shoulder, hand, UPPER_ARM, FOREARM)
    return [shoulder, joint(shoulder, hand, UPPER_ARM, FOREARM, bend), hand]


def leg(hip: Point, ankle: Point, bend: int = 1) -> list[Point]:
    """Hip, knee and ankle points for a leg aiming at ``ankle``."""
    ankle = reach(hip, ankle, THIGH, SHIN)
    return [hip, joint(hip, ankle, THIGH, SHIN, bend), ankle]


class Canvas:
    """One 800x600 picture: title band on top, drawing area below with the floor at y=0."""

    def __init__(self, title: str, caption: str, zoom: float = 1.0, floor_px: int = FLOOR_PX):
        self.zoom = zoom
        self.fig = plt.figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
        self.fig.patch.set_facecolor(BG)
        self.fig.text(0.055, 0.905, title, fontsize=30, fontweight="bold", color=TEXT)
        self.fig.text(0.057, 0.855, caption, fontsize=15, color=MUTED)
        ax_h_px = HEIGHT_PX * (1 - TITLE_BAND)
        self.ax: Axes = self.fig.add_axes((0.0, 0.0, 1.0, 1 - TITLE_BAND))
        unit_px = 100 * zoom
        half_w = WIDTH_PX / 2 / unit_px
        bottom = -floor_px / unit_px
        self.ax.set_xlim(-half_w, half_w)
        self.ax.set_ylim(bottom, bottom + ax_h_px / unit_px)
        self.ax.set_aspect("equal")
        self.ax.axis("off")
        self.half_w = half_w
        self.bottom = bottom

    def pt(self, thickness: float) -> float:
        """Convert a thickness in data units to points (what matplotlib line widths use)."""
        return thickness * self.zoom * 72

    # --- scenery --------------------------------------------------------------------
    def floor(self) -> None:
        """Ground band and floor line across the whole width."""
        ax = self.ax
        ax.add_patch(
            Rectangle(
                (-self.half_w, self.bottom),
                2 * self.half_w,
                -self.bottom,
                facecolor=GROUND,
                edgecolor="none",
                zorder=0,
            )
        )
        ax.plot([-self.half_w, self.half_w], [0, 0], color=FLOOR_LINE, lw=self.pt(0.03), zorder=1)

    def mat(self, x0: float, x1: float) -> None:
        """Exercise mat lying on the floor between ``x0`` and ``x1``."""
        self.ax.add_patch(
            FancyBboxPatch(
                (x0, 0.0),
                x1 - x0,
                MAT_H,
                boxstyle="round,pad=0,rounding_size=0.03",
                facecolor=MAT,
                edgecolor="none",
                zorder=2,
            )
        )

    def chair(self, x: float, seat: float = SEAT) -> None:
        """Side view of a simple chair whose seat spans x-0.6 .. x+0.45, back on the left."""
        lw = self.pt(0.09)
        back_x = x - 0.6
        kw: dict[str, Any] = {"color": CHAIR, "lw": lw, "solid_capstyle": "round", "zorder": 3}
        self.ax.plot([back_x, x + 0.45], [seat - 0.05, seat - 0.05], **kw)  # seat
        self.ax.plot([x + 0.38, x + 0.38], [0.02, seat - 0.05], **kw)  # front leg
        self.ax.plot([back_x, back_x], [0.02, seat - 0.05], **kw)  # back leg
        self.ax.plot([back_x, back_x - 0.12], [seat - 0.05, seat + 1.3], **kw)  # backrest

    # --- figure parts ---------------------------------------------------------------
    def limb(self, points: Sequence[Point], near: bool = True, ghost: bool = False) -> None:
        """A chain of segments with round caps and joins (arm or leg)."""
        color = GHOST if ghost else (NEAR if near else FAR)
        xs, ys = zip(*points, strict=True)
        self.ax.plot(
            xs,
            ys,
            color=color,
            lw=self.pt(LIMB_W),
            solid_capstyle="round",
            solid_joinstyle="round",
            zorder=4 if ghost else (5 if not near else 7),
        )

    def torso(self, hip: Point, shoulder: Point, bulge: float = 0.0, ghost: bool = False) -> None:
        """Spine as a curve from hip to shoulder; ``bulge`` > 0 rounds it to the left.

        "Left" is relative to the hip->shoulder direction, so for an upright figure
        facing right a positive bulge rounds the back (cat); negative arches it (cow).
        """
        mx, my = (hip[0] + shoulder[0]) / 2, (hip[1] + shoulder[1]) / 2
        dx, dy = shoulder[0] - hip[0], shoulder[1] - hip[1]
        length = math.hypot(dx, dy)
        nx, ny = -dy / length, dx / length
        # A quadratic Bezier's midpoint sits halfway to its control point, hence 2x.
        control = (mx + 2 * bulge * nx, my + 2 * bulge * ny)
        path = MplPath([hip, control, shoulder], [MplPath.MOVETO, MplPath.CURVE3, MplPath.CURVE3])
        self.ax.add_patch(
            PathPatch(
                path,
                facecolor="none",
                edgecolor=GHOST if ghost else NEAR,
                lw=self.pt(TORSO_W),
                capstyle="round",
                joinstyle="round",
                zorder=4 if ghost else 6,
            )
        )

    def head(self, shoulder: Point, angle_deg: float, ghost: bool = False) -> Point:
        """Neck and head, pointing from the shoulder in ``angle_deg``; returns the centre."""
        neck_end = polar(shoulder, NECK + 0.05, angle_deg)
        centre = polar(shoulder, NECK + HEAD_R, angle_deg)
        color = GHOST if ghost else NEAR
        self.ax.plot(
            [shoulder[0], neck_end[0]],
            [shoulder[1], neck_end[1]],
            color=color,
            lw=self.pt(LIMB_W),
            solid_capstyle="round",
            zorder=4 if ghost else 6,
        )
        self.ax.add_patch(
            Circle(
                centre,
                HEAD_R,
                facecolor=color,
                edgecolor="none",
                zorder=4 if ghost else 6,
            )
        )
        return centre

    def foot(self, ankle: Point, angle_deg: float, near: bool = True) -> None:
        """Short foot segment from the ankle."""
        self.limb([ankle, polar(ankle, FOOT, angle_deg)], near=near)

    # --- cues -----------------------------------------------------------------------
    def arrow(self, start: Point, end: Point, rad: float = 0.0) -> None:
        """Coral movement arrow; ``rad`` curves it (positive bends counter-clockwise)."""
        self.ax.add_patch(
            FancyArrowPatch(
                start,
                end,
                connectionstyle=f"arc3,rad={rad}",
                arrowstyle="-|>,head_length=0.45,head_width=0.3",
                mutation_scale=self.pt(0.42),
                color=ACCENT,
                lw=self.pt(0.045),
                capstyle="round",
                shrinkA=0,
                shrinkB=0,
                zorder=9,
            )
        )

    def orbit(self, centre: Point, width: float, height: float) -> None:
        """Turning cue: a flat ellipse around the torso, back half hidden behind the body.

        The front half ends in an arrowhead on the left, i.e. the chest turns that way.
        """
        cx, cy = centre
        rx, ry = width / 2, height / 2

        def arc(t0: float, t1: float, steps: int = 40) -> list[Point]:
            ts = [math.radians(t0 + (t1 - t0) * i / steps) for i in range(steps + 1)]
            return [(cx + rx * math.cos(t), cy + ry * math.sin(t)) for t in ts]

        kw: dict[str, Any] = {"color": ACCENT, "lw": self.pt(0.045), "solid_capstyle": "round"}
        back = arc(15, 165)
        self.ax.plot(*zip(*back, strict=True), zorder=3, alpha=0.55, **kw)
        front = arc(350, 205)
        self.ax.plot(*zip(*front, strict=True), zorder=9, **kw)
        self.arrow(front[-3], arc(350, 190)[-1])

    def label(self, x: float, y: float, text: str) -> None:
        """Small centred label, e.g. under one of two panels."""
        self.ax.text(x, y, text, ha="center", va="center", fontsize=15, color=TEXT, zorder=9)

    def save(self, path: Path) -> None:
        """Write a PNG without timestamp/version metadata, so output is reproducible."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fig.savefig(
            path,
            dpi=DPI,
            facecolor=BG,
            metadata={"Software": None},
            pil_kwargs={"optimize": True},
        )
        plt.close(self.fig)


# --- Poses -------------------------------------------------------------------------


def _all_fours(c: Canvas, cx: float, bulge: float, head_angle: float) -> tuple[Point, Point]:
    """Hands-and-knees figure centred near ``cx``; returns (hip, shoulder)."""
    knee = (cx - 0.75, LIMB_LIE)
    hip = (knee[0], knee[1] + THIGH)
    hand = (0.0, LIMB_LIE)
    shoulder_y = hand[1] + UPPER_ARM + FOREARM
    shoulder = (hip[0] + math.sqrt(TORSO**2 - (shoulder_y - hip[1]) ** 2), shoulder_y)
    hand = (shoulder[0], LIMB_LIE)
    elbow = (shoulder[0], shoulder[1] - UPPER_ARM)
    ankle = (knee[0] - SHIN, LIMB_LIE)
    off = 0.12  # far limbs peek out slightly, for depth
    c.limb([(hip[0] + off, hip[1]), (knee[0] + off, knee[1]), (ankle[0] + off, ankle[1])], False)
    c.limb(
        [(shoulder[0] + off, shoulder[1]), (elbow[0] + off, elbow[1]), (hand[0] + off, hand[1])],
        False,
    )
    c.torso(hip, shoulder, bulge)
    c.head(shoulder, head_angle)
    c.limb([hip, knee, ankle])
    c.foot(ankle, 180)
    c.limb([shoulder, elbow, hand])
    return hip, shoulder


def draw_cat_cow(c: Canvas) -> None:
    """Two panels: cow (belly drops, gaze up) and cat (back rounds up, head down)."""
    c.floor()
    for cx in (-2.0, 2.0):
        c.mat(cx - 1.95, cx + 1.75)
    hip, shoulder = _all_fours(c, -2.0, -0.28, 35)
    mid_x = (hip[0] + shoulder[0]) / 2
    c.arrow((mid_x, hip[1] - 0.15), (mid_x, hip[1] - 0.7))
    c.label(-2.0, -0.45, "Cow: breathe in")
    hip, shoulder = _all_fours(c, 2.0, 0.4, -62)
    mid_x = (hip[0] + shoulder[0]) / 2
    top = (hip[1] + shoulder[1]) / 2 + 0.4
    c.arrow((mid_x, top + 0.2), (mid_x, top + 0.75))
    c.label(2.0, -0.45, "Cat: breathe out")


def draw_childs_pose(c: Canvas) -> None:
    """Kneeling, hips back on the heels, chest over thighs, arms long on the floor."""
    c.floor()
    c.mat(-3.0, 3.0)
    ankle = (-1.75, LIMB_LIE)
    knee = (ankle[0] + SHIN, LIMB_LIE)
    hip = polar(knee, THIGH, 145)
    shoulder = polar(hip, TORSO, -9)
    reach_len = UPPER_ARM + FOREARM
    angle = math.degrees(math.asin((LIMB_LIE - shoulder[1]) / reach_len))

    def straight_arm(dx: float) -> list[Point]:
        start = (shoulder[0] + dx, shoulder[1])
        return [start, polar(start, UPPER_ARM, angle), polar(start, reach_len, angle)]

    c.limb(straight_arm(0.12), near=False)
    c.limb([hip, knee, ankle], near=False)
    c.torso(hip, shoulder, 0.14)
    c.head(shoulder, -28)
    c.limb([hip, knee, ankle])
    c.foot(ankle, 180)
    near_arm = straight_arm(0.0)
    c.limb(near_arm)
    c.arrow((hip[0] + 0.55, hip[1] + 0.85), (hip[0] - 0.1, hip[1] + 0.3), rad=0.3)
    hand = near_arm[-1]
    c.arrow((hand[0] - 0.1, 0.55), (hand[0] + 0.6, 0.55))


def draw_knee_to_chest(c: Canvas) -> None:
    """On the back, one leg long, the other knee hugged toward the chest."""
    c.floor()
    c.mat(-2.9, 2.9)
    shoulder = (-1.55, LIE)
    hip = (shoulder[0] + TORSO, LIE)
    c.limb([hip, (hip[0] + THIGH, LIMB_LIE), (hip[0] + THIGH + SHIN, LIMB_LIE)], near=False)
    c.foot((hip[0] + THIGH + SHIN, LIMB_LIE), 75, near=False)
    c.torso(hip, shoulder)
    c.head(shoulder, 160)
    knee = polar(hip, THIGH, 125)
    ankle = polar(knee, SHIN, -22)
    c.limb([hip, knee, ankle])
    c.foot(ankle, 62)
    grip = polar(knee, 0.16, -22)
    c.limb(arm(shoulder, grip, bend=-1))
    c.arrow((hip[0] + 1.35, 0.55), (knee[0] + 0.5, knee[1] + 0.45), rad=0.4)


def draw_seated_twist(c: Canvas) -> None:
    """Sitting, one knee up with the elbow hooked outside it, hand behind, turning."""
    c.floor()
    c.mat(-2.4, 2.8)
    hip = (-0.45, MAT_H + 0.13)
    far_knee = (hip[0] + THIGH, LIMB_LIE)
    far_ankle = (far_knee[0] + SHIN, LIMB_LIE)
    c.limb([hip, far_knee, far_ankle], near=False)
    c.foot(far_ankle, 75, near=False)
    shoulder = polar(hip, TORSO, 97)
    c.limb(arm(shoulder, (hip[0] - 0.45, LIMB_LIE), bend=1), near=False)
    knee = polar(hip, THIGH, 68)
    ankle = (knee[0] + 0.12, MAT_H + 0.09)
    c.torso(hip, shoulder)
    c.head(shoulder, 88)
    c.limb(leg(hip, ankle, bend=1))
    c.foot(ankle, -3)
    to_knee = math.degrees(math.atan2(knee[1] - shoulder[1], knee[0] + 0.1 - shoulder[0]))
    elbow = polar(shoulder, UPPER_ARM, to_knee)
    c.limb([shoulder, elbow, polar(elbow, FOREARM * 0.9, 75)])
    c.orbit((shoulder[0] + 0.05, shoulder[1] - 0.25), 1.5, 0.42)


def draw_bridge(c: Canvas) -> None:
    """On the back, knees bent, feet flat, hips lifted."""
    c.floor()
    c.mat(-2.9, 2.6)
    shoulder = (-1.6, LIE)
    hip = polar(shoulder, TORSO, 28)
    ankle = (hip[0] + 1.2, MAT_H + 0.09)
    c.limb(arm(shoulder, (shoulder[0] + 1.45, LIMB_LIE)), near=False)
    c.torso(shoulder, hip)
    c.head(shoulder, 160)
    c.limb(leg(hip, ankle, bend=1))
    c.foot(ankle, -3)
    c.arrow((hip[0] - 0.05, hip[1] + 0.2), (hip[0] - 0.05, hip[1] + 0.85))


def draw_lying_knee_twist(c: Canvas) -> None:
    """Seen from above: arms out, one bent knee dropped across the (paler) straight leg."""
    ax = c.ax
    cy = 1.55
    ax.add_patch(
        FancyBboxPatch(
            (-3.0, cy - 0.8),
            6.0,
            1.6,
            boxstyle="round,pad=0,rounding_size=0.2",
            facecolor=MAT,
            edgecolor="none",
            zorder=1,
        )
    )
    neck = (-1.55, cy)
    pelvis = (neck[0] + TORSO, cy)
    half_sh, half_hip = 0.4, 0.26
    for side in (1, -1):
        sh = (neck[0], cy + side * half_sh)
        c.limb([sh, polar(sh, UPPER_ARM, 90 * side), polar(sh, UPPER_ARM + FOREARM, 90 * side)])
    c.limb([(neck[0], cy - half_sh), (neck[0], cy + half_sh)])
    c.torso(pelvis, neck)
    c.limb([(pelvis[0], cy - half_hip), (pelvis[0], cy + half_hip)])
    c.head(neck, 180)
    low_hip = (pelvis[0], cy - half_hip)
    low_knee = (low_hip[0] + THIGH, low_hip[1])
    low_ankle = (low_knee[0] + SHIN, low_hip[1])
    c.limb([low_hip, low_knee, low_ankle], near=False)
    c.foot(low_ankle, 0, near=False)
    up_hip = (pelvis[0], cy + half_hip)
    knee = polar(up_hip, THIGH, -58)
    ankle = (low_knee[0] + 0.05, low_knee[1] + 0.08)
    c.limb([up_hip, knee, ankle])
    c.arrow((pelvis[0] + 0.75, cy + 1.15), (knee[0] + 0.3, knee[1] - 0.25), rad=-0.55)


def draw_forward_fold(c: Canvas) -> None:
    """Soft knees, hinged at the hips; the faded torso shows the tall start."""
    c.floor()
    x = 0.0
    ankle = (x, 0.1)
    knee = polar(ankle, SHIN, 78)
    hip = polar(knee, THIGH, 103)
    g_shoulder = (hip[0] - 0.05, hip[1] + TORSO)
    c.torso(hip, g_shoulder, ghost=True)
    c.head(g_shoulder, 90, ghost=True)
    shoulder = polar(hip, TORSO, -36)
    hand = (shoulder[0] + 0.06, LIMB_LIE)
    c.limb(arm(shoulder, (hand[0] + 0.1, hand[1]), bend=1), near=False)
    c.torso(hip, shoulder, 0.12)
    c.head(shoulder, -72)
    c.limb([hip, knee, ankle])
    c.foot(ankle, -3)
    c.limb(arm(shoulder, hand, bend=1))
    c.arrow(
        (g_shoulder[0] + 0.6, g_shoulder[1] + 0.3),
        (shoulder[0] + 0.75, shoulder[1] + 0.2),
        rad=-0.45,
    )


def _seated(c: Canvas, x: float, bulge: float, lean: float, head_angle: float) -> Point:
    """Person on a chair at ``x``, hands on knees; returns the head centre."""
    c.chair(x)
    hip = (x - 0.25, SEAT_HIP)
    knee = (hip[0] + THIGH, hip[1])
    ankle = (knee[0], 0.1)
    shoulder = polar(hip, TORSO, lean)
    c.limb([hip, (knee[0], knee[1]), ankle], near=False)
    c.limb(arm(shoulder, (knee[0] - 0.05, knee[1] + 0.1), bend=-1), near=False)
    c.torso(hip, shoulder, bulge)
    head = c.head(shoulder, head_angle)
    c.limb([hip, knee, ankle])
    c.foot(ankle, -3)
    c.limb(arm(shoulder, (knee[0] - 0.12, knee[1] + 0.1), bend=-1))
    return head


def draw_chair_cat_cow(c: Canvas) -> None:
    """Two seated panels: chest lifts with a gentle arch, then the back rounds."""
    c.floor()
    head = _seated(c, -1.9, -0.16, 86, 70)
    c.arrow((head[0] + 0.5, head[1] - 0.35), (head[0] + 0.45, head[1] + 0.4), rad=0.35)
    c.label(-1.75, -0.45, "Cow: breathe in")
    head = _seated(c, 2.1, 0.3, 74, 8)
    c.arrow((head[0] + 0.1, head[1] + 0.5), (head[0] + 0.5, head[1] - 0.3), rad=-0.45)
    c.label(2.25, -0.45, "Cat: breathe out")


def draw_chair_twist(c: Canvas) -> None:
    """Upright on a chair, one hand on the knee, the other on the chair, turning."""
    c.floor()
    x = 0.0
    c.chair(x)
    hip = (x - 0.25, SEAT_HIP)
    knee = (hip[0] + THIGH, hip[1])
    ankle = (knee[0], 0.1)
    shoulder = polar(hip, TORSO, 91)
    c.limb([hip, knee, ankle], near=False)
    c.limb(arm(shoulder, (x - 0.7, 1.75), bend=1), near=False)
    c.torso(hip, shoulder)
    c.head(shoulder, 88)
    c.limb([hip, knee, ankle])
    c.foot(ankle, -3)
    c.limb(arm(shoulder, (knee[0] - 0.1, knee[1] + 0.1), bend=-1))
    c.orbit((shoulder[0] + 0.05, shoulder[1] - 0.3), 1.5, 0.42)


def draw_seated_forward_fold(c: Canvas) -> None:
    """On a chair, chest sinking toward the thighs, arms hanging to the floor."""
    c.floor()
    x = -0.3
    c.chair(x)
    hip = (x - 0.25, SEAT_HIP)
    knee = (hip[0] + THIGH, hip[1])
    ankle = (knee[0] + 0.05, 0.1)
    g_shoulder = (hip[0], hip[1] + TORSO)
    c.torso(hip, g_shoulder, ghost=True)
    c.head(g_shoulder, 90, ghost=True)
    shoulder = polar(hip, TORSO, 33)
    c.limb([hip, knee, ankle], near=False)
    c.limb(arm(shoulder, (shoulder[0] + 0.2, 0.2), bend=1), near=False)
    c.torso(hip, shoulder, 0.1)
    c.head(shoulder, -62)
    c.limb([hip, knee, ankle])
    c.foot(ankle, -3)
    c.limb(arm(shoulder, (shoulder[0] + 0.08, 0.18), bend=1))
    c.arrow(
        (g_shoulder[0] + 0.6, g_shoulder[1] + 0.3), (shoulder[0] + 0.5, shoulder[1] + 0.4), rad=-0.4
    )


@dataclass(frozen=True)
class Drawing:
    """How to draw one stretch: the pose function, a one-line caption and the zoom."""

    draw: Callable[[Canvas], None]
    caption: str
    zoom: float = 1.0
    floor_px: int = FLOOR_PX


DRAWINGS: dict[str, Drawing] = {
    "cat_cow": Drawing(draw_cat_cow, "Flow slowly between the two shapes with your breath", 1.1),
    "childs_pose": Drawing(draw_childs_pose, "Sit back toward your heels and reach forward", 1.25),
    "knee_to_chest": Drawing(draw_knee_to_chest, "Hug one knee gently toward your chest", 1.3),
    "seated_twist": Drawing(
        draw_seated_twist, "Sit tall, then turn gently toward the bent knee", 1.3
    ),
    "bridge": Drawing(draw_bridge, "Press through your feet and lift your hips", 1.35),
    "lying_knee_twist": Drawing(
        draw_lying_knee_twist, "Seen from above: let one bent knee drift across", 1.0
    ),
    "forward_fold": Drawing(
        draw_forward_fold, "Hinge from the hips with soft, bent knees", 1.0, floor_px=60
    ),
    "chair_cat_cow": Drawing(draw_chair_cat_cow, "Arch and round your back in the chair", 1.1),
    "chair_twist": Drawing(draw_chair_twist, "Sit tall and turn your chest to one side", 1.25),
    "seated_forward_fold": Drawing(
        draw_seated_forward_fold, "Let your chest sink toward your thighs", 1.25
    ),
}


def stretch_names() -> dict[str, tuple[str, str]]:
    """Map stretch id -> (name, image file name) from content/stretches/*.yaml."""
    result: dict[str, tuple[str, str]] = {}
    for path in sorted((CONTENT / "stretches").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        result[path.stem] = (str(data["name"]), str(data.get("image", f"{path.stem}.png")))
    return result


def render(stretch_id: str, name: str, out: Path) -> None:
    """Draw one stretch's picture to ``out``."""
    drawing = DRAWINGS[stretch_id]
    plt.rcParams.update({"font.family": "DejaVu Sans", "path.simplify": False})
    canvas = Canvas(name, drawing.caption, drawing.zoom, drawing.floor_px)
    drawing.draw(canvas)
    canvas.save(out)


def main(argv: Sequence[str]) -> int:
    """Render the requested (or all) stretches; fail if a stretch has no drawing."""
    stretches = stretch_names()
    wanted = list(argv) or list(stretches)
    missing = [sid for sid in wanted if sid not in DRAWINGS or sid not in stretches]
    if missing:
        print(f"no stretch YAML or no drawing for: {', '.join(missing)}", file=sys.stderr)
        return 1
    for sid in wanted:
        name, image = stretches[sid]
        out = IMAGES / image
        render(sid, name, out)
        print(f"{out.relative_to(ROOT)}  {out.stat().st_size // 1024} kB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
