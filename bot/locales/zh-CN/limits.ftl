# Seedance 的限制，按成员读到的样子：直接给数字，不提出处。
# $kind 为 "image"、"video" 或 "audio"。

violation = { $rule }；这个文件是 { $measured }。{ $fix }
upload-refused = 未添加 { $file }：{ $reason }
upload-refused-many =
    未添加 { $file }：
    { $reasons }

measured-size = { $width }×{ $height } 像素
measured-mb = { $mb } MB
measured-s = { $s } 秒
measured-total = { $s } 秒，合计 { $total } 秒
measured-number = { $kind ->
    [image] 第 { $number } 张图片
    [video] 第 { $number } 个视频
   *[audio] 第 { $number } 个音频
}
measured-file-number = 第 { $number } 个文件
video-size = { $lines }p（{ $width }×{ $height }）

limit-format = { $kind ->
    [image] 图片须为 { $formats } 格式
    [video] 视频须为 { $formats } 格式
   *[audio] 音频须为 { $formats } 格式
}
limit-bytes = { $kind ->
    [image] 图片最大 { $mb } MB
    [video] 视频最大 { $mb } MB
   *[audio] 音频最大 { $mb } MB
}
limit-min-side = 图片每条边至少 { $px } 像素
limit-max-side = 图片每条边最多 { $px } 像素
limit-min-pixels = 视频清晰度至少为 { $size }
limit-max-pixels = 视频清晰度最高为 { $size }
limit-min-duration = { $kind ->
    [video] 视频片段至少 { $s } 秒
   *[audio] 音频片段至少 { $s } 秒
}
limit-max-duration = { $kind ->
    [video] 视频片段最长 { $s } 秒
   *[audio] 音频片段最长 { $s } 秒
}
limit-count = { $kind ->
    [image] 一次请求最多 { $count } 张图片
    [video] 一次请求最多 { $count } 个视频
   *[audio] 一次请求最多 { $count } 个音频
}
limit-files = 一次请求最多共 { $count } 个文件
limit-total-duration = { $kind ->
    [video] 所有视频参考合计最长 { $s } 秒
   *[audio] 所有音频参考合计最长 { $s } 秒
}

fix-convert = 请转换为 { $formats } 后重新上传。
fix-compress = 请压缩后重新上传。
fix-min-side = 请上传更大的版本（短边至少 { $px } 像素）。
fix-max-side = 请把长边缩小到 { $px } 像素以内。
fix-min-pixels = 请上传 { $size } 或更高清晰度的版本。
fix-max-pixels = 请缩小到 { $size } 后重新上传。
fix-longer = 请上传更长的片段。
fix-trim = 请剪到 { $s } 秒以内后重新上传。
fix-remove-one = { $kind ->
    [image] 请删掉一张图片，或新开一个会话。
    [video] 请删掉一个视频，或新开一个会话。
   *[audio] 请删掉一个音频，或新开一个会话。
}
fix-fewer-files = 只保留真正控制画面的素材：每个素材只负责一件事。
fix-trim-total = { $kind ->
    [video] 请剪到 { $s } 秒以内，或删掉另一个视频。
   *[audio] 请剪到 { $s } 秒以内，或删掉另一个音频。
}
