# Texts of cogs/fit.py's uses: long lists, long prompts, a card that could not be posted.

list-more = …and { $count } more
prompt-more-title = Prompt, continued (only if it is longer)
card-not-posted = Your session card could not be posted here, so session #{ $session } was closed again. Try `/video new` once more; if it keeps failing, ask a moderator to check what the bot may do in this channel.
