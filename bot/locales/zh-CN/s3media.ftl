# Media by key (bot/hosting/s3_media.py): the shared file storage can't be reached.
s3media-unreachable = 文件存储暂时无法访问，因此没有保存任何内容，也没有丢失任何内容。请过几分钟再试；如果这是一个视频任务，积分已经退还。
