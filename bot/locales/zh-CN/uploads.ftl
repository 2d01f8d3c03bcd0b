# 上传的文件：下载、无法读取的文件、拒绝原因和一键修复。

download-failed-status = 无法下载 { $file }（Discord 返回 { $status }）；请重新上传。
download-failed = 无法下载 { $file }；请重试。
download-too-large = 未添加 { $file }：文件最大 { $mb } MB，这个文件超过了。请压缩或剪短后重新上传。
upload-too-large = 未添加 { $file }：文件最大 { $mb } MB，这个文件有 { $size } MB。请压缩或剪短后重新上传。
upload-unreadable = 未添加 { $file }：{ $reason }。请上传 JPEG、PNG 或 WebP 图片，MP4 或 MOV 视频，或 MP3、WAV 音频。
upload-duplicate = { $file } 已经在这个会话里了，标签是 { $tag }。
upload-fixable =
    { $refusal }
    可以一键修复（原文件会保留）：
upload-face-blocked = 未添加 { $file }：它看起来包含真实人脸，Seedance 会拒绝这类素材，本服务器已禁止上传。请改用手绘或风格化的角色。

# 文件无法读取的原因。
unreadable-empty = 文件是空的（0 字节）
unreadable-other-type = 它看起来是 { $type } 文件，不是图片、视频或音频
unreadable-huge-image = 图片声称有 { $width }×{ $height } 像素，太大，无法安全打开
unreadable-image-too-large = 图片太大，无法安全打开
unreadable-image-damaged = 图片无法解码（文件已损坏，或是无法读取的格式变体）
unreadable-no-decoder = 它不是可以读取的视频或音频格式
unreadable-header = 文件头声称的数据量超出安全读取范围
unreadable-streams = 它有超过 { $most } 条轨道；参考素材只需要一条画面轨和最多一条声音轨，请只导出这些
unreadable-no-tracks = 它既没有画面也没有声音
unreadable-huge-frames = 画面声称有 { $width }×{ $height } 像素，太大，无法安全打开
unreadable-duration = 无法读取时长（文件可能不完整）

# 一键修复按钮（最多 80 个字符）。$change 说明修复还会做什么。
fix-change-none = { "" }
fix-change-mp4 = ，转为 MP4（H.264）
fix-change-as = ，转为 { $format }
fix-change-scale = { $mp4 ->
    [yes] { $way ->
        [up] ，转为 MP4 { $width }×{ $height }（放大）
       *[down] ，转为 MP4 { $width }×{ $height }（缩小）
    }
   *[no] { $way ->
        [up] ，放大到 { $width }×{ $height }
       *[down] ，缩小到 { $width }×{ $height }
    }
}
fix-trim-first = 剪成前 { $s } 秒{ $change }
fix-keep-span = 保留 { $start }–{ $end } 秒{ $change }
fix-fit-mp4 = 转为 MP4（H.264）
fix-fit-smaller = 重新编码为更小的 H.264 MP4
fix-fit-scale = { $mp4 ->
    [yes] { $way ->
        [up] 转为 MP4 { $width }×{ $height }（放大）
       *[down] 转为 MP4 { $width }×{ $height }（缩小）
    }
   *[no] { $way ->
        [up] 放大到 { $width }×{ $height }
       *[down] 缩小到 { $width }×{ $height }
    }
}
fix-convert-audio = 把 { $source } 转为 { $format }
fix-compress-mp3 = 压缩为 MP3
fix-first-frame = { $enlarged ->
    [yes] 使用第一帧（{ $format }，放大到 { $width }×{ $height }）
   *[no] 使用第一帧（{ $format }）
}
fix-resize-image = { $way ->
    [up] 放大到 { $width }×{ $height } 像素{ $format ->
        [none] { "" }
       *[other] ，转为 { $format }
    }
   *[down] 缩小到 { $width }×{ $height } 像素{ $format ->
        [none] { "" }
       *[other] ，转为 { $format }
    }
}
fix-convert-image = 把 { $source } 转为 { $format }
fix-recompress = 重新压缩为 { $format }

# 点击修复后的提示。
fix-not-yours = 这个上传不是你的，不能修复。
fix-gone = 这个修复已不再提供；请重新上传文件。
fix-done-already = 这个上传已经修复过了。
fix-failed = 修复失败：{ $reason }
fix-progress = 正在修复… { $percent }%
fix-done = 已修复 ✓ — 保存为 **{ $tag }**（{ $file }）。

# 修复失败的原因。
fix-unknown = 这个修复已不存在；请重新上传文件。
fix-audio-format = 音频只能转为 MP3 或 WAV，不能转为 { $format }。
fix-start-too-late = { $kind ->
    [video] 这个视频只有 { $s } 秒；请选一个更早的起点。
   *[audio] 这段音频只有 { $s } 秒；请选一个更早的起点。
}
fix-unopenable = 无法打开文件。
fix-unscalable = { $width }×{ $height } 的画面无法缩放到 Seedance 接受的尺寸。
fix-too-thin = { $width }×{ $height } 的画面太细长，无法让每条边都在 { $low }–{ $high } 像素之间；请裁剪后重新上传。
fix-empty-trim = 剪辑后必须保留一部分片段。
fix-no-sound = { $what ->
    [video] 这个视频没有可用的声音轨。
   *[file] 这个文件没有可用的声音轨。
}
fix-no-sound-there = 那一段没有声音。
fix-unconvertible = 无法转换这个文件。
fix-undecodable = 无法解码这个视频。
fix-no-size = 无法读取视频的画面尺寸。
fix-no-picture = 这个视频没有画面。
fix-no-picture-there = 片段的那个时刻没有画面。
fix-moment-outside = 请选 0 到 { $s } 秒之间的时刻。
unreadable-data = 无法解码它的数据
unreadable-no-frames = 它没有可以解码的画面（文件可能不完整）
unreadable-long-animation = 这是一个超过 { $most } 帧的动图；请改为上传单帧的 JPEG 或 PNG
unreadable-appended = 图片末尾藏有 { $bytes } 字节的其他数据（附加了另一个文件）；请用图片编辑器打开并重新保存或导出，再上传那份副本
