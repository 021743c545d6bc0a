"""Pure domain rules (no Telegram, no database) so they can be tested and quoted on their own."""
