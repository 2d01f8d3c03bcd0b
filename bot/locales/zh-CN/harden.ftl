# 加固：点击或文件去了不该去的地方时成员看到的话。

component-unknown = 这个按钮或菜单已经失效了。

# 一条消息里的文件的唯一回复，接在添加了几个（files-added）之后。
upload-summary-added = 已添加：{ $tags }。
