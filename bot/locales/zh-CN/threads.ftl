# A session's own thread (cogs/session/threads.py): its name, the first line in it, and
# what the channel is told once when the bot may not start threads there.
thread-name = 🎬 视频会话 #{ $session }
thread-welcome = { $member }，这个子区是你的会话工作区：把图片、视频片段和声音上传到这里，我会逐一问你它们的用途。会话卡片上有价格和“生成”按钮。
threads-fallback = 我无法在这个频道为每个视频会话创建子区，所以这里的会话会直接在频道中进行。如需让每个会话拥有自己的子区，请管理员在这里授予我{ $permissions }权限。
threads-permissions-two = { $first }和{ $second }
# /admin config set session_threads, and how /admin config show reads it
opt-session-threads = 会话在哪里进行：从卡片创建的公开子区、私密子区，或频道本身
choice-threads-public = 从卡片创建的公开子区
choice-threads-private = 私密子区
choice-threads-off = 频道本身（不建子区）
config-threads = 会话进行于：{ $mode }
# Use as reference, when the session has a thread: the member is pointed to the question.
thread-asked-there = 已加入你的会话；它的用途问题在 { $thread } 中等你回答。
