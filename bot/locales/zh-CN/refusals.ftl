# 核心逻辑拒绝的操作及原因。任务编号、提及和频道列表以文本传入。

session-channel-not-allowed = 本服务器只能在 { $channels } 里创建视频会话。
session-duration-out-of-range = 这里的时长须为 { $low }–{ $high } 秒（Seedance 最长生成 { $most } 秒的片段）；你要的是 { $asked } 秒。
session-exists = 你在这个频道已经有一个打开的会话：往里面添加素材，或先用 `/video cancel` 关闭它。
session-gone = 那个会话已不存在。
session-not-yours = 这个会话属于 { $owner }。
session-ended = { $state ->
    [closed] 这个会话已关闭。用 `/video new` 开始一个新会话。
   *[expired] 这个会话已过期。用 `/video new` 开始一个新会话。
}
asset-gone = 那个素材已不存在。
role-does-not-fit = { $kind ->
    [image] 这个角色不适用于图片。
    [video] 这个角色不适用于视频。
   *[audio] 这个角色不适用于音频。
}
prompt-unknown-tags = { $have ->
    [none] 你的提示词提到了 { $tags }，但这个会话还没有素材。请先改正标签或上传那个素材；提示词没有保存。
   *[other] 你的提示词提到了 { $tags }，但这个会话只有 { $have }。请先改正标签或上传那个素材；提示词没有保存。
}

generate-face-unanswered = { $tags } 可能包含真实人脸，Seedance 会拒绝。请先回答它下面的问题：如果是手绘或风格化的就保留，否则删掉。没有扣除积分。
generate-banned = { $until ->
    [none] 管理员已暂停你在本服务器的生成权限：{ $reason }
   *[other] 管理员已暂停你在本服务器的生成权限，直到 { $until }：{ $reason }
}
no-price = 本服务器没有设置 { $model } 在 { $resolution } 下的价格；请管理员用 `/admin prices set` 设置。
hold-busy = 这个会话的任务 #{ $job } 还在运行；请等它完成。
hold-videos-per-day = 你今天已经生成了 { $made } 个视频；本服务器每天最多 { $most } 个。请明天（UTC）再试。
hold-seconds-per-day = 你今天已经生成了 { $made } 秒；本服务器每天最多 { $most } 秒。请缩短片段，或明天（UTC）再试。
hold-concurrent = 你已有 { $running } 个视频正在渲染；本服务器同时最多 { $most } 个。请等其中一个完成。
hold-cooldown = 请再等 { $wait } 秒：本服务器要求两次生成之间间隔 { $gap } 秒。
hold-credits = 这个视频需要 { $price } 积分，你有 { $available } 积分。可以缩短时长、选择 480p 或 Fast 模型，或向管理员申请积分。
nothing-rendering = 这个会话没有正在渲染的视频。

job-missing = 没有任务 #{ $job }。
job-not-yours = 任务 #{ $job } 属于 { $owner }。
job-no-video = 任务 #{ $job } 没有可以继续使用的成片。
edit-needs-words = 请说明要改什么，例如“把汽车换成一辆红色自行车”。
derive-no-frame = { $which ->
    [first] 无法截取成片的首帧。
   *[last] 无法截取成片的尾帧。
}
derive-unusable = { $kind ->
    [image] 成片不能用作图片参考：{ $reason }
   *[video] 成片不能用作视频参考：{ $reason }
}
stitch-too-few = 请至少选择两个视频来拼接。
stitch-unreadable = 无法读取 { $clip }。

job-crashed = 我们这边出了问题。
job-expired = 视频服务没有按时完成。
job-cancelled-by-member = 你取消了它。
job-cancelled-by-moderator = 管理员取消了它：{ $reason }

admin-negative-balance = 余额不能为负数。
admin-ban-needs-reason = 请填写原因：成员尝试生成时会看到它。
admin-no-such-job = 本服务器没有任务 #{ $job }。
admin-job-finished = 任务 #{ $job } 已经结束（{ $state }）。
admin-nothing-to-change = 没有要修改的内容：请至少填写一个选项。
admin-days-range = 请选择 1 到 366 天。
admin-positive-amount = 数量必须是正数积分。
config-not-saved = 修改没有保存：{ $problems }。

# 运营者在启动时看到的问题。
operator-s3-settings = ASSET_HOST=s3 需要设置 S3_BUCKET、S3_ACCESS_KEY_ID 和 S3_SECRET_ACCESS_KEY。
operator-discord-host-settings = ASSET_HOST=discord 需要设置 STORAGE_CHANNEL_ID。
operator-no-asset-host = 视频服务通过 URL 获取参考文件：请设置 PUBLIC_BASE_URL（由机器人提供文件），或 ASSET_HOST=s3、ASSET_HOST=discord（见 .env.example）。

# 机器人发送请求时中断，视频服务无法确认请求是否到达。
job-submit-unconfirmed = 机器人在发送这次请求时重启了，而视频服务无法确认请求是否已到达，所以没有再次发送（否则可能重复计费）。积分已退还；请再点一次“生成”。
