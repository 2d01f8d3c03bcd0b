# Steering a session before Generate: roles that are only suggested, Manage assets, Settings,
# closing with a question and reopening, a refused prompt kept for another try.

card-asset-suggested = `{ $tag }` **{ $role }** (suggested) — { $file } ({ $facts })
role-suggested-mark = { $role } (suggested)
card-suggested-title = Roles to confirm
card-suggested = I suggested the roles of { $tags } from what they show. Change them under **Manage assets**, or keep them when you click **Generate**; the price follows the roles you keep.
card-framing-title = Framing
card-framing = `{ $tag }` ({ $size }) is not { $output }: it will be cropped to fill the frame, { $percent }% cut from its { $edge ->
    [sides] sides
   *[ends] top and bottom
}.
spend-keeps-suggested = { $offer }
    Confirming also keeps the roles I suggested:
    { $roles }
    To change one first, use **Manage assets** on the card.
suggested-role-line = `{ $tag }` **{ $role }**
generate-confirm-roles = These roles are still only my suggestions:
    { $roles }
    Keep them (confirming Generate's price keeps them) or change them under **Manage assets**; nothing is held until then.

close-confirm = Close session #{ $session } and let its { $count ->
    [one] file
   *[other] { $count } files
} go? You can reopen it from its card for { $minutes } minutes.
button-close-confirm = Close it
button-reopen = Reopen
session-reopened = Session #{ $session } is open again.
reopen-too-late = This session closed more than { $minutes } minutes ago and can't be reopened. Start another with `/video new`.
reopen-another-open = You already have another session open in this channel. Close it first, then reopen this one.

button-prompt-again = Edit prompt again
prompt-saved-waiting = { $tags } names no file yet; a file is still being added or fixed, so the prompt is saved and the tag will work once that file is in.
prompt-tag-dropped = The prompt named { $tag }, so I took that tag out of it: check it still reads the way you want.

manage-placeholder = Manage assets: change a role, reorder, replace or remove
manage-option = { $tag } · { $role }
manage-option-suggested = { $tag } · { $role } (suggested)
manage-panel = **{ $tag }** — { $file }: **{ $role }**. Change its role, move it, replace it or remove it.
button-move-up = Move up
button-move-down = Move down
button-replace = Replace
button-remove-asset = Remove
asset-removed = **{ $tag }** removed from the session; any files after it moved up one number, and the prompt's tags with them.
asset-removed-from-prompt = **{ $tag }** removed from the session; any files after it moved up one number, and the prompt's tags with them. The prompt named { $tag }, so I took that tag out of it: check it still reads the way you want.
asset-moved = Moved: it is **{ $new }** now (was { $old }); the prompt's tags follow.
asset-not-moved = **{ $tag }** is already at that end.
replace-waiting = Send the file that replaces **{ $tag }** ({ $file }) where the session talks, or with `/video add`: it takes its number and role.
asset-replaced = It replaces { $file } as **{ $tag }**, with its role.

button-settings = Settings
settings-panel = Settings of session #{ $session }: pick what to change. The card and the price follow.
settings-duration = Length: { $s } s
settings-ratio = Shape: { $ratio }
settings-ratio-adaptive = adaptive (the model picks)
settings-resolution = Resolution: { $resolution }
settings-model = Model
settings-audio = Sound
setting-not-offered = { $value } is not offered here any more. Open **Settings** again for the current choices.
setting-moved = { $model } doesn't make { $old }, so it is { $new } now.
