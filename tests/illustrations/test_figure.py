"""The articulated figure: contacts hold and every key pose matches its stretch's steps.

Geometry is checked on the solved body points (metres; floor at y = 0; side view faces +x,
near limbs are the person's right, far limbs their left; top view: head toward -x, the
person's right side toward -y).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from illustrations.body import Limb, Plant, Pose, PoseError, Root, Skeleton, distance, solve
from illustrations.clip import frames, solve_key
from illustrations.scene import Scene, SceneError, load, load_all

POSES = Path(__file__).resolve().parents[2] / "content" / "poses"
SCENES = load_all(POSES)
BY_NAME = {scene.name: scene for scene in SCENES}
STRETCHES = sorted(p.stem for p in (POSES.parent / "stretches").glob("*.yaml"))


def key(name: str, pose: str) -> Skeleton:
    return solve_key(BY_NAME[name], pose)


def sag(sk: Skeleton) -> float:
    """How far the middle of the back lies above (+) or below (-) the hip-shoulder line, m."""
    (x0, y0), (x1, y1) = sk["hip"], sk["shoulder"]
    mx = (sk["waist"][0] + sk["chest"][0]) / 2
    my = (sk["waist"][1] + sk["chest"][1]) / 2
    # signed distance, positive on the upper side for a back that runs left to right
    return ((x1 - x0) * (my - y0) - (y1 - y0) * (mx - x0)) / math.hypot(x1 - x0, y1 - y0)


def knee_flexion(sk: Skeleton, side: str) -> float:
    hip, knee, ankle = sk[f"{side}_hip"], sk[f"{side}_knee"], sk[f"{side}_ankle"]
    a = math.atan2(knee[1] - hip[1], knee[0] - hip[0])
    b = math.atan2(ankle[1] - knee[1], ankle[0] - knee[0])
    return abs(math.degrees((b - a + math.pi) % (2 * math.pi) - math.pi))


def test_every_stretch_has_a_scene() -> None:
    assert {s.stretch_id for s in SCENES} == set(STRETCHES)


@pytest.mark.parametrize("scene", SCENES, ids=lambda s: s.name)
def test_no_frame_goes_through_the_floor(scene: Scene) -> None:
    for frame in frames(scene, fps=10):
        sk = frame.skeleton
        if scene.view == "side":
            assert sk.lowest() >= -0.012, f"{scene.name}: a body point is below the floor"


@pytest.mark.parametrize("scene", SCENES, ids=lambda s: s.name)
def test_loops_back_to_its_first_pose(scene: Scene) -> None:
    loop = frames(scene, fps=10)
    first, last = loop[0].skeleton, loop[-1].skeleton
    # the loop starts moving out of the pose it ends in, so it plays on without a jump
    end = solve_key(scene, scene.timeline[-1].pose)
    assert max(distance(last[p], end[p]) for p in end.points) < 0.02
    assert max(distance(first[p], last[p]) for p in end.points) < 0.05


def test_cat_cow_hands_under_shoulders_knees_under_hips() -> None:
    sk = key("cat_cow", "start")
    for side in ("near", "far"):
        assert abs(sk[f"{side}_wrist"][0] - sk["shoulder"][0]) < 0.06
        assert abs(sk[f"{side}_knee"][0] - sk["hip"][0]) < 0.06
        assert sk[f"{side}_hand"][1] < 0.06  # on the mat


@pytest.mark.parametrize("name", ["cat_cow", "cat_cow-easier", "chair_cat_cow"])
def test_cat_rounds_the_back_and_cow_lets_it_sag(name: str) -> None:
    cat, cow = key(name, "cat"), key(name, "cow")
    assert sag(cat) > 0.02, "cat: the back rounds up"
    assert sag(cow) < 0.0, "cow: the back sags"
    # cat: head down toward the chest; cow: gaze lifts
    assert cat["head"][1] < cow["head"][1]


def test_planted_hands_do_not_slide_during_cat_cow() -> None:
    xs = [f.skeleton["near_wrist"][0] for f in frames(BY_NAME["cat_cow"], fps=10)]
    assert max(xs) - min(xs) < 0.005


@pytest.mark.parametrize("name", ["bridge", "bridge-easier"])
def test_bridge_feet_flat_shoulders_down_hips_up(name: str) -> None:
    start, lift = key(name, "start"), key(name, BY_NAME[name].key)
    for sk in (start, lift):
        for side in ("near", "far"):
            heel, toe = sk[f"{side}_heel"], sk[f"{side}_toe"]
            assert abs(heel[1] - toe[1]) < 0.005, "foot flat"
        assert sk["shoulder"][1] < 0.12, "shoulders stay on the mat"
    assert lift["hip"][1] > start["hip"][1] + 0.05
    assert start["near_ankle"] == pytest.approx(lift["near_ankle"], abs=1e-6)


def test_bridge_lifts_higher_than_the_half_bridge() -> None:
    assert key("bridge", "lift")["hip"][1] > key("bridge-easier", "half")["hip"][1] + 0.05


@pytest.mark.parametrize(
    "name",
    ["chair_cat_cow", "chair_twist", "seated_forward_fold", "chair_twist-easier"],
)
def test_chair_poses_sit_on_the_front_half_of_the_seat(name: str) -> None:
    scene = BY_NAME[name]
    for pose in scene.poses:
        sk = key(name, pose)
        front, depth = scene.surfaces.seat_front, scene.surfaces.seat_depth
        assert front - depth / 2 < sk["hip"][0] < front, f"{pose}: hips near the front"
        for side in ("near", "far"):
            heel, toe = sk[f"{side}_heel"], sk[f"{side}_toe"]
            assert max(heel[1], toe[1]) < 0.035, f"{pose}: feet flat on the floor"


def test_seated_twist_sides_match_the_steps() -> None:
    sk = key("seated_twist", "twist")
    # right knee bent, foot on the mat; left leg long
    assert knee_flexion(sk, "near") > 90
    assert knee_flexion(sk, "far") < 10
    assert sk["near_heel"][1] < 0.05
    # right hand on the mat behind; left elbow against the outside of the right knee
    assert sk["near_hand"][1] < 0.05 and sk["near_wrist"][0] < sk["hip"][0]
    assert distance(sk["far_elbow"], sk["near_knee"]) < 0.1
    assert "far_arm" in BY_NAME["seated_twist"].poses["twist"].in_front


def test_chair_twist_left_hand_on_right_knee_right_hand_on_chair() -> None:
    scene = BY_NAME["chair_twist"]
    sk = key("chair_twist", "twist")
    assert distance(sk["far_hand"], sk["near_knee"]) < 0.25
    assert sk["near_hand"][0] < scene.surfaces.seat_front - scene.surfaces.seat_depth / 2
    assert "far_arm" in scene.poses["twist"].in_front


def test_lying_knee_twist_right_knee_crosses_to_the_left() -> None:
    start, across = key("lying_knee_twist", "start"), key("lying_knee_twist", "across")
    spine_y = start["hip"][1]
    assert start["near_knee"][1] < spine_y, "the right leg starts on the right (-y)"
    assert across["near_knee"][1] > spine_y, "the right knee ends on the left side"
    # the other leg and both shoulders stay where they were
    assert across["far_knee"] == pytest.approx(start["far_knee"], abs=1e-6)
    assert across["near_shoulder"] == pytest.approx(start["near_shoulder"], abs=1e-6)


def test_knee_rolls_tip_both_knees_right_then_left() -> None:
    start = key("lying_knee_twist-easier", "start")
    right = key("lying_knee_twist-easier", "right")
    left = key("lying_knee_twist-easier", "left")
    for side in ("near", "far"):
        assert right[f"{side}_knee"][1] < start[f"{side}_knee"][1] - 0.05
        assert left[f"{side}_knee"][1] > start[f"{side}_knee"][1] + 0.05
        assert right[f"{side}_ankle"] == pytest.approx(start[f"{side}_ankle"], abs=1e-6)
    assert BY_NAME["lying_knee_twist-easier"].timeline[1].pose == "right"


def test_knee_to_chest_right_knee_held_below_the_knee() -> None:
    sk = key("knee_to_chest", "hug")
    assert sk["near_knee"][1] > sk["far_knee"][1] + 0.25
    for side in ("near", "far"):
        assert distance(sk[f"{side}_hand"], sk["near_knee"]) < 0.16
    assert sk["far_heel"][1] < 0.06, "the other leg rests long on the mat"
    assert sk["shoulder"][1] < 0.12 and sk["head"][1] < 0.13, "head and shoulders down"


def test_knee_to_chest_easier_other_knee_bent_hands_behind_thigh() -> None:
    sk = key("knee_to_chest-easier", "hug")
    assert knee_flexion(sk, "far") > 60 and sk["far_heel"][1] < 0.05
    hip, knee = sk["near_hip"], sk["near_knee"]
    for side in ("near", "far"):
        # the hands hold the back of the thigh, between hip and knee, not the shin
        assert distance(sk[f"{side}_hand"], hip) < distance(hip, knee)


def test_childs_pose_hips_on_heels_chest_on_thighs_forehead_down() -> None:
    sk = key("childs_pose", "rest")
    assert abs(sk["hip"][0] - sk["near_heel"][0]) < 0.12
    assert sk["hip"][1] < 0.25
    (hx, hy), (kx, ky) = sk["near_hip"], sk["near_knee"]
    thigh_mid = ((hx + kx) / 2, (hy + ky) / 2)
    assert distance(sk["chest"], thigh_mid) < 0.25
    assert min(sk["brow"][1], sk["head"][1] - sk.body.head) < 0.03
    assert sk["near_hand"][1] < 0.06 and sk["near_hand"][0] > sk["crown"][0]


def test_forward_fold_soft_knees_long_back_hands_on_legs_not_floor() -> None:
    sk = key("forward_fold", "fold")
    for side in ("near", "far"):
        assert knee_flexion(sk, side) > 20, "knees bent"
        assert sk[f"{side}_hand"][1] > 0.25, "hands rest on the legs, not the floor"
    assert abs(sag(sk)) < 0.04, "a long back, not rounded"
    assert sk["hip"][0] < sk["near_ankle"][0], "hips go back as the body hinges"


def test_seated_fold_arms_hang_and_easier_rests_forearms_on_thighs() -> None:
    fold = key("seated_forward_fold", "fold")
    assert fold["near_hand"][1] < 0.35, "arms hang toward the floor"
    easy = key("seated_forward_fold-easier", "fold")
    assert easy["chest"][1] > fold["chest"][1], "the easier version leans part of the way"
    assert distance(easy["near_elbow"], easy["near_knee"]) < 0.35


def test_unreachable_contact_is_an_error() -> None:
    pose = Pose(
        trunk=90,
        limbs={"near_arm": Limb(0, 0, 0)},
        root=Root("seat", "floor"),
        plants=(Plant("near_hand", "floor", x=2.0),),
    )
    with pytest.raises(PoseError, match="near hand can't reach floor"):
        solve(pose)


def test_bad_pose_file_names_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bridge.yaml"
    path.write_text(
        "view: side\nposes:\n  start: {trunk: 90, elbow: 3}\ntimeline: [{pose: start, hold: 1}]\n",
        encoding="utf-8",
    )
    with pytest.raises(SceneError, match=r"bridge.yaml.poses.start: unknown field\(s\) elbow"):
        load(path)
