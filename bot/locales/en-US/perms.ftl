# What the bot needs in a channel (cogs/permissions.py), named as Discord's channel settings
# name them; and what members do when the bot can't read their messages' files.

perm-view-channel = View Channel
perm-send-messages = Send Messages
perm-embed-links = Embed Links
perm-attach-files = Attach Files
perm-read-message-history = Read Message History
perm-create-public-threads = Create Public Threads
perm-create-private-threads = Create Private Threads
perm-send-messages-in-threads = Send Messages in Threads

perms-missing =
    I can't run a video session in this channel: I'm missing { $count ->
        [one] this permission
       *[other] these permissions
    } here:
    { $permissions }
    A moderator can give them to me in this channel's settings (Edit Channel → Permissions). Until then, try another channel. The moderators have been told.
perms-audit-details = in { $channel } the bot lacks { $permissions }, so no session can open there
perms-audit-delivery = in { $channel } the bot lacks { $permissions }, so a finished video waits there: it is posted once they are given

# Shown on the session card when the bot may not read what members post (Discord's
# message-content intent is off for it): files posted in the channel don't reach it.
card-none-yet = *None yet.*
card-add-files-title = Adding files
card-add-files-by-command = Use `/video add` to add images, clips or audio: files posted in this channel don't reach me (unless the message mentions me).
