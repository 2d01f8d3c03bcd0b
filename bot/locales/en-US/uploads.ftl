# Files coming in: downloads, unreadable files, refusals and one-click fixes.

download-failed-status = { $file } could not be downloaded (Discord answered { $status }); try uploading it again.
download-failed = { $file } could not be downloaded; try again.
download-too-large = { $file } was not added: files can be at most { $mb } MB; it is larger. Compress or shorten it and upload it again.
upload-too-large = { $file } was not added: files can be at most { $mb } MB; it is { $size } MB. Compress or shorten it and upload it again.
upload-unreadable = { $file } was not added: { $reason }. Upload a JPEG, PNG or WebP image, an MP4 or MOV video, or an MP3 or WAV audio file.
upload-duplicate = { $file } is already in this session as { $tag }.
upload-fixable =
    { $refusal }
    One click can fix it (the original is kept):
upload-face-blocked = { $file } was not added: it seems to show a realistic human face, and Seedance refuses those; this server blocks them. Use a drawn or stylised character instead.

# Why a file can't be read.
unreadable-empty = the file is empty (0 bytes)
unreadable-other-type = it looks like a { $type } file, not an image, video or audio file
unreadable-huge-image = the image claims { $width }×{ $height } pixels, too large to open safely
unreadable-image-too-large = the image is too large to open safely
unreadable-image-damaged = the image could not be decoded (it is damaged, or a variant of its format that can't be read)
unreadable-no-decoder = no decoder could read it (not a video or audio format)
unreadable-header = its header claims more data than can be read safely
unreadable-streams = it has more than { $most } streams (tracks); a reference needs one picture track and at most one sound track, so export it with just those
unreadable-no-tracks = it has neither a picture nor a sound track
unreadable-huge-frames = its frames claim { $width }×{ $height } pixels, too large to open safely
unreadable-duration = its duration could not be read (the file may be truncated)

# One-click fix buttons (at most 80 characters). $change is what else the fix does.
fix-change-none = { "" }
fix-change-mp4 = , as MP4 (H.264)
fix-change-as = { " " }as { $format }
fix-change-scale = { $mp4 ->
    [yes] { $way ->
        [up] , as MP4 { $width }×{ $height } (scaled up)
       *[down] , as MP4 { $width }×{ $height } (scaled down)
    }
   *[no] { $way ->
        [up] , scaled up to { $width }×{ $height }
       *[down] , scaled down to { $width }×{ $height }
    }
}
fix-trim-first = Trim to the first { $s } s{ $change }
fix-keep-span = Keep { $start }–{ $end } s{ $change }
fix-fit-mp4 = Convert to MP4 (H.264)
fix-fit-smaller = Re-encode as a smaller H.264 MP4
fix-fit-scale = { $mp4 ->
    [yes] { $way ->
        [up] Convert to MP4 { $width }×{ $height } (scaled up)
       *[down] Convert to MP4 { $width }×{ $height } (scaled down)
    }
   *[no] { $way ->
        [up] Scale up to { $width }×{ $height }
       *[down] Scale down to { $width }×{ $height }
    }
}
fix-convert-audio = Convert { $source } to { $format }
fix-compress-mp3 = Compress to MP3
fix-first-frame = { $enlarged ->
    [yes] Use the first frame ({ $format }, enlarged to { $width }×{ $height })
   *[no] Use the first frame ({ $format })
}
fix-resize-image = { $way ->
    [up] Enlarge to { $width }×{ $height } px{ $format ->
        [none] { "" }
       *[other] { " " }as { $format }
    }
   *[down] Shrink to { $width }×{ $height } px{ $format ->
        [none] { "" }
       *[other] { " " }as { $format }
    }
}
fix-convert-image = Convert { $source } to { $format }
fix-recompress = Re-compress as { $format }

# What clicking a fix says.
fix-not-yours = That upload is not yours to fix.
fix-gone = That fix is no longer offered; upload the file again.
fix-done-already = That upload was already fixed.
fix-failed = The fix did not work: { $reason }
fix-progress = Fixing… { $percent }%
fix-done = Fixed ✓ — kept as **{ $tag }** ({ $file }).

# Why a fix did not work.
fix-unknown = that fix is not known any more; upload the file again.
fix-audio-format = audio can be converted to MP3 or WAV, not { $format }.
fix-start-too-late = { $kind ->
    [video] the video is only { $s } s long; pick an earlier start.
   *[audio] the audio is only { $s } s long; pick an earlier start.
}
fix-unopenable = the file could not be opened.
fix-unscalable = a { $width }×{ $height } picture can't be scaled to a size Seedance accepts.
fix-too-thin = a { $width }×{ $height } picture is too long and thin to fit { $low }–{ $high } px per side; crop it and upload it again.
fix-empty-trim = the trim must keep some of the clip.
fix-no-sound = { $what ->
    [video] this video has no sound track to use.
   *[file] this file has no sound track to use.
}
fix-no-sound-there = no sound was found in that stretch.
fix-unconvertible = the file could not be converted.
fix-undecodable = the video could not be decoded.
fix-no-size = the video's picture size could not be read.
fix-no-picture = the video has no picture.
fix-no-picture-there = no picture was found at that moment of the clip.
fix-moment-outside = pick a moment between 0 and { $s } s.
unreadable-data = its data could not be decoded
unreadable-no-frames = it contains no decodable frames (the file may be truncated)
unreadable-long-animation = it is an animation with more than { $most } frames; upload a single frame as a JPEG or PNG instead
unreadable-appended = it has { $bytes } bytes of other data hidden after the end of the image (another file appended to it); open it in an image editor and save or export it again, then upload that copy
