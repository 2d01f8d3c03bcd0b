# 给成员的回复：按钮、弹窗、确认信息、交付、/credits 以及错误提示。

something-went-wrong = 我们这边出了问题，已经记录下来。请再试一次。
check-failed = 你不能在这里使用这个功能。
not-a-moderator = 只有管理员可以这样做：需要“管理服务器”权限或本服务器的管理员身份组。

button-prompt = 提示词
button-request = 查看请求
button-generate = 生成
button-stop = 取消任务
button-close = 关闭
button-sound = 把 { $tag } 的声音用作音频
button-keep-face = 保留：这是手绘或风格化的
button-remove = 删除 { $tag }
button-regenerate = 重新生成
button-extend = 延长
button-edit = 编辑
button-reference = 用作参考
button-stitch = 拼接整条链
frame-placeholder = 把其中一个时刻用作图片（首帧）…
frame-at = 第 { $s } 秒

prompt-title = 提示词
prompt-placeholder = @image1 在雨中行走；镜头像 @video1 一样跟随…
prompt-saved = 提示词已保存。
request-not-ready = 这个会话还不能生成。
files-added = 已向会话 #{ $session } 添加 { $added }/{ $count } 个文件。
no-open-session = 你在这个频道没有打开的会话。用 `/video new` 开始一个。
session-closed = 会话 #{ $session } 已关闭。用 `/video new` 开始新的会话。
stitch-needs-numbers = 请列出任务编号，例如 `3, 5, 8`。

job-started = 任务 #{ $job } 已开始：冻结 { $price } 积分（剩余 { $available }）。视频会发布在这里。
job-cancelled = 任务 #{ $job } 已取消；你的 { $price } 积分已退还。
extend-title = 延长任务 #{ $job }
extend-seconds = 要延长的秒数（{ $low }–{ $high }）
extend-prompt = 接下来发生什么（可选）
extend-seconds-invalid = 秒数必须是 { $low }–{ $high } 之间的整数。
edit-title = 编辑任务 #{ $job }
edit-prompt = 要改什么？
edit-placeholder = 把汽车换成一辆红色自行车；其他保持不变。

job-ready = { $member } 你的视频好了。
job-outcome = 任务 #{ $job } { $state ->
    [failed] 失败了
    [cancelled] 已被取消
   *[expired] 已过期
}
job-failed-notice = { $member } 任务 #{ $job } { $state ->
    [failed] 失败了
    [cancelled] 已被取消
   *[expired] 已过期
}：{ $reason } 你的 { $price } 积分已退还，会话仍然打开——点 **生成** 再试一次。
member-job-cancelled = { $member } 任务 #{ $job } 已被管理员取消（{ $reason }）。你的 { $price } 积分已退还，会话仍然打开。
fitted-link = 这份是为符合上传限制压缩过的版本：[原画质]({ $url })。
fitted-kept = 这份是为符合本服务器 { $limit } MB 上传限制压缩过的版本；原画质文件（{ $size } MB）保存在任务 #{ $job } 中。

credits-title = 你的积分
credits-available = 可用
credits-held = 运行中任务冻结
credits-next-refill = 下次补充
credits-refill = +{ $amount } { $when }
credits-latest = 最近记录
credits-none = 无
credits-chart-title = 你最近 { $days } 天的用量

# 积分记录按事件显示。$kind：grant、start、revoke、refill、adjust、hold、capture、release。
ledger-line = `{ $day }` { $event }
ledger-event = { $kind ->
    [start] 初始额度：+{ $amount } 积分
    [grant] 管理员发放了 { $amount } 积分
    [revoke] 管理员收回了 { $amount } 积分
    [refill] 补充：+{ $amount } 积分
    [adjust] 管理员调整了余额（{ $signed } 积分）
    [hold] 生成时为任务 { $job } 冻结了 { $amount } 积分
    [capture] 任务 { $job } 已交付：冻结的 { $amount } 积分已扣除
    [release] 任务 { $job } 未完成：{ $amount } 积分已退回
   *[other] { $signed } 积分
}

job-cancel-finishing = 任务 #{ $job } 已经在视频服务端渲染，现在无法停止，而且照样会计费，所以它会完成并发布在这里。在那之前，你的 { $price } 积分仍被冻结；管理员可以为你退还。
