# Seedance's limits, as a member reads them: plain numbers, no sources.
# $kind is "image", "video" or "audio".

violation = { $rule }; this one is { $measured }. { $fix }
upload-refused = { $file } was not added: { $reason }
upload-refused-many =
    { $file } was not added:
    { $reasons }

measured-size = { $width }×{ $height } px
measured-mb = { $mb } MB
measured-s = { $s } s
measured-total = { $s } s, { $total } s in total
measured-number = { $kind ->
    [image] image number { $number }
    [video] video number { $number }
   *[audio] audio file number { $number }
}
measured-file-number = file number { $number }
video-size = { $lines }p ({ $width }×{ $height })

limit-format = { $kind ->
    [image] images must be { $formats }
    [video] videos must be { $formats }
   *[audio] audio files must be { $formats }
}
limit-bytes = { $kind ->
    [image] images can be at most { $mb } MB
    [video] videos can be at most { $mb } MB
   *[audio] audio files can be at most { $mb } MB
}
limit-min-side = each side of an image must be at least { $px } px
limit-max-side = each side of an image can be at most { $px } px
limit-min-pixels = videos must be at least { $size }
limit-max-pixels = videos can be at most { $size }
limit-min-duration = { $kind ->
    [video] video clips must be at least { $s } s long
   *[audio] audio clips must be at least { $s } s long
}
limit-max-duration = { $kind ->
    [video] video clips can be at most { $s } s long
   *[audio] audio clips can be at most { $s } s long
}
limit-count = { $kind ->
    [image] a request takes at most { $count } images
    [video] a request takes at most { $count } videos
   *[audio] a request takes at most { $count } audio files
}
limit-files = a request takes at most { $count } files in all
limit-total-duration = { $kind ->
    [video] all video references together can last at most { $s } s
   *[audio] all audio references together can last at most { $s } s
}

fix-convert = Convert it to { $formats } and upload it again.
fix-compress = Compress it and upload it again.
fix-min-side = Upload a larger version (at least { $px } px on the short side).
fix-max-side = Resize it to at most { $px } px on the long side.
fix-min-pixels = Upload a { $size } or larger version.
fix-max-pixels = Scale it down to { $size } and upload it again.
fix-longer = Upload a longer clip.
fix-trim = Trim it to { $s } s or less and upload it again.
fix-remove-one = { $kind ->
    [image] Remove an image or start a new session.
    [video] Remove a video or start a new session.
   *[audio] Remove an audio file or start a new session.
}
fix-fewer-files = Keep only the assets that control the shot: one job per asset.
fix-trim-total = { $kind ->
    [video] Trim it to { $s } s or less, or remove another video.
   *[audio] Trim it to { $s } s or less, or remove another audio file.
}
