"""The articulated figure: adult proportions, joint angles, and a solver for contacts.

Everything here is plain geometry (no drawing). Units are metres; y points up and the floor
is y = 0. The figure is seen from its right side and faces right (+x) in the side view, so
the *near* limbs are the person's right limbs and the *far* limbs their left ones. In the top
view (lying on the back, seen from above, head to the left) the person's right side is at the
bottom of the picture.

A `Pose` is a set of joint angles in degrees plus contacts:

- ``trunk``: absolute direction of the lowest spine segment (0 = +x, 90 = up);
- ``spine``: flexion at the two upper spine joints (+ rounds the back, - arches it);
- ``neck``: flexion of the neck (+ chin toward the chest);
- per limb, flexion at each joint: ``hip``/``knee``/``ankle`` (ankle: + points the toes),
  ``shoulder``/``elbow``/``wrist`` (shoulder: + lifts the arm forward and up).

Contacts say what rests on what: ``root`` places one body point on a surface (floor, mat,
chair seat) and each ``plant`` bends a limb (two-bone inverse kinematics) or the neck so that
its end rests on a surface or on another body point. The solver raises `PoseError` when a
contact can't be reached, so a pose can never leave a hand floating above the floor or push
a foot through it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

Point = tuple[float, float]
View = Literal["side", "top"]

LIMBS = ("near_arm", "far_arm", "near_leg", "far_leg")


class PoseError(ValueError):
    """A pose whose contacts can't be satisfied with the figure's proportions."""


@dataclass(frozen=True)
class Proportions:
    """Segment lengths (m) and half-thicknesses (m) of an adult of about 1.70 m."""

    spine: tuple[float, float, float] = (0.17, 0.17, 0.16)
    neck: float = 0.11
    head: float = 0.105
    upper_arm: float = 0.30
    forearm: float = 0.26
    hand: float = 0.08
    thigh: float = 0.44
    shin: float = 0.42
    foot: float = 0.19
    heel: float = 0.05
    ankle_height: float = 0.065
    # half-thicknesses, side view (front to back)
    pelvis_r: float = 0.10
    waist_r: float = 0.085
    chest_r: float = 0.10
    shoulder_r: float = 0.085
    thigh_r: tuple[float, float] = (0.075, 0.048)
    shin_r: tuple[float, float] = (0.05, 0.032)
    upper_arm_r: tuple[float, float] = (0.045, 0.035)
    forearm_r: tuple[float, float] = (0.035, 0.026)
    hand_r: float = 0.022
    foot_r: float = 0.028
    # half-widths, top view (side to side)
    hip_half_width: float = 0.14
    shoulder_half_width: float = 0.19


ADULT = Proportions()


@dataclass(frozen=True)
class Limb:
    """Flexion angles of one limb, degrees: (hip, knee, ankle) or (shoulder, elbow, wrist).

    ``rise`` (top view, legs only) is how steeply the thigh points up at the viewer, 0 (flat
    on the floor) to 90 (knee straight up): the thigh and shin are foreshortened to match.
    """

    first: float = 0.0
    second: float = 0.0
    third: float = 0.0
    rise: float = 0.0


@dataclass(frozen=True)
class Root:
    """Which body point rests on which surface, and where along it (x, metres)."""

    point: str
    on: str
    x: float = 0.0


@dataclass(frozen=True)
class Plant:
    """A contact solved by bending a chain: ``part`` rests on a surface or on a body point.

    ``part`` is ``near_hand``/``far_hand`` (bends shoulder and elbow), ``near_foot``/
    ``far_foot`` (bends hip and knee; the foot lies flat), ``near_shin``/``far_shin`` (the
    knee is on the ground already: the shin and foot lie flat behind it), ``near_elbow``/
    ``far_elbow`` (bends the shoulder), or ``head`` (bends the neck). ``to`` is a surface
    name or a body point; ``along`` slides a body-point target along its segment (0..1).
    """

    part: str
    to: str
    along: float = 0.0
    x: float | None = None
    bend: int = 0
    y: float | None = None


@dataclass(frozen=True)
class Pose:
    """Joint angles (degrees) and contacts of one key pose."""

    trunk: float = 90.0
    spine: tuple[float, float] = (0.0, 0.0)
    neck: float = 0.0
    limbs: Mapping[str, Limb] = field(default_factory=dict)
    root: Root = Root("hip", "floor")
    plants: tuple[Plant, ...] = ()

    def limb(self, name: str) -> Limb:
        return self.limbs.get(name, Limb())


@dataclass(frozen=True)
class Surfaces:
    """Heights (m) of what a body can rest on, and the chair seat's extent."""

    floor: float = 0.0
    mat: float = 0.015
    seat: float = 0.46
    seat_front: float = 0.0
    seat_depth: float = 0.42
    pillow: float = 0.10

    def height(self, name: str) -> float:
        heights = {
            "floor": self.floor,
            "mat": self.mat,
            "seat": self.seat,
            "backrest": self.seat + 0.43,
        }
        if name in heights:
            return heights[name]
        if name == "pillow":
            return self.mat + self.pillow
        raise PoseError(f"unknown surface {name!r}")

    def is_surface(self, name: str) -> bool:
        return name in {"floor", "mat", "seat", "backrest", "pillow"}


@dataclass(frozen=True)
class Skeleton:
    """Solved positions of every body point (metres) and the segment directions (degrees)."""

    points: Mapping[str, Point]
    view: View
    body: Proportions = ADULT

    def __getitem__(self, name: str) -> Point:
        return self.points[name]

    def moved(self, dx: float, dy: float) -> Skeleton:
        return replace(self, points={k: (x + dx, y + dy) for k, (x, y) in self.points.items()})

    def bounds(self) -> tuple[float, float, float, float]:
        """(min x, min y, max x, max y) of the body's outline, thickness included."""
        pad = self.body.chest_r
        xs = [p[0] for p in self.points.values()]
        ys = [p[1] for p in self.points.values()]
        return min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad

    def lowest(self) -> float:
        """The lowest point of the body's outline (m): each point minus its thickness."""
        return min(y - radius_of(name, self.body) for name, (_, y) in self.points.items())


def radius_of(point: str, body: Proportions = ADULT) -> float:
    """Half-thickness of the body around a named point (m): how far its surface lies below it."""
    base = point.removeprefix("near_").removeprefix("far_")
    radii = {
        "hip": body.pelvis_r,
        "seat": 0.0,
        "waist": body.waist_r,
        "chest": body.chest_r,
        "shoulder": body.shoulder_r,
        "neck": body.shoulder_r * 0.6,
        "head": body.head,
        "crown": 0.0,
        "brow": 0.0,
        "elbow": body.upper_arm_r[1],
        "wrist": body.forearm_r[1],
        "hand": body.hand_r,
        "knee": body.thigh_r[1],
        "ankle": body.shin_r[1] * 0.8,
        "heel": body.foot_r,
        "toe": body.foot_r,
    }
    return radii.get(base, 0.0)


def polar(origin: Point, length: float, angle_deg: float) -> Point:
    """The point ``length`` from ``origin`` in direction ``angle_deg`` (0 = +x, 90 = up)."""
    a = math.radians(angle_deg)
    return (origin[0] + length * math.cos(a), origin[1] + length * math.sin(a))


def direction(a: Point, b: Point) -> float:
    """Direction from ``a`` to ``b`` in degrees."""
    return math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))


def distance(a: Point, b: Point) -> float:
    return math.hypot(b[0] - a[0], b[1] - a[1])


def two_bone(start: Point, target: Point, first: float, second: float, bend: int) -> Point:
    """The middle joint of a two-bone chain from ``start`` whose end reaches ``target``.

    ``bend`` = +1 puts the joint to the left of the start->target line, -1 to the right.
    Raises `PoseError` when the target is out of reach (the chain can't stretch).
    """
    dist = distance(start, target)
    if dist > first + second + 1e-6:
        raise PoseError(f"out of reach by {dist - first - second:.3f} m")
    if dist < abs(first - second) - 1e-6:
        raise PoseError("target too close to fold the limb onto it")
    dist = max(min(dist, first + second), 1e-9)
    cos_a = (first**2 + dist**2 - second**2) / (2 * first * dist)
    a = math.degrees(math.acos(max(-1.0, min(1.0, cos_a))))
    return polar(start, first, direction(start, target) + bend * a)


class _Solver:
    """Forward kinematics from the hip, then the root contact, then each plant in order."""

    def __init__(self, pose: Pose, view: View, surfaces: Surfaces, body: Proportions) -> None:
        self.pose = pose
        self.view = view
        self.surfaces = surfaces
        self.body = body
        self.points: dict[str, Point] = {}

    # --- forward kinematics -----------------------------------------------------------
    def forward(self) -> None:
        b, p = self.body, self.pose
        pts = self.points
        pts["hip"] = (0.0, 0.0)
        angle = p.trunk
        self.spine_angles = [angle]
        waist = polar(pts["hip"], b.spine[0], angle)
        angle -= p.spine[0]
        self.spine_angles.append(angle)
        chest = polar(waist, b.spine[1], angle)
        angle -= p.spine[1]
        self.spine_angles.append(angle)
        shoulder = polar(chest, b.spine[2], angle)
        pts["waist"], pts["chest"], pts["shoulder"] = waist, chest, shoulder
        self.top = angle
        self._head(p.neck)
        for side in ("near", "far"):
            self._leg(side)
            self._arm(side)

    def _mirror(self, side: str) -> float:
        """Top view: limb angles of the near (right) side are mirrored."""
        return -1.0 if (self.view == "top" and side == "near") else 1.0

    def _head(self, flexion: float) -> None:
        neck_dir = self.top - flexion
        self.neck_angle = neck_dir
        shoulder = self.points["shoulder"]
        neck_top = polar(shoulder, self.body.neck, neck_dir)
        self.points["neck"] = neck_top
        self.points["head"] = polar(neck_top, self.body.head * 0.9, neck_dir)
        self.points["crown"] = polar(neck_top, self.body.head * 1.9, neck_dir)
        # the brow is toward the face: to the front of the head (clockwise of the neck)
        self.points["brow"] = polar(self.points["head"], self.body.head, neck_dir - 60)

    def _hip_socket(self, side: str) -> Point:
        if self.view != "top":
            return self.points["hip"]
        return self._side_offset(self.points["hip"], side, self.body.hip_half_width)

    def _shoulder_socket(self, side: str) -> Point:
        if self.view != "top":
            return self.points["shoulder"]
        return self._side_offset(self.points["shoulder"], side, self.body.shoulder_half_width)

    def _side_offset(self, origin: Point, side: str, half_width: float) -> Point:
        # Lying face up, seen from above: the person's right (near) side is 90 degrees
        # counterclockwise of the direction their head points (right = front x head).
        offset = 90.0 if side == "near" else -90.0
        return polar(origin, half_width, self.pose.trunk + offset)

    def _leg(self, side: str) -> None:
        b, limb = self.body, self.pose.limb(f"{side}_leg")
        m = self._mirror(side)
        hip = self._hip_socket(side)
        thigh = self.pose.trunk + 180.0 + m * limb.first
        thigh_len, shin_len = b.thigh, b.shin
        if self.view == "top" and limb.rise:
            # seen from above, a thigh pointing up looks shorter; the shin goes back down
            # to the floor from the knee's height
            rise = math.radians(limb.rise)
            thigh_len = b.thigh * math.cos(rise)
            drop = math.asin(min(1.0, b.thigh * math.sin(rise) / b.shin))
            shin_len = b.shin * math.cos(drop)
        knee = polar(hip, thigh_len, thigh)
        shin = thigh - m * limb.second
        ankle = polar(knee, shin_len, shin)
        foot = shin + m * (90.0 - limb.third)
        self._set_leg(side, hip, knee, ankle, foot)

    def _set_leg(self, side: str, hip: Point, knee: Point, ankle: Point, foot: float) -> None:
        b = self.body
        self.points[f"{side}_hip"] = hip
        self.points[f"{side}_knee"] = knee
        self.points[f"{side}_ankle"] = ankle
        # the sole lies below the ankle: a forward-pointing foot stands on it; a foot
        # pointing back (kneeling, toes behind) lies on its top, level with the ankle
        forward = math.cos(math.radians(foot)) >= -0.2
        drop = (b.ankle_height - b.foot_r) if forward else 0.0
        sole = polar(ankle, drop, foot - 90.0)
        self.points[f"{side}_toe"] = polar(sole, b.foot, foot)
        self.points[f"{side}_heel"] = polar(sole, b.heel, foot + 180.0)

    def _arm(self, side: str) -> None:
        b, limb = self.body, self.pose.limb(f"{side}_arm")
        m = self._mirror(side)
        shoulder = self._shoulder_socket(side)
        upper = self.top + 180.0 + m * limb.first
        elbow = polar(shoulder, b.upper_arm, upper)
        fore = upper + m * limb.second
        wrist = polar(elbow, b.forearm, fore)
        self._set_arm(side, shoulder, elbow, wrist, fore + m * limb.third)

    def _set_arm(self, side: str, shoulder: Point, elbow: Point, wrist: Point, hand: float) -> None:
        self.points[f"{side}_shoulder"] = shoulder
        self.points[f"{side}_elbow"] = elbow
        self.points[f"{side}_wrist"] = wrist
        self.points[f"{side}_hand"] = polar(wrist, self.body.hand, hand)

    # --- contacts ---------------------------------------------------------------------
    def place_root(self) -> None:
        root = self.pose.root
        if root.point not in self.points and root.point != "seat":
            raise PoseError(f"unknown body point {root.point!r}")
        if root.point == "seat":
            # the sit bones: the bottom of the pelvis, below the hip joint
            x, y = self.points["hip"]
            y -= self.body.pelvis_r
        else:
            x, y = self.points[root.point]
            # standing: the ankle is a foot's height above the ground
            lift = (
                self.body.ankle_height
                if root.point.endswith("ankle")
                else radius_of(root.point, self.body)
            )
            y -= lift if self.view == "side" else 0.0
        dy = 0.0 if self.view == "top" else self.surfaces.height(root.on) - y
        self.points = {k: (px + root.x - x, py + dy) for k, (px, py) in self.points.items()}

    def keep_above_floor(self) -> None:
        """No elbow or knee goes through the floor: a limb whose middle joint would dip
        below it bends the other way (same end point), as a person's would."""
        floor = self.surfaces.floor
        pts, b = self.points, self.body
        for side in ("near", "far"):
            for kind, (a, m, e), (l1, l2) in (
                ("arm", ("shoulder", "elbow", "wrist"), (b.upper_arm, b.forearm)),
                ("leg", ("hip", "knee", "ankle"), (b.thigh, b.shin)),
            ):
                start, mid, end = (pts[f"{side}_{n}"] for n in (a, m, e))
                r = radius_of(m, b)
                if mid[1] - r >= floor - 1e-6:
                    continue
                bend = -self._bend(side, kind)
                new_mid = two_bone(start, end, l1, l2, bend)
                if new_mid[1] - r < mid[1] - r:
                    continue
                if kind == "arm":
                    hand = direction(end, pts[f"{side}_hand"])
                    self._set_arm(side, start, new_mid, end, hand)
                else:
                    foot = direction(pts[f"{side}_heel"], pts[f"{side}_toe"])
                    self._set_leg(side, start, new_mid, end, foot)

    def lift_feet(self) -> None:
        """A foot whose heel or toe would go through the floor turns about its ankle, the
        least it must (toward pointing up), so it rests on the floor instead."""
        pts, b, floor = self.points, self.body, self.surfaces.floor
        for side in ("near", "far"):
            heel, toe = pts[f"{side}_heel"], pts[f"{side}_toe"]
            if min(heel[1], toe[1]) - b.foot_r >= floor - 1e-6:
                continue
            start = direction(heel, toe)
            for step in range(1, 181):
                for sign in (1, -1):
                    angle = start + sign * step
                    self._set_leg(
                        side, pts[f"{side}_hip"], pts[f"{side}_knee"], pts[f"{side}_ankle"], angle
                    )
                    low = min(pts[f"{side}_heel"][1], pts[f"{side}_toe"][1]) - b.foot_r
                    if low >= floor - 1e-6:
                        break
                else:
                    continue
                break

    def plant(self, plant: Plant) -> None:
        part = plant.part
        if part == "head":
            self._plant_head(plant)
            return
        side, _, what = part.partition("_")
        if side not in ("near", "far"):
            raise PoseError(f"unknown part {part!r}")
        handlers = {
            "hand": self._plant_hand,
            "wrist": self._plant_hand,
            "foot": self._plant_foot,
            "shin": self._plant_shin,
            "elbow": self._plant_elbow,
        }
        if what not in handlers:
            raise PoseError(f"unknown part {part!r}")
        handlers[what](side, plant)

    def _target(self, plant: Plant, current: Point, lift: float) -> Point:
        """Where a planted part goes: onto a surface (same x) or onto a body point."""
        if self.surfaces.is_surface(plant.to):
            x = current[0] if plant.x is None else plant.x
            return (x, self.surfaces.height(plant.to) + lift)
        if plant.to not in self.points:
            raise PoseError(f"unknown contact target {plant.to!r}")
        target = self.points[plant.to]
        if plant.along:
            nxt = _NEXT_ALONG.get(plant.to.removeprefix("near_").removeprefix("far_"))
            if nxt is None:
                raise PoseError(f"can't slide along {plant.to!r}")
            prefix = plant.to[: len(plant.to) - len(plant.to.split("_")[-1])]
            end = self.points[prefix + nxt]
            target = (
                target[0] + (end[0] - target[0]) * plant.along,
                target[1] + (end[1] - target[1]) * plant.along,
            )
        return target

    def _bend(self, side: str, limb: str) -> int:
        """Which way the middle joint bends, from the pose's own FK (keeps the authored look)."""
        pts = self.points
        if limb == "arm":
            a, m, e = pts[f"{side}_shoulder"], pts[f"{side}_elbow"], pts[f"{side}_wrist"]
        else:
            a, m, e = pts[f"{side}_hip"], pts[f"{side}_knee"], pts[f"{side}_ankle"]
        cross = (e[0] - a[0]) * (m[1] - a[1]) - (e[1] - a[1]) * (m[0] - a[0])
        if abs(cross) < 1e-9:
            # a straight limb: knees bend forward (+x), elbows backward, like a person's
            return 1 if limb == "leg" else -1
        return 1 if cross > 0 else -1

    def _plant_hand(self, side: str, plant: Plant) -> None:
        b, pts = self.body, self.points
        shoulder = pts[f"{side}_shoulder"]
        on_surface = self.surfaces.is_surface(plant.to)
        if on_surface:
            wrist = self._target(plant, pts[f"{side}_wrist"], b.hand_r + b.forearm_r[1] * 0.3)
        else:
            # the palm rests on the body point, so the wrist stops a little short of it
            palm = self._target(plant, pts[f"{side}_wrist"], 0.0)
            ang = math.radians(direction(shoulder, palm))
            wrist = (palm[0] - 0.8 * b.hand * math.cos(ang), palm[1] - 0.8 * b.hand * math.sin(ang))
        bend = plant.bend or self._bend(side, "arm")
        try:
            elbow = two_bone(shoulder, wrist, b.upper_arm, b.forearm, bend)
        except PoseError as exc:
            raise PoseError(f"{side} hand can't reach {plant.to}: {exc}") from None
        if on_surface:
            old = direction(pts[f"{side}_wrist"], pts[f"{side}_hand"])
            hand = 0.0 if math.cos(math.radians(old)) >= 0 else 180.0
        else:
            hand = direction(elbow, wrist) + (
                direction(pts[f"{side}_wrist"], pts[f"{side}_hand"])
                - direction(pts[f"{side}_elbow"], pts[f"{side}_wrist"])
            )
        self._set_arm(side, shoulder, elbow, wrist, hand)

    def _plant_elbow(self, side: str, plant: Plant) -> None:
        b, pts = self.body, self.points
        shoulder = pts[f"{side}_shoulder"]
        target = self._target(plant, pts[f"{side}_elbow"], 0.0)
        # touching: the elbow's surface meets the target's (their radii add up to ~0.09 m)
        if abs(distance(shoulder, target) - b.upper_arm) > 0.09:
            raise PoseError(
                f"{side} elbow can't rest on {plant.to}: "
                f"{distance(shoulder, target):.2f} m from the shoulder"
            )
        upper = direction(shoulder, target)
        elbow = polar(shoulder, b.upper_arm, upper)
        fore = direction(pts[f"{side}_elbow"], pts[f"{side}_wrist"]) - direction(
            shoulder, pts[f"{side}_elbow"]
        )
        wrist = polar(elbow, b.forearm, upper + fore)
        hand = direction(pts[f"{side}_wrist"], pts[f"{side}_hand"]) - direction(
            pts[f"{side}_elbow"], pts[f"{side}_wrist"]
        )
        self._set_arm(side, shoulder, elbow, wrist, upper + fore + hand)

    def _plant_foot(self, side: str, plant: Plant) -> None:
        b, pts = self.body, self.points
        hip = pts[f"{side}_hip"]
        if self.view == "top":
            # seen from above: the foot stays where it is on the floor (x, y); the knee keeps
            # its place and the foreshortened shin joins the two
            was = pts[f"{side}_ankle"]
            ankle = (was[0] if plant.x is None else plant.x, was[1] if plant.y is None else plant.y)
            knee = pts[f"{side}_knee"]
            self._set_leg(side, hip, knee, ankle, self.pose.trunk + 180.0)
            return
        ankle = self._target(plant, pts[f"{side}_ankle"], b.ankle_height)
        bend = plant.bend or self._bend(side, "leg")
        try:
            knee = two_bone(hip, ankle, b.thigh, b.shin, bend)
        except PoseError as exc:
            raise PoseError(f"{side} foot can't reach {plant.to}: {exc}") from None
        old = direction(pts[f"{side}_heel"], pts[f"{side}_toe"])
        foot = 0.0 if math.cos(math.radians(old)) >= 0 else 180.0
        self._set_leg(side, hip, knee, ankle, foot)

    def _plant_shin(self, side: str, plant: Plant) -> None:
        """Kneeling: the knee rests on the surface; the shin and the foot lie flat behind it."""
        b, pts = self.body, self.points
        hip, knee = pts[f"{side}_hip"], pts[f"{side}_knee"]
        height = self.surfaces.height(plant.to) + b.shin_r[1] * 0.8
        if abs(knee[1] - (self.surfaces.height(plant.to) + b.thigh_r[1])) > 0.03:
            raise PoseError(f"{side} knee isn't on {plant.to} (put the knee there as the root)")
        back = 180.0 if pts[f"{side}_ankle"][0] <= knee[0] else 0.0
        ankle = (knee[0] + b.shin * math.cos(math.radians(back)), height)
        self._set_leg(side, hip, knee, ankle, back)

    def _plant_head(self, plant: Plant) -> None:
        """Bend the neck so the forehead (brow) rests on a surface."""
        b, pts = self.body, self.points
        shoulder = pts["shoulder"]
        level = self.surfaces.height(plant.to) if self.surfaces.is_surface(plant.to) else None
        if level is None:
            raise PoseError("the head can only rest on a surface")
        best: float | None = None
        for step in range(0, 1801):
            flex = -90.0 + step * 0.1
            neck_dir = self.top - flex
            neck_top = polar(shoulder, b.neck, neck_dir)
            head = polar(neck_top, b.head * 0.9, neck_dir)
            brow = polar(head, b.head, neck_dir - 60)
            lowest = min(head[1] - b.head, brow[1])
            if abs(lowest - level) < 0.004:
                best = flex
                break
        if best is None:
            raise PoseError(f"the head can't rest on {plant.to}")
        self._head(best)


_NEXT_ALONG = {"knee": "ankle", "hip": "knee", "shoulder": "elbow", "elbow": "wrist"}


def solve(
    pose: Pose,
    view: View = "side",
    surfaces: Surfaces | None = None,
    body: Proportions = ADULT,
) -> Skeleton:
    """Solve a pose into body points: forward kinematics, the root contact, then the plants.

    Raises `PoseError` if a contact can't be reached.
    """
    solver = _Solver(pose, view, surfaces or Surfaces(), body)
    solver.forward()
    solver.place_root()
    for plant in pose.plants:
        solver.plant(plant)
    if view == "side":
        solver.keep_above_floor()
        solver.lift_feet()
    return Skeleton(points=dict(solver.points), view=view, body=body)


def _wrap(angle: float, near: float) -> float:
    """``angle`` plus a multiple of 360 so that it lies within 180 degrees of ``near``."""
    return near + (angle - near + 180.0) % 360.0 - 180.0


def pose_of(skeleton: Skeleton, like: Pose) -> Pose:
    """The joint angles that reproduce a solved skeleton (contacts included), with ``like``'s
    contacts. Angles are taken within 180 degrees of ``like``'s, so blends take the short way.
    """
    p = skeleton.points

    def d(a: str, b: str) -> float:
        return direction(p[a], p[b])

    trunk = _wrap(d("hip", "waist"), like.trunk)
    mid, top = d("waist", "chest"), d("chest", "shoulder")
    spine = (_wrap(trunk - mid, like.spine[0]), _wrap(mid - top, like.spine[1]))
    neck = _wrap(top - d("shoulder", "neck"), like.neck)
    top_abs = trunk - spine[0] - spine[1]
    limbs: dict[str, Limb] = {}
    for side in ("near", "far"):
        m = -1.0 if (skeleton.view == "top" and side == "near") else 1.0
        old = like.limb(f"{side}_leg")
        thigh, shin = d(f"{side}_hip", f"{side}_knee"), d(f"{side}_knee", f"{side}_ankle")
        foot = d(f"{side}_heel", f"{side}_toe")
        limbs[f"{side}_leg"] = Limb(
            _wrap(m * (thigh - trunk - 180.0), old.first),
            _wrap(m * (thigh - shin), old.second),
            _wrap(90.0 - m * (foot - shin), old.third),
            old.rise,
        )
        old = like.limb(f"{side}_arm")
        upper, fore = d(f"{side}_shoulder", f"{side}_elbow"), d(f"{side}_elbow", f"{side}_wrist")
        hand = d(f"{side}_wrist", f"{side}_hand")
        limbs[f"{side}_arm"] = Limb(
            _wrap(m * (upper - top_abs - 180.0), old.first),
            _wrap(m * (fore - upper), old.second),
            _wrap(m * (hand - fore), old.third),
        )
    root = like.root
    return Pose(trunk, spine, neck, limbs, root, like.plants)


def blend(a: Pose, b: Pose, t: float) -> Pose:
    """The pose a fraction ``t`` (0..1) of the way from ``a`` to ``b``: angles and root x
    are interpolated; the contacts both poses share are kept (and solved again), so what
    stays planted stays planted. Blend poses from `pose_of` so one-sided contacts are
    already in the angles."""

    def mix(x: float, y: float) -> float:
        return x + (y - x) * t

    names = set(a.limbs) | set(b.limbs)
    limbs = {
        n: Limb(
            mix(a.limb(n).first, b.limb(n).first),
            mix(a.limb(n).second, b.limb(n).second),
            mix(a.limb(n).third, b.limb(n).third),
            mix(a.limb(n).rise, b.limb(n).rise),
        )
        for n in names
    }
    later = b if t >= 0.5 else a
    root = Root(later.root.point, later.root.on, mix(a.root.x, b.root.x))
    if t <= 0.0:
        return a
    if t >= 1.0:
        return b
    plants = tuple(p for p in b.plants if p in a.plants)
    return Pose(
        trunk=mix(a.trunk, b.trunk),
        spine=(mix(a.spine[0], b.spine[0]), mix(a.spine[1], b.spine[1])),
        neck=mix(a.neck, b.neck),
        limbs=limbs,
        root=root,
        plants=plants,
    )
