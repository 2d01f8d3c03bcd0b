# What the video service (the provider) answered, as the member reads it.
# $detail is the provider's own words, shown as it wrote them.

provider-face = The video service detected a realistic human face in one of the references and refused it (real people can't be used). Use a drawn or stylised character instead of a photo of a real person.
provider-policy = The video service's content filter blocked this request (prompt, reference or result). Rephrase the prompt or swap the flagged reference.
provider-key = The video service refused the bot's credentials: the bot's key is invalid — tell a moderator.
provider-rate-limit = The video service is rate-limiting the bot right now. Try again in a minute.
provider-timeout = The video service took too long to generate the video and gave up. Nothing was charged; try again.
provider-cancelled = The task was cancelled at the video service.
provider-no-task-id = The video service accepted the request but returned no task id.
provider-no-video = The video service has no finished video for this task.
provider-no-video-returned = The video service finished but returned no video.
provider-image-to-video = Image-to-video takes one or two images (first frame, then last frame) and nothing else.
provider-unreachable = The video service can't be reached.
provider-broken-connection = The connection to the video service broke.
provider-trouble = { $status ->
    [none] The video service is having trouble right now. Try again in a few minutes.
   *[other] The video service is having trouble right now (HTTP { $status }). Try again in a few minutes.
}
provider-rejected = The video service rejected the request: { $detail }
provider-not-generated = The video service could not generate the video: { $detail }
provider-unexpected-status = { $code ->
    [none] The video service answered HTTP { $status }.
   *[other] The video service answered HTTP { $status } ({ $code }).
}
provider-unpublished = { $tag } couldn't be made available to the video service.
provider-gave-up = { $reason } (gave up after { $attempts } attempts)
provider-download-status = The finished video couldn't be downloaded from the video service (HTTP { $status }).
provider-download-large = The video service's video is unexpectedly large.
provider-download-failed = The finished video couldn't be downloaded from the video service.
provider-download-not-mp4 = The video service returned a file that isn't an MP4 video.
provider-task-gone = The video service no longer knows this task (it may have expired or been deleted).
provider-expired = The video service didn't get to this task before it expired (its queue was too long). Try again later.
provider-busy = The video service is out of capacity right now. Nothing was charged; try again in a few minutes.
provider-model-missing = The video model `{ $model }` isn't available on the bot's account (not found or not activated) — tell a moderator.
provider-endpoint-missing = The video endpoint `{ $endpoint }` isn't available on the bot's account — tell a moderator.
provider-image-processing = The video service couldn't process one of the images ({ $detail }). Re-upload it as a PNG or JPEG between 300 and 6000 px per side.
provider-image-dimensions = The images' sizes don't fit together ({ $detail }). Give the first and last frame the same aspect ratio as the video.
provider-quota-ark = The video service account behind this bot is out of quota, has an overdue bill or lacks access to the model — the server owner needs to check the ModelArk account.
provider-quota-fal = The video service account behind this bot is locked or out of balance — the server owner needs to check the fal account.
provider-quota-evolink = The video service account behind this bot is out of credits or quota — the server owner needs to top up the EvoLink account.
provider-webhook-keys = The video service's signing keys can't be fetched right now.
provider-not-configured = The video service this job was sent to is no longer set up on this bot.
provider-failed = The video service reported a failure.

# The local preview renderer (used when no video service is set up).
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
