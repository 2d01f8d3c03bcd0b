# The session card, its questions, View request and the delivered result.

seconds = { $s } s
card-title = 🎬 Video session #{ $session }
card-no-prompt = *No prompt yet — press **Prompt** to write one.*
card-assets = Assets ({ $count })
card-no-assets = *None yet — drop images, clips or audio in this channel, or use `/video add`.*
card-asset = `{ $tag }` **{ $role }** — { $file } ({ $facts })
card-settings = Settings
card-sound-on = sound on
card-sound-off = sound off
card-mode = Mode
card-price-title = Price
card-price = **{ $price }** credits
credits-amount = { $price } credits
card-price-balance = **{ $price }** credits · you have { $available }
card-before = Before you generate
card-check = Check before you pay
card-warning = ⚠️ { $message } { $fix }
card-job-title = Job
card-job = #{ $job } { $state ->
    [queued] queued
    [submitted] submitted
    [running] running
    [succeeded] succeeded
    [failed] failed
    [cancelled] cancelled
   *[expired] expired
}
card-job-delivered = delivered below
card-job-queue = position { $position } in the queue
card-job-progress = { $percent }%
card-job-provider-queue = position { $position } at the provider
card-job-eta = about { $s } s left
card-job-elapsed = { $s } s elapsed
card-footer = { $state ->
    [open] Drop files here or use /video add · one role per asset
    [generating] Rendering… your video will be posted here
    [closed] Session closed
   *[expired] Session expired after idling
}

role-question = Added **{ $tag }** — { $file }. What should it do? I suggest **{ $role }**; pick another role below if needed.
role-question-noted = Added **{ $tag }** — { $file }. { $notes } What should it do? I suggest **{ $role }**; pick another role below if needed.
role-answer = **{ $tag }** — { $file }: **{ $role }** ✓ You can change it below until you generate.
role-placeholder = What is { $tag } for?
face-question = ⚠️ **{ $tag }** seems to show a realistic human face. Seedance refuses those and the request would fail. If it is a drawing, a render or otherwise stylised, keep it; otherwise remove it. Generate waits for your answer.
face-kept = **{ $tag }** kept as a drawn or stylised image.

request-title = The request — { $mode }
request-why = **Why this mode:** { $reason }.
request-group = { $kind ->
    [image] Images, in order
    [video] Videos, in order
   *[audio] Audio, in order
}
request-asset = { $position }. `{ $tag }` { $file } — { $role }
request-output = Output
request-notes = Notes
request-note = • { $message } { $fix }
request-curious = For the curious: the prompt exactly as the provider receives it

template-complete = **{ $template }**: every asset is in. Check the card and press Generate.
template-slot = { $kind ->
    [image] • image: { $slot } (role: { $role })
    [video] • video: { $slot } (role: { $role })
   *[audio] • audio: { $slot } (role: { $role })
}
template-checklist =
    {"**"}{ $template }** — { $hint }
    Drop these in this channel (or use `/video add`); each gets its role from the template:
    { $slots }

result-title = 🎬 Job #{ $job } — { $mode }
result-roles = Roles
result-text-only = text only
result-video = Video
result-credits = Credits spent
result-seed = Seed number
result-preview-title = Preview
result-preview = A local preview drawn by the bot, not a Seedance video: no video service is set up on this server yet.
result-full-quality = Full quality
price-breakdown = { $video_s ->
    [none] { $seconds } s of { $resolution }
   *[other] { $seconds } s of { $resolution } + { $video_s } s of reference video
} × { $rate } credits/s{ $factor ->
    [none] {""}
   *[other] {" "}× { $factor } with video references
}
