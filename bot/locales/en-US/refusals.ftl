# What the core refuses, and why. Job numbers, mentions and channel lists come in as text.

session-channel-not-allowed = Video sessions are open in { $channels } on this server.
session-duration-out-of-range = Duration must be { $low }–{ $high } s here (Seedance makes clips of up to { $most } s); you asked for { $asked } s.
session-exists = You already have a session open in this channel: add assets to it, or close it with `/video cancel` first.
session-gone = That session no longer exists.
session-not-yours = This session belongs to { $owner }.
session-ended = { $state ->
    [closed] This session is closed. Start a new one with `/video new`.
   *[expired] This session has expired. Start a new one with `/video new`.
}
asset-gone = That asset no longer exists.
role-does-not-fit = { $kind ->
    [image] That role is not one for images.
    [video] That role is not one for videos.
   *[audio] That role is not one for audio.
}
prompt-unknown-tags = { $have ->
    [none] Your prompt mentions { $tags }, but this session has no assets yet. Fix the tag or upload that asset first; the prompt was not saved.
   *[other] Your prompt mentions { $tags }, but this session has { $have }. Fix the tag or upload that asset first; the prompt was not saved.
}

generate-face-unanswered = { $tags } may show a realistic face, which Seedance refuses. Answer the question under it first: keep it if it is drawn or stylised, or remove it. Nothing was charged.
generate-banned = { $until ->
    [none] A moderator has paused your generations on this server: { $reason }
   *[other] A moderator has paused your generations on this server until { $until }: { $reason }
}
no-price = This server has no price for { $model } at { $resolution }; ask a moderator to set one with `/admin prices set`.
hold-busy = Job #{ $job } for this session is still running; wait for it to finish.
hold-videos-per-day = You have made { $made } videos today; this server allows { $most } a day. Try again tomorrow (UTC).
hold-seconds-per-day = You have generated { $made } s today; this server allows { $most } s a day. Shorten the clip or try again tomorrow (UTC).
hold-concurrent = { $running ->
    [one] You already have a video rendering; this server allows { $most } at once. Wait for it to finish.
   *[other] You already have { $running } videos rendering; this server allows { $most } at once. Wait for one to finish.
}
hold-cooldown = Please wait { $wait } s more: this server asks for { $gap } s between generations.
hold-credits = This video costs { $price } credits and you have { $available }. Shorten it, pick 480p or the Fast model, or ask a moderator for credits.
nothing-rendering = Nothing is rendering for this session.

job-missing = There is no job #{ $job }.
job-not-yours = Job #{ $job } belongs to { $owner }.
job-no-video = Job #{ $job } has no finished video to build on.
edit-needs-words = Say what to change, e.g. “replace the car with a red bicycle”.
derive-no-frame = { $which ->
    [first] Could not take the first frame of the result.
   *[last] Could not take the last frame of the result.
}
derive-unusable = { $kind ->
    [image] The result can't be used as an image reference: { $reason }
   *[video] The result can't be used as a video reference: { $reason }
}
stitch-too-few = Pick at least two videos to stitch.
stitch-unreadable = { $clip } could not be read.

job-crashed = Something went wrong on our side.
job-expired = The provider did not finish in time.
job-cancelled-by-member = You cancelled it.
job-cancelled-by-moderator = A moderator cancelled it: { $reason }

admin-negative-balance = A balance can't be negative.
admin-ban-needs-reason = Give a reason: the member sees it when they try to generate.
admin-no-such-job = There is no job #{ $job } on this server.
admin-job-finished = Job #{ $job } had already finished ({ $state }).
admin-nothing-to-change = Nothing to change: give at least one option.
admin-days-range = Choose between 1 and 366 days.
admin-positive-amount = The amount must be a positive number of credits.
config-not-saved = That change was not saved: { $problems }.

# Start-up problems the operator reads.
operator-s3-settings = ASSET_HOST=s3 needs S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY.
operator-discord-host-settings = ASSET_HOST=discord needs STORAGE_CHANNEL_ID.
operator-no-asset-host = Providers fetch reference files by URL: set PUBLIC_BASE_URL (the bot serves them), or ASSET_HOST=s3 or ASSET_HOST=discord (see .env.example).

# The bot stopped while sending a request, and the video service cannot say whether it arrived.
job-submit-unconfirmed = The bot restarted while it was sending this request, and the video service can't say whether the request arrived, so it wasn't sent again (that could charge twice). Your credits were refunded; press Generate to try again.
