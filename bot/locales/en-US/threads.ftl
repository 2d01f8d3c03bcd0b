# A session's own thread (cogs/session/threads.py): its name, the first line in it, and
# what the channel is told once when the bot may not start threads there.
thread-name = 🎬 Video session #{ $session }
thread-welcome = { $member }, this thread is your session's workspace: upload pictures, clips and sounds here and I'll ask what each one is for. The session card shows the price and the Generate button.
threads-fallback = I can't start a thread for each video session in this channel, so sessions here run in the channel itself. To give every session its own thread, a moderator can give me { $permissions } here.
threads-permissions-two = { $first } and { $second }
# /admin config set session_threads, and how /admin config show reads it
opt-session-threads = Where a session talks: a public thread from its card, a private thread, or the channel
choice-threads-public = a public thread from the card
choice-threads-private = a private thread
choice-threads-off = the channel (no thread)
config-threads = Sessions talk in: { $mode }
# Use as reference, when the session has a thread: the member is pointed to the question.
thread-asked-there = Added to your session; its role question is waiting in { $thread }.
