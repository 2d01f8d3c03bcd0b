# Storyboards (issue 17): the shot list, its cuts and soundtrack, its price and its film.

storyboard-gone = That storyboard no longer exists.
storyboard-not-yours = This storyboard belongs to { $owner }.
storyboard-shot-gone = That shot is no longer on the storyboard.
storyboard-full = A storyboard holds at most { $most } shots. Remove one to add another.
storyboard-locked = This storyboard has started, so its shots can't be changed now. You can retry a shot that failed.
storyboard-prompt-empty = Say what happens in the shot.
storyboard-prompt-too-long = A shot's description can be at most { $most } characters; this one has { $length }. Shorten it.
storyboard-shot-length = A shot lasts { $low }–{ $high } seconds; you asked for { $asked }.
storyboard-first-shot-cut = The first shot has nothing before it to continue or match.
storyboard-continue-own-frame = Shot { $shot } has its own first frame ({ $tag }), so it can't start on the last frame of the shot before it. Make it a cut, or move { $tag } to another shot.
storyboard-asset-elsewhere = That file is not one of this storyboard's references.
storyboard-soundtrack-unreadable = { $file } is not a sound file I can read. Upload an MP3 or WAV.
storyboard-unknown-choice = That choice isn't one of the options.
storyboard-needs-a-shot = Add a shot first.
storyboard-shot-problem = Shot { $shot }: { $problem }
storyboard-price-changed = The price is now { $price } credits, not the { $was } you saw. Nothing was held; check the new price and confirm again.
storyboard-not-failed = Shot { $shot } has not failed, so there is nothing to retry.
storyboard-not-made = Only { $made } of { $shots } shots are made; the film can be joined once they all are.
storyboard-shot-stopped = Stopped with its storyboard; its credits came back.
