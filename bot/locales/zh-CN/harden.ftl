# 加固：点击或文件去了不该去的地方时成员看到的话。

component-unknown = 这个按钮或菜单已经失效了。

# 一条消息里的文件的唯一回复，接在添加了几个（files-added）之后。
upload-summary-added = 已添加：{ $tags }。

# 超过保留期（RETENTION_DAYS）：结果的文件已被删除。
job-files-gone = 任务 #{ $job } 所用的文件已不再保留，无法再次生成。请用 `/video new` 开始新的会话。
job-video-gone = 任务 #{ $job } 的视频已不再保留，无法在它的基础上继续创作。
