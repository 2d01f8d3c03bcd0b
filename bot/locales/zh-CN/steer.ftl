# 生成之前调整会话：只是建议的角色、管理素材、设置、关闭前确认与重新打开、被拒的提示词留着再改。

card-asset-suggested = `{ $tag }` **{ $role }**（建议）— { $file }（{ $facts }）
role-suggested-mark = { $role }（建议）
card-suggested-title = 待确认的角色
card-suggested = { $tags } 的角色是我根据画面建议的。可在 **管理素材** 中更改，或在点 **生成** 时保留；价格按你保留的角色计算。
card-framing-title = 画面裁切
card-framing = `{ $tag }`（{ $size }）不是 { $output }：会裁切以填满画面，{ $edge ->
    [sides] 左右两侧
   *[ends] 上下两端
}裁去 { $percent }%。
spend-keeps-suggested = { $offer }
    确认后也会保留我建议的角色：
    { $roles }
    如需先更改，请在卡片上使用 **管理素材**。
suggested-role-line = `{ $tag }` **{ $role }**
generate-confirm-roles = 这些角色还只是我的建议：
    { $roles }
    保留它们（确认“生成”的价格即保留）或在 **管理素材** 中更改；在此之前不会冻结积分。

close-confirm = 关闭会话 #{ $session } 并放弃其中的 { $count } 个文件吗？{ $minutes } 分钟内可以在卡片上重新打开。
button-close-confirm = 关闭
button-reopen = 重新打开
session-reopened = 会话 #{ $session } 已重新打开。
reopen-too-late = 这个会话关闭已超过 { $minutes } 分钟，无法重新打开。用 `/video new` 开始新的会话。
reopen-another-open = 你在这个频道已有另一个打开的会话。先关闭它，再重新打开这个。

button-prompt-again = 再次编辑提示词
prompt-saved-waiting = { $tags } 还没有对应的文件；有文件正在添加或修复，所以提示词已保存，文件加入后该标签即可使用。
prompt-tag-dropped = 提示词提到了 { $tag }，所以我把这个标签从中去掉了：请检查提示词是否仍是你想要的意思。

manage-placeholder = 管理素材：更改角色、排序、替换或删除
manage-option = { $tag } · { $role }
manage-option-suggested = { $tag } · { $role }（建议）
manage-panel = **{ $tag }** — { $file }：**{ $role }**。可更改角色、移动、替换或删除。
button-move-up = 上移
button-move-down = 下移
button-replace = 替换
button-remove-asset = 删除
asset-removed = 已从会话中删除 **{ $tag }**；其后如有文件，编号前移一位，提示词中的标签随之更新。
asset-removed-from-prompt = 已从会话中删除 **{ $tag }**；其后如有文件，编号前移一位，提示词中的标签随之更新。提示词提到了 { $tag }，所以我把这个标签从中去掉了：请检查提示词是否仍是你想要的意思。
asset-moved = 已移动：现在是 **{ $new }**（原为 { $old }）；提示词中的标签随之更新。
asset-not-moved = **{ $tag }** 已经在那一端。
replace-waiting = 在会话所在的地方或用 `/video add` 发送替换 **{ $tag }**（{ $file }）的文件：它会沿用其编号和角色。
asset-replaced = 它替换了 { $file }，成为 **{ $tag }**，沿用原角色。

button-settings = 设置
settings-panel = 会话 #{ $session } 的设置：选择要更改的项。卡片和价格会随之更新。
settings-duration = 时长：{ $s } 秒
settings-ratio = 画幅：{ $ratio }
settings-ratio-adaptive = 自适应（由模型决定）
settings-resolution = 分辨率：{ $resolution }
settings-model = 模型
settings-audio = 声音
setting-not-offered = 这里已不再提供 { $value }。请重新打开 **设置** 查看当前选项。
setting-moved = { $model } 不支持 { $old }，已改为 { $new }。
