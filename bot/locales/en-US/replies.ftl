# Replies to members: buttons, modals, confirmations, deliveries, /credits and the error path.

something-went-wrong = Something went wrong on our side; it was logged. Please try again.
check-failed = You can't use that here.
not-a-moderator = Only moderators can do that: it needs the Manage Server permission or this server's moderator role.

button-prompt = Prompt
button-request = View request
button-generate = Generate
button-stop = Cancel job
button-close = Close
button-sound = Use { $tag }'s sound as audio
button-keep-face = Keep it: it is drawn or stylised
button-remove = Remove { $tag }
button-regenerate = Regenerate
button-extend = Extend
button-edit = Edit
button-reference = Use as reference
button-stitch = Stitch the chain
frame-placeholder = Use a moment of it as an image (first frame)…
frame-at = at { $s } s

prompt-title = Prompt
prompt-placeholder = @image1 walks through the rain; the camera follows like @video1…
prompt-saved = Prompt saved.
request-not-ready = The session can't be generated yet.
files-added = { $added } of { $count } files added to session #{ $session }.
no-open-session = You have no open session in this channel. Start one with `/video new`.
session-closed = Session #{ $session } closed. Start another with `/video new`.
stitch-needs-numbers = List job numbers, e.g. `3, 5, 8`.

job-started = Job #{ $job } started: { $price } credits held ({ $available } left). Your video will be posted here.
job-cancelled = Job #{ $job } cancelled; your { $price } credits were released.
extend-title = Extend job #{ $job }
extend-seconds = Seconds to add ({ $low }–{ $high })
extend-prompt = What happens next (optional)
extend-seconds-invalid = Seconds must be a whole number, { $low }–{ $high }.
edit-title = Edit job #{ $job }
edit-prompt = What should change?
edit-placeholder = Replace the car with a red bicycle; keep everything else.

job-ready = { $member } your video is ready.
job-outcome = Job #{ $job } { $state ->
    [failed] failed
    [cancelled] was cancelled
   *[expired] expired
}
job-failed-notice = { $member } job #{ $job } { $state ->
    [failed] failed
    [cancelled] was cancelled
   *[expired] expired
}: { $reason } Your { $price } credits were released and your session is still open — press **Generate** to try again.
member-job-cancelled = { $member } job #{ $job } was cancelled by a moderator ({ $reason }). Your { $price } credits were released and your session is still open.
fitted-link = This copy was compressed to fit the upload limit: [full quality]({ $url }).
fitted-kept = This copy was compressed to fit this server's { $limit } MB upload limit; the full-quality file ({ $size } MB) is kept as job #{ $job }.

credits-title = Your credits
credits-available = Available
credits-held = Held by running jobs
credits-next-refill = Next refill
credits-refill = +{ $amount } { $when }
credits-latest = Latest entries
credits-none = none
credits-chart-title = Your use, last { $days } days

# Ledger entries as events. $kind: grant, start, revoke, refill, adjust, hold, capture, release.
ledger-line = `{ $day }` { $event }
ledger-event = { $kind ->
    [start] Starting allowance: +{ $amount } credits
    [grant] A moderator granted { $amount } credits
    [revoke] A moderator took back { $amount } credits
    [refill] Refill: +{ $amount } credits
    [adjust] A moderator set the balance ({ $signed } credits)
    [hold] Generate held { $amount } credits for job { $job }
    [capture] Job { $job } delivered: the { $amount } held credits were spent
    [release] Job { $job } did not finish: { $amount } credits came back
   *[other] { $signed } credits
}

job-cancel-finishing = Job #{ $job } is already rendering at the video service, which can't stop it now and charges for it anyway, so it will finish and be posted here. Your { $price } credits stay held until then; a moderator can refund them.
