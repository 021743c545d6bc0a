"""/routines: your own routines (build, change, delete), and share links for every routine.

The builder edits one message in place; its buttons carry the draft's version, so a double
tap or an older message's button is answered and changes nothing. The name is a typed
answer to an open question (bot/handlers/asking.py), so it survives a restart and /cancel
leaves it. A link's code (``/start <code>``) waits in the database until the routine is
added or declined, across onboarding and restarts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from html import escape

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import callbacks, keyboards, texts
from bot.content import (
    Content,
    Routine,
    RoutineStep,
    Stretch,
    describe_dose,
    describe_duration,
)
from bot.db.models import User
from bot.domain.my_routines import (
    MAX_ROUTINES,
    MAX_STRETCHES,
    UserRoutine,
    add_item,
    already_first,
    clean_name,
    given_easier,
    library,
    move_up,
    ref_of,
    remove_item,
    row_id_of,
)
from bot.domain.questions import Kind, Question
from bot.domain.share_codes import ShareError, carries_name, looks_like_code
from bot.handlers import asking
from bot.handlers.common import (
    Handler,
    answer,
    edit_or_send,
    known_user,
    remove_buttons,
    reply,
    sender_ids,
    services,
    shows_the_button,
)
from bot.handlers.program_views import dose_note
from bot.services.my_routines import Change, Draft, DraftEdit, Outcome

# --- how routines look -------------------------------------------------------------------


def routine_lines(
    routine: Routine, content: Content, steps: Sequence[RoutineStep] | None = None
) -> list[str]:
    """Each stretch with its dose, numbered; the easier version named when it's the one.
    ``steps``: the user's steps today (the program applied), with why a dose changed."""
    lines = []
    for number, step in enumerate(routine.steps(content) if steps is None else steps, 1):
        name = step.stretch.easier.name if step.easier_only else step.stretch.name
        line = f"{number}. {escape(name)} · {escape(describe_dose(step.dose))}"
        note = dose_note(step)
        lines.append(f"{line} {note}" if note else line)
    return lines


def routine_text(
    routine: Routine,
    content: Content,
    header: str | None = None,
    steps: Sequence[RoutineStep] | None = None,
) -> str:
    duration = describe_duration(routine.duration_seconds(content))
    lines = [header or f"<b>{escape(routine.title)}</b>", f"⏱ {duration}"]
    if routine.no_floor:
        lines.append("🪑 Nothing on the floor")
    if routine.gentle:
        lines.append("🌱 Gentle: easier versions, one position")
    if isinstance(routine, UserRoutine) and routine.from_link:
        lines.append(texts.DOSES_GROW if routine.progress else texts.DOSES_KEPT)
    lines += routine_lines(routine, content, steps)
    return "\n".join(lines)


def builder_text(draft: Draft, content: Content, *, library_view: bool = False) -> str:
    header = texts.BUILDER_EDIT if draft.edits is not None else texts.BUILDER_NEW
    name = f"<b>{escape(draft.name)}</b>" if draft.name else texts.BUILDER_UNNAMED
    lines = [f"{header}: {name}"]
    for number, item in enumerate(draft.items, 1):
        stretch = content.stretches[item.stretch]
        shown = stretch.easier.name if item.easier else stretch.name
        dose = item.dose.apply(stretch.dose) if item.dose else stretch.dose
        lines.append(f"{number}. {escape(shown)} · {escape(describe_dose(dose))}")
    if not draft.items:
        lines.append(texts.BUILDER_EMPTY)
    lines.append(
        texts.BUILDER_FILTERS.format(
            chair=texts.on_off(draft.chair_only), gentle=texts.on_off(draft.gentle)
        )
    )
    if library_view:
        lines.append(texts.BUILDER_LIBRARY)
    else:
        lines.append(f"<i>{texts.BUILDER_FILTERS_HELP}</i>")
    return "\n".join(lines)


async def show_builder(
    update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft, *, new_message: bool = False
) -> None:
    content = services(context).content
    names = [
        (
            content.stretches[i.stretch].easier.name
            if i.easier
            else content.stretches[i.stretch].name
        )
        for i in draft.items
    ]
    markup = keyboards.builder(
        draft.id,
        draft.version,
        names,
        chair_only=draft.chair_only,
        gentle=draft.gentle,
        can_add=len(draft.items) < MAX_STRETCHES,
    )
    text = builder_text(draft, content)
    if new_message:
        await reply(update, text, reply_markup=markup)
    else:
        await edit_or_send(update, text, reply_markup=markup)


async def show_library(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> None:
    content = services(context).content
    offered = library(
        content.stretches, draft.items, chair_only=draft.chair_only, gentle=draft.gentle
    )
    labels = [
        (s.id, f"{version.name} · {version.position.replace('_', ' ')}")
        for s in offered
        # the version that will be done
        for version in [s.easier if _given_easier(s, draft) else s]
    ]
    text = builder_text(draft, content, library_view=True)
    if not offered:
        text += f"\n{texts.BUILDER_LIBRARY_EMPTY}"
    await edit_or_send(
        update, text, reply_markup=keyboards.builder_library(draft.id, draft.version, labels)
    )


async def show_list(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user_id: int, *, edit: bool
) -> None:
    svc = services(context)
    own = await svc.mine.saved(user_id)
    lines = [texts.MY_ROUTINES_TITLE]
    can_add = len(own) < MAX_ROUTINES
    if own:
        lines.append(texts.MY_ROUTINES_OWN.format(count=len(own), limit=MAX_ROUTINES))
        lines += [f"• {escape(r.title)}" for r in own]
    else:
        lines.append(texts.MY_ROUTINES_NONE)
    lines.append(texts.MY_ROUTINES_SHIPPED)
    lines += [f"• {escape(r.title)}" for r in svc.content.routines.values()]
    lines.append(texts.MY_ROUTINES_HINT if can_add else texts.MY_ROUTINES_FULL_NOTE)
    markup = keyboards.my_routines_list(
        [(r.id, f"📋 {r.title}") for r in own],
        [(r.id, f"📘 {r.title}") for r in svc.content.routines.values()],
        can_add=can_add,
    )
    if edit:
        await edit_or_send(update, "\n".join(lines), reply_markup=markup)
    else:
        await reply(update, "\n".join(lines), reply_markup=markup)


# --- /routines and its buttons --------------------------------------------------------------


async def routines_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/routines: the user's own routines and the shipped ones, and "New routine"."""
    user = await known_user(update, context)
    if user is None:
        return
    await show_list(update, context, user.id, edit=False)


async def my_routines_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button of /routines: the list, new, and one routine's view, share, change, delete."""
    query = update.callback_query
    assert query is not None and query.data is not None
    button = callbacks.parse_my_routines(query.data)
    assert button is not None  # the handler's pattern
    user = await known_user(update, context)
    if user is None:
        return
    svc = services(context)
    if button.ref is None:  # list, new: any user's own
        await asking.leave_for_button(update, context)
    if button.action == "list":
        await answer(update)
        await show_list(update, context, user.id, edit=True)
        return
    if button.action == "new":
        change = await svc.mine.new_draft(user.id)
        if change.outcome is Outcome.FULL or change.draft is None:
            await answer(update, texts.MY_ROUTINES_FULL, alert=True)
            return
        await answer(update)
        await show_builder(update, context, change.draft)
        return
    assert button.ref is not None
    routine = await svc.routines.find(user.id, button.ref)
    if routine is None:
        gone = row_id_of(button.ref) is not None
        if gone and button.action == "dy":  # the second of a double tap: already done
            await answer(update, texts.ROUTINE_ALREADY_DELETED)
            return
        if not gone or not shows_the_button(update):  # forged: the open question stays open
            await answer(update, texts.INVALID_BUTTON, alert=True)
            return
        # A deleted routine's button (an older card or list): the message says so and
        # leads on, so it is never a dead end.
        await asking.leave_for_button(update, context)
        await answer(update, texts.ROUTINE_GONE)
        await edit_or_send(
            update, f"🗑 {texts.ROUTINE_GONE}", reply_markup=keyboards.routines_way_on()
        )
        return
    own = isinstance(routine, UserRoutine)
    if not own and button.action in ("e", "d", "dy"):  # a shipped routine's: no button offers it
        await answer(update, texts.INVALID_BUTTON, alert=True)
        return
    await asking.leave_for_button(update, context)  # the routine is theirs to use
    if button.action == "v":  # the doses the user will do today, as a run would give them
        await answer(update)
        await show_card(update, context, user, routine)
    elif button.action == "def":  # "⏰ Make it my reminder routine": confirmed on the card itself
        if (await svc.routines.default_of(user)).id == routine.id:  # a double tap, say
            await answer(update, texts.REMINDER_ROUTINE_ALREADY)
            return
        user = await svc.preferences.set_default_routine(user.id, routine.id)
        await answer(update, texts.REMINDER_ROUTINE_SET.format(name=routine.title))
        await show_card(update, context, user, routine)
    elif button.action == "s":
        await share(update, context, user, routine)
    elif button.action == "e":
        row_id = row_id_of(routine.id)
        assert row_id is not None
        change = await svc.mine.new_draft(user.id, edits=row_id)
        if change.draft is None:
            await answer(update, texts.ROUTINE_GONE, alert=True)
            return
        await answer(update)
        await show_builder(update, context, change.draft)
    elif button.action == "d":
        ask = texts.ROUTINE_DELETE_ASK.format(name=escape(routine.title))
        if user.default_routine == routine.id:  # the reminders fall back to the shipped one
            fallback = svc.content.default_routine.title
            ask += "\n" + texts.ROUTINE_DELETE_REMINDERS.format(name=escape(fallback))
        await answer(update)
        await edit_or_send(update, ask, reply_markup=keyboards.delete_routine_confirm(routine.id))
    else:  # "dy": delete, confirmed
        if not await svc.mine.delete(user.id, routine.id):
            await answer(update, texts.ROUTINE_GONE, alert=True)
            return
        await answer(update, "Deleted")
        await edit_or_send(
            update,
            texts.ROUTINE_DELETED.format(name=escape(routine.title)),
            reply_markup=keyboards.routines_way_on(),
        )


async def show_card(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: User, routine: Routine
) -> None:
    """A routine's card, edited in: its steps with the doses the user will do today, whether
    the reminders start it, and its buttons."""
    svc = services(context)
    progress = routine.progress if isinstance(routine, UserRoutine) else True
    today = await svc.program.steps_for(user.id, routine.steps(svc.content), progress=progress)
    reminder = (await svc.routines.default_of(user)).id == routine.id
    text = routine_text(routine, svc.content, steps=today)
    if reminder:
        later = not user.onboarded
        text += "\n" + (
            texts.REMINDER_ROUTINE_AFTER_SETUP if later else texts.REMINDER_ROUTINE_LINE
        )
    await edit_or_send(
        update,
        text,
        reply_markup=keyboards.routine_detail(
            routine.id,
            own=isinstance(routine, UserRoutine),
            reminder=reminder,
            setup=not user.onboarded,
        ),
    )


async def share(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: User, routine: Routine
) -> None:
    """ "🔗 Share": a t.me deep link whose start parameter holds the routine and its doses."""
    svc = services(context)
    try:
        code = svc.mine.code_for(routine)
    except ShareError:
        await answer(update, texts.SHARE_IMPOSSIBLE, alert=True)
        return
    await answer(update, "Here's the link")
    link = f"https://t.me/{context.bot.username}?start={code}"
    note = "" if carries_name(code) else "\n" + texts.SHARE_NAME_LEFT_OUT
    # The routine's message gains the link (edited in place: a double tap sends nothing twice).
    reminder = (await svc.routines.default_of(user)).id == routine.id
    await edit_or_send(
        update,
        routine_text(routine, svc.content) + "\n\n" + texts.SHARE_LINK.format(link=link) + note,
        reply_markup=keyboards.routine_detail(
            routine.id, own=isinstance(routine, UserRoutine), reminder=reminder
        ),
    )


# --- the builder ---------------------------------------------------------------------------


def _given_easier(stretch: Stretch, draft: Draft) -> bool:
    """Whether the builder gives ``stretch``'s easier version under the draft's filters."""
    return bool(given_easier(stretch, chair_only=draft.chair_only, gentle=draft.gentle))


def _edit_for(button: callbacks.BuilderButton, content: Content) -> DraftEdit | None:
    """What a builder button does to the draft; None for buttons that only show something."""
    action, argument = button.action, button.argument
    if action == "add":
        stretch_id = str(argument)

        def add(draft: Draft) -> Draft:
            offered = library(
                content.stretches, draft.items, chair_only=draft.chair_only, gentle=draft.gentle
            )
            if stretch_id not in {s.id for s in offered}:
                raise IndexError(stretch_id)  # forged, or no longer fits the filters
            easier = _given_easier(content.stretches[stretch_id], draft)
            return replace(draft, items=add_item(draft.items, stretch_id, easier=easier))

        return add
    if action == "up":
        return lambda draft: replace(draft, items=move_up(draft.items, int(argument or 0)))
    if action == "rm":
        return lambda draft: replace(draft, items=remove_item(draft.items, int(argument or 0)))
    if action == "chair":
        return lambda draft: replace(draft, chair_only=not draft.chair_only)
    if action == "gentle":

        def gentle(draft: Draft) -> Draft:
            on = not draft.gentle
            items = (
                tuple(item.model_copy(update={"easier": True}) for item in draft.items)
                if on
                else draft.items
            )
            return replace(draft, gentle=on, items=items)

        return gentle
    return None


async def builder_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A builder button: add, move up, remove, the filters, name, save, throw away."""
    query = update.callback_query
    assert query is not None and query.data is not None
    button = callbacks.parse_builder(query.data)
    assert button is not None  # the handler's pattern
    user = await known_user(update, context)
    if user is None:
        return
    svc = services(context)
    mine = svc.mine
    draft = await mine.draft(user.id, button.draft_id)
    if draft is None:
        await _answer_closed(update, context, user.id, button.draft_id)
        return
    if draft.version != button.version:
        await answer(update, texts.BUILDER_STALE)
        return
    await asking.leave_for_button(update, context)  # their draft ("Name it" keeps it: it asks)
    action = button.action
    if action in ("lib", "back"):
        await answer(update)
        if action == "lib":
            await show_library(update, context, draft)
        else:
            await show_builder(update, context, draft)
        return
    if action == "name":
        asked = await svc.preferences.question(user.id)
        if (
            asked is not None
            and asked.kind is Kind.ROUTINE_NAME
            and asked.argument.partition(":")[0] == str(draft.id)
        ):  # a double tap: the question is already there
            await answer(update, texts.TYPE_THE_NAME)
            return
        await answer(update)
        await asking.ask(
            update,
            context,
            Kind.ROUTINE_NAME,
            texts.ASK_ROUTINE_NAME,
            keyboards.name_question,
            argument=f"{draft.id}:{query.message.message_id if query.message else 0}",
        )
        return
    if action == "up" and already_first(int(button.argument or 0)) and draft.items:
        await answer(update, texts.BUILDER_ALREADY_FIRST)
        return
    if action == "save":
        change = await mine.save(user.id, draft.id, draft.version)
        if not await _answered_failure(update, context, user.id, draft.id, change):
            await _saved(update, context, change)
        return
    if action == "drop":
        change = await mine.discard(user.id, draft.id, draft.version)
        if not await _answered_failure(update, context, user.id, draft.id, change):
            await answer(update)
            await edit_or_send(
                update, texts.BUILDER_DISCARDED, reply_markup=keyboards.routines_way_on()
            )
        return
    edit = _edit_for(button, svc.content)
    assert edit is not None
    change = await mine.change(user.id, draft.id, draft.version, edit)
    if change.outcome is Outcome.FULL and action == "add":
        await answer(update, texts.BUILDER_FULL_STRETCHES, alert=True)
        return
    if await _answered_failure(update, context, user.id, draft.id, change):
        return
    assert change.draft is not None
    await answer(update)
    if action == "add":
        await show_library(update, context, change.draft)
    else:
        await show_builder(update, context, change.draft)


async def _answer_closed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user_id: int, draft_id: int
) -> None:
    """A button of a builder that is closed: a toast saying so, and the message stays as
    it is (after a double tap it shows what the first tap did, buttons included)."""
    saved = await services(context).mine.routine(user_id, ref_of(draft_id))
    await answer(update, texts.BUILDER_ALREADY_SAVED if saved is not None else texts.BUILDER_GONE)


async def _answered_failure(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user_id: int, draft_id: int, change: Change
) -> bool:
    """Answer a change that didn't apply; False when it did."""
    if change.outcome is Outcome.DONE:
        return False
    if change.outcome is Outcome.GONE:
        await _answer_closed(update, context, user_id, draft_id)
    elif change.outcome is Outcome.BROKEN and change.rule is not None:
        await answer(update, texts.RULE_PROBLEMS[change.rule.value], alert=True)
    elif change.outcome is Outcome.FULL:
        await answer(update, texts.MY_ROUTINES_FULL, alert=True)
    elif change.outcome is Outcome.NO_NAME:
        missing = texts.BUILDER_NEEDS_NAME if change.rule is None else None
        await answer(update, missing or texts.BUILDER_NEEDS_NAME_AND_STRETCH, alert=True)
    else:  # STALE, or a move that doesn't apply (forged position)
        await answer(update, texts.BUILDER_STALE)
    return True


async def _saved(update: Update, context: ContextTypes.DEFAULT_TYPE, change: Change) -> None:
    assert change.saved is not None
    await answer(update, "Saved")
    content = services(context).content
    await edit_or_send(
        update,
        "💾 " + routine_text(change.saved, content),
        reply_markup=keyboards.after_save(change.saved.id),
    )


async def name_typed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, question: Question, text: str
) -> None:
    """Text at "What should this routine be called?": the name, or why it can't be."""
    name = clean_name(text)
    if isinstance(name, tuple):
        await reply(update, texts.name_problems(name, len(" ".join(text.split()))))
        return
    if not await asking.close(update, context, question):
        return
    user_id, chat_id = sender_ids(update)
    draft, _, builder_message = question.argument.partition(":")
    draft_id = int(draft) if draft.isdigit() else 0
    change = await services(context).mine.rename(user_id, draft_id, name)
    if change.draft is None:
        await reply(update, texts.BUILDER_GONE)
        return
    if builder_message.isdigit() and int(builder_message):  # its buttons are behind now
        await asking.strip_buttons(context.bot, chat_id, int(builder_message))
    await show_builder(update, context, change.draft, new_message=True)


async def name_question_left(
    update: Update, context: ContextTypes.DEFAULT_TYPE, question: Question
) -> None:
    """ "✖️ Cancel" at the name question (already closed): the question's message becomes
    the builder again, unchanged, and the older builder message gives up its buttons."""
    user_id, chat_id = sender_ids(update)
    draft_part, _, builder_message = question.argument.partition(":")
    draft = await services(context).mine.draft(
        user_id, int(draft_part) if draft_part.isdigit() else 0
    )
    if draft is None:
        await edit_or_send(update, texts.BUILDER_GONE, reply_markup=keyboards.routines_way_on())
        return
    if builder_message.isdigit() and int(builder_message) != question.message_id:
        await asking.strip_buttons(context.bot, chat_id, int(builder_message))
    await show_builder(update, context, draft)


# --- share links -----------------------------------------------------------------------------


def start_code(args: list[str] | None) -> str | None:
    """The share code in ``/start <parameter>``, if the parameter is meant as one."""
    if not args or not looks_like_code(args[0]):
        return None
    return args[0]


async def link_opened(update: Update, context: ContextTypes.DEFAULT_TYPE, code: str) -> bool:
    """``/start <code>``: a clear message for a code that can't be read (nothing stored,
    False); otherwise the code waits with the user until the routine is added or declined
    (True: the caller shows it with `show_pending`)."""
    user_id, _ = sender_ids(update)
    mine = services(context).mine
    try:
        mine.read(code)
    except ShareError as error:
        await reply(update, texts.SHARE_PROBLEMS[error.problem.value])
        return False
    await mine.hold_code(user_id, code)
    return True


async def show_pending(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    *,
    after_setup: bool = False,
    first: bool = False,
) -> bool:
    """The routine of the link the user opened, with "Add to my routines", if one waits
    (True when it was shown). ``first``: a new user's, before the reminder setup."""
    user_id, _ = sender_ids(update)
    svc = services(context)
    code = await svc.mine.pending_code(user_id)
    if code is None:
        return False
    try:
        shared = svc.mine.read(code)
    except ShareError as error:  # the content changed since (a stretch removed)
        await svc.mine.hold_code(user_id, None)
        await reply(update, texts.SHARE_PROBLEMS[error.problem.value])
        return False
    have = await svc.mine.same_as_link(user_id, shared=shared)
    if have is not None:  # opened again: nothing waits, the one they have is offered
        await svc.mine.hold_code(user_id, None)
        await reply(
            update,
            texts.SHARE_ALREADY_HAVE.format(name=escape(have.title)),
            reply_markup=keyboards.already_have(have.id, have.title),
        )
        return True
    # Said only when the routine is really offered (not before "already in your routines").
    if after_setup:
        await reply(update, texts.SHARE_AFTER_SETUP)
    if first:
        await reply(update, texts.SHARE_FIRST_NOTE)
    header = texts.SHARED_TITLE
    if shared.name:
        header += f"\n<b>{escape(shared.name)}</b>"
    text = routine_text(svc.mine.preview(shared), svc.content, header=header)
    await reply(
        update,
        f"{text}\n\n{texts.SHARED_PRESCRIBED}",
        reply_markup=keyboards.share_preview(svc.mine.tag_of(code)),
    )
    return True


async def share_answered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A shared routine's "Add" (keep the doses, or let them grow) or "No thanks"."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parsed = callbacks.parse_share_answer(query.data)
    assert parsed is not None  # the handler's pattern
    choice, tag = parsed
    user = await known_user(update, context)
    if user is None:
        return
    mine = services(context).mine
    code = await mine.pending_code(user.id)
    if code is None or mine.tag_of(code) != tag:  # added or declined already, another link's
        # Nothing changes, the message included (after a double tap it shows the first
        # tap's result and buttons).
        added = await mine.same_as_link(user.id, tag=tag)
        if added is not None:
            await answer(update, texts.SHARE_ALREADY_ADDED.format(name=added.title))
        else:
            await answer(update, texts.INVALID_BUTTON)
        return
    await asking.leave_for_button(update, context)  # the link they opened
    if choice == "no":
        await mine.hold_code(user.id, None)
        await answer(update)
        text = texts.SHARE_DECLINED
        if not user.onboarded:
            text += " " + texts.SHARE_SETUP_LATER
        await edit_or_send(
            update, text, reply_markup=keyboards.routines_way_on(setup=not user.onboarded)
        )
        return
    # Before setup, the routine they came for becomes the reminders' (unless they chose one).
    remind = not user.onboarded and user.default_routine is None
    change = await mine.add_shared(user.id, code, progress=choice == "grow", remind=remind)
    if change.outcome is Outcome.ALREADY and change.saved is not None:  # never twice
        have = change.saved
        await answer(update, texts.SHARE_ALREADY_HAVE_TOAST.format(name=have.title))
        await edit_or_send(
            update,
            texts.SHARE_ALREADY_HAVE.format(name=escape(have.title)),
            reply_markup=keyboards.already_have(have.id, have.title),
        )
        return
    if change.outcome is Outcome.FULL:
        await answer(update, texts.MY_ROUTINES_FULL, alert=True)
        return
    if change.saved is None:
        await answer(update, texts.INVALID_BUTTON, alert=True)
        await remove_buttons(update)
        return
    await answer(update, "Added")
    text = texts.SHARE_ADDED.format(name=escape(change.saved.title))
    if remind:
        text += "\n" + texts.SHARE_SETUP_NEXT
    await edit_or_send(
        update,
        text,
        reply_markup=keyboards.after_save(
            change.saved.id, reminder=remind, setup=not user.onboarded
        ),
    )


def build_handlers() -> list[Handler]:
    return [
        CommandHandler("routines", routines_command),
        CallbackQueryHandler(
            my_routines_tapped, pattern=callbacks.matcher(callbacks.parse_my_routines)
        ),
        CallbackQueryHandler(builder_tapped, pattern=callbacks.matcher(callbacks.parse_builder)),
        CallbackQueryHandler(
            share_answered, pattern=callbacks.matcher(callbacks.parse_share_answer)
        ),
    ]
