# 会话卡片、卡片上的提问、“查看请求”和交付的成片。

seconds = { $s } 秒
card-title = 🎬 视频会话 #{ $session }
card-no-prompt = *还没有提示词——点 **提示词** 来写。*
card-assets = 素材（{ $count }）
card-no-assets = *还没有——把图片、视频片段或音频发到这个频道，或使用 `/video add`。*
card-asset = `{ $tag }` **{ $role }** — { $file }（{ $facts }）
card-settings = 设置
card-sound-on = 有声音
card-sound-off = 无声音
card-mode = 模式
card-price-title = 价格
card-price = **{ $price }** 积分
credits-amount = { $price } 积分
card-price-balance = **{ $price }** 积分 · 你有 { $available }
card-before = 生成之前
card-check = 付费前请检查
card-warning = ⚠️ { $message } { $fix }
card-job-title = 任务
card-job = #{ $job } { $state ->
    [queued] 排队中
    [submitted] 已提交
    [running] 渲染中
    [succeeded] 已完成
    [failed] 失败
    [cancelled] 已取消
   *[expired] 已过期
}
card-job-delivered = 已发布在下方
card-job-queue = 队列第 { $position } 位
card-job-progress = { $percent }%
card-job-provider-queue = 服务商队列第 { $position } 位
card-job-eta = 大约还剩 { $s } 秒
card-job-elapsed = 已用 { $s } 秒
card-footer = { $state ->
    [open] 把文件发到这里或使用 /video add · 每个素材一个角色
    [generating] 渲染中… 视频会发布在这里
    [closed] 会话已关闭
   *[expired] 会话因闲置已过期
}

role-question = 已添加 **{ $tag }** — { $file }。它要做什么？建议设为 **{ $role }**；需要的话在下面选择其他角色。
role-question-noted = 已添加 **{ $tag }** — { $file }。{ $notes }它要做什么？建议设为 **{ $role }**；需要的话在下面选择其他角色。
role-answer = **{ $tag }** — { $file }：**{ $role }** ✓ 生成之前随时可以在下面更改。
role-placeholder = { $tag } 用来做什么？
face-question = ⚠️ **{ $tag }** 看起来包含真实人脸。Seedance 会拒绝这类素材，请求会失败。如果它是手绘、渲染图或其他风格化图像，就保留；否则请删除。生成会等待你的回答。
face-kept = **{ $tag }** 已作为手绘或风格化图像保留。

request-title = 请求 — { $mode }
request-why = **为什么用这个模式：**{ $reason }。
request-group = { $kind ->
    [image] 图片（按顺序）
    [video] 视频（按顺序）
   *[audio] 音频（按顺序）
}
request-asset = { $position }. `{ $tag }` { $file } — { $role }
request-output = 输出
request-notes = 提示
request-note = • { $message } { $fix }
request-curious = 给好奇的你：视频服务实际收到的提示词

template-complete = **{ $template }**：素材都齐了。检查一下卡片，然后点“生成”。
template-slot = { $kind ->
    [image] • 图片：{ $slot }（角色：{ $role }）
    [video] • 视频：{ $slot }（角色：{ $role }）
   *[audio] • 音频：{ $slot }（角色：{ $role }）
}
template-checklist =
    {"**"}{ $template }** — { $hint }
    把这些发到这个频道（或使用 `/video add`）；每个素材会按模板自动获得角色：
    { $slots }

result-title = 🎬 任务 #{ $job } — { $mode }
result-roles = 角色
result-text-only = 仅文本
result-video = 视频
result-credits = 消耗积分
result-seed = 随机种子
result-preview-title = 预览
result-preview = 这是机器人在本地绘制的预览，不是 Seedance 视频：本服务器还没有配置视频服务。
result-full-quality = 原画质
price-breakdown = { $video_s ->
    [none] { $seconds } 秒 { $resolution }
   *[other] { $seconds } 秒 { $resolution } + { $video_s } 秒参考视频
} × 每秒 { $rate } 积分{ $factor ->
    [none] {""}
   *[other] {" "}× { $factor }（带视频参考）
}
