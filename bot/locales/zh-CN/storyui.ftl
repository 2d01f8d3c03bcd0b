# 分镜（/video storyboard）：卡片、镜头面板与弹窗、一次确认的价格（含每个镜头的部分）、成片与镜头列表。

cmd-video-storyboard = 规划一部最多 8 个镜头的影片，每个镜头 4 到 15 秒，最后合成一部视频
storyboard-title = 分镜 #{ $storyboard }
storyboard-intro = 最多 { $max } 个镜头，每个 { $shortest } 到 { $longest } 秒。你在讨论串里发的文件（角色、风格、场景）每个镜头都会用到。
storyboard-shots-title = 镜头（{ $count } / { $max }）· 共 { $s } 秒
storyboard-empty = 还没有镜头：点 **添加镜头** 写第一个。
storyboard-shot-line = **{ $number }.** { $s } 秒 · { $cut } · { $state } — { $prompt }
storyboard-refs-title = 每个镜头都用
storyboard-refs-none = 还没有文件：在讨论串里发图片或视频片段，或使用 `/video add`。
storyboard-cuts-title = 镜头之间怎么衔接
storyboard-cuts-help = **接续**：镜头从上一个镜头的最后一帧开始（所以在它之后生成）。**切换**：重新开始。**匹配**：沿用上一个镜头的文件和风格，但不延续它的画面。不接续的镜头会同时生成。
storyboard-price-title = 价格
storyboard-price = { $count } 个镜头（共 { $s } 秒）{ $price } 积分；你有 { $available }。
storyboard-problem-title = 还不能开始
storyboard-blocked-title = 你现在不能生成
storyboard-film-title = 成片
storyboard-film-line = 已作为任务 #{ $job } 发布。

shot-state = { $state ->
    [draft] 未开始
    [waiting] 等待中
    [queued] 排队中
    [running] 生成中
    [done] 完成
   *[failed] 失败
}
cut-name = { $cut ->
    [continue] 接续
    [match] 匹配
    [first] 第一个镜头
   *[cut] 切换
}

button-shot-add = 添加镜头
button-storyboard-start = 生成影片
button-shot-edit = 编辑
button-shot-retry = 重试这个镜头
shot-placeholder = 选择一个镜头：编辑、移动、删除、设置衔接或重试
shot-option = 镜头 { $number } · { $s } 秒 · { $state }
shot-panel = **镜头 { $number }**（{ $s } 秒，{ $state }）：{ $prompt }
shot-panel-first = 它是影片的开头：前面没有衔接。
shot-panel-cut = 它与镜头 { $previous } 的衔接是 **{ $cut }**。可在下面更改。
shot-panel-failed = 它失败了：{ $reason } 积分已退回；点 **重试这个镜头** 单独重新生成。
cut-placeholder = 这个镜头如何衔接上一个
cut-continue-label = 接续镜头 { $previous }
cut-continue-desc = 从它的最后一帧开始；在它之后生成
cut-cut-label = 切换
cut-cut-desc = 重新开始；同时生成
cut-match-label = 匹配镜头 { $previous }
cut-match-desc = 同样的文件和风格，不延续画面

shot-modal-title = 镜头 { $number }
shot-modal-new-title = 新镜头
shot-prompt-label = 这个镜头里发生什么
shot-prompt-more-label = 发生什么（续）
shot-prompt-placeholder = 黄昏时快递员穿过屋顶，镜头跟随
shot-duration-label = 时长（秒，{ $shortest } 到 { $longest }）
shot-duration-not-number = 时长必须是 { $shortest } 到 { $longest } 之间的整数秒；“{ $value }”不是。
shot-kept = 你的文字已保留：点 **再次编辑镜头** 打开它。
button-shot-again = 再次编辑镜头
shot-gone = 这个镜头已不在分镜里。

shot-added = 已添加镜头 { $number }（{ $s } 秒）。
shot-saved = 镜头 { $number } 已保存。
shot-moved = 已移动：它现在是镜头 { $number }。
shot-not-moved = 镜头 { $number } 已经在那一端。
shot-removed = 已删除镜头 { $number }；后面的镜头各前移一位。
shot-cut-set = 镜头 { $number } 现在与上一个镜头的衔接是 **{ $cut }**。
shot-retrying = 镜头 { $number } 正在重新生成；其他镜头保持不变。

storyboard-price-question = 生成影片：{ $count } 个镜头，共 { $s } 秒。
    { $lines }
    共 **{ $price } 积分**；你有 { $available }。失败的镜头会退回积分，你可以单独重试。
storyboard-price-shot = 镜头 { $number } · { $s } 秒：**{ $price }**（{ $breakdown }）
button-storyboard-confirm = 确认 { $price } 积分
button-storyboard-cancel = 暂不
storyboard-confirmed = 已开始：{ $count } 个镜头，冻结 { $price } 积分。卡片上显示每个镜头；全部完成后成片会发在频道里。
storyboard-start-cancelled = 没有冻结任何积分。

storyboard-film-posted = { $member }，分镜 #{ $storyboard } 已合成影片：{ $count } 个镜头，{ $s } 秒。
storyboard-film-shots = 镜头
storyboard-film-shot = **{ $number }.** { $s } 秒 · { $cut } — { $prompt }（任务 #{ $job }）

opt-storyboard-soundtrack = 整部影片的音乐或声音：每个镜头用到其中一段
storyboard-soundtrack = 配乐：{ $file }（{ $s } 秒）。每个镜头用到其中一段；成片{ $sound ->
    [shots] 改用各镜头自己的声音
   *[soundtrack] 完整播放它
}。
storyboard-soundtrack-none = 没有配乐：用 `/video storyboard soundtrack:` 加一个声音文件。
storyboard-soundtrack-set = { $file }（{ $s } 秒）现在是分镜 #{ $storyboard } 的配乐。

button-film-sound-shots = 成片声音：改用各镜头自己的
button-film-sound-soundtrack = 成片声音：改用配乐
button-restitch = 重新合成影片（免费）
storyboard-restitching = 正在重新合成影片：免费，完成后发在频道里。
storyboard-welcome = { $member }，这个子区是你的分镜工作区：把每个镜头都要用的图片和视频片段发到这里，我会逐一问你它们的用途。在卡片上用 **添加镜头** 写镜头；卡片上显示全部镜头的价格。
shot-refs-placeholder = 只有这个镜头用的文件（其余的每个镜头都用）
shot-panel-refs = 只有这个镜头用 { $tags }。
