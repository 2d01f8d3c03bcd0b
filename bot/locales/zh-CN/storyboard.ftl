# 分镜（issue 17）：镜头列表、镜头之间的衔接和配乐、价格以及成片。

storyboard-gone = 这个分镜已经不存在了。
storyboard-not-yours = 这个分镜属于 { $owner }。
storyboard-shot-gone = 这个镜头已经不在分镜里了。
storyboard-full = 一个分镜最多 { $most } 个镜头。删掉一个才能再加。
storyboard-locked = 这个分镜已经开始制作，镜头现在不能再改。失败的镜头可以重试。
storyboard-prompt-empty = 请写出这个镜头里发生什么。
storyboard-prompt-too-long = 镜头描述最多 { $most } 个字符，这一条有 { $length } 个。请缩短。
storyboard-shot-length = 一个镜头长 { $low }–{ $high } 秒；你要的是 { $asked } 秒。
storyboard-first-shot-cut = 第一个镜头前面没有镜头，无法接续或匹配。
storyboard-continue-own-frame = 镜头 { $shot } 有自己的首帧（{ $tag }），不能从上一个镜头的最后一帧开始。请改成切换，或把 { $tag } 移到别的镜头。
storyboard-asset-elsewhere = 这个文件不是本分镜的参考素材。
storyboard-soundtrack-unreadable = { $file } 不是我能读取的音频文件。请上传 MP3 或 WAV。
storyboard-unknown-choice = 这不是可选的选项之一。
storyboard-needs-a-shot = 请先添加一个镜头。
storyboard-shot-problem = 镜头 { $shot }：{ $problem }
storyboard-price-changed = 现在的价格是 { $price } 积分，不是你看到的 { $was }。没有冻结任何积分；请查看新价格后再确认。
storyboard-not-failed = 镜头 { $shot } 没有失败，无需重试。
storyboard-not-made = { $shots } 个镜头中只完成了 { $made } 个；全部完成后才能合成成片。
storyboard-shot-stopped = 随分镜一起停止；积分已退回。
