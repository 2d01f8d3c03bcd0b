## 分镜成片：拼接各镜头、按镜头切分配乐、取镜头的最后一帧（bot/media/film.py）。

film-no-shots = 分镜里还没有镜头。请先添加一个镜头，再试一次。
film-shot-length = 镜头 { $shot } 时长 { $s } 秒，但每个镜头须为 { $min }–{ $max } 秒。请修改时长后再试。
film-shot-unreadable = 无法读取镜头 { $shot } 的视频。请重新生成该镜头，再重新制作成片。
film-last-frame-unreadable = 无法读取上一个镜头的最后一帧，因此这个镜头无法从它接续。请重新生成上一个镜头，或把这一处改为独立切换。
film-soundtrack-unreadable = 无法读取配乐。请以 MP3 或 WAV 文件重新上传。
film-soundtrack-silent = 配乐里没有声音。请选择含有音乐或声音的文件。
film-soundtrack-short = 配乐只有 { $s } 秒；至少需要 { $min } 秒才能给第一个镜头分到一段。请选择更长的配乐。
provider-download-not-png = 视频服务返回的最后一帧不是 PNG 图片。
