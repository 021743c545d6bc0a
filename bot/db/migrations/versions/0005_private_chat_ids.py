"""reminders go to the private chat: repair chat ids that a group command overwrote

Before the bot worked in private chats only, /start@bot in a group stored the group as the
user's chat, so their reminders went there. In a private chat the chat id is the user id.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE users SET chat_id = id WHERE chat_id <> id")


def downgrade() -> None:
    """Nothing to undo: the group chat ids were wrong."""
