# 角色：每个素材在视频里负责什么。role-<key> 是名称，role-<key>-hint 是下拉菜单里的说明
# （最多 100 个字符）。
role-first_frame = 首帧
role-first_frame-hint = 视频从这张图片开始
role-last_frame = 尾帧
role-last_frame-hint = 视频在这张图片结束
role-character = 角色
role-character-hint = 全程保持这个角色的外观
role-style = 风格
role-style-hint = 沿用它的色彩、氛围和质感
role-scene = 场景
role-scene-hint = 用作背景或环境
role-object = 物品
role-object-hint = 在视频里展示这个物品或产品
role-composition = 构图
role-composition-hint = 参考它的布局和取景
role-camera_movement = 运镜
role-camera_movement-hint = 复刻它的镜头运动（摇、俯仰、推拉）
role-choreography = 动作
role-choreography-hint = 参考它的人物或物体动作
role-effects = 特效
role-effects-hint = 迁移它的视觉特效和转场
role-rhythm = 节奏
role-rhythm-hint = 按它的剪辑节奏和速度切换镜头
role-full_replication = 完整复刻
role-full_replication-hint = 复刻它的动作、运镜和节奏
role-audio_extraction = 使用原声
role-audio_extraction-hint = 使用这个片段的声音
role-clip_to_extend = 待延长片段
role-clip_to_extend-hint = 接着这个片段继续（视频延长）
role-clip_to_edit = 待编辑片段
role-clip_to_edit-hint = 编辑这个片段（替换、添加或删除）
role-background_music = 背景音乐
role-background_music-hint = 带动画面的动感和剪辑
role-sound_effects = 音效
role-sound_effects-hint = 让画面事件对上它的声音提示
role-beat_sync = 卡点
role-beat_sync-hint = 让动作高潮对上它的节拍

# 生成模式，以及为什么选它。
mode-text_to_video = 文生视频
mode-image_to_video = 图生视频
mode-reference_to_video = 参考生视频
mode-why-text = 没有参考素材，只由提示词决定视频内容
mode-why-image = { $frames ->
    [first] 只有一张首帧：图生视频从它开始动起来
   *[first-last] 只有首帧和尾帧：图生视频在两者之间生成动画
}
mode-why-reference = 多个参考素材各有分工：参考生视频把它们组合起来

# 会话暂时不能生成的原因。$kind 为 "image"、"video" 或 "audio"。
request-problems = { $problems }
problem-unknown-tags = { $have ->
    [none] 提示词提到了 { $tags }，但这个会话还没有素材。请改正标签，或先上传那个素材。
   *[other] 提示词提到了 { $tags }，但这个会话里没有（现有：{ $have }）。请改正标签，或先上传那个素材。
}
problem-empty = 生成前请先写提示词或添加参考素材。
problem-count = { $kind ->
    [image] 每次请求最多 { $count } 张图片。
    [video] 每次请求最多 { $count } 个视频。
   *[audio] 每次请求最多 { $count } 个音频。
}
problem-total-duration = { $kind ->
    [video] 视频参考合计 { $total } 秒，上限是 { $s } 秒。请删掉一个。
   *[audio] 音频参考合计 { $total } 秒，上限是 { $s } 秒。请删掉一个。
}
problem-asset = { $tag }（{ $file }）：{ $reason }
problem-files = 每次请求最多 { $count } 个文件。
problem-audio-alone = 只有音频无法生成视频：请至少添加一张图片或一个视频。
problem-two-frames = { $role ->
    [first_frame] { $tags } 都是首帧，但一个视频只有一个首帧。请给其中一个换个角色。
   *[last_frame] { $tags } 都是尾帧，但一个视频只有一个尾帧。请给其中一个换个角色。
}
problem-duration = 时长须为 { $low }–{ $high } 秒。
problem-resolution = 分辨率须为以下之一：{ $allowed }。
problem-ratio = 画面比例须为以下之一：{ $allowed }。
problem-prompt-length = 提示词太长（{ $words } 个英文单词，{ $cjk } 个汉字）；上限是 { $max_words } 个单词或 { $max_cjk } 个汉字。请精简：让素材自己说话。

# 付费前的提醒：哪些地方可能让效果变差，以及怎么改。
lint-duplicate-role = { $tags } 都是{ $role }，但一个片段只能有一个，它们会互相冲突（每个素材只负责一件事）。
lint-duplicate-role-fix = 只保留一个{ $role }，其余的换个角色或删掉。
lint-too-many-assets = 共 { $count } 个参考素材：每个文件都想控制一切时，画面会变得混乱。
lint-too-many-assets-fix = 精挑细选：只保留控制人物、动作和声音的素材，大约不超过 { $most } 个。
lint-conflicting = { $what ->
    [camera] { $full } 被完整复刻（动作、运镜和节奏），而 { $others } 也在控制运镜：参考素材在争夺画面的主导权。
   *[motion] { $full } 被完整复刻（动作、运镜和节奏），而 { $others } 也在控制动作：参考素材在争夺画面的主导权。
}
lint-conflicting-fix = 决定由哪个片段主导画面：删掉 { $others }，或给 { $full } 一个更具体的角色（动作、节奏、特效）。
lint-image-to-video-mentions = 这次按图生视频运行（只发送首帧和尾帧），但提示词还提到了 { $mentions }，模型看不到这些。
lint-image-to-video-mentions-fix = 上传那个素材并给它一个角色（请求会改用参考生视频），或者只描述从这一帧开始应该发生什么。
lint-audio-alone = 只有音频无法生成视频：这次请求会被拒绝。
lint-audio-alone-fix = 请至少添加一张图片或一个视频作为画面依据。
lint-redescribes = 提示词有 { $words } 个单词，而素材里有 { $images } 张图片：它很可能在重复描述图片里已有的内容，这只会增加干扰。
lint-redescribes-fix = 让素材自己说话：写清楚哪些保持不变、哪些在动、随时间发生什么变化。
lint-echoes-names = 提示词在重复文件的内容（{ $names }，来自文件名）；参考素材本身已经表现了这些。
lint-echoes-names-fix = 让素材自己说话：用标签指代它们，把字数留给动作、运镜和节奏。
lint-prompt-over = 提示词超出上限（{ $words } 个单词，{ $cjk } 个汉字；上限是 { $max_words } 个单词或 { $max_cjk } 个汉字）：这次请求会被拒绝。
lint-prompt-near = 提示词接近上限（{ $words } 个单词，{ $cjk } 个汉字；上限是 { $max_words } 个单词或 { $max_cjk } 个汉字）。
lint-shorten = 请精简：让素材自己说话。
lint-dialogue-silent = 提示词里有一句放在英文双引号里的台词，Seedance 会把它念出来，但声音是关闭的，所以听不到。
lint-dialogue-silent-fix = 打开声音；如果不是台词，就去掉引号。
lint-curly-quotes = 提示词用了中文引号（“…”）；Seedance 只识别英文直双引号里的台词。
lint-curly-quotes-fix = 台词请用英文直双引号：says: "like this"。
lint-last-without-first = { $tag } 是尾帧，但没有首帧：从首帧过渡到尾帧需要两者都有，所以它只会被当作普通参考。
lint-last-without-first-fix = 把开场图片设为首帧，或给 { $tag } 换个角色（场景、构图）。
lint-tags-converted = 这个服务按编号识别素材，例如 "{ $spoken }"，所以 { $written } 等标签会自动帮你转换。
lint-tags-converted-fix = 无需操作；“查看请求”会显示服务实际收到的提示词。
problem-model = 本服务器的视频服务不提供 { $model }；可选的有 { $offered }。请从中选择一个。
