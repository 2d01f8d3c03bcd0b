# What the video provider answered, as the member reads it.
# $detail is the provider's own words, shown as it wrote them.

provider-face = The provider detected a realistic human face in one of the references and refused it (real people can't be used). Use a drawn or stylised character instead of a photo of a real person.
provider-policy = The provider's content filter blocked this request (prompt, reference or result). Rephrase the prompt or swap the flagged reference.
provider-key = The provider refused the bot's credentials: the bot's provider key is invalid — tell a moderator.
provider-rate-limit = The provider is rate-limiting the bot right now. Try again in a minute.
provider-timeout = The provider took too long to generate the video and gave up. Nothing was charged; try again.
provider-cancelled = The task was cancelled at the provider.
provider-no-task-id = The provider accepted the request but returned no task id.
provider-no-video = The provider has no finished video for this task.
provider-no-video-returned = The provider finished but returned no video.
provider-image-to-video = Image-to-video takes one or two images (first frame, then last frame) and nothing else.
provider-unreachable = The video provider can't be reached.
provider-broken-connection = The connection to the video provider broke.
provider-trouble = { $status ->
    [none] The video provider is having trouble right now. Try again in a few minutes.
   *[other] The video provider is having trouble right now (HTTP { $status }). Try again in a few minutes.
}
provider-rejected = The provider rejected the request: { $detail }
provider-not-generated = The provider could not generate the video: { $detail }
provider-unexpected-status = { $code ->
    [none] The provider answered HTTP { $status }.
   *[other] The provider answered HTTP { $status } ({ $code }).
}
provider-unpublished = { $tag } couldn't be made available to the provider.
provider-gave-up = { $reason } (gave up after { $attempts } attempts)
provider-download-status = The finished video couldn't be downloaded from the provider (HTTP { $status }).
provider-download-large = The provider's video is unexpectedly large.
provider-download-failed = The finished video couldn't be downloaded from the provider.
provider-download-not-mp4 = The provider returned a file that isn't an MP4 video.
provider-task-gone = The provider no longer knows this task (it may have expired or been deleted).
provider-expired = The provider didn't get to this task before it expired (its queue was too long). Try again later.
provider-busy = The video provider is out of capacity right now. Nothing was charged; try again in a few minutes.
provider-model-missing = The video model `{ $model }` isn't available on the provider account (not found or not activated) — tell a moderator.
provider-endpoint-missing = The video endpoint `{ $endpoint }` isn't available on fal — tell a moderator.
provider-image-processing = The provider couldn't process one of the images ({ $detail }). Re-upload it as a PNG or JPEG between 300 and 6000 px per side.
provider-image-dimensions = The images' dimensions don't fit together ({ $detail }). Give the first and last frame the same aspect ratio as the video.
provider-quota-ark = The provider account behind this bot is out of quota, has an overdue bill or lacks access to the model — the server owner needs to check the ModelArk account.
provider-quota-fal = The provider account behind this bot is locked or out of balance — the server owner needs to check the fal account.
provider-quota-evolink = The provider account behind this bot is out of credits or quota — the server owner needs to top up the EvoLink account.
provider-webhook-keys = The provider's signing keys can't be fetched right now.
provider-not-configured = The provider this job was sent to is no longer set up on this bot.
provider-failed = The provider reported a failure.

# The local preview renderer (used when no video provider is set up).
preview-failed = The preview could not be rendered: { $reason }
preview-crashed = The preview renderer crashed.
preview-file-missing = The preview file is missing.
preview-missing = { $tag } is missing, so the preview can't use it.
preview-no-picture = { $tag } has no picture.
preview-no-sound = { $tag } has no sound track.
preview-unreadable = { $tag } couldn't be read: the file looks damaged or is in a format that can't be read.

# A finished video the bot could not fetch before the service deleted it (results live 24 h).
provider-result-expired = The video was finished, but it couldn't be fetched before the video service deleted it (it keeps results for 24 hours). Your credits were refunded; press Generate to make it again.
provider-no-content = The video service couldn't make a video from this request. Nothing was charged; try a different prompt.
provider-quota-replicate = The video service account behind this bot is out of credit or lacks access to the model — the server owner needs to check the Replicate account.
