# 机器人在频道里需要的权限（cogs/permissions.py），名称与 Discord 频道设置一致；以及机器人
# 读不到消息里的文件时，成员该怎么添加文件。

perm-view-channel = 查看频道
perm-send-messages = 发送消息
perm-embed-links = 嵌入链接
perm-attach-files = 附加文件
perm-read-message-history = 阅读消息历史记录
perm-create-public-threads = 创建公开子区
perm-create-private-threads = 创建私密子区
perm-send-messages-in-threads = 在子区中发送消息

perms-missing =
    我无法在这个频道里进行视频会话：我在这里缺少{ $count ->
       *[other] 以下权限
    }：
    { $permissions }
    版主可以在这个频道的设置里（编辑频道 → 权限）给我这些权限。在此之前，请换一个频道试试。已通知版主。
perms-audit-details = 机器人在 { $channel } 缺少{ $permissions }，因此无法在那里开启会话
perms-audit-delivery = 机器人在 { $channel } 缺少{ $permissions }，一个已完成的视频正在等待：权限补上后就会发出

# 机器人无法读取成员发的消息内容时（Discord 的消息内容意图未对它开启）显示在会话卡片上。
card-none-yet = *还没有。*
card-add-files-title = 添加文件
card-add-files-by-command = 请用 `/video add` 添加图片、视频片段或音频：直接发在这个频道里的文件我收不到（除非消息里提到了我）。
