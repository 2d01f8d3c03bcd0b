# Roles: what each asset does. role-<key> is its name, role-<key>-hint the select-menu line
# (at most 100 characters).
role-first_frame = first frame
role-first_frame-hint = Opens the video on this image
role-last_frame = last frame
role-last_frame-hint = Closes the video on this image
role-character = character
role-character-hint = Keeps this character's appearance throughout
role-style = style
role-style-hint = Applies its colours, mood and look
role-scene = scene
role-scene-hint = Uses it as the background or environment
role-object = object
role-object-hint = Shows this object or product in the video
role-composition = composition
role-composition-hint = Follows its layout and framing
role-camera_movement = camera movement
role-camera_movement-hint = Copies its camera path (pan, tilt, dolly)
role-choreography = choreography
role-choreography-hint = Matches its body or object motion
role-effects = effects
role-effects-hint = Transfers its visual effects and transitions
role-rhythm = rhythm
role-rhythm-hint = Syncs cut timing and pacing to it
role-full_replication = full replication
role-full_replication-hint = Reproduces its motion, camera, pacing
role-audio_extraction = audio extraction
role-audio_extraction-hint = Uses the sound of this clip
role-clip_to_extend = clip to extend
role-clip_to_extend-hint = Continues this clip (video extension)
role-clip_to_edit = clip to edit
role-clip_to_edit-hint = Edits this clip (replace, add or remove)
role-background_music = background music
role-background_music-hint = Drives motion energy and cuts
role-sound_effects = sound effects
role-sound_effects-hint = Aligns visual events with its cues
role-beat_sync = beat sync
role-beat_sync-hint = Matches motion peaks to its beats

# Entry modes and why the compiler chose one.
mode-text_to_video = text-to-video
mode-image_to_video = image-to-video
mode-reference_to_video = reference-to-video
mode-why-text = no reference assets, so the prompt alone drives the video
mode-why-image = { $frames ->
    [first] a first frame and nothing else: image-to-video animates from it
   *[first-last] a first and a last frame and nothing else: image-to-video animates between them
}
mode-why-reference = several references with different jobs: reference-to-video combines them

# Why a session can't be generated yet. $kind is "image", "video" or "audio".
request-problems = { $problems }
problem-unknown-tags = { $have ->
    [none] The prompt mentions { $tags }, but this session has no assets yet. Fix the tag or upload that asset.
   *[other] The prompt mentions { $tags }, which this session doesn't have (it has { $have }). Fix the tag or upload that asset.
}
problem-empty = Write a prompt or add a reference before generating.
problem-count = { $kind ->
    [image] At most { $count } images per request.
    [video] At most { $count } videos per request.
   *[audio] At most { $count } audio files per request.
}
problem-total-duration = { $kind ->
    [video] The video references last { $total } s together; the limit is { $s } s. Remove one.
   *[audio] The audio references last { $total } s together; the limit is { $s } s. Remove one.
}
problem-asset = { $tag } ({ $file }): { $reason }
problem-files = At most { $count } files per request.
problem-audio-alone = Audio alone can't anchor a video: add at least one image or video.
problem-two-frames = { $role ->
    [first_frame] { $tags } are both the first frame; a video has only one. Give one of them another role.
   *[last_frame] { $tags } are both the last frame; a video has only one. Give one of them another role.
}
problem-duration = Duration must be { $low }–{ $high } s.
problem-resolution = Resolution must be one of { $allowed }.
problem-ratio = Ratio must be one of { $allowed }.
problem-prompt-length = The prompt is too long ({ $words } words, { $cjk } Chinese characters); the limit is { $max_words } words or { $max_cjk } Chinese characters. Shorten it: let the assets show what they show.

# Warnings before paying: what is likely to make the result worse, and the fix.
lint-duplicate-role = { $tags } are all the { $role }; a clip has only one, so they compete (give each asset one clear job).
lint-duplicate-role-fix = Keep one { $role } and give the others another role, or remove them.
lint-too-many-assets = { $count } references: when every file tries to control everything the result gets muddy.
lint-too-many-assets-fix = Stay selective: keep the assets that control identity, motion and sound, at most about { $most }.
lint-conflicting = { $what ->
    [camera] { $full } is copied in full (motion, camera and pacing) while { $others } also sets the camera: the references fight over who owns the shot.
   *[motion] { $full } is copied in full (motion, camera and pacing) while { $others } also sets the motion: the references fight over who owns the shot.
}
lint-conflicting-fix = Decide which clip owns the shot: remove { $others }, or give { $full } a narrower role (choreography, rhythm, effects).
lint-image-to-video-mentions = This runs as image-to-video (only the first and last frame are sent), but the prompt also talks about { $mentions }; the model never sees it.
lint-image-to-video-mentions-fix = Upload that asset and give it a role (the request then uses reference-to-video), or describe only what should happen from the frame.
lint-audio-alone = Audio alone can't anchor a video: the request will be refused.
lint-audio-alone-fix = Add at least one image or video as a visual anchor.
lint-redescribes = The prompt is { $words } words long over { $images } images: it probably re-describes what the images already show, which adds noise.
lint-redescribes-fix = Let the assets show what they show: say what stays fixed, what moves and what changes over time.
lint-echoes-names = The prompt repeats what the files are ({ $names }, from their names); the references already show that.
lint-echoes-names-fix = Let the assets show what they show: refer to them by tag and spend the words on motion, camera and timing.
lint-prompt-over = The prompt is over the limit ({ $words } words, { $cjk } Chinese characters; the limit is { $max_words } words or { $max_cjk } Chinese characters): the request will be refused.
lint-prompt-near = The prompt is close to the limit ({ $words } words, { $cjk } Chinese characters; the limit is { $max_words } words or { $max_cjk } Chinese characters).
lint-shorten = Shorten it: let the assets show what they show.
lint-dialogue-silent = The prompt has a line in double quotes, which Seedance speaks aloud, but sound is off, so nobody will hear it.
lint-dialogue-silent-fix = Turn sound on, or take the quotes away if it is not dialogue.
lint-curly-quotes = The prompt uses curly quotes (“…”); Seedance recognises dialogue inside straight double quotes.
lint-curly-quotes-fix = Write spoken lines in straight quotes: says: "like this".
lint-last-without-first = { $tag } is the last frame but there is no first frame: going from a first to a last frame needs both, so it is used as a loose reference instead.
lint-last-without-first-fix = Add the opening image as the first frame, or give { $tag } another role (scene, composition).
lint-tags-converted = This provider reads assets by number, as in "{ $spoken }", so { $written } and the other tags are converted for you.
lint-tags-converted-fix = Nothing to do; View request shows the prompt exactly as the provider receives it.
problem-model = { $model } isn't offered by this server's video service; it offers { $offered }. Pick one of those.
