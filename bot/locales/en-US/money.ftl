## Every spend shows its price and asks once (bot/generation/spend.py)

spend-what = { $kind ->
    [generate] **Generate** a { $seconds } s video from session #{ $session }.
    [regenerate] **Regenerate** job #{ $job }: the same request again, for a new take ({ $seconds } s).
    [extend] **Extend** job #{ $job } by { $seconds } s.
    [insert] **Insert** a { $seconds } s shot between job #{ $job } and job #{ $second }.
    [edit] **Edit** job #{ $job } as you described ({ $seconds } s).
    [reference] **Use { $job } as a reference** in your session.
   *[stitch] **Stitch** { $job } into one video.
}
spend-breakdown = { $video_s ->
    [none] { $seconds } s
   *[other] ({ $seconds } s + { $video_s } s of reference video)
} × { $rate } credits at { $resolution }{ $factor ->
    [none] {""}
   *[other] {" "}× { $factor } for a video reference
} = **{ $price }** credits{ $rounded ->
    [yes] {" "}(rounded up)
   *[no] {""}
}; you have { $available }.
spend-free = { $kind ->
    [stitch] Stitching is free: it is done here and spends no credits (you have { $available }).
   *[reference] Nothing is spent now: the video joins your session, and Generate then prices the session with it (a video reference can cost more). You have { $available } credits.
}
spend-offer = { $what }
    { $cost }
spend-confirm = { $kind ->
    [stitch] Stitch (free)
    [reference] Add it (free)
   *[other] Spend { $price } credits
}
spend-cancel = Cancel
spend-cancelled = Cancelled: nothing was spent.
spend-offer-used = You already answered this price. Press the button again for a new one.
spend-offer-missing = That price was shown to someone else, or it is gone.
spend-price-changed = The price changed since you saw it (it was { $old } credits), so nothing was spent yet:
    { $phrase }
spend-started = { $kind ->
    [generate] Job #{ $job } started: { $price } credits held ({ $available } left). Your video will be posted here.
    [regenerate] Job #{ $job } (a new take of #{ $parent }) queued: { $price } credits held ({ $available } left). It will be posted here.
    [extend] Job #{ $job } (extending #{ $parent }) queued: { $price } credits held ({ $available } left). It will be posted here.
    [insert] Job #{ $job } (a bridge after #{ $parent }) queued: { $price } credits held ({ $available } left). It will be posted here.
   *[edit] Job #{ $job } (an edit of #{ $parent }) queued: { $price } credits held ({ $available } left). It will be posted here.
}
spend-stitching = Stitched as job #{ $job }: the video will be posted here.
spend-reference-added = Added to your session.

## A stitched result, delivered like any other
result-title-stitch = 🎬 Job #{ $job } — { $parts } stitched
result-free = 0 (stitching is free)

## /help
cmd-help = What Callsheet does, how to start, and your credits
help-title = Callsheet — direct a Seedance video from this chat
help-what = Callsheet turns a conversation into a short video made by ByteDance's Seedance 2.0: you bring a prompt and, if you like, pictures, clips and music; it checks them against Seedance's limits, shows the request and its price, and posts the video here.
help-steps-title = Start in three steps
help-steps =
    1. Type `/video new` with a prompt (or `/video template` to start from a recipe).
    2. Drop pictures, video clips or music in the channel and pick what each one is for.
    3. Press **Generate**, check the price, confirm: the video is posted here.
help-templates-title = Templates (`/video template`)
help-template = **{ $name }** — { $hint }
help-limits-title = Seedance's limits
help-limit-output = Videos of { $low }–{ $high } s, at { $resolutions }, in { $ratios }
help-limit-images = Up to { $count } pictures ({ $formats }; { $low }–{ $high } px a side; at most { $mb } MB each)
help-limit-clips = { $kind ->
    [video] Up to { $count } video clips ({ $formats }; { $low }–{ $high } s each, { $total } s in all; at most { $mb } MB each)
   *[audio] Up to { $count } audio files ({ $formats }; { $low }–{ $high } s each, { $total } s in all; at most { $mb } MB each)
}
help-limit-files = At most { $count } files in all; a prompt of up to { $words } words (or { $chars } Chinese characters)
help-balance-title = Your credits
help-balance = { $available } available, { $held } held{ $refill ->
    [none] .
   *[other] ; refill { $refill }.
}

## /video history
cmd-video-history = Your videos, newest first, with their buttons
history-empty = You have no videos here yet. Start one with `/video new`.
history-page = Video { $page } of { $pages }
history-newer = ◀ Newer
history-older = Older ▶

## /video notify
cmd-video-notify = Get a direct message when your videos are ready or fail
opt-notify = On: a DM when a job ends (the video is still posted here). Off: no DMs.
notify-on = on
notify-off = off
notify-set = { $on ->
    [on] Done: you'll get a direct message when a job of yours is ready or fails. The video is still posted in the channel.
   *[off] Done: no more direct messages about your jobs.
}
notify-ready = Your video is ready: job #{ $job } — { $link }
notify-failed = Job #{ $job } { $state ->
    [failed] failed
   *[expired] expired
}: { $reason } Your { $price } credits were released. { $link }

## /credits: entries as events, and what the balance still pays for
credits-event = { $event ->
    [start] Starting allowance +{ $amount }
    [grant] Granted by a moderator +{ $amount }
    [revoke] Taken back by a moderator −{ $amount }
    [adjust] Balance set by a moderator { $signed }
    [hold] Job #{ $job } · { $kind ->
        [regenerate] regenerate
        [extend] extend
        [insert] insert
        [edit] edit
       *[generate] generate
    } · −{ $amount }
    [release] Refund · job #{ $job } { $state ->
        [cancelled] cancelled
        [expired] expired
       *[failed] failed
    } · +{ $amount }
    [refill] { $period ->
        [daily] Daily refill
        [weekly] Weekly refill
        [monthly] Monthly refill
       *[none] Refill
    } +{ $amount }
   *[other] { $signed }
}
credits-affords-title = What that pays for
credits-affords = { $count ->
    [0] Not enough for a { $seconds } s video at { $resolution } yet ({ $price } credits).
   *[other] Enough for { $count } × { $seconds } s at { $resolution } ({ $price } credits each, prompt only).
}

## Usage charts
chart-credits = credits
chart-seconds = seconds
chart-failures = failures
chart-seconds-axis = s / failures

## /admin jobs list: finished and failed jobs too
opt-jobs-show = Which jobs: running and queued (default), recently finished, or recently failed
opt-jobs-member = Only this member's jobs
jobs-show-running = running and queued
jobs-show-finished = recently finished
jobs-show-failed = recently failed
jobs-done-line = **#{ $job }** { $member } · { $state ->
    [succeeded] delivered
    [failed] failed
    [cancelled] cancelled
   *[expired] expired
} { $when } · { $duration } s { $resolution } · { $price } credits{ $reason ->
    [none] {""}
   *[other] {" "}— { $reason }
}
jobs-done-none = No such jobs lately.

## A banned member's card
card-blocked = You can't generate now
