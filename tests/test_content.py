"""The shipped content loads, matches the source articles' facts, and bad content fails loudly."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content import (
    REP_SECONDS,
    SETUP_SECONDS,
    Content,
    ContentError,
    Dose,
    DoseOverride,
    describe_dose,
    describe_duration,
    load_content,
    looks_alike,
    name_key,
)

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "content"
SEVEN = (
    "cat_cow",
    "childs_pose",
    "knee_to_chest",
    "seated_twist",
    "bridge",
    "lying_knee_twist",
    "forward_fold",
)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(CONTENT)


# --- Shipped content -----------------------------------------------------------------


def test_seven_stretches_exist(content: Content) -> None:
    assert set(SEVEN) <= set(content.stretches)
    for sid, stretch in content.stretches.items():
        assert stretch.id == sid
        assert 3 <= len(stretch.steps) <= 6


def test_doses_match_the_articles(content: Content) -> None:
    s = content.stretches
    cat_cow = s["cat_cow"].dose
    assert cat_cow.reps is not None and 5 <= cat_cow.reps <= 10

    childs = s["childs_pose"].dose
    assert childs.hold_seconds is not None and childs.hold_seconds <= 60

    knee = s["knee_to_chest"].dose
    assert knee.hold_seconds is not None and 15 <= knee.hold_seconds <= 30
    assert knee.per_side

    twist = s["seated_twist"].dose
    assert twist.hold_seconds is not None and twist.hold_seconds <= 30
    assert twist.per_side

    bridge = s["bridge"].dose
    assert bridge.reps is not None and 5 <= bridge.reps <= 10
    assert bridge.hold_seconds is not None and bridge.hold_seconds <= 5  # a brief pause

    lying = s["lying_knee_twist"].dose
    assert (lying.hold_seconds, lying.sets, lying.per_side) == (20, 3, True)


def test_positions(content: Content) -> None:
    s = content.stretches
    assert {s[sid].position for sid in ("knee_to_chest", "lying_knee_twist", "bridge")} == {"lying"}
    assert s["cat_cow"].position == s["childs_pose"].position == "kneeling"
    assert s["seated_twist"].position == "floor_sitting"
    assert s["forward_fold"].position == "standing"
    assert s["forward_fold"].easier.position == s["seated_twist"].easier.position == "chair"


def test_every_routine_resolves(content: Content) -> None:
    assert list(content.routines) == ["quick", "full", "desk", "gentle", "bed"]
    for routine in content.routines.values():
        steps = routine.steps(content)
        assert len(steps) == len(routine.items)
        assert routine.duration_seconds(content) > 0
        for step in steps:
            assert step.stretch.id in content.stretches
            assert describe_dose(step.dose)


def test_desk_has_nothing_on_the_floor(content: Content) -> None:
    desk = content.routines["desk"]
    assert desk.no_floor
    for step in desk.steps(content):
        for easier in (False, True):
            assert step.position(easier=easier) == "chair"
            start = step.stretch.easier.start if easier else step.stretch.start
            assert "a steady chair without wheels" in start, step.stretch.id


def test_full_has_all_seven(content: Content) -> None:
    ids = [step.stretch.id for step in content.routines["full"].steps(content)]
    assert set(SEVEN) <= set(ids)


def test_quick_is_a_few_minutes_and_default(content: Content) -> None:
    quick = content.routines["quick"]
    assert content.default_routine is quick
    assert 3 * 60 <= quick.duration_seconds(content) <= 7 * 60


def test_gentle_routines_are_the_safest_set(content: Content) -> None:
    """Checked from data: no standing step, easier versions only, one position throughout
    (lying, so no getting down to the floor and up again), not mostly forward bending."""
    assert content.gentle_routine.id == "gentle"
    gentle = [r for r in content.routines.values() if r.gentle]
    assert {r.id for r in gentle} == {"gentle", "bed"}
    forward_bends = {"knee_to_chest", "childs_pose", "forward_fold", "seated_forward_fold"}
    for routine in gentle:
        steps = routine.steps(content)
        assert all(step.easier_only for step in steps), routine.id
        assert {step.position() for step in steps} == {"lying"}, routine.id
        assert all(step.position() != "standing" for step in steps)
        bends = sum(step.stretch.id in forward_bends for step in steps)
        assert bends <= len(steps) // 2, routine.id
        for step in steps:
            if step.dose.hold_seconds is not None:
                assert step.dose.hold_seconds <= 30
        quick = content.routines["quick"].duration_seconds(content)
        assert routine.duration_seconds(content) <= quick
    ids = [step.stretch.id for step in content.routines["gentle"].steps(content)]
    assert ids[0] == "lying_knee_twist"  # knee rolls, not the single-knee twist
    assert content.stretches["lying_knee_twist"].easier.name == "Knee rolls"


def test_a_gentle_routine_can_be_done_lying_on_a_bed(content: Content) -> None:
    bed = content.routines["bed"]
    assert bed.in_bed and bed.gentle
    for step in bed.steps(content):
        assert step.position() == "lying"
        assert "bed" in step.stretch.easier.start


def test_easier_versions_are_complete_instructions(content: Content) -> None:
    for stretch in content.stretches.values():
        easier = stretch.easier
        assert len(easier.start) > 30, stretch.id  # a real starting position
        assert len(easier.steps) >= 2, stretch.id


def test_leg_pain_caution_on_the_bending_stretches(content: Content) -> None:
    for sid in ("knee_to_chest", "childs_pose", "forward_fold", "seated_forward_fold"):
        assert any("down a leg" in c for c in content.stretches[sid].cautions), sid


def test_fixed_contradictions(content: Content) -> None:
    s = content.stretches
    half_bridge = " ".join(s["bridge"].easier.steps)
    assert "straight away" not in half_bridge and "three" in half_bridge  # dose holds 3 s
    assert s["bridge"].dose.hold_seconds == 3
    for sid in ("forward_fold", "seated_forward_fold"):
        assert "lower" not in s[sid].breathing, sid  # no "hang lower" against "long back"
    knee = s["knee_to_chest"]
    grips = " ".join([*knee.steps, *knee.easier.steps, *knee.cautions])
    assert "over the knee" not in grips and "below the knee" in grips


def test_lying_knee_twist_dose_or_a_shortened_note(content: Content) -> None:
    for routine in content.routines.values():
        for step in routine.steps(content):
            if step.stretch.id == "lying_knee_twist" and step.dose != step.stretch.dose:
                assert step.shortened, routine.id


def test_full_routine_names_all_seven(content: Content) -> None:
    description = content.routines["full"].description.lower()
    assert "all seven" in description
    for word in (
        "cat-cow",
        "child's pose",
        "knee to chest",
        "knee twist",
        "bridge",
        "spinal twist",
        "fold",
    ):
        assert word in description


def test_images_exist_and_are_small_pngs(content: Content) -> None:
    for stretch in content.stretches.values():
        path = content.image_path(stretch)
        assert path == content.image_path(stretch.id)
        data = path.read_bytes()
        assert data.startswith(PNG_MAGIC), path
        assert len(data) < 200 * 1024, path


def test_safety_texts_are_present(content: Content) -> None:
    safety = content.safety
    assert "sharp pain" in safety.disclaimer
    assert "easier versions" in safety.it_hurts and "a day" in safety.it_hurts
    assert safety.it_hurts.lower().count("stop here") == 1


def test_red_flags_come_in_two_tiers_emergency_first(content: Content) -> None:
    flags = content.safety.red_flags
    emergency = " ".join(flags.emergency.signs)
    urgent = " ".join(flags.urgent.signs)
    for sign in ("saddle", "bladder or bowels", "both legs", "serious accident", "chest pain"):
        assert sign in emergency, sign
    assert "sexual" in emergency
    for sign in ("fever", "weight loss", "night", "lump", "cancer", "under 20 or over 50"):
        assert sign in urgent, sign
    for sign in ("osteoporosis", "shoulder blades", "immune"):
        assert sign in urgent, sign
    assert "emergency number" in flags.emergency.title
    assert "urgent appointment" in flags.urgent.title
    # one leg: common, not an emergency on its own, and never in the emergency tier
    assert "one leg" in flags.one_leg and "not an emergency" in flags.one_leg
    assert "further down" in flags.one_leg
    assert "one leg" not in emergency and "one leg" not in urgent


def test_ask_first_names_the_affected_stretches(content: Content) -> None:
    groups = {g.card: g for g in content.safety.ask_first.groups}
    hip = groups["after a hip replacement"]
    assert "90" in (hip.detail or "") and "cross" in (hip.detail or "")
    assert {"knee_to_chest", "childs_pose", "seated_twist"} <= set(hip.stretches)
    bones = groups["if you have osteoporosis"]
    assert "rounding" in (bones.detail or "")
    assert {"forward_fold", "cat_cow", "childs_pose"} <= set(bones.stretches)
    assert "after back surgery" in groups and "if you are pregnant" in groups


def test_unknown_stretch_in_ask_first(broken: Path) -> None:
    edit(
        broken / "safety.yaml",
        lambda d: d["ask_first"]["groups"][1]["stretches"].append("headstand"),
    )
    expect_error(broken, "content/safety.yaml", "ask_first.groups.1.stretches.6", "headstand")


def test_red_flag_tier_missing(broken: Path) -> None:
    edit(broken / "safety.yaml", lambda d: d["red_flags"].pop("urgent"))
    expect_error(broken, "content/safety.yaml", "red_flags.urgent", "Field required")


def test_cautions_must_fit_the_pop_up(broken: Path) -> None:
    edit(broken / "stretches/bridge.yaml", lambda d: d["cautions"].extend(["Go slowly. " * 9]))
    expect_error(broken, "content/stretches/bridge.yaml", "(file)", "200-character")


def test_gentle_routine_with_a_standard_version(broken: Path) -> None:
    edit(broken / "routines/gentle.yaml", lambda d: d["items"][0].pop("easier"))
    expect_error(broken, "content/routines/gentle.yaml", "items.0.easier", "easier versions only")


def test_gentle_routine_that_changes_position(broken: Path) -> None:
    edit(
        broken / "routines/gentle.yaml",
        lambda d: d["items"].append({"stretch": "cat_cow", "easier": True}),
    )
    expect_error(broken, "content/routines/gentle.yaml", "items.3.stretch", "one position")


def test_in_bed_routine_with_a_kneeling_stretch(broken: Path) -> None:
    edit(broken / "routines/bed.yaml", lambda d: d.update(gentle=False))
    edit(broken / "routines/bed.yaml", lambda d: d["items"].append({"stretch": "cat_cow"}))
    expect_error(broken, "content/routines/bed.yaml", "items.2.stretch", "in_bed")


def test_models_are_frozen(content: Content) -> None:
    with pytest.raises(Exception, match="frozen"):
        content.stretches["bridge"].name = "x"  # type: ignore[misc]


# --- Dose wording and duration estimate -----------------------------------------------


@pytest.mark.parametrize(
    ("dose", "text"),
    [
        (Dose(hold_seconds=30, per_side=True), "Hold 30 s, each side"),
        (Dose(reps=8, rep_unit="slow rounds"), "8 slow rounds"),
        (Dose(hold_seconds=20, sets=3, per_side=True), "Hold 20 s × 3, each side"),
        (
            Dose(hold_seconds=20, per_side=True, side_labels=("left leg", "right leg")),
            "Hold 20 s, each leg",
        ),
        (Dose(hold_seconds=60), "Hold 1 min"),
        (Dose(reps=8, hold_seconds=3, rep_unit="lifts"), "8 lifts, hold 3 s each"),
        (Dose(reps=5, sets=2), "2 sets of 5 reps"),
    ],
)
def test_describe_dose(dose: Dose, text: str) -> None:
    assert describe_dose(dose) == text


def test_duration_estimate_is_the_documented_one() -> None:
    # six holds of 20 s and five changes of side or set in between
    assert Dose(hold_seconds=20, sets=3, per_side=True).active_seconds() == 120 + 5 * 5
    assert Dose(reps=8).active_seconds() == 8 * REP_SECONDS
    assert Dose(reps=8, hold_seconds=3).active_seconds() == 8 * (REP_SECONDS + 3)
    assert REP_SECONDS == 8  # one slow breath in and out
    assert SETUP_SECONDS == 20
    assert describe_duration(302) == "about 5 min"
    assert describe_duration(10) == "about 1 min"


def test_override_merges_and_can_clear_a_field() -> None:
    base = Dose(reps=8, hold_seconds=3, rep_unit="lifts")
    assert DoseOverride(reps=6).apply(base) == Dose(reps=6, hold_seconds=3, rep_unit="lifts")
    cleared = DoseOverride.model_validate({"hold_seconds": None}).apply(base)
    assert cleared.hold_seconds is None and cleared.reps == 8


# --- Broken content ----------------------------------------------------------------


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A writable copy of the shipped content, to break in one place per test."""
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    return root


def edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def expect_error(root: Path, rel: str, field: str, fragment: str = "") -> ContentError:
    with pytest.raises(ContentError) as info:
        load_content(root)
    err = info.value
    assert err.path == rel
    assert err.field == field
    assert str(err).startswith(f"{rel}: {field}: ")
    assert fragment in str(err)
    return err


def test_copy_of_shipped_content_loads(broken: Path) -> None:
    assert load_content(broken).default_routine.id == "quick"


def test_reps_not_a_number(broken: Path) -> None:
    edit(broken / "stretches/bridge.yaml", lambda d: d["dose"].update(reps="many"))
    expect_error(broken, "content/stretches/bridge.yaml", "dose.reps", "valid integer")


def test_missing_steps(broken: Path) -> None:
    edit(broken / "stretches/cat_cow.yaml", lambda d: d.pop("steps"))
    expect_error(broken, "content/stretches/cat_cow.yaml", "steps", "Field required")


def test_too_many_steps(broken: Path) -> None:
    edit(broken / "stretches/cat_cow.yaml", lambda d: d.update(steps=["Breathe."] * 7))
    expect_error(broken, "content/stretches/cat_cow.yaml", "steps")


def test_dose_without_hold_or_reps(broken: Path) -> None:
    edit(broken / "stretches/childs_pose.yaml", lambda d: d.update(dose={"sets": 2}))
    expect_error(broken, "content/stretches/childs_pose.yaml", "dose", "hold_seconds or reps")


def test_unknown_field_is_a_typo(broken: Path) -> None:
    edit(broken / "stretches/bridge.yaml", lambda d: d["dose"].update(hold_secs=5))
    expect_error(broken, "content/stretches/bridge.yaml", "dose.hold_secs", "Extra inputs")


def test_bad_position(broken: Path) -> None:
    edit(broken / "stretches/bridge.yaml", lambda d: d.update(position="bed"))
    expect_error(broken, "content/stretches/bridge.yaml", "position")


def test_html_in_text(broken: Path) -> None:
    edit(broken / "safety.yaml", lambda d: d.update(disclaimer="<b>Careful</b>"))
    expect_error(broken, "content/safety.yaml", "disclaimer", "plain text")


def test_missing_safety_text(broken: Path) -> None:
    edit(broken / "safety.yaml", lambda d: d.pop("red_flags"))
    expect_error(broken, "content/safety.yaml", "red_flags", "Field required")


def test_id_must_match_file_name(broken: Path) -> None:
    edit(broken / "stretches/bridge.yaml", lambda d: d.update(id="bridge_pose"))
    expect_error(broken, "content/stretches/bridge.yaml", "id", "bridge")


def test_routine_names_unknown_stretch(broken: Path) -> None:
    edit(broken / "routines/quick.yaml", lambda d: d["items"].append({"stretch": "headstand"}))
    expect_error(broken, "content/routines/quick.yaml", "items.5.stretch", "headstand")


def test_missing_image(broken: Path) -> None:
    (broken / "images/bridge.png").unlink()
    expect_error(broken, "content/stretches/bridge.yaml", "image", "bridge.png")


def test_floor_stretch_in_no_floor_routine(broken: Path) -> None:
    edit(broken / "routines/desk.yaml", lambda d: d["items"].append({"stretch": "bridge"}))
    expect_error(broken, "content/routines/desk.yaml", "items.3.stretch", "floor")


def test_bad_override(broken: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["items"][0]["dose"] = {"reps": 0}

    edit(broken / "routines/quick.yaml", change)
    expect_error(broken, "content/routines/quick.yaml", "items.0.dose.reps", "greater than")


def test_two_defaults(broken: Path) -> None:
    edit(broken / "routines/full.yaml", lambda d: d.update(default=True))
    expect_error(broken, "content/routines", "default", "quick, full")


def test_no_gentle_routine(broken: Path) -> None:
    for name in ("gentle", "bed"):
        edit(broken / f"routines/{name}.yaml", lambda d: d.update(gentle=False))
    expect_error(broken, "content/routines", "gentle")


def test_every_stretch_and_easier_name_is_distinct_ignoring_case_and_spacing(
    content: Content,
) -> None:
    """Over all content: no two names a user sees for stretches look the same."""
    names = [name for s in content.stretches.values() for name in (s.name, s.easier.name)]
    keys = [name_key(name) for name in names]
    assert len(set(keys)) == len(keys), sorted(zip(keys, names, strict=True))
    assert name_key("Chair  twist") == name_key("Chair-Twist") == name_key("chair twist")


def test_names_of_different_stretches_and_routines_are_distinct_at_a_glance(
    content: Content,
) -> None:
    """Over all content: no name a user sees (a stretch's, its easier version's, a routine's
    title) looks like another stretch's or routine's; a stretch's own two names may share a
    word ("Bridge", "Half bridge") but never be the same."""
    names = [
        (s.id, name) for s in content.stretches.values() for name in (s.name, s.easier.name)
    ] + [(f"routine:{r.id}", r.title) for r in content.routines.values()]
    alike = [
        (a, b)
        for i, (owner_a, a) in enumerate(names)
        for owner_b, b in names[i + 1 :]
        if owner_a != owner_b and looks_alike(a, b)
    ]
    assert alike == []
    for stretch in content.stretches.values():
        assert name_key(stretch.name) != name_key(stretch.easier.name), stretch.id


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Seated fold", "Seated Forward Fold"),  # the testers' case: one inside the other
        ("Forward Fold", "Seated Forward Fold"),
        ("Cat-Cow", "Chair Cat-Cow"),
        ("Chair Twist", "Seated Spinal Twist"),  # two words shared, seated read as chair
        ("Seated fold", "Chair bend"),  # the same words by another name
        ("Knee hug", "Knee hugs"),
        ("Child's Pose", "childs pose"),
        ("Chair twist", "Chaír-Twist"),
    ],
)
def test_look_alike_names(first: str, second: str) -> None:
    assert looks_alike(first, second) and looks_alike(second, first)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Chair Twist", "Lying Knee Twist"),
        ("Knee to Chest", "Knee rolls"),
        ("Seated fold", "Chair Rag Doll"),
        ("Gentle day", "Gentle seated turn"),
    ],
)
def test_names_that_differ_at_a_glance(first: str, second: str) -> None:
    assert not looks_alike(first, second) and not looks_alike(second, first)


@pytest.mark.parametrize(
    "look_alike", ["Chair twist", "chair  TWIST", "Chair-Twist", "Chaír Twist", "Seated twist"]
)
def test_a_look_alike_easier_name_is_refused(broken: Path, look_alike: str) -> None:
    """The testers' case: an easier version named like another stretch ("Chair Twist")."""
    edit(broken / "stretches/seated_twist.yaml", lambda d: d["easier"].update(name=look_alike))
    expect_error(broken, "content/stretches/seated_twist.yaml", "easier.name", "Chair Twist")


def test_a_stretch_named_like_another_stretchs_easier_version_is_refused(broken: Path) -> None:
    """Last session's pair: "Seated Forward Fold" beside Forward Fold's "Seated fold"."""
    edit(
        broken / "stretches/seated_forward_fold.yaml",
        lambda d: d.update(name="Seated Forward Fold"),
    )
    expect_error(broken, "content/stretches/seated_forward_fold.yaml", "name", "Forward Fold")


def test_an_easier_version_named_as_its_stretch_is_refused(broken: Path) -> None:
    edit(broken / "stretches/bridge.yaml", lambda d: d["easier"].update(name="bridge"))
    expect_error(broken, "content/stretches/bridge.yaml", "easier.name", "stretch's name")


def test_a_routine_titled_like_a_stretch_is_refused(broken: Path) -> None:
    edit(broken / "routines/desk.yaml", lambda d: d.update(title="Chair twists"))
    expect_error(broken, "content/routines/desk.yaml", "title", "Chair Twist")


def test_invalid_yaml(broken: Path) -> None:
    (broken / "stretches/bridge.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    expect_error(broken, "content/stretches/bridge.yaml", "(yaml)")


def test_not_a_mapping(broken: Path) -> None:
    (broken / "routines/desk.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    expect_error(broken, "content/routines/desk.yaml", "(file)", "mapping")


def test_all_errors_are_listed(broken: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["dose"]["reps"] = "many"
        d.pop("breathing")

    edit(broken / "stretches/bridge.yaml", change)
    err = expect_error(broken, "content/stretches/bridge.yaml", "breathing")
    assert "content/stretches/bridge.yaml: dose.reps: " in str(err)


# --- Illustrations: tests/illustrations checks the figure, the stills and the clips ------


def test_every_stretch_has_a_clip_and_a_still(content: Content) -> None:
    for stretch in content.stretches.values():
        for easier in (False, True):
            picture = content.illustration(stretch, easier=easier)
            assert picture.kind == "animation" and picture.path.is_file()


# --- Progression (issue #14) ----------------------------------------------------------


def test_every_stretch_progresses_in_small_steps_to_a_modest_ceiling() -> None:
    for stretch in load_content(CONTENT).stretches.values():
        rule = stretch.progression_rule
        assert rule.floor <= rule.start <= rule.ceiling, stretch.id
        if rule.field.value == "reps":
            assert rule.step == 1 and rule.ceiling <= 12, stretch.id
        else:
            assert rule.step <= 5 and rule.ceiling <= 60, stretch.id
            assert rule.ceiling <= 2 * rule.start, stretch.id


def test_progression_is_required(broken: Path) -> None:
    edit(broken / "stretches/bridge.yaml", lambda d: d.pop("progression"))
    expect_error(broken, "content/stretches/bridge.yaml", "progression", "Field required")


def test_progression_of_a_field_the_dose_lacks(broken: Path) -> None:
    edit(broken / "stretches/cat_cow.yaml", lambda d: d["progression"].update(field="hold_seconds"))
    expect_error(broken, "content/stretches/cat_cow.yaml", "progression.field", "no hold_seconds")


def test_progression_floor_above_the_dose(broken: Path) -> None:
    edit(broken / "stretches/bridge.yaml", lambda d: d["progression"].update(floor=9))
    expect_error(broken, "content/stretches/bridge.yaml", "progression.floor", "above")


def test_progression_ceiling_below_the_dose(broken: Path) -> None:
    edit(broken / "stretches/forward_fold.yaml", lambda d: d["progression"].update(ceiling=15))
    expect_error(broken, "content/stretches/forward_fold.yaml", "progression.ceiling", "below")


def test_progression_step_must_be_positive_and_fit(broken: Path) -> None:
    edit(broken / "stretches/bridge.yaml", lambda d: d["progression"].update(step=0))
    expect_error(broken, "content/stretches/bridge.yaml", "progression.step")
    edit(broken / "stretches/bridge.yaml", lambda d: d["progression"].update(step=20))
    expect_error(broken, "content/stretches/bridge.yaml", "progression", "fit between")


def test_progression_field_must_be_known(broken: Path) -> None:
    edit(broken / "stretches/bridge.yaml", lambda d: d["progression"].update(field="speed"))
    expect_error(broken, "content/stretches/bridge.yaml", "progression.field")
