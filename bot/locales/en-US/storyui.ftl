# The storyboard (/video storyboard): its card, the shot panel and modal, the price asked
# once with each shot's part, and the finished film with its shot list.

cmd-video-storyboard = Plan a film of up to 8 shots, 4 to 15 seconds each, joined into one video
storyboard-title = Storyboard #{ $storyboard }
storyboard-intro = Up to { $max } shots, { $shortest } to { $longest } seconds each. Files you post in the thread (a character, a style, a place) are used by every shot.
storyboard-shots-title = Shots ({ $count } of { $max }) · { $s } s in all
storyboard-empty = No shots yet: click **Add shot** to write the first one.
storyboard-shot-line = **{ $number }.** { $s } s · { $cut } · { $state } — { $prompt }
storyboard-refs-title = Used by every shot
storyboard-refs-none = No files yet: post images or clips in the thread, or use `/video add`.
storyboard-cuts-title = How shots join
storyboard-cuts-help = **continue**: the shot starts on the last frame of the shot before (so it is made after it). **cut**: a fresh start. **match**: the same files and look as the shot before, without carrying its frame over. Shots that don't continue are made at the same time.
storyboard-price-title = Price
storyboard-price = { $price } credits for { $count } shots ({ $s } s in all); you have { $available }.
storyboard-problem-title = Not ready yet
storyboard-blocked-title = You can't generate now
storyboard-film-title = The film
storyboard-film-line = Posted as job #{ $job }.

shot-state = { $state ->
    [draft] not started
    [waiting] waiting
    [queued] queued
    [running] being made
    [done] done
   *[failed] failed
}
cut-name = { $cut ->
    [continue] continue
    [match] match
    [first] first shot
   *[cut] cut
}

button-shot-add = Add shot
button-storyboard-start = Make the film
button-shot-edit = Edit
button-shot-retry = Retry this shot
shot-placeholder = Pick a shot to edit, move, remove, set its cut or retry
shot-option = Shot { $number } · { $s } s · { $state }
shot-panel = **Shot { $number }** ({ $s } s, { $state }): { $prompt }
shot-panel-first = It opens the film: no cut before it.
shot-panel-cut = It joins shot { $previous } by **{ $cut }**. Change it below.
shot-panel-failed = It failed: { $reason } Its credits came back; **Retry this shot** makes it again alone.
cut-placeholder = How this shot joins the one before
cut-continue-label = Continue from shot { $previous }
cut-continue-desc = Starts on its last frame; made after it
cut-cut-label = Cut
cut-cut-desc = A fresh start; made at the same time
cut-match-label = Match shot { $previous }
cut-match-desc = Same files and look, no frame carried over

shot-modal-title = Shot { $number }
shot-modal-new-title = New shot
shot-prompt-label = What happens in this shot
shot-prompt-more-label = What happens (continued)
shot-prompt-placeholder = The courier crosses the rooftop at dusk, the camera following
shot-duration-label = Length in seconds ({ $shortest } to { $longest })
shot-duration-not-number = The length must be a whole number of seconds, { $shortest } to { $longest }; "{ $value }" isn't.
shot-kept = Your text is kept: **Edit shot again** opens it.
button-shot-again = Edit shot again
shot-gone = That shot is no longer on the storyboard.

shot-added = Shot { $number } added ({ $s } s).
shot-saved = Shot { $number } saved.
shot-moved = Moved: it is shot { $number } now.
shot-not-moved = Shot { $number } is already at that end.
shot-removed = Shot { $number } removed; the shots after it moved up one.
shot-cut-set = Shot { $number } now joins the shot before by **{ $cut }**.
shot-retrying = Shot { $number } is being made again; the other shots are kept.

storyboard-price-question = Make the film: { $count } shots, { $s } s in all.
    { $lines }
    In all: **{ $price } credits**; you have { $available }. A shot that fails gives its credits back, and you can retry it alone.
storyboard-price-shot = Shot { $number } · { $s } s: **{ $price }** ({ $breakdown })
button-storyboard-confirm = Confirm { $price } credits
button-storyboard-cancel = Not now
storyboard-confirmed = Started: { $count } shots, { $price } credits held. The card shows each shot; the film is posted in the channel when they are all made.
storyboard-start-cancelled = Nothing was held.

storyboard-film-posted = { $member }, storyboard #{ $storyboard } is a film: { $count } shots, { $s } s.
storyboard-film-shots = Shots
storyboard-film-shot = **{ $number }.** { $s } s · { $cut } — { $prompt } (job #{ $job })

opt-storyboard-soundtrack = A song or sound for the whole film: each shot gets its part
storyboard-soundtrack = Soundtrack: { $file } ({ $s } s). Each shot gets its part; the film plays { $sound ->
    [shots] the shots' own sound instead
   *[soundtrack] it whole
}.
storyboard-soundtrack-none = No soundtrack: add one with `/video storyboard soundtrack:` and a sound file.
storyboard-soundtrack-set = { $file } ({ $s } s) is the soundtrack of storyboard #{ $storyboard } now.

button-film-sound-shots = Film sound: use the shots' own
button-film-sound-soundtrack = Film sound: use the soundtrack
button-restitch = Join the film again (free)
storyboard-restitching = Joining the film again: it's free, and it is posted in the channel when ready.
storyboard-welcome = { $member }, this thread is your storyboard's workspace: post the pictures and clips every shot should use here and I'll ask what each one is for. Write the shots with **Add shot** on the card; it shows the price of them all.
shot-refs-placeholder = Files only this shot uses (the rest are used by every shot)
shot-panel-refs = Only this shot uses { $tags }.
