"""The conversation list, one transcript, and the actions on it (status, tags, notes, writing to the person)."""
import logging
from urllib.parse import urlencode

from aiohttp import web

from recovery_support.staff import review
from recovery_support.staff.db_access import run_db
from recovery_support.staff.filters import parse_filter
from recovery_support.staff.listing import filter_options, list_conversations
from recovery_support.staff.middleware import remote, requires
from recovery_support.staff.models import ACTIVE, REVIEW_STATUSES
from recovery_support.staff.relay import RelayError, send_to_person
from recovery_support.staff.rendering import render
from recovery_support.staff.review_stories import choosable_intents, save_story, stories_path
from recovery_support.staff.roles import MESSAGE_PERSON, REVIEW, SAVE_TEST_STORY, VIEW_TRANSCRIPTS, WRITE_NOTES
from recovery_support.staff.transcript import load_transcript
from recovery_support.staff.views.common import int_param, log, redirect

logger = logging.getLogger(__name__)

def _page_number(request: web.Request) -> int:
    try:
        return max(1, min(int(request.query.get("page", "1")), 100000))
    except ValueError:
        return 1


@requires(VIEW_TRANSCRIPTS)
async def conversation_list(request: web.Request) -> web.StreamResponse:
    settings = request.app["settings"]
    f = parse_filter(request.query)
    page = await run_db(list_conversations, request.app["engine"], f, _page_number(request), settings.page_size)
    options = await run_db(filter_options, request.app["engine"])
    await log(request, "view_list", "conversations",
              {"filters": f.query_params(), "page": page.page, "shown": [r["id"] for r in page.rows]})
    return render(request, "conversations.html", title="Conversations", f=f, page=page, options=options,
                  review_statuses=REVIEW_STATUSES, query=f.query_string())


@requires(VIEW_TRANSCRIPTS)
async def conversation_view(request: web.Request) -> web.StreamResponse:
    conversation_id = int_param(request, "conversation_id")
    transcript = await run_db(load_transcript, request.app["engine"], conversation_id)
    if transcript is None:
        raise web.HTTPNotFound(text="No such conversation.")
    await log(request, "view_transcript", f"conversation:{conversation_id}")
    return render(request, "transcript.html", title=f"Conversation {conversation_id}", t=transcript,
                  review_statuses=REVIEW_STATUSES, message=request.query.get("message", "")[:200],
                  story_intents=choosable_intents(), staff_message_max=review.MAX_STAFF_MESSAGE_CHARS)


def _back(conversation_id: int, message: str = "") -> web.HTTPSeeOther:
    location = f"/conversations/{conversation_id}"
    if message:
        location += "?" + urlencode({"message": message})
    return redirect(location)


async def _change(request: web.Request, function, *args) -> web.StreamResponse:
    conversation_id = int_param(request, "conversation_id")
    try:
        await run_db(function, request.app["engine"], conversation_id, *args, request["user"].username,
                     remote(request))
    except LookupError:
        raise web.HTTPNotFound(text="No such conversation.") from None
    except ValueError as error:
        raise _back(conversation_id, str(error)) from None
    raise _back(conversation_id)


@requires(REVIEW)
async def set_review_status(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    return await _change(request, review.set_review_status, str(form.get("review_status", "")))


@requires(REVIEW)
async def add_tag(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    return await _change(request, review.add_tag, str(form.get("tag", "")))


@requires(REVIEW)
async def remove_tag(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    return await _change(request, review.remove_tag, str(form.get("tag", "")))


@requires(WRITE_NOTES)
async def add_note(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    return await _change(request, review.add_note, str(form.get("text", "")))


@requires(MESSAGE_PERSON)
async def write_to_person(request: web.Request) -> web.StreamResponse:
    """Sends a staff member's message to the person on their channel, then records and audits it.

    Sent first, recorded after: the record says what the person actually received. A failure is audited (with
    the reason, never the text) and shown on the transcript page.
    """
    conversation_id = int_param(request, "conversation_id")
    form = await request.post()
    try:
        text = review.clean_staff_message(str(form.get("text", "")))
    except ValueError as error:
        raise _back(conversation_id, str(error)) from None
    engine = request.app["engine"]
    try:
        channel, sender_id, status = await run_db(review.message_target, engine, conversation_id)
    except LookupError:
        raise web.HTTPNotFound(text="No such conversation.") from None
    target = f"conversation:{conversation_id}"
    try:
        if status != ACTIVE:
            raise RelayError("this conversation was anonymised: there is no one to write to")
        await send_to_person(channel, sender_id, text, request.app["settings"])
    except Exception as error:  # whatever went wrong, staff must see that the person did not get it
        reason = str(error) if isinstance(error, RelayError) else f"unexpected error ({type(error).__name__})"
        if not isinstance(error, RelayError):
            logger.exception("sending a staff message failed")
        await log(request, "staff_message_failed", target, {"channel": channel, "error": reason})
        raise _back(conversation_id, f"Not sent: {reason}") from None
    await run_db(review.add_staff_message, engine, conversation_id, text, request["user"].username, channel,
                 remote(request))
    raise _back(conversation_id, "Message sent to the person.")


@requires(SAVE_TEST_STORY)
async def save_test_story(request: web.Request) -> web.StreamResponse:
    conversation_id = int_param(request, "conversation_id")
    form = await request.post()
    try:
        event_id = int(str(form.get("event_id", "")))
    except ValueError:
        raise web.HTTPBadRequest(text="event_id: a number") from None
    # Redacted like an export: the story file goes into the repository, beyond the staff app's access rules.
    redactor = await run_db(request.app["redactor"])
    path = stories_path(request.app["settings"].review_stories_path)
    try:
        detail = await run_db(save_story, request.app["engine"], conversation_id, event_id,
                              str(form.get("intent", "")), redactor.redact, path, request["user"].username,
                              remote(request))
    except LookupError:
        raise web.HTTPNotFound(text="No such message in this conversation.") from None
    except ValueError as error:
        raise _back(conversation_id, str(error)) from None
    raise _back(conversation_id, f"Saved turn {detail['turn']} as a test story ({detail['intent']}).")
