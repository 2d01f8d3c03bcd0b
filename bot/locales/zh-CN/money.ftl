## 每次花费都先显示价格并询问一次（bot/generation/spend.py）

spend-what = { $kind ->
    [generate] 用会话 #{ $session } **生成**一段 { $seconds } 秒的视频。
    [regenerate] **重新生成**任务 #{ $job }：同样的请求再生成一版（{ $seconds } 秒）。
    [extend] 把任务 #{ $job } **延长** { $seconds } 秒。
    [insert] 在任务 #{ $job } 和任务 #{ $second } 之间**插入**一段 { $seconds } 秒的镜头。
    [edit] 按你的描述**编辑**任务 #{ $job }（{ $seconds } 秒）。
    [reference] 把 { $job } **用作参考**，加入你的会话。
   *[stitch] 把 { $job } **拼接**成一个视频。
}
spend-breakdown = { $video_s ->
    [none] { $seconds } 秒
   *[other] （{ $seconds } 秒 + { $video_s } 秒参考视频）
} × 每秒 { $rate } 积分（{ $resolution }）{ $factor ->
    [none] {""}
   *[other] {" "}× { $factor }（含参考视频）
} = **{ $price }** 积分{ $rounded ->
    [yes] （向上取整）
   *[no] {""}
}；你有 { $available }。
spend-free = { $kind ->
    [stitch] 拼接免费：在这里完成，不花积分（你有 { $available }）。
   *[reference] 现在不花积分：视频加入你的会话，之后生成时连同它一起计价（参考视频可能更贵）。你有 { $available } 积分。
}
spend-offer = { $what }
    { $cost }
spend-confirm = { $kind ->
    [stitch] 拼接（免费）
    [reference] 加入（免费）
   *[other] 花费 { $price } 积分
}
spend-cancel = 取消
spend-cancelled = 已取消：没有花费积分。
spend-offer-used = 这个价格你已经回答过了。再按一次按钮获取新的报价。
spend-offer-missing = 这个报价是给别人的，或者已经失效。
spend-price-changed = 价格在你看到之后变了（原来是 { $old } 积分），所以还没有花费：
    { $phrase }
spend-started = { $kind ->
    [generate] 任务 #{ $job } 已开始：冻结 { $price } 积分（剩余 { $available }）。视频会发布在这里。
    [regenerate] 任务 #{ $job }（#{ $parent } 的新一版）已排队：冻结 { $price } 积分（剩余 { $available }）。视频会发布在这里。
    [extend] 任务 #{ $job }（延长 #{ $parent }）已排队：冻结 { $price } 积分（剩余 { $available }）。视频会发布在这里。
    [insert] 任务 #{ $job }（接在 #{ $parent } 之后的过渡）已排队：冻结 { $price } 积分（剩余 { $available }）。视频会发布在这里。
   *[edit] 任务 #{ $job }（编辑 #{ $parent }）已排队：冻结 { $price } 积分（剩余 { $available }）。视频会发布在这里。
}
spend-stitching = 已拼接为任务 #{ $job }：视频会发布在这里。
spend-reference-added = 已加入你的会话。

## 拼接的结果，和其他结果一样发布
result-title-stitch = 🎬 任务 #{ $job } — { $parts } 拼接
result-free = 0（拼接免费）

## /help
cmd-help = Callsheet 能做什么、怎么开始、你的积分
help-title = Callsheet — 在聊天里导演一段 Seedance 视频
help-what = Callsheet 把一段对话变成字节跳动 Seedance 2.0 生成的短视频：你给出提示词，也可以加图片、视频片段和音乐；它按 Seedance 的限制检查素材，展示请求和价格，并把视频发布在这里。
help-steps-title = 三步开始
help-steps =
    1. 输入 `/video new` 并写上提示词（或用 `/video template` 从模板开始）。
    2. 把图片、视频片段或音乐发到频道里，并为每个素材选择用途。
    3. 按 **生成**，确认价格：视频会发布在这里。
help-templates-title = 模板（`/video template`）
help-template = **{ $name }** — { $hint }
help-limits-title = Seedance 的限制
help-limit-output = 视频时长 { $low }–{ $high } 秒，分辨率 { $resolutions }，画幅 { $ratios }
help-limit-images = 最多 { $count } 张图片（{ $formats }；每边 { $low }–{ $high } 像素；每张最大 { $mb } MB）
help-limit-clips = { $kind ->
    [video] 最多 { $count } 段视频（{ $formats }；每段 { $low }–{ $high } 秒，合计 { $total } 秒；每段最大 { $mb } MB）
   *[audio] 最多 { $count } 段音频（{ $formats }；每段 { $low }–{ $high } 秒，合计 { $total } 秒；每段最大 { $mb } MB）
}
help-limit-files = 总共最多 { $count } 个文件；提示词最多 { $words } 个英文单词（或 { $chars } 个汉字）
help-balance-title = 你的积分
help-balance = 可用 { $available }，冻结 { $held }{ $refill ->
    [none] 。
   *[other] ；补充 { $refill }。
}

## /video history
cmd-video-history = 你的视频，从新到旧，带按钮
history-empty = 你在这里还没有视频。用 `/video new` 开始一个。
history-page = 第 { $page } 个视频，共 { $pages } 个
history-newer = ◀ 较新
history-older = 较旧 ▶

## /video notify
cmd-video-notify = 视频完成或失败时给你发私信
opt-notify = 开：任务结束时发私信（视频仍会发布在这里）。关：不发私信。
notify-on = 开
notify-off = 关
notify-set = { $on ->
    [on] 好的：你的任务完成或失败时会给你发私信。视频仍会发布在频道里。
   *[off] 好的：不再就你的任务发私信。
}
notify-ready = 你的视频好了：任务 #{ $job } — { $link }
notify-failed = 任务 #{ $job } { $state ->
    [failed] 失败了
   *[expired] 已过期
}：{ $reason } 你的 { $price } 积分已退还。{ $link }

## /credits：按事件列出，以及余额还够做什么
credits-event = { $event ->
    [start] 初始额度 +{ $amount }
    [grant] 管理员发放 +{ $amount }
    [revoke] 管理员收回 −{ $amount }
    [adjust] 管理员设定余额 { $signed }
    [hold] 任务 #{ $job } · { $kind ->
        [regenerate] 重新生成
        [extend] 延长
        [insert] 插入
        [edit] 编辑
       *[generate] 生成
    } · −{ $amount }
    [release] 退款 · 任务 #{ $job } { $state ->
        [cancelled] 已取消
        [expired] 已过期
       *[failed] 失败
    } · +{ $amount }
    [refill] { $period ->
        [daily] 每日补充
        [weekly] 每周补充
        [monthly] 每月补充
       *[none] 补充
    } +{ $amount }
   *[other] { $signed }
}
credits-affords-title = 还够做什么
credits-affords = { $count ->
    [0] 还不够做一段 { $resolution } 的 { $seconds } 秒视频（{ $price } 积分）。
   *[other] 够做 { $count } 段 { $resolution } 的 { $seconds } 秒视频（每段 { $price } 积分，仅提示词）。
}

## 用量图
chart-credits = 积分
chart-seconds = 秒
chart-failures = 失败
chart-seconds-axis = 秒 / 失败

## /admin jobs list：也能看已完成和失败的任务
opt-jobs-show = 哪些任务：运行和排队中（默认）、最近完成的，或最近失败的
opt-jobs-member = 只看这位成员的任务
jobs-show-running = 运行和排队中
jobs-show-finished = 最近完成的
jobs-show-failed = 最近失败的
jobs-done-line = **#{ $job }** { $member } · { $state ->
    [succeeded] 已发布
    [failed] 失败
    [cancelled] 已取消
   *[expired] 已过期
} { $when } · { $duration } 秒 { $resolution } · { $price } 积分{ $reason ->
    [none] {""}
   *[other] {" "}— { $reason }
}
jobs-done-none = 最近没有这样的任务。

## 被暂停成员的会话卡
card-blocked = 你现在不能生成
