# 管理员看到的内容（/admin），以及审计频道（使用服务器的语言）。

granted = 已给 { $member } 发放 { $amount } 积分；现在有 { $balance }。
revoked = 已从 { $member } 扣除 { $amount } 积分；现在有 { $balance }。
balance-set = { $member } 现在有 { $balance } 积分。
ledger-title = { $member } 的积分记录
ledger-empty = 还没有记录。
ledger-available = 可用：{ $available }
banned = { $until ->
    [none] { $member } 在解封前不能生成。
   *[other] { $member } 在 { $until } 之前不能生成。
}
unbanned = { $member } 可以再次生成（解除了 { $lifted } 个封禁）。
jobs-line = **#{ $job }** { $member } · { $state ->
    [queued] 排队中
    [submitted] 已提交
    [running] 渲染中
   *[other] { $state }
} · { $duration } 秒 { $resolution } · 冻结 { $price } 积分
jobs-none = 没有运行中或排队中的任务。
button-cancel-job = 取消 #{ $job }
cancelled-from-list = 从任务列表中取消
no-reason-given = 未说明原因
admin-cancelled = 任务 #{ $job } 已取消；{ $price } 积分已退还。
provider-not-set-up = 运营者没有配置 { $provider }（没有 API 密钥）；可用的有：{ $available }。
pick-channel = 请选择要允许或禁止的频道。
config-saved = 已保存，立即生效。

config-title = Callsheet 配置
config-everywhere = 所有频道
config-none = 无
config-no-limit = 不限
config-count = { $n }
config-manage-only = 仅限“管理服务器”权限
config-sessions = 会话
config-sessions-value =
    频道：{ $channels }
    默认：{ $model }，{ $duration } 秒，{ $resolution }
    最长片段：{ $longest } 秒 · 闲置超时：{ $idle } 分钟
    人脸检查：{ $faces } · 视频服务：{ $provider }
config-allowance = 积分额度
config-allowance-value =
    初始额度：{ $start }
    补充：{ $period } { $amount }，最多到 { $cap }
    身份组：{ $roles }
    成员：{ $members }
config-caps = 上限
config-caps-value =
    每天视频数：{ $videos } · 每天秒数：{ $seconds }
    同时任务数：{ $jobs } · 冷却：{ $cooldown }
config-prices = 价格（积分）
config-prices-value =
    { $rates ->
        [none] 所有价格都按视频服务公布的价格计算，每 1 美元折合 { $per_usd } 积分。
       *[other] { $rates }
        其他价格按视频服务公布的价格计算，每 1 美元折合 { $per_usd } 积分。
    }
    { $factor ->
        [provider] 带视频参考时：按视频服务自己的费率。
       *[other] 带视频参考时 ×{ $factor }
    }
config-rate = { $resolution } { $rate }/秒
config-moderators = 管理员
config-moderators-value = { $role } · 审计频道：{ $log }

usage-chart-title = 用量，最近 { $days } 天
usage-member = { $member }：{ $credits } 积分
usage-nobody = 还没有人使用
usage-summary =
    {"**"}最近 { $days } 天：**{ $jobs } 个任务，{ $failed } 个失败，交付 { $seconds } 秒，消耗 { $credits } 积分。
    { $people }

audit-title = 审计日志
audit-empty = 还没有记录。
audit-line = `{ $when }` { $actor } **{ $action }**{ $target ->
    [none] { "" }
   *[other] { " " }→ { $target }
}：{ $details }{ $reason ->
    [none] { "" }
   *[other] （{ $reason }）
}
audit-action = { $action ->
    [credits-grant] 发放了积分
    [credits-revoke] 收回了积分
    [credits-set] 设置了余额
    [members-ban] 封禁了
    [members-unban] 解封了
    [jobs-cancel] 取消了任务
    [config-set] 修改了配置
    [bot-permissions] 缺少频道权限
   *[other] { $action }
}

admin-cancel-finishing = 任务 #{ $job } 已经在视频服务端渲染，现在无法停止，并且会向服务器计费：它会完成并交付，由成员付费。如果仍要为成员退款，请再次运行 `/admin jobs cancel` 并选择 refund_anyway。
