# cogs/fit.py 的用处：长列表、长提示词、未能发出的会话卡片。

list-more = ……还有 { $count } 条
prompt-more-title = 提示词（续，仅在更长时填写）
card-not-posted = 会话卡片无法在这里发出，所以会话 #{ $session } 已重新关闭。请再试一次 `/video new`；如果一直失败，请让管理员检查机器人在此频道的权限。
