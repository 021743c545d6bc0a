"""The one place that talks to the Telegram Bot API on the bot's behalf.

- `errors`: calls used by handlers and jobs (answer, edit, send) that classify the Bot API's
  documented failures ("query is too old", "message is not modified", Forbidden, 429 ...)
  instead of raising them as tracebacks.
- `outcome`: how the reminder dispatcher classifies a send for its at-most-once guarantee
  (delivered, provably not sent and retryable, uncertain, permanent).
- `ratelimit`: the per-token rate budget (priority classes: callback answers, interactive
  replies, broadcast).
"""
