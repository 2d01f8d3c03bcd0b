# 视频服务（服务商）的回应，按成员读到的样子。
# $detail 是服务商的原话，原样显示。

provider-face = 视频服务在某个参考素材里检测到真实人脸，拒绝了它（不能使用真人）。请用手绘或风格化的角色代替真人照片。
provider-policy = 视频服务的内容审核拦截了这次请求（提示词、参考素材或生成结果）。请改写提示词，或换掉被标记的参考素材。
provider-key = 视频服务拒绝了机器人的凭证：机器人的密钥无效——请告诉管理员。
provider-rate-limit = 视频服务正在限制机器人的请求频率。请一分钟后再试。
provider-timeout = 视频服务生成时间过长，已放弃。没有扣除积分；请重试。
provider-cancelled = 任务已在视频服务端取消。
provider-no-task-id = 视频服务接受了请求，但没有返回任务编号。
provider-no-video = 视频服务没有这个任务的成片。
provider-no-video-returned = 视频服务已完成，但没有返回视频。
provider-image-to-video = 图生视频只接受一到两张图片（首帧，然后是尾帧），不能有其他素材。
provider-unreachable = 无法连接到视频服务。
provider-broken-connection = 与视频服务的连接中断了。
provider-trouble = { $status ->
    [none] 视频服务暂时出了问题。请过几分钟再试。
   *[other] 视频服务暂时出了问题（HTTP { $status }）。请过几分钟再试。
}
provider-rejected = 视频服务拒绝了这次请求：{ $detail }
provider-not-generated = 视频服务未能生成视频：{ $detail }
provider-unexpected-status = { $code ->
    [none] 视频服务返回了 HTTP { $status }。
   *[other] 视频服务返回了 HTTP { $status }（{ $code }）。
}
provider-unpublished = 无法把 { $tag } 提供给视频服务。
provider-gave-up = { $reason }（尝试 { $attempts } 次后放弃）
provider-download-status = 无法从视频服务下载成片（HTTP { $status }）。
provider-download-large = 视频服务返回的视频大得异常。
provider-download-failed = 无法从视频服务下载成片。
provider-download-not-mp4 = 视频服务返回的文件不是 MP4 视频。
provider-task-gone = 视频服务已找不到这个任务（可能已过期或被删除）。
provider-expired = 视频服务在任务过期前没来得及处理（排队太长）。请稍后再试。
provider-busy = 视频服务当前算力不足。没有扣除积分；请过几分钟再试。
provider-model-missing = 机器人账户上没有视频模型 `{ $model }`（不存在或未开通）——请告诉管理员。
provider-endpoint-missing = 机器人账户上没有视频接口 `{ $endpoint }`——请告诉管理员。
provider-image-processing = 视频服务无法处理其中一张图片（{ $detail }）。请重新上传为每条边 300 到 6000 像素的 PNG 或 JPEG。
provider-image-dimensions = 几张图片的尺寸不匹配（{ $detail }）。请让首帧和尾帧的画面比例与视频一致。
provider-quota-ark = 机器人背后的视频服务账户额度已用完、有欠费或没有模型权限——服务器所有者需要检查火山方舟（ModelArk）账户。
provider-quota-fal = 机器人背后的视频服务账户已被锁定或余额不足——服务器所有者需要检查 fal 账户。
provider-quota-evolink = 机器人背后的视频服务账户积分或额度已用完——服务器所有者需要为 EvoLink 账户充值。
provider-webhook-keys = 暂时无法获取视频服务的签名密钥。
provider-not-configured = 这个任务所用的视频服务已不再配置在机器人上。
provider-failed = 视频服务报告了失败。

# 本地预览渲染器（没有配置视频服务时使用）。
preview-failed = 无法渲染预览：{ $reason }
preview-crashed = 预览渲染器崩溃了。
preview-file-missing = 预览文件不见了。
preview-missing = { $tag } 不见了，预览无法使用它。
preview-no-picture = { $tag } 没有画面。
preview-no-sound = { $tag } 没有声音轨。
preview-unreadable = 无法读取 { $tag }：文件看起来已损坏，或格式无法读取。

# 成片在视频服务删除前没能取回（成片保留 24 小时）。
provider-result-expired = 视频已经生成，但在视频服务删除它之前没能取回（成片只保留 24 小时）。积分已退还；请再点一次“生成”。
provider-no-content = 视频服务无法根据这次请求生成视频。没有扣除积分；请换一个提示词再试。
provider-quota-replicate = 机器人背后的视频服务账户余额不足或没有模型权限——服务器所有者需要检查 Replicate 账户。
